package api_test

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
	"strings"
	"testing"

	"bulwark/internal/accounts"
	"bulwark/internal/app/apptest"
	"bulwark/internal/directory"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
)

func TestPeopleNeedAToken(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		resp, body := e.Do(nil, "GET", "/api/v1/people", "", nil)
		if resp.StatusCode != 401 || resp.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(body, `"status":401`) {
			t.Fatalf("%d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		resp, _ = e.Do(nil, "GET", "/api/v1/people", "bwk_"+strings.Repeat("A", 43), nil)
		if resp.StatusCode != 401 {
			t.Fatalf("made-up token: %d", resp.StatusCode)
		}
	})
}

func TestPeoplePagination(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.User(accounts.RoleAdmin, 0)
		tok := e.Token(admin)
		var csv strings.Builder
		csv.WriteString("email,first_name\n")
		for i := 0; i < 120; i++ {
			csv.WriteString("p" + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + "-" + itoa(i) + "@example.org,P\n")
		}
		resp, body := e.Do(nil, "POST", "/api/v1/people/import", tok, strings.NewReader(csv.String()), "Content-Type", "text/csv")
		if resp.StatusCode != 200 || !strings.Contains(body, `"created":120`) {
			t.Fatalf("import: %d %s", resp.StatusCode, body)
		}
		seen := map[int64]bool{}
		cursor := ""
		for pages := 0; pages < 10; pages++ {
			_, body := e.Do(nil, "GET", "/api/v1/people?limit=50&cursor="+cursor, tok, nil)
			var page struct {
				Items      []directory.Person `json:"items"`
				NextCursor string             `json:"next_cursor"`
			}
			if err := json.Unmarshal([]byte(body), &page); err != nil {
				t.Fatal(err, body)
			}
			for _, p := range page.Items {
				if seen[p.ID] {
					t.Fatalf("person %d on two pages", p.ID)
				}
				seen[p.ID] = true
			}
			if page.NextCursor == "" {
				break
			}
			cursor = page.NextCursor
		}
		if len(seen) != 121 { // 120 imported and the admin
			t.Fatalf("paged through %d people, want 121", len(seen))
		}
		resp, body = e.Do(nil, "GET", "/api/v1/people?cursor=garbage", tok, nil)
		if resp.StatusCode != 400 || !strings.Contains(body, "cursor") {
			t.Fatalf("bad cursor: %d %s", resp.StatusCode, body)
		}
	})
}

func TestOrganisationMemberSeesOnlyTheirOrganisation(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		d := e.App.Directory
		boone, _ := d.OrganisationByName(ctx, "Boone County Clerk")
		cole, _ := d.OrganisationByName(ctx, "Cole County Clerk")
		d.CreatePerson(ctx, audit.System, directory.Person{Email: "clerk@boone.example.org", OrganisationID: boone.ID, Active: true})
		other, _ := d.CreatePerson(ctx, audit.System, directory.Person{Email: "clerk@cole.example.org", OrganisationID: cole.ID, Active: true})
		member := e.User(accounts.RoleOrganisationMember, boone.ID)
		tok := e.Token(member)
		_, body := e.Do(nil, "GET", "/api/v1/people?limit=500", tok, nil)
		if strings.Contains(body, "cole.example.org") || !strings.Contains(body, "clerk@boone.example.org") {
			t.Fatalf("member's list: %s", body)
		}
		_, body = e.Do(nil, "GET", "/api/v1/people?organisation_id="+itoa(int(cole.ID)), tok, nil)
		if strings.Contains(body, "cole.example.org") {
			t.Fatalf("asking for another organisation leaked: %s", body)
		}
		resp, _ := e.Do(nil, "GET", "/api/v1/people/"+itoa(int(other.ID)), tok, nil)
		if resp.StatusCode != 404 {
			t.Fatalf("another organisation's person: %d", resp.StatusCode)
		}
		resp, _ = e.Do(nil, "GET", "/api/v1/organisations/"+itoa(int(cole.ID)), tok, nil)
		if resp.StatusCode != 404 {
			t.Fatalf("another organisation: %d", resp.StatusCode)
		}
	})
}

func TestTokenScopeCannotExceedRole(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		auditor := e.User(accounts.RoleAuditor, 0)
		tok := e.Token(auditor)
		resp, body := e.Do(nil, "POST", "/api/v1/tokens", tok, strings.NewReader(`{"name":"x","role":"admin"}`), "Content-Type", "application/json")
		if resp.StatusCode != 422 {
			t.Fatalf("auditor made an admin token: %d %s", resp.StatusCode, body)
		}
		resp, body = e.Do(nil, "POST", "/api/v1/tokens", tok, strings.NewReader(`{"name":"ro"}`), "Content-Type", "application/json")
		if resp.StatusCode != 201 || !strings.Contains(body, `"value":"bwk_`) {
			t.Fatalf("own-role token: %d %s", resp.StatusCode, body)
		}
		var nt struct {
			Token accounts.Token `json:"token"`
			Value string         `json:"value"`
		}
		json.Unmarshal([]byte(body), &nt)
		resp, _ = e.Do(nil, "DELETE", "/api/v1/tokens/"+itoa(int(nt.Token.ID)), tok, nil)
		if resp.StatusCode != 204 {
			t.Fatalf("revoke: %d", resp.StatusCode)
		}
		resp, _ = e.Do(nil, "GET", "/api/v1/me", nt.Value, nil)
		if resp.StatusCode != 401 {
			t.Fatalf("revoked token still works: %d", resp.StatusCode)
		}
	})
}

func itoa(i int) string {
	return strings.TrimSpace(strings.Replace(jsonNumber(i), "\n", "", -1))
}

func jsonNumber(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestBasicAuthTakesATokenAsPassword(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		tok := e.Token(e.User(accounts.RoleAnalyst, 0))
		for _, tc := range []struct {
			user, pass string
			want       int
		}{
			{"taxii-client", tok, 200},
			{"", tok, 200},
			{"taxii-client", apptest.Password, 401}, // a user's password is not an API credential
			{"taxii-client", tok + "x", 401},
		} {
			req, _ := http.NewRequest("GET", e.URL+"/api/v1/me", nil)
			req.SetBasicAuth(tc.user, tc.pass)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("basic %q/%.8s…: %d, want %d", tc.user, tc.pass, resp.StatusCode, tc.want)
			}
		}
	})
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	e := apptest.New(t, database.SQLite)
	_, body := e.Do(nil, "GET", "/api/v1/openapi.json", "", nil)
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData([]byte(body))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the OpenAPI document is not valid: %v", err)
	}
	if doc.OpenAPI != "3.1.0" || len(doc.Paths.Map()) < 20 {
		t.Fatalf("version %s with %d paths", doc.OpenAPI, len(doc.Paths.Map()))
	}
}
