package tlp

import (
	"context"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"bulwark/internal/platform/database"
	"bulwark/internal/platform/database/dbtest"
)

// testColumns follows the contract with a table alias, as list queries do.
var testColumns = Columns{
	ID:              "o.id",
	Label:           "o.tlp",
	OwnerOrg:        "o.owner_org_id",
	ShareWithServed: "o.share_with_served",
	Author:          "o.author_user_id",
	RecipientOrgs:   "tlp_recipient_orgs",
	RecipientUsers:  "tlp_recipient_users",
}

func createTables(t *testing.T, db *database.DB) {
	t.Helper()
	for _, q := range []string{
		`CREATE TABLE tlp_objects (id BIGINT PRIMARY KEY, tlp TEXT, owner_org_id BIGINT, share_with_served BOOLEAN NOT NULL, author_user_id BIGINT)`,
		`CREATE TABLE tlp_recipient_orgs (object_id BIGINT NOT NULL, org_id BIGINT NOT NULL, PRIMARY KEY (object_id, org_id))`,
		`CREATE TABLE tlp_recipient_users (object_id BIGINT NOT NULL, user_id BIGINT NOT NULL, PRIMARY KEY (object_id, user_id))`,
	} {
		if _, err := db.ExecContext(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
}

// storeObjects replaces the table's rows with objs, object i having id i+1.
// A missing owner or author is stored as NULL; a label that is not valid as
// NULL or a foreign value, as a careless writer might.
func storeObjects(t *testing.T, db *database.DB, objs []Object) {
	t.Helper()
	ctx := context.Background()
	err := db.Tx(ctx, func(tx database.Tx) error {
		for _, q := range []string{`DELETE FROM tlp_objects`, `DELETE FROM tlp_recipient_orgs`, `DELETE FROM tlp_recipient_users`} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		for i, o := range objs {
			id := int64(i + 1)
			var label any
			switch {
			case o.Label.Valid():
				label = o.Label
			case o.Label == 0:
				label = nil
			default:
				label = "TLP:RED" // the display name is not a stored code
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO tlp_objects (id, tlp, owner_org_id, share_with_served, author_user_id) VALUES ($1, $2, $3, $4, $5)`,
				id, label, nullID(o.OwnerOrg), o.ShareWithServed, nullID(o.AuthorUserID)); err != nil {
				return err
			}
			for _, org := range o.Recipients {
				if _, err := tx.ExecContext(ctx, `INSERT INTO tlp_recipient_orgs (object_id, org_id) VALUES ($1, $2)`, id, org); err != nil {
					return err
				}
			}
			for _, u := range o.RecipientUsers {
				if _, err := tx.ExecContext(ctx, `INSERT INTO tlp_recipient_users (object_id, user_id) VALUES ($1, $2)`, id, u); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// readableIDs runs the condition in a list query, after a first argument of
// the caller's own, and returns the 0-based indexes of the rows it keeps.
func readableIDs(t *testing.T, db *database.DB, r Reader, providers []int64) []int {
	t.Helper()
	where, args := testColumns.Condition(r, providers, 2)
	q := `SELECT o.id FROM tlp_objects o WHERE o.id > $1 AND ` + where + ` ORDER BY o.id`
	rows, err := db.QueryContext(context.Background(), q, append([]any{int64(0)}, args...)...)
	if err != nil {
		t.Fatalf("%v\n%s %v", err, q, args)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id-1)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestConditionTable(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		createTables(t, db)
		storeObjects(t, db, tableColumns)
		for _, row := range tableRows {
			var providers []int64
			for _, e := range tableEdges {
				if e[1] == row.r.OrgID {
					providers = append(providers, e[0])
				}
			}
			var want []int
			for i, c := range row.want {
				if c == 'Y' {
					want = append(want, i)
				}
			}
			if got := readableIDs(t, db, row.r, providers); !slices.Equal(got, want) {
				t.Errorf("%s: SQL kept %v, want %v (%s)", row.name, got, want, row.want)
			}
		}
	})
}

func TestConditionMatchesTheReferenceModel(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		createTables(t, db)
		rng := rand.New(rand.NewSource(1122))
		cases, allowed := 0, 0
		for range 25 {
			w := randomWorld(rng)
			objs := make([]Object, 16)
			for i := range objs {
				objs[i] = randomObject(rng, w)
			}
			storeObjects(t, db, objs)
			for _, r := range randomReaders(rng, w) {
				var want []int
				for i, o := range objs {
					if modelCanRead(w, o, r) {
						want = append(want, i)
					}
				}
				providers := w.providers(r.OrgID)
				if rng.Intn(5) == 0 {
					// Callers may pass duplicates, or id 0 from a careless join.
					providers = append(providers, 0)
					providers = append(providers, providers...)
				}
				got := readableIDs(t, db, r, providers)
				if !slices.Equal(got, want) {
					t.Fatalf("reader %+v: SQL kept %v, model says %v\nobjects %+v\nserves %v", r, got, want, objs, w.edges)
				}
				cases++
				allowed += len(want)
			}
		}
		if cases < 300 || allowed == 0 {
			t.Fatalf("only %d cases, %d rows allowed", cases, allowed)
		}
	})
}

func TestConditionShape(t *testing.T) {
	where, args := DefaultColumns.Condition(Reader{Public: true, UserID: 1, OrgID: 2, HubMember: true}, []int64{3}, 1)
	if where != "(tlp = 'clear')" || len(args) != 0 {
		t.Errorf("public: %s %v", where, args)
	}
	where, args = DefaultColumns.Condition(Reader{}, nil, 1)
	if where != "(tlp = 'clear')" || len(args) != 0 {
		t.Errorf("nobody: %s %v", where, args)
	}
	where, args = DefaultColumns.Condition(Reader{UserID: 7, OrgID: 8, HubMember: true}, []int64{9, 9, 0, 8}, 4)
	if len(args) != 3 || args[0] != int64(7) || args[1] != int64(8) || args[2] != int64(9) {
		t.Errorf("args %v, want user, organisation, one provider", args)
	}
	for _, s := range []string{"$4", "$5", "$6", "tlp_recipient_orgs", "tlp_recipient_users", "share_with_served", "tlp = 'green'"} {
		if !strings.Contains(where, s) {
			t.Errorf("condition lacks %q: %s", s, where)
		}
	}
	if strings.Contains(where, "$7") || strings.Contains(where, "$3") {
		t.Errorf("condition uses a marker it has no argument for: %s", where)
	}
}

func TestConditionRefusesNamesThatAreNotIdentifiers(t *testing.T) {
	for _, bad := range []func(c *Columns){
		func(c *Columns) { c.Label = "tlp; DROP TABLE users" },
		func(c *Columns) { c.RecipientOrgs = "" },
		func(c *Columns) { c.OwnerOrg = "a.b.c" },
		func(c *Columns) { c.Author = "x)" },
	} {
		c := DefaultColumns
		bad(&c)
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Condition accepted columns %+v", c)
				}
			}()
			c.Condition(Reader{UserID: 1, OrgID: 1}, nil, 1)
		}()
	}
}

func ExampleColumns_Condition() {
	// A county clerk (user 42) of county 17, which the state office (3)
	// serves, lists advisories after id 100.
	adv := DefaultColumns
	adv.ID, adv.Label, adv.OwnerOrg, adv.ShareWithServed, adv.Author = "a.id", "a.tlp", "a.owner_org_id", "a.share_with_served", "a.author_user_id"
	adv.RecipientOrgs, adv.RecipientUsers = "advisory_recipient_orgs", "advisory_recipient_users"
	where, args := adv.Condition(Reader{UserID: 42, OrgID: 17, HubMember: true}, []int64{3}, 2)
	fmt.Println("SELECT a.id FROM advisories a WHERE a.id > $1 AND " + where)
	fmt.Println(args)
	// Output:
	// SELECT a.id FROM advisories a WHERE a.id > $1 AND (a.tlp = 'clear' OR (a.tlp IN ('green', 'amber', 'amber+strict', 'red') AND (a.author_user_id = $2 OR EXISTS (SELECT 1 FROM advisory_recipient_users tlp_ru WHERE tlp_ru.object_id = a.id AND tlp_ru.user_id = $2) OR (a.tlp IN ('green', 'amber', 'amber+strict') AND (a.owner_org_id = $3 OR EXISTS (SELECT 1 FROM advisory_recipient_orgs tlp_ro WHERE tlp_ro.object_id = a.id AND tlp_ro.org_id = $3))) OR (a.tlp IN ('green', 'amber') AND a.share_with_served AND EXISTS (SELECT 1 FROM advisory_recipient_orgs tlp_rs WHERE tlp_rs.object_id = a.id AND tlp_rs.org_id IN ($4))) OR a.tlp = 'green')))
	// [42 17 3]
}

// The fragment may follow db.Placeholders' markers (plain "?" on SQLite):
// its own markers first appear in increasing order.
func TestConditionAfterGeneratedPlaceholders(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		createTables(t, db)
		storeObjects(t, db, tableColumns)
		r := Reader{UserID: 103, OrgID: 3, HubMember: true}  // served by the recipient
		ids := []any{int64(3), int64(4), int64(5), int64(6)} // AMBER, AMBER+served, STRICT, RED
		where, args := testColumns.Condition(r, []int64{2}, len(ids)+1)
		q := `SELECT o.id FROM tlp_objects o WHERE o.id IN (` + db.Placeholders(1, len(ids)) + `) AND ` + where + ` ORDER BY o.id`
		rows, err := db.QueryContext(context.Background(), q, append(ids, args...)...)
		if err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
		defer rows.Close()
		var got []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			got = append(got, id)
		}
		if !slices.Equal(got, []int64{4}) {
			t.Fatalf("kept %v, want only the AMBER object shared with served organisations (4)", got)
		}
	})
}
