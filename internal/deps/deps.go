//go:build tools

// Package deps pins modules that parts still being built will use, so that
// go mod tidy keeps them. Remove an import here once real code uses it.
package deps

import (
	_ "github.com/gaissmai/bart"
)
