package accounts

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
)

// TOTP parameters: what every authenticator app understands.
const (
	totpIssuer = "Bulwark"
	totpPeriod = 30 // seconds
	totpSkew   = 1  // steps accepted either side of now, for clocks that drift

	// RecoveryCodeCount is how many single-use recovery codes a user gets.
	RecoveryCodeCount = 10
)

// Errors of the second factor.
var (
	ErrBadCode       = errors.New("the code is not right")
	ErrCodeUsed      = errors.New("that code was already used")
	ErrMFANotEnabled = errors.New("two-step verification is not set up for this account")
	ErrMFAEnabled    = errors.New("two-step verification is already set up for this account")
	ErrNoPendingMFA  = errors.New("two-step verification set-up has not been started")
)

func mfaSecretAD(userID int64) []byte { return fmt.Appendf(nil, "users.mfa_secret:%d", userID) }

// totpStep is the 30-second time step t falls in.
func totpStep(t time.Time) int64 { return t.Unix() / totpPeriod }

func totpCode(secret string, step int64) (string, error) {
	return hotp.GenerateCodeCustom(secret, uint64(step), hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
}

// matchStep returns the newest step within the skew window around now whose
// code is code, or false.
func matchStep(secret, code string, now time.Time) (int64, bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return 0, false
	}
	cur := totpStep(now)
	for step := cur + totpSkew; step >= cur-totpSkew; step-- {
		want, err := totpCode(secret, step)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

func totpURL(secret, email string) (string, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: email, Period: totpPeriod,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1, Secret: mustBase32(secret)})
	if err != nil {
		return "", err
	}
	return key.URL(), nil
}

func mustBase32(secret string) []byte {
	b, _ := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(secret))
	return b
}

