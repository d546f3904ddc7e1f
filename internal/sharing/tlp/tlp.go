// Package tlp decides who may read what in the sharing hub, by the Traffic
// Light Protocol 2.0. CanRead is the one decision; every read path (pages,
// API, search, TAXII, exports, notifications, dashboard counts) asks it,
// directly, through Filter, or through the equivalent SQL condition from
// Columns.Condition.
//
// # Who may read an object
//
// Audiences are cumulative: each label lets in everyone the next stricter
// label lets in, plus its own readers, so relaxing a label never takes an
// object away from anyone.
//
//   - RED: the named individuals (Object.RecipientUsers) and the author.
//     Never an organisation as a whole, never a feed.
//   - AMBER+STRICT: as RED, plus the owner organisation and the named
//     recipient organisations (Object.Recipients).
//   - AMBER: as AMBER+STRICT, plus, only when the sharer set
//     Object.ShareWithServed, every organisation that a named recipient
//     serves directly in the directory (e.g. the state office, named as a
//     recipient, passes to its counties). The relation is not followed
//     further: an organisation served by an organisation that a recipient
//     serves is not let in. The owner's own served organisations are not
//     let in either unless the owner names itself as a recipient.
//   - GREEN: as AMBER, plus every member organisation of the hub.
//   - CLEAR: anyone, including the anonymous public site.
//
// The author's organisation is the owner organisation. An object with no
// valid label is read by no one, its author included: a missing label
// fails closed.
//
// # Who the reader is
//
// A Reader is a signed-in user (UserID and OrgID), an organisation as a
// whole (UserID 0, e.g. deciding an organisation's notifications), or the
// public site (Public). The public site reads CLEAR only, whatever else the
// Reader says. Id 0 never matches anything: a reader without organisation
// is not the owner of an object without owner.
//
// The rules bind every role, administrators and auditors included: CanRead
// has no role parameter on purpose.
//
// Beyond reading, three path policies hold: RED never leaves through bulk
// paths (AllowedInBulk: feeds, TAXII, exports); only CLEAR reaches the
// public site (AllowedPublic); notifications of AMBER, AMBER+STRICT and RED
// objects carry a link that requires signing in, never the content
// (NotificationCarriesContent).
package tlp

import "slices"

// Object is what the decision needs to know about a shared object.
type Object struct {
	// Label is a named field, not an embedded one, so that Object does not
	// pick up Label's text and database methods and marshal as a bare label.
	Label Label
	// OwnerOrg is the organisation that shared the object (the author's).
	OwnerOrg int64
	// Recipients are the organisations named by the sharer (AMBER, AMBER+STRICT).
	Recipients []int64
	// ShareWithServed lets AMBER pass to organisations that a named
	// recipient serves directly.
	ShareWithServed bool
	// RecipientUsers are the individuals named by the sharer (RED).
	RecipientUsers []int64
	// AuthorUserID is the user who wrote the object; 0 when imported.
	AuthorUserID int64
}

// Reader is who asks to read.
type Reader struct {
	// UserID is the signed-in user, 0 for an organisation as a whole or the public.
	UserID int64
	// OrgID is the reader's organisation, 0 if none.
	OrgID int64
	// HubMember says the reader's organisation is a member of the hub.
	HubMember bool
	// Public marks the anonymous public site, which reads CLEAR only.
	Public bool
}

// Serves is the directory's "serves" relation: a provider serves the
// organisations below it.
type Serves interface {
	Serves(provider, served int64) bool
}

// ServesFunc adapts a function to Serves.
type ServesFunc func(provider, served int64) bool

// Serves calls f.
func (f ServesFunc) Serves(provider, served int64) bool { return f(provider, served) }

// ProvidersOf is the part of the serves relation that matters for one
// reader: Org and the organisations that serve it directly, as
// directory.Store.Providers lists them. It is the same information that
// Columns.Condition takes, so Filter and the SQL agree.
type ProvidersOf struct {
	Org       int64
	Providers []int64
}

// Serves reports whether provider is one of Org's providers.
func (p ProvidersOf) Serves(provider, served int64) bool {
	return served == p.Org && served != 0 && slices.Contains(p.Providers, provider)
}

// CanRead reports whether r may read o. See the package documentation for
// the rules. A nil s serves no one.
func CanRead(r Reader, o Object, s Serves) bool {
	if !o.Label.Valid() {
		return false
	}
	if o.Label == Clear {
		return true
	}
	if r.Public {
		return false
	}
	// RED and up: named individuals and the author.
	if r.UserID != 0 && (r.UserID == o.AuthorUserID || slices.Contains(o.RecipientUsers, r.UserID)) {
		return true
	}
	if o.Label == Red || r.OrgID == 0 {
		return false
	}
	// AMBER+STRICT and up: the owner and the named organisations.
	if r.OrgID == o.OwnerOrg || slices.Contains(o.Recipients, r.OrgID) {
		return true
	}
	if o.Label == AmberStrict {
		return false
	}
	// AMBER and up: organisations a named recipient serves, if allowed.
	if o.ShareWithServed && s != nil {
		for _, rec := range o.Recipients {
			if rec != 0 && s.Serves(rec, r.OrgID) {
				return true
			}
		}
	}
	if o.Label == Amber {
		return false
	}
	// GREEN: every member organisation of the hub.
	return r.HubMember
}

// Filter returns, in their order, the items r may read; obj describes each
// item. The result never shares memory with items.
func Filter[T any](r Reader, s Serves, items []T, obj func(T) Object) []T {
	out := make([]T, 0, len(items))
	for _, it := range items {
		if CanRead(r, obj(it), s) {
			out = append(out, it)
		}
	}
	return out
}

// AllowedInBulk reports whether objects labelled l may leave through bulk
// paths: feeds, TAXII collections and bulk exports. RED never does, and
// neither does an object without a valid label. The reader's own CanRead
// check still applies to every object that is allowed.
func AllowedInBulk(l Label) bool { return l.Valid() && l != Red }

// AllowedPublic reports whether objects labelled l may appear on the
// anonymous public site: CLEAR only.
func AllowedPublic(l Label) bool { return l == Clear }

// NotificationCarriesContent reports whether an email or webhook about an
// object labelled l may carry its content. For AMBER, AMBER+STRICT and RED
// (and an invalid label) it carries only a link that requires signing in.
func NotificationCarriesContent(l Label) bool { return l == Clear || l == Green }
