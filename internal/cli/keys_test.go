package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bulwark/internal/platform/database"
	"bulwark/internal/platform/database/dbtest"
	"bulwark/internal/platform/secrets"
)

// mfaPlaintext looks like a TOTP seed, the secret users.mfa_secret holds.
const mfaPlaintext = "KVKFKRCPNZQUYMLXOVYDSQKJKZDTSRLD"

// sealMFASecret stores plaintext as the sign-in code secret of a new user,
// encrypted with the data folder's keys as the accounts service does, and
// returns the user's id.
func sealMFASecret(t *testing.T, in *instance, email, plaintext string) string {
	t.Helper()
	in.mustRun("", "users", "create", "--email", email, "--name", "Key Test", "--role", "analyst")
	db := in.db()
	var id string
	if err := db.QueryRow(`SELECT id FROM users WHERE email = $1`, email).Scan(&id); err != nil {
		t.Fatal(err)
	}
	keys, err := secrets.LoadKeyring(in.data, "")
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := keys.Encrypt([]byte(plaintext), []byte("users.mfa_secret:"+id))
	if err != nil {
		t.Fatal(err)
	}
	exec(t, db, `UPDATE users SET mfa_secret = $1, mfa_enabled = TRUE WHERE id = $2`, sealed, id)
	return id
}

func TestKeysRotate(t *testing.T) {
	for _, d := range dbtest.Engines(t) {
		t.Run(string(d), func(t *testing.T) {
			in := newInstance(t, d)
			id := sealMFASecret(t, in, "mfa.user@sos.example.org", mfaPlaintext)
			before, err := secrets.LoadKeyring(in.data, "")
			if err != nil {
				t.Fatal(err)
			}

			out := in.mustRun("", "keys", "rotate")
			after, err := secrets.LoadKeyring(in.data, "")
			if err != nil {
				t.Fatal(err)
			}
			primary := after.PrimaryKeyID()
			if primary == before.PrimaryKeyID() || len(after.KeyIDs()) != 2 {
				t.Fatalf("keys after rotation %v, before %v: want one key added as primary", after.KeyIDs(), before.KeyIDs())
			}
			if !strings.Contains(out, "Re-encrypted 1 of 1 stored secret with key "+primary) {
				t.Errorf("output does not count the moved value:\n%s", out)
			}

			db := in.db()
			var stored string
			if err := db.QueryRow(`SELECT mfa_secret FROM users WHERE id = $1`, id).Scan(&stored); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(stored, "v1:"+primary+":") {
				t.Errorf("stored value %.20s… is not sealed with the new primary key %s", stored, primary)
			}
			if got, err := after.Decrypt(stored, []byte("users.mfa_secret:"+id)); err != nil || string(got) != mfaPlaintext {
				t.Errorf("stored value decrypts to %q, %v", got, err)
			}

			var summary string
			if err := db.QueryRow(`SELECT summary FROM audit_log WHERE action = 'keys.rotate'`).Scan(&summary); err != nil {
				t.Fatalf("no keys.rotate audit entry: %v", err)
			}
			if !strings.Contains(summary, `"reencrypted":1`) || !strings.Contains(summary, primary) {
				t.Errorf("audit summary %s lacks the counts or key id", summary)
			}

			// Neither the secret nor any key is in the database in clear.
			needles := []string{mfaPlaintext}
			for _, line := range strings.Split(string(after.Export()), "\n") {
				if f := strings.Fields(line); len(f) == 2 && !strings.HasPrefix(line, "#") {
					needles = append(needles, f[1])
				}
			}
			for _, n := range needles {
				if where := findInDatabase(t, in, db, n); len(where) > 0 {
					t.Errorf("%.12s… found in clear in %v", n, where)
				}
			}
			code, verifyOut, _ := in.run("", "audit", "verify")
			if code != 0 {
				t.Errorf("audit log does not verify after rotation:\n%s", verifyOut)
			}
		})
	}
}

