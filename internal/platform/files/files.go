// Package files keeps uploaded files (attachments, training packages,
// assessment evidence) in the database, so that one backup holds
// everything and several instances see the same files.
package files

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"bulwark/internal/platform/database"
)

// MaxSize is the largest file kept (per file).
const MaxSize = 64 << 20

// ErrTooLarge is returned for a file over MaxSize.
var ErrTooLarge = errors.New("the file is larger than 64 MB")

// File describes a stored file.
type File struct {
	ID          int64
	Name        string
	ContentType string
	Size        int64
	SHA256      string
	CreatedBy   int64
	CreatedAt   time.Time
}

// Put stores data under name inside the caller's transaction (so a file
// and the record that refers to it are saved together) and returns it.
func Put(ctx context.Context, q database.Querier, name, contentType string, data []byte, createdBy int64) (File, error) {
	if len(data) > MaxSize {
		return File{}, ErrTooLarge
	}
	name = CleanName(name)
	if contentType == "" {
		contentType = mime.TypeByExtension(path.Ext(name))
	}
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	sum := sha256.Sum256(data)
	f := File{Name: name, ContentType: contentType, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), CreatedBy: createdBy, CreatedAt: database.Now()}
	var by any
	if createdBy != 0 {
		by = createdBy
	}
	err := q.QueryRowContext(ctx, `INSERT INTO files (name, content_type, size, sha256, data, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		f.Name, f.ContentType, f.Size, f.SHA256, data, by, f.CreatedAt).Scan(&f.ID)
	if err != nil {
		return File{}, fmt.Errorf("store file: %w", err)
	}
	return f, nil
}

// Get returns a file and its content, checking the content against the
// stored digest.
func Get(ctx context.Context, q database.Querier, id int64) (File, []byte, error) {
	var f File
	var data []byte
	var by sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT id, name, content_type, size, sha256, data, created_by, created_at FROM files WHERE id = $1`, id).
		Scan(&f.ID, &f.Name, &f.ContentType, &f.Size, &f.SHA256, &data, &by, &f.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return f, nil, database.ErrNotFound
	}
	if err != nil {
		return f, nil, fmt.Errorf("read file: %w", err)
	}
	f.CreatedBy = by.Int64
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != f.SHA256 {
		return f, nil, fmt.Errorf("file %d is damaged: its content does not match its digest", id)
	}
	return f, data, nil
}

// Delete removes a file.
func Delete(ctx context.Context, q database.Querier, id int64) error {
	res, err := q.ExecContext(ctx, `DELETE FROM files WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete file: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return database.ErrNotFound
	}
	return nil
}

// CleanName keeps a file name safe to show and to offer for download: no
// folders, no control characters, at most 200 bytes.
func CleanName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(name)
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, name)
	for len(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." || name == "/" || name == ".." {
		name = "file"
	}
	return name
}
