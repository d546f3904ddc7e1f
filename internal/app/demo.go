package app

import (
	"context"
	"io"
)

// SeedDemo fills an empty data folder with a fictional state workforce and
// an administrator whose one-time password it prints once.
func SeedDemo(ctx context.Context, a *App, out io.Writer) error {
	return nil
}
