package accounts

import (
	"context"
	"errors"
	"testing"
	"time"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/database/dbtest"
)

const newTestPassword = "Granite-Meadow-Compass-31"

func TestPasswordReset(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		s, _, log := signInTestService(t, db)
		u := createTestUser(t, s, "casey@boone.example.gov")
		cookie, _ := s.StartSession(ctx, u, true, "192.0.2.1", "test")

		token, who, err := s.RequestPasswordReset(ctx, " Casey@Boone.example.gov ", "192.0.2.1")
		if err != nil || token == "" || who.ID != u.ID {
			t.Fatalf("RequestPasswordReset = %q, %d, %v", token, who.ID, err)
		}
		var stored int
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM password_resets WHERE token_hash = $1`, token).Scan(&stored)
		if stored != 0 {
			t.Error("the reset token is stored in clear")
		}
		// Looking at the link does not use it.
		for range 3 {
			if _, err := s.CheckPasswordReset(ctx, token); err != nil {
				t.Fatalf("CheckPasswordReset: %v", err)
			}
		}
		// A refused password leaves the link working and changes nothing.
		if err := s.ResetPassword(ctx, token, "short", "192.0.2.1"); !errors.Is(err, ErrWeakPassword) {
			t.Fatalf("weak password: %v", err)
		}
		if _, err := s.CheckPasswordReset(ctx, token); err != nil {
			t.Fatalf("the link stopped working after a refused password: %v", err)
		}
		if err := s.ResetPassword(ctx, token, newTestPassword, "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, u.Email, newTestPassword, "192.0.2.1"); err != nil {
			t.Errorf("the new password does not sign in: %v", err)
		}
		if _, _, err := s.LookupSession(ctx, cookie); !errors.Is(err, ErrNoSession) {
			t.Errorf("a session survived the reset: %v", err)
		}
		if err := s.ResetPassword(ctx, token, "Another-Granite-Meadow-8", "192.0.2.1"); !errors.Is(err, ErrResetLinkInvalid) {
			t.Errorf("the link worked twice: %v", err)
		}
		for _, action := range []string{"user.password.reset_requested", "user.password.reset_link_used", "user.password.set"} {
			if e, _ := log.List(ctx, audit.Filter{Action: action, ObjectID: itoa(u.ID)}); len(e) == 0 {
				t.Errorf("no %s audit entry", action)
			}
		}
	})
}

func TestPasswordResetUnknownOrSwitchedOff(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		s, _, _ := signInTestService(t, db)
		u := createTestUser(t, s, "casey@boone.example.gov")
		if _, err := s.UpdateUser(ctx, audit.System, u.ID, u.Role, false); err != nil {
			t.Fatal(err)
		}
		for _, email := range []string{"nobody@boone.example.gov", "casey@boone.example.gov", "not an address"} {
			token, who, err := s.RequestPasswordReset(ctx, email, "192.0.2.1")
			if err != nil || token != "" || who.ID != 0 {
				t.Errorf("RequestPasswordReset(%q) = %q, %d, %v; want nothing", email, token, who.ID, err)
			}
		}
		var n int
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM password_resets`).Scan(&n)
		if n != 0 {
			t.Errorf("%d reset links stored", n)
		}
		for _, bad := range []string{"", "x", "not-a-real-token-at-all-0123456789abcdefghij"} {
			if err := s.ResetPassword(ctx, bad, newTestPassword, "192.0.2.1"); !errors.Is(err, ErrResetLinkInvalid) {
				t.Errorf("token %q: %v", bad, err)
			}
		}
	})
}

func TestPasswordResetExpiresAndIsReplaced(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		s, clock, _ := signInTestService(t, db)
		u := createTestUser(t, s, "casey@boone.example.gov")

		first, _, _ := s.RequestPasswordReset(ctx, u.Email, "192.0.2.1")
		// A second request moments later sends nothing and keeps the first.
		if again, _, err := s.RequestPasswordReset(ctx, u.Email, "192.0.2.1"); again != "" || err != nil {
			t.Errorf("second request within a minute made a link: %q, %v", again, err)
		}
		clock.advance(2 * time.Minute)
		second, _, _ := s.RequestPasswordReset(ctx, u.Email, "192.0.2.1")
		if second == "" || second == first {
			t.Fatalf("second link %q", second)
		}
		if _, err := s.CheckPasswordReset(ctx, first); !errors.Is(err, ErrResetLinkInvalid) {
			t.Errorf("an earlier link still works after a newer one: %v", err)
		}
		clock.advance(ResetLinkValidity)
		if err := s.ResetPassword(ctx, second, newTestPassword, "192.0.2.1"); !errors.Is(err, ErrResetLinkInvalid) {
			t.Errorf("an expired link worked: %v", err)
		}
		if _, err := s.Authenticate(ctx, u.Email, "Quiet-Harbor-Lantern-9", "192.0.2.1"); err != nil {
			t.Errorf("the old password stopped working: %v", err)
		}
	})
}

func TestChangePassword(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		s, _, _ := signInTestService(t, db)
		u := createTestUser(t, s, "casey@boone.example.gov")
		keep, _ := s.StartSession(ctx, u, true, "192.0.2.1", "here")
		other, _ := s.StartSession(ctx, u, true, "192.0.2.2", "elsewhere")
		keepSess, _, _ := s.LookupSession(ctx, keep)
		by := audit.Actor{UserID: u.ID, Label: "user", IP: "192.0.2.1"}

		if err := s.ChangePassword(ctx, by, u.ID, "wrong-current-password", newTestPassword, keepSess.ID); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("wrong current password: %v", err)
		}
		if err := s.ChangePassword(ctx, by, u.ID, "Quiet-Harbor-Lantern-9", "short", keepSess.ID); !errors.Is(err, ErrWeakPassword) {
			t.Errorf("weak new password: %v", err)
		}
		if err := s.ChangePassword(ctx, by, u.ID, "Quiet-Harbor-Lantern-9", newTestPassword, keepSess.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.LookupSession(ctx, keep); err != nil {
			t.Errorf("the session that changed the password ended: %v", err)
		}
		if _, _, err := s.LookupSession(ctx, other); !errors.Is(err, ErrNoSession) {
			t.Errorf("another session survived: %v", err)
		}
	})
}
