// Package secrets encrypts credentials that Bulwark must store and later use
// again (SMTP, IMAP and OIDC client passwords), with keys that live outside the
// database so that a stolen database or backup alone reveals nothing.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// KeySize is the length of every key in bytes (AES-256).
const KeySize = 32

// version prefixes every encrypted value so the format can change later
// without guessing what an old value is.
const version = "v1"

var (
	// ErrUnknownKey means a value names a key id the keyring does not hold,
	// typically because a key was removed from the key file too early.
	ErrUnknownKey = errors.New("secret encrypted with a key not in the keyring")
	// ErrTampered means a value failed authentication: it was altered, or it
	// is being decrypted with associated data other than it was sealed with.
	ErrTampered = errors.New("secret value tampered with or bound to other data")
	// ErrMalformed means the text is not an encrypted value at all.
	ErrMalformed = errors.New("malformed secret value")
)

// key is one AES-256 key and the id written into values sealed with it.
type key struct {
	id   string
	raw  []byte
	aead cipher.AEAD
}

func newKey(id string, raw []byte) (key, error) {
	if err := checkKeyID(id); err != nil {
		return key{}, err
	}
	if len(raw) != KeySize {
		return key{}, fmt.Errorf("key %q is %d bytes, want %d", id, len(raw), KeySize)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return key{}, fmt.Errorf("key %q: %w", id, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return key{}, fmt.Errorf("key %q: %w", id, err)
	}
	return key{id: id, raw: append([]byte(nil), raw...), aead: aead}, nil
}

// checkKeyID keeps ids to characters that cannot clash with the ':' separator
// of values or the space separator of the key file.
func checkKeyID(id string) error {
	if id == "" || len(id) > 32 {
		return fmt.Errorf("key id %q must be 1 to 32 characters", id)
	}
	for _, r := range id {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_'
		if !ok {
			return fmt.Errorf("key id %q may hold only letters, digits, '-' and '_'", id)
		}
	}
	return nil
}

// Keyring holds the keys secrets are sealed with. The last key is the primary:
// new values use it, older keys only decrypt. Make one with LoadKeyring,
// ParseKeyring or NewKeyring; the zero Keyring holds no keys and refuses to
// encrypt. A Keyring is safe for concurrent use.
type Keyring struct {
	mu   sync.RWMutex
	keys []key // oldest first
	// fromEnv records that the keys came from BULWARK_SECRET_KEYS, where
	// Rotate cannot add one.
	fromEnv bool
}

// NewKeyring returns an in-memory keyring with one fresh key, for tests and
// demo instances that keep nothing between runs.
func NewKeyring() (*Keyring, error) {
	k, err := generateKey(nil)
	if err != nil {
		return nil, err
	}
	return &Keyring{keys: []key{k}}, nil
}

// generateKey makes a random key whose id differs from those in taken.
func generateKey(taken []key) (key, error) {
	raw := make([]byte, KeySize)
	if _, err := rand.Read(raw); err != nil {
		return key{}, fmt.Errorf("generate key: %w", err)
	}
	for {
		idBytes := make([]byte, 4)
		if _, err := rand.Read(idBytes); err != nil {
			return key{}, fmt.Errorf("generate key id: %w", err)
		}
		id := hex.EncodeToString(idBytes)
		if !hasID(taken, id) {
			return newKey(id, raw)
		}
	}
}

func hasID(keys []key, id string) bool {
	for _, k := range keys {
		if k.id == id {
			return true
		}
	}
	return false
}

// PrimaryKeyID names the key new values are encrypted with.
func (r *Keyring) PrimaryKeyID() string {
	k, err := r.primary()
	if err != nil {
		return ""
	}
	return k.id
}

// errNoKeys guards against a zero Keyring rather than a configuration error:
// every constructor refuses to return an empty keyring.
var errNoKeys = errors.New("keyring holds no keys")

func (r *Keyring) primary() (key, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if len(r.keys) == 0 {
		return key{}, errNoKeys
	}
	return r.keys[len(r.keys)-1], nil
}

// KeyIDs lists the ids of all keys, oldest first.
func (r *Keyring) KeyIDs() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	ids := make([]string, len(r.keys))
	for i, k := range r.keys {
		ids[i] = k.id
	}
	return ids
}

