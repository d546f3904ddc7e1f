package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"bulwark/internal/accounts"
	"bulwark/internal/app/apptest"
	"bulwark/internal/directory"
	"bulwark/internal/phishing"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/httpx"
	"bulwark/internal/platform/mail/smtptest"
)

func jsonBody(v any) *strings.Reader {
	b, _ := json.Marshal(v)
	return strings.NewReader(string(b))
}

func TestPhishingSendingProfilesAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		manager := e.Token(e.User(accounts.RoleAwarenessManager, 0))
		server := smtptest.Start(t, smtptest.Options{User: "sim", Pass: "Pa55-word-for-relay"})
		in := map[string]any{"name": "Relay", "host": "127.0.0.1", "port": server.Port, "tls": "none", "auth": "plain", "username": "sim",
			"password": "Pa55-word-for-relay", "from": "Benefits Desk <benefits@example.com>", "headers": []map[string]string{{"name": "X-Sim-Approved", "value": "42"}},
			"rate_per_minute": 120, "connections": 3}
		resp, body := e.Do(nil, "POST", "/api/v1/phishing/sending-profiles", manager, jsonBody(in), "Content-Type", "application/json")
		if resp.StatusCode != 201 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		p := decodeJSON[phishing.SendingProfile](t, body)
		if !p.PasswordSet || strings.Contains(body, "Pa55-word") {
			t.Fatalf("create answered %s", body)
		}
		path := fmt.Sprintf("/api/v1/phishing/sending-profiles/%d", p.ID)
		for _, u := range []string{path, "/api/v1/phishing/sending-profiles"} {
			_, body = e.Do(nil, "GET", u, manager, nil)
			if strings.Contains(body, "Pa55-word") || !strings.Contains(body, `"password_set":true`) {
				t.Fatalf("%s answered %s", u, body)
			}
		}

		// Send a test message: AUTH PLAIN with the stored password, custom header arrives.
		resp, body = e.Do(nil, "POST", path+"/test", manager, jsonBody(map[string]string{"to": "clerk@example.gov"}), "Content-Type", "application/json")
		if resp.StatusCode != 200 || !strings.Contains(body, `"sent":true`) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		got := server.Deliveries()
		if len(got) != 1 || got[0].User != "sim" || !strings.Contains(string(got[0].Data), "X-Sim-Approved: 42") {
			t.Fatalf("%+v", got)
		}

		// A change without the password keeps it; the test still signs in.
		delete(in, "password")
		in["rate_per_minute"] = 0
		resp, body = e.Do(nil, "PUT", path, manager, jsonBody(in), "Content-Type", "application/json")
		if resp.StatusCode != 200 || !strings.Contains(body, `"password_set":true`) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		resp, body = e.Do(nil, "POST", path+"/test", manager, jsonBody(map[string]string{"to": "clerk@example.gov"}), "Content-Type", "application/json")
		if !strings.Contains(body, `"sent":true`) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}

		// Header injection is refused with the field named, and nothing changes.
		in["headers"] = []map[string]string{{"name": "X-A", "value": "1\r\nBcc: everyone@example.com"}}
		resp, body = e.Do(nil, "PUT", path, manager, jsonBody(in), "Content-Type", "application/json")
		if resp.StatusCode != 422 || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		prob := decodeJSON[httpx.Problem](t, body)
		if !strings.Contains(prob.Errors["headers"], "line break") {
			t.Fatalf("%s", body)
		}

		// The database holds no password in clear, anywhere we look.
		var n int
		e.App.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM phishing_sending_profiles WHERE password LIKE '%Pa55-word%'`).Scan(&n)
		var a int
		e.App.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE summary LIKE '%Pa55-word%'`).Scan(&a)
		if n+a != 0 {
			t.Fatal("the password is stored in clear")
		}

		resp, _ = e.Do(nil, "DELETE", path, manager, nil)
		if resp.StatusCode != 204 {
			t.Fatalf("delete: %d", resp.StatusCode)
		}
	})
}

func TestPhishingTemplatesAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		admin := e.Token(e.User(accounts.RoleAdmin, 0))
		resp, body := e.Do(nil, "GET", "/api/v1/phishing/templates?limit=100", admin, nil)
		list := decodeJSON[struct {
			Items []phishing.Template `json:"items"`
		}](t, body)
		if resp.StatusCode != 200 || len(list.Items) < 12 {
			t.Fatalf("%d: %d templates", resp.StatusCode, len(list.Items))
		}
		for _, tm := range list.Items {
			if !tm.Library || len(tm.RedFlags) == 0 {
				t.Fatalf("%+v", tm)
			}
		}
		_, body = e.Do(nil, "GET", "/api/v1/phishing/templates?limit=5", admin, nil)
		if !strings.Contains(body, "next_cursor") {
			t.Fatal("no cursor on a first page of 5")
		}

		// An unknown variable is refused with line and column.
		bad := map[string]any{"name": "Quota", "subject": "Mailbox full", "text_body": "Hi {{.FirstName}}\nyour {{.Secret}}", "difficulty": 2, "red_flags": []any{}}
		resp, body = e.Do(nil, "POST", "/api/v1/phishing/templates", admin, jsonBody(bad), "Content-Type", "application/json")
		prob := decodeJSON[httpx.Problem](t, body)
		if resp.StatusCode != 422 || resp.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(prob.Errors["text_body"], "line 2, column 6") {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		for _, src := range []string{`{{printf "%s" .Email}}`, `{{template "x"}}`, `{{define "x"}}{{end}}`, `{{.Email.Len}}`} {
			bad["text_body"] = src
			resp, body = e.Do(nil, "POST", "/api/v1/phishing/templates", admin, jsonBody(bad), "Content-Type", "application/json")
			if resp.StatusCode != 422 || !strings.Contains(body, "line 1, column 1") {
				t.Fatalf("%s: %d %s", src, resp.StatusCode, body)
			}
		}

		// A good one, rendered for a directory person.
		org, err := e.App.Directory.CreateOrganisation(ctx, audit.System, directory.Organisation{Name: "Example County Clerk", Kind: directory.KindLocalElectionAuthority})
		if err != nil {
			t.Fatal(err)
		}
		boss, _ := e.App.Directory.CreatePerson(ctx, audit.System, directory.Person{Email: "boss@example.gov", FirstName: "Pat", LastName: "Lead", Active: true})
		person, err := e.App.Directory.CreatePerson(ctx, audit.System, directory.Person{Email: "sam@example.gov", FirstName: "Sam<b>", LastName: "Doe", OrganisationID: org.ID, ManagerID: boss.ID, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		good := map[string]any{"name": "Quota", "subject": "{{.FirstName}}, your mailbox", "text_body": "Hi {{.FirstName}} of {{.Organisation}}, ask {{.Manager}}: {{.Link}}",
			"html_body": `<p>Hi {{.FirstName}}</p><a href="{{.Link}}">Fix</a>`, "difficulty": 2,
			"red_flags":   []map[string]string{{"label": "Urgency", "explanation": "Rushes you.", "points_at": "subject"}},
			"attachments": []map[string]any{{"name": "logo.png", "content_type": "image/png", "content_id": "logo", "data": []byte("\x89PNG fake")}}}
		resp, body = e.Do(nil, "POST", "/api/v1/phishing/templates", admin, jsonBody(good), "Content-Type", "application/json")
		if resp.StatusCode != 201 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		tm := decodeJSON[phishing.Template](t, body)
		if len(tm.Attachments) != 1 {
			t.Fatalf("%s", body)
		}
		resp, body = e.Do(nil, "POST", fmt.Sprintf("/api/v1/phishing/templates/%d/render", tm.ID), admin, jsonBody(map[string]int64{"person_id": person.ID}), "Content-Type", "application/json")
		out := decodeJSON[map[string]any](t, body)
		if resp.StatusCode != 200 || out["subject"] != "Sam<b>, your mailbox" || out["text"] != "Hi Sam<b> of Example County Clerk, ask Pat Lead: "+phishing.PreviewLink ||
			!strings.Contains(out["html"].(string), "Sam&lt;b&gt;") {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		resp, _ = e.Do(nil, "POST", fmt.Sprintf("/api/v1/phishing/templates/%d/render", tm.ID), admin, jsonBody(map[string]int64{"person_id": 999999}), "Content-Type", "application/json")
		if resp.StatusCode != 422 {
			t.Fatalf("render for a missing person: %d", resp.StatusCode)
		}

		// Update keeps the attachments when keep_attachment_ids is left out.
		good["subject"] = "Changed"
		delete(good, "attachments")
		resp, body = e.Do(nil, "PUT", fmt.Sprintf("/api/v1/phishing/templates/%d", tm.ID), admin, jsonBody(good), "Content-Type", "application/json")
		if resp.StatusCode != 200 || !strings.Contains(body, "logo.png") {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}

		// Library templates are copied, not changed.
		lib := list.Items[0]
		resp, _ = e.Do(nil, "PUT", fmt.Sprintf("/api/v1/phishing/templates/%d", lib.ID), admin, jsonBody(good), "Content-Type", "application/json")
		if resp.StatusCode != 422 {
			t.Fatalf("changing a library template: %d", resp.StatusCode)
		}
		resp, body = e.Do(nil, "POST", fmt.Sprintf("/api/v1/phishing/templates/%d/copy", lib.ID), admin, nil)
		if resp.StatusCode != 201 || !strings.Contains(body, `"library":false`) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}

		// Import an .eml.
		eml := "From: Payroll <pay@example.net>\r\nSubject: Pay change\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nYour pay =E2=80=93 update it\r\n"
		resp, body = e.Do(nil, "POST", "/api/v1/phishing/templates/import-eml?name=Imported+payroll", admin, strings.NewReader(eml), "Content-Type", "message/rfc822")
		if resp.StatusCode != 201 || !strings.Contains(body, `"name":"Imported payroll"`) || !strings.Contains(body, "Your pay – update it") {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		resp, body = e.Do(nil, "POST", "/api/v1/phishing/templates/import-eml", admin, strings.NewReader("Subject: x\r\nContent-Type: multipart/mixed\r\n\r\nx"), "Content-Type", "text/plain")
		if resp.StatusCode != 422 || !strings.Contains(body, "no boundary") {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})
}

func TestPhishingLandingPagesAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		manager := e.Token(e.User(accounts.RoleAwarenessManager, 0))
		in := map[string]any{"name": "Portal", "html": `<form action="https://x.example/"><input name="u"><input type="password" name="p"></form>`, "redirect": "url", "redirect_url": "https://training.example.gov/"}
		resp, body := e.Do(nil, "POST", "/api/v1/phishing/landing-pages", manager, jsonBody(in), "Content-Type", "application/json")
		if resp.StatusCode != 201 || !strings.Contains(body, `"password":true`) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		p := decodeJSON[phishing.LandingPage](t, body)
		in["redirect_url"] = "ftp://x"
		resp, body = e.Do(nil, "PUT", fmt.Sprintf("/api/v1/phishing/landing-pages/%d", p.ID), manager, jsonBody(in), "Content-Type", "application/json")
		if resp.StatusCode != 422 || !strings.Contains(body, "redirect_url") {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		_, body = e.Do(nil, "GET", "/api/v1/phishing/landing-pages?limit=100", manager, nil)
		if strings.Count(body, `"library":true`) < 4 {
			t.Fatalf("library pages missing: %s", body)
		}
	})
}

