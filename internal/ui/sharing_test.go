package ui_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"bulwark/internal/accounts"
	"bulwark/internal/app/apptest"
	"bulwark/internal/directory"
	"bulwark/internal/platform/audit"
)

func TestSharingAdvisoryPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		mk := func(name string) int64 {
			o, err := e.App.Directory.CreateOrganisation(ctx, audit.System, directory.Organisation{Name: name, Kind: directory.KindStateAgency})
			if err != nil {
				t.Fatal(err)
			}
			return o.ID
		}
		state, other := mk("Pages State Office"), mk("Pages Other Office")
		analyst := e.Browser(e.User(accounts.RoleAnalyst, state))
		stranger := e.Browser(e.User(accounts.RoleAdmin, other))

		// Bad input keeps what was typed and names the problem.
		resp, body := e.PostForm(analyst, "/sharing/advisories", url.Values{"title": {"Unlabelled"}, "severity": {"high"}})
		if resp.StatusCode != 422 || !strings.Contains(body, "choose a TLP label") || !strings.Contains(body, `value="Unlabelled"`) {
			t.Fatalf("%d %.800s", resp.StatusCode, body)
		}
		form := url.Values{"title": {"Fake poll-worker portal"}, "summary": {"A look-alike sign-in page."}, "severity": {"critical"},
			"categories": {"email", "e_pollbooks"}, "tlp": {"amber+strict"}, "recipients": {fmt.Sprint(state)},
			"body": {"**Block** the domain.\n\n<script>alert(1)</script><img src=x onerror=alert(2)>"}}
		resp, body = e.PostForm(analyst, "/sharing/advisories", form)
		if resp.StatusCode != 303 {
			t.Fatalf("%d %.800s", resp.StatusCode, body)
		}
		loc := resp.Header.Get("Location")
		_, page := e.Do(analyst, "GET", loc, "", nil)
		for _, want := range []string{"<strong>Block</strong>", "bw-tlp--amber-strict", "TLP:AMBER&#43;STRICT", "E-pollbooks", "Version 1"} {
			if !strings.Contains(page, want) {
				t.Errorf("advisory page lacks %q", want)
			}
		}
		for _, bad := range []string{"<script>alert", "<img src=x onerror"} { // the history shows the source escaped
			if strings.Contains(page, bad) {
				t.Errorf("advisory page carries %q", bad)
			}
		}
		// An administrator of another organisation does not see it, on any page.
		for _, p := range []string{loc, loc + "/edit"} {
			if resp, body := e.Do(stranger, "GET", p, "", nil); resp.StatusCode != 404 || strings.Contains(body, "poll-worker") {
				t.Errorf("GET %s as another organisation's admin: %d", p, resp.StatusCode)
			}
		}
		if resp, _ := e.PostForm(stranger, loc+"/comments", url.Values{"body": {"hello"}}); resp.StatusCode != 404 {
			t.Errorf("comment by another organisation's admin: %d", resp.StatusCode)
		}
		_, list := e.Do(stranger, "GET", "/sharing/advisories", "", nil)
		if strings.Contains(list, "poll-worker") {
			t.Error("the list shows it to another organisation's admin")
		}
		// A writer of another organisation who may read an advisory may not change it.
		resp, body = e.PostForm(stranger, "/sharing/advisories", url.Values{"title": {"Federal note"}, "severity": {"low"}, "tlp": {"green"}})
		if resp.StatusCode != 303 {
			t.Fatalf("%d %.600s", resp.StatusCode, body)
		}
		green := resp.Header.Get("Location")
		if resp, _ := e.Do(analyst, "GET", green+"/edit", "", nil); resp.StatusCode != 403 {
			t.Errorf("edit form of another organisation's advisory: %d", resp.StatusCode)
		}
		if resp, _ := e.PostForm(analyst, green, url.Values{"title": {"Changed"}, "severity": {"low"}, "tlp": {"green"}}); resp.StatusCode != 403 {
			t.Errorf("changing another organisation's advisory: %d", resp.StatusCode)
		}
		// Editing makes version 2; comments keep their own label.
		form.Set("body", "Second text")
		if resp, body := e.PostForm(analyst, loc, form); resp.StatusCode != 303 {
			t.Fatalf("edit: %d %.800s", resp.StatusCode, body)
		}
		if resp, body := e.PostForm(analyst, loc+"/comments", url.Values{"body": {"Blocked at the state firewall."}, "tlp": {"red"}}); resp.StatusCode != 303 {
			t.Fatalf("comment: %d %.800s", resp.StatusCode, body)
		}
		_, page = e.Do(analyst, "GET", loc, "", nil)
		for _, want := range []string{"Version 2", "Version 1", "Second text", "Blocked at the state firewall.", "bw-tlp--red"} {
			if !strings.Contains(page, want) {
				t.Errorf("page after edit lacks %q", want)
			}
		}
	})
}

