// Package app assembles Bulwark from its parts: it opens storage and keys
// from the configuration, builds the domain services, and serves the
// listeners. The CLI commands and the tests start from here.
package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"bulwark/internal/accounts"
	"bulwark/internal/directory"
	"bulwark/internal/phishing"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/config"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/jobs"
	"bulwark/internal/platform/secrets"
	"bulwark/internal/sharing"
)

// Version is set at build time with -ldflags "-X bulwark/internal/app.Version=...".
var Version = "dev"

// App is an opened Bulwark: storage, keys and domain services.
type App struct {
	Config    config.Config
	Log       *slog.Logger
	DB        *database.DB
	Keys      *secrets.Keyring
	Audit     *audit.Log
	Directory *directory.Store
	Accounts  *accounts.Service
	Jobs      *jobs.Queue
	Phishing  *phishing.Store
	Sharing   *sharing.Store
}

// NewLogger makes the process logger from the configuration.
func NewLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Open connects to storage, applies migrations, seeds the reference
// organisations and loads the keys kept outside the database.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	if log == nil {
		log = NewLogger(cfg, os.Stderr)
	}
	db, err := database.Open(ctx, cfg.Data, cfg.Database)
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Log: log, DB: db}
	if err := a.init(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) init(ctx context.Context) error {
	cfg := a.Config
	if err := a.DB.Migrate(ctx); err != nil {
		return err
	}
	if cfg.Data != "" {
		if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
			return fmt.Errorf("data folder: %w", err)
		}
	}
	keys, err := secrets.LoadKeyring(cfg.Data, cfg.SecretKeys)
	if err != nil {
		return err
	}
	a.Keys = keys
	a.Audit, err = audit.Open(a.DB, cfg.Data, os.Getenv("BULWARK_AUDIT_KEY"))
	if err != nil {
		return err
	}
	a.Jobs = jobs.New(a.DB, a.Log, a.Audit, jobOwner())
	a.Directory = directory.NewStore(a.DB, a.Audit)
	a.Accounts = accounts.NewService(a.DB, a.Audit, newLiveKeys(cfg.Data, cfg.SecretKeys, a.Keys), accounts.Policy{
		LockoutAttempts: cfg.LockoutAttempts, LockoutDuration: cfg.LockoutDuration,
		SessionIdle: cfg.SessionIdle, SessionAbsolute: cfg.SessionAbsolute,
	})
	a.Phishing = phishing.NewStore(a.DB, a.Audit, a.Keys)
	if n, err := a.Phishing.SeedLibrary(ctx); err != nil {
		return fmt.Errorf("seed the phishing starter library: %w", err)
	} else if n > 0 {
		a.Log.Info("added the phishing starter library", "items", n)
	}
	a.Sharing = sharing.NewStore(a.DB, a.Audit, a.Directory)
	if _, err := a.Sharing.SeedAllowList(ctx); err != nil {
		return err
	}
	if n, err := a.Directory.SeedElectionAuthorities(ctx); err != nil {
		return fmt.Errorf("seed election authorities: %w", err)
	} else if n > 0 {
		a.Log.Info("added the local election authorities", "organisations", n)
	}
	return nil
}

// jobOwner names this process in job leases: host and process id.
func jobOwner() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "bulwark"
	}
	return fmt.Sprintf("%s:%d", host, os.Getpid())
}

// Close writes the audit chain head and closes storage.
func (a *App) Close() error {
	if a.Audit != nil {
		a.Audit.WriteHead(context.Background())
	}
	return a.DB.Close()
}

// PruneSessions deletes expired sessions every interval until ctx ends.
func (a *App) PruneSessions(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := a.Accounts.PruneSessions(ctx); err != nil && ctx.Err() == nil {
				a.Log.Warn("pruning sessions", "err", err)
			}
		}
	}
}
