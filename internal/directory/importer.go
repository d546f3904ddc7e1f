package directory

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
)

// ImportColumns are the columns a people CSV may have; email is required.
// Aliases on the right are accepted for the same column.
var ImportColumns = []struct {
	Name    string
	Aliases []string
	Help    string
}{
	{"email", []string{"e-mail", "email_address"}, "work email address (required; the key: a row with a known email updates that person)"},
	{"first_name", []string{"firstname", "first", "given_name"}, "first name"},
	{"last_name", []string{"lastname", "last", "surname", "family_name"}, "last name"},
	{"organisation", []string{"organization", "org", "agency"}, "organisation name; a new name creates a state agency"},
	{"department", []string{"dept"}, "department"},
	{"title", []string{"job_title", "position"}, "job title"},
	{"manager_email", []string{"manager"}, "the manager's email (in the file or already in the directory)"},
	{"location", []string{"office"}, "office or site"},
	{"time_zone", []string{"timezone", "tz"}, "IANA time zone, e.g. America/Chicago"},
	{"language", []string{"preferred_language", "lang"}, "preferred language code, e.g. en or es"},
	{"employee_id", []string{"employee_number", "employee"}, "employee id"},
	{"active", []string{"enabled"}, "true or false (default true)"},
}

// RowError is one bad row: its line in the file, the column, and why.
type RowError struct {
	Line   int    `json:"line"`
	Column string `json:"column"`
	Reason string `json:"reason"`
}

func (e RowError) String() string {
	if e.Column == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	}
	return fmt.Sprintf("line %d, column %s: %s", e.Line, e.Column, e.Reason)
}

// ImportReport counts what an import did.
type ImportReport struct {
	Rows                 int           `json:"rows"`
	Created              int           `json:"created"`
	Updated              int           `json:"updated"`
	Unchanged            int           `json:"unchanged"`
	Failed               int           `json:"failed"`
	OrganisationsCreated int           `json:"organisations_created"`
	Errors               []RowError    `json:"errors"`
	Duration             time.Duration `json:"-"`
}

// ImportOptions tune an import.
type ImportOptions struct {
	// Progress is called as rows are written: done of total.
	Progress func(done, total int)
	// OrganisationID, when set, puts every row in that organisation and
	// refuses rows naming another (an organisation's own import).
	OrganisationID int64
	// BatchSize is the rows written per transaction (default 500).
	BatchSize int
}

// ErrBadFile is returned when the file as a whole cannot be read (no email
// column, unknown column, not CSV); nothing is written then.
var ErrBadFile = errors.New("bad file")

type importRow struct {
	line    int
	person  Person
	orgName string
	manager string
	level   int // 0: no manager or manager known before the import
}

// ImportPeople reads a CSV of people and upserts them by email. Every row is
// validated before anything is written; a bad row is reported with its line
// and column and writes nothing. Rows are written in batches, each batch in
// one transaction, managers before the people they manage, so an import that
// is stopped leaves only whole rows. The import is one audit entry with its
// counts.
func (s *Store) ImportPeople(ctx context.Context, by audit.Actor, r io.Reader, opt ImportOptions) (ImportReport, error) {
	start := time.Now()
	rep := ImportReport{Errors: []RowError{}}
	if opt.BatchSize <= 0 {
		opt.BatchSize = 500
	}
	rows, err := parsePeopleCSV(r, &rep)
	if err != nil {
		return rep, err
	}
	rows = s.resolveManagers(ctx, rows, &rep)
	if err := ctx.Err(); err != nil {
		return rep, err
	}

	orgIDs, err := s.ensureOrganisations(ctx, rows, opt.OrganisationID, &rep)
	if err != nil {
		return rep, err
	}
	var valid []*importRow
	for _, row := range rows {
		if opt.OrganisationID != 0 {
			if row.orgName != "" {
				if id := orgIDs[strings.ToLower(row.orgName)]; id != opt.OrganisationID {
					rep.fail(row.line, "organisation", "rows may only name your own organisation")
					continue
				}
			}
			row.person.OrganisationID = opt.OrganisationID
		} else if row.orgName != "" {
			row.person.OrganisationID = orgIDs[strings.ToLower(row.orgName)]
		}
		valid = append(valid, row)
	}

	// Managers first: level n rows only point at rows of lower levels.
	sort.SliceStable(valid, func(i, j int) bool { return valid[i].level < valid[j].level })
	idByEmail := map[string]int64{}
	done := 0
	for i := 0; i < len(valid); {
		j := i + 1
		for j < len(valid) && j-i < opt.BatchSize && valid[j].level == valid[i].level {
			j++
		}
		batch := valid[i:j]
		if err := s.writeBatch(ctx, batch, idByEmail, &rep); err != nil {
			// Isolate the row the database refused; the others still go in.
			for _, row := range batch {
				if err := ctx.Err(); err != nil {
					return rep, err
				}
				if e := s.writeBatch(ctx, []*importRow{row}, idByEmail, &rep); e != nil {
					rep.fail(row.line, "", "could not be saved: "+e.Error())
				}
			}
		}
		done += len(batch)
		if opt.Progress != nil {
			opt.Progress(done, len(valid))
		}
		i = j
		if err := ctx.Err(); err != nil {
			return rep, err
		}
	}
	sort.Slice(rep.Errors, func(i, j int) bool { return rep.Errors[i].Line < rep.Errors[j].Line })
	rep.Failed = len(rep.Errors)
	rep.Duration = time.Since(start)
	err = s.audit.RecordNow(ctx, by.Entry("people.import", "person", "", map[string]any{
		"rows": rep.Rows, "created": rep.Created, "updated": rep.Updated, "unchanged": rep.Unchanged,
		"failed": rep.Failed, "organisations_created": rep.OrganisationsCreated,
	}))
	return rep, err
}

