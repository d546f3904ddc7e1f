package tlp

import (
	"fmt"
	"regexp"
	"strings"
)

// Columns names where a table of shared objects keeps what CanRead needs,
// so list queries, counts and TAXII pages filter in SQL exactly as CanRead
// does. The contract:
//
//   - Label: TEXT NOT NULL holding Label.Code() ("clear", "green", "amber",
//     "amber+strict", "red"; write it with Label.Value). Any other value,
//     NULL included, is read by no one.
//   - ID: the object's id, BIGINT.
//   - OwnerOrg: BIGINT, the owner organisation (NULL for none).
//   - ShareWithServed: BOOLEAN NOT NULL.
//   - Author: BIGINT, the author's user id (NULL for none).
//   - RecipientOrgs: a table (object_id BIGINT, org_id BIGINT), one row per
//     named recipient organisation; index it on (org_id, object_id) or
//     (object_id, org_id).
//   - RecipientUsers: a table (object_id BIGINT, user_id BIGINT), one row
//     per named individual.
//
// Column names may be qualified ("a.tlp"). They come from the program,
// never from input; Condition panics on anything but plain identifiers.
type Columns struct {
	ID, Label, OwnerOrg, ShareWithServed, Author string
	RecipientOrgs, RecipientUsers                string
}

// DefaultColumns is the contract with the names the package suggests.
var DefaultColumns = Columns{
	ID:              "id",
	Label:           "tlp",
	OwnerOrg:        "owner_org_id",
	ShareWithServed: "share_with_served",
	Author:          "author_user_id",
	RecipientOrgs:   "tlp_recipient_orgs",
	RecipientUsers:  "tlp_recipient_users",
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$`)

func (c Columns) check() {
	for _, n := range []string{c.ID, c.Label, c.OwnerOrg, c.ShareWithServed, c.Author, c.RecipientOrgs, c.RecipientUsers} {
		if !identifier.MatchString(n) {
			panic(fmt.Sprintf("tlp: %q is not a column or table name", n))
		}
	}
}

// Condition returns a WHERE fragment (parenthesised, to be joined with AND)
// that keeps exactly the rows CanRead lets r read, and its arguments,
// numbered $firstArg, $firstArg+1... The "$N" markers work on both
// engines. Each first appears in increasing order, so on SQLite the fragment
// may follow markers from db.Placeholders provided the statement's earlier
// markers take arguments 1 to firstArg-1 in the order they appear.
//
// providers lists the organisations that serve r.OrgID directly
// (directory.Store.Providers); pass the same list to Filter as
// ProvidersOf{Org: r.OrgID, Providers: providers}.
func (c Columns) Condition(r Reader, providers []int64, firstArg int) (where string, args []any) {
	c.check()
	if firstArg < 1 {
		panic("tlp: argument numbers start at 1")
	}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", firstArg+len(args)-1)
	}
	clear := fmt.Sprintf("%s = '%s'", c.Label, Clear.Code())
	if r.Public {
		return "(" + clear + ")", nil
	}
	var or []string
	if r.UserID != 0 {
		u := arg(r.UserID)
		or = append(or,
			fmt.Sprintf("%s = %s", c.Author, u),
			fmt.Sprintf("EXISTS (SELECT 1 FROM %s tlp_ru WHERE tlp_ru.object_id = %s AND tlp_ru.user_id = %s)", c.RecipientUsers, c.ID, u))
	}
	if r.OrgID != 0 {
		o := arg(r.OrgID)
		or = append(or, fmt.Sprintf("(%s AND (%s = %s OR EXISTS (SELECT 1 FROM %s tlp_ro WHERE tlp_ro.object_id = %s AND tlp_ro.org_id = %s)))",
			c.labelIn(Green, Amber, AmberStrict), c.OwnerOrg, o, c.RecipientOrgs, c.ID, o))
		var ps []string
		seen := map[int64]bool{}
		for _, p := range providers {
			if p != 0 && p != r.OrgID && !seen[p] {
				seen[p] = true
				ps = append(ps, arg(p))
			}
		}
		if len(ps) > 0 {
			or = append(or, fmt.Sprintf("(%s AND %s AND EXISTS (SELECT 1 FROM %s tlp_rs WHERE tlp_rs.object_id = %s AND tlp_rs.org_id IN (%s)))",
				c.labelIn(Green, Amber), c.ShareWithServed, c.RecipientOrgs, c.ID, strings.Join(ps, ", ")))
		}
		if r.HubMember {
			or = append(or, fmt.Sprintf("%s = '%s'", c.Label, Green.Code()))
		}
	}
	if len(or) == 0 {
		return "(" + clear + ")", args
	}
	return fmt.Sprintf("(%s OR (%s AND (%s)))", clear, c.labelIn(Green, Amber, AmberStrict, Red), strings.Join(or, " OR ")), args
}

func (c Columns) labelIn(ls ...Label) string {
	q := make([]string, len(ls))
	for i, l := range ls {
		q[i] = "'" + l.Code() + "'"
	}
	return fmt.Sprintf("%s IN (%s)", c.Label, strings.Join(q, ", "))
}