// BeginTOTP starts setting up an authenticator app: it makes a new secret,
// keeps it encrypted until ConfirmTOTP proves the app has it, and returns
// it with the otpauth:// URL the app scans.
func (s *Service) BeginTOTP(ctx context.Context, userID int64) (secret, otpauthURL string, err error) {
	u, err := s.User(ctx, userID)
	if err != nil {
		return "", "", err
	}
	if u.MFAEnabled {
		return "", "", ErrMFAEnabled
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: u.Email, Period: totpPeriod,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return "", "", fmt.Errorf("make TOTP secret: %w", err)
	}
	sealed, err := s.sealer.Encrypt([]byte(key.Secret()), mfaSecretAD(userID))
	if err != nil {
		return "", "", fmt.Errorf("encrypt TOTP secret: %w", err)
	}
	err = s.db.Tx(ctx, func(tx database.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET mfa_secret = $1, mfa_last_step = 0, updated_at = $2 WHERE id = $3 AND mfa_enabled = FALSE`, sealed, s.now(), userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrMFAEnabled
		}
		return s.audit.Record(ctx, tx, audit.Entry{ActorUserID: userID, Actor: fmt.Sprintf("user:%d", userID), Action: "user.mfa.begin", ObjectType: "user", ObjectID: fmt.Sprint(userID)})
	})
	if err != nil {
		return "", "", err
	}
	return key.Secret(), key.URL(), nil
}

// PendingTOTP returns the secret BeginTOTP made and ConfirmTOTP has not yet
// confirmed, so that reloading the set-up page shows the same one; it
// returns ErrNoPendingMFA when there is none.
func (s *Service) PendingTOTP(ctx context.Context, userID int64) (secret, otpauthURL string, err error) {
	u, err := s.User(ctx, userID)
	if err != nil {
		return "", "", err
	}
	if u.MFAEnabled {
		return "", "", ErrMFAEnabled
	}
	if u.mfaSecret == "" {
		return "", "", ErrNoPendingMFA
	}
	secret, err = s.openSecret(u)
	if err != nil {
		return "", "", err
	}
	otpauthURL, err = totpURL(secret, u.Email)
	return secret, otpauthURL, err
}

func (s *Service) openSecret(u User) (string, error) {
	b, err := s.sealer.Decrypt(u.mfaSecret, mfaSecretAD(u.ID))
	if err != nil {
		return "", fmt.Errorf("decrypt TOTP secret of user %d: %w", u.ID, err)
	}
	return string(b), nil
}

// ConfirmTOTP finishes set-up when code comes from the app given the secret
// of BeginTOTP: two-step verification is on from then on. It returns the
// recovery codes, which are stored hashed and cannot be shown again.
func (s *Service) ConfirmTOTP(ctx context.Context, by audit.Actor, userID int64, code string) ([]string, error) {
	u, err := s.User(ctx, userID)
	if err != nil {
		return nil, err
	}
	if u.MFAEnabled {
		return nil, ErrMFAEnabled
	}
	if u.mfaSecret == "" {
		return nil, ErrNoPendingMFA
	}
	secret, err := s.openSecret(u)
	if err != nil {
		return nil, err
	}
	step, ok := matchStep(secret, code, s.now())
	if !ok {
		return nil, ErrBadCode
	}
	codes := newRecoveryCodes()
	err = s.db.Tx(ctx, func(tx database.Tx) error {
		// The secret must still be the one the code was checked against.
		res, err := tx.ExecContext(ctx, `UPDATE users SET mfa_enabled = TRUE, mfa_last_step = $1, mfa_failed = 0, updated_at = $2 WHERE id = $3 AND mfa_enabled = FALSE AND mfa_secret = $4`,
			step, s.now(), userID, u.mfaSecret)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNoPendingMFA
		}
		if err := replaceRecoveryCodes(ctx, tx, userID, codes); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, by.Entry("user.mfa.enrol", "user", fmt.Sprint(userID), map[string]any{"recovery_codes": len(codes)}))
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// VerifyTOTP checks a code from the user's app at sign-in. A code is good
// once: its time step must be newer than the last one used, and recording
// it is a compare-and-set so two requests with one code cannot both pass.
// Wrong codes count toward the account's lock-out.
func (s *Service) VerifyTOTP(ctx context.Context, userID int64, code, ip string) error {
	u, err := s.User(ctx, userID)
	if err != nil {
		return err
	}
	if err := s.mfaUsable(u); err != nil {
		return err
	}
	secret, err := s.openSecret(u)
	if err != nil {
		return err
	}
	step, ok := matchStep(secret, code, s.now())
	if !ok {
		return s.mfaFailed(ctx, u, ip, "wrong code", ErrBadCode)
	}
	if step <= u.mfaLastStep {
		return s.mfaFailed(ctx, u, ip, "code used again", ErrCodeUsed)
	}
	claimed, err := s.claimStep(ctx, userID, step)
	if err != nil {
		return err
	}
	if !claimed {
		// Another request used this code (or a newer one) first.
		return s.mfaFailed(ctx, u, ip, "code used again", ErrCodeUsed)
	}
	return nil
}

// claimStep records step as the user's last used time step, unless it or
// a newer one already is: a compare-and-set, so that of two requests
// racing with one code only one gets true. A claim clears the failure
// counts.
func (s *Service) claimStep(ctx context.Context, userID, step int64) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE users SET mfa_last_step = $1, mfa_failed = 0, failed_logins = 0 WHERE id = $2 AND mfa_last_step < $1 AND mfa_enabled = TRUE`, step, userID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// mfaUsable refuses a second factor for a user who has none, is switched
// off or is locked.
func (s *Service) mfaUsable(u User) error {
	switch {
	case !u.Active:
		return ErrInactive
	case !u.MFAEnabled || u.mfaSecret == "":
		return ErrMFANotEnabled
	case u.LockedUntil != nil && u.LockedUntil.After(s.now()):
		return ErrLocked
	}
	return nil
}

// mfaFailed counts a wrong code. Codes have their own counter, which a
// right password does not clear, but password and code failures together
// lock the account.
func (s *Service) mfaFailed(ctx context.Context, u User, ip, reason string, cause error) error {
	locked := false
	err := s.db.Tx(ctx, func(tx database.Tx) error {
		var failed, mfaFailed int
		if err := tx.QueryRowContext(ctx, `SELECT failed_logins, mfa_failed FROM users WHERE id = $1`, u.ID).Scan(&failed, &mfaFailed); err != nil {
			return err
		}
		mfaFailed++
		if failed+mfaFailed >= s.policy.LockoutAttempts {
			locked = true
			reason += "; account locked"
			if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, mfa_failed = 0, locked_until = $1 WHERE id = $2`, s.now().Add(s.policy.LockoutDuration), u.ID); err != nil {
				return err
			}
		} else if _, err := tx.ExecContext(ctx, `UPDATE users SET mfa_failed = $1 WHERE id = $2`, mfaFailed, u.ID); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Entry{ActorUserID: u.ID, Actor: fmt.Sprintf("user:%d", u.ID), Action: "session.mfa.failed", ObjectType: "user", ObjectID: fmt.Sprint(u.ID), IP: ip, Summary: map[string]any{"reason": reason}})
	})
	if err != nil {
		return err
	}
	if locked {
		return ErrLocked
	}
	return cause
}

// recoveryAlphabet leaves out letters and digits easily mistaken for one
// another (0/o, 1/l); 32 symbols, 5 bits each.
const recoveryAlphabet = "abcdefghijkmnpqrstuvwxyz23456789"

// newRecoveryCodes makes RecoveryCodeCount codes of 16 symbols (80 bits),
// written in groups of four: xxxx-xxxx-xxxx-xxxx.
func newRecoveryCodes() []string {
	codes := make([]string, RecoveryCodeCount)
	for i := range codes {
		var b strings.Builder
		raw := make([]byte, 16)
		if _, err := rand.Read(raw); err != nil {
			panic(err)
		}
		for j, c := range raw {
			if j > 0 && j%4 == 0 {
				b.WriteByte('-')
			}
			b.WriteByte(recoveryAlphabet[c&31])
		}
		codes[i] = b.String()
	}
	return codes
}

// normaliseRecoveryCode accepts what people type: any case, with or
// without the dashes, with spaces.
func normaliseRecoveryCode(code string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(code) {
		if r == '-' || r == ' ' || r == '\t' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func replaceRecoveryCodes(ctx context.Context, tx database.Tx, userID int64, codes []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
		return err
	}
	for _, c := range codes {
		if _, err := tx.ExecContext(ctx, `INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)`, userID, HashSecret(normaliseRecoveryCode(c))); err != nil {
			return fmt.Errorf("store recovery code: %w", err)
		}
	}
	return nil
}

// UseRecoveryCode accepts one of the user's recovery codes in place of an
// app code, once. It returns how many unused codes are left.
func (s *Service) UseRecoveryCode(ctx context.Context, userID int64, code, ip string) (left int, err error) {
	u, err := s.User(ctx, userID)
	if err != nil {
		return 0, err
	}
	if err := s.mfaUsable(u); err != nil {
		return 0, err
	}
	norm := normaliseRecoveryCode(code)
	if len(norm) != 16 {
		return 0, s.mfaFailed(ctx, u, ip, "wrong recovery code", ErrBadCode)
	}
	used := false
	err = s.db.Tx(ctx, func(tx database.Tx) error {
		// used_at IS NULL in the WHERE makes the use single: of two requests
		// with one code, only the first changes the row.
		res, err := tx.ExecContext(ctx, `UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL`, s.now(), userID, HashSecret(norm))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		used = true
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL`, userID).Scan(&left); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET mfa_failed = 0, failed_logins = 0 WHERE id = $1`, userID); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Entry{ActorUserID: userID, Actor: fmt.Sprintf("user:%d", userID), Action: "user.mfa.recovery_code_used", ObjectType: "user", ObjectID: fmt.Sprint(userID), IP: ip, Summary: map[string]any{"left": left}})
	})
	if err != nil {
		return 0, err
	}
	if !used {
		return 0, s.mfaFailed(ctx, u, ip, "wrong recovery code", ErrBadCode)
	}
	return left, nil
}

// RecoveryCodesLeft counts the user's unused recovery codes.
func (s *Service) RecoveryCodesLeft(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL`, userID).Scan(&n)
	return n, err
}

// RegenerateRecoveryCodes replaces the user's recovery codes with new ones,
// which it returns; the old ones stop working.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, by audit.Actor, userID int64) ([]string, error) {
	u, err := s.User(ctx, userID)
	if err != nil {
		return nil, err
	}
	if !u.MFAEnabled {
		return nil, ErrMFANotEnabled
	}
	codes := newRecoveryCodes()
	err = s.db.Tx(ctx, func(tx database.Tx) error {
		if err := replaceRecoveryCodes(ctx, tx, userID, codes); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, by.Entry("user.mfa.recovery_codes", "user", fmt.Sprint(userID), map[string]any{"recovery_codes": len(codes)}))
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// MarkSessionMFAVerified records that a browser gave its second factor. The
// session gets a new id at that point, so a cookie seen before the second
// factor is worthless after it; the new cookie value is returned.
func (s *Service) MarkSessionMFAVerified(ctx context.Context, sessionID string) (cookie string, err error) {
	cookie = NewSecret(32)
	now := s.now()
	err = s.db.Tx(ctx, func(tx database.Tx) error {
		var userID int64
		err := tx.QueryRowContext(ctx, `SELECT user_id FROM sessions WHERE id = $1`, sessionID).Scan(&userID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNoSession
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET id = $1, mfa_verified = TRUE, last_seen_at = $2 WHERE id = $3`, HashSecret(cookie), now, sessionID); err != nil {
			return fmt.Errorf("verify session: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET last_login_at = $1 WHERE id = $2`, now, userID); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Entry{ActorUserID: userID, Actor: fmt.Sprintf("user:%d", userID), Action: "session.mfa.verified", ObjectType: "user", ObjectID: fmt.Sprint(userID)})
	})
	if err != nil {
		return "", err
	}
	return cookie, nil
}

// ResetMFA turns two-step verification off for a user who lost their app
// and their recovery codes (an administrator's action): the secret and codes
// are deleted and the user is signed out everywhere, so their next sign-in
// sets up a new app.
func (s *Service) ResetMFA(ctx context.Context, by audit.Actor, userID int64) error {
	return s.db.Tx(ctx, func(tx database.Tx) error {
		var wasEnabled bool
		err := tx.QueryRowContext(ctx, `SELECT mfa_enabled FROM users WHERE id = $1`, userID).Scan(&wasEnabled)
		if errors.Is(err, sql.ErrNoRows) {
			return database.ErrNotFound
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET mfa_secret = '', mfa_enabled = FALSE, mfa_last_step = 0, mfa_failed = 0, updated_at = $1 WHERE id = $2`, s.now(), userID); err != nil {
			return err
		}
		codes, err := tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID)
		if err != nil {
			return err
		}
		sessions, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
		if err != nil {
			return err
		}
		nc, _ := codes.RowsAffected()
		ns, _ := sessions.RowsAffected()
		return s.audit.Record(ctx, tx, by.Entry("user.mfa.reset", "user", fmt.Sprint(userID), map[string]any{"was_enabled": wasEnabled, "recovery_codes": nc, "sessions": ns}))
	})
}
