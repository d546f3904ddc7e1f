package phishing

import (
	"errors"
	"strings"
	"testing"

	"bulwark/internal/directory"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/secrets"
)

var tester = audit.Actor{Label: "test"}

func newTestStore(t *testing.T, db *database.DB) *Store {
	t.Helper()
	dir := t.TempDir()
	l, err := audit.Open(db, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := secrets.LoadKeyring(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	return NewStore(db, l, keys)
}

// wantFieldError checks that err is a validation error on field whose
// reason contains want.
func wantFieldError(t *testing.T, err error, field, want string) {
	t.Helper()
	var fe *directory.FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("got %v, want a field error on %s", err, field)
	}
	if fe.Field != field || !strings.Contains(fe.Reason, want) {
		t.Fatalf("got %s: %q, want %s: …%q…", fe.Field, fe.Reason, field, want)
	}
}
