// Package audit keeps the append-only log of every change. Each row carries
// an HMAC over its content and the previous row's HMAC, keyed with a key kept
// outside the database, and the newest chain head is copied to a file outside
// the database, so that an edited row, a deleted row and a cut-off tail are
// all detected by Verify.
package audit

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"bulwark/internal/platform/database"
)

// Entry is one change: who, what, which object, a summary by ids, from where.
type Entry struct {
	ID          int64
	At          time.Time
	ActorUserID int64  // 0 for the system or the command line
	Actor       string // e.g. "user:12", "cli", "system"
	Action      string // e.g. "person.create", "people.import"
	ObjectType  string
	ObjectID    string
	Summary     map[string]any // ids and counts, never personal data
	IP          string
	MAC         string
}

// Log writes and verifies the audit chain.
type Log struct {
	db       *database.DB
	key      []byte
	headPath string

	mu       sync.Mutex
	lastHead string
}

// chainLockKey serialises appends on PostgreSQL; SQLite write transactions
// are serialised already.
const chainLockKey = 7286145177

// Open loads (creating when missing) the chain key from dataDir/audit.key,
// or uses keyHex when given (BULWARK_AUDIT_KEY), and writes the chain head
// to dataDir/audit.head.
func Open(db *database.DB, dataDir, keyHex string) (*Log, error) {
	var key []byte
	if keyHex != "" {
		k, err := hex.DecodeString(strings.TrimSpace(keyHex))
		if err != nil || len(k) < 32 {
			return nil, errors.New("audit key: want at least 32 bytes in hex")
		}
		key = k
	} else {
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("audit key: %w", err)
		}
		p := filepath.Join(dataDir, "audit.key")
		b, err := os.ReadFile(p)
		switch {
		case errors.Is(err, os.ErrNotExist):
			key = make([]byte, 32)
			rand.Read(key)
			if err := writeFileAtomic(p, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
				return nil, fmt.Errorf("audit key: %w", err)
			}
		case err != nil:
			return nil, fmt.Errorf("audit key: %w", err)
		default:
			key, err = hex.DecodeString(strings.TrimSpace(string(b)))
			if err != nil || len(key) < 32 {
				return nil, fmt.Errorf("audit key %s is damaged", p)
			}
		}
	}
	return &Log{db: db, key: key, headPath: filepath.Join(dataDir, "audit.head")}, nil
}

// KeyFile is where Open keeps the key, for backups.
func KeyFile(dataDir string) string { return filepath.Join(dataDir, "audit.key") }

// HeadFile is where the chain head is copied.
func HeadFile(dataDir string) string { return filepath.Join(dataDir, "audit.head") }

// Record appends e inside the caller's transaction, so that the change and
// its audit entry commit together or not at all.
func (l *Log) Record(ctx context.Context, tx database.Tx, e Entry) error {
	if l.db.Dialect == database.Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, chainLockKey); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
	}
	var prev string
	err := tx.QueryRowContext(ctx, `SELECT mac FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("audit: read chain: %w", err)
	}
	if e.At.IsZero() {
		e.At = database.Now()
	}
	summary, err := encodeSummary(e.Summary)
	if err != nil {
		return err
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM audit_log`).Scan(&id); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	e.ID = id
	e.MAC = l.mac(prev, e, summary)
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (id, at, actor_user_id, actor, action, object_type, object_id, summary, ip, mac)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		e.ID, e.At, nullID(e.ActorUserID), e.Actor, e.Action, e.ObjectType, e.ObjectID, summary, e.IP, e.MAC)
	if err != nil {
		return fmt.Errorf("audit: append: %w", err)
	}
	return nil
}

