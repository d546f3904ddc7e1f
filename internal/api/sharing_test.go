package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"bulwark/internal/accounts"
	"bulwark/internal/app/apptest"
	"bulwark/internal/directory"
	"bulwark/internal/platform/audit"
	"bulwark/internal/sharing"
)

func shJSON(v any) *strings.Reader {
	b, _ := json.Marshal(v)
	return strings.NewReader(string(b))
}

// advTitle is the title of the matrix's advisory labelled l, in words
// that HTML escaping leaves alone.
func advTitle(l string) string { return "Advisory " + strings.ReplaceAll(l, "+", " strict ") }

// tlpWorld is the organisations and people of the TLP matrix: the state
// office serves county A (not county B); a federal partner is elsewhere.
type tlpWorld struct {
	state, countyA, countyB, federal                        int64
	author, adminX, memberA, memberB, redUser, auditorNoOrg accounts.User
}

func newTLPWorld(t *testing.T, e *apptest.Env) tlpWorld {
	ctx := context.Background()
	org := func(name string, kind directory.OrgKind) int64 {
		o, err := e.App.Directory.CreateOrganisation(ctx, audit.System, directory.Organisation{Name: name, Kind: kind})
		if err != nil {
			t.Fatal(err)
		}
		return o.ID
	}
	var w tlpWorld
	w.state = org("TLP Test State Office", directory.KindStateAgency)
	w.countyA = org("TLP Test County A", directory.KindLocalElectionAuthority)
	w.countyB = org("TLP Test County B", directory.KindLocalElectionAuthority)
	w.federal = org("TLP Test Federal Partner", directory.KindFederal)
	if err := e.App.Directory.SetServes(ctx, audit.System, w.state, w.countyA, true); err != nil {
		t.Fatal(err)
	}
	w.author = e.User(accounts.RoleAnalyst, w.state)
	w.adminX = e.User(accounts.RoleAdmin, w.federal)
	w.memberA = e.User(accounts.RoleOrganisationMember, w.countyA)
	w.memberB = e.User(accounts.RoleOrganisationMember, w.countyB)
	w.redUser = e.User(accounts.RoleOrganisationMember, w.countyB)
	w.auditorNoOrg = e.User(accounts.RoleAuditor, 0)
	return w
}

