package ui_test

import (
	"context"
	"strings"
	"testing"

	"bulwark/internal/accounts"
	"bulwark/internal/app/apptest"
	"bulwark/internal/phishing"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
)

// The phishing overview leads to campaigns and safeguards, and says when
// the emergency stop is on.
func TestPhishingOverviewShowsTheEmergencyStop(t *testing.T) {
	e := apptest.New(t, database.SQLite)
	mgr := e.User(accounts.RoleAwarenessManager, 0)
	c := e.Browser(mgr)
	_, body := e.Do(c, "GET", "/phishing", "", nil)
	if strings.Contains(body, "Emergency stop is on") || !strings.Contains(body, `href="/phishing/campaigns"`) || !strings.Contains(body, `href="/phishing/safeguards"`) {
		t.Fatalf("overview without a stop: %.400s", body)
	}
	v := phishing.Viewer{UserID: mgr.ID, SeesAll: true, CanWrite: true}
	if _, _, err := e.App.Phishing.SetEmergencyStop(context.Background(), audit.System, v, true, "county canvass week"); err != nil {
		t.Fatal(err)
	}
	_, body = e.Do(c, "GET", "/phishing", "", nil)
	if !strings.Contains(body, "Emergency stop is on") || !strings.Contains(body, "county canvass week") {
		t.Fatalf("overview with the stop on does not say so")
	}
}
