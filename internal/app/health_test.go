package app_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"bulwark/internal/app"
	"bulwark/internal/app/apptest"
	"bulwark/internal/platform/config"
	"bulwark/internal/platform/database"
)

func TestHealthReadinessAndMetrics(t *testing.T) {
	e := apptest.New(t, database.SQLite)
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready"} {
		resp, body := e.Do(nil, "GET", path, "", nil)
		if resp.StatusCode != 200 || !strings.Contains(body, want) {
			t.Errorf("%s: %d %q", path, resp.StatusCode, body)
		}
	}
	resp, body := e.Do(nil, "GET", "/metrics", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "# TYPE go_goroutines gauge") {
		t.Fatalf("/metrics on the app listener: %d", resp.StatusCode)
	}
	if _, err := e.App.DB.ExecContext(context.Background(), `DELETE FROM schema_migrations WHERE version = 1`); err != nil {
		t.Fatal(err)
	}
	if resp, body := e.Do(nil, "GET", "/readyz", "", nil); resp.StatusCode != 503 || !strings.Contains(body, "migrations") {
		t.Errorf("/readyz with a migration missing: %d %q", resp.StatusCode, body)
	}
}

// With --metrics-addr, metrics leave the app listener for their own.
func TestMetricsOnTheirOwnAddress(t *testing.T) {
	e := apptest.New(t, database.SQLite, func(c *config.Config) { c.MetricsAddr = "127.0.0.1:0" })
	srv := httptest.NewServer(e.App.AppHandler(e.Edges, app.NewMetrics()))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == 200 {
		t.Fatal("/metrics is still served on the app listener")
	}
}
