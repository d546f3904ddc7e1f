package tlp

import (
	"fmt"
	"math/rand"
	"slices"
	"testing"
)

// The world of the table test. Organisations:
//
//	1 state office (owner)      2 fusion centre (named recipient)
//	3 county served by 2        7 town served by 3 (two steps below 2)
//	6 county served by 1 only   4 unrelated hub member
//	5 organisation outside the hub
//
// Users: 100 author (org 1), 101 colleague (org 1), 102 (org 2), 103 (org 3),
// 104 administrator of org 4, 105 (org 5), 106 named individual (org 4),
// 107 (org 7), 108 (org 6), 109 auditor with no organisation.
var tableEdges = [][2]int64{{2, 3}, {3, 7}, {1, 6}}

func tableServes() Serves {
	return ServesFunc(func(p, s int64) bool { return slices.Contains(tableEdges, [2]int64{p, s}) })
}

// tableObject returns the shared object of the table test under label l.
func tableObject(l Label, shareWithServed bool) Object {
	return Object{Label: l, OwnerOrg: 1, Recipients: []int64{2}, ShareWithServed: shareWithServed, RecipientUsers: []int64{106}, AuthorUserID: 100}
}

// tableColumns are the variants of the object, in the order of the expected
// answers: CLEAR, GREEN, AMBER, AMBER shared with served organisations,
// AMBER+STRICT (with ShareWithServed set, which it must ignore), RED (with
// ShareWithServed set), and an object that lost its label.
var tableColumns = []Object{
	tableObject(Clear, false),
	tableObject(Green, false),
	tableObject(Amber, false),
	tableObject(Amber, true),
	tableObject(AmberStrict, true),
	tableObject(Red, true),
	tableObject(0, true),
}

var tableRows = []struct {
	name string
	r    Reader
	want string // one letter per entry of tableColumns: Y may read, . may not
}{
	{"author", Reader{UserID: 100, OrgID: 1, HubMember: true}, "YYYYYY."},
	{"colleague in the owner organisation", Reader{UserID: 101, OrgID: 1, HubMember: true}, "YYYYY.."},
	{"member of the named recipient", Reader{UserID: 102, OrgID: 2, HubMember: true}, "YYYYY.."},
	{"named recipient as an organisation", Reader{OrgID: 2, HubMember: true}, "YYYYY.."},
	{"member of an organisation the recipient serves", Reader{UserID: 103, OrgID: 3, HubMember: true}, "YY.Y..."},
	{"organisation the recipient serves, as a whole", Reader{OrgID: 3, HubMember: true}, "YY.Y..."},
	{"two steps below the recipient (not transitive)", Reader{UserID: 107, OrgID: 7, HubMember: true}, "YY....."},
	{"served by the owner, not by a recipient", Reader{UserID: 108, OrgID: 6, HubMember: true}, "YY....."},
	{"unrelated hub member", Reader{UserID: 104, OrgID: 4, HubMember: true}, "YY....."},
	{"administrator of another organisation", Reader{UserID: 104, OrgID: 4, HubMember: true}, "YY....."},
	{"named individual", Reader{UserID: 106, OrgID: 4, HubMember: true}, "YYYYYY."},
	{"named individual's colleague", Reader{UserID: 110, OrgID: 4, HubMember: true}, "YY....."},
	{"organisation outside the hub", Reader{UserID: 105, OrgID: 5}, "Y......"},
	{"auditor without organisation", Reader{UserID: 109, HubMember: true}, "Y......"},
	{"public site", Reader{Public: true}, "Y......"},
	{"public site claiming to be the author", Reader{Public: true, UserID: 100, OrgID: 1, HubMember: true}, "Y......"},
	{"nobody at all", Reader{}, "Y......"},
	{"hub member flag without organisation", Reader{HubMember: true}, "Y......"},
}

func answers(r Reader, s Serves, objs []Object) string {
	b := make([]byte, len(objs))
	for i, o := range objs {
		b[i] = '.'
		if CanRead(r, o, s) {
			b[i] = 'Y'
		}
	}
	return string(b)
}

func TestCanReadTable(t *testing.T) {
	for _, row := range tableRows {
		if got := answers(row.r, tableServes(), tableColumns); got != row.want {
			t.Errorf("%s: got %s, want %s (CLEAR GREEN AMBER AMBER+served STRICT RED unset)", row.name, got, row.want)
		}
		// Filter is the same decision over a list.
		idx := make([]int, len(tableColumns))
		for i := range idx {
			idx[i] = i
		}
		kept := Filter(row.r, tableServes(), idx, func(i int) Object { return tableColumns[i] })
		var want []int
		for i, c := range row.want {
			if c == 'Y' {
				want = append(want, i)
			}
		}
		if !slices.Equal(kept, want) {
			t.Errorf("%s: Filter kept %v, want %v", row.name, kept, want)
		}
		// The reader's own providers are all Filter needs.
		var providers []int64
		for _, e := range tableEdges {
			if e[1] == row.r.OrgID {
				providers = append(providers, e[0])
			}
		}
		if got := answers(row.r, ProvidersOf{Org: row.r.OrgID, Providers: providers}, tableColumns); got != row.want {
			t.Errorf("%s with ProvidersOf: got %s, want %s", row.name, got, row.want)
		}
	}
}

