package cli

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"bulwark/internal/app"
	"bulwark/internal/directory"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/config"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/secrets"
)

// openApp opens the instance in process, as a running serve would hold it.
func (in *instance) openApp() *app.App {
	in.t.Helper()
	cfg := config.Defaults()
	cfg.Data, cfg.Database = in.data, in.database
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		in.t.Fatal(err)
	}
	return a
}

// peopleByID reads every person row as text, keyed by id.
func peopleByID(t *testing.T, db *database.DB) map[int64]string {
	t.Helper()
	rows, err := db.Query(`SELECT id, email, first_name, last_name, COALESCE(organisation_id, 0), department, title, location, time_zone FROM people`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id, org int64
		var f [7]string
		if err := rows.Scan(&id, &f[0], &f[1], &f[2], &org, &f[3], &f[4], &f[5], &f[6]); err != nil {
			t.Fatal(err)
		}
		out[id] = fmt.Sprint(org, f)
	}
	return out
}

func TestBackupWhileWritingAndRestore(t *testing.T) {
	src := newInstance(t, database.SQLite)
	mfaUser := sealMFASecret(t, src, "mfa@cyber.example.org", mfaPlaintext)

	// serve's part: people are created, each change audited, and the chain
	// head written often, all while the backup runs.
	a := src.openApp()
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var written atomic.Int64
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := 0; ctx.Err() == nil; i++ {
			_, err := a.Directory.CreatePerson(ctx, audit.System, directory.Person{
				Email: fmt.Sprintf("writer%d@dor.example.org", i), FirstName: "Pat", LastName: fmt.Sprint("Writer ", i),
				Department: "Taxation Division", Title: "Tax Examiner", TimeZone: "America/Chicago", Active: true,
			})
			if err != nil && ctx.Err() == nil {
				t.Errorf("writer: %v", err)
				return
			}
			written.Add(1)
		}
	}()
	go func() {
		defer wg.Done()
		a.Audit.KeepHead(ctx, time.Millisecond)
	}()
	for written.Load() < 20 {
		time.Sleep(time.Millisecond)
	}
	archive := filepath.Join(t.TempDir(), "bulwark-backup.tar.gz")
	code, out, errOut := src.run("", "backup", "--to", archive)
	atBackup := written.Load()
	time.Sleep(20 * time.Millisecond) // let the writer go on past the copy
	stop()
	wg.Wait()
	a.Close()
	if code != 0 {
		t.Fatalf("backup: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "WARNING") || !strings.Contains(errOut, "keys") || !strings.Contains(errOut, "Store it encrypted") {
		t.Errorf("no warning that the file holds the keys:\n%s", errOut)
	}
	if info, err := os.Stat(archive); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("backup file mode %v %v, want 0600", info.Mode().Perm(), err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(archive), ".bulwark-backup-*")); len(left) != 0 {
		t.Errorf("temporary files left beside the backup: %v", left)
	}

	dst := newInstance(t, database.SQLite)
	out = dst.mustRun("", "restore", "--from", archive)
	if !strings.Contains(out, "The audit log is intact.") || !strings.Contains(out, "Restored") {
		t.Errorf("restore output:\n%s", out)
	}
	for _, name := range []string{"bulwark.db", "secret.keys", "audit.key", "audit.head"} {
		info, err := os.Stat(filepath.Join(dst.data, name))
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("restored %s: %v %v, want a 0600 file", name, info, err)
		}
	}

	// The copy holds whole rows only, the same as the original's, and at
	// least everything committed before the backup started.
	srcDB, dstDB := src.db(), dst.db()
	var integrity string
	dstDB.QueryRow(`PRAGMA integrity_check`).Scan(&integrity)
	if integrity != "ok" {
		t.Errorf("restored database integrity: %s", integrity)
	}
	original, restored := peopleByID(t, srcDB), peopleByID(t, dstDB)
	for id, row := range restored {
		if original[id] != row {
			t.Errorf("person %d restored as %s, original %s", id, row, original[id])
		}
	}
	var restoredWriters int64
	dstDB.QueryRow(`SELECT COUNT(*) FROM people WHERE email LIKE 'writer%'`).Scan(&restoredWriters)
	if restoredWriters < 20 || restoredWriters > atBackup+1 {
		t.Errorf("restored %d of the people written concurrently; %d were written when the backup ended", restoredWriters, atBackup)
	}
	if len(original) <= len(restored) {
		t.Logf("the writer added nothing after the copy (%d people)", len(original))
	}

	// The chain verifies, and records the backup and the restore.
	verify := dst.mustRun("", "audit", "verify")
	if !strings.Contains(verify, "intact") {
		t.Errorf("restored audit log:\n%s", verify)
	}
	for _, action := range []string{"backup.create", "backup.restore"} {
		var n int
		dstDB.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = $1`, action).Scan(&n)
		if n != 1 {
			t.Errorf("%d %s entries in the restored log, want 1", n, action)
		}
	}
	// The keys came along: the stored secret opens.
	keys, err := secrets.LoadKeyring(dst.data, "")
	if err != nil {
		t.Fatal(err)
	}
	var sealed string
	dstDB.QueryRow(`SELECT mfa_secret FROM users WHERE id = $1`, mfaUser).Scan(&sealed)
	if got, err := keys.Decrypt(sealed, []byte("users.mfa_secret:"+mfaUser)); err != nil || string(got) != mfaPlaintext {
		t.Errorf("restored secret: %q %v", got, err)
	}
	// And the restored folder serves: the app opens on it.
	dst.openApp().Close()
}

// backedUp returns an instance with some data and a backup of it.
func backedUp(t *testing.T) (*instance, string) {
	t.Helper()
	in, _ := withAuditEntries(t, database.SQLite)
	sealMFASecret(t, in, "mfa@cyber.example.org", mfaPlaintext)
	archive := filepath.Join(t.TempDir(), "backup.tar.gz")
	in.mustRun("", "backup", "--to", archive)
	return in, archive
}

func TestBackupRefusesToOverwrite(t *testing.T) {
	in, archive := backedUp(t)
	before, _ := os.ReadFile(archive)
	code, _, errOut := in.run("", "backup", "--to", archive)
	if code != 1 || !strings.Contains(errOut, "already exists") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	if after, _ := os.ReadFile(archive); !bytes.Equal(before, after) {
		t.Error("the existing file was changed")
	}
	in.mustRun("", "backup", "--to", archive, "--force")
	if after, _ := os.ReadFile(archive); bytes.Equal(before, after) {
		t.Error("--force did not replace the file")
	}
}

func TestRestoreRefusesANonEmptyFolder(t *testing.T) {
	_, archive := backedUp(t)
	dst := newInstance(t, database.SQLite)
	os.MkdirAll(dst.data, 0o700)
	os.WriteFile(filepath.Join(dst.data, "notes.txt"), []byte("keep me"), 0o600)

	code, _, errOut := dst.run("", "restore", "--from", archive)
	if code != 1 || !strings.Contains(errOut, "is not empty") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if entries, _ := os.ReadDir(dst.data); len(entries) != 1 {
		t.Errorf("a refused restore left %d entries in the folder", len(entries))
	}

	out := dst.mustRun("", "restore", "--from", archive, "--force")
	aside, _ := filepath.Glob(dst.data + ".before-restore-*")
	if len(aside) != 1 || !strings.Contains(out, aside[0]) {
		t.Fatalf("old files not moved aside (%v):\n%s", aside, out)
	}
	if b, err := os.ReadFile(filepath.Join(aside[0], "notes.txt")); err != nil || string(b) != "keep me" {
		t.Errorf("the moved file: %q %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(dst.data, "bulwark.db")); err != nil {
		t.Error(err)
	}
}

// member is one file of a backup archive.
type member struct {
	name string
	data []byte
	typ  byte
}

func readArchive(t *testing.T, path string) []member {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var out []member
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		out = append(out, member{name: h.Name, data: b, typ: h.Typeflag})
	}
}

// writeArchiveFile writes members; with fixManifest the manifest's sums
// are recomputed so that only the content is wrong, not the checksums.
func writeArchiveFile(t *testing.T, path string, members []member, fixManifest bool) {
	t.Helper()
	if fixManifest {
		var m manifest
		var mi int
		for i, mem := range members {
			if mem.name == manifestName {
				json.Unmarshal(mem.data, &m)
				mi = i
			}
		}
		for i, f := range m.Files {
			for _, mem := range members {
				if mem.name == f.Name {
					sum := sha256.Sum256(mem.data)
					m.Files[i].Size, m.Files[i].SHA256 = int64(len(mem.data)), hex.EncodeToString(sum[:])
				}
			}
		}
		members[mi].data, _ = json.Marshal(m)
	}
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, mem := range members {
		typ := mem.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: mem.name, Mode: 0o600, Typeflag: typ}
		if typ == tar.TypeReg {
			h.Size = int64(len(mem.data))
		} else {
			h.Linkname = "/etc/passwd"
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write(mem.data)
	}
	tw.Close()
	gz.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestRestoreRefusesABadArchive(t *testing.T) {
	_, archive := backedUp(t)
	good := readArchive(t, archive)
	with := func(extra ...member) []member { return append(append([]member(nil), good...), extra...) }
	replace := func(name string, fn func([]byte) []byte) []member {
		var out []member
		for _, m := range good {
			if m.name == name {
				m.data = fn(bytes.Clone(m.data))
			}
			out = append(out, m)
		}
		return out
	}
	tamperAudit := func(db []byte) []byte {
		path := filepath.Join(t.TempDir(), "t.db")
		os.WriteFile(path, db, 0o600)
		d, err := database.OpenSQLite(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		exec(t, d, `UPDATE audit_log SET action = 'user.delete' WHERE id = 2`)
		exec(t, d, `PRAGMA journal_mode = DELETE`)
		d.Close()
		b, _ := os.ReadFile(path)
		return b
	}
	outside := filepath.Join(t.TempDir(), "escaped")

	tests := []struct {
		name    string
		members []member
		fix     bool
		raw     []byte // the file as is, instead of members
		want    string
	}{
		{name: "not gzip", raw: []byte("PK\x03\x04 a zip file"), want: "not gzip"},
		{name: "path escapes the folder", members: with(member{name: "../" + filepath.Base(filepath.Dir(outside)) + "/escaped", data: []byte("x")}), want: "unexpected member"},
		{name: "absolute path", members: with(member{name: outside, data: []byte("x")}), want: "unexpected member"},
		{name: "unexpected member", members: with(member{name: "notes.txt", data: []byte("x")}), want: "unexpected member \"notes.txt\""},
		{name: "symlink", members: append([]member{good[0], {name: "secret.keys", typ: tar.TypeSymlink}}, good[1:]...), want: "not a plain file"},
		{name: "member twice", members: with(good[len(good)-1]), want: "appears twice"},
		{name: "altered database", members: replace("bulwark.db", func(b []byte) []byte { b[len(b)/2] ^= 0xff; return b }), want: "does not match its checksum"},
		{name: "no manifest", members: good[1:], want: "no manifest"},
		{name: "missing member", members: good[:len(good)-1], want: "is missing"},
		{name: "wrong keys", members: replace("secret.keys", func([]byte) []byte {
			k, _ := secrets.NewKeyring()
			return k.Export()
		}), fix: true, want: "do not open 1 stored secret"},
		{name: "audit log edited", members: replace("bulwark.db", tamperAudit), fix: true, want: "does not verify"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := filepath.Join(t.TempDir(), "bad.tar.gz")
			if tt.raw != nil {
				os.WriteFile(bad, tt.raw, 0o600)
			} else {
				writeArchiveFile(t, bad, append([]member(nil), tt.members...), tt.fix)
			}
			dst := newInstance(t, database.SQLite)
			code, out, errOut := dst.run("", "restore", "--from", bad)
			if code != 1 || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, want 1 with %q:\n%s%s", code, tt.want, out, errOut)
			}
			entries, _ := os.ReadDir(dst.data)
			if len(entries) != 0 {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("a refused restore left %v in the data folder", names)
			}
			if _, err := os.Stat(outside); err == nil {
				t.Error("a member was written outside the data folder")
			}
		})
	}

	t.Run("audit problems accepted on request", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.tar.gz")
		writeArchiveFile(t, bad, replace("bulwark.db", tamperAudit), true)
		dst := newInstance(t, database.SQLite)
		code, out, errOut := dst.run("", "restore", "--from", bad, "--ignore-audit-problems")
		if code != 0 || !strings.Contains(out, "entry 2: entry was changed") {
			t.Errorf("exit %d:\n%s%s", code, out, errOut)
		}
	})
}

func TestBackupAndRestorePostgres(t *testing.T) {
	if os.Getenv("BULWARK_TEST_POSTGRES") == "" {
		t.Skip("BULWARK_TEST_POSTGRES is unset")
	}
	src, _ := withAuditEntries(t, database.Postgres)
	sealMFASecret(t, src, "mfa@cyber.example.org", mfaPlaintext)
	archive := filepath.Join(t.TempDir(), "keys.tar.gz")
	out := src.mustRun("", "backup", "--to", archive)
	if !strings.Contains(out, "pg_dump --format=custom") || strings.Contains(out, "bulwark.db") {
		t.Errorf("output does not give the pg_dump command:\n%s", out)
	}
	var names []string
	for _, m := range readArchive(t, archive) {
		names = append(names, m.name)
	}
	if strings.Join(names, ",") != "manifest.json,secret.keys,audit.key,audit.head" {
		t.Errorf("PostgreSQL backup members: %v", names)
	}

	// As after pg_restore into a server: the keys go into a new data
	// folder and are checked against the database.
	dst := &instance{t: t, dialect: database.Postgres, data: filepath.Join(t.TempDir(), "data"), database: src.database}
	out = dst.mustRun("", "restore", "--from", archive)
	if !strings.Contains(out, "intact") || !strings.Contains(out, "1 stored secret checked") {
		t.Errorf("restore output:\n%s", out)
	}
	if b, _ := os.ReadFile(filepath.Join(dst.data, "secret.keys")); !bytes.Equal(b, mustRead(t, filepath.Join(src.data, "secret.keys"))) {
		t.Error("restored key file differs")
	}
	dst.mustRun("", "audit", "verify")

	// A SQLite configuration refuses a PostgreSQL backup.
	sq := newInstance(t, database.SQLite)
	if code, _, errOut := sq.run("", "restore", "--from", archive); code != 1 || !strings.Contains(errOut, "backup of a postgres database") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && err != fs.ErrNotExist {
		t.Fatal(err)
	}
	return b
}
