package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"bulwark/internal/directory"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
)

// TokenPrefix starts every API token so that secret scanners can find one
// pasted where it should not be.
const TokenPrefix = "bwk_"

// ErrBadToken is returned for an unknown, revoked or malformed token.
var ErrBadToken = errors.New("the API token is not valid")

// Token is a named API credential. Only its SHA-256 is stored; the value is
// shown once, at creation.
type Token struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	Hint       string     `json:"hint"` // the first characters, to tell tokens apart
	Role       Role       `json:"role"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

func scanToken(row interface{ Scan(...any) error }) (Token, error) {
	var t Token
	var used, revoked sql.NullTime
	err := row.Scan(&t.ID, &t.UserID, &t.Name, &t.Hint, &t.Role, &t.CreatedAt, &used, &revoked)
	if used.Valid {
		t.LastUsedAt = &used.Time
	}
	if revoked.Valid {
		t.RevokedAt = &revoked.Time
	}
	return t, err
}

const tokenColumns = `id, user_id, name, hint, role, created_at, last_used_at, revoked_at`

// CreateToken makes a token for user u scoped to role (u's own when empty).
// The scope may not exceed what u's role allows. It returns the token value,
// which is not kept.
func (s *Service) CreateToken(ctx context.Context, by audit.Actor, u User, name string, role Role) (string, Token, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", Token{}, fmt.Errorf("%w: a token needs a name of at most 100 characters", directory.ErrInvalid)
	}
	if role == "" {
		role = u.Role
	}
	if _, err := ParseRole(string(role)); err != nil {
		return "", Token{}, fmt.Errorf("%w: %v", directory.ErrInvalid, err)
	}
	if !u.Role.Covers(role) {
		return "", Token{}, fmt.Errorf("%w: a %s cannot create a token with the %s role", directory.ErrInvalid, u.Role.Label(), role.Label())
	}
	secret := TokenPrefix + NewSecret(32) // 256 random bits
	t := Token{UserID: u.ID, Name: name, Hint: secret[:len(TokenPrefix)+6], Role: role, CreatedAt: s.now()}
	err := s.db.Tx(ctx, func(tx database.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, hint, role, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			t.UserID, t.Name, HashSecret(secret), t.Hint, t.Role, t.CreatedAt).Scan(&t.ID)
		if err != nil {
			return fmt.Errorf("create token: %w", err)
		}
		return s.audit.Record(ctx, tx, by.Entry("token.create", "api_token", fmt.Sprint(t.ID), map[string]any{"user_id": u.ID, "role": role}))
	})
	if err != nil {
		return "", Token{}, err
	}
	return secret, t, nil
}

// AuthenticateToken finds the user behind a token value. The effective role
// is the token's scope; a token never grants more than its user now has.
func (s *Service) AuthenticateToken(ctx context.Context, value string) (User, Token, error) {
	if !strings.HasPrefix(value, TokenPrefix) || len(value) < len(TokenPrefix)+40 || len(value) > 200 {
		return User{}, Token{}, ErrBadToken
	}
	t, err := scanToken(s.db.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE token_hash = $1`, HashSecret(value)))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && t.RevokedAt != nil) {
		return User{}, Token{}, ErrBadToken
	}
	if err != nil {
		return User{}, Token{}, err
	}
	u, err := s.User(ctx, t.UserID)
	if err != nil || !u.Active {
		return User{}, Token{}, ErrBadToken
	}
	if !u.Role.Covers(t.Role) {
		// The user's role was narrowed since the token was made.
		return User{}, Token{}, ErrBadToken
	}
	now := s.now()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		s.db.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, now, t.ID)
		t.LastUsedAt = &now
	}
	return u, t, nil
}

// ListTokens lists a user's tokens (all users' when userID is 0).
func (s *Service) ListTokens(ctx context.Context, userID int64) ([]Token, error) {
	q := `SELECT ` + tokenColumns + ` FROM api_tokens`
	var args []any
	if userID != 0 {
		q += ` WHERE user_id = $1`
		args = append(args, userID)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY id DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken switches a token off. ownerID limits it to that user's tokens
// (0: any, for administrators).
func (s *Service) RevokeToken(ctx context.Context, by audit.Actor, tokenID, ownerID int64) error {
	return s.db.Tx(ctx, func(tx database.Tx) error {
		q := `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`
		args := []any{s.now(), tokenID}
		if ownerID != 0 {
			q += ` AND user_id = $3`
			args = append(args, ownerID)
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return database.ErrNotFound
		}
		return s.audit.Record(ctx, tx, by.Entry("token.revoke", "api_token", fmt.Sprint(tokenID), nil))
	})
}