// TestPhishingAPIRefusesReadersAndOthers tries every change with each role
// that may not make it.
func TestPhishingAPIRefusesReadersAndOthers(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		p, err := e.App.Phishing.CreateProfile(ctx, audit.System, phishing.ProfileChange{SendingProfile: phishing.SendingProfile{Name: "P", Host: "127.0.0.1", Port: 1, TLS: "none", From: "a@example.com"}})
		if err != nil {
			t.Fatal(err)
		}
		org, _ := e.App.Directory.CreateOrganisation(ctx, audit.System, directory.Organisation{Name: "County", Kind: directory.KindLocalElectionAuthority})
		writes := []struct{ method, path, body string }{
			{"POST", "/api/v1/phishing/sending-profiles", `{"name":"x","host":"h","tls":"none","auth":"none","from":"a@example.com"}`},
			{"PUT", fmt.Sprintf("/api/v1/phishing/sending-profiles/%d", p.ID), `{"name":"x","host":"h","tls":"none","auth":"none","from":"a@example.com"}`},
			{"DELETE", fmt.Sprintf("/api/v1/phishing/sending-profiles/%d", p.ID), ``},
			{"POST", fmt.Sprintf("/api/v1/phishing/sending-profiles/%d/test", p.ID), `{"to":"a@example.com"}`},
			{"POST", "/api/v1/phishing/templates", `{"name":"x","subject":"s","text_body":"t","difficulty":1,"red_flags":[]}`},
			{"POST", "/api/v1/phishing/templates/import-eml", "Subject: x\r\n\r\nbody"},
			{"POST", "/api/v1/phishing/landing-pages", `{"name":"x","html":"<p>x</p>","redirect":"teachable_moment"}`},
		}
		for _, role := range []accounts.Role{accounts.RoleAnalyst, accounts.RoleAuditor, accounts.RoleLeader, accounts.RoleOrganisationMember} {
			orgID := int64(0)
			if role == accounts.RoleOrganisationMember {
				orgID = org.ID
			}
			tok := e.Token(e.User(role, orgID))
			for _, w := range writes {
				resp, body := e.Do(nil, w.method, w.path, tok, strings.NewReader(w.body), "Content-Type", "application/json")
				if resp.StatusCode != http.StatusForbidden {
					t.Errorf("%s %s %s: %d %s", role, w.method, w.path, resp.StatusCode, body)
				}
			}
		}
		// The auditor reads, but never sees a password.
		tok := e.Token(e.User(accounts.RoleAuditor, 0))
		resp, body := e.Do(nil, "GET", "/api/v1/phishing/sending-profiles", tok, nil)
		if resp.StatusCode != 200 || !strings.Contains(body, `"password_set":false`) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		if n, _ := e.App.Phishing.CountProfiles(ctx); n != 1 {
			t.Fatalf("%d profiles after refused changes", n)
		}
	})
}
