// Package phishing owns the phishing simulation's building blocks: the
// sending profiles simulated mail leaves through, the email templates (with
// their red flags and the few variables they may use), the landing pages,
// and the starter library. It imports no net/http; the API, the pages and
// (later) the simulation listener call into it.
package phishing

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"bulwark/internal/accounts"
	"bulwark/internal/directory"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
)

// Store reads and changes the simulation's profiles, templates and landing
// pages, auditing every change. Passwords are sealed with keys.
type Store struct {
	db    *database.DB
	audit *audit.Log
	keys  accounts.Sealer
}

// NewStore returns a Store over db that audits to log and seals sending
// profile passwords with keys.
func NewStore(db *database.DB, log *audit.Log, keys accounts.Sealer) *Store {
	return &Store{db: db, audit: log, keys: keys}
}

// ErrLibrary is returned when a library item would be changed or deleted:
// library items are copied, so that every installation keeps the same
// starting point and updates of the library never overwrite anyone's work.
var ErrLibrary = fmt.Errorf("%w: this comes from the starter library and cannot be changed; make a copy and change the copy", directory.ErrInvalid)

// invalid is a validation failure on one field, shown next to it in forms
// and in the API's problem document.
func invalid(field, format string, args ...any) error {
	return &directory.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// conflict turns a unique-index violation on the name into a clear error.
func conflict(err error, what, name string) error {
	if database.IsUniqueViolation(err) {
		return fmt.Errorf("%w: there is already a %s named %q", database.ErrConflict, what, name)
	}
	return err
}

// notFound maps "no rows" to database.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return database.ErrNotFound
	}
	return err
}

// hasControl reports whether s holds a control character (CR, LF, NUL...).
func hasControl(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0
}

// checkName validates a display name.
func checkName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return name, invalid("name", "give it a name")
	case len(name) > 200:
		return name, invalid("name", "the name is longer than 200 characters")
	case hasControl(name):
		return name, invalid("name", "the name contains a line break or control character")
	}
	return name, nil
}
