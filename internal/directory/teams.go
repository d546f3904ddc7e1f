package directory

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

// Team is a set of users who own work together: a phishing campaign, an
// assessment. Unlike a group, its members are users (people with a login).
type Team struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Members     int       `json:"members"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// TeamMember is a user on a team, as lists show them.
type TeamMember struct {
	UserID int64  `json:"user_id"`
	Name   string `json:"name"`
	Email  string `json:"email"`
	Role   string `json:"role"`
	Active bool   `json:"active"`
}

func (t *Team) normalise() error {
	t.Name = strings.TrimSpace(t.Name)
	t.Description = strings.TrimSpace(t.Description)
	switch {
	case t.Name == "":
		return &FieldError{"name", "a team needs a name"}
	case len(t.Name) > 200:
		return &FieldError{"name", "is longer than 200 characters"}
	case strings.ContainsAny(t.Name, "\x00\r\n"):
		return &FieldError{"name", "contains a line break or control character"}
	case len(t.Description) > 2000:
		return &FieldError{"description", "is longer than 2,000 characters"}
	}
	return nil
}

const teamColumns = `t.id, t.name, t.description, (SELECT COUNT(*) FROM team_members tm WHERE tm.team_id = t.id), t.created_at, t.updated_at`

func scanTeam(row interface{ Scan(...any) error }) (Team, error) {
	var t Team
	err := row.Scan(&t.ID, &t.Name, &t.Description, &t.Members, &t.CreatedAt, &t.UpdatedAt)
	return t, err
}

func teamConflict(name string) error {
	return fmt.Errorf("%w: a team named %q already exists", database.ErrConflict, name)
}

// CreateTeam adds a team with no members.
func (s *Store) CreateTeam(ctx context.Context, by audit.Actor, t Team) (Team, error) {
	if err := t.normalise(); err != nil {
		return t, err
	}
	t.Members = 0
	err := s.db.Tx(ctx, func(tx database.Tx) error {
		now := database.Now()
		t.CreatedAt, t.UpdatedAt = now, now
		err := tx.QueryRowContext(ctx, `INSERT INTO teams (name, description, created_at, updated_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			t.Name, t.Description, now, now).Scan(&t.ID)
		if database.IsUniqueViolation(err) {
			return teamConflict(t.Name)
		}
		if err != nil {
			return fmt.Errorf("create team: %w", err)
		}
		return s.audit.Record(ctx, tx, by.Entry("team.create", "team", fmt.Sprint(t.ID), nil))
	})
	return t, err
}

// UpdateTeam changes a team's name and description.
func (s *Store) UpdateTeam(ctx context.Context, by audit.Actor, t Team) (Team, error) {
	if err := t.normalise(); err != nil {
		return t, err
	}
	err := s.db.Tx(ctx, func(tx database.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE teams SET name = $1, description = $2, updated_at = $3 WHERE id = $4`, t.Name, t.Description, database.Now(), t.ID)
		if database.IsUniqueViolation(err) {
			return teamConflict(t.Name)
		}
		if err != nil {
			return fmt.Errorf("update team: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return database.ErrNotFound
		}
		return s.audit.Record(ctx, tx, by.Entry("team.update", "team", fmt.Sprint(t.ID), nil))
	})
	if err != nil {
		return t, err
	}
	return s.Team(ctx, t.ID)
}

// DeleteTeam removes a team; its members keep their accounts.
func (s *Store) DeleteTeam(ctx context.Context, by audit.Actor, id int64) error {
	return s.db.Tx(ctx, func(tx database.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM teams WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("delete team: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return database.ErrNotFound
		}
		return s.audit.Record(ctx, tx, by.Entry("team.delete", "team", fmt.Sprint(id), nil))
	})
}

// Team returns one team with its member count.
func (s *Store) Team(ctx context.Context, id int64) (Team, error) {
	t, err := scanTeam(s.db.QueryRowContext(ctx, `SELECT `+teamColumns+` FROM teams t WHERE t.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, database.ErrNotFound
	}
	return t, err
}

// TeamQuery narrows ListTeams.
type TeamQuery struct {
	// MemberUserID, when set, lists only the teams that user is on (what an
	// organisation member may see).
	MemberUserID int64
	Query        string // in the name
	AfterID      int64  // keyset cursor
	Limit        int
}

func (q TeamQuery) where() (string, []any) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if q.MemberUserID != 0 {
		add("EXISTS (SELECT 1 FROM team_members mine WHERE mine.team_id = t.id AND mine.user_id = $%d)", q.MemberUserID)
	}
	if q.Query != "" {
		add("LOWER(t.name) LIKE $%d", "%"+strings.ToLower(strings.TrimSpace(q.Query))+"%")
	}
	if q.AfterID != 0 {
		add("t.id > $%d", q.AfterID)
	}
	if len(where) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

// ListTeams returns teams ordered by id.
func (s *Store) ListTeams(ctx context.Context, q TeamQuery) ([]Team, error) {
	w, args := q.where()
	rows, err := s.db.QueryContext(ctx, `SELECT `+teamColumns+` FROM teams t`+w+fmt.Sprintf(" ORDER BY t.id LIMIT %d", clampLimit(q.Limit, 1000)), args...)
	if err != nil {
		return nil, fmt.Errorf("list teams: %w", err)
	}
	return collectTeams(rows)
}

// CountTeams counts the teams ListTeams would return, all pages.
func (s *Store) CountTeams(ctx context.Context, q TeamQuery) (int, error) {
	q.AfterID = 0
	w, args := q.where()
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM teams t`+w, args...).Scan(&n)
	return n, err
}

// TeamsOfUser lists the teams a user is on, by name.
func (s *Store) TeamsOfUser(ctx context.Context, userID int64) ([]Team, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+teamColumns+` FROM teams t JOIN team_members me ON me.team_id = t.id AND me.user_id = $1 ORDER BY t.name, t.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("teams of user: %w", err)
	}
	return collectTeams(rows)
}