// Attempts to get in through zero ids, empty lists and inconsistent readers.
func TestCanReadRefusesZeroIDs(t *testing.T) {
	orphan := Object{OwnerOrg: 0, Recipients: []int64{0}, RecipientUsers: []int64{0}, AuthorUserID: 0, ShareWithServed: true}
	all := ServesFunc(func(p, s int64) bool { return true }) // a relation that says yes to everything
	for _, l := range []Label{Green, Amber, AmberStrict, Red} {
		orphan.Label = l
		for _, r := range []Reader{{}, {UserID: 5}, {OrgID: 5}, {UserID: 5, OrgID: 5}} {
			if CanRead(r, orphan, all) {
				t.Errorf("%v: reader %+v read an object owned by no one through id 0", l, r)
			}
		}
	}
	// Reader without organisation against an object with recipients 0.
	o := Object{Label: Amber, OwnerOrg: 1, Recipients: []int64{0}, ShareWithServed: true}
	if CanRead(Reader{UserID: 9}, o, all) {
		t.Error("a reader without organisation matched recipient 0")
	}
	// A nil relation serves no one, and does not panic.
	if CanRead(Reader{UserID: 9, OrgID: 3}, Object{Label: Amber, OwnerOrg: 1, Recipients: []int64{2}, ShareWithServed: true}, nil) {
		t.Error("nil Serves let a reader in")
	}
	// The relation is asked about the recipients, never about the owner.
	askedOwner := false
	spy := ServesFunc(func(p, s int64) bool {
		if p == 1 {
			askedOwner = true
		}
		return true
	})
	CanRead(Reader{UserID: 9, OrgID: 3}, Object{Label: Amber, OwnerOrg: 1, Recipients: []int64{2}, ShareWithServed: true}, spy)
	if askedOwner {
		t.Error("CanRead asked whether the owner serves the reader")
	}
}

func TestPathPolicies(t *testing.T) {
	cases := []struct {
		l                       Label
		bulk, public, mailsBody bool
	}{
		{Clear, true, true, true},
		{Green, true, false, true},
		{Amber, true, false, false},
		{AmberStrict, true, false, false},
		{Red, false, false, false},
		{0, false, false, false},
		{Label(42), false, false, false},
	}
	for _, c := range cases {
		if AllowedInBulk(c.l) != c.bulk || AllowedPublic(c.l) != c.public || NotificationCarriesContent(c.l) != c.mailsBody {
			t.Errorf("%v: bulk %v public %v content %v; want %v %v %v", c.l,
				AllowedInBulk(c.l), AllowedPublic(c.l), NotificationCarriesContent(c.l), c.bulk, c.public, c.mailsBody)
		}
		// The public site path agrees with CanRead for an anonymous reader.
		if got := CanRead(Reader{Public: true}, Object{Label: c.l}, nil); got != c.public {
			t.Errorf("%v: public reader CanRead %v, AllowedPublic %v", c.l, got, c.public)
		}
	}
}

// --- the reference model and the property test ---

// world is a random directory: organisations 1..orgs, who serves whom,
// who is a hub member, and users with their organisations.
type world struct {
	orgs    int
	edges   [][2]int64 // provider, served
	members map[int64]bool
	userOrg map[int64]int64
}

// modelCanRead is the TLP rules written out the long way: build the sets of
// organisations and users the label admits, then look the reader up.
func modelCanRead(w world, o Object, r Reader) bool {
	orgs := map[int64]bool{}
	users := map[int64]bool{}
	everyone, members := false, false
	switch o.Label {
	case Clear:
		everyone = true
	case Green:
		members = true
		fallthrough
	case Amber:
		if o.ShareWithServed {
			for _, e := range w.edges {
				if slices.Contains(o.Recipients, e[0]) {
					orgs[e[1]] = true
				}
			}
		}
		fallthrough
	case AmberStrict:
		orgs[o.OwnerOrg] = true
		for _, id := range o.Recipients {
			orgs[id] = true
		}
		fallthrough
	case Red:
		users[o.AuthorUserID] = true
		for _, id := range o.RecipientUsers {
			users[id] = true
		}
	default:
		return false
	}
	delete(orgs, 0)
	delete(users, 0)
	switch {
	case everyone:
		return true
	case r.Public:
		return false
	case users[r.UserID], orgs[r.OrgID]:
		return true
	case members && r.HubMember && r.OrgID != 0:
		return true
	}
	return false
}

func (w world) serves() Serves {
	return ServesFunc(func(p, s int64) bool { return slices.Contains(w.edges, [2]int64{p, s}) })
}

func (w world) providers(org int64) []int64 {
	var out []int64
	for _, e := range w.edges {
		if e[1] == org {
			out = append(out, e[0])
		}
	}
	return out
}

