package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bulwark/internal/accounts"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/database/dbtest"
)

// instance is a data folder, and a PostgreSQL database when testing that
// engine, that commands run against as an operator would.
type instance struct {
	t        *testing.T
	dialect  database.Dialect
	data     string
	database string // empty for SQLite
}

func newInstance(t *testing.T, d database.Dialect) *instance {
	t.Helper()
	in := &instance{t: t, dialect: d, data: filepath.Join(t.TempDir(), "data")}
	if d == database.Postgres {
		in.database = dbtest.NewPostgresDatabase(t)
	}
	return in
}

// flags are the configuration flags every command takes.
func (in *instance) flags() []string {
	f := []string{"--data", in.data, "--log-level", "warn"}
	if in.database != "" {
		f = append(f, "--database", in.database)
	}
	return f
}

// run runs a command in process and returns its exit code and output.
func (in *instance) run(stdin string, args ...string) (code int, stdout, stderr string) {
	in.t.Helper()
	var out, errOut bytes.Buffer
	code = Run(context.Background(), append(args, in.flags()...), IO{In: strings.NewReader(stdin), Out: &out, Err: &errOut})
	return code, out.String(), errOut.String()
}

// mustRun runs a command that must succeed.
func (in *instance) mustRun(stdin string, args ...string) string {
	in.t.Helper()
	code, out, errOut := in.run(stdin, args...)
	if code != 0 {
		in.t.Fatalf("bulwark %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// db opens the instance's database directly, as someone with access to
// the files or the server (and not to the keys) could.
func (in *instance) db() *database.DB {
	in.t.Helper()
	db, err := database.Open(context.Background(), in.data, in.database)
	if err != nil {
		in.t.Fatal(err)
	}
	in.t.Cleanup(func() { db.Close() })
	return db
}

// withAuditEntries makes an instance with a few audited changes and the
// chain head written, as after normal use.
func withAuditEntries(t *testing.T, d database.Dialect) (*instance, int64) {
	t.Helper()
	in := newInstance(t, d)
	a := in.openApp()
	for i := range 3 {
		_, err := a.Accounts.CreateUser(context.Background(), audit.CLI, accounts.NewUser{
			Email: fmt.Sprintf("analyst%d@sos.example.org", i), Name: fmt.Sprintf("Analyst %d", i), Role: accounts.RoleAnalyst})
		if err != nil {
			t.Fatal(err)
		}
	}
	a.Close() // writes the chain head, as every command and serve do
	var last int64
	if err := in.db().QueryRow(`SELECT MAX(id) FROM audit_log`).Scan(&last); err != nil {
		t.Fatal(err)
	}
	if last < 4 {
		t.Fatalf("only %d audit entries after creating three users", last)
	}
	return in, last
}

func TestAuditVerify(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, db *database.DB, last int64)
		want   []string // in the output; none means the log is intact
	}{
		{name: "intact", tamper: func(*testing.T, *database.DB, int64) {}},
		{name: "edited row", tamper: func(t *testing.T, db *database.DB, last int64) {
			exec(t, db, `UPDATE audit_log SET summary = '{"role":"admin"}' WHERE id = 3`)
		}, want: []string{"entry 3: entry was changed"}},
		{name: "edited actor", tamper: func(t *testing.T, db *database.DB, last int64) {
			exec(t, db, `UPDATE audit_log SET actor = 'system' WHERE id = 2`)
		}, want: []string{"entry 2: entry was changed"}},
		{name: "deleted row", tamper: func(t *testing.T, db *database.DB, last int64) {
			exec(t, db, `DELETE FROM audit_log WHERE id = 2`)
		}, want: []string{"entries 2 to 2 are missing"}},
		{name: "deleted and renumbered", tamper: func(t *testing.T, db *database.DB, last int64) {
			// Hiding a removal by closing the gap breaks the chain instead.
			exec(t, db, `DELETE FROM audit_log WHERE id = 2`)
			for id := int64(3); id <= last; id++ {
				exec(t, db, `UPDATE audit_log SET id = $1 WHERE id = $2`, id-1, id)
			}
		}, want: []string{"entry 2: entry was changed"}},
		{name: "cut-off tail", tamper: func(t *testing.T, db *database.DB, last int64) {
			exec(t, db, `DELETE FROM audit_log WHERE id >= $1`, last-1)
		}, want: []string{"the newest entries were removed"}},
	}
	for _, d := range dbtest.Engines(t) {
		for _, tt := range tests {
			t.Run(string(d)+"/"+tt.name, func(t *testing.T) {
				in, last := withAuditEntries(t, d)
				db := in.db()
				tt.tamper(t, db, last)
				var before int
				db.QueryRow(`SELECT COUNT(*) FROM audit_log`).Scan(&before)

				code, out, errOut := in.run("", "audit", "verify")
				if len(tt.want) == 0 {
					if code != 0 || !strings.Contains(out, "The audit log is intact.") || !strings.Contains(out, fmt.Sprintf("Checked %d audit log entries", last)) {
						t.Errorf("intact log: exit %d\n%s%s", code, out, errOut)
					}
				} else {
					if code != 1 {
						t.Errorf("exit %d, want 1\n%s%s", code, out, errOut)
					}
					for _, w := range tt.want {
						if !strings.Contains(out, w) {
							t.Errorf("output lacks %q:\n%s", w, out)
						}
					}
					if strings.Contains(out, "intact") || !strings.Contains(errOut, "may have been tampered with") {
						t.Errorf("a broken log must not be called intact:\n%s%s", out, errOut)
					}
				}
				// Verifying reads only: it adds no entry of its own.
				var after int
				db.QueryRow(`SELECT COUNT(*) FROM audit_log`).Scan(&after)
				if after != before {
					t.Errorf("audit verify changed the log: %d entries before, %d after", before, after)
				}
			})
		}
	}
}

func TestAuditVerifyRefusesTheWrongFolder(t *testing.T) {
	in := newInstance(t, database.SQLite)
	code, _, errOut := in.run("", "audit", "verify")
	if code != 1 || !strings.Contains(errOut, "there is no database at") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(in.data); err == nil {
		t.Error("audit verify created the data folder it was pointed at")
	}

	// A database without its audit key is refused, not flagged entry by
	// entry against a freshly made key.
	in2, _ := withAuditEntries(t, database.SQLite)
	if err := os.Remove(filepath.Join(in2.data, "audit.key")); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = in2.run("", "audit", "verify")
	if code != 1 || !strings.Contains(errOut, "there is no audit key") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(in2.data, "audit.key")); err == nil {
		t.Error("audit verify made a new audit key")
	}
}

func exec(t *testing.T, db *database.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