func (rep *ImportReport) fail(line int, column, reason string) {
	rep.Errors = append(rep.Errors, RowError{Line: line, Column: column, Reason: reason})
}

func parsePeopleCSV(r io.Reader, rep *ImportReport) ([]*importRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%w: the file is empty", ErrBadFile)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadFile, err)
	}
	col := map[string]int{}
	alias := map[string]string{}
	for _, c := range ImportColumns {
		alias[c.Name] = c.Name
		for _, a := range c.Aliases {
			alias[a] = c.Name
		}
	}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		h = strings.ReplaceAll(h, " ", "_")
		name, ok := alias[h]
		if !ok {
			return nil, fmt.Errorf("%w: line 1, column %d: unknown column %q (known columns: email, first_name, last_name, organisation, department, title, manager_email, location, time_zone, language, employee_id, active)", ErrBadFile, i+1, header[i])
		}
		if _, dup := col[name]; dup {
			return nil, fmt.Errorf("%w: line 1: column %q appears twice", ErrBadFile, name)
		}
		col[name] = i
	}
	if _, ok := col["email"]; !ok {
		return nil, fmt.Errorf("%w: line 1: the file has no email column", ErrBadFile)
	}
	seen := map[string]int{}
	var rows []*importRow
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				rep.Rows++
				rep.fail(pe.StartLine, "", pe.Err.Error())
				if errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote) {
					continue
				}
				continue
			}
			return nil, fmt.Errorf("%w: %v", ErrBadFile, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		rep.Rows++
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return rec[i]
			}
			return ""
		}
		if len(rec) != len(header) {
			rep.fail(line, "", fmt.Sprintf("has %d fields, the header has %d", len(rec), len(header)))
			continue
		}
		p := Person{
			Email: get("email"), FirstName: get("first_name"), LastName: get("last_name"), Department: get("department"),
			Title: get("title"), Location: get("location"), TimeZone: get("time_zone"), Language: get("language"),
			EmployeeID: get("employee_id"), Active: true,
		}
		if v := strings.TrimSpace(get("active")); v != "" {
			b, err := parseBool(v)
			if err != nil {
				rep.fail(line, "active", err.Error())
				continue
			}
			p.Active = b
		}
		if err := p.normalise(); err != nil {
			var fe *FieldError
			if errors.As(err, &fe) {
				rep.fail(line, fe.Field, fe.Reason)
			} else {
				rep.fail(line, "", err.Error())
			}
			continue
		}
		if first, dup := seen[p.Email]; dup {
			rep.fail(line, "email", fmt.Sprintf("%s already appears on line %d", p.Email, first))
			continue
		}
		seen[p.Email] = line
		row := &importRow{line: line, person: p, orgName: strings.TrimSpace(get("organisation"))}
		if len(row.orgName) > 200 {
			rep.fail(line, "organisation", "is longer than 200 characters")
			continue
		}
		if m := strings.TrimSpace(get("manager_email")); m != "" {
			me, err := NormaliseEmail(m)
			if err != nil {
				rep.fail(line, "manager_email", err.Error())
				continue
			}
			if me == p.Email {
				rep.fail(line, "manager_email", "a person cannot be their own manager")
				continue
			}
			row.manager = me
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "yes", "y", "1", "active":
		return true, nil
	case "false", "no", "n", "0", "inactive":
		return false, nil
	}
	if b, err := strconv.ParseBool(v); err == nil {
		return b, nil
	}
	return false, fmt.Errorf("%q is not true or false", v)
}

