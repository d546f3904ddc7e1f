package secrets

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadKeyringCreatesKeyFile(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data", "nested")
	first, err := LoadKeyring(dataDir, "")
	if err != nil {
		t.Fatal(err)
	}
	assertMode(t, dataDir, 0o700)
	path := filepath.Join(dataDir, KeyFileName)
	assertMode(t, path, 0o600)
	if n := len(first.KeyIDs()); n != 1 {
		t.Fatalf("new key file holds %d keys, want 1", n)
	}
	value, err := first.Encrypt([]byte("pw"), nil)
	if err != nil {
		t.Fatal(err)
	}

	// A second start must find the same key, not make another.
	second, err := LoadKeyring(dataDir, "")
	if err != nil {
		t.Fatal(err)
	}
	if second.PrimaryKeyID() != first.PrimaryKeyID() {
		t.Errorf("reloaded primary = %s, want %s", second.PrimaryKeyID(), first.PrimaryKeyID())
	}
	if got, err := second.Decrypt(value, nil); err != nil || string(got) != "pw" {
		t.Errorf("reloaded keyring Decrypt = %q, %v", got, err)
	}
	temps, err := filepath.Glob(filepath.Join(dataDir, "."+KeyFileName+"-*"))
	if err != nil || len(temps) != 0 {
		t.Errorf("temporary files left behind: %v %v", temps, err)
	}
}

func TestLoadKeyringEnvOverridesFile(t *testing.T) {
	dataDir := t.TempDir()
	writeKeyFile(t, dataDir, testKeyLine("file", 1))
	fromFile, err := LoadKeyring(dataDir, "")
	if err != nil {
		t.Fatal(err)
	}
	fileValue, err := fromFile.Encrypt([]byte("pw"), nil)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		env     string
		wantIDs string
	}{
		{"one key", testKeyLine("env1", 3), "env1"},
		{"newline separated", testKeyLine("env1", 3) + testKeyLine("env2", 4), "env1,env2"},
		{"comma separated", strings.TrimSpace(testKeyLine("env1", 3)) + "," + strings.TrimSpace(testKeyLine("env2", 4)), "env1,env2"},
		{"padded base64 and comment", "# rotated in May\n" + strings.TrimSpace(testKeyLine("env1", 3)) + "=", "env1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := LoadKeyring(dataDir, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(r.KeyIDs(), ","); got != tt.wantIDs {
				t.Errorf("KeyIDs = %s, want %s", got, tt.wantIDs)
			}
			if _, err := r.Decrypt(fileValue, nil); !errors.Is(err, ErrUnknownKey) {
				t.Errorf("value sealed with the file key: Decrypt error = %v, want ErrUnknownKey", err)
			}
		})
	}
}

func TestLoadKeyringEnvDoesNotTouchDataDir(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "unused")
	if _, err := LoadKeyring(dataDir, testKeyLine("env1", 3)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dataDir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("data folder stat = %v, want it not created", err)
	}
}

