package directory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
)

// Scope is the part of the directory a reader may see: AllOrganisations for
// staff who read the whole directory, otherwise the id of the one
// organisation they belong to (a negative id: none at all). It is what
// accounts.Principal.OrganisationScope returns.
type Scope int64

// AllOrganisations is the scope of a reader who sees every organisation.
const AllOrganisations Scope = 0

// Allows reports whether something of organisation orgID is visible in s.
func (s Scope) Allows(orgID int64) bool {
	return s == AllOrganisations || (s > 0 && int64(s) == orgID)
}

// GroupKind says how a group finds its members.
type GroupKind string

const (
	// GroupStatic holds the people added to it by hand.
	GroupStatic GroupKind = "static"
	// GroupFiltered holds whoever matches its filter today: people who join
	// the organisation or department later are members without any edit.
	GroupFiltered GroupKind = "filter"
)

// Label is the kind as users read it.
func (k GroupKind) Label() string {
	switch k {
	case GroupStatic:
		return "Chosen people"
	case GroupFiltered:
		return "Saved filter"
	}
	return string(k)
}

// Group is a set of people that campaigns, training and reports target.
//
// OrganisationID is the filter's organisation for a filter group; for a
// static group it is the organisation its members must belong to. Either
// way it decides who may see the group: an organisation member sees only
// the groups of their own organisation. Department, Title and Location
// narrow a filter group (empty: any). ActiveOnly leaves out people who are
// switched off, for both kinds.
type Group struct {
	ID             int64     `json:"id"`
	Name           string    `json:"name"`
	Description    string    `json:"description,omitempty"`
	Kind           GroupKind `json:"kind"`
	OrganisationID int64     `json:"organisation_id,omitempty"`
	Department     string    `json:"department,omitempty"`
	Title          string    `json:"title,omitempty"`
	Location       string    `json:"location,omitempty"`
	ActiveOnly     bool      `json:"active_only"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// IsFilter reports whether the group is a saved filter.
func (g Group) IsFilter() bool { return g.Kind == GroupFiltered }

func (g *Group) normalise() error {
	g.Name = strings.TrimSpace(g.Name)
	g.Description = strings.TrimSpace(g.Description)
	g.Department = strings.TrimSpace(g.Department)
	g.Title = strings.TrimSpace(g.Title)
	g.Location = strings.TrimSpace(g.Location)
	switch {
	case g.Name == "":
		return &FieldError{"name", "a group needs a name"}
	case len(g.Name) > 200:
		return &FieldError{"name", "is longer than 200 characters"}
	case strings.ContainsAny(g.Name, "\x00\r\n"):
		return &FieldError{"name", "contains a line break or control character"}
	case len(g.Description) > 2000:
		return &FieldError{"description", "is longer than 2,000 characters"}
	}
	switch g.Kind {
	case GroupStatic:
		for _, f := range []struct{ name, v string }{{"department", g.Department}, {"title", g.Title}, {"location", g.Location}} {
			if f.v != "" {
				return &FieldError{f.name, "only a saved-filter group selects people by " + f.name + "; leave it empty for a group of chosen people"}
			}
		}
	case GroupFiltered:
		for _, f := range []struct{ name, v string }{{"department", g.Department}, {"title", g.Title}, {"location", g.Location}} {
			if len(f.v) > 200 {
				return &FieldError{f.name, "is longer than 200 characters"}
			}
			if strings.ContainsAny(f.v, "\x00\r\n") {
				return &FieldError{f.name, "contains a line break or control character"}
			}
		}
	default:
		return &FieldError{"kind", fmt.Sprintf("%q is not a kind of group: choose static (chosen people) or filter (a saved filter)", g.Kind)}
	}
	if g.OrganisationID < 0 {
		return &FieldError{"organisation", "is not an organisation"}
	}
	return nil
}

const groupColumns = `id, name, description, kind, COALESCE(filter_organisation_id, 0), filter_department, filter_title, filter_location, filter_active_only, created_at, updated_at`

func scanGroup(row interface{ Scan(...any) error }) (Group, error) {
	var g Group
	err := row.Scan(&g.ID, &g.Name, &g.Description, &g.Kind, &g.OrganisationID, &g.Department, &g.Title, &g.Location, &g.ActiveOnly, &g.CreatedAt, &g.UpdatedAt)
	return g, err
}

func groupSummary(g Group) map[string]any {
	return map[string]any{"kind": g.Kind, "organisation_id": g.OrganisationID, "active_only": g.ActiveOnly}
}

func (s *Store) checkGroupOrganisation(ctx context.Context, q database.Querier, orgID int64) error {
	if orgID == 0 {
		return nil
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM organisations WHERE id = $1`, orgID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return &FieldError{"organisation", fmt.Sprintf("there is no organisation %d", orgID)}
	}
	return nil
}

