//go:build tools

// Package deps pins modules that parts still being built will use, so that
// go mod tidy keeps them. Remove an import here once real code uses it.
package deps

import (
	_ "github.com/chromedp/chromedp"
	_ "github.com/coreos/go-oidc/v3/oidc"
	_ "github.com/getkin/kin-openapi/openapi3"
	_ "github.com/go-pdf/fpdf"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/makiuchi-d/gozxing"
	_ "github.com/oauth2-proxy/mockoidc"
	_ "github.com/pquerna/otp/totp"
	_ "github.com/skip2/go-qrcode"
	_ "golang.org/x/oauth2"
)
