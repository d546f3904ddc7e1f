package config

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func load(t *testing.T, args []string, env map[string]string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	Register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return Load(fs, func(k string) string { return env[k] })
}

func TestLayersApplyInOrder(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bulwark.json")
	os.WriteFile(file, []byte(`{"app-addr": "127.0.0.1:9000", "sim-addr": "127.0.0.1:9001", "public-addr": "off", "session-idle": "10m", "trusted-proxies": ["10.0.0.0/8"]}`), 0o600)

	c, err := load(t, []string{"--config", file, "--sim-addr", "127.0.0.1:7001"}, map[string]string{
		"BULWARK_APP_ADDR": "127.0.0.1:9100",
		"BULWARK_SIM_ADDR": "127.0.0.1:9101",
		"BULWARK_DATA":     "/var/lib/bulwark",
	})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, got, want string }{
		{"file beats default", c.PublicAddr, "off"},
		{"env beats file", c.AppAddr, "127.0.0.1:9100"},
		{"flag beats env", c.SimAddr, "127.0.0.1:7001"},
		{"env beats default", c.Data, "/var/lib/bulwark"},
		{"default kept", c.LogLevel, "info"},
		{"list from file", c.TrustedProxies[0].String(), "10.0.0.0/8"},
	}
	for _, tc := range cases {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	if c.SessionIdle != 10*time.Minute {
		t.Errorf("session idle from file: %v", c.SessionIdle)
	}
	if Enabled(c.PublicAddr) {
		t.Error("public listener should be off")
	}
}

func TestEveryFlagHasItsVariable(t *testing.T) {
	for _, f := range fields() {
		want := "BULWARK_" + strings.ToUpper(strings.ReplaceAll(f.name, "-", "_"))
		if EnvName(f.name) != want {
			t.Errorf("%s: env %s", f.name, EnvName(f.name))
		}
		env := map[string]string{}
		// Each variable must reach its field: set it to a value that the
		// field accepts and see the configuration change.
		c0 := Defaults()
		before := f.value(&c0).String()
		val := sampleValue(f.name)
		env[want] = val
		c, _ := load(t, nil, env)
		if got := f.value(&c).String(); got == before && val != before {
			t.Errorf("%s did not change %s (still %q)", want, f.name, got)
		}
	}
}

func sampleValue(name string) string {
	switch name {
	case "demo":
		return "true"
	case "smtp-port", "lockout-attempts", "job-workers":
		if name == "job-workers" {
			return "9"
		}
		return "2525"
	case "session-idle", "session-absolute", "lockout-duration":
		return "13h"
	case "trusted-proxies", "outbound-allow":
		return "192.0.2.0/24"
	case "log-level":
		return "debug"
	case "log-format":
		return "json"
	case "smtp-tls":
		return "tls"
	}
	return "127.0.0.1:1"
}

func TestSecretsAreNotFlags(t *testing.T) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	Register(fs)
	for _, name := range []string{"smtp-password", "oidc-client-secret", "secret-keys"} {
		if fs.Lookup(name) != nil {
			t.Errorf("--%s would show the secret in the process list", name)
		}
	}
}

func TestBadValuesAreNamed(t *testing.T) {
	cases := []struct {
		env  map[string]string
		file string
		want string
	}{
		{env: map[string]string{"BULWARK_APP_ADDR": "nonsense"}, want: "app-addr"},
		{env: map[string]string{"BULWARK_SESSION_IDLE": "soon"}, want: "BULWARK_SESSION_IDLE"},
		{env: map[string]string{"BULWARK_TRUSTED_PROXIES": "10.0.0.0/99"}, want: "BULWARK_TRUSTED_PROXIES"},
		{env: map[string]string{"BULWARK_LOG_LEVEL": "loud"}, want: "log-level"},
		{env: map[string]string{"BULWARK_DATABASE": "mysql://x"}, want: "database"},
		{file: `{"app-adr": "x"}`, want: `unknown key "app-adr"`},
		{file: `{"smtp-port": "many"}`, want: `smtp-port`},
		{file: `[1,2]`, want: `not a JSON object`},
	}
	for _, tc := range cases {
		env := tc.env
		if env == nil {
			env = map[string]string{}
		}
		if tc.file != "" {
			p := filepath.Join(t.TempDir(), "c.json")
			os.WriteFile(p, []byte(tc.file), 0o600)
			env["BULWARK_CONFIG"] = p
		}
		_, err := load(t, nil, env)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %s: error %v, want it to mention %q", tc.env, tc.file, err, tc.want)
		}
	}
}

func FuzzApplyFile(f *testing.F) {
	f.Add(`{"app-addr": "127.0.0.1:1", "demo": true, "smtp-port": 25}`)
	f.Add(`{"trusted-proxies": ["10.0.0.0/8", "::1"]}`)
	f.Add(`{}`)
	f.Fuzz(func(t *testing.T, s string) {
		c := Defaults()
		if err := ApplyFile(&c, strings.NewReader(s)); err != nil {
			return
		}
		// Whatever a file sets, validation decides without panicking.
		_ = c.Validate()
	})
}
