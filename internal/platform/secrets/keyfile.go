package secrets

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// KeyFileName is the key file inside the data folder.
const KeyFileName = "secret.keys"

// EnvVar names the environment variable LoadKeyring's caller reads; it takes
// precedence over the key file so containers can inject keys from a vault.
const EnvVar = "BULWARK_SECRET_KEYS"

const fileHeader = `# Bulwark secret keys: "<key id> <base64url key>" per line, oldest first.
# The last key encrypts new secrets; older ones still decrypt. Back this file up
# apart from the database: without it the stored passwords cannot be read.
`

// LoadKeyring returns the keys in envValue (the content of BULWARK_SECRET_KEYS)
// when it is not blank, otherwise those in <dataDir>/secret.keys, creating the
// folder (0700) and a file holding one fresh key (0600) when they are missing.
// In envValue, entries may be separated by newlines or commas.
func LoadKeyring(dataDir, envValue string) (*Keyring, error) {
	if strings.TrimSpace(envValue) != "" {
		entries := strings.FieldsFunc(envValue, func(r rune) bool { return r == '\n' || r == ',' })
		keys, err := parseEntries(entries, EnvVar, "entry")
		if err != nil {
			return nil, err
		}
		return &Keyring{keys: keys, fromEnv: true}, nil
	}
	if dataDir == "" {
		return nil, fmt.Errorf("load secret keys: no data folder and %s is empty", EnvVar)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("load secret keys: create data folder: %w", err)
	}
	path := filepath.Join(dataDir, KeyFileName)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		data, err = createKeyFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("load secret keys: %w", err)
	}
	if info, err := os.Stat(path); err == nil {
		if msg := permissionWarning(info.Mode()); msg != "" {
			slog.Warn(msg, "path", path, "mode", info.Mode().Perm().String())
		}
	}
	keys, err := parseKeyFile(data, path)
	if err != nil {
		return nil, err
	}
	return &Keyring{keys: keys}, nil
}

// permissionWarning explains why a key file readable by other accounts is a
// risk. It only warns: some deployments share the file with a backup group on
// purpose.
func permissionWarning(mode fs.FileMode) string {
	if mode.Perm()&0o077 == 0 {
		return ""
	}
	return "secret key file is readable by other accounts; chmod 600 it"
}

// ParseKeyring reads keys in the key file format, as written by Export; it is
// how a backup's keys are restored.
func ParseKeyring(data []byte) (*Keyring, error) {
	keys, err := parseKeyFile(data, "key file")
	if err != nil {
		return nil, err
	}
	return &Keyring{keys: keys}, nil
}

func parseKeyFile(data []byte, source string) ([]key, error) {
	return parseEntries(strings.Split(string(data), "\n"), source, "line")
}

// parseEntries reads "<id> <base64url key>" entries. Errors name the source
// and the 1-based entry number so the person fixing it finds the line.
func parseEntries(entries []string, source, unit string) ([]key, error) {
	where := func(i int) string { return fmt.Sprintf("%s %s %d", source, unit, i+1) }
	var keys []key
	for i, entry := range entries {
		if before, _, found := strings.Cut(entry, "#"); found {
			entry = before
		}
		fields := strings.Fields(entry)
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 2 {
			return nil, fmt.Errorf("%s: want \"<key id> <base64url key>\", got %d fields", where(i), len(fields))
		}
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(fields[1], "="))
		if err != nil {
			return nil, fmt.Errorf("%s: key is not base64url: %w", where(i), err)
		}
		if hasID(keys, fields[0]) {
			return nil, fmt.Errorf("%s: key id %q appears twice", where(i), fields[0])
		}
		k, err := newKey(fields[0], raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where(i), err)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s: no keys", source)
	}
	return keys, nil
}

// Export returns the keys in the key file format, oldest first. The result is
// key material: write it only where the key file itself could be kept.
func (r *Keyring) Export() []byte {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return exportKeys(r.keys)
}