// TeamHasMember reports whether the user is on the team.
func (s *Store) TeamHasMember(ctx context.Context, teamID, userID int64) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM team_members WHERE team_id = $1 AND user_id = $2`, teamID, userID).Scan(&n)
	return n > 0, err
}

func collectTeams(rows *sql.Rows) ([]Team, error) {
	defer rows.Close()
	var out []Team
	for rows.Next() {
		t, err := scanTeam(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// TeamMembers returns a page of a team's members ordered by user id.
func (s *Store) TeamMembers(ctx context.Context, teamID, afterID int64, limit int) ([]TeamMember, error) {
	if _, err := s.Team(ctx, teamID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT u.id, u.name, u.email, u.role, u.active FROM team_members tm JOIN users u ON u.id = tm.user_id
		WHERE tm.team_id = $1 AND u.id > $2 ORDER BY u.id LIMIT $3`, teamID, afterID, clampLimit(limit, 1000))
	if err != nil {
		return nil, fmt.Errorf("team members: %w", err)
	}
	defer rows.Close()
	var out []TeamMember
	for rows.Next() {
		var m TeamMember
		if err := rows.Scan(&m.UserID, &m.Name, &m.Email, &m.Role, &m.Active); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// AddTeamMembers puts users on a team and returns how many were not on it
// already. An unknown user id refuses the whole change.
func (s *Store) AddTeamMembers(ctx context.Context, by audit.Actor, teamID int64, userIDs []int64) (int, error) {
	if len(userIDs) == 0 {
		return 0, &FieldError{"user", "choose a user to add"}
	}
	if len(userIDs) > 1000 {
		return 0, &FieldError{"user", "at most 1,000 users at once"}
	}
	added := 0
	err := s.db.Tx(ctx, func(tx database.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM teams WHERE id = $1`, teamID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return database.ErrNotFound
		}
		for _, id := range userIDs {
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE id = $1`, id).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return &FieldError{"user", fmt.Sprintf("there is no user %d", id)}
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, teamID, id)
			if err != nil {
				return fmt.Errorf("add team member: %w", err)
			}
			if k, _ := res.RowsAffected(); k > 0 {
				added++
			}
		}
		if added == 0 {
			return nil
		}
		return s.audit.Record(ctx, tx, by.Entry("team.members.add", "team", fmt.Sprint(teamID), map[string]any{"added": added, "user_ids": userIDs}))
	})
	if err != nil {
		return 0, err
	}
	return added, nil
}

// RemoveTeamMember takes a user off a team.
func (s *Store) RemoveTeamMember(ctx context.Context, by audit.Actor, teamID, userID int64) error {
	return s.db.Tx(ctx, func(tx database.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM team_members WHERE team_id = $1 AND user_id = $2`, teamID, userID)
		if err != nil {
			return fmt.Errorf("remove team member: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return database.ErrNotFound
		}
		return s.audit.Record(ctx, tx, by.Entry("team.members.remove", "team", fmt.Sprint(teamID), map[string]any{"user_id": userID}))
	})
}
