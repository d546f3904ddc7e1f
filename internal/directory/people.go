package directory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"time"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
)

// Person is someone Bulwark trains, tests or works with. A person with a
// login is also a user (package accounts).
type Person struct {
	ID             int64     `json:"id"`
	Email          string    `json:"email"`
	FirstName      string    `json:"first_name"`
	LastName       string    `json:"last_name"`
	OrganisationID int64     `json:"organisation_id,omitempty"`
	Department     string    `json:"department,omitempty"`
	Title          string    `json:"title,omitempty"`
	ManagerID      int64     `json:"manager_id,omitempty"`
	Location       string    `json:"location,omitempty"`
	TimeZone       string    `json:"time_zone,omitempty"`
	Language       string    `json:"language,omitempty"`
	EmployeeID     string    `json:"employee_id,omitempty"`
	Active         bool      `json:"active"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Name is the person's full name.
func (p Person) Name() string { return strings.TrimSpace(p.FirstName + " " + p.LastName) }

// FieldError says which field of a person is wrong and why.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }
func (e *FieldError) Unwrap() error { return ErrInvalid }

var languageTag = regexp.MustCompile(`^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$`)

var zoneCache sync.Map

// ValidTimeZone reports whether tz is an IANA time zone name.
func ValidTimeZone(tz string) bool {
	if v, ok := zoneCache.Load(tz); ok {
		return v.(bool)
	}
	_, err := time.LoadLocation(tz)
	ok := err == nil && tz != "Local" && tz != ""
	zoneCache.Store(tz, ok)
	return ok
}

// NormaliseEmail lower-cases and checks an email address; it refuses display
// names and anything but a bare address.
func NormaliseEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("is empty")
	}
	if len(s) > 254 {
		return "", errors.New("is longer than 254 characters")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return "", fmt.Errorf("%q is not an email address", s)
	}
	return strings.ToLower(s), nil
}

// normalise trims and checks every field, returning the first problem.
func (p *Person) normalise() error {
	email, err := NormaliseEmail(p.Email)
	if err != nil {
		return &FieldError{"email", err.Error()}
	}
	p.Email = email
	for _, f := range []struct {
		name string
		v    *string
		max  int
	}{{"first_name", &p.FirstName, 100}, {"last_name", &p.LastName, 100}, {"department", &p.Department, 200},
		{"title", &p.Title, 200}, {"location", &p.Location, 200}, {"employee_id", &p.EmployeeID, 100},
		{"time_zone", &p.TimeZone, 64}, {"language", &p.Language, 35}} {
		*f.v = strings.TrimSpace(*f.v)
		if len(*f.v) > f.max {
			return &FieldError{f.name, fmt.Sprintf("is longer than %d characters", f.max)}
		}
		if strings.ContainsAny(*f.v, "\x00\r\n") {
			return &FieldError{f.name, "contains a line break or control character"}
		}
	}
	if p.TimeZone != "" && !ValidTimeZone(p.TimeZone) {
		return &FieldError{"time_zone", fmt.Sprintf("%q is not a time zone name such as America/Chicago", p.TimeZone)}
	}
	if p.Language != "" && !languageTag.MatchString(p.Language) {
		return &FieldError{"language", fmt.Sprintf("%q is not a language code such as en or es-US", p.Language)}
	}
	return nil
}

const personColumns = `id, email, first_name, last_name, COALESCE(organisation_id, 0), department, title, COALESCE(manager_id, 0), location, time_zone, language, employee_id, active, created_at, updated_at`

func scanPerson(row interface{ Scan(...any) error }) (Person, error) {
	var p Person
	err := row.Scan(&p.ID, &p.Email, &p.FirstName, &p.LastName, &p.OrganisationID, &p.Department, &p.Title, &p.ManagerID,
		&p.Location, &p.TimeZone, &p.Language, &p.EmployeeID, &p.Active, &p.CreatedAt, &p.UpdatedAt)
	return p, err
}

// CreatePerson adds p.
func (s *Store) CreatePerson(ctx context.Context, by audit.Actor, p Person) (Person, error) {
	if err := p.normalise(); err != nil {
		return p, err
	}
	err := s.db.Tx(ctx, func(tx database.Tx) error {
		var err error
		p, err = InsertPerson(ctx, tx, p)
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, by.Entry("person.create", "person", fmt.Sprint(p.ID), map[string]any{"organisation_id": p.OrganisationID}))
	})
	return p, err
}

// InsertPerson writes a new person inside the caller's transaction, without
// auditing; callers audit (accounts uses it when creating a user).
func InsertPerson(ctx context.Context, q database.Querier, p Person) (Person, error) {
	if err := p.normalise(); err != nil {
		return p, err
	}
	now := database.Now()
	p.CreatedAt, p.UpdatedAt = now, now
	err := q.QueryRowContext(ctx, `INSERT INTO people (email, first_name, last_name, organisation_id, department, title, manager_id, location, time_zone, language, employee_id, active, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
		p.Email, p.FirstName, p.LastName, nullInt(p.OrganisationID), p.Department, p.Title, nullInt(p.ManagerID), p.Location, p.TimeZone, p.Language, p.EmployeeID, p.Active, now, now).Scan(&p.ID)
	if database.IsUniqueViolation(err) {
		return p, fmt.Errorf("%w: someone with email %s is already in the directory", database.ErrConflict, p.Email)
	}
	if err != nil {
		return p, fmt.Errorf("create person: %w", err)
	}
	return p, nil
}