// resolveManagers gives each row a level (its depth below people already in
// the directory) and fails rows whose manager is nowhere, or who sit in a
// management cycle.
func (s *Store) resolveManagers(ctx context.Context, rows []*importRow, rep *ImportReport) []*importRow {
	inFile := map[string]*importRow{}
	for _, r := range rows {
		inFile[r.person.Email] = r
	}
	var outside []string
	for _, r := range rows {
		if r.manager != "" && inFile[r.manager] == nil {
			outside = append(outside, r.manager)
		}
	}
	known := map[string]bool{}
	for i := 0; i < len(outside); i += 500 {
		chunk := outside[i:min(i+500, len(outside))]
		args := make([]any, len(chunk))
		for k, e := range chunk {
			args[k] = e
		}
		res, err := s.db.QueryContext(ctx, `SELECT email FROM people WHERE email IN (`+s.db.Placeholders(1, len(chunk))+`)`, args...)
		if err != nil {
			continue
		}
		for res.Next() {
			var e string
			res.Scan(&e)
			known[e] = true
		}
		res.Close()
	}
	const unresolved, visiting, bad = -1, -2, -3
	for _, r := range rows {
		r.level = unresolved
	}
	var levelOf func(r *importRow) int
	levelOf = func(r *importRow) int {
		switch r.level {
		case visiting:
			return bad
		case unresolved:
		default:
			return r.level
		}
		if r.manager == "" || (inFile[r.manager] == nil && known[r.manager]) {
			r.level = 0
			return 0
		}
		m := inFile[r.manager]
		if m == nil {
			r.level = bad
			return bad
		}
		r.level = visiting
		l := levelOf(m)
		if l < 0 {
			r.level = bad
			return bad
		}
		r.level = l + 1
		return r.level
	}
	var out []*importRow
	for _, r := range rows {
		if levelOf(r) >= 0 {
			out = append(out, r)
			continue
		}
		m := inFile[r.manager]
		switch {
		case m == nil:
			rep.fail(r.line, "manager_email", fmt.Sprintf("%s is neither in the file nor in the directory", r.manager))
		default:
			rep.fail(r.line, "manager_email", fmt.Sprintf("%s cannot be saved (see line %d), or the managers form a cycle", r.manager, m.line))
		}
	}
	return out
}

