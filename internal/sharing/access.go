// Package sharing is the threat-sharing hub: advisories (with versions and
// comments), indicators and the allow-list of known-good values, every one
// under a TLP 2.0 label. Every read goes through the tlp package: lists and
// counts filter in SQL with tlp.Columns.Condition, single objects with
// tlp.CanRead, and an object a reader may not read is "not found", so its
// existence is not revealed. The package imports no net/http.
package sharing

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"bulwark/internal/accounts"
	"bulwark/internal/directory"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
	"bulwark/internal/sharing/tlp"
)

// Store reads and changes the hub's objects, auditing every change.
type Store struct {
	db    *database.DB
	audit *audit.Log
	dir   *directory.Store
}

// NewStore returns a Store over db that audits to log and reads the
// organisations and the serves relation from dir.
func NewStore(db *database.DB, log *audit.Log, dir *directory.Store) *Store {
	return &Store{db: db, audit: log, dir: dir}
}

// ErrNotOwner is returned when someone who may read an object tries to
// change it without belonging to the organisation that shared it.
var ErrNotOwner = errors.New("only the organisation that shared this can change it")

// Viewer is a signed-in user as the TLP rules see them, with the
// organisations that serve theirs (for TLP:AMBER passed on to served
// organisations). Build it with Store.Viewer.
type Viewer struct {
	Reader    tlp.Reader
	Providers []int64
}

// ReaderFor is the TLP reader for a signed-in user. Every organisation in
// the directory is a member of the hub for now, so a user with an
// organisation reads TLP:GREEN; a user without one (an administrator not
// attached to any organisation) does not. Roles play no part: the rules
// bind administrators and auditors like everyone else.
func ReaderFor(u accounts.User) tlp.Reader {
	return tlp.Reader{UserID: u.ID, OrgID: u.OrganisationID, HubMember: u.OrganisationID != 0}
}

// Viewer builds the viewer for u.
func (s *Store) Viewer(ctx context.Context, u accounts.User) (Viewer, error) {
	v := Viewer{Reader: ReaderFor(u)}
	if v.Reader.OrgID != 0 {
		p, err := s.dir.Providers(ctx, v.Reader.OrgID)
		if err != nil {
			return Viewer{}, fmt.Errorf("read the organisations serving %d: %w", v.Reader.OrgID, err)
		}
		v.Providers = p
	}
	return v, nil
}

// CanRead is the one decision for a single object.
func (v Viewer) CanRead(o tlp.Object) bool {
	return tlp.CanRead(v.Reader, o, tlp.ProvidersOf{Org: v.Reader.OrgID, Providers: v.Providers})
}

// Sharing is the TLP part of an object as the sharer sets it.
type Sharing struct {
	TLP tlp.Label `json:"tlp"`
	// Recipients are the organisations named for TLP:AMBER and AMBER+STRICT.
	Recipients []int64 `json:"recipient_organisations,omitempty"`
	// ShareWithServed lets TLP:AMBER pass to the organisations a recipient serves.
	ShareWithServed bool `json:"share_with_served,omitempty"`
	// RecipientUsers are the individuals named for TLP:RED.
	RecipientUsers []int64 `json:"recipient_users,omitempty"`
}

// object is what tlp needs about a stored object.
func (sh Sharing) object(owner, author int64) tlp.Object {
	return tlp.Object{Label: sh.TLP, OwnerOrg: owner, Recipients: sh.Recipients, ShareWithServed: sh.ShareWithServed,
		RecipientUsers: sh.RecipientUsers, AuthorUserID: author}
}

func invalid(field, format string, args ...any) error {
	return &directory.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// checkSharing validates the label and that every named organisation and
// user exists, and puts the lists in a stable order without repeats.
func (s *Store) checkSharing(ctx context.Context, sh *Sharing) error {
	if !sh.TLP.Valid() {
		return invalid("tlp", "choose a TLP label: CLEAR, GREEN, AMBER, AMBER+STRICT or RED")
	}
	sh.Recipients = sortedSet(sh.Recipients)
	sh.RecipientUsers = sortedSet(sh.RecipientUsers)
	for _, id := range sh.Recipients {
		if _, err := s.dir.Organisation(ctx, id); err != nil {
			if errors.Is(err, database.ErrNotFound) {
				return invalid("recipient_organisations", "there is no organisation %d", id)
			}
			return err
		}
	}
	for _, id := range sh.RecipientUsers {
		var one int
		err := s.db.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = $1`, id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return invalid("recipient_users", "there is no user %d", id)
		} else if err != nil {
			return err
		}
	}
	if sh.TLP != tlp.Amber {
		sh.ShareWithServed = false // only AMBER passes to served organisations
	}
	return nil
}

// writeRecipients replaces an object's recipient rows.
func writeRecipients(ctx context.Context, tx database.Tx, table string, id int64, sh Sharing) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+`_orgs WHERE object_id = $1`, id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+`_users WHERE object_id = $1`, id); err != nil {
		return err
	}
	for _, o := range sh.Recipients {
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+table+`_orgs (object_id, org_id) VALUES ($1, $2)`, id, o); err != nil {
			return err
		}
	}
	for _, u := range sh.RecipientUsers {
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+table+`_users (object_id, user_id) VALUES ($1, $2)`, id, u); err != nil {
			return err
		}
	}
	return nil
}

// readRecipients loads an object's recipient lists.
func (s *Store) readRecipients(ctx context.Context, table string, id int64, sh *Sharing) error {
	var err error
	if sh.Recipients, err = s.int64s(ctx, `SELECT org_id FROM `+table+`_orgs WHERE object_id = $1 ORDER BY org_id`, id); err != nil {
		return err
	}
	sh.RecipientUsers, err = s.int64s(ctx, `SELECT user_id FROM `+table+`_users WHERE object_id = $1 ORDER BY user_id`, id)
	return err
}

func (s *Store) int64s(ctx context.Context, q string, args ...any) ([]int64, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return database.ErrNotFound
	}
	return err
}

// sortedSet returns a sorted copy of s without repeats; the caller's slice
// is left alone (Compact would clear its tail).
func sortedSet[T cmp.Ordered](s []T) []T {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}