// TestSharingTLPEveryReadPath shares one advisory and one indicator under
// each label and checks, for each reader, every read path: API list, API
// get, versions, comments, page list, page detail and dashboard counts.
func TestSharingTLPEveryReadPath(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := newTLPWorld(t, e)
		authorTok := e.Token(w.author)
		shares := map[string]sharing.Sharing{}
		for label, sh := range map[string]map[string]any{
			"clear":        {"tlp": "clear"},
			"green":        {"tlp": "green"},
			"amber":        {"tlp": "amber", "recipient_organisations": []int64{w.state}, "share_with_served": true},
			"amber+strict": {"tlp": "amber+strict", "recipient_organisations": []int64{w.countyB}},
			"red":          {"tlp": "red", "recipient_users": []int64{w.redUser.ID}},
		} {
			_ = shares
			adv := map[string]any{"title": advTitle(label), "summary": "s", "body": "text", "severity": "high", "categories": []string{"email"}}
			ind := map[string]any{"value": fmt.Sprintf("bad-%s.example", strings.ReplaceAll(label, "+", "-")), "confidence": 70}
			for k, v := range sh {
				adv[k], ind[k] = v, v
			}
			if resp, body := e.Do(nil, "POST", "/api/v1/sharing/advisories", authorTok, shJSON(adv), "Content-Type", "application/json"); resp.StatusCode != 201 {
				t.Fatalf("create %s advisory: %d %s", label, resp.StatusCode, body)
			}
			if resp, body := e.Do(nil, "POST", "/api/v1/sharing/indicators", authorTok, shJSON(ind), "Content-Type", "application/json"); resp.StatusCode != 201 {
				t.Fatalf("create %s indicator: %d %s", label, resp.StatusCode, body)
			}
		}
		ids := func(table string) map[string]int64 {
			rows, err := e.App.DB.Query(`SELECT id, tlp FROM ` + table)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			m := map[string]int64{}
			for rows.Next() {
				var id int64
				var l string
				rows.Scan(&id, &l)
				m[l] = id
			}
			return m
		}
		advIDs, indIDs := ids("sharing_advisories"), ids("sharing_indicators")

		// The expected visibility, written out: reader → labels they may read.
		readers := []struct {
			name    string
			user    accounts.User
			visible []string
		}{
			{"author (analyst, state office)", w.author, []string{"clear", "green", "amber", "amber+strict", "red"}},
			{"admin of a federal partner", w.adminX, []string{"clear", "green"}},
			{"member of county A (served by the state)", w.memberA, []string{"clear", "green", "amber"}},
			{"member of county B", w.memberB, []string{"clear", "green", "amber+strict"}},
			{"named individual in county B", w.redUser, []string{"clear", "green", "amber+strict", "red"}},
			{"auditor without organisation", w.auditorNoOrg, []string{"clear"}},
		}
		labels := []string{"clear", "green", "amber", "amber+strict", "red"}
		for _, rd := range readers {
			t.Run(rd.name, func(t *testing.T) {
				tok := e.Token(rd.user)
				browser := e.Browser(rd.user)
				_, list := e.Do(nil, "GET", "/api/v1/sharing/advisories", tok, nil)
				_, ilist := e.Do(nil, "GET", "/api/v1/sharing/indicators", tok, nil)
				_, page := e.Do(browser, "GET", "/sharing/advisories", "", nil)
				_, ipage := e.Do(browser, "GET", "/sharing/indicators", "", nil)
				for _, l := range labels {
					want := false
					for _, v := range rd.visible {
						want = want || v == l
					}
					wantStatus := map[bool]int{true: 200, false: 404}[want]
					a, i := advIDs[l], indIDs[l]
					check := func(path string, got bool) {
						t.Helper()
						if got != want {
							t.Errorf("%s: %s visible = %v, want %v", path, l, got, want)
						}
					}
					check("API advisory list", strings.Contains(list, fmt.Sprintf(`"id":%d,`, a)))
					check("API indicator list", strings.Contains(ilist, fmt.Sprintf(`"id":%d,`, i)))
					check("advisory list page", strings.Contains(page, ">"+advTitle(l)+"<"))
					check("indicator list page", strings.Contains(ipage, fmt.Sprintf("/sharing/indicators/%d\"", i)))
					for _, p := range []struct {
						path   string
						client bool
					}{
						{fmt.Sprintf("/api/v1/sharing/advisories/%d", a), false},
						{fmt.Sprintf("/api/v1/sharing/advisories/%d/versions", a), false},
						{fmt.Sprintf("/api/v1/sharing/advisories/%d/comments", a), false},
						{fmt.Sprintf("/api/v1/sharing/indicators/%d", i), false},
						{fmt.Sprintf("/sharing/advisories/%d", a), true},
						{fmt.Sprintf("/sharing/indicators/%d", i), true},
					} {
						var status int
						var body string
						if p.client {
							resp, b := e.Do(browser, "GET", p.path, "", nil)
							status, body = resp.StatusCode, b
						} else {
							resp, b := e.Do(nil, "GET", p.path, tok, nil)
							status, body = resp.StatusCode, b
						}
						if status != wantStatus {
							t.Errorf("GET %s (%s): %d, want %d", p.path, l, status, wantStatus)
						}
						if !want && strings.Contains(body, advTitle(l)) {
							t.Errorf("GET %s reveals the %s advisory", p.path, l)
						}
					}
				}
				// Dashboard counts use the same rule.
				_, dash := e.Do(browser, "GET", "/sharing", "", nil)
				if want := fmt.Sprintf("%d in all", len(rd.visible)); !strings.Contains(dash, want) {
					t.Errorf("dashboard does not say %q", want)
				}
				if want := fmt.Sprintf(`id="sh-new-advisories">%d<`, len(rd.visible)); !strings.Contains(dash, want) {
					t.Errorf("dashboard does not count %d new advisories", len(rd.visible))
				}
				if want := fmt.Sprintf(`data-type="domain">%d<`, len(rd.visible)); !strings.Contains(dash, want) {
					t.Errorf("dashboard does not show %d active domain indicators", len(rd.visible))
				}
				for _, l := range labels {
					if !strings.Contains(strings.Join(rd.visible, " "), l) && strings.Contains(dash, advTitle(l)+"<") {
						t.Errorf("dashboard lists the %s advisory", l)
					}
				}
			})
		}
	})
}