// UpdatePerson changes every field of p but its id.
func (s *Store) UpdatePerson(ctx context.Context, by audit.Actor, p Person) (Person, error) {
	if err := p.normalise(); err != nil {
		return p, err
	}
	if p.ManagerID == p.ID {
		return p, &FieldError{"manager", "a person cannot be their own manager"}
	}
	err := s.db.Tx(ctx, func(tx database.Tx) error {
		p.UpdatedAt = database.Now()
		res, err := tx.ExecContext(ctx, `UPDATE people SET email = $1, first_name = $2, last_name = $3, organisation_id = $4, department = $5, title = $6, manager_id = $7,
			location = $8, time_zone = $9, language = $10, employee_id = $11, active = $12, updated_at = $13 WHERE id = $14`,
			p.Email, p.FirstName, p.LastName, nullInt(p.OrganisationID), p.Department, p.Title, nullInt(p.ManagerID), p.Location, p.TimeZone, p.Language, p.EmployeeID, p.Active, p.UpdatedAt, p.ID)
		if database.IsUniqueViolation(err) {
			return fmt.Errorf("%w: someone with email %s is already in the directory", database.ErrConflict, p.Email)
		}
		if err != nil {
			return fmt.Errorf("update person: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return database.ErrNotFound
		}
		return s.audit.Record(ctx, tx, by.Entry("person.update", "person", fmt.Sprint(p.ID), map[string]any{"organisation_id": p.OrganisationID, "active": p.Active}))
	})
	if err != nil {
		return p, err
	}
	return s.Person(ctx, p.ID)
}

// Person returns one person.
func (s *Store) Person(ctx context.Context, id int64) (Person, error) {
	p, err := scanPerson(s.db.QueryRowContext(ctx, `SELECT `+personColumns+` FROM people WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, database.ErrNotFound
	}
	return p, err
}

// PersonByEmail returns the person with that address.
func (s *Store) PersonByEmail(ctx context.Context, email string) (Person, error) {
	p, err := scanPerson(s.db.QueryRowContext(ctx, `SELECT `+personColumns+` FROM people WHERE email = $1`, strings.ToLower(strings.TrimSpace(email))))
	if errors.Is(err, sql.ErrNoRows) {
		return p, database.ErrNotFound
	}
	return p, err
}

// PeopleFilter narrows ListPeople. OrganisationID restricts to one
// organisation (and is forced for an organisation member's view).
type PeopleFilter struct {
	OrganisationID int64
	Department     string
	Title          string
	Location       string
	Query          string // in name or email
	ActiveOnly     bool
	AfterID        int64 // keyset cursor
	Limit          int
}

func (f PeopleFilter) where() (string, []any) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.OrganisationID != 0 {
		add("organisation_id = $%d", f.OrganisationID)
	}
	if f.Department != "" {
		add("department = $%d", f.Department)
	}
	if f.Title != "" {
		add("title = $%d", f.Title)
	}
	if f.Location != "" {
		add("location = $%d", f.Location)
	}
	if f.Query != "" {
		args = append(args, "%"+strings.ToLower(strings.TrimSpace(f.Query))+"%")
		n := len(args)
		where = append(where, fmt.Sprintf("(email LIKE $%d OR LOWER(first_name || ' ' || last_name) LIKE $%d)", n, n))
	}
	if f.ActiveOnly {
		where = append(where, "active = TRUE")
	}
	if f.AfterID != 0 {
		add("id > $%d", f.AfterID)
	}
	if len(where) == 0 {
		return "", args
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

// ListPeople returns a page of people ordered by id.
func (s *Store) ListPeople(ctx context.Context, f PeopleFilter) ([]Person, error) {
	w, args := f.where()
	rows, err := s.db.QueryContext(ctx, `SELECT `+personColumns+` FROM people`+w+fmt.Sprintf(" ORDER BY id LIMIT %d", clampLimit(f.Limit, 1000)), args...)
	if err != nil {
		return nil, fmt.Errorf("list people: %w", err)
	}
	defer rows.Close()
	var out []Person
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// CountPeople counts the people matching f (its cursor and limit ignored).
func (s *Store) CountPeople(ctx context.Context, f PeopleFilter) (int, error) {
	f.AfterID, f.Limit = 0, 0
	w, args := f.where()
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM people`+w, args...).Scan(&n)
	return n, err
}

// Departments lists the distinct departments of an organisation (all when 0).
func (s *Store) Departments(ctx context.Context, orgID int64) ([]string, error) {
	q := `SELECT DISTINCT department FROM people WHERE department <> ''`
	var args []any
	if orgID != 0 {
		q += ` AND organisation_id = $1`
		args = append(args, orgID)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY department`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