func TestLoadKeyringRefusesMalformed(t *testing.T) {
	good := testKeyLine("k1", 1)
	tests := []struct {
		name    string
		file    string
		env     string
		wantErr string
	}{
		{"one field", "# keys\n" + good + "k2\n", "", "line 3: want"},
		{"three fields", good + good[:len(good)-1] + " extra\n", "", "line 2: want"},
		{"not base64url", "\n\nk2 ab+/cd==\n", "", "line 3: key is not base64url"},
		{"short key", "k2 AAAA\n", "", "line 1: key \"k2\" is 3 bytes"},
		{"duplicate id", good + good, "", "line 2: key id \"k1\" appears twice"},
		{"bad id", strings.Replace(good, "k1", "k:1", 1), "", "line 1: key id \"k:1\" may hold only"},
		{"only comments", "# nothing here\n\n", "", "no keys"},
		{"env entry", "", good + "k2 AAAA", EnvVar + " entry 2: key \"k2\" is 3 bytes"},
		{"env only comment", "", "# nothing", EnvVar + ": no keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dataDir := t.TempDir()
			if tt.file != "" {
				writeKeyFile(t, dataDir, tt.file)
			}
			_, err := LoadKeyring(dataDir, tt.env)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("LoadKeyring error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestLoadKeyringNeedsASource(t *testing.T) {
	if _, err := LoadKeyring("", ""); err == nil {
		t.Fatal("LoadKeyring with no data folder and no env value succeeded")
	}
}

func TestRotate(t *testing.T) {
	dataDir := t.TempDir()
	writeKeyFile(t, dataDir, "# keep this comment\n"+testKeyLine("k1", 1))
	r, err := LoadKeyring(dataDir, "")
	if err != nil {
		t.Fatal(err)
	}
	ad := []byte("imap_accounts.password:3")
	oldValue, err := r.Encrypt([]byte("pw"), ad)
	if err != nil {
		t.Fatal(err)
	}

	newID, err := r.Rotate(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	if newID == "k1" || r.PrimaryKeyID() != newID {
		t.Fatalf("Rotate = %s, primary now %s; want a new primary", newID, r.PrimaryKeyID())
	}
	path := filepath.Join(dataDir, KeyFileName)
	assertMode(t, path, 0o600)
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(content), "# keep this comment\n"+testKeyLine("k1", 1)) {
		t.Errorf("rotated file lost its earlier content:\n%s", content)
	}

	// What a restart sees.
	reloaded, err := LoadKeyring(dataDir, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(reloaded.KeyIDs(), ","), "k1,"+newID; got != want {
		t.Errorf("reloaded KeyIDs = %s, want %s", got, want)
	}
	for name, ring := range map[string]*Keyring{"in memory": r, "reloaded": reloaded} {
		if got, err := ring.Decrypt(oldValue, ad); err != nil || string(got) != "pw" {
			t.Errorf("%s: old value Decrypt = %q, %v", name, got, err)
		}
		moved, changed, err := ring.Reencrypt(oldValue, ad)
		if err != nil || !changed || !strings.HasPrefix(moved, "v1:"+newID+":") {
			t.Errorf("%s: Reencrypt = %q, %v, %v; want a value under %s", name, moved, changed, err, newID)
		}
	}

	third, err := r.Rotate(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(r.KeyIDs(), ","), "k1,"+newID+","+third; got != want {
		t.Errorf("after second rotation KeyIDs = %s, want %s", got, want)
	}
}

func TestRotateWritesMissingFile(t *testing.T) {
	r, err := NewKeyring()
	if err != nil {
		t.Fatal(err)
	}
	first := r.PrimaryKeyID()
	dataDir := filepath.Join(t.TempDir(), "data")
	newID, err := r.Rotate(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	reloaded, err := LoadKeyring(dataDir, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(reloaded.KeyIDs(), ","), first+","+newID; got != want {
		t.Errorf("KeyIDs on disk = %s, want %s", got, want)
	}
}

func TestRotateRefuses(t *testing.T) {
	tests := []struct {
		name    string
		load    func(t *testing.T, dataDir string) *Keyring
		wantErr string
	}{
		{
			name: "keys from environment",
			load: func(t *testing.T, dataDir string) *Keyring {
				r, err := LoadKeyring(dataDir, testKeyLine("env1", 3))
				if err != nil {
					t.Fatal(err)
				}
				return r
			},
			wantErr: EnvVar,
		},
		{
			name: "file lost a key in use",
			load: func(t *testing.T, dataDir string) *Keyring {
				writeKeyFile(t, dataDir, testKeyLine("k1", 1))
				r, err := LoadKeyring(dataDir, "")
				if err != nil {
					t.Fatal(err)
				}
				writeKeyFile(t, dataDir, testKeyLine("k2", 2))
				return r
			},
			wantErr: `no longer holds key "k1"`,
		},
		{
			name: "file holds a different key under the same id",
			load: func(t *testing.T, dataDir string) *Keyring {
				writeKeyFile(t, dataDir, testKeyLine("k1", 1))
				r, err := LoadKeyring(dataDir, "")
				if err != nil {
					t.Fatal(err)
				}
				writeKeyFile(t, dataDir, testKeyLine("k1", 9))
				return r
			},
			wantErr: `no longer holds key "k1"`,
		},
		{
			name: "file became malformed",
			load: func(t *testing.T, dataDir string) *Keyring {
				writeKeyFile(t, dataDir, testKeyLine("k1", 1))
				r, err := LoadKeyring(dataDir, "")
				if err != nil {
					t.Fatal(err)
				}
				writeKeyFile(t, dataDir, testKeyLine("k1", 1)+"garbage\n")
				return r
			},
			wantErr: "line 2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dataDir := t.TempDir()
			r := tt.load(t, dataDir)
			before := r.PrimaryKeyID()
			_, err := r.Rotate(dataDir)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Rotate error = %v, want one containing %q", err, tt.wantErr)
			}
			if r.PrimaryKeyID() != before {
				t.Errorf("failed Rotate changed the primary key to %s", r.PrimaryKeyID())
			}
		})
	}
}

func TestExportParsesBack(t *testing.T) {
	r := twoKeyRing(t)
	value, err := r.Encrypt([]byte("pw"), []byte("ad"))
	if err != nil {
		t.Fatal(err)
	}
	restored, err := ParseKeyring(r.Export())
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(restored.KeyIDs(), ","); got != "old,new" {
		t.Errorf("restored KeyIDs = %s, want old,new", got)
	}
	if got, err := restored.Decrypt(value, []byte("ad")); err != nil || string(got) != "pw" {
		t.Errorf("restored Decrypt = %q, %v", got, err)
	}
	if want := testKeyLine("old", 1) + testKeyLine("new", 2); !strings.HasSuffix(string(r.Export()), want) {
		t.Errorf("Export =\n%s\nwant it to end with\n%s", r.Export(), want)
	}
}

func TestPermissionWarning(t *testing.T) {
	tests := []struct {
		mode fs.FileMode
		warn bool
	}{
		{0o600, false},
		{0o400, false},
		{0o640, true},
		{0o604, true},
		{0o644, true},
	}
	for _, tt := range tests {
		if got := permissionWarning(tt.mode) != ""; got != tt.warn {
			t.Errorf("permissionWarning(%v) warns = %v, want %v", tt.mode, got, tt.warn)
		}
	}
}

func writeKeyFile(t *testing.T, dataDir, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dataDir, KeyFileName), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func assertMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != want {
		t.Errorf("%s mode = %v, want %v", path, got, want)
	}
}
