// Package dbtest gives tests a freshly migrated database on every engine:
// a SQLite file in the test's temporary folder, and, when
// BULWARK_TEST_POSTGRES names a server, a PostgreSQL database cloned from a
// migrated template and dropped when the test ends.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"bulwark/internal/platform/database"
)

// EnvPostgres holds the URL of a PostgreSQL server where tests may create
// databases, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const EnvPostgres = "BULWARK_TEST_POSTGRES"

// Engines lists the dialects this run tests: SQLite always, PostgreSQL when
// configured. With CI=true a missing PostgreSQL fails the test instead.
func Engines(t testing.TB) []database.Dialect {
	t.Helper()
	out := []database.Dialect{database.SQLite}
	if os.Getenv(EnvPostgres) != "" {
		out = append(out, database.Postgres)
	} else if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true but %s is unset: storage tests must run on PostgreSQL too", EnvPostgres)
	}
	return out
}

// Run calls fn once per engine, as subtests named after the engine, each
// with its own freshly migrated database.
func Run(t *testing.T, fn func(t *testing.T, db *database.DB)) {
	t.Helper()
	for _, d := range Engines(t) {
		t.Run(string(d), func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// Open returns a migrated, empty database of dialect d, closed and removed
// when t ends.
func Open(t testing.TB, d database.Dialect) *database.DB {
	t.Helper()
	ctx := context.Background()
	switch d {
	case database.SQLite:
		db, err := database.OpenSQLite(ctx, filepath.Join(t.TempDir(), "test.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return db
	case database.Postgres:
		u := NewPostgresDatabase(t)
		db, err := database.Open(ctx, "", u)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	t.Fatalf("unknown dialect %q", d)
	return nil
}

var templateOnce sync.Map // digest -> *templateResult

type templateResult struct {
	once sync.Once
	name string
	err  error
}

// NewPostgresDatabase creates a migrated PostgreSQL database for t (cloned
// from a template named after the migrations' digest) and returns its URL.
// The database is dropped when t ends.
func NewPostgresDatabase(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Skipf("%s is unset", EnvPostgres)
	}
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	tpl, err := ensureTemplate(ctx, admin, base)
	if err != nil {
		t.Fatalf("postgres template: %v", err)
	}
	name := "bw_test_" + randomSuffix()
	// Cloning needs the template to have no other session; a lock on the
	// admin database serialises clones across test packages.
	if err := withAdvisoryLock(ctx, admin, func(c *sql.Conn) error {
		_, err := c.ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, tpl))
		return err
	}); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.ExecContext(context.Background(), fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name))
	})
	return withDatabase(base, name)
}

// NewEmptyPostgresDatabase creates an empty PostgreSQL database (no
// migrations) for t and returns its URL; it is dropped when t ends.
func NewEmptyPostgresDatabase(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Skipf("%s is unset", EnvPostgres)
	}
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := "bw_test_" + randomSuffix()
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.ExecContext(context.Background(), fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name))
	})
	return withDatabase(base, name)
}

func ensureTemplate(ctx context.Context, admin *sql.DB, base string) (string, error) {
	digest, err := database.MigrationsDigest(database.Postgres)
	if err != nil {
		return "", err
	}
	v, _ := templateOnce.LoadOrStore(digest, &templateResult{})
	r := v.(*templateResult)
	r.once.Do(func() {
		r.name = "bw_template_" + digest
		r.err = withAdvisoryLock(ctx, admin, func(c *sql.Conn) error {
			var exists bool
			if err := c.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, r.name).Scan(&exists); err != nil {
				return err
			}
			if exists {
				return nil
			}
			building := r.name + "_building"
			c.ExecContext(ctx, `DROP DATABASE IF EXISTS `+building+` WITH (FORCE)`)
			if _, err := c.ExecContext(ctx, `CREATE DATABASE `+building); err != nil {
				return err
			}
			db, err := database.Open(ctx, "", withDatabase(base, building))
			if err != nil {
				return err
			}
			err = db.Migrate(ctx)
			db.Close()
			if err != nil {
				return err
			}
			_, err = c.ExecContext(ctx, `ALTER DATABASE `+building+` RENAME TO `+r.name)
			return err
		})
	})
	return r.name, r.err
}

const cloneLockKey = 7286145099

func withAdvisoryLock(ctx context.Context, admin *sql.DB, fn func(*sql.Conn) error) error {
	c, err := admin.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, cloneLockKey); err != nil {
		return err
	}
	defer c.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, cloneLockKey)
	return fn(c)
}

func withDatabase(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	u.Path = "/" + name
	return u.String()
}

func randomSuffix() string {
	b := make([]byte, 6)
	rand.Read(b)
	return strings.ToLower(hex.EncodeToString(b))
}