func groupConflict(name string) error {
	return fmt.Errorf("%w: a group named %q already exists", database.ErrConflict, name)
}

// CreateGroup adds g and returns it with its id.
func (s *Store) CreateGroup(ctx context.Context, by audit.Actor, g Group) (Group, error) {
	if err := g.normalise(); err != nil {
		return g, err
	}
	err := s.db.Tx(ctx, func(tx database.Tx) error {
		if err := s.checkGroupOrganisation(ctx, tx, g.OrganisationID); err != nil {
			return err
		}
		now := database.Now()
		g.CreatedAt, g.UpdatedAt = now, now
		err := tx.QueryRowContext(ctx, `INSERT INTO groups (name, description, kind, filter_organisation_id, filter_department, filter_title, filter_location, filter_active_only, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			g.Name, g.Description, g.Kind, nullInt(g.OrganisationID), g.Department, g.Title, g.Location, g.ActiveOnly, now, now).Scan(&g.ID)
		if database.IsUniqueViolation(err) {
			return groupConflict(g.Name)
		}
		if err != nil {
			return fmt.Errorf("create group: %w", err)
		}
		return s.audit.Record(ctx, tx, by.Entry("group.create", "group", fmt.Sprint(g.ID), groupSummary(g)))
	})
	return g, err
}

// UpdateGroup changes g's name, description and filter. A group's kind
// never changes. A static group given an organisation must not already
// hold people of another.
func (s *Store) UpdateGroup(ctx context.Context, by audit.Actor, g Group) (Group, error) {
	if err := g.normalise(); err != nil {
		return g, err
	}
	err := s.db.Tx(ctx, func(tx database.Tx) error {
		var kind GroupKind
		err := tx.QueryRowContext(ctx, `SELECT kind FROM groups WHERE id = $1`, g.ID).Scan(&kind)
		if errors.Is(err, sql.ErrNoRows) {
			return database.ErrNotFound
		}
		if err != nil {
			return err
		}
		if kind != g.Kind {
			return &FieldError{"kind", "a group's kind cannot change; create a new group instead"}
		}
		if err := s.checkGroupOrganisation(ctx, tx, g.OrganisationID); err != nil {
			return err
		}
		if g.Kind == GroupStatic && g.OrganisationID != 0 {
			var others int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM group_members m JOIN people p ON p.id = m.person_id
				WHERE m.group_id = $1 AND (p.organisation_id IS NULL OR p.organisation_id <> $2)`, g.ID, g.OrganisationID).Scan(&others); err != nil {
				return err
			}
			if others > 0 {
				return &FieldError{"organisation", fmt.Sprintf("%d %s of this group %s not in that organisation; remove them first",
					others, plural(others, "member", "members"), plural(others, "is", "are"))}
			}
		}
		g.UpdatedAt = database.Now()
		_, err = tx.ExecContext(ctx, `UPDATE groups SET name = $1, description = $2, filter_organisation_id = $3, filter_department = $4,
			filter_title = $5, filter_location = $6, filter_active_only = $7, updated_at = $8 WHERE id = $9`,
			g.Name, g.Description, nullInt(g.OrganisationID), g.Department, g.Title, g.Location, g.ActiveOnly, g.UpdatedAt, g.ID)
		if database.IsUniqueViolation(err) {
			return groupConflict(g.Name)
		}
		if err != nil {
			return fmt.Errorf("update group: %w", err)
		}
		return s.audit.Record(ctx, tx, by.Entry("group.update", "group", fmt.Sprint(g.ID), groupSummary(g)))
	})
	if err != nil {
		return g, err
	}
	return s.Group(ctx, AllOrganisations, g.ID)
}

