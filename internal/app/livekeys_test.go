package app

import (
	"testing"

	"bulwark/internal/platform/secrets"
)

// A server that started before "keys rotate" opens values sealed with the
// new key and seals new values with it, without a restart.
func TestLiveKeysFollowARotation(t *testing.T) {
	dir := t.TempDir()
	k, err := secrets.LoadKeyring(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	live := newLiveKeys(dir, "", k)
	old, _ := live.Encrypt([]byte("seed"), []byte("ad"))

	// Another process (the keys rotate command) rotates the file.
	other, _ := secrets.LoadKeyring(dir, "")
	newID, err := other.Rotate(dir)
	if err != nil {
		t.Fatal(err)
	}
	moved, err := other.Encrypt([]byte("moved"), []byte("ad"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := live.Decrypt(moved, []byte("ad")); err != nil || string(got) != "moved" {
		t.Fatalf("value sealed with the new key: %q %v", got, err)
	}
	if got, err := live.Decrypt(old, []byte("ad")); err != nil || string(got) != "seed" {
		t.Fatalf("value sealed with the old key: %q %v", got, err)
	}
	fresh, _ := live.Encrypt([]byte("new"), []byte("ad"))
	if want := "v1:" + newID + ":"; len(fresh) < len(want) || fresh[:len(want)] != want {
		t.Fatalf("new values are sealed with %q, want the new key %s", fresh[:12], newID)
	}
}