func exportKeys(keys []key) []byte {
	var b bytes.Buffer
	b.WriteString(fileHeader)
	for _, k := range keys {
		b.WriteString(keyLine(k))
	}
	return b.Bytes()
}

func keyLine(k key) string {
	return k.id + " " + base64.RawURLEncoding.EncodeToString(k.raw) + "\n"
}

// createKeyFile writes a key file with one fresh key. It links the finished
// temporary file into place, which fails if the file already exists, so two
// processes starting together cannot each create a different key.
func createKeyFile(path string) ([]byte, error) {
	k, err := generateKey(nil)
	if err != nil {
		return nil, err
	}
	data := exportKeys([]key{k})
	tmp, err := writeTemp(filepath.Dir(path), data)
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return os.ReadFile(path)
		}
		return nil, fmt.Errorf("create key file: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	return data, nil
}

// Rotate adds a fresh key to <dataDir>/secret.keys and makes it the primary.
// Older keys stay so existing values still decrypt; move them over with
// Reencrypt. The file is replaced atomically, keeping its comments. Rotate
// refuses keyrings loaded from BULWARK_SECRET_KEYS, since the file would be
// ignored on the next start.
func (r *Keyring) Rotate(dataDir string) (newKeyID string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fromEnv {
		return "", fmt.Errorf("rotate secret keys: keys come from %s; add a new last entry there instead", EnvVar)
	}
	if dataDir == "" {
		return "", errors.New("rotate secret keys: no data folder")
	}
	path := filepath.Join(dataDir, KeyFileName)

	current, err := os.ReadFile(path)
	var onDisk []key
	switch {
	case errors.Is(err, fs.ErrNotExist):
		current = exportKeys(r.keys)
		onDisk = r.keys
	case err != nil:
		return "", fmt.Errorf("rotate secret keys: %w", err)
	default:
		if onDisk, err = parseKeyFile(current, path); err != nil {
			return "", fmt.Errorf("rotate secret keys: %w", err)
		}
		// Rewriting a file that lost a key we still use would make the
		// values sealed with it unreadable after the next restart.
		for _, k := range r.keys {
			i := indexOf(onDisk, k.id)
			if i < 0 || !bytes.Equal(onDisk[i].raw, k.raw) {
				return "", fmt.Errorf("rotate secret keys: %s no longer holds key %q in use; restore it first", path, k.id)
			}
		}
	}

	fresh, err := generateKey(onDisk)
	if err != nil {
		return "", fmt.Errorf("rotate secret keys: %w", err)
	}
	next := bytes.Clone(current)
	if len(next) > 0 && next[len(next)-1] != '\n' {
		next = append(next, '\n')
	}
	next = append(next, keyLine(fresh)...)
	if err := replaceFile(path, next); err != nil {
		return "", fmt.Errorf("rotate secret keys: %w", err)
	}
	r.keys = append(append([]key(nil), onDisk...), fresh)
	return fresh.id, nil
}

func indexOf(keys []key, id string) int {
	for i, k := range keys {
		if k.id == id {
			return i
		}
	}
	return -1
}

// replaceFile swaps in new content so a crash leaves the old or the new file,
// never half of one.
func replaceFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create data folder: %w", err)
	}
	tmp, err := writeTemp(filepath.Dir(path), data)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("replace key file: %w", err)
	}
	return syncDir(filepath.Dir(path))
}

// writeTemp writes data to a new 0600 file in dir, synced to disk, and
// returns its path.
func writeTemp(dir string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, "."+KeyFileName+"-*")
	if err != nil {
		return "", fmt.Errorf("write key file: %w", err)
	}
	name := f.Name()
	fail := func(err error) (string, error) {
		f.Close()
		os.Remove(name)
		return "", fmt.Errorf("write key file: %w", err)
	}
	if err := f.Chmod(0o600); err != nil {
		return fail(err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(name)
		return "", fmt.Errorf("write key file: %w", err)
	}
	return name, nil
}

// syncDir makes a rename or link durable across a power cut.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync data folder: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync data folder: %w", err)
	}
	return nil
}
