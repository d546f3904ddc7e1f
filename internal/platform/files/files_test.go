package files

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"bulwark/internal/platform/database"
	"bulwark/internal/platform/database/dbtest"
)

func TestPutGetDelete(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		data := bytes.Repeat([]byte{0, 1, 2, 0xff}, 100_000)
		f, err := Put(ctx, db, "../../evidence/photo.png", "", data, 0)
		if err != nil {
			t.Fatal(err)
		}
		if f.Name != "photo.png" || f.ContentType != "image/png" || f.Size != int64(len(data)) {
			t.Fatalf("%+v", f)
		}
		got, back, err := Get(ctx, db, f.ID)
		if err != nil || !bytes.Equal(back, data) || got.SHA256 != f.SHA256 {
			t.Fatalf("read back: %v, %d bytes", err, len(back))
		}
		if _, err := db.ExecContext(ctx, `UPDATE files SET sha256 = $1 WHERE id = $2`, strings.Repeat("0", 64), f.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := Get(ctx, db, f.ID); err == nil || !strings.Contains(err.Error(), "damaged") {
			t.Fatalf("a damaged file was returned: %v", err)
		}
		if err := Delete(ctx, db, f.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := Get(ctx, db, f.ID); !errors.Is(err, database.ErrNotFound) {
			t.Fatalf("after delete: %v", err)
		}
	})
}

func TestPutInARolledBackTransactionLeavesNothing(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		db.Tx(ctx, func(tx database.Tx) error {
			if _, err := Put(ctx, tx, "a.txt", "text/plain", []byte("x"), 0); err != nil {
				t.Fatal(err)
			}
			return errors.New("the record that refers to it failed")
		})
		var n int
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM files`).Scan(&n)
		if n != 0 {
			t.Fatalf("%d files left", n)
		}
	})
}

func TestCleanName(t *testing.T) {
	cases := map[string]string{
		"report.pdf":               "report.pdf",
		"C:\\Users\\x\\report.pdf": "report.pdf",
		"../../etc/passwd":         "passwd",
		"a\x00b\r\nc.txt":          "abc.txt",
		"..":                       "file",
		"":                         "file",
		`say "hi".txt`:             "say hi.txt",
	}
	for in, want := range cases {
		if got := CleanName(in); got != want {
			t.Errorf("CleanName(%q) = %q, want %q", in, got, want)
		}
	}
	if long := CleanName(strings.Repeat("é", 300)); len(long) > 200 {
		t.Errorf("name of %d bytes", len(long))
	}
	if _, err := Put(context.Background(), nil, "big", "", make([]byte, MaxSize+1), 0); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized file: %v", err)
	}
}
