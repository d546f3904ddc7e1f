// Package api is Bulwark's versioned JSON API under /api/v1: thin handlers
// that decode, call the domain and encode. Every route is an access.Route
// with its OpenAPI description beside it.
package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"bulwark/internal/access"
	"bulwark/internal/accounts"
	"bulwark/internal/directory"
	"bulwark/internal/phishing"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/httpx"
	"bulwark/internal/platform/jobs"
	"bulwark/internal/sharing"
)

// API holds what the handlers call into.
type API struct {
	Directory *directory.Store
	Accounts  *accounts.Service
	Audit     *audit.Log
	Auth      *access.Authenticator
	Jobs      *jobs.Queue
	Phishing  *phishing.Store
	Sharing   *sharing.Store
	Version   string
	// Extra routes other parts of the product add (jobs, pillars).
	Extra []access.Route
}

// Page is one page of a list.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// Routes lists every API route.
func (a *API) Routes() []access.Route {
	P := accounts.PermSignedIn
	routes := []access.Route{
		{Method: "GET", Pattern: "/api/v1/openapi.json", API: true, Handler: a.openapi,
			Doc: &access.OpDoc{Summary: "This API's OpenAPI 3.1 description", Tag: "meta"}},
		{Method: "GET", Pattern: "/api/v1/me", Perm: P, API: true, Handler: a.me,
			Doc: &access.OpDoc{Summary: "The user and role behind the token", Tag: "accounts", Response: Me{}}},

		{Method: "GET", Pattern: "/api/v1/organisations", Perm: accounts.PermDirectoryRead, API: true, Handler: a.listOrganisations,
			Doc: &access.OpDoc{Summary: "List organisations", Tag: "directory", List: true, Response: directory.Organisation{},
				Query: []access.Param{{Name: "kind", Description: "state_agency, local_election_authority, federal, fusion_center, isac, vendor or other"}, {Name: "q", Description: "text in the name"}}}},
		{Method: "POST", Pattern: "/api/v1/organisations", Perm: accounts.PermDirectoryWrite, API: true, Handler: a.createOrganisation,
			Doc: &access.OpDoc{Summary: "Create an organisation", Tag: "directory", Body: OrganisationInput{}, Response: directory.Organisation{}, Status: 201}},
		{Method: "GET", Pattern: "/api/v1/organisations/{id}", Perm: accounts.PermDirectoryRead, API: true, Handler: a.getOrganisation,
			Doc: &access.OpDoc{Summary: "One organisation", Tag: "directory", Response: directory.Organisation{}}},
		{Method: "PUT", Pattern: "/api/v1/organisations/{id}", Perm: accounts.PermDirectoryWrite, API: true, Handler: a.updateOrganisation,
			Doc: &access.OpDoc{Summary: "Change an organisation", Tag: "directory", Body: OrganisationInput{}, Response: directory.Organisation{}}},
		{Method: "GET", Pattern: "/api/v1/organisations/{id}/serves", Perm: accounts.PermDirectoryRead, API: true, Handler: a.listServed,
			Doc: &access.OpDoc{Summary: "Organisations this one serves (used for TLP:AMBER sharing)", Tag: "directory", Response: Served{}}},
		{Method: "PUT", Pattern: "/api/v1/organisations/{id}/serves/{served}", Perm: accounts.PermDirectoryWrite, API: true, Handler: a.setServed(true),
			Doc: &access.OpDoc{Summary: "Record that this organisation serves another", Tag: "directory", Status: 204}},
		{Method: "DELETE", Pattern: "/api/v1/organisations/{id}/serves/{served}", Perm: accounts.PermDirectoryWrite, API: true, Handler: a.setServed(false),
			Doc: &access.OpDoc{Summary: "Remove a serves relation", Tag: "directory", Status: 204}},

		{Method: "GET", Pattern: "/api/v1/people", Perm: accounts.PermDirectoryRead, API: true, Handler: a.listPeople,
			Doc: &access.OpDoc{Summary: "List people", Tag: "directory", List: true, Response: directory.Person{},
				Query: []access.Param{{Name: "organisation_id", Type: "integer"}, {Name: "department"}, {Name: "q", Description: "text in the name or email"}, {Name: "active", Type: "boolean"}}}},
		{Method: "POST", Pattern: "/api/v1/people", Perm: accounts.PermDirectoryWrite, API: true, Handler: a.createPerson,
			Doc: &access.OpDoc{Summary: "Add a person", Tag: "directory", Body: PersonInput{}, Response: directory.Person{}, Status: 201}},
		{Method: "GET", Pattern: "/api/v1/people/{id}", Perm: accounts.PermDirectoryRead, API: true, Handler: a.getPerson,
			Doc: &access.OpDoc{Summary: "One person", Tag: "directory", Response: directory.Person{}}},
		{Method: "PUT", Pattern: "/api/v1/people/{id}", Perm: accounts.PermDirectoryWrite, API: true, Handler: a.updatePerson,
			Doc: &access.OpDoc{Summary: "Change a person", Tag: "directory", Body: PersonInput{}, Response: directory.Person{}}},
		{Method: "POST", Pattern: "/api/v1/people/import", Perm: accounts.PermDirectoryWrite, API: true, Handler: a.importPeople,
			Doc: &access.OpDoc{Summary: "Import people from CSV (text/csv body); upserts by email", Tag: "directory", Response: directory.ImportReport{}}},

		{Method: "GET", Pattern: "/api/v1/users", Perm: accounts.PermUsersRead, API: true, Handler: a.listUsers,
			Doc: &access.OpDoc{Summary: "List users", Tag: "accounts", List: true, Response: accounts.User{}}},
		{Method: "POST", Pattern: "/api/v1/users", Perm: accounts.PermUsersManage, API: true, Handler: a.createUser,
			Doc: &access.OpDoc{Summary: "Create a user (a person with a login)", Tag: "accounts", Body: UserInput{}, Response: accounts.User{}, Status: 201}},
		{Method: "GET", Pattern: "/api/v1/users/{id}", Perm: accounts.PermUsersRead, API: true, Handler: a.getUser,
			Doc: &access.OpDoc{Summary: "One user", Tag: "accounts", Response: accounts.User{}}},
		{Method: "PATCH", Pattern: "/api/v1/users/{id}", Perm: accounts.PermUsersManage, API: true, Handler: a.updateUser,
			Doc: &access.OpDoc{Summary: "Change a user's role or switch them off", Tag: "accounts", Body: UserUpdate{}, Response: accounts.User{}}},

		{Method: "GET", Pattern: "/api/v1/tokens", Perm: P, API: true, Handler: a.listTokens,
			Doc: &access.OpDoc{Summary: "Your API tokens", Tag: "accounts", Response: []accounts.Token{}}},
		{Method: "POST", Pattern: "/api/v1/tokens", Perm: P, API: true, Handler: a.createToken,
			Doc: &access.OpDoc{Summary: "Create an API token; its value is shown only in this answer", Tag: "accounts", Body: TokenInput{}, Response: NewToken{}, Status: 201}},
		{Method: "DELETE", Pattern: "/api/v1/tokens/{id}", Perm: P, API: true, Handler: a.revokeToken,
			Doc: &access.OpDoc{Summary: "Revoke one of your API tokens", Tag: "accounts", Status: 204}},

		{Method: "GET", Pattern: "/api/v1/audit", Perm: accounts.PermAuditRead, API: true, Handler: a.listAudit,
			Doc: &access.OpDoc{Summary: "The audit log, newest first", Tag: "audit", List: true, Response: AuditEntry{},
				Query: []access.Param{{Name: "action", Description: "action prefix, e.g. person."}, {Name: "object_type"}, {Name: "object_id"}, {Name: "actor_id", Type: "integer"}}}},
		{Method: "GET", Pattern: "/api/v1/audit/verify", Perm: accounts.PermAuditRead, API: true, Handler: a.verifyAudit,
			Doc: &access.OpDoc{Summary: "Check the audit log's chain for edits, deletions and a cut-off tail", Tag: "audit", Response: AuditReport{}}},
	}
	routes = append(routes, a.directoryExtraRoutes()...)
	routes = append(routes, a.accountsExtraRoutes()...)
	routes = append(routes, a.jobsExtraRoutes()...)
	routes = append(routes, a.phishingRoutes()...)
	routes = append(routes, a.sharingRoutes()...)
	return append(routes, a.Extra...)
}

