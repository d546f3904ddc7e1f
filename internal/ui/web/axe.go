package web

import _ "embed"

// AxeScript is axe-core's minified source (see static/VERSIONS.txt for the version), for
// browser tests that inject it into a rendered page and run axe.run(). It is test support
// only: it lives in testdata/, outside Static, and is never served to users.
//
//go:embed testdata/axe.min.js
var AxeScript []byte
