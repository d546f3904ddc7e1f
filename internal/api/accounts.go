package api

import (
	"net/http"
	"time"

	"bulwark/internal/access"
	"bulwark/internal/accounts"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/httpx"
)

// UserInput creates a user.
type UserInput struct {
	Email          string        `json:"email"`
	Name           string        `json:"name"`
	Role           accounts.Role `json:"role"`
	OrganisationID int64         `json:"organisation_id,omitempty"`
}

// UserUpdate changes a user.
type UserUpdate struct {
	Role   *accounts.Role `json:"role,omitempty"`
	Active *bool          `json:"active,omitempty"`
}

// TokenInput creates a token.
type TokenInput struct {
	Name string        `json:"name"`
	Role accounts.Role `json:"role,omitempty"`
}

// NewToken is the answer to creating a token: the only time its value is shown.
type NewToken struct {
	Token accounts.Token `json:"token"`
	Value string         `json:"value"`
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request) error {
	limit, after, err := pageParams(r)
	if err != nil {
		return err
	}
	users, err := a.Accounts.ListUsers(r.Context(), after, limit+1)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, page(users, limit, func(u accounts.User) int64 { return u.ID }))
	return nil
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := a.Accounts.User(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, u)
	return nil
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request) error {
	var in UserInput
	if err := decode(r, &in); err != nil {
		return err
	}
	// No password here: the new user sets one from a reset link, or signs
	// in by single sign-on.
	u, err := a.Accounts.CreateUser(r.Context(), actor(r, a.Auth), accounts.NewUser{Email: in.Email, Name: in.Name, Role: in.Role, OrganisationID: in.OrganisationID})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 201, u)
	return nil
}

func (a *API) updateUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in UserUpdate
	if err := decode(r, &in); err != nil {
		return err
	}
	u, err := a.Accounts.User(r.Context(), id)
	if err != nil {
		return err
	}
	role, active := u.Role, u.Active
	if in.Role != nil {
		role = *in.Role
	}
	if in.Active != nil {
		active = *in.Active
	}
	u, err = a.Accounts.UpdateUser(r.Context(), actor(r, a.Auth), id, role, active)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, u)
	return nil
}

func (a *API) listTokens(w http.ResponseWriter, r *http.Request) error {
	p := access.PrincipalFrom(r.Context())
	tokens, err := a.Accounts.ListTokens(r.Context(), p.User.ID)
	if err != nil {
		return err
	}
	if tokens == nil {
		tokens = []accounts.Token{}
	}
	httpx.WriteJSON(w, 200, tokens)
	return nil
}

func (a *API) createToken(w http.ResponseWriter, r *http.Request) error {
	var in TokenInput
	if err := decode(r, &in); err != nil {
		return err
	}
	p := access.PrincipalFrom(r.Context())
	// A token can make tokens no wider than its own scope.
	u := p.User
	u.Role = p.Role
	if in.Role == "" {
		in.Role = p.Role
	}
	value, t, err := a.Accounts.CreateToken(r.Context(), actor(r, a.Auth), u, in.Name, in.Role)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 201, NewToken{Token: t, Value: value})
	return nil
}

func (a *API) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p := access.PrincipalFrom(r.Context())
	if err := a.Accounts.RevokeToken(r.Context(), actor(r, a.Auth), id, p.User.ID); err != nil {
		return err
	}
	w.WriteHeader(204)
	return nil
}

// AuditEntry is one audit log entry as the API shows it.
type AuditEntry struct {
	ID          int64          `json:"id"`
	At          time.Time      `json:"at"`
	ActorUserID int64          `json:"actor_user_id,omitempty"`
	Actor       string         `json:"actor"`
	Action      string         `json:"action"`
	ObjectType  string         `json:"object_type,omitempty"`
	ObjectID    string         `json:"object_id,omitempty"`
	Summary     map[string]any `json:"summary,omitempty"`
	IP          string         `json:"ip,omitempty"`
}

// AuditReport is the result of checking the chain.
type AuditReport struct {
	OK       bool            `json:"ok"`
	Entries  int64           `json:"entries"`
	HeadID   int64           `json:"head_id"`
	Problems []audit.Problem `json:"problems"`
}

func (a *API) listAudit(w http.ResponseWriter, r *http.Request) error {
	limit, after, err := pageParams(r)
	if err != nil {
		return err
	}
	actorID, err := queryInt(r, "actor_id")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	// The audit cursor walks backwards: "after" holds the id to go below.
	entries, err := a.Audit.List(r.Context(), audit.Filter{Action: q.Get("action"), ObjectType: q.Get("object_type"), ObjectID: q.Get("object_id"), ActorID: actorID, BeforeID: after, Limit: limit + 1})
	if err != nil {
		return err
	}
	out := make([]AuditEntry, len(entries))
	for i, e := range entries {
		out[i] = AuditEntry{ID: e.ID, At: e.At, ActorUserID: e.ActorUserID, Actor: e.Actor, Action: e.Action, ObjectType: e.ObjectType, ObjectID: e.ObjectID, Summary: e.Summary, IP: e.IP}
	}
	httpx.WriteJSON(w, 200, page(out, limit, func(e AuditEntry) int64 { return e.ID }))
	return nil
}

func (a *API) verifyAudit(w http.ResponseWriter, r *http.Request) error {
	rep, err := a.Audit.Verify(r.Context())
	if err != nil {
		return err
	}
	probs := rep.Problems
	if probs == nil {
		probs = []audit.Problem{}
	}
	httpx.WriteJSON(w, 200, AuditReport{OK: rep.OK(), Entries: rep.Entries, HeadID: rep.HeadID, Problems: probs})
	return nil
}
