package accounts

import (
	"context"
	"errors"
	"testing"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/database/dbtest"
)

func TestSignInOIDC(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		s, _, _ := signInTestService(t, db)
		casey := createTestUser(t, s, "casey@boone.example.gov")
		const iss = "https://login.example.gov"

		// Matched by verified email, then linked to the subject.
		u, err := s.SignInOIDC(ctx, OIDCIdentity{Issuer: iss, Subject: "sub-1", Email: "Casey@boone.example.gov", EmailVerified: true}, "", "192.0.2.1")
		if err != nil || u.ID != casey.ID {
			t.Fatalf("by email: %d, %v", u.ID, err)
		}
		// From then on the subject finds the user whatever the email says.
		u, err = s.SignInOIDC(ctx, OIDCIdentity{Issuer: iss, Subject: "sub-1", Email: "renamed@example.org"}, "", "192.0.2.1")
		if err != nil || u.ID != casey.ID {
			t.Fatalf("by subject: %d, %v", u.ID, err)
		}
		// The same subject at another issuer is someone else.
		if _, err := s.SignInOIDC(ctx, OIDCIdentity{Issuer: "https://other.example", Subject: "sub-1"}, "", "192.0.2.1"); !errors.Is(err, ErrSSOEmailUnverified) {
			t.Errorf("subject of another issuer: %v", err)
		}
		// A second identity cannot take over a linked account.
		if _, err := s.SignInOIDC(ctx, OIDCIdentity{Issuer: iss, Subject: "sub-2", Email: casey.Email, EmailVerified: true}, "", "192.0.2.1"); !errors.Is(err, ErrSSOLinkedElsewhere) {
			t.Errorf("second identity for a linked account: %v", err)
		}

		tests := []struct {
			name string
			id   OIDCIdentity
			role Role
			want error
		}{
			{"unverified email", OIDCIdentity{Issuer: iss, Subject: "sub-3", Email: "dana@boone.example.gov"}, RoleAuditor, ErrSSOEmailUnverified},
			{"unknown email without a default role", OIDCIdentity{Issuer: iss, Subject: "sub-4", Email: "dana@boone.example.gov", EmailVerified: true}, "", ErrNoSSOAccount},
			{"no email", OIDCIdentity{Issuer: iss, Subject: "sub-5"}, RoleAuditor, ErrSSOEmailUnverified},
		}
		for _, tc := range tests {
			if _, err := s.SignInOIDC(ctx, tc.id, tc.role, "192.0.2.1"); !errors.Is(err, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			}
		}
		if n, _ := s.CountUsers(ctx); n != 1 {
			t.Fatalf("%d users after refusals, want 1", n)
		}

		// With a default role, a new user is made.
		u, err = s.SignInOIDC(ctx, OIDCIdentity{Issuer: iss, Subject: "sub-6", Email: "erin@boone.example.gov", EmailVerified: true, Name: "Erin Lee"}, RoleLeader, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		if u.Role != RoleLeader || u.Name != "Erin Lee" || u.MFAEnabled {
			t.Errorf("new user %+v", u)
		}

		// A switched-off user is refused.
		if _, err := s.UpdateUser(ctx, audit.System, casey.ID, casey.Role, false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SignInOIDC(ctx, OIDCIdentity{Issuer: iss, Subject: "sub-1"}, "", "192.0.2.1"); !errors.Is(err, ErrInactive) {
			t.Errorf("switched-off user: %v", err)
		}
	})
}
