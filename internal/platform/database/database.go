// Package database opens Bulwark's storage (SQLite by default, PostgreSQL for
// several instances), applies the embedded migrations and offers the few
// helpers that differ between the two engines.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Dialect names the SQL engine behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// ErrNotFound is returned by storage lookups that match no row.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a write would break a uniqueness rule.
var ErrConflict = errors.New("conflict")

// DB is a connection pool with the dialect it speaks.
type DB struct {
	*sql.DB
	Dialect Dialect
	// Location is the SQLite file path or the PostgreSQL URL without password.
	Location string
}

// Open connects to databaseURL when it is a postgres:// URL, otherwise to
// bulwark.db in dataDir (created when missing).
func Open(ctx context.Context, dataDir, databaseURL string) (*DB, error) {
	if IsPostgresURL(databaseURL) {
		return openPostgres(ctx, databaseURL)
	}
	if databaseURL != "" && !strings.HasPrefix(databaseURL, "sqlite:") {
		return nil, fmt.Errorf("database %q: want a postgres:// URL, a sqlite:PATH or nothing for the data folder", databaseURL)
	}
	path := strings.TrimPrefix(databaseURL, "sqlite:")
	if path == "" {
		if dataDir == "" {
			return nil, errors.New("no data folder and no database given")
		}
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data folder: %w", err)
		}
		path = filepath.Join(dataDir, "bulwark.db")
	}
	return OpenSQLite(ctx, path)
}

// IsPostgresURL reports whether s names a PostgreSQL server.
func IsPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// OpenSQLite opens (creating if needed) the SQLite database file at path in
// WAL mode. Write transactions start IMMEDIATE so that two writers wait for
// each other instead of failing on a lock upgrade.
func OpenSQLite(ctx context.Context, path string) (*DB, error) {
	q := url.Values{}
	q.Set("_time_format", "sqlite")
	q.Set("_txlock", "immediate")
	for _, p := range []string{"busy_timeout(15000)", "journal_mode(WAL)", "synchronous(NORMAL)", "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	// The path is a URI path: "#" or "?" in a folder name must not end it.
	u := url.URL{Scheme: "file", Opaque: (&url.URL{Path: path}).EscapedPath(), RawQuery: q.Encode()}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return &DB{DB: db, Dialect: SQLite, Location: path}, nil
}

func openPostgres(ctx context.Context, databaseURL string) (*DB, error) {
	db, err := sql.Open("pgx", databaseURL)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(10)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to postgres %s: %w", RedactURL(databaseURL), err)
	}
	return &DB{DB: db, Dialect: Postgres, Location: RedactURL(databaseURL)}, nil
}

// RedactURL hides the password of a database URL for logs and messages.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparseable database URL)"
	}
	return u.Redacted()
}

// Tx runs fn in a transaction, committing when it returns nil and rolling
// back otherwise.
func (db *DB) Tx(ctx context.Context, fn func(tx Tx) error) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
		if err != nil {
			tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Querier is what both *sql.DB and *sql.Tx offer; storage functions take it
// so that callers choose whether they run inside a transaction.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Now is the time stored in the database: UTC, microsecond precision (what
// PostgreSQL keeps), so values read back compare equal on both engines.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// ForUpdateSkipLocked is the row-lock clause for claiming work; SQLite
// serialises writers itself and has no such clause.
func (db *DB) ForUpdateSkipLocked() string {
	if db.Dialect == Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// IsUniqueViolation reports whether err is a unique-constraint failure on
// either engine.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

// Placeholders returns n parameter markers numbered from start, for IN
// lists and multi-row inserts. SQLite gets plain "?" markers: resolving many
// "$N" names costs it time quadratic in their number. A statement must then
// use only markers from Placeholders, in order.
func (db *DB) Placeholders(start, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		if db.Dialect == SQLite {
			b.WriteString("?")
		} else {
			fmt.Fprintf(&b, "$%d", start+i)
		}
	}
	return b.String()
}

// Tx is a transaction, named here so callers need not import database/sql.
type Tx = *sql.Tx

// InStrings is a condition that column is one of values, and its arguments:
// generated "?" markers on SQLite, one array parameter on PostgreSQL (which
// plans and sends a long list far faster that way). It must be the only
// parameter of its statement on SQLite, as with Placeholders.
func (db *DB) InStrings(column string, values []string) (string, []any) {
	if db.Dialect == Postgres {
		return column + " = ANY($1)", []any{values}
	}
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	return column + " IN (" + db.Placeholders(1, len(values)) + ")", args
}