func TestKeysRotateReportsUnreadableValues(t *testing.T) {
	in := newInstance(t, database.SQLite)
	good := sealMFASecret(t, in, "good@sos.example.org", mfaPlaintext)
	bad := sealMFASecret(t, in, "bad@sos.example.org", "ANOTHERSEED")
	db := in.db()
	// A value copied from another row does not open in this one.
	var goodValue string
	db.QueryRow(`SELECT mfa_secret FROM users WHERE id = $1`, good).Scan(&goodValue)
	exec(t, db, `UPDATE users SET mfa_secret = $1 WHERE id = $2`, goodValue, bad)

	code, out, errOut := in.run("", "keys", "rotate")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "users.mfa_secret of row "+bad) || !strings.Contains(errOut, "1 stored secret could not be opened") {
		t.Errorf("the unreadable value is not named:\n%s%s", out, errOut)
	}
	keys, _ := secrets.LoadKeyring(in.data, "")
	var moved, left string
	db.QueryRow(`SELECT mfa_secret FROM users WHERE id = $1`, good).Scan(&moved)
	db.QueryRow(`SELECT mfa_secret FROM users WHERE id = $1`, bad).Scan(&left)
	if !strings.HasPrefix(moved, "v1:"+keys.PrimaryKeyID()+":") {
		t.Error("the readable value was not moved to the new key")
	}
	if left != goodValue {
		t.Error("the unreadable value was changed")
	}
}

func TestKeysRotateWithKeysFromTheEnvironment(t *testing.T) {
	key := func(id string, fill byte) string {
		return id + " " + base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{fill}, secrets.KeySize))
	}
	t.Setenv(secrets.EnvVar, key("old", 1))
	in := newInstance(t, database.SQLite)
	oldKeys, err := secrets.LoadKeyring("", os.Getenv(secrets.EnvVar))
	if err != nil {
		t.Fatal(err)
	}
	in.mustRun("", "users", "create", "--email", "env@sos.example.org", "--name", "Env Keys", "--role", "analyst")
	db := in.db()
	var id string
	db.QueryRow(`SELECT id FROM users WHERE email = 'env@sos.example.org'`).Scan(&id)
	sealed, _ := oldKeys.Encrypt([]byte(mfaPlaintext), []byte("users.mfa_secret:"+id))
	exec(t, db, `UPDATE users SET mfa_secret = $1 WHERE id = $2`, sealed, id)

	// The operator appends the new key to the variable; rotate moves the
	// values onto it and writes no key file.
	t.Setenv(secrets.EnvVar, key("old", 1)+","+key("new", 2))
	out := in.mustRun("", "keys", "rotate")
	if !strings.Contains(out, "no key was added here") || !strings.Contains(out, "Re-encrypted 1 of 1") {
		t.Errorf("output:\n%s", out)
	}
	var stored string
	db.QueryRow(`SELECT mfa_secret FROM users WHERE id = $1`, id).Scan(&stored)
	if !strings.HasPrefix(stored, "v1:new:") {
		t.Errorf("value not moved to the environment's last key: %.12s…", stored)
	}
	if _, err := os.Stat(filepath.Join(in.data, secrets.KeyFileName)); err == nil {
		t.Error("a key file was written although the keys come from the environment")
	}
}

// findInDatabase lists where needle appears in clear: in the SQLite files'
// raw bytes (the database, its write-ahead log), or in any text or binary
// column of any PostgreSQL table.
func findInDatabase(t *testing.T, in *instance, db *database.DB, needle string) []string {
	t.Helper()
	var where []string
	if db.Dialect == database.SQLite {
		matches, _ := filepath.Glob(filepath.Join(in.data, "bulwark.db*"))
		if len(matches) == 0 {
			t.Fatal("no database files to scan")
		}
		for _, m := range matches {
			b, err := os.ReadFile(m)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(b, []byte(needle)) {
				where = append(where, filepath.Base(m))
			}
		}
		return where
	}
	rows, err := db.Query(`SELECT table_name, column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'bytea', 'jsonb', 'json')`)
	if err != nil {
		t.Fatal(err)
	}
	type col struct{ table, column, typ string }
	var cols []col
	for rows.Next() {
		var c col
		rows.Scan(&c.table, &c.column, &c.typ)
		cols = append(cols, c)
	}
	rows.Close()
	if len(cols) < 10 {
		t.Fatalf("only %d text columns found: the scan is not looking at the schema", len(cols))
	}
	for _, c := range cols {
		expr := fmt.Sprintf(`position($1 in %q::text) > 0`, c.column)
		if c.typ == "bytea" {
			expr = fmt.Sprintf(`position(convert_to($1, 'UTF8') in %q) > 0`, c.column)
		}
		var n int
		if err := db.QueryRowContext(context.Background(), fmt.Sprintf(`SELECT COUNT(*) FROM %q WHERE %s`, c.table, expr), needle).Scan(&n); err != nil {
			t.Fatalf("scan %s.%s: %v", c.table, c.column, err)
		}
		if n > 0 {
			where = append(where, c.table+"."+c.column)
		}
	}
	return where
}