// DeleteGroup removes a group (and its list of members, not the people).
func (s *Store) DeleteGroup(ctx context.Context, by audit.Actor, id int64) error {
	return s.db.Tx(ctx, func(tx database.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM groups WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("delete group: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return database.ErrNotFound
		}
		return s.audit.Record(ctx, tx, by.Entry("group.delete", "group", fmt.Sprint(id), nil))
	})
}

// Group returns one group, or ErrNotFound when it is outside scope.
func (s *Store) Group(ctx context.Context, scope Scope, id int64) (Group, error) {
	g, err := scanGroup(s.db.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM groups WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !scope.Allows(g.OrganisationID)) {
		return Group{}, database.ErrNotFound
	}
	return g, err
}

// GroupQuery narrows ListGroups.
type GroupQuery struct {
	Query   string // in the name
	Kind    GroupKind
	AfterID int64 // keyset cursor
	Limit   int
}

func (q GroupQuery) where(scope Scope) (string, []any) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if scope != AllOrganisations {
		add("filter_organisation_id = $%d", int64(scope))
	}
	if q.Query != "" {
		add("LOWER(name) LIKE $%d", "%"+strings.ToLower(strings.TrimSpace(q.Query))+"%")
	}
	if q.Kind != "" {
		add("kind = $%d", q.Kind)
	}
	if q.AfterID != 0 {
		add("id > $%d", q.AfterID)
	}
	if len(where) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

// ListGroups returns the groups visible in scope, ordered by id.
func (s *Store) ListGroups(ctx context.Context, scope Scope, q GroupQuery) ([]Group, error) {
	w, args := q.where(scope)
	rows, err := s.db.QueryContext(ctx, `SELECT `+groupColumns+` FROM groups`+w+fmt.Sprintf(" ORDER BY id LIMIT %d", clampLimit(q.Limit, 1000)), args...)
	if err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	return collectGroups(rows)
}

// CountGroups counts the groups ListGroups would return, all pages.
func (s *Store) CountGroups(ctx context.Context, scope Scope, q GroupQuery) (int, error) {
	q.AfterID = 0
	w, args := q.where(scope)
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM groups`+w, args...).Scan(&n)
	return n, err
}

func collectGroups(rows *sql.Rows) ([]Group, error) {
	defer rows.Close()
	var out []Group
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// memberFilter is the people filter equivalent to a filter group, inside
// scope.
func (g Group) memberFilter(scope Scope) PeopleFilter {
	f := PeopleFilter{OrganisationID: g.OrganisationID, Department: g.Department, Title: g.Title, Location: g.Location, ActiveOnly: g.ActiveOnly}
	if scope != AllOrganisations {
		f.OrganisationID = int64(scope)
	}
	return f
}

// GroupMembers returns a page of the group's members ordered by id, after
// the person id afterID. A filter group's filter is evaluated by the
// database, so people who match it later are members without an edit.
// Inside a narrower scope only the scope's people are listed.
func (s *Store) GroupMembers(ctx context.Context, scope Scope, groupID, afterID int64, limit int) ([]Person, error) {
	g, err := s.Group(ctx, scope, groupID)
	if err != nil {
		return nil, err
	}
	if g.IsFilter() {
		f := g.memberFilter(scope)
		f.AfterID, f.Limit = afterID, limit
		return s.ListPeople(ctx, f)
	}
	w, args := staticMembers(g, scope)
	args = append(args, afterID)
	rows, err := s.db.QueryContext(ctx, `SELECT `+personColumns+` FROM people JOIN group_members m ON m.person_id = id`+w+
		fmt.Sprintf(" AND id > $%d ORDER BY id LIMIT %d", len(args), clampLimit(limit, 1000)), args...)
	if err != nil {
		return nil, fmt.Errorf("group members: %w", err)
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

// staticMembers is the WHERE clause over people joined with group_members
// (alias m) that selects a static group's members.
func staticMembers(g Group, scope Scope) (string, []any) {
	w := " WHERE m.group_id = $1"
	args := []any{g.ID}
	if g.ActiveOnly {
		w += " AND active = TRUE"
	}
	if scope != AllOrganisations {
		args = append(args, int64(scope))
		w += fmt.Sprintf(" AND organisation_id = $%d", len(args))
	}
	return w, args
}

// CountGroupMembers counts the group's members (inside scope).
func (s *Store) CountGroupMembers(ctx context.Context, scope Scope, groupID int64) (int, error) {
	g, err := s.Group(ctx, scope, groupID)
	if err != nil {
		return 0, err
	}
	if g.IsFilter() {
		return s.CountPeople(ctx, g.memberFilter(scope))
	}
	w, args := staticMembers(g, scope)
	var n int
	err = s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM people JOIN group_members m ON m.person_id = id`+w, args...).Scan(&n)
	return n, err
}