// RecordNow appends e in a transaction of its own, for events that change
// nothing else (a sign-in, an export).
func (l *Log) RecordNow(ctx context.Context, e Entry) error {
	return l.db.Tx(ctx, func(tx database.Tx) error { return l.Record(ctx, tx, e) })
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func encodeSummary(m map[string]any) (string, error) {
	if len(m) == 0 {
		return "", nil
	}
	b, err := json.Marshal(m) // map keys are sorted: the encoding is canonical
	if err != nil {
		return "", fmt.Errorf("audit summary: %w", err)
	}
	return string(b), nil
}

func (l *Log) mac(prev string, e Entry, summary string) string {
	h := hmac.New(sha256.New, l.key)
	fields := []string{prev, strconv.FormatInt(e.ID, 10), e.At.UTC().Format(time.RFC3339Nano),
		strconv.FormatInt(e.ActorUserID, 10), e.Actor, e.Action, e.ObjectType, e.ObjectID, summary, e.IP}
	for _, f := range fields {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// WriteHead copies the newest row's id and MAC to the head file. Serve calls
// it at intervals and at shutdown; the CLI after each command that audits.
func (l *Log) WriteHead(ctx context.Context) error {
	var id int64
	var mac string
	err := l.db.QueryRowContext(ctx, `SELECT id, mac FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&id, &mac)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	line := fmt.Sprintf("%d %s\n", id, mac)
	l.mu.Lock()
	defer l.mu.Unlock()
	if line == l.lastHead {
		return nil
	}
	if old, err := readHead(l.headPath); err == nil && old.id > id {
		// Never move the head backwards: that is exactly what a cut tail looks like.
		return fmt.Errorf("audit head: the database ends at entry %d but the head file records %d", id, old.id)
	}
	if err := writeFileAtomic(l.headPath, []byte(line), 0o600); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	l.lastHead = line
	return nil
}

// KeepHead writes the head every interval until ctx ends, and once more then.
func (l *Log) KeepHead(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			l.WriteHead(context.WithoutCancel(ctx))
			return
		case <-t.C:
			l.WriteHead(ctx)
		}
	}
}

type head struct {
	id  int64
	mac string
}

func readHead(path string) (head, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return head{}, err
	}
	var h head
	if _, err := fmt.Sscanf(string(b), "%d %s", &h.id, &h.mac); err != nil {
		return head{}, fmt.Errorf("head file %s is damaged", path)
	}
	return h, nil
}

// writeFileAtomic replaces path with data through a temporary file of its
// own, so that two processes writing the head at once never mix their files.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // gone after the rename; removes it after a failure
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Problem is one break in the chain that Verify found.
type Problem struct {
	EntryID int64  `json:"entry_id,omitempty"`
	Reason  string `json:"reason"`
}

// Report is what Verify found.
type Report struct {
	Entries  int64
	HeadID   int64 // from the head file; 0 when there is none
	Problems []Problem
}

// OK reports whether the chain is whole.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// Verify walks the whole chain, recomputing every MAC, and compares its end
// with the head file.
func (l *Log) Verify(ctx context.Context) (Report, error) {
	var rep Report
	rows, err := l.db.QueryContext(ctx, `SELECT id, at, COALESCE(actor_user_id, 0), actor, action, object_type, object_id, summary, ip, mac FROM audit_log ORDER BY id`)
	if err != nil {
		return rep, fmt.Errorf("audit verify: %w", err)
	}
	defer rows.Close()
	prev := ""
	var lastID int64
	var lastMAC string
	for rows.Next() {
		var e Entry
		var summary string
		if err := rows.Scan(&e.ID, &e.At, &e.ActorUserID, &e.Actor, &e.Action, &e.ObjectType, &e.ObjectID, &summary, &e.IP, &e.MAC); err != nil {
			return rep, fmt.Errorf("audit verify: %w", err)
		}
		rep.Entries++
		if e.ID != lastID+1 {
			rep.Problems = append(rep.Problems, Problem{EntryID: e.ID, Reason: fmt.Sprintf("entries %d to %d are missing", lastID+1, e.ID-1)})
		}
		if want := l.mac(prev, e, summary); !hmac.Equal([]byte(want), []byte(e.MAC)) {
			rep.Problems = append(rep.Problems, Problem{EntryID: e.ID, Reason: "entry was changed, or the one before it was changed or removed"})
		}
		prev, lastID, lastMAC = e.MAC, e.ID, e.MAC
	}
	if err := rows.Err(); err != nil {
		return rep, err
	}
	h, err := readHead(l.headPath)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		rep.Problems = append(rep.Problems, Problem{Reason: err.Error()})
	default:
		rep.HeadID = h.id
		switch {
		case h.id > lastID:
			rep.Problems = append(rep.Problems, Problem{EntryID: h.id, Reason: fmt.Sprintf("the log ends at entry %d but entry %d was written: the newest entries were removed", lastID, h.id)})
		case h.id == lastID && h.mac != lastMAC:
			rep.Problems = append(rep.Problems, Problem{EntryID: h.id, Reason: "the newest entry does not match the recorded chain head"})
		case h.id < lastID:
			var mac string
			if err := l.db.QueryRowContext(ctx, `SELECT mac FROM audit_log WHERE id = $1`, h.id).Scan(&mac); err != nil || mac != h.mac {
				rep.Problems = append(rep.Problems, Problem{EntryID: h.id, Reason: "the entry recorded as chain head is gone or changed"})
			}
		}
	}
	return rep, nil
}

// Filter narrows a listing of the log.
type Filter struct {
	Action     string // prefix, e.g. "person."
	ObjectType string
	ObjectID   string
	ActorID    int64
	Since      time.Time
	Until      time.Time
	BeforeID   int64 // keyset cursor: entries older than this id
	Limit      int
}

// List returns entries newest first.
func (l *Log) List(ctx context.Context, f Filter) ([]Entry, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Action != "" {
		// A prefix match: LIKE's wildcards in what the user typed are literal.
		esc := strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(f.Action)
		add(`action LIKE $%d ESCAPE '\'`, esc+"%")
	}
	if f.ObjectType != "" {
		add("object_type = $%d", f.ObjectType)
	}
	if f.ObjectID != "" {
		add("object_id = $%d", f.ObjectID)
	}
	if f.ActorID != 0 {
		add("actor_user_id = $%d", f.ActorID)
	}
	if !f.Since.IsZero() {
		add("at >= $%d", f.Since.UTC())
	}
	if !f.Until.IsZero() {
		add("at < $%d", f.Until.UTC())
	}
	if f.BeforeID > 0 {
		add("id < $%d", f.BeforeID)
	}
	q := `SELECT id, at, COALESCE(actor_user_id, 0), actor, action, object_type, object_id, summary, ip, mac FROM audit_log`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q += fmt.Sprintf(" ORDER BY id DESC LIMIT %d", limit)
	rows, err := l.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("audit list: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var summary string
		if err := rows.Scan(&e.ID, &e.At, &e.ActorUserID, &e.Actor, &e.Action, &e.ObjectType, &e.ObjectID, &summary, &e.IP, &e.MAC); err != nil {
			return nil, err
		}
		if summary != "" {
			json.Unmarshal([]byte(summary), &e.Summary)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// SummaryText renders the summary for tables and CSV.
func (e Entry) SummaryText() string {
	s, _ := encodeSummary(e.Summary)
	return s
}

// Actor is who makes a change and from where.
type Actor struct {
	UserID int64  // 0 for the command line or the system
	Label  string // "user:12", "cli", "system", "token:3"
	IP     string
}

// System is the actor of background work; CLI that of operator commands.
var (
	System = Actor{Label: "system"}
	CLI    = Actor{Label: "cli"}
)

// Entry starts an entry made by a.
func (a Actor) Entry(action, objectType, objectID string, summary map[string]any) Entry {
	return Entry{ActorUserID: a.UserID, Actor: a.Label, IP: a.IP, Action: action, ObjectType: objectType, ObjectID: objectID, Summary: summary}
}
