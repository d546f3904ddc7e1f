package phishing

import (
	"context"
	"errors"
	"net/mail"
	"regexp"
	"strings"
	"testing"

	"bulwark/internal/platform/database"
	"bulwark/internal/platform/database/dbtest"
)

func TestLibraryContent(t *testing.T) {
	templates := LibraryTemplates()
	if len(templates) < 12 {
		t.Fatalf("%d library templates, want at least 12", len(templates))
	}
	reserved := regexp.MustCompile(`(^|\.)(example\.(com|org|net)|[a-z0-9-]+\.test)$`)
	slugs := map[string]bool{}
	qr := false
	for _, tm := range templates {
		if slugs[tm.Slug] {
			t.Errorf("slug %s twice", tm.Slug)
		}
		slugs[tm.Slug] = true
		if err := tm.Validate(); err != nil {
			t.Errorf("%s: %v", tm.Slug, err)
		}
		if len(tm.RedFlags) < 3 {
			t.Errorf("%s: %d red flags", tm.Slug, len(tm.RedFlags))
		}
		a, err := mail.ParseAddress(tm.SenderAddress)
		if err != nil || !reserved.MatchString(a.Address[strings.LastIndex(a.Address, "@")+1:]) {
			t.Errorf("%s: sender %q is not on a reserved domain", tm.Slug, tm.SenderAddress)
		}
		for _, f := range tm.RedFlags {
			if f.PointsAt == PartBody && !strings.Contains(tm.TextBody, f.Quote) {
				t.Errorf("%s: red flag %q quotes words the body does not hold", tm.Slug, f.Label)
			}
		}
		qr = qr || tm.QRCode
	}
	if !qr {
		t.Error("no QR-code lure in the library")
	}
	pages := LibraryLandingPages()
	if len(pages) < 4 {
		t.Fatalf("%d landing pages", len(pages))
	}
	for _, p := range pages {
		if err := p.validate(); err != nil || len(p.Fields) == 0 {
			t.Errorf("%s: %v, %d fields", p.Slug, err, len(p.Fields))
		}
	}
}

func TestSeedLibraryIsIdempotentAndReadOnly(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		s := newTestStore(t, db)
		ctx := context.Background()
		// A user's own template already has a library name.
		if _, err := s.CreateTemplate(ctx, tester, TemplateChange{Template: Template{Name: "Parcel delivery notice", Subject: "s", TextBody: "t", Difficulty: 1}}); err != nil {
			t.Fatal(err)
		}
		n, err := s.SeedLibrary(ctx)
		want := len(libraryTemplates) + len(libraryLandings)
		if err != nil || n != want {
			t.Fatalf("seeded %d, %v; want %d", n, err, want)
		}
		if n, err := s.SeedLibrary(ctx); err != nil || n != 0 {
			t.Fatalf("second seed added %d, %v", n, err)
		}
		lib := true
		list, err := s.ListTemplates(ctx, TemplateFilter{Library: &lib, Limit: 100})
		if err != nil || len(list) != len(libraryTemplates) {
			t.Fatalf("%d, %v", len(list), err)
		}
		tm := list[0]
		if _, err := s.UpdateTemplate(ctx, tester, TemplateChange{Template: tm}); !errors.Is(err, ErrLibrary) {
			t.Fatalf("changed a library template: %v", err)
		}
		if err := s.DeleteTemplate(ctx, tester, tm.ID); !errors.Is(err, ErrLibrary) {
			t.Fatalf("deleted a library template: %v", err)
		}
		cp, err := s.CopyTemplate(ctx, tester, tm.ID)
		if err != nil || cp.Library || cp.Slug != "" || len(cp.RedFlags) != len(tm.RedFlags) {
			t.Fatalf("%+v %v", cp, err)
		}
		pages, _ := s.ListLandingPages(ctx, 0, 100)
		if len(pages) != len(libraryLandings) || !pages[0].Library {
			t.Fatalf("%d pages", len(pages))
		}
		if err := s.DeleteLandingPage(ctx, tester, pages[0].ID); !errors.Is(err, ErrLibrary) {
			t.Fatal(err)
		}
		var named int
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM phishing_templates WHERE name = 'Parcel delivery notice (library)'`).Scan(&named)
		if named != 1 {
			t.Fatal("the library template clashing with a user's name was not renamed")
		}
	})
}
