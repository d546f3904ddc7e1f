package accounts

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's 19 MiB, 2 passes, 1 lane baseline.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
)

// ErrWeakPassword is wrapped by PasswordPolicy errors.
var ErrWeakPassword = errors.New("password too weak")

// HashPassword returns a PHC-format Argon2id hash of password.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemoryKiB, argonTime, argonThreads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches the PHC hash. An empty or
// malformed hash never matches.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<20 || t > 16 {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked when a sign-in names no account, so that the answer
// takes as long as for a real one.
var dummyHash, _ = HashPassword("not a password anyone has")

// commonPasswords are refused outright; the list is short on purpose: length
// does most of the work.
var commonPasswords = map[string]bool{
	"password1234": true, "password12345": true, "passw0rd1234": true, "123456789012": true,
	"qwertyuiop12": true, "letmein12345": true, "welcome12345": true, "changeme1234": true,
	"electionday2026": true, "missouri1234": true, "administrator": true, "iloveyou1234": true,
}

// PasswordPolicy checks a new password: 12 to 256 characters, not a common
// password, not the user's email address.
func PasswordPolicy(password, email string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < 12:
		return fmt.Errorf("%w: use at least 12 characters (a passphrase of three or four words is easiest)", ErrWeakPassword)
	case n > 256:
		return fmt.Errorf("%w: use at most 256 characters", ErrWeakPassword)
	case commonPasswords[strings.ToLower(password)]:
		return fmt.Errorf("%w: this password is among the most common ones", ErrWeakPassword)
	case email != "" && strings.Contains(strings.ToLower(password), strings.ToLower(strings.Split(email, "@")[0])) && len(strings.Split(email, "@")[0]) >= 4:
		return fmt.Errorf("%w: do not use your email address in your password", ErrWeakPassword)
	}
	return nil
}
