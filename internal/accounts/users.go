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

// Sealer encrypts secrets at rest (TOTP seeds) with a key kept outside the
// database; package secrets provides it.
type Sealer interface {
	Encrypt(plaintext, associatedData []byte) (string, error)
	Decrypt(value string, associatedData []byte) ([]byte, error)
}

// Policy holds the sign-in rules from configuration.
type Policy struct {
	LockoutAttempts int
	LockoutDuration time.Duration
	SessionIdle     time.Duration
	SessionAbsolute time.Duration
}

// Service manages users, sign-in, sessions and tokens.
type Service struct {
	db     *database.DB
	audit  *audit.Log
	sealer Sealer
	policy Policy
	now    func() time.Time
}

// NewService returns a Service.
func NewService(db *database.DB, log *audit.Log, sealer Sealer, p Policy) *Service {
	if p.LockoutAttempts <= 0 {
		p.LockoutAttempts = 5
	}
	if p.LockoutDuration <= 0 {
		p.LockoutDuration = 15 * time.Minute
	}
	if p.SessionIdle <= 0 {
		p.SessionIdle = 30 * time.Minute
	}
	if p.SessionAbsolute <= 0 {
		p.SessionAbsolute = 12 * time.Hour
	}
	return &Service{db: db, audit: log, sealer: sealer, policy: p, now: database.Now}
}

// Policy returns the sign-in rules in force.
func (s *Service) Policy() Policy { return s.policy }

// Errors a sign-in can end with. ErrBadCredentials covers unknown email and
// wrong password alike, so that the answer does not reveal which accounts exist.
var (
	ErrBadCredentials = errors.New("the email or password is not right")
	ErrLocked         = errors.New("too many failed sign-ins: the account is locked for a while")
	ErrInactive       = errors.New("this account is switched off")
)

// User is a person with a login.
type User struct {
	ID                 int64      `json:"id"`
	PersonID           int64      `json:"person_id"`
	Email              string     `json:"email"`
	Name               string     `json:"name"`
	Role               Role       `json:"role"`
	OrganisationID     int64      `json:"organisation_id,omitempty"`
	Active             bool       `json:"active"`
	MFAEnabled         bool       `json:"mfa_enabled"`
	MustChangePassword bool       `json:"must_change_password"`
	LockedUntil        *time.Time `json:"locked_until,omitempty"`
	LastLoginAt        *time.Time `json:"last_login_at,omitempty"`
	CreatedAt          time.Time  `json:"created_at"`

	passwordHash string
	mfaSecret    string
	mfaLastStep  int64
	failed       int
}

const userColumns = `u.id, u.person_id, u.email, u.name, u.role, COALESCE(p.organisation_id, 0), u.active, u.mfa_enabled, u.must_change_password,
	u.locked_until, u.last_login_at, u.created_at, u.password_hash, u.mfa_secret, u.mfa_last_step, u.failed_logins`

const userFrom = ` FROM users u JOIN people p ON p.id = u.person_id`

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	var locked, last sql.NullTime
	err := row.Scan(&u.ID, &u.PersonID, &u.Email, &u.Name, &u.Role, &u.OrganisationID, &u.Active, &u.MFAEnabled, &u.MustChangePassword,
		&locked, &last, &u.CreatedAt, &u.passwordHash, &u.mfaSecret, &u.mfaLastStep, &u.failed)
	if locked.Valid {
		u.LockedUntil = &locked.Time
	}
	if last.Valid {
		u.LastLoginAt = &last.Time
	}
	return u, err
}

// NewUser is what creating a user takes.
type NewUser struct {
	Email          string
	Name           string
	Role           Role
	Password       string // empty: the user signs in by SSO or sets one by reset link
	OrganisationID int64
	// MustChangePassword makes the first sign-in ask for a new password
	// (demo mode's one-time password).
	MustChangePassword bool
}

// CreateUser adds a user, and the person behind them when the directory has
// no one with that email yet.
func (s *Service) CreateUser(ctx context.Context, by audit.Actor, nu NewUser) (User, error) {
	email, err := directory.NormaliseEmail(nu.Email)
	if err != nil {
		return User{}, fmt.Errorf("%w: email %v", directory.ErrInvalid, err)
	}
	name := strings.TrimSpace(nu.Name)
	if name == "" || len(name) > 200 {
		return User{}, fmt.Errorf("%w: a user needs a name of at most 200 characters", directory.ErrInvalid)
	}
	if _, err := ParseRole(string(nu.Role)); err != nil {
		return User{}, fmt.Errorf("%w: %v", directory.ErrInvalid, err)
	}
	hash := ""
	if nu.Password != "" {
		if err := PasswordPolicy(nu.Password, email); err != nil {
			return User{}, err
		}
		if hash, err = HashPassword(nu.Password); err != nil {
			return User{}, err
		}
	}
	var id int64
	err = s.db.Tx(ctx, func(tx database.Tx) error {
		var personID int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM people WHERE email = $1`, email).Scan(&personID)
		if errors.Is(err, sql.ErrNoRows) {
			first, last, _ := strings.Cut(name, " ")
			p, err := directory.InsertPerson(ctx, tx, directory.Person{Email: email, FirstName: first, LastName: last, OrganisationID: nu.OrganisationID, Active: true})
			if err != nil {
				return err
			}
			personID = p.ID
		} else if err != nil {
			return err
		}
		now := s.now()
		err = tx.QueryRowContext(ctx, `INSERT INTO users (person_id, email, name, role, password_hash, must_change_password, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, personID, email, name, nu.Role, hash, nu.MustChangePassword, now, now).Scan(&id)
		if database.IsUniqueViolation(err) {
			return fmt.Errorf("%w: %s already has a login", database.ErrConflict, email)
		}
		if err != nil {
			return fmt.Errorf("create user: %w", err)
		}
		return s.audit.Record(ctx, tx, by.Entry("user.create", "user", fmt.Sprint(id), map[string]any{"role": nu.Role, "person_id": personID}))
	})
	if err != nil {
		return User{}, err
	}
	return s.User(ctx, id)
}