// Me is who the token belongs to.
type Me struct {
	User        accounts.User         `json:"user"`
	Role        accounts.Role         `json:"role"`
	Permissions []accounts.Permission `json:"permissions"`
}

func (a *API) openapi(w http.ResponseWriter, r *http.Request) error {
	httpx.WriteJSON(w, 200, OpenAPI(a.Routes(), a.Version))
	return nil
}

func (a *API) me(w http.ResponseWriter, r *http.Request) error {
	p := access.PrincipalFrom(r.Context())
	httpx.WriteJSON(w, 200, Me{User: p.User, Role: p.Role, Permissions: p.Role.Permissions()})
	return nil
}

// decode reads a JSON body into v, refusing unknown fields and bodies over 1 MiB.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return httpx.Errorf(400, "The request body is not the JSON this operation takes: %v", err)
	}
	if dec.More() {
		return httpx.Errorf(400, "The request body holds more than one JSON value.")
	}
	return nil
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, httpx.Errorf(404, "There is no %s %q.", name, r.PathValue(name))
	}
	return id, nil
}

// pageParams reads ?limit= and ?cursor=.
func pageParams(r *http.Request) (limit int, after int64, err error) {
	limit = 50
	if s := r.URL.Query().Get("limit"); s != "" {
		n, e := strconv.Atoi(s)
		if e != nil || n < 1 || n > 500 {
			return 0, 0, httpx.Errorf(400, "limit must be a whole number from 1 to 500.")
		}
		limit = n
	}
	if c := r.URL.Query().Get("cursor"); c != "" {
		b, e := base64.RawURLEncoding.DecodeString(c)
		id, e2 := strconv.ParseInt(strings.TrimPrefix(string(b), "after:"), 10, 64)
		if e != nil || e2 != nil || !strings.HasPrefix(string(b), "after:") || id < 0 {
			return 0, 0, httpx.Errorf(400, "The cursor is not one this API gave out.")
		}
		after = id
	}
	return limit, after, nil
}

func cursorAfter(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("after:%d", id)))
}

// page makes a Page from items fetched with limit+1, so that the last page
// has no next cursor.
func page[T any](items []T, limit int, id func(T) int64) Page[T] {
	p := Page[T]{Items: items}
	if p.Items == nil {
		p.Items = []T{}
	}
	if len(items) > limit {
		p.Items = items[:limit]
		p.NextCursor = cursorAfter(id(items[limit-1]))
	}
	return p
}

func queryInt(r *http.Request, name string) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, httpx.Errorf(400, "%s must be a whole number.", name)
	}
	return n, nil
}

func actor(r *http.Request, a *access.Authenticator) audit.Actor {
	return access.PrincipalFrom(r.Context()).Actor(a.ClientIP(r))
}

var errReadBody = errors.New("read body")

func readAll(r *http.Request, max int64) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, max))
	if err != nil {
		return nil, httpx.Errorf(413, "The upload is larger than %d MB.", max>>20)
	}
	return b, nil
}
