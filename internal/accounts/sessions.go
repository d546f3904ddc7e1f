package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
)

// ErrNoSession is returned for a missing, expired or revoked session.
var ErrNoSession = errors.New("not signed in")

// Session is a signed-in browser. Its id is the SHA-256 of the cookie value,
// so the database never holds a usable cookie.
type Session struct {
	ID          string
	UserID      int64
	MFAVerified bool
	CreatedAt   time.Time
	LastSeenAt  time.Time
	IP          string
	UserAgent   string
}

// NewSecret returns n random bytes as unpadded base64url text.
func NewSecret(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // the system's randomness failing is not recoverable
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashSecret is how cookies, tokens and links are stored: SHA-256 in hex.
func HashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// StartSession records a sign-in and returns the cookie value. A user with
// MFA starts unverified and can do nothing but give a code.
func (s *Service) StartSession(ctx context.Context, u User, mfaVerified bool, ip, userAgent string) (string, error) {
	secret := NewSecret(32)
	now := s.now()
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	err := s.db.Tx(ctx, func(tx database.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (id, user_id, mfa_verified, created_at, last_seen_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			HashSecret(secret), u.ID, mfaVerified, now, now, ip, userAgent); err != nil {
			return fmt.Errorf("start session: %w", err)
		}
		if mfaVerified || !u.MFAEnabled {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET last_login_at = $1 WHERE id = $2`, now, u.ID); err != nil {
				return err
			}
		}
		return s.audit.Record(ctx, tx, audit.Entry{ActorUserID: u.ID, Actor: fmt.Sprintf("user:%d", u.ID), Action: "session.signin", ObjectType: "user", ObjectID: fmt.Sprint(u.ID), IP: ip, Summary: map[string]any{"mfa_pending": u.MFAEnabled && !mfaVerified}})
	})
	return secret, err
}

// LookupSession finds the session behind a cookie value, enforcing the idle
// and absolute time-outs, and refreshes its last-seen time (at most once a
// minute, to spare the database).
func (s *Service) LookupSession(ctx context.Context, cookie string) (Session, User, error) {
	if cookie == "" {
		return Session{}, User{}, ErrNoSession
	}
	var sess Session
	err := s.db.QueryRowContext(ctx, `SELECT id, user_id, mfa_verified, created_at, last_seen_at, ip, user_agent FROM sessions WHERE id = $1`, HashSecret(cookie)).
		Scan(&sess.ID, &sess.UserID, &sess.MFAVerified, &sess.CreatedAt, &sess.LastSeenAt, &sess.IP, &sess.UserAgent)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, User{}, ErrNoSession
	}
	if err != nil {
		return Session{}, User{}, err
	}
	now := s.now()
	if now.Sub(sess.LastSeenAt) > s.policy.SessionIdle || now.Sub(sess.CreatedAt) > s.policy.SessionAbsolute {
		s.db.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1`, sess.ID)
		return Session{}, User{}, ErrNoSession
	}
	u, err := s.User(ctx, sess.UserID)
	if err != nil || !u.Active {
		return Session{}, User{}, ErrNoSession
	}
	if now.Sub(sess.LastSeenAt) > time.Minute {
		s.db.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE id = $2`, now, sess.ID)
		sess.LastSeenAt = now
	}
	return sess, u, nil
}

// EndSession signs one browser out.
func (s *Service) EndSession(ctx context.Context, sess Session, ip string) error {
	return s.db.Tx(ctx, func(tx database.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1`, sess.ID); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Entry{ActorUserID: sess.UserID, Actor: fmt.Sprintf("user:%d", sess.UserID), Action: "session.signout", ObjectType: "user", ObjectID: fmt.Sprint(sess.UserID), IP: ip})
	})
}

// EndAllSessions signs a user out everywhere.
func (s *Service) EndAllSessions(ctx context.Context, by audit.Actor, userID int64) (int64, error) {
	var n int64
	err := s.db.Tx(ctx, func(tx database.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return s.audit.Record(ctx, tx, by.Entry("session.signout.everywhere", "user", fmt.Sprint(userID), map[string]any{"sessions": n}))
	})
	return n, err
}

// ListSessions lists a user's open sessions, newest first.
func (s *Service) ListSessions(ctx context.Context, userID int64) ([]Session, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, user_id, mfa_verified, created_at, last_seen_at, ip, user_agent FROM sessions WHERE user_id = $1 ORDER BY created_at DESC`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		var sess Session
		if err := rows.Scan(&sess.ID, &sess.UserID, &sess.MFAVerified, &sess.CreatedAt, &sess.LastSeenAt, &sess.IP, &sess.UserAgent); err != nil {
			return nil, err
		}
		out = append(out, sess)
	}
	return out, rows.Err()
}

// PruneSessions deletes sessions past their absolute time-out.
func (s *Service) PruneSessions(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE created_at < $1 OR last_seen_at < $2`, s.now().Add(-s.policy.SessionAbsolute), s.now().Add(-s.policy.SessionIdle))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