// String names the keys but never prints key material, so a keyring that
// slips into a log line leaks nothing.
func (r *Keyring) String() string {
	return fmt.Sprintf("secrets.Keyring{keys: %s}", strings.Join(r.KeyIDs(), ","))
}

// GoString keeps %#v as safe as %v.
func (r *Keyring) GoString() string { return r.String() }

// Encrypt seals plaintext with the primary key. associatedData is not stored
// but must be given again to Decrypt; pass where the value lives (for example
// "smtp_profiles.password:42") so a value copied to another row is refused.
func (r *Keyring) Encrypt(plaintext, associatedData []byte) (string, error) {
	k, err := r.primary()
	if err != nil {
		return "", fmt.Errorf("encrypt secret: %w", err)
	}
	return seal(k, plaintext, associatedData)
}

func seal(k key, plaintext, associatedData []byte) (string, error) {
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(plaintext)+k.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("encrypt secret: nonce: %w", err)
	}
	header := version + ":" + k.id + ":"
	sealed := k.aead.Seal(nonce, nonce, plaintext, additionalData(header, associatedData))
	return header + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// additionalData also authenticates the header, so the version and key id of
// a value cannot be edited without detection.
func additionalData(header string, associatedData []byte) []byte {
	ad := make([]byte, 0, len(header)+len(associatedData))
	ad = append(ad, header...)
	return append(ad, associatedData...)
}

// Decrypt opens a value made by Encrypt with the key it names.
func (r *Keyring) Decrypt(value string, associatedData []byte) ([]byte, error) {
	plaintext, _, err := r.open(value, associatedData)
	return plaintext, err
}

// open returns the plaintext and the id of the key that sealed it.
func (r *Keyring) open(value string, associatedData []byte) ([]byte, string, error) {
	ver, rest, ok := strings.Cut(value, ":")
	if !ok || ver != version {
		return nil, "", fmt.Errorf("decrypt secret: %w: want prefix %q", ErrMalformed, version+":")
	}
	id, body, ok := strings.Cut(rest, ":")
	if !ok || checkKeyID(id) != nil {
		return nil, "", fmt.Errorf("decrypt secret: %w: bad key id", ErrMalformed)
	}
	k, ok := r.lookup(id)
	if !ok {
		return nil, "", fmt.Errorf("decrypt secret: key %q: %w", id, ErrUnknownKey)
	}
	sealed, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return nil, "", fmt.Errorf("decrypt secret: %w: %w", ErrMalformed, err)
	}
	if len(sealed) < k.aead.NonceSize()+k.aead.Overhead() {
		return nil, "", fmt.Errorf("decrypt secret: %w: too short", ErrMalformed)
	}
	nonce, ciphertext := sealed[:k.aead.NonceSize()], sealed[k.aead.NonceSize():]
	header := version + ":" + id + ":"
	plaintext, err := k.aead.Open(nil, nonce, ciphertext, additionalData(header, associatedData))
	if err != nil {
		// GCM gives no detail on purpose; the sentinel is all callers need.
		return nil, "", fmt.Errorf("decrypt secret with key %q: %w", id, ErrTampered)
	}
	return plaintext, id, nil
}

func (r *Keyring) lookup(id string) (key, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, k := range r.keys {
		if k.id == id {
			return k, true
		}
	}
	return key{}, false
}

// Reencrypt moves a value onto the primary key after a rotation. It reports
// changed=false, and returns value as is, when the primary key already sealed
// it. The value is authenticated either way, so a sweep also finds damage.
func (r *Keyring) Reencrypt(value string, associatedData []byte) (string, bool, error) {
	plaintext, id, err := r.open(value, associatedData)
	if err != nil {
		return "", false, err
	}
	primary, err := r.primary()
	if err != nil {
		return "", false, fmt.Errorf("reencrypt secret: %w", err)
	}
	if id == primary.id {
		return value, false, nil
	}
	out, err := seal(primary, plaintext, associatedData)
	if err != nil {
		return "", false, err
	}
	return out, true, nil
}
