package app_test

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"bulwark/internal/app/apptest"
	"bulwark/internal/platform/audit"
)

// The public site lists the election authorities, and publishes a website
// only once an administrator confirmed it: the .gov registry's entries are
// suggestions (a registrant's own "Election" label is not proof).
func TestPublicSitePublishesOnlyConfirmedDomains(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		srv := httptest.NewServer(e.App.PublicHandler())
		defer srv.Close()
		get := func() string {
			resp, err := srv.Client().Get(srv.URL + "/")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 {
				t.Fatalf("public site: %d", resp.StatusCode)
			}
			if c := resp.Header.Get("Set-Cookie"); c != "" {
				t.Fatalf("the public site sets a cookie: %s", c)
			}
			return string(b)
		}
		page := get()
		if !strings.Contains(page, "Adair County Clerk") || strings.Count(page, "<tr>") < 117 {
			t.Fatalf("the public site does not list the authorities")
		}
		if strings.Contains(page, "adaircomo.gov") {
			t.Fatal("an unconfirmed registry domain is published")
		}
		adair, err := e.App.Directory.OrganisationByName(ctx, "Adair County Clerk")
		if err != nil || adair.Domain != "adaircomo.gov" || adair.DomainConfirmed {
			t.Fatalf("seeded: %+v %v", adair, err)
		}
		adair.DomainConfirmed = true
		if _, err := e.App.Directory.UpdateOrganisation(ctx, audit.System, adair); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(get(), `href="https://adaircomo.gov/"`) {
			t.Fatal("a confirmed domain is not published")
		}
	})
}
