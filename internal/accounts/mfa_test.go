package accounts

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/database/dbtest"
	"bulwark/internal/platform/secrets"
)

// testClock is a settable clock for the service.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// signInTestService is a Service over db with a fixed clock, starting in the
// middle of a TOTP step so that tests can move a step at a time.
func signInTestService(t *testing.T, db *database.DB) (*Service, *testClock, *audit.Log) {
	t.Helper()
	keys, err := secrets.NewKeyring()
	if err != nil {
		t.Fatal(err)
	}
	log, err := audit.Open(db, t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	clock := &testClock{t: time.Date(2026, 11, 3, 14, 0, 15, 0, time.UTC)}
	s := NewService(db, log, keys, Policy{LockoutAttempts: 5, LockoutDuration: 15 * time.Minute})
	s.now = clock.now
	return s, clock, log
}

func createTestUser(t *testing.T, s *Service, email string) User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), audit.System, NewUser{Email: email, Name: "Casey Clerk", Role: RoleOrganisationMember, Password: "Quiet-Harbor-Lantern-9"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// enrolTestUser sets up TOTP for u and returns the secret and recovery codes.
func enrolTestUser(t *testing.T, s *Service, u User) (string, []string) {
	t.Helper()
	ctx := context.Background()
	secret, url, err := s.BeginTOTP(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(url, "otpauth://totp/Bulwark:") || !strings.Contains(url, "secret="+secret) || !strings.Contains(url, "issuer=Bulwark") {
		t.Fatalf("otpauth URL %q", url)
	}
	codes, err := s.ConfirmTOTP(ctx, audit.System, u.ID, codeAt(t, secret, s.now()))
	if err != nil {
		t.Fatal(err)
	}
	return secret, codes
}

func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEnrolTOTP(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		s, clock, log := signInTestService(t, db)
		u := createTestUser(t, s, "casey@boone.example.gov")

		secret, _, err := s.BeginTOTP(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		// The pending secret is kept encrypted, never in clear.
		var raw string
		if err := db.QueryRowContext(ctx, `SELECT mfa_secret FROM users WHERE id = $1`, u.ID).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if raw == "" || strings.Contains(raw, secret) || strings.Contains(strings.ToUpper(raw), secret) {
			t.Fatalf("mfa_secret column holds %q, which shows the secret %q", raw, secret)
		}
		again, url, err := s.PendingTOTP(ctx, u.ID)
		if err != nil || again != secret || !strings.Contains(url, "secret="+secret) {
			t.Fatalf("PendingTOTP = %q, %q, %v; want the secret of BeginTOTP", again, url, err)
		}

		if _, err := s.ConfirmTOTP(ctx, audit.System, u.ID, wrongCode(t, secret, clock.now())); !errors.Is(err, ErrBadCode) {
			t.Fatalf("a wrong code confirmed set-up: %v", err)
		}
		if u, _ := s.User(ctx, u.ID); u.MFAEnabled {
			t.Fatal("MFA on after a wrong code")
		}
		codes, err := s.ConfirmTOTP(ctx, audit.System, u.ID, codeAt(t, secret, clock.now()))
		if err != nil {
			t.Fatal(err)
		}
		if len(codes) != RecoveryCodeCount {
			t.Fatalf("%d recovery codes, want %d", len(codes), RecoveryCodeCount)
		}
		seen := map[string]bool{}
		for _, c := range codes {
			if len(c) != 19 || seen[c] {
				t.Errorf("recovery code %q is malformed or repeated", c)
			}
			seen[c] = true
		}
		var stored int
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND code_hash NOT IN ($2, $3)`, u.ID, codes[0], normaliseRecoveryCode(codes[0])).Scan(&stored)
		if stored != RecoveryCodeCount {
			t.Errorf("%d recovery codes stored hashed, want %d", stored, RecoveryCodeCount)
		}
		if u, _ := s.User(ctx, u.ID); !u.MFAEnabled {
			t.Fatal("MFA not on after the right code")
		}
		if _, _, err := s.BeginTOTP(ctx, u.ID); !errors.Is(err, ErrMFAEnabled) {
			t.Errorf("BeginTOTP with MFA on: %v, want ErrMFAEnabled (the secret must not be replaced)", err)
		}
		// The code that confirmed set-up cannot sign in.
		if err := s.VerifyTOTP(ctx, u.ID, codeAt(t, secret, clock.now()), "192.0.2.1"); !errors.Is(err, ErrCodeUsed) {
			t.Errorf("the set-up code signed in: %v", err)
		}
		entries, _ := log.List(ctx, audit.Filter{Action: "user.mfa.enrol", ObjectID: itoa(u.ID)})
		if len(entries) != 1 {
			t.Errorf("%d user.mfa.enrol audit entries, want 1", len(entries))
		}
	})
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// wrongCode is a six-digit code that no step near at accepts.
func wrongCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	for _, c := range []string{"000000", "999999", "123456"} {
		if c != codeAt(t, secret, at) && c != codeAt(t, secret, at.Add(-30*time.Second)) && c != codeAt(t, secret, at.Add(30*time.Second)) {
			return c
		}
	}
	t.Fatal("no wrong code found")
	return ""
}

func TestVerifyTOTP(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		s, clock, _ := signInTestService(t, db)
		u := createTestUser(t, s, "casey@boone.example.gov")
		secret, _ := enrolTestUser(t, s, u)

		clock.advance(30 * time.Second)
		code := codeAt(t, secret, clock.now())
		if err := s.VerifyTOTP(ctx, u.ID, code, "192.0.2.1"); err != nil {
			t.Fatalf("the current code was refused: %v", err)
		}
		if err := s.VerifyTOTP(ctx, u.ID, code, "192.0.2.1"); !errors.Is(err, ErrCodeUsed) {
			t.Fatalf("the same code passed twice: %v", err)
		}
		// Still refused in the next step, where it is within the skew window.
		clock.advance(30 * time.Second)
		if err := s.VerifyTOTP(ctx, u.ID, code, "192.0.2.1"); !errors.Is(err, ErrCodeUsed) {
			t.Fatalf("a used code passed a step later: %v", err)
		}

		// One step of skew either way is accepted; two is not.
		clock.advance(5 * time.Minute)
		if err := s.VerifyTOTP(ctx, u.ID, codeAt(t, secret, clock.now().Add(-30*time.Second)), "192.0.2.1"); err != nil {
			t.Errorf("a code one step behind was refused: %v", err)
		}
		clock.advance(5 * time.Minute)
		if err := s.VerifyTOTP(ctx, u.ID, codeAt(t, secret, clock.now().Add(30*time.Second)), "192.0.2.1"); err != nil {
			t.Errorf("a code one step ahead was refused: %v", err)
		}
		clock.advance(5 * time.Minute)
		for _, off := range []time.Duration{-90 * time.Second, 90 * time.Second} {
			c := codeAt(t, secret, clock.now().Add(off))
			if c == codeAt(t, secret, clock.now()) {
				continue
			}
			if err := s.VerifyTOTP(ctx, u.ID, c, "192.0.2.1"); !errors.Is(err, ErrBadCode) {
				t.Errorf("a code %v away was accepted or odd: %v", off, err)
			}
		}
		for _, junk := range []string{"", "12345", "1234567", "abcdef"} {
			if err := s.VerifyTOTP(ctx, u.ID, junk, "192.0.2.1"); err == nil {
				t.Errorf("code %q accepted", junk)
			}
		}
	})
}

// Two requests racing with one code: only one may pass.
func TestVerifyTOTPConcurrentUse(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		s, clock, _ := signInTestService(t, db)
		u := createTestUser(t, s, "casey@boone.example.gov")
		secret, _ := enrolTestUser(t, s, u)
		clock.advance(30 * time.Second)
		code := codeAt(t, secret, clock.now())
		const n = 6
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() { errs <- s.VerifyTOTP(ctx, u.ID, code, "192.0.2.1") })
		}
		wg.Wait()
		close(errs)
		passed := 0
		for err := range errs {
			switch {
			case err == nil:
				passed++
			case errors.Is(err, ErrCodeUsed), errors.Is(err, ErrLocked):
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if passed != 1 {
			t.Errorf("%d of %d concurrent uses of one code passed, want exactly 1", passed, n)
		}
	})
}

// The step a code belongs to is claimed with a compare-and-set: a request
// that read the user before another used the code cannot use it too.
func TestClaimStepIsCompareAndSet(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		s, clock, _ := signInTestService(t, db)
		u := createTestUser(t, s, "casey@boone.example.gov")
		enrolTestUser(t, s, u)
		step := totpStep(clock.now()) + 1
		for _, tc := range []struct {
			step int64
			want bool
		}{{step, true}, {step, false}, {step - 1, false}, {step + 1, true}, {step + 1, false}} {
			got, err := s.claimStep(ctx, u.ID, tc.step)
			if err != nil || got != tc.want {
				t.Errorf("claimStep(%d) = %v, %v; want %v", tc.step-step, got, err, tc.want)
			}
		}
	})
}

func TestWrongCodesLockTheAccount(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		s, clock, _ := signInTestService(t, db)
		u := createTestUser(t, s, "casey@boone.example.gov")
		secret, _ := enrolTestUser(t, s, u)
		clock.advance(30 * time.Second)
		wrong := wrongCode(t, secret, clock.now())
		// A right password between wrong codes does not reset their count.
		for i := range 4 {
			if err := s.VerifyTOTP(ctx, u.ID, wrong, "192.0.2.1"); !errors.Is(err, ErrBadCode) {
				t.Fatalf("wrong code %d: %v", i+1, err)
			}
			if _, err := s.Authenticate(ctx, u.Email, "Quiet-Harbor-Lantern-9", "192.0.2.1"); err != nil {
				t.Fatalf("password after wrong code %d: %v", i+1, err)
			}
		}
		if err := s.VerifyTOTP(ctx, u.ID, wrong, "192.0.2.1"); !errors.Is(err, ErrLocked) {
			t.Fatalf("fifth wrong code: %v, want ErrLocked", err)
		}
		if err := s.VerifyTOTP(ctx, u.ID, codeAt(t, secret, clock.now()), "192.0.2.1"); !errors.Is(err, ErrLocked) {
			t.Fatalf("right code while locked: %v, want ErrLocked", err)
		}
		if _, err := s.UseRecoveryCode(ctx, u.ID, "aaaa-aaaa-aaaa-aaaa", "192.0.2.1"); !errors.Is(err, ErrLocked) {
			t.Fatalf("recovery code while locked: %v, want ErrLocked", err)
		}
		clock.advance(16 * time.Minute)
		if err := s.VerifyTOTP(ctx, u.ID, codeAt(t, secret, clock.now()), "192.0.2.1"); err != nil {
			t.Fatalf("right code after the lock ran out: %v", err)
		}
	})
}

func TestRecoveryCodes(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		s, _, log := signInTestService(t, db)
		u := createTestUser(t, s, "casey@boone.example.gov")
		_, codes := enrolTestUser(t, s, u)

		// Typed in capitals and without dashes it still works, once.
		typed := strings.ToUpper(strings.ReplaceAll(codes[3], "-", " "))
		left, err := s.UseRecoveryCode(ctx, u.ID, typed, "192.0.2.1")
		if err != nil {
			t.Fatalf("recovery code refused: %v", err)
		}
		if left != RecoveryCodeCount-1 {
			t.Errorf("%d codes left, want %d", left, RecoveryCodeCount-1)
		}
		if _, err := s.UseRecoveryCode(ctx, u.ID, codes[3], "192.0.2.1"); !errors.Is(err, ErrBadCode) {
			t.Errorf("a used recovery code passed again: %v", err)
		}
		other := createTestUser(t, s, "dana@boone.example.gov")
		enrolTestUser(t, s, other)
		if _, err := s.UseRecoveryCode(ctx, other.ID, codes[4], "192.0.2.1"); !errors.Is(err, ErrBadCode) {
			t.Errorf("one user's recovery code worked for another: %v", err)
		}

		fresh, err := s.RegenerateRecoveryCodes(ctx, audit.Actor{UserID: u.ID, Label: "user"}, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.UseRecoveryCode(ctx, u.ID, codes[5], "192.0.2.1"); !errors.Is(err, ErrBadCode) {
			t.Errorf("an old code worked after regenerating: %v", err)
		}
		if _, err := s.UseRecoveryCode(ctx, u.ID, fresh[0], "192.0.2.1"); err != nil {
			t.Errorf("a new code was refused: %v", err)
		}
		if n, _ := s.RecoveryCodesLeft(ctx, u.ID); n != RecoveryCodeCount-1 {
			t.Errorf("RecoveryCodesLeft = %d, want %d", n, RecoveryCodeCount-1)
		}
		for _, action := range []string{"user.mfa.recovery_code_used", "user.mfa.recovery_codes"} {
			if e, _ := log.List(ctx, audit.Filter{Action: action, ObjectID: itoa(u.ID)}); len(e) == 0 {
				t.Errorf("no %s audit entry", action)
			}
		}
	})
}

func TestMarkSessionMFAVerifiedRotatesTheSession(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		s, _, _ := signInTestService(t, db)
		u := createTestUser(t, s, "casey@boone.example.gov")
		enrolTestUser(t, s, u)
		u, _ = s.User(ctx, u.ID)
		before, err := s.StartSession(ctx, u, false, "192.0.2.1", "test")
		if err != nil {
			t.Fatal(err)
		}
		sess, _, err := s.LookupSession(ctx, before)
		if err != nil || sess.MFAVerified {
			t.Fatalf("new session: %+v, %v", sess, err)
		}
		after, err := s.MarkSessionMFAVerified(ctx, sess.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.LookupSession(ctx, before); !errors.Is(err, ErrNoSession) {
			t.Errorf("the cookie from before the second factor still works: %v", err)
		}
		sess, _, err = s.LookupSession(ctx, after)
		if err != nil || !sess.MFAVerified {
			t.Errorf("the new cookie: %+v, %v; want a verified session", sess, err)
		}
		if _, err := s.MarkSessionMFAVerified(ctx, "no such session"); !errors.Is(err, ErrNoSession) {
			t.Errorf("unknown session: %v", err)
		}
	})
}

func TestResetMFA(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		s, _, log := signInTestService(t, db)
		u := createTestUser(t, s, "casey@boone.example.gov")
		_, codes := enrolTestUser(t, s, u)
		u, _ = s.User(ctx, u.ID)
		cookie, _ := s.StartSession(ctx, u, true, "192.0.2.1", "test")
		admin := audit.Actor{UserID: 77, Label: "user:77", IP: "198.51.100.7"}

		if err := s.ResetMFA(ctx, admin, u.ID); err != nil {
			t.Fatal(err)
		}
		got, _ := s.User(ctx, u.ID)
		if got.MFAEnabled || got.mfaSecret != "" {
			t.Errorf("after reset: enabled %v, secret %q", got.MFAEnabled, got.mfaSecret)
		}
		if _, _, err := s.LookupSession(ctx, cookie); !errors.Is(err, ErrNoSession) {
			t.Errorf("the user's session survived the reset: %v", err)
		}
		if n, _ := s.RecoveryCodesLeft(ctx, u.ID); n != 0 {
			t.Errorf("%d recovery codes left after reset", n)
		}
		if _, err := s.UseRecoveryCode(ctx, u.ID, codes[0], "192.0.2.1"); !errors.Is(err, ErrMFANotEnabled) {
			t.Errorf("recovery code after reset: %v", err)
		}
		entries, _ := log.List(ctx, audit.Filter{Action: "user.mfa.reset", ObjectID: itoa(u.ID)})
		if len(entries) != 1 {
			t.Fatalf("%d user.mfa.reset entries, want 1", len(entries))
		}
		if e := entries[0]; e.ActorUserID != 77 || e.IP != "198.51.100.7" {
			t.Errorf("audit entry names actor %d from %q, want the administrator", e.ActorUserID, e.IP)
		}
		// Set-up can start again.
		if _, _, err := s.BeginTOTP(ctx, u.ID); err != nil {
			t.Errorf("BeginTOTP after reset: %v", err)
		}
		if err := s.ResetMFA(ctx, admin, 999999); !errors.Is(err, database.ErrNotFound) {
			t.Errorf("reset of an unknown user: %v", err)
		}
	})
}