func TestSharingIndicatorPagesWarnOnAllowListed(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		o, err := e.App.Directory.CreateOrganisation(context.Background(), audit.System, directory.Organisation{Name: "Indicator Office", Kind: directory.KindStateAgency})
		if err != nil {
			t.Fatal(err)
		}
		c := e.Browser(e.User(accounts.RoleAnalyst, o.ID))
		form := url.Values{"value": {"1.1.1.1"}, "confidence": {"60"}, "tlp": {"green"}, "tags": {"dns, resolver"}}
		resp, body := e.PostForm(c, "/sharing/indicators", form)
		if resp.StatusCode != 422 || !strings.Contains(body, "allow-list") || !strings.Contains(body, `name="confirm_allow_listed"`) {
			t.Fatalf("%d %.800s", resp.StatusCode, body)
		}
		var n int
		e.App.DB.QueryRow(`SELECT COUNT(*) FROM sharing_indicators`).Scan(&n)
		if n != 0 {
			t.Fatal("the warning stored the indicator")
		}
		form.Set("confirm_allow_listed", "1")
		resp, body = e.PostForm(c, "/sharing/indicators", form)
		if resp.StatusCode != 303 {
			t.Fatalf("%d %.800s", resp.StatusCode, body)
		}
		_, page := e.Do(c, "GET", resp.Header.Get("Location"), "", nil)
		if !strings.Contains(page, "[ipv4-addr:value = &#39;1.1.1.1&#39;]") || !strings.Contains(page, "dns, resolver") {
			t.Errorf("indicator page: %.1500s", page)
		}
		if resp, body := e.PostForm(c, "/sharing/indicators", url.Values{"value": {"x"}, "confidence": {"high"}, "tlp": {"green"}}); resp.StatusCode != 422 || !strings.Contains(body, "0 to 100") {
			t.Errorf("bad confidence: %d", resp.StatusCode)
		}
		// The allow-list page adds an entry; a reader without write sees no form.
		if resp, body := e.PostForm(c, "/sharing/allow-list", url.Values{"value": {"vendor-updates.example"}, "note": {"Pollbook vendor"}}); resp.StatusCode != 303 {
			t.Fatalf("allow: %d %.600s", resp.StatusCode, body)
		}
		if resp, body := e.PostForm(c, "/sharing/allow-list", url.Values{"value": {"vendor-updates.example"}}); resp.StatusCode != 422 || !strings.Contains(body, "already on the allow-list") {
			t.Errorf("duplicate: %d", resp.StatusCode)
		}
		reader := e.Browser(e.User(accounts.RoleOrganisationMember, o.ID))
		_, page = e.Do(reader, "GET", "/sharing/allow-list", "", nil)
		if !strings.Contains(page, "vendor-updates.example") || !strings.Contains(page, "9.9.9.9") || strings.Contains(page, `action="/sharing/allow-list"`) {
			t.Errorf("allow-list page for a reader: %.1500s", page)
		}
	})
}
