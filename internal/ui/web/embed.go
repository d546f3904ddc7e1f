// Package web holds what Bulwark's HTML interface sends to browsers: the vendored USWDS and htmx
// files, the app's own stylesheet and script, and the html/template files. Everything is
// embedded in the binary, so the app loads nothing from the internet at run time.
//
// The static tree is meant to be served under StaticPrefix: the templates link to
// "/static/uswds/css/uswds.min.css" and so on. For example:
//
//	sub, _ := fs.Sub(web.Static, "static")
//	mux.Handle("GET "+web.StaticPrefix, http.StripPrefix(web.StaticPrefix, http.FileServerFS(sub)))
package web

import "embed"

// StaticPrefix is the URL path under which the templates expect the static directory.
const StaticPrefix = "/static/"

// Static holds the "static" directory: vendored USWDS and htmx (refreshed by scripts/assets.sh,
// versions in static/VERSIONS.txt), bulwark.css, bulwark.js and favicon.svg.
//
//go:embed static
var Static embed.FS

// Templates holds the "templates" directory: layout.html ("layout"), layout_public.html
// ("public_layout") and one file per page under templates/pages/, each defining "content".
//
//go:embed templates
var Templates embed.FS
