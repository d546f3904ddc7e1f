package accounts

import (
	"errors"
	"strings"
	"testing"
)

func TestHashAndCheckPassword(t *testing.T) {
	h, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not Argon2id in PHC form", h)
	}
	if !CheckPassword(h, "correct horse battery staple") {
		t.Error("the right password was refused")
	}
	for _, wrong := range []string{"", "correct horse battery stapl", "Correct horse battery staple"} {
		if CheckPassword(h, wrong) {
			t.Errorf("wrong password %q accepted", wrong)
		}
	}
	h2, _ := HashPassword("correct horse battery staple")
	if h == h2 {
		t.Error("two hashes of one password are equal: salt missing")
	}
	for _, bad := range []string{"", "$argon2id$", "$2a$10$abcdefghijklmnopqrstuv", strings.Replace(h, "m=19456", "m=0", 1)} {
		if CheckPassword(bad, "correct horse battery staple") {
			t.Errorf("malformed hash %q matched", bad)
		}
	}
}

func TestPasswordPolicy(t *testing.T) {
	cases := []struct {
		pw, email string
		ok        bool
	}{
		{"short", "", false},
		{"password1234", "", false},
		{"Password1234", "", false},
		{"jane.smith-is-great", "jane.smith@example.org", false},
		{"river-tulip-lantern-42", "jane.smith@example.org", true},
		{strings.Repeat("a", 257), "", false},
	}
	for _, tc := range cases {
		err := PasswordPolicy(tc.pw, tc.email)
		if (err == nil) != tc.ok {
			t.Errorf("%q: err=%v, want ok=%v", tc.pw, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrWeakPassword) {
			t.Errorf("%q: error does not wrap ErrWeakPassword", tc.pw)
		}
	}
}