func TestSharingAdvisoryVersionsCommentsAndOwnership(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := newTLPWorld(t, e)
		author := e.Token(w.author)
		in := map[string]any{"title": "Pollbook update", "body": "first", "severity": "medium", "tlp": "green", "categories": []string{"e_pollbooks"}}
		resp, body := e.Do(nil, "POST", "/api/v1/sharing/advisories", author, shJSON(in), "Content-Type", "application/json")
		if resp.StatusCode != 201 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		adv := decodeJSON[sharing.Advisory](t, body)
		if adv.OwnerOrgID != w.state || adv.Version != 1 {
			t.Fatalf("owner %d version %d", adv.OwnerOrgID, adv.Version)
		}
		path := fmt.Sprintf("/api/v1/sharing/advisories/%d", adv.ID)
		in["body"], in["severity"] = "second", "critical"
		if resp, body := e.Do(nil, "PUT", path, author, shJSON(in), "Content-Type", "application/json"); resp.StatusCode != 200 || !strings.Contains(body, `"version":2`) {
			t.Fatalf("update: %d %s", resp.StatusCode, body)
		}
		_, body = e.Do(nil, "GET", path+"/versions", e.Token(w.memberA), nil)
		vs := decodeJSON[[]sharing.AdvisoryVersion](t, body)
		if len(vs) != 2 || vs[0].Body != "second" || vs[1].Body != "first" || vs[1].Severity != "medium" {
			t.Fatalf("versions %+v", vs)
		}
		// An administrator of another organisation may read it but not change it.
		if resp, body := e.Do(nil, "PUT", path, e.Token(w.adminX), shJSON(in), "Content-Type", "application/json"); resp.StatusCode != 403 {
			t.Fatalf("other organisation's admin changed it: %d %s", resp.StatusCode, body)
		}
		// A comment may not be looser than its advisory.
		if resp, body := e.Do(nil, "POST", path+"/comments", author, shJSON(map[string]any{"tlp": "clear", "body": "x"}), "Content-Type", "application/json"); resp.StatusCode != 422 {
			t.Fatalf("looser comment: %d %s", resp.StatusCode, body)
		}
		// A stricter comment narrows its audience: AMBER+STRICT on an
		// advisory with no recipients reaches the owner organisation only.
		if resp, body := e.Do(nil, "POST", path+"/comments", author, shJSON(map[string]any{"tlp": "amber+strict", "body": "state only"}), "Content-Type", "application/json"); resp.StatusCode != 201 {
			t.Fatalf("comment: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.Do(nil, "POST", path+"/comments", e.Token(w.adminX), shJSON(map[string]any{"body": "seen at the federal level"}), "Content-Type", "application/json"); resp.StatusCode != 201 || !strings.Contains(body, "TLP:GREEN") {
			t.Fatalf("default comment label: %d %s", resp.StatusCode, body)
		}
		for _, c := range []struct {
			u    accounts.User
			want []string
		}{{w.author, []string{"state only", "federal level"}}, {w.memberA, []string{"federal level"}}, {w.adminX, []string{"federal level"}}} {
			_, body := e.Do(nil, "GET", path+"/comments", e.Token(c.u), nil)
			if n := strings.Count(body, `"body"`); n != len(c.want) {
				t.Errorf("user %d reads %d comments: %s", c.u.ID, n, body)
			}
			for _, s := range c.want {
				if !strings.Contains(body, s) {
					t.Errorf("user %d misses %q", c.u.ID, s)
				}
			}
			_, page := e.Do(e.Browser(c.u), "GET", fmt.Sprintf("/sharing/advisories/%d", adv.ID), "", nil)
			if (strings.Contains(page, "state only")) != (c.u.ID == w.author.ID) {
				t.Errorf("page for user %d shows the AMBER+STRICT comment: %v", c.u.ID, strings.Contains(page, "state only"))
			}
		}
		// Filters.
		for q, want := range map[string]int{"severity=critical": 1, "severity=low": 0, "category=e_pollbooks": 1, "category=email": 0, "q=POLLBOOK": 1, "q=nothing-like-it": 0} {
			_, body := e.Do(nil, "GET", "/api/v1/sharing/advisories?"+q, author, nil)
			if n := strings.Count(body, `"title":"Pollbook update"`); n != want {
				t.Errorf("?%s: %d results, want %d", q, n, want)
			}
		}
		// Read-only roles cannot write.
		if resp, _ := e.Do(nil, "POST", "/api/v1/sharing/advisories", e.Token(w.memberA), shJSON(in), "Content-Type", "application/json"); resp.StatusCode != 403 {
			t.Fatalf("organisation member shared an advisory: %d", resp.StatusCode)
		}
		// Bad input names the problem and writes nothing.
		var before int
		e.App.DB.QueryRow(`SELECT COUNT(*) FROM sharing_advisories`).Scan(&before)
		for _, bad := range []map[string]any{
			{"title": "", "severity": "low", "tlp": "clear"},
			{"title": "x", "severity": "severe", "tlp": "clear"},
			{"title": "x", "severity": "low"},
			{"title": "x", "severity": "low", "tlp": "clear", "categories": []string{"weather"}},
			{"title": "x", "severity": "low", "tlp": "amber", "recipient_organisations": []int64{999999}},
		} {
			resp, body := e.Do(nil, "POST", "/api/v1/sharing/advisories", author, shJSON(bad), "Content-Type", "application/json")
			if resp.StatusCode != 422 && resp.StatusCode != 400 {
				t.Errorf("%v: %d %s", bad, resp.StatusCode, body)
			}
		}
		var after int
		e.App.DB.QueryRow(`SELECT COUNT(*) FROM sharing_advisories`).Scan(&after)
		if after != before {
			t.Fatalf("bad input wrote %d advisories", after-before)
		}
		var audited int
		e.App.DB.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action LIKE 'advisory.%'`).Scan(&audited)
		if audited != 4 { // create, update, two comments
			t.Fatalf("%d audit entries", audited)
		}
	})
}

func TestSharingIndicatorsAndAllowList(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := newTLPWorld(t, e)
		tok := e.Token(w.author)
		post := func(in map[string]any) (int, string) {
			resp, body := e.Do(nil, "POST", "/api/v1/sharing/indicators", tok, shJSON(in), "Content-Type", "application/json")
			return resp.StatusCode, body
		}
		for _, c := range []struct {
			in          map[string]any
			status      int
			typ, value  string
			pattern     string
			errContains string
		}{
			{map[string]any{"value": "Evil-Clerk.Example.", "tlp": "green", "confidence": 80}, 201, "domain", "evil-clerk.example", "[domain-name:value = 'evil-clerk.example']", ""},
			{map[string]any{"value": "203.0.113.9", "tlp": "green"}, 201, "ipv4", "203.0.113.9", "[ipv4-addr:value = '203.0.113.9']", ""},
			{map[string]any{"value": "198.51.100.77/24", "tlp": "green"}, 201, "cidr", "198.51.100.0/24", "", ""},
			{map[string]any{"type": "sha256", "value": strings.Repeat("AB", 32), "tlp": "green"}, 201, "sha256", strings.Repeat("ab", 32), "[file:hashes.'SHA-256' = '" + strings.Repeat("ab", 32) + "']", ""},
			{map[string]any{"value": "203.0.113.10", "pattern": "[ipv4-addr:value = '203.0.113.10']", "tlp": "green"}, 201, "ipv4", "203.0.113.10", "", ""},
			{map[string]any{"value": "203.0.113.11", "pattern": "[ipv4-addr:value = '203.0.113.12']", "tlp": "green"}, 422, "", "", "", "does not test for"},
			{map[string]any{"value": "203.0.113.11", "pattern": "[ipv4-addr:value = ", "tlp": "green"}, 422, "", "", "", "cannot be read"},
			{map[string]any{"type": "md5", "value": "abc", "tlp": "green"}, 422, "", "", "", "hexadecimal"},
			{map[string]any{"value": "not a thing", "tlp": "green"}, 422, "", "", "", "choose its type"},
			{map[string]any{"value": "203.0.113.13", "tlp": "green", "confidence": 101}, 422, "", "", "", "0 to 100"},
			{map[string]any{"value": "8.8.8.8", "tlp": "green"}, 422, "", "", "", "allow-list"},
			{map[string]any{"value": "8.8.8.8", "tlp": "green", "confirm_allow_listed": true}, 201, "ipv4", "8.8.8.8", "", ""},
		} {
			status, body := post(c.in)
			if status != c.status {
				t.Errorf("%v: %d %s", c.in, status, body)
				continue
			}
			if status != 201 {
				if !strings.Contains(body, c.errContains) {
					t.Errorf("%v: error %s does not say %q", c.in, body, c.errContains)
				}
				continue
			}
			ind := decodeJSON[sharing.Indicator](t, body)
			if string(ind.Type) != c.typ || ind.Value != c.value || (c.pattern != "" && ind.Pattern != c.pattern) || ind.OwnerOrgID != w.state || ind.SourceOrgID != w.state {
				t.Errorf("%v: stored %+v", c.in, ind)
			}
		}
		// A confirmed official LEA domain from the directory is allow-listed.
		ctx := context.Background()
		if _, err := e.App.DB.ExecContext(ctx, `UPDATE organisations SET domain = 'countyb-votes.gov', domain_confirmed = $1 WHERE id = $2`, true, w.countyB); err != nil {
			t.Fatal(err)
		}
		if status, body := post(map[string]any{"value": "https://www.countyb-votes.gov/results", "tlp": "green"}); status != 422 || !strings.Contains(body, "allow-list") {
			t.Errorf("official domain: %d %s", status, body)
		}
		_, list := e.Do(nil, "GET", "/api/v1/sharing/allow-list", e.Token(w.memberA), nil)
		for _, v := range []string{"8.8.8.8", "8.8.4.4", "1.1.1.1", "1.0.0.1", "9.9.9.9", "countyb-votes.gov"} {
			if !strings.Contains(list, `"`+v+`"`) {
				t.Errorf("allow-list lacks %s", v)
			}
		}
		// Filters.
		_, body := e.Do(nil, "GET", "/api/v1/sharing/indicators?type=ipv4&limit=1", tok, nil)
		p := decodeJSON[struct {
			Items      []sharing.Indicator `json:"items"`
			NextCursor string              `json:"next_cursor"`
		}](t, body)
		if len(p.Items) != 1 || p.Items[0].Type != "ipv4" || p.NextCursor == "" {
			t.Fatalf("page %s", body)
		}
		_, body = e.Do(nil, "GET", "/api/v1/sharing/indicators?type=ipv4&cursor="+p.NextCursor, tok, nil)
		if n := len(regexp.MustCompile(`"type":"ipv4"`).FindAllString(body, -1)); n != 2 {
			t.Fatalf("second page has %d ipv4 indicators: %s", n, body)
		}
		// Expired indicators are left out of ?active=true; only the owner changes one.
		status, body := post(map[string]any{"value": "old-campaign.example", "tlp": "green", "valid_from": "2020-01-01T00:00:00Z", "valid_until": "2020-02-01T00:00:00Z"})
		if status != 201 {
			t.Fatalf("%d %s", status, body)
		}
		old := decodeJSON[sharing.Indicator](t, body)
		_, active := e.Do(nil, "GET", "/api/v1/sharing/indicators?active=true&q=old-campaign", tok, nil)
		_, all := e.Do(nil, "GET", "/api/v1/sharing/indicators?q=old-campaign", tok, nil)
		if strings.Contains(active, "old-campaign") || !strings.Contains(all, "old-campaign") {
			t.Errorf("active filter: %s / %s", active, all)
		}
		upd := map[string]any{"value": "old-campaign.example", "tlp": "amber+strict", "confidence": 10}
		ipath := fmt.Sprintf("/api/v1/sharing/indicators/%d", old.ID)
		if resp, body := e.Do(nil, "PUT", ipath, e.Token(w.adminX), shJSON(upd), "Content-Type", "application/json"); resp.StatusCode != 403 {
			t.Errorf("another organisation changed it: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.Do(nil, "PUT", ipath, tok, shJSON(upd), "Content-Type", "application/json"); resp.StatusCode != 200 || !strings.Contains(body, "TLP:AMBER+STRICT") {
			t.Errorf("owner's change: %d %s", resp.StatusCode, body)
		}
		if resp, _ := e.Do(nil, "GET", ipath, e.Token(w.adminX), nil); resp.StatusCode != 404 {
			t.Errorf("after narrowing, another organisation still reads it: %d", resp.StatusCode)
		}
		if resp, body := e.Do(nil, "POST", "/api/v1/sharing/allow-list", tok, shJSON(map[string]any{"value": "192.0.2.53", "note": "State resolver"}), "Content-Type", "application/json"); resp.StatusCode != 201 {
			t.Fatalf("allow: %d %s", resp.StatusCode, body)
		}
		if resp, _ := e.Do(nil, "POST", "/api/v1/sharing/allow-list", tok, shJSON(map[string]any{"value": "192.0.2.53"}), "Content-Type", "application/json"); resp.StatusCode != 409 {
			t.Fatalf("duplicate allow entry: %d", resp.StatusCode)
		}
	})
}
