package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
)

// Errors of single sign-on.
var (
	ErrNoSSOAccount       = errors.New("there is no Bulwark account for this single sign-on identity; ask an administrator to create one")
	ErrSSOLinkedElsewhere = errors.New("this Bulwark account is already linked to another single sign-on identity; ask an administrator")
	ErrSSOEmailUnverified = errors.New("the single sign-on service did not confirm the email address, so the account cannot be told")
)

// OIDCIdentity is who an OpenID Connect provider says signed in, from a
// verified ID token.
type OIDCIdentity struct {
	Issuer        string
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
}

// key is what users.oidc_subject holds: a subject is unique only within
// its issuer.
func (id OIDCIdentity) key() string { return id.Issuer + " " + id.Subject }

// SignInOIDC finds the user behind a single sign-on identity: first by the
// provider's subject; else by a verified email address of an active user,
// whose account is then linked to the subject; else, when roleDefault is
// set, a new user with that role. Otherwise it refuses with ErrNoSSOAccount.
func (s *Service) SignInOIDC(ctx context.Context, id OIDCIdentity, roleDefault Role, ip string) (User, error) {
	if id.Issuer == "" || id.Subject == "" {
		return User{}, fmt.Errorf("single sign-on: the identity has no issuer or subject")
	}
	refuse := func(reason string, err error) (User, error) {
		s.audit.RecordNow(ctx, audit.Entry{Actor: "anonymous", Action: "session.signin.failed", ObjectType: "user", IP: ip, Summary: map[string]any{"reason": reason, "via": "sso"}})
		return User{}, err
	}
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+userFrom+` WHERE u.oidc_subject = $1`, id.key()))
	switch {
	case err == nil:
		if !u.Active {
			return refuse("account switched off", ErrInactive)
		}
		return u, nil
	case !errors.Is(err, sql.ErrNoRows):
		return User{}, err
	}
	if id.Email == "" || !id.EmailVerified {
		return refuse("no verified email from the provider", ErrSSOEmailUnverified)
	}
	u, err = s.UserByEmail(ctx, id.Email)
	switch {
	case err == nil:
		if !u.Active {
			return refuse("account switched off", ErrInactive)
		}
	case errors.Is(err, database.ErrNotFound):
		if roleDefault == "" {
			return refuse("no account with that email", ErrNoSSOAccount)
		}
		name := strings.TrimSpace(id.Name)
		if name == "" {
			name, _, _ = strings.Cut(id.Email, "@")
		}
		u, err = s.CreateUser(ctx, audit.Actor{Label: "sso", IP: ip}, NewUser{Email: id.Email, Name: name, Role: roleDefault})
		if err != nil {
			return User{}, fmt.Errorf("create user at first single sign-on: %w", err)
		}
	default:
		return User{}, err
	}
	err = s.db.Tx(ctx, func(tx database.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET oidc_subject = $1, updated_at = $2 WHERE id = $3 AND oidc_subject IS NULL`, id.key(), s.now(), u.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrSSOLinkedElsewhere
		}
		return s.audit.Record(ctx, tx, audit.Entry{ActorUserID: u.ID, Actor: fmt.Sprintf("user:%d", u.ID), Action: "user.sso.link", ObjectType: "user", ObjectID: fmt.Sprint(u.ID), IP: ip})
	})
	if errors.Is(err, ErrSSOLinkedElsewhere) {
		return refuse("account linked to another identity", err)
	}
	if err != nil {
		return User{}, err
	}
	return u, nil
}
