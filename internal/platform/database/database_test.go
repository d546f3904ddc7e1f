package database_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"bulwark/internal/platform/database"
	"bulwark/internal/platform/database/dbtest"
)

func TestMigrateIsIdempotentAndCurrent(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		ok, err := db.MigrationsCurrent(ctx)
		if err != nil || !ok {
			t.Fatalf("after migrate: current=%v err=%v", ok, err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		if _, err := db.ExecContext(ctx, `DELETE FROM schema_migrations WHERE version = 1`); err != nil {
			t.Fatal(err)
		}
		ok, err = db.MigrationsCurrent(ctx)
		if err != nil || ok {
			t.Fatalf("with a migration missing: current=%v err=%v", ok, err)
		}
	})
}

func TestMigrationsMatchAcrossEngines(t *testing.T) {
	s, err := database.Migrations(database.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	p, err := database.Migrations(database.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != len(p) {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(s), len(p))
	}
	for i := range s {
		if s[i].Name != p[i].Name {
			t.Errorf("migration %d: sqlite %s, postgres %s", i, s[i].Name, p[i].Name)
		}
	}
}

func TestTxRollsBackOnError(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		now := database.Now()
		err := db.Tx(ctx, func(tx database.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('a', 'b', $1)`, now); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('a', 'c', $1)`, now)
			return err
		})
		if !database.IsUniqueViolation(err) {
			t.Fatalf("want a unique violation, got %v", err)
		}
		var n int
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM settings`).Scan(&n)
		if n != 0 {
			t.Fatalf("a failed transaction left %d rows", n)
		}
	})
}

func TestTimesRoundTrip(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		now := database.Now()
		if _, err := db.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('k', 'v', $1)`, now); err != nil {
			t.Fatal(err)
		}
		var got = now
		if err := db.QueryRowContext(ctx, `SELECT updated_at FROM settings WHERE key = 'k'`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(now) {
			t.Fatalf("stored %v, read %v", now, got)
		}
	})
}

func TestSQLitePathWithURICharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a#b?c d%20")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := database.Open(ctx, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := os.Stat(filepath.Join(dir, "bulwark.db")); err != nil {
		t.Fatalf("the database is not where it was asked to be: %v", err)
	}
}

// Several instances starting at once on one PostgreSQL database migrate it
// once: the advisory lock makes the others wait and find it done.
func TestConcurrentMigrationsOnPostgres(t *testing.T) {
	if len(dbtest.Engines(t)) < 2 {
		t.Skip("needs PostgreSQL")
	}
	url := dbtest.NewEmptyPostgresDatabase(t)
	ctx := context.Background()
	const instances = 4
	errs := make(chan error, instances)
	for i := 0; i < instances; i++ {
		go func() {
			db, err := database.Open(ctx, "", url)
			if err != nil {
				errs <- err
				return
			}
			defer db.Close()
			errs <- db.Migrate(ctx)
		}()
	}
	for i := 0; i < instances; i++ {
		if err := <-errs; err != nil {
			t.Errorf("instance migration: %v", err)
		}
	}
	db, err := database.Open(ctx, "", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ms, _ := database.Migrations(database.Postgres)
	var n, distinct int
	db.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations`).Scan(&n, &distinct)
	if n != len(ms) || distinct != len(ms) {
		t.Fatalf("schema_migrations has %d rows (%d versions), want %d", n, distinct, len(ms))
	}
}
