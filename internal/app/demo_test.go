package app_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"bulwark/internal/accounts"
	"bulwark/internal/app"
	"bulwark/internal/directory"
	"bulwark/internal/platform/config"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/database/dbtest"
)

// openApp opens a whole app on a fresh database of dialect d.
func openApp(t *testing.T, d database.Dialect, opts ...func(*config.Config)) *app.App {
	t.Helper()
	cfg := config.Defaults()
	cfg.Data = t.TempDir()
	if d == database.Postgres {
		cfg.Database = dbtest.NewPostgresDatabase(t)
	}
	for _, o := range opts {
		o(&cfg)
	}
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

type demoCounts struct{ people, orgs, users, groups, teams, audit int }

func countDemo(t *testing.T, a *app.App) demoCounts {
	t.Helper()
	var c demoCounts
	for _, q := range []struct {
		table string
		n     *int
	}{{"people", &c.people}, {"organisations", &c.orgs}, {"users", &c.users}, {"groups", &c.groups}, {"teams", &c.teams}, {"audit_log", &c.audit}} {
		if err := a.DB.QueryRow(`SELECT COUNT(*) FROM ` + q.table).Scan(q.n); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

var oneTimePassword = regexp.MustCompile(`(?m)^    (\S{20})$`)

func TestSeedDemo(t *testing.T) {
	for _, d := range dbtest.Engines(t) {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			a := openApp(t, d, func(c *config.Config) { c.AppAddr = "127.0.0.1:8080" })
			var out bytes.Buffer
			if err := app.SeedDemo(ctx, a, &out); err != nil {
				t.Fatal(err)
			}
			first := countDemo(t, a)
			if first.people < 300 {
				t.Errorf("demo has %d people, want 300 or more", first.people)
			}
			if first.users < len(accounts.Roles) || first.groups == 0 || first.teams == 0 {
				t.Errorf("demo has %d users, %d groups, %d teams: want a user per role, groups and a team", first.users, first.groups, first.teams)
			}

			// The administrator's password is printed once, with where to use it.
			m := oneTimePassword.FindStringSubmatch(out.String())
			if m == nil || !strings.Contains(out.String(), "http://127.0.0.1:8080/login") {
				t.Fatalf("output does not show the sign-in address and a one-time password:\n%s", out.String())
			}
			admin, err := a.Accounts.Authenticate(ctx, app.DemoAdminEmail, m[1], "127.0.0.1")
			if err != nil {
				t.Fatalf("the printed password does not sign in: %v", err)
			}
			if admin.Role != accounts.RoleAdmin || !admin.MustChangePassword {
				t.Errorf("demo admin: role %s, must change password %v; want admin who must change it", admin.Role, admin.MustChangePassword)
			}

			// Every address is under the reserved example.org domain.
			for _, q := range []string{`SELECT email FROM people`, `SELECT email FROM users`} {
				rows, err := a.DB.Query(q)
				if err != nil {
					t.Fatal(err)
				}
				for rows.Next() {
					var email string
					rows.Scan(&email)
					if !strings.HasSuffix(email, ".example.org") && !strings.HasSuffix(email, "@example.org") {
						t.Errorf("%s: %s is not under example.org", q, email)
					}
				}
				rows.Close()
			}

			// Every role has a demo user, and the directory is realistic:
			// managers, departments, the state's time zone.
			roles := map[accounts.Role]bool{}
			users, err := a.Accounts.ListUsers(ctx, 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range users {
				roles[u.Role] = true
			}
			for _, r := range accounts.Roles {
				if !roles[r] {
					t.Errorf("no demo user has role %s", r)
				}
			}
			var managed, central, lea int
			a.DB.QueryRow(`SELECT COUNT(*) FROM people WHERE manager_id IS NOT NULL`).Scan(&managed)
			a.DB.QueryRow(`SELECT COUNT(*) FROM people WHERE time_zone = 'America/Chicago'`).Scan(&central)
			a.DB.QueryRow(`SELECT COUNT(*) FROM people p JOIN organisations o ON o.id = p.organisation_id WHERE o.kind = 'local_election_authority'`).Scan(&lea)
			if managed < first.people/2 || central < 300 || lea == 0 {
				t.Errorf("%d people have a manager, %d are on Central time, %d work for an election authority", managed, central, lea)
			}
			ocs, err := a.Directory.OrganisationByName(ctx, "Office of Cyber Security")
			if err != nil {
				t.Fatal(err)
			}
			oa, err := a.Directory.OrganisationByName(ctx, "Office of Administration")
			if err != nil || ocs.ParentID != oa.ID {
				t.Errorf("Office of Cyber Security parent = %d, want the Office of Administration (%d) %v", ocs.ParentID, oa.ID, err)
			}
			if n, _ := a.Directory.CountOrganisations(ctx, directory.KindFusionCenter); n != 1 {
				t.Errorf("%d fusion centres, want 1", n)
			}

			// A second start adds nothing and prints no password.
			out.Reset()
			if err := app.SeedDemo(ctx, a, &out); err != nil {
				t.Fatal(err)
			}
			if second := countDemo(t, a); second != first {
				t.Errorf("second seeding changed the counts: %+v, then %+v", first, second)
			}
			if oneTimePassword.MatchString(out.String()) {
				t.Errorf("second seeding printed a password:\n%s", out.String())
			}
		})
	}
}

// TestSeedDemoIsTheSameEverywhere: the generated directory does not depend
// on the machine or the run, so screenshots stay stable.
func TestSeedDemoIsTheSameEverywhere(t *testing.T) {
	ctx := context.Background()
	roster := func() string {
		a := openApp(t, database.SQLite)
		if err := app.SeedDemo(ctx, a, io.Discard); err != nil {
			t.Fatal(err)
		}
		rows, err := a.DB.Query(`SELECT p.email, p.first_name, p.last_name, p.title, p.department, COALESCE(m.email, '') FROM people p LEFT JOIN people m ON m.id = p.manager_id ORDER BY p.email`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var b strings.Builder
		for rows.Next() {
			var f [6]string
			rows.Scan(&f[0], &f[1], &f[2], &f[3], &f[4], &f[5])
			b.WriteString(strings.Join(f[:], ",") + "\n")
		}
		return b.String()
	}
	if one, two := roster(), roster(); one != two {
		t.Error("two demo seedings produced different directories")
	}
}
