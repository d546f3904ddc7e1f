package ui

import (
	"net/url"
	"testing"
	"time"
)

func TestAdminCSVCell(t *testing.T) {
	tests := map[string]string{
		"=SUM(A1)":    "'=SUM(A1)",
		"+1":          "'+1",
		"-2+3":        "'-2+3",
		"@cmd":        "'@cmd",
		"\t=1":        "'\t=1",
		"\r=1":        "'\r=1",
		"user:12":     "user:12",
		"a=b":         "a=b",
		"":            "",
		`{"n":"=1"}`:  `{"n":"=1"}`,
		"person.edit": "person.edit",
	}
	for in, want := range tests {
		if got := adminCSVCell(in); got != want {
			t.Errorf("adminCSVCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAdminRedactDatabaseURL(t *testing.T) {
	tests := map[string]string{
		"postgres://bulwark:pw@db:5432/bulwark?sslmode=require":          "postgres://bulwark@db:5432/bulwark?sslmode=require",
		"postgres://db/bulwark?user=bulwark&password=pw&sslmode=disable": "postgres://db/bulwark?sslmode=disable&user=bulwark",
		"postgresql://db/bulwark?PASSWORD=pw":                            "postgresql://db/bulwark",
		"postgres://bulwark@db/bulwark":                                  "postgres://bulwark@db/bulwark",
		"postgres://%zz":                                                 "Set, but not a URL that can be shown",
	}
	for in, want := range tests {
		if got := adminRedactDatabaseURL(in); got != want {
			t.Errorf("adminRedactDatabaseURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAdminDuration(t *testing.T) {
	tests := map[time.Duration]string{
		30 * time.Minute: "30 minutes",
		time.Minute:      "1 minute",
		12 * time.Hour:   "12 hours",
		90 * time.Minute: "1 hour 30 minutes",
		45 * time.Second: "45 seconds",
		0:                "Not set",
	}
	for in, want := range tests {
		if got := adminDuration(in); got != want {
			t.Errorf("adminDuration(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestAdminAuditFilterParsing(t *testing.T) {
	f, q, problem := adminAuditFilter(url.Values{"action": {" user. "}, "actor": {"user:12"}, "from": {"2026-03-01"}, "to": {"2026-03-01"}})
	if problem != "" {
		t.Fatal(problem)
	}
	if f.Action != "user." || f.ActorID != 12 || !f.Since.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)) || !f.Until.Equal(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("filter %+v", f)
	}
	if got := q.values().Encode(); got != "action=user.&actor=user%3A12&from=2026-03-01&to=2026-03-01" {
		t.Errorf("query %s", got)
	}
	for _, bad := range []url.Values{{"actor": {"0"}}, {"actor": {"-3"}}, {"from": {"03/01/2026"}}, {"to": {"2026-02-30"}}} {
		if _, _, problem := adminAuditFilter(bad); problem == "" {
			t.Errorf("%v accepted", bad)
		}
	}
}
