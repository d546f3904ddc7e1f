package directory

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
)

// fuzzAuditKey keeps the audit log from writing a key file per input.
var fuzzAuditKey = strings.Repeat("ab", 32)

// migratedSQLite makes a migrated, empty SQLite file once, so each fuzz
// input can start from a copy of it instead of migrating again.
func migratedSQLite(f *testing.F) []byte {
	f.Helper()
	dir := f.TempDir()
	db, err := database.OpenSQLite(context.Background(), filepath.Join(dir, "migrated.db"))
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(context.Background()); err != nil {
		f.Fatal(err)
	}
	// VACUUM INTO writes one self-contained file, with nothing left in a WAL.
	path := filepath.Join(dir, "template.db")
	if _, err := db.Exec(`VACUUM INTO '` + path + `'`); err != nil {
		f.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// fileRows reads the file as the importer does and returns, by line, the
// normalised email of each record, and how often each email appears.
func fileRows(data []byte) (emailAt map[int]string, times map[string]int) {
	emailAt, times = map[int]string{}, map[string]int{}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return
	}
	col := -1
	for i, h := range header {
		h = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))), " ", "_")
		for _, c := range ImportColumns {
			if c.Name == "email" && (h == c.Name || contains(c.Aliases, h)) {
				col = i
			}
		}
	}
	if col < 0 {
		return
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				continue
			}
			return
		}
		if col >= len(rec) {
			continue
		}
		line, _ := cr.FieldPos(0)
		e, err := NormaliseEmail(rec[col])
		if err != nil {
			e = strings.ToLower(strings.TrimSpace(rec[col]))
		}
		emailAt[line] = e
		times[e]++
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// importWithoutPanic runs the import, failing the test (rather than ending
// the whole test binary) when it panics.
func importWithoutPanic(t *testing.T, s *Store, data []byte) (rep ImportReport, err error) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("ImportPeople panicked on %q: %v\n%s", data, p, debug.Stack())
		}
	}()
	return s.ImportPeople(context.Background(), audit.System, bytes.NewReader(data), ImportOptions{BatchSize: 3})
}

// FuzzImportPeople feeds arbitrary files to the importer on a fresh SQLite
// database each time. It must never panic; its counts must add up to the
// rows it read; and a row it reports as failed must have written nothing,
// unless the same email is on another row of the file.
func FuzzImportPeople(f *testing.F) {
	for _, seed := range []string{
		"email,first_name,last_name\na@example.org,Ann,A\n",
		"email,first_name,last_name,organisation,department,title,manager_email,location,time_zone,language,employee_id,active\n" +
			"boss@example.org,Ada,Boss,Department of Revenue,IT,Director,,Jefferson City,America/Chicago,en,E1,true\n" +
			"w@example.org,Bo,W,Department of Revenue,IT,Analyst,boss@example.org,,Mars/Base,en,E2,yes\n" +
			"x@example.org,Cy,X,,,,,,,,,maybe\n" +
			"w@example.org,Dup,W,,,,,,,,,\n",
		"Email,Manager\na@example.org,b@example.org\nb@example.org,a@example.org\nc@example.org,c@example.org\n",
		"email\n\"unterminated@example.org\n",
		"\ufeffE-mail;first\na@example.org;A\n",
		"email,first_name\nA@Example.org,x\na@example.org,y\n\n,z\nnot an email,q\n",
		"email,shoe_size\na@example.org,9\n",
		"",
	} {
		f.Add([]byte(seed))
	}
	template := migratedSQLite(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		// Not t.TempDir(): its name holds the input's "#", which a SQLite
		// file: URI reads as the start of a fragment.
		dir, err := os.MkdirTemp("", "bulwark-fuzz-")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, "bulwark.db")
		if err := os.WriteFile(path, template, 0o600); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		db, err := database.OpenSQLite(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		l, err := audit.Open(db, dir, fuzzAuditKey)
		if err != nil {
			t.Fatal(err)
		}
		s := NewStore(db, l)
		rep, err := importWithoutPanic(t, s, data)
		if err != nil {
			if !errors.Is(err, ErrBadFile) {
				t.Fatalf("import failed other than as a bad file: %v", err)
			}
			if n, _ := s.CountPeople(ctx, PeopleFilter{}); n != 0 {
				t.Fatalf("a refused file wrote %d people", n)
			}
			return
		}
		if got := rep.Created + rep.Updated + rep.Unchanged + rep.Failed; got != rep.Rows {
			t.Fatalf("created %d + updated %d + unchanged %d + failed %d = %d, but %d rows were read",
				rep.Created, rep.Updated, rep.Unchanged, rep.Failed, got, rep.Rows)
		}
		if rep.Failed != len(rep.Errors) {
			t.Fatalf("failed %d but %d errors listed", rep.Failed, len(rep.Errors))
		}
		emailAt, times := fileRows(data)
		for _, re := range rep.Errors {
			if re.Line <= 1 || re.Reason == "" {
				t.Fatalf("error %+v: want a data line and a reason", re)
			}
			e, ok := emailAt[re.Line]
			if !ok || e == "" || times[e] > 1 {
				continue
			}
			if p, err := s.PersonByEmail(ctx, e); !errors.Is(err, database.ErrNotFound) {
				t.Fatalf("line %d failed (%s) but %q was written: %+v %v", re.Line, re.Reason, e, p, err)
			}
		}
	})
}