func randomWorld(rng *rand.Rand) world {
	w := world{orgs: 1 + rng.Intn(8), members: map[int64]bool{}, userOrg: map[int64]int64{}}
	for p := 1; p <= w.orgs; p++ {
		w.members[int64(p)] = rng.Intn(4) != 0
		for s := 1; s <= w.orgs; s++ {
			if p != s && rng.Intn(5) == 0 {
				w.edges = append(w.edges, [2]int64{int64(p), int64(s)})
			}
		}
	}
	for u := int64(1); u <= 12; u++ {
		w.userOrg[u] = int64(rng.Intn(w.orgs + 1)) // 0: no organisation
	}
	return w
}

// randomObject sometimes uses id 0 and labels that are not valid, to try
// the edges of the rules.
func randomObject(rng *rand.Rand, w world) Object {
	labels := []Label{0, Clear, Green, Amber, AmberStrict, Red, Green, Amber, AmberStrict, Red, 6}
	o := Object{
		Label:           labels[rng.Intn(len(labels))],
		OwnerOrg:        int64(rng.Intn(w.orgs + 1)),
		ShareWithServed: rng.Intn(2) == 0,
		AuthorUserID:    int64(rng.Intn(13)),
	}
	for id := int64(0); id <= int64(w.orgs); id++ {
		if rng.Intn(4) == 0 {
			o.Recipients = append(o.Recipients, id)
		}
	}
	for id := int64(0); id <= 12; id++ {
		if rng.Intn(6) == 0 {
			o.RecipientUsers = append(o.RecipientUsers, id)
		}
	}
	return o
}

// randomReaders returns every user of the world, each organisation as a
// whole, the public site, and a few inconsistent readers.
func randomReaders(rng *rand.Rand, w world) []Reader {
	var rs []Reader
	for u := int64(1); u <= 12; u++ {
		org := w.userOrg[u]
		rs = append(rs, Reader{UserID: u, OrgID: org, HubMember: org != 0 && w.members[org]})
	}
	for org := int64(1); org <= int64(w.orgs); org++ {
		rs = append(rs, Reader{OrgID: org, HubMember: w.members[org]})
	}
	rs = append(rs, Reader{Public: true}, Reader{},
		Reader{Public: true, UserID: int64(1 + rng.Intn(12)), OrgID: int64(1 + rng.Intn(w.orgs)), HubMember: true},
		Reader{UserID: int64(1 + rng.Intn(12)), HubMember: true})
	return rs
}

func TestCanReadMatchesTheReferenceModel(t *testing.T) {
	rng := rand.New(rand.NewSource(20261122))
	checked, allowed := 0, 0
	for range 3000 {
		w := randomWorld(rng)
		objs := make([]Object, 12)
		for i := range objs {
			objs[i] = randomObject(rng, w)
		}
		for _, r := range randomReaders(rng, w) {
			var want []int
			for i, o := range objs {
				m := modelCanRead(w, o, r)
				if got := CanRead(r, o, w.serves()); got != m {
					t.Fatalf("CanRead(%+v, %+v) = %v, model says %v; serves %v", r, o, got, m, w.edges)
				}
				if got := CanRead(r, o, ProvidersOf{Org: r.OrgID, Providers: w.providers(r.OrgID)}); got != m {
					t.Fatalf("CanRead with ProvidersOf(%+v, %+v) = %v, model says %v; serves %v", r, o, got, m, w.edges)
				}
				if m {
					want = append(want, i)
					allowed++
				}
				checked++
			}
			idx := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
			got := Filter(r, w.serves(), idx, func(i int) Object { return objs[i] })
			if !slices.Equal(got, want) {
				t.Fatalf("Filter for %+v kept %v, model says %v", r, got, want)
			}
		}
	}
	// The generator must exercise both answers, not only refusals.
	if allowed < checked/10 || allowed > checked*9/10 {
		t.Fatalf("generator is lopsided: %d of %d allowed", allowed, checked)
	}
}

// Relaxing a label never takes an object away from a reader.
func TestRelaxingALabelNeverRemovesReaders(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	ls := Labels()
	for range 2000 {
		w := randomWorld(rng)
		o := randomObject(rng, w)
		for _, r := range randomReaders(rng, w) {
			for i := 1; i < len(ls); i++ {
				stricter, looser := o, o
				stricter.Label, looser.Label = ls[i], ls[i-1]
				if CanRead(r, stricter, w.serves()) && !CanRead(r, looser, w.serves()) {
					t.Fatalf("%+v may read %+v but not the same under %v", r, stricter, looser.Label)
				}
			}
		}
	}
}

func TestFilterDoesNotShareMemory(t *testing.T) {
	in := []Label{Clear, Red, Clear}
	out := Filter(Reader{Public: true}, nil, in, func(l Label) Object { return Object{Label: l} })
	if fmt.Sprint(out) != "[TLP:CLEAR TLP:CLEAR]" {
		t.Fatalf("Filter = %v", out)
	}
	out[0] = Red
	if in[0] != Clear {
		t.Fatal("Filter wrote into its input")
	}
	if got := Filter(Reader{}, nil, []Label(nil), func(l Label) Object { return Object{Label: l} }); len(got) != 0 {
		t.Fatalf("Filter(nil) = %v", got)
	}
}