// ensureOrganisations finds or creates (as state agencies) the organisations
// the rows name, returning ids by lower-cased name.
func (s *Store) ensureOrganisations(ctx context.Context, rows []*importRow, only int64, rep *ImportReport) (map[string]int64, error) {
	names := map[string]string{}
	for _, r := range rows {
		if r.orgName != "" {
			names[strings.ToLower(r.orgName)] = r.orgName
		}
	}
	ids := map[string]int64{}
	if len(names) == 0 {
		return ids, nil
	}
	res, err := s.db.QueryContext(ctx, `SELECT id, LOWER(name) FROM organisations`)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	for res.Next() {
		var id int64
		var n string
		res.Scan(&id, &n)
		if _, want := names[n]; want {
			ids[n] = id
		}
	}
	res.Close()
	if only != 0 {
		return ids, nil // an organisation's own import creates none
	}
	var missing []string
	for k := range names {
		if _, ok := ids[k]; !ok {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	if len(missing) == 0 {
		return ids, nil
	}
	err = s.db.Tx(ctx, func(tx database.Tx) error {
		for _, k := range missing {
			o, err := insertOrganisation(ctx, tx, Organisation{Name: names[k], Kind: KindStateAgency})
			if err != nil {
				return err
			}
			ids[k] = o.ID
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("import: create organisations: %w", err)
	}
	rep.OrganisationsCreated = len(missing)
	return ids, nil
}

// writeBatch upserts rows in one transaction. Counts are added to rep only
// when the transaction commits.
func (s *Store) writeBatch(ctx context.Context, batch []*importRow, idByEmail map[string]int64, rep *ImportReport) error {
	var created, updated, unchanged int
	newIDs := map[string]int64{}
	err := s.db.Tx(ctx, func(tx database.Tx) error {
		emails := make([]string, len(batch))
		for i, r := range batch {
			emails[i] = r.person.Email
		}
		existing := map[string]Person{}
		cond, args := s.db.InStrings("email", emails)
		res, err := tx.QueryContext(ctx, `SELECT `+personColumns+` FROM people WHERE `+cond, args...)
		if err != nil {
			return err
		}
		for res.Next() {
			p, err := scanPerson(res)
			if err != nil {
				res.Close()
				return err
			}
			existing[p.Email] = p
		}
		res.Close()
		if err := res.Err(); err != nil {
			return err
		}
		// Managers from earlier in the directory need their ids.
		var lookup []any
		for _, r := range batch {
			if r.manager != "" {
				if _, ok := idByEmail[r.manager]; !ok {
					if _, ok := newIDs[r.manager]; !ok {
						lookup = append(lookup, r.manager)
					}
				}
			}
		}
		if len(lookup) > 0 {
			res, err := tx.QueryContext(ctx, `SELECT email, id FROM people WHERE email IN (`+s.db.Placeholders(1, len(lookup))+`)`, lookup...)
			if err != nil {
				return err
			}
			for res.Next() {
				var e string
				var id int64
				res.Scan(&e, &id)
				newIDs[e] = id
			}
			res.Close()
		}
		now := database.Now()
		var inserts []*importRow
		for _, r := range batch {
			p := r.person
			if r.manager != "" {
				id, ok := idByEmail[r.manager]
				if !ok {
					id = newIDs[r.manager]
				}
				if id == 0 {
					return fmt.Errorf("manager %s not found", r.manager)
				}
				p.ManagerID = id
			}
			old, ok := existing[p.Email]
			if !ok {
				r.person = p
				inserts = append(inserts, r)
				continue
			}
			newIDs[p.Email] = old.ID
			p.ID = old.ID
			if samePerson(old, p) {
				unchanged++
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE people SET first_name = $1, last_name = $2, organisation_id = $3, department = $4, title = $5, manager_id = $6,
				location = $7, time_zone = $8, language = $9, employee_id = $10, active = $11, updated_at = $12 WHERE id = $13`,
				p.FirstName, p.LastName, nullInt(p.OrganisationID), p.Department, p.Title, nullInt(p.ManagerID), p.Location, p.TimeZone, p.Language, p.EmployeeID, p.Active, now, p.ID); err != nil {
				return err
			}
			updated++
		}
		if len(inserts) > 0 {
			const cols = 14
			var b strings.Builder
			b.WriteString(`INSERT INTO people (email, first_name, last_name, organisation_id, department, title, manager_id, location, time_zone, language, employee_id, active, created_at, updated_at) VALUES `)
			args := make([]any, 0, len(inserts)*cols)
			for i, r := range inserts {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("(" + s.db.Placeholders(i*cols+1, cols) + ")")
				p := r.person
				args = append(args, p.Email, p.FirstName, p.LastName, nullInt(p.OrganisationID), p.Department, p.Title, nullInt(p.ManagerID), p.Location, p.TimeZone, p.Language, p.EmployeeID, p.Active, now, now)
			}
			b.WriteString(" RETURNING id, email")
			res, err := tx.QueryContext(ctx, b.String(), args...)
			if err != nil {
				return err
			}
			for res.Next() {
				var id int64
				var e string
				if err := res.Scan(&id, &e); err != nil {
					res.Close()
					return err
				}
				newIDs[e] = id
			}
			res.Close()
			if err := res.Err(); err != nil {
				return err
			}
			created += len(inserts)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for e, id := range newIDs {
		idByEmail[e] = id
	}
	rep.Created += created
	rep.Updated += updated
	rep.Unchanged += unchanged
	return nil
}

func samePerson(a, b Person) bool {
	return a.FirstName == b.FirstName && a.LastName == b.LastName && a.OrganisationID == b.OrganisationID &&
		a.Department == b.Department && a.Title == b.Title && a.ManagerID == b.ManagerID && a.Location == b.Location &&
		a.TimeZone == b.TimeZone && a.Language == b.Language && a.EmployeeID == b.EmployeeID && a.Active == b.Active
}
