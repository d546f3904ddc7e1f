package ui_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"bulwark/internal/accounts"
	"bulwark/internal/app/apptest"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
)

var adminAuditRowID = regexp.MustCompile(`<tr>\s*<td>(\d+)</td>`)

func adminRecord(t *testing.T, e *apptest.Env, entries ...audit.Entry) {
	t.Helper()
	for _, en := range entries {
		if err := e.App.Audit.RecordNow(context.Background(), en); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAdminAuditFilter(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		a := adminSetup(t, e)
		admin := a.users[accounts.RoleAdmin]
		day := func(d, h int) time.Time { return time.Date(2025, 3, d, h, 30, 0, 0, time.UTC) }
		adminRecord(t, e,
			audit.Entry{At: day(1, 10), ActorUserID: admin.ID, Actor: fmt.Sprintf("user:%d", admin.ID), Action: "test.alpha.create", ObjectType: "widget", ObjectID: "7"},
			audit.Entry{At: day(2, 10), Actor: "system", Action: "test.alpha.delete", ObjectType: "widget", ObjectID: "8"},
			audit.Entry{At: day(3, 23), Actor: "cli", Action: "test.beta", ObjectType: "gadget", ObjectID: "7"},
		)
		c := a.browser(accounts.RoleAuditor)
		tests := []struct {
			query string
			want  []string
		}{
			{"action=test.alpha", []string{"test.alpha.create", "test.alpha.delete"}},
			{"action=test.", []string{"test.alpha.create", "test.alpha.delete", "test.beta"}},
			{"object_type=widget&object_id=7", []string{"test.alpha.create"}},
			{"object_id=7&action=test", []string{"test.alpha.create", "test.beta"}},
			{fmt.Sprintf("actor=%d&action=test", admin.ID), []string{"test.alpha.create"}},
			{fmt.Sprintf("actor=user:%d&action=test", admin.ID), []string{"test.alpha.create"}},
			{"from=2025-03-02&to=2025-03-03&action=test", []string{"test.alpha.delete", "test.beta"}},
			{"from=2025-03-03&to=2025-03-03", []string{"test.beta"}},
			{"to=2025-03-01", []string{"test.alpha.create"}},
		}
		all := []string{"test.alpha.create", "test.alpha.delete", "test.beta"}
		for _, tc := range tests {
			status, body := a.get(t, c, "/admin/audit?"+tc.query)
			if status != 200 {
				t.Errorf("%s: %d", tc.query, status)
				continue
			}
			for _, action := range all {
				shown := strings.Contains(body, "<code>"+action+"</code>")
				if shown != slices.Contains(tc.want, action) {
					t.Errorf("%s: %s shown %v, want %v", tc.query, action, shown, !shown)
				}
			}
		}
		// The form keeps what was typed, and the export link the filter.
		_, body := a.get(t, c, "/admin/audit?action=test.alpha&object_type=widget")
		if !strings.Contains(body, `name="action" type="text" maxlength="200" value="test.alpha"`) ||
			!strings.Contains(html.UnescapeString(body), `href="/admin/audit.csv?action=test.alpha&object_type=widget"`) {
			t.Error("the filter is not kept in the form and the export link")
		}

		bad := map[string]string{
			"from=yesterday":                     `The "from" date "yesterday" is not a date`,
			"to=2025-13-01":                      `The "to" date`,
			"actor=dana":                         "must be a user's number",
			"from=2025-03-05&to=2025-03-01":      "after the",
			"action=" + strings.Repeat("a", 201): "longer than 200",
		}
		for q, want := range bad {
			status, body := a.get(t, c, "/admin/audit?"+q)
			if status != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(body), want) {
				t.Errorf("%s: %d, want 422 with %q", q, status, want)
			}
			if adminAuditRowID.MatchString(body) {
				t.Errorf("%s: entries shown despite the bad filter", q)
			}
			if resp, _ := e.Do(c, "GET", "/admin/audit.csv?"+q, "", nil); resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("export with %s: %d, want 422", q, resp.StatusCode)
			}
		}
		if status, _ := a.get(t, c, "/admin/audit?before=x"); status != http.StatusBadRequest {
			t.Errorf("damaged cursor: %d, want 400", status)
		}
	})
}

func TestAdminAuditPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		a := adminSetup(t, e)
		for i := 0; i < 60; i++ {
			adminRecord(t, e, audit.Entry{Actor: "system", Action: "test.page", ObjectType: "widget", ObjectID: strconv.Itoa(i)})
		}
		c := a.browser(accounts.RoleAdmin)
		_, first := a.get(t, c, "/admin/audit?action=test.page")
		ids := adminAuditRowID.FindAllStringSubmatch(first, -1)
		if len(ids) != 50 {
			t.Fatalf("first page: %d entries, want 50", len(ids))
		}
		m := regexp.MustCompile(`href="(/admin/audit\?[^"]*before=[^"]*)">Older entries`).FindStringSubmatch(first)
		if m == nil {
			t.Fatal("no link to older entries")
		}
		_, second := a.get(t, c, html.UnescapeString(m[1]))
		more := adminAuditRowID.FindAllStringSubmatch(second, -1)
		if len(more) != 10 {
			t.Errorf("second page: %d entries, want 10", len(more))
		}
		seen := map[string]bool{}
		prev := int64(1 << 62)
		for _, id := range append(ids, more...) {
			n, _ := strconv.ParseInt(id[1], 10, 64)
			if seen[id[1]] || n >= prev {
				t.Errorf("entry %s out of order or repeated", id[1])
			}
			seen[id[1]] = true
			prev = n
		}
		if strings.Contains(second, "Older entries</a>") || !strings.Contains(second, "Newest entries</a>") {
			t.Error("the last page should link back to the newest entries only")
		}
	})
}