// memberOf is the SQL condition "person p is a member of group g".
const memberOf = `((g.kind = 'static' AND EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = g.id AND m.person_id = p.id))
	OR (g.kind = 'filter'
		AND (g.filter_organisation_id IS NULL OR p.organisation_id = g.filter_organisation_id)
		AND (g.filter_department = '' OR p.department = g.filter_department)
		AND (g.filter_title = '' OR p.title = g.filter_title)
		AND (g.filter_location = '' OR p.location = g.filter_location)))
	AND (g.filter_active_only = FALSE OR p.active = TRUE)`

// filterMatch is memberOf for filter groups only, as a join condition.
const filterMatch = `g.kind = 'filter'
	AND (g.filter_organisation_id IS NULL OR p.organisation_id = g.filter_organisation_id)
	AND (g.filter_department = '' OR p.department = g.filter_department)
	AND (g.filter_title = '' OR p.title = g.filter_title)
	AND (g.filter_location = '' OR p.location = g.filter_location)
	AND (g.filter_active_only = FALSE OR p.active = TRUE)`

// GroupsOfPerson lists the groups, visible in scope, that the person is a
// member of today (by hand or by filter), by name.
func (s *Store) GroupsOfPerson(ctx context.Context, scope Scope, personID int64) ([]Group, error) {
	q := `SELECT g.id, g.name, g.description, g.kind, COALESCE(g.filter_organisation_id, 0), g.filter_department, g.filter_title,
		g.filter_location, g.filter_active_only, g.created_at, g.updated_at FROM groups g JOIN people p ON p.id = $1 WHERE (` + memberOf + `)`
	args := []any{personID}
	if scope != AllOrganisations {
		q += ` AND g.filter_organisation_id = $2 AND p.organisation_id = $2`
		args = append(args, int64(scope))
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY g.name, g.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("groups of person: %w", err)
	}
	return collectGroups(rows)
}

