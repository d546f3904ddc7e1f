package secrets

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// twoKeyRing returns a keyring whose primary is "new" and which still holds
// "old", both with fixed key material.
func twoKeyRing(t *testing.T) *Keyring {
	t.Helper()
	r, err := ParseKeyring([]byte(testKeyLine("old", 1) + testKeyLine("new", 2)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func testKeyLine(id string, fill byte) string {
	return id + " " + base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{fill}, KeySize)) + "\n"
}

func TestEncryptDecryptRoundTrip(t *testing.T) {
	r, err := NewKeyring()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		plaintext []byte
		ad        []byte
	}{
		{"empty", []byte{}, nil},
		{"password", []byte("hunter2"), []byte("smtp_profiles.password:42")},
		{"binary", []byte{0, 1, 2, 255, ':', '\n'}, []byte("x")},
		{"long", bytes.Repeat([]byte("secret "), 1000), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			value, err := r.Encrypt(tt.plaintext, tt.ad)
			if err != nil {
				t.Fatal(err)
			}
			if want := "v1:" + r.PrimaryKeyID() + ":"; !strings.HasPrefix(value, want) {
				t.Errorf("value %q does not start with %q", value, want)
			}
			if bytes.Contains([]byte(value), tt.plaintext) && len(tt.plaintext) > 0 {
				t.Errorf("value %q contains the plaintext", value)
			}
			got, err := r.Decrypt(value, tt.ad)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.plaintext) {
				t.Errorf("Decrypt = %q, want %q", got, tt.plaintext)
			}
		})
	}
}

func TestEncryptUsesFreshNonce(t *testing.T) {
	r, err := NewKeyring()
	if err != nil {
		t.Fatal(err)
	}
	a, err := r.Encrypt([]byte("same"), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Encrypt([]byte("same"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Errorf("two encryptions of the same plaintext gave the same value %q", a)
	}
}

func TestDecryptRefuses(t *testing.T) {
	r := twoKeyRing(t)
	ad := []byte("smtp_profiles.password:42")
	value, err := r.Encrypt([]byte("hunter2"), ad)
	if err != nil {
		t.Fatal(err)
	}
	body := strings.TrimPrefix(value, "v1:new:")
	flipped := []byte(body)
	// Change one character in the middle of the ciphertext to another
	// base64url character.
	mid := len(flipped) / 2
	if flipped[mid] == 'A' {
		flipped[mid] = 'B'
	} else {
		flipped[mid] = 'A'
	}

	tests := []struct {
		name  string
		value string
		ad    []byte
		want  error
	}{
		{"ciphertext changed", "v1:new:" + string(flipped), ad, ErrTampered},
		{"truncated", value[:len(value)-4], ad, ErrTampered},
		{"other row", value, []byte("smtp_profiles.password:43"), ErrTampered},
		{"no associated data", value, nil, ErrTampered},
		{"key id swapped to another held key", "v1:old:" + body, ad, ErrTampered},
		{"unknown key id", "v1:gone:" + body, ad, ErrUnknownKey},
		{"other version", "v2:new:" + body, ad, ErrMalformed},
		{"plain text", "hunter2", ad, ErrMalformed},
		{"empty", "", ad, ErrMalformed},
		{"bad key id", "v1:n w:" + body, ad, ErrMalformed},
		{"not base64url", "v1:new:" + body[:10] + "+/" + body[12:], ad, ErrMalformed},
		{"shorter than a nonce", "v1:new:AAAA", ad, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.Decrypt(tt.value, tt.ad)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Decrypt error = %v, want %v", err, tt.want)
			}
			if got != nil {
				t.Errorf("Decrypt returned %q along with an error", got)
			}
		})
	}
}

func TestReencrypt(t *testing.T) {
	oldOnly, err := ParseKeyring([]byte(testKeyLine("old", 1)))
	if err != nil {
		t.Fatal(err)
	}
	r := twoKeyRing(t)
	ad := []byte("oidc_providers.client_secret:7")
	oldValue, err := oldOnly.Encrypt([]byte("s3cret"), ad)
	if err != nil {
		t.Fatal(err)
	}
	newValue, err := r.Encrypt([]byte("s3cret"), ad)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name        string
		value       string
		ad          []byte
		wantChanged bool
		wantErr     error
	}{
		{"old key moves to primary", oldValue, ad, true, nil},
		{"primary stays", newValue, ad, false, nil},
		{"wrong associated data", oldValue, []byte("oidc_providers.client_secret:8"), false, ErrTampered},
		{"unknown key", strings.Replace(oldValue, ":old:", ":gone:", 1), ad, false, ErrUnknownKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, changed, err := r.Reencrypt(tt.value, tt.ad)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Reencrypt error = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if changed != tt.wantChanged {
				t.Errorf("changed = %v, want %v", changed, tt.wantChanged)
			}
			if !strings.HasPrefix(got, "v1:new:") {
				t.Errorf("Reencrypt = %q, want a value sealed with the primary key", got)
			}
			if !changed && got != tt.value {
				t.Errorf("unchanged value rewritten: %q, was %q", got, tt.value)
			}
			plain, err := r.Decrypt(got, tt.ad)
			if err != nil || string(plain) != "s3cret" {
				t.Errorf("Decrypt(Reencrypt) = %q, %v; want s3cret", plain, err)
			}
		})
	}
}

func TestKeyringStringHidesKeyMaterial(t *testing.T) {
	r := twoKeyRing(t)
	secret := base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{2}, KeySize))
	for _, s := range []string{r.String(), r.GoString()} {
		if strings.Contains(s, secret) {
			t.Errorf("%q shows key material", s)
		}
		if !strings.Contains(s, "old,new") {
			t.Errorf("%q does not name the keys", s)
		}
	}
}

func TestKeyIDs(t *testing.T) {
	r := twoKeyRing(t)
	if got := strings.Join(r.KeyIDs(), ","); got != "old,new" {
		t.Errorf("KeyIDs = %s, want old,new", got)
	}
	if got := r.PrimaryKeyID(); got != "new" {
		t.Errorf("PrimaryKeyID = %s, want new", got)
	}
}

func TestZeroKeyringRefusesToEncrypt(t *testing.T) {
	var r Keyring
	if _, err := r.Encrypt([]byte("pw"), nil); !errors.Is(err, errNoKeys) {
		t.Errorf("Encrypt = %v, want errNoKeys", err)
	}
	if _, err := r.Decrypt("v1:k1:AAAA", nil); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Decrypt = %v, want ErrUnknownKey", err)
	}
	if id := r.PrimaryKeyID(); id != "" {
		t.Errorf("PrimaryKeyID = %q, want empty", id)
	}
}
