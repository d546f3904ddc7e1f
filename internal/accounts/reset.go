package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
)

// Password reset links.
const (
	// ResetLinkValidity is how long a reset link works.
	ResetLinkValidity = 30 * time.Minute
	// resetRequestGap is the least time between two links for one user, so
	// that repeated requests cannot flood someone's mailbox.
	resetRequestGap = time.Minute
)

// ErrResetLinkInvalid covers a reset token that is unknown, used, replaced
// by a newer one or expired, without saying which.
var ErrResetLinkInvalid = errors.New("this password reset link does not work any more: it was already used, a newer one was sent, or it is more than 30 minutes old")

// RequestPasswordReset makes a reset link token for the active user with
// that email. For an unknown or switched-off address, or when a link was
// sent moments ago, it returns no token and no error, so that the answer
// does not reveal which addresses have accounts. Earlier links of the user
// stop working.
func (s *Service) RequestPasswordReset(ctx context.Context, email, ip string) (string, User, error) {
	u, err := s.UserByEmail(ctx, email)
	if errors.Is(err, database.ErrNotFound) || (err == nil && !u.Active) {
		s.audit.RecordNow(ctx, audit.Entry{Actor: "anonymous", Action: "user.password.reset_requested", ObjectType: "user", ObjectID: idOrEmpty(u.ID), IP: ip, Summary: map[string]any{"sent": false, "reason": "no active account"}})
		return "", User{}, nil
	}
	if err != nil {
		return "", User{}, err
	}
	token := NewSecret(32)
	now := s.now()
	sent := false
	err = s.db.Tx(ctx, func(tx database.Tx) error {
		var latest time.Time
		err := tx.QueryRowContext(ctx, `SELECT created_at FROM password_resets WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1`, u.ID).Scan(&latest)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err == nil && now.Sub(latest) < resetRequestGap {
			return s.audit.Record(ctx, tx, audit.Entry{Actor: "anonymous", Action: "user.password.reset_requested", ObjectType: "user", ObjectID: fmt.Sprint(u.ID), IP: ip, Summary: map[string]any{"sent": false, "reason": "a link was sent less than a minute ago"}})
		}
		if _, err := tx.ExecContext(ctx, `UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL`, now, u.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
			HashSecret(token), u.ID, now, now.Add(ResetLinkValidity)); err != nil {
			return fmt.Errorf("store reset link: %w", err)
		}
		sent = true
		return s.audit.Record(ctx, tx, audit.Entry{Actor: "anonymous", Action: "user.password.reset_requested", ObjectType: "user", ObjectID: fmt.Sprint(u.ID), IP: ip, Summary: map[string]any{"sent": true}})
	})
	if err != nil || !sent {
		return "", User{}, err
	}
	return token, u, nil
}

func idOrEmpty(id int64) string {
	if id == 0 {
		return ""
	}
	return fmt.Sprint(id)
}

// resetFor finds the user of a reset token that still works, without using
// it.
func (s *Service) resetFor(ctx context.Context, token string) (User, error) {
	token = strings.TrimSpace(token)
	if token == "" || len(token) > 200 {
		return User{}, ErrResetLinkInvalid
	}
	var userID int64
	var expires time.Time
	var used sql.NullTime
	err := s.db.QueryRowContext(ctx, `SELECT user_id, expires_at, used_at FROM password_resets WHERE token_hash = $1`, HashSecret(token)).Scan(&userID, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrResetLinkInvalid
	}
	if err != nil {
		return User{}, err
	}
	if used.Valid || !s.now().Before(expires) {
		return User{}, ErrResetLinkInvalid
	}
	u, err := s.User(ctx, userID)
	if errors.Is(err, database.ErrNotFound) || (err == nil && !u.Active) {
		return User{}, ErrResetLinkInvalid
	}
	return u, err
}

// CheckPasswordReset tells whether a reset token still works, and whose it
// is, without using it: opening the link (which mail scanners do) must not
// spend it.
func (s *Service) CheckPasswordReset(ctx context.Context, token string) (User, error) {
	return s.resetFor(ctx, token)
}

// ResetPassword sets a new password with a reset token, once. The password
// is checked before the token is used, so a refused password leaves the
// link working; success ends every session of the user.
func (s *Service) ResetPassword(ctx context.Context, token, newPassword, ip string) error {
	u, err := s.resetFor(ctx, token)
	if err != nil {
		return err
	}
	if err := PasswordPolicy(newPassword, u.Email); err != nil {
		return err
	}
	if CheckPassword(u.passwordHash, newPassword) {
		return fmt.Errorf("%w: choose a password you have not used here before", ErrWeakPassword)
	}
	by := audit.Actor{UserID: u.ID, Label: fmt.Sprintf("user:%d", u.ID), IP: ip}
	now := s.now()
	// Claim the token first: of two requests with one link, one wins.
	err = s.db.Tx(ctx, func(tx database.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE password_resets SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1`, now, HashSecret(strings.TrimSpace(token)))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrResetLinkInvalid
		}
		return s.audit.Record(ctx, tx, by.Entry("user.password.reset_link_used", "user", fmt.Sprint(u.ID), nil))
	})
	if err != nil {
		return err
	}
	if err := s.SetPassword(ctx, by, u.ID, newPassword, ""); err != nil {
		// Give the link back so the user can try again.
		s.db.ExecContext(ctx, `UPDATE password_resets SET used_at = NULL WHERE token_hash = $1 AND used_at = $2`, HashSecret(strings.TrimSpace(token)), now)
		return err
	}
	return nil
}

// ChangePassword is a signed-in user changing their own password: the
// current one is checked like a sign-in (wrong ones count toward the
// lock-out), and every other session of the user ends.
func (s *Service) ChangePassword(ctx context.Context, by audit.Actor, userID int64, current, newPassword, keepSessionID string) error {
	u, err := s.User(ctx, userID)
	if err != nil {
		return err
	}
	if _, err := s.Authenticate(ctx, u.Email, current, by.IP); err != nil {
		return err
	}
	return s.SetPassword(ctx, by, userID, newPassword, keepSessionID)
}
