package app_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"bulwark/internal/accounts"
	"bulwark/internal/app"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/config"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/database/dbtest"
)

// TestEncryptedColumnsExist: every registered column is real on both
// engines, so a typo in a later registration fails here, not in a rotation.
func TestEncryptedColumnsExist(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		for _, c := range app.EncryptedColumns {
			if _, err := db.Exec(`SELECT ` + c.IDColumn + `, ` + c.Column + ` FROM ` + c.Table + ` WHERE 1 = 0`); err != nil {
				t.Errorf("%s.%s: %v", c.Table, c.Column, err)
			}
			if !strings.HasPrefix(c.AD, c.Table+".") {
				t.Errorf("%s.%s: associated data %q does not name the table", c.Table, c.Column, c.AD)
			}
		}
	})
}

// TestRotateKeysKeepsSecretsReadable: a secret the accounts service sealed
// is moved to the new key, and a freshly started app, which reads the key
// file again, still opens it.
func TestRotateKeysKeepsSecretsReadable(t *testing.T) {
	for _, d := range dbtest.Engines(t) {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			var cfg config.Config
			a := openApp(t, d, func(c *config.Config) { cfg = *c })
			u, err := a.Accounts.CreateUser(ctx, audit.System, accounts.NewUser{Email: "mfa@cyber.example.org", Name: "Mfa User", Role: accounts.RoleAnalyst})
			if err != nil {
				t.Fatal(err)
			}
			secret, _, err := a.Accounts.BeginTOTP(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			oldKey := a.Keys.PrimaryKeyID()

			rep, err := a.RotateKeys(ctx, audit.CLI)
			if err != nil {
				t.Fatal(err)
			}
			if rep.KeyID == oldKey || rep.Values != 1 || rep.Moved != 1 || len(rep.Unreadable) != 0 {
				t.Errorf("rotation report %+v (old key %s)", rep, oldKey)
			}
			var stored string
			a.DB.QueryRow(`SELECT mfa_secret FROM users WHERE id = $1`, u.ID).Scan(&stored)
			if !strings.HasPrefix(stored, "v1:"+rep.KeyID+":") || strings.Contains(stored, secret) {
				t.Errorf("stored value %.16s… is not sealed with the new key", stored)
			}
			a.Close()

			b, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if b.Keys.PrimaryKeyID() != rep.KeyID {
				t.Errorf("a new start uses key %s, want %s", b.Keys.PrimaryKeyID(), rep.KeyID)
			}
			got, _, err := b.Accounts.PendingTOTP(ctx, u.ID)
			if err != nil || got != secret {
				t.Errorf("after rotation the accounts service reads %q, %v; want the secret it sealed", got, err)
			}
			checked, problems, err := app.CheckSecrets(ctx, b.DB, b.Keys)
			if err != nil || checked != 1 || len(problems) != 0 {
				t.Errorf("CheckSecrets: %d checked, problems %v, %v", checked, problems, err)
			}
		})
	}
}
