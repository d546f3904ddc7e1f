package web

import (
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"
)

// Layout template names. A page is rendered by executing one of them; both call the page's
// "content" template.
const (
	LayoutApp    = "layout"        // signed-in pages: header with the user, side navigation
	LayoutPublic = "public_layout" // signed-out pages: sign in, MFA, password reset
)

// ParsePage parses both layouts, their shared partials and templates/pages/<name>.html with
// Funcs, giving a template set ready to execute with LayoutApp or LayoutPublic. Parse each page
// once at start-up.
func ParsePage(name string) (*template.Template, error) {
	t, err := template.New(name).Funcs(Funcs()).ParseFS(Templates,
		"templates/layout.html",
		"templates/layout_public.html",
		"templates/partials.html",
		"templates/pages/"+name+".html",
	)
	if err != nil {
		return nil, fmt.Errorf("parse page %q: %w", name, err)
	}
	return t, nil
}

// PageNames lists the pages under templates/pages/, without the .html suffix, so a server can
// parse them all at start-up and a test can check that each is registered.
func PageNames() ([]string, error) {
	files, err := fs.Glob(Templates, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, strings.TrimSuffix(path.Base(f), ".html"))
	}
	return names, nil
}