// ResolveGroups returns, in id order and once each, the people who are a
// member of at least one of groupIDs and of none of excludeIDs: the
// audience of a campaign or an assignment. It is one SQL statement whatever
// the number of people; a group outside scope, or missing, is ErrNotFound.
func (s *Store) ResolveGroups(ctx context.Context, scope Scope, groupIDs, excludeIDs []int64) ([]int64, error) {
	all := append(append([]int64{}, groupIDs...), excludeIDs...)
	if len(groupIDs) == 0 {
		return []int64{}, nil
	}
	if len(all) > 1000 {
		return nil, fmt.Errorf("%w: at most 1,000 groups at once", ErrInvalid)
	}
	// Every group must exist and be visible.
	var args []any
	mark := func(vs ...any) string {
		p := s.db.Placeholders(len(args)+1, len(vs))
		args = append(args, vs...)
		return p
	}
	idArgs := func(ids []int64) []any {
		out := make([]any, len(ids))
		for i, id := range ids {
			out[i] = id
		}
		return out
	}
	q := `SELECT id, COALESCE(filter_organisation_id, 0) FROM groups WHERE id IN (` + mark(idArgs(all)...) + `)`
	found := map[int64]bool{}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("resolve groups: %w", err)
	}
	for rows.Next() {
		var id, org int64
		if err := rows.Scan(&id, &org); err != nil {
			rows.Close()
			return nil, err
		}
		if scope.Allows(org) {
			found[id] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, id := range all {
		if !found[id] {
			return nil, fmt.Errorf("group %d: %w", id, database.ErrNotFound)
		}
	}

	// (static members ∪ filter matches of the groups) − (the same for the
	// excluded groups). UNION and EXCEPT remove duplicates; both engines
	// read "A UNION B EXCEPT C EXCEPT D" left to right. Markers are made in
	// the order they appear, as SQLite's positional markers need.
	args = nil
	static := func(ids []int64, inScope bool) string {
		q := `SELECT p.id FROM group_members m JOIN groups g ON g.id = m.group_id JOIN people p ON p.id = m.person_id
			WHERE g.kind = 'static' AND g.id IN (` + mark(idArgs(ids)...) + `) AND (g.filter_active_only = FALSE OR p.active = TRUE)`
		if inScope && scope != AllOrganisations {
			q += ` AND p.organisation_id = ` + mark(int64(scope))
		}
		return q
	}
	filtered := func(ids []int64, inScope bool) string {
		q := `SELECT p.id FROM groups g JOIN people p ON ` + filterMatch + ` WHERE g.id IN (` + mark(idArgs(ids)...) + `)`
		if inScope && scope != AllOrganisations {
			q += ` AND p.organisation_id = ` + mark(int64(scope))
		}
		return q
	}
	q = static(groupIDs, true)
	q += "\nUNION\n" + filtered(groupIDs, true)
	if len(excludeIDs) > 0 {
		// Excluding needs no scope: leaving out more people is safe.
		q += "\nEXCEPT\n" + static(excludeIDs, false)
		q += "\nEXCEPT\n" + filtered(excludeIDs, false)
	}
	rows, err = s.db.QueryContext(ctx, q+"\nORDER BY 1", args...)
	if err != nil {
		return nil, fmt.Errorf("resolve groups: %w", err)
	}
	defer rows.Close()
	out := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// EmailError is one address a bulk change could not use, and why.
type EmailError struct {
	Email  string `json:"email"`
	Reason string `json:"reason"`
}

// MemberReport says what adding members to a group did.
type MemberReport struct {
	Added          int          `json:"added"`
	AlreadyMembers int          `json:"already_members"`
	Errors         []EmailError `json:"errors"`
}

// SplitEmails cuts pasted text into addresses: one a line, or separated by
// commas, semicolons or spaces. Empty pieces are dropped.
func SplitEmails(text string) []string {
	return strings.FieldsFunc(text, func(r rune) bool {
		return r == ',' || r == ';' || r == '\n' || r == '\r' || r == '\t' || r == ' '
	})
}

// maxBulkMembers bounds one bulk change, so a request cannot hold a
// transaction open for long.
const maxBulkMembers = 20000

type candidate struct {
	key      string // what the user typed, for the report
	personID int64
	orgID    int64
}

// AddGroupMembersByEmail adds the people with these addresses to a static
// group. Addresses that are malformed, unknown or (for a group of one
// organisation) of another organisation are reported one by one and the
// rest are added; the change is one audit entry.
func (s *Store) AddGroupMembersByEmail(ctx context.Context, by audit.Actor, groupID int64, emails []string) (MemberReport, error) {
	rep := MemberReport{Errors: []EmailError{}}
	if len(emails) > maxBulkMembers {
		return rep, fmt.Errorf("%w: at most %d addresses at once", ErrInvalid, maxBulkMembers)
	}
	var valid []string
	seen := map[string]bool{}
	for _, raw := range emails {
		e, err := NormaliseEmail(raw)
		if err != nil {
			rep.Errors = append(rep.Errors, EmailError{Email: raw, Reason: "is not an email address"})
			continue
		}
		if !seen[e] {
			seen[e] = true
			valid = append(valid, e)
		}
	}
	found := map[string]candidate{}
	for i := 0; i < len(valid); i += 500 {
		chunk := valid[i:min(i+500, len(valid))]
		args := make([]any, len(chunk))
		for k, e := range chunk {
			args[k] = e
		}
		rows, err := s.db.QueryContext(ctx, `SELECT email, id, COALESCE(organisation_id, 0) FROM people WHERE email IN (`+s.db.Placeholders(1, len(chunk))+`)`, args...)
		if err != nil {
			return rep, fmt.Errorf("add group members: %w", err)
		}
		for rows.Next() {
			var c candidate
			if err := rows.Scan(&c.key, &c.personID, &c.orgID); err != nil {
				rows.Close()
				return rep, err
			}
			found[c.key] = c
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return rep, err
		}
	}
	var cands []candidate
	for _, e := range valid {
		c, ok := found[e]
		if !ok {
			rep.Errors = append(rep.Errors, EmailError{Email: e, Reason: "nobody with this address is in the directory"})
			continue
		}
		cands = append(cands, c)
	}
	rep, err := s.addMembers(ctx, by, groupID, cands, rep)
	// Report in the order the addresses were given.
	at := map[string]int{}
	for i := len(emails) - 1; i >= 0; i-- {
		at[emails[i]] = i
		if e, err := NormaliseEmail(emails[i]); err == nil {
			at[e] = i
		}
	}
	sort.SliceStable(rep.Errors, func(i, j int) bool { return at[rep.Errors[i].Email] < at[rep.Errors[j].Email] })
	return rep, err
}

// AddGroupMembers adds people by id to a static group, reporting ids that
// cannot be added as AddGroupMembersByEmail does addresses.
func (s *Store) AddGroupMembers(ctx context.Context, by audit.Actor, groupID int64, personIDs []int64) (MemberReport, error) {
	rep := MemberReport{Errors: []EmailError{}}
	if len(personIDs) > maxBulkMembers {
		return rep, fmt.Errorf("%w: at most %d people at once", ErrInvalid, maxBulkMembers)
	}
	var cands []candidate
	seen := map[int64]bool{}
	for _, id := range personIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		var c candidate
		err := s.db.QueryRowContext(ctx, `SELECT email, id, COALESCE(organisation_id, 0) FROM people WHERE id = $1`, id).Scan(&c.key, &c.personID, &c.orgID)
		if errors.Is(err, sql.ErrNoRows) {
			rep.Errors = append(rep.Errors, EmailError{Email: fmt.Sprintf("person %d", id), Reason: "there is no such person"})
			continue
		}
		if err != nil {
			return rep, err
		}
		cands = append(cands, c)
	}
	return s.addMembers(ctx, by, groupID, cands, rep)
}

func (s *Store) addMembers(ctx context.Context, by audit.Actor, groupID int64, cands []candidate, rep MemberReport) (MemberReport, error) {
	g, err := s.Group(ctx, AllOrganisations, groupID)
	if err != nil {
		return rep, err
	}
	if g.IsFilter() {
		return rep, fmt.Errorf("%w: the members of a saved-filter group follow its filter; change the filter instead of adding people", ErrInvalid)
	}
	var ok []candidate
	for _, c := range cands {
		if g.OrganisationID != 0 && c.orgID != g.OrganisationID {
			rep.Errors = append(rep.Errors, EmailError{Email: c.key, Reason: "belongs to another organisation than this group's"})
			continue
		}
		ok = append(ok, c)
	}
	err = s.db.Tx(ctx, func(tx database.Tx) error {
		added := 0
		for _, c := range ok {
			res, err := tx.ExecContext(ctx, `INSERT INTO group_members (group_id, person_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, groupID, c.personID)
			if err != nil {
				return fmt.Errorf("add group member: %w", err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				added++
			}
		}
		rep.Added, rep.AlreadyMembers = added, len(ok)-added
		if added == 0 {
			return nil
		}
		return s.audit.Record(ctx, tx, by.Entry("group.members.add", "group", fmt.Sprint(groupID), map[string]any{"added": added, "refused": len(rep.Errors)}))
	})
	if err != nil {
		return MemberReport{Errors: rep.Errors}, err
	}
	return rep, nil
}

// RemoveGroupMember takes a person out of a static group.
func (s *Store) RemoveGroupMember(ctx context.Context, by audit.Actor, groupID, personID int64) error {
	return s.db.Tx(ctx, func(tx database.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM group_members WHERE group_id = $1 AND person_id = $2`, groupID, personID)
		if err != nil {
			return fmt.Errorf("remove group member: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return database.ErrNotFound
		}
		return s.audit.Record(ctx, tx, by.Entry("group.members.remove", "group", fmt.Sprint(groupID), map[string]any{"person_id": personID}))
	})
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
