package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
)

// auditKeyEnv holds the audit chain key in hex when it is not kept in the
// data folder (app.Open reads the same variable).
const auditKeyEnv = "BULWARK_AUDIT_KEY"

func init() {
	register(command{
		name:    "audit verify",
		summary: "check that no audit log entry was changed, removed or cut off the end",
		run:     auditVerify,
	})
}

func auditVerify(ctx context.Context, e *Env) error {
	if len(e.Args) != 0 {
		return fmt.Errorf("%w: audit verify takes no arguments", errUsage)
	}
	// Verification only reads: it opens the database without migrating or
	// seeding, so that checking the log never adds to it.
	db, err := openExisting(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	log, err := openAuditLog(db, e.Config.Data)
	if err != nil {
		return err
	}
	rep, err := log.Verify(ctx)
	if err != nil {
		return err
	}
	printAuditReport(e, rep)
	if !rep.OK() {
		return fmt.Errorf("the audit log has %d %s: it may have been tampered with; keep a copy of the database and the data folder as they are, and compare them with a backup", len(rep.Problems), plural(len(rep.Problems), "problem", "problems"))
	}
	return nil
}

func printAuditReport(e *Env, rep audit.Report) {
	fmt.Fprintf(e.Out, "Checked %d audit log %s.\n", rep.Entries, plural(int(rep.Entries), "entry", "entries"))
	if rep.HeadID > 0 {
		fmt.Fprintf(e.Out, "The chain head recorded outside the database is entry %d.\n", rep.HeadID)
	} else {
		fmt.Fprintln(e.Out, "No chain head is recorded outside the database yet.")
	}
	for _, p := range rep.Problems {
		if p.EntryID > 0 {
			fmt.Fprintf(e.Out, "  entry %d: %s\n", p.EntryID, p.Reason)
		} else {
			fmt.Fprintf(e.Out, "  %s\n", p.Reason)
		}
	}
	if rep.OK() {
		fmt.Fprintln(e.Out, "The audit log is intact.")
	}
}

// openAuditLog opens the chain without creating a key: a missing key means
// the wrong data folder, and a fresh key would flag every entry as changed.
func openAuditLog(db *database.DB, dataDir string) (*audit.Log, error) {
	keyHex := os.Getenv(auditKeyEnv)
	if keyHex == "" {
		if _, err := os.Stat(audit.KeyFile(dataDir)); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("there is no audit key at %s: is --data the folder serve uses?", audit.KeyFile(dataDir))
		}
	}
	return audit.Open(db, dataDir, keyHex)
}

// openExisting opens the configured database without creating, migrating
// or seeding it.
func openExisting(ctx context.Context, e *Env) (*database.DB, error) {
	cfg := e.Config
	if !database.IsPostgresURL(cfg.Database) {
		path := sqlitePath(cfg.Data, cfg.Database)
		if _, err := os.Stat(path); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("there is no database at %s: is --data the folder serve uses?", path)
			}
			return nil, err
		}
	}
	db, err := database.Open(ctx, cfg.Data, cfg.Database)
	if err != nil {
		return nil, err
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n == 0 {
		db.Close()
		return nil, fmt.Errorf("the database at %s holds no Bulwark data", db.Location)
	}
	return db, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
