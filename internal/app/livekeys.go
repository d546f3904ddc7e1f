package app

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"time"

	"bulwark/internal/platform/secrets"
)

// liveKeys is the keyring a long-running server encrypts and decrypts with.
// When an operator runs "bulwark keys rotate" beside it, the key file gains
// a key and values move to it; liveKeys notices the file changed and reads
// it again, so that the server neither fails on the moved values nor keeps
// sealing new ones with the old key.
type liveKeys struct {
	path string // empty when the keys come from the environment

	mu      sync.RWMutex
	keys    *secrets.Keyring
	modTime time.Time
	size    int64
}

func newLiveKeys(dataDir, envValue string, k *secrets.Keyring) *liveKeys {
	l := &liveKeys{keys: k}
	if envValue == "" && dataDir != "" {
		l.path = filepath.Join(dataDir, secrets.KeyFileName)
		if fi, err := os.Stat(l.path); err == nil {
			l.modTime, l.size = fi.ModTime(), fi.Size()
		}
	}
	return l
}

// current returns the keyring, reading the file again if it changed.
func (l *liveKeys) current() *secrets.Keyring {
	l.mu.RLock()
	k, path, mt, size := l.keys, l.path, l.modTime, l.size
	l.mu.RUnlock()
	if path == "" {
		return k
	}
	fi, err := os.Stat(path)
	if err != nil || (fi.ModTime().Equal(mt) && fi.Size() == size) {
		return k
	}
	fresh, err := secrets.LoadKeyring(filepath.Dir(path), "")
	if err != nil {
		return k // a half-written or damaged file: keep what works
	}
	l.mu.Lock()
	l.keys, l.modTime, l.size = fresh, fi.ModTime(), fi.Size()
	l.mu.Unlock()
	return fresh
}

func (l *liveKeys) Encrypt(plaintext, associatedData []byte) (string, error) {
	return l.current().Encrypt(plaintext, associatedData)
}

func (l *liveKeys) Decrypt(value string, associatedData []byte) ([]byte, error) {
	b, err := l.current().Decrypt(value, associatedData)
	if errors.Is(err, secrets.ErrUnknownKey) && l.path != "" {
		// The file may have changed within the clock's resolution.
		l.mu.Lock()
		l.modTime = time.Time{}
		l.mu.Unlock()
		return l.current().Decrypt(value, associatedData)
	}
	return b, err
}