// User returns one user.
func (s *Service) User(ctx context.Context, id int64) (User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+userFrom+` WHERE u.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, database.ErrNotFound
	}
	return u, err
}

// UserByEmail returns the user with that email.
func (s *Service) UserByEmail(ctx context.Context, email string) (User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+userFrom+` WHERE u.email = $1`, strings.ToLower(strings.TrimSpace(email))))
	if errors.Is(err, sql.ErrNoRows) {
		return u, database.ErrNotFound
	}
	return u, err
}

// ListUsers returns users ordered by id after the cursor.
func (s *Service) ListUsers(ctx context.Context, afterID int64, limit int) ([]User, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+userColumns+userFrom+` WHERE u.id > $1 ORDER BY u.id LIMIT $2`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// CountUsers counts users.
func (s *Service) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

// UpdateUser changes a user's role and whether they may sign in. Switching
// a user off or changing their role ends their sessions.
func (s *Service) UpdateUser(ctx context.Context, by audit.Actor, id int64, role Role, active bool) (User, error) {
	if _, err := ParseRole(string(role)); err != nil {
		return User{}, fmt.Errorf("%w: %v", directory.ErrInvalid, err)
	}
	if by.UserID == id && (!active || role != RoleAdmin) {
		old, err := s.User(ctx, id)
		if err == nil && old.Role == RoleAdmin {
			return User{}, fmt.Errorf("%w: you cannot remove your own administrator role or switch yourself off", directory.ErrInvalid)
		}
	}
	err := s.db.Tx(ctx, func(tx database.Tx) error {
		var oldRole Role
		var oldActive bool
		if err := tx.QueryRowContext(ctx, `SELECT role, active FROM users WHERE id = $1`, id).Scan(&oldRole, &oldActive); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return database.ErrNotFound
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET role = $1, active = $2, updated_at = $3 WHERE id = $4`, role, active, s.now(), id); err != nil {
			return err
		}
		if oldRole != role || !active {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
				return err
			}
		}
		return s.audit.Record(ctx, tx, by.Entry("user.update", "user", fmt.Sprint(id), map[string]any{"role": role, "role_before": oldRole, "active": active, "active_before": oldActive}))
	})
	if err != nil {
		return User{}, err
	}
	return s.User(ctx, id)
}

// SetPassword sets a new password (checked against the policy), clears a
// lock and the must-change flag, and ends the user's other sessions.
func (s *Service) SetPassword(ctx context.Context, by audit.Actor, userID int64, password, keepSessionID string) error {
	u, err := s.User(ctx, userID)
	if err != nil {
		return err
	}
	if err := PasswordPolicy(password, u.Email); err != nil {
		return err
	}
	if CheckPassword(u.passwordHash, password) {
		return fmt.Errorf("%w: choose a password you have not used here before", ErrWeakPassword)
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx database.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, must_change_password = FALSE, failed_logins = 0, locked_until = NULL, updated_at = $2 WHERE id = $3`, hash, s.now(), userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id <> $2`, userID, keepSessionID); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, by.Entry("user.password.set", "user", fmt.Sprint(userID), nil))
	})
}

// Authenticate checks an email and password, counting failures and locking
// the account after too many. The lock expires by itself.
func (s *Service) Authenticate(ctx context.Context, email, password, ip string) (User, error) {
	u, err := s.UserByEmail(ctx, email)
	if errors.Is(err, database.ErrNotFound) {
		CheckPassword(dummyHash, password) // same work as for a real account
		s.audit.RecordNow(ctx, audit.Entry{Actor: "anonymous", Action: "session.signin.failed", ObjectType: "user", IP: ip, Summary: map[string]any{"reason": "unknown account"}})
		return User{}, ErrBadCredentials
	}
	if err != nil {
		return User{}, err
	}
	now := s.now()
	if u.LockedUntil != nil && u.LockedUntil.After(now) {
		CheckPassword(dummyHash, password)
		return User{}, ErrLocked
	}
	if !CheckPassword(u.passwordHash, password) {
		failed := u.failed + 1
		var lockedUntil any
		reason := "wrong password"
		if failed >= s.policy.LockoutAttempts {
			lockedUntil = now.Add(s.policy.LockoutDuration)
			failed = 0
			reason = "wrong password; account locked"
		}
		s.db.Tx(ctx, func(tx database.Tx) error {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = $1, locked_until = $2 WHERE id = $3`, failed, lockedUntil, u.ID); err != nil {
				return err
			}
			return s.audit.Record(ctx, tx, audit.Entry{ActorUserID: 0, Actor: "anonymous", Action: "session.signin.failed", ObjectType: "user", ObjectID: fmt.Sprint(u.ID), IP: ip, Summary: map[string]any{"reason": reason}})
		})
		if lockedUntil != nil {
			return User{}, ErrLocked
		}
		return User{}, ErrBadCredentials
	}
	if !u.Active {
		return User{}, ErrInactive
	}
	if u.failed != 0 || u.LockedUntil != nil {
		s.db.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1`, u.ID)
	}
	return u, nil
}

// UnlockUser clears a lock (an administrator's action).
func (s *Service) UnlockUser(ctx context.Context, by audit.Actor, id int64) error {
	return s.db.Tx(ctx, func(tx database.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return database.ErrNotFound
		}
		return s.audit.Record(ctx, tx, by.Entry("user.unlock", "user", fmt.Sprint(id), nil))
	})
}