func TestAdminAuditExport(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		a := adminSetup(t, e)
		ctx := context.Background()
		auditor := a.users[accounts.RoleAuditor]
		adminRecord(t, e, audit.Entry{Actor: "@evil", Action: `=HYPERLINK("http://evil.example","click")`, ObjectType: "+formula",
			ObjectID: "-2+3", IP: "@SUM(1)", Summary: map[string]any{"note": "=1+1"}})
		// Enough entries for the export to take several batches.
		err := e.App.DB.Tx(ctx, func(tx database.Tx) error {
			for i := 0; i < 1010; i++ {
				if err := e.App.Audit.Record(ctx, tx, audit.Entry{Actor: "system", Action: "test.bulk", ObjectType: "widget", ObjectID: strconv.Itoa(i)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		c := e.Browser(auditor)

		resp, body := e.Do(c, "GET", "/admin/audit.csv?object_type=%2Bformula", "", nil)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("export: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
		}
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		header := []string{"id", "at", "actor", "actor_user_id", "action", "object_type", "object_id", "ip", "summary"}
		if len(rows) != 2 || !slices.Equal(rows[0], header) {
			t.Fatalf("export rows: %q", rows)
		}
		row := rows[1]
		want := map[int]string{2: "'@evil", 4: `'=HYPERLINK("http://evil.example","click")`, 5: "'+formula", 6: "'-2+3", 7: "'@SUM(1)", 3: ""}
		for i, w := range want {
			if row[i] != w {
				t.Errorf("column %s = %q, want %q", header[i], row[i], w)
			}
		}
		if _, err := time.Parse(time.RFC3339, row[1]); err != nil {
			t.Errorf("at %q is not RFC 3339", row[1])
		}
		var summary map[string]any
		if err := json.Unmarshal([]byte(row[8]), &summary); err != nil || summary["note"] != "=1+1" {
			t.Errorf("summary %q: %v", row[8], err)
		}

		// The export is recorded, with its filter.
		exports, err := e.App.Audit.List(ctx, audit.Filter{Action: "audit.export"})
		if err != nil || len(exports) != 1 {
			t.Fatalf("export entries: %d, %v", len(exports), err)
		}
		if x := exports[0]; x.ActorUserID != auditor.ID || x.Summary["object_type"] != "+formula" || x.IP == "" {
			t.Errorf("export entry: %+v", x)
		}

		// The whole log, over several batches: every entry once, newest first,
		// up to the export's own entry.
		all, err := e.App.Audit.List(ctx, audit.Filter{Limit: 100000})
		if err != nil {
			t.Fatal(err)
		}
		_, body = e.Do(c, "GET", "/admin/audit.csv", "", nil)
		rows, err = csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows)-1 != len(all) {
			t.Errorf("whole export: %d rows, want %d", len(rows)-1, len(all))
		}
		for i, r := range rows[1:] {
			if i < len(all) && r[0] != strconv.FormatInt(all[i].ID, 10) {
				t.Errorf("row %d is entry %s, want %d", i+1, r[0], all[i].ID)
				break
			}
		}
		if exports, _ := e.App.Audit.List(ctx, audit.Filter{Action: "audit.export"}); len(exports) != 2 {
			t.Errorf("%d export entries after two exports", len(exports))
		}
	})
}

func TestAdminAuditVerify(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		a := adminSetup(t, e)
		c := a.browser(accounts.RoleAuditor)
		status, _, body := a.post(t, c, "/admin/audit/verify", url.Values{})
		if status != 200 || !strings.Contains(body, "The audit chain is whole") {
			t.Fatalf("verify: %d %.500s", status, body)
		}
		adminCheckStructure(t, "audit verified", body)
		if _, err := e.App.DB.ExecContext(context.Background(), `UPDATE audit_log SET action = 'user.delete' WHERE id = 2`); err != nil {
			t.Fatal(err)
		}
		_, _, body = a.post(t, c, "/admin/audit/verify", url.Values{})
		if !strings.Contains(body, "The audit chain is broken") || !strings.Contains(body, "Entry 2:") {
			t.Errorf("tampering not reported: %.3000s", body)
		}
		adminCheckStructure(t, "audit broken", body)
		checks, err := e.App.Audit.List(context.Background(), audit.Filter{Action: "audit.verify"})
		if err != nil || len(checks) != 2 || checks[0].Summary["problems"] == float64(0) {
			t.Errorf("verify entries: %+v, %v", checks, err)
		}
	})
}
