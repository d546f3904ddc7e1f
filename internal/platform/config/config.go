// Package config loads Bulwark's one typed configuration: defaults, then an
// optional JSON file, then BULWARK_* environment variables, then flags. Every
// flag --x-y has the variable BULWARK_X_Y and the file key "x-y".
package config

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Off disables a listener when given as its address.
const Off = "off"

// Config is everything a Bulwark process is told at start.
type Config struct {
	ConfigFile string // where the file layer came from, if any

	Data     string // data folder: SQLite database, secret keys, audit chain head
	Database string // postgres://... for PostgreSQL; empty for SQLite in Data

	AppAddr     string // staff, partners, learners, API, TAXII
	SimAddr     string // phishing landing pages and tracking
	PublicAddr  string // trusted-information site
	MetricsAddr string // when set, /metrics is served here instead of on the app listener

	AppURL    string // external base URL of the app listener, for links in mail
	SimURL    string
	PublicURL string

	TLSCert string // serve the app listener over TLS with this certificate and key
	TLSKey  string

	TrustedProxies []netip.Prefix // whose X-Forwarded-For to believe
	OutboundAllow  []netip.Prefix // private ranges server-side requests may reach

	Demo bool

	JobWorkers int // background jobs run at once by this process; 0 runs none here

	LogLevel  string // debug, info, warn, error
	LogFormat string // text or json

	SessionIdle     time.Duration
	SessionAbsolute time.Duration
	LockoutAttempts int
	LockoutDuration time.Duration

	SMTPHost     string // system mail (password resets, reminders); empty: mail is kept in the outbox page only
	SMTPPort     int
	SMTPTLS      string // none, starttls, tls
	SMTPUsername string
	SMTPPassword string
	SMTPFrom     string

	OIDCIssuer       string
	OIDCClientID     string
	OIDCClientSecret string
	OIDCRoleDefault  string // role given to a user created at first SSO sign-in; empty: SSO only for existing users

	SecretKeys string // secret-encryption keys; empty: read from Data/secret.keys
}

// Defaults is the configuration before any file, variable or flag.
func Defaults() Config {
	return Config{
		Data:            "./data",
		AppAddr:         "127.0.0.1:8080",
		SimAddr:         "127.0.0.1:8081",
		PublicAddr:      "127.0.0.1:8082",
		LogLevel:        "info",
		LogFormat:       "text",
		SessionIdle:     30 * time.Minute,
		SessionAbsolute: 12 * time.Hour,
		LockoutAttempts: 5,
		LockoutDuration: 15 * time.Minute,
		SMTPPort:        587,
		JobWorkers:      4,
		SMTPTLS:         "starttls",
	}
}

type field struct {
	name, usage string
	value       func(c *Config) flag.Value
	secret      bool // never from a flag (it would show in the process list)
}

func fields() []field {
	return []field{
		{name: "data", usage: "data folder (SQLite database, secret keys, audit chain head)", value: func(c *Config) flag.Value { return (*stringValue)(&c.Data) }},
		{name: "database", usage: "PostgreSQL URL (postgres://...); empty for SQLite in the data folder", value: func(c *Config) flag.Value { return (*stringValue)(&c.Database) }},
		{name: "app-addr", usage: `address of the app listener, or "off"`, value: func(c *Config) flag.Value { return (*stringValue)(&c.AppAddr) }},
		{name: "sim-addr", usage: `address of the simulation listener, or "off"`, value: func(c *Config) flag.Value { return (*stringValue)(&c.SimAddr) }},
		{name: "public-addr", usage: `address of the public trusted-information site, or "off"`, value: func(c *Config) flag.Value { return (*stringValue)(&c.PublicAddr) }},
		{name: "metrics-addr", usage: "serve /metrics here instead of on the app listener", value: func(c *Config) flag.Value { return (*stringValue)(&c.MetricsAddr) }},
		{name: "app-url", usage: "external URL of the app listener (for links in mail)", value: func(c *Config) flag.Value { return (*stringValue)(&c.AppURL) }},
		{name: "sim-url", usage: "external URL of the simulation listener", value: func(c *Config) flag.Value { return (*stringValue)(&c.SimURL) }},
		{name: "public-url", usage: "external URL of the public site", value: func(c *Config) flag.Value { return (*stringValue)(&c.PublicURL) }},
		{name: "tls-cert", usage: "TLS certificate file for the app listener", value: func(c *Config) flag.Value { return (*stringValue)(&c.TLSCert) }},
		{name: "tls-key", usage: "TLS key file for the app listener", value: func(c *Config) flag.Value { return (*stringValue)(&c.TLSKey) }},
		{name: "trusted-proxies", usage: "comma-separated CIDRs whose X-Forwarded-For is believed", value: func(c *Config) flag.Value { return (*prefixList)(&c.TrustedProxies) }},
		{name: "outbound-allow", usage: "comma-separated private CIDRs that server-side requests may reach", value: func(c *Config) flag.Value { return (*prefixList)(&c.OutboundAllow) }},
		{name: "demo", usage: "fill an empty data folder with a demo state and print the admin's one-time password", value: func(c *Config) flag.Value { return (*boolValue)(&c.Demo) }},
		{name: "job-workers", usage: "background jobs this process runs at once (0: none, for an instance that only serves pages)", value: func(c *Config) flag.Value { return (*intValue)(&c.JobWorkers) }},
		{name: "log-level", usage: "debug, info, warn or error", value: func(c *Config) flag.Value { return (*stringValue)(&c.LogLevel) }},
		{name: "log-format", usage: "text or json", value: func(c *Config) flag.Value { return (*stringValue)(&c.LogFormat) }},
		{name: "session-idle", usage: "sign out after this long without activity", value: func(c *Config) flag.Value { return (*durationValue)(&c.SessionIdle) }},
		{name: "session-absolute", usage: "sign out this long after sign-in, active or not", value: func(c *Config) flag.Value { return (*durationValue)(&c.SessionAbsolute) }},
		{name: "lockout-attempts", usage: "failed sign-ins before an account is locked", value: func(c *Config) flag.Value { return (*intValue)(&c.LockoutAttempts) }},
		{name: "lockout-duration", usage: "how long a locked account stays locked", value: func(c *Config) flag.Value { return (*durationValue)(&c.LockoutDuration) }},
		{name: "smtp-host", usage: "system mail server; empty keeps mail in the outbox page only", value: func(c *Config) flag.Value { return (*stringValue)(&c.SMTPHost) }},
		{name: "smtp-port", usage: "system mail server port", value: func(c *Config) flag.Value { return (*intValue)(&c.SMTPPort) }},
		{name: "smtp-tls", usage: "none, starttls or tls", value: func(c *Config) flag.Value { return (*stringValue)(&c.SMTPTLS) }},
		{name: "smtp-username", usage: "system mail user name", value: func(c *Config) flag.Value { return (*stringValue)(&c.SMTPUsername) }},
		{name: "smtp-password", usage: "system mail password", secret: true, value: func(c *Config) flag.Value { return (*stringValue)(&c.SMTPPassword) }},
		{name: "smtp-from", usage: "From address of system mail", value: func(c *Config) flag.Value { return (*stringValue)(&c.SMTPFrom) }},
		{name: "oidc-issuer", usage: "OpenID Connect issuer URL for single sign-on", value: func(c *Config) flag.Value { return (*stringValue)(&c.OIDCIssuer) }},
		{name: "oidc-client-id", usage: "OpenID Connect client id", value: func(c *Config) flag.Value { return (*stringValue)(&c.OIDCClientID) }},
		{name: "oidc-client-secret", usage: "OpenID Connect client secret", secret: true, value: func(c *Config) flag.Value { return (*stringValue)(&c.OIDCClientSecret) }},
		{name: "oidc-role-default", usage: "role of a user created at first single sign-on; empty admits existing users only", value: func(c *Config) flag.Value { return (*stringValue)(&c.OIDCRoleDefault) }},
		{name: "secret-keys", usage: "secret-encryption keys; empty reads DATA/secret.keys", secret: true, value: func(c *Config) flag.Value { return (*stringValue)(&c.SecretKeys) }},
	}
}

// EnvName is the environment variable of a flag: app-addr → BULWARK_APP_ADDR.
func EnvName(flagName string) string {
	return "BULWARK_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Register adds every configuration flag (and --config) to fs. Flags write
// into a scratch value: Load applies them last, over file and environment.
func Register(fs *flag.FlagSet) {
	var scratch Config
	fs.String("config", "", "JSON configuration file (keys are flag names)")
	for _, f := range fields() {
		if f.secret {
			continue
		}
		fs.Var(f.value(&scratch), f.name, f.usage+" (env "+EnvName(f.name)+")")
	}
}

// Load builds the configuration from defaults, the file named by --config or
// BULWARK_CONFIG, the environment (getenv) and the flags already parsed in fs.
func Load(fs *flag.FlagSet, getenv func(string) string) (Config, error) {
	c := Defaults()
	byName := map[string]field{}
	for _, f := range fields() {
		byName[f.name] = f
	}
	file := getenv("BULWARK_CONFIG")
	if fl := fs.Lookup("config"); fl != nil && fl.Value.String() != "" {
		file = fl.Value.String()
	}
	if file != "" {
		r, err := os.Open(file)
		if err != nil {
			return c, fmt.Errorf("config file: %w", err)
		}
		err = ApplyFile(&c, r)
		r.Close()
		if err != nil {
			return c, fmt.Errorf("config file %s: %w", file, err)
		}
		c.ConfigFile = file
	}
	for _, f := range fields() {
		if v, ok := lookupEnv(getenv, EnvName(f.name)); ok {
			if err := f.value(&c).Set(v); err != nil {
				return c, fmt.Errorf("%s: %w", EnvName(f.name), err)
			}
		}
	}
	var err error
	fs.Visit(func(fl *flag.Flag) {
		f, ok := byName[fl.Name]
		if !ok || err != nil {
			return
		}
		if e := f.value(&c).Set(fl.Value.String()); e != nil {
			err = fmt.Errorf("--%s: %w", fl.Name, e)
		}
	})
	if err != nil {
		return c, err
	}
	return c, c.Validate()
}

func lookupEnv(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	return v, v != ""
}

// ApplyFile reads a JSON object whose keys are flag names and applies it.
// Unknown keys are refused so that a typo does not go unnoticed.
func ApplyFile(c *Config, r io.Reader) error {
	dec := json.NewDecoder(io.LimitReader(r, 1<<20))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		return fmt.Errorf("not a JSON object: %w", err)
	}
	byName := map[string]field{}
	for _, f := range fields() {
		byName[f.name] = f
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f, ok := byName[k]
		if !ok {
			return fmt.Errorf("unknown key %q", k)
		}
		var s string
		switch v := raw[k].(type) {
		case string:
			s = v
		case bool:
			s = strconv.FormatBool(v)
		case json.Number:
			s = v.String()
		case []any:
			parts := make([]string, 0, len(v))
			for _, e := range v {
				str, ok := e.(string)
				if !ok {
					return fmt.Errorf("key %q: list items must be strings", k)
				}
				parts = append(parts, str)
			}
			s = strings.Join(parts, ",")
		case nil:
			continue
		default:
			return fmt.Errorf("key %q: unsupported value", k)
		}
		if err := f.value(c).Set(s); err != nil {
			return fmt.Errorf("key %q: %w", k, err)
		}
	}
	return nil
}

// Validate checks the configuration as a whole.
func (c *Config) Validate() error {
	var errs []error
	if c.Data == "" && c.Database == "" {
		errs = append(errs, errors.New("data: a data folder is required"))
	}
	if c.Database != "" && !strings.HasPrefix(c.Database, "postgres://") && !strings.HasPrefix(c.Database, "postgresql://") && !strings.HasPrefix(c.Database, "sqlite:") {
		errs = append(errs, errors.New("database: want a postgres:// URL or sqlite:PATH"))
	}
	for _, a := range []struct{ name, v string }{{"app-addr", c.AppAddr}, {"sim-addr", c.SimAddr}, {"public-addr", c.PublicAddr}, {"metrics-addr", c.MetricsAddr}} {
		if a.v == "" || a.v == Off {
			continue
		}
		if _, err := netip.ParseAddrPort(a.v); err != nil {
			if !strings.HasPrefix(a.v, "localhost:") && !strings.HasPrefix(a.v, ":") {
				errs = append(errs, fmt.Errorf("%s: %q is not host:port or %q", a.name, a.v, Off))
			}
		}
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("tls-cert and tls-key go together"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log-level: %q is not debug, info, warn or error", c.LogLevel))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("log-format: %q is not text or json", c.LogFormat))
	}
	switch c.SMTPTLS {
	case "none", "starttls", "tls":
	default:
		errs = append(errs, fmt.Errorf("smtp-tls: %q is not none, starttls or tls", c.SMTPTLS))
	}
	if c.SMTPPort <= 0 || c.SMTPPort > 65535 {
		errs = append(errs, fmt.Errorf("smtp-port: %d is out of range", c.SMTPPort))
	}
	if c.SessionIdle <= 0 || c.SessionAbsolute <= 0 || c.SessionIdle > c.SessionAbsolute {
		errs = append(errs, errors.New("session-idle and session-absolute must be positive, idle no longer than absolute"))
	}
	if c.JobWorkers < 0 || c.JobWorkers > 256 {
		errs = append(errs, fmt.Errorf("job-workers: %d is not between 0 and 256", c.JobWorkers))
	}
	if c.LockoutAttempts < 1 {
		errs = append(errs, errors.New("lockout-attempts must be at least 1"))
	}
	if c.OIDCIssuer != "" && c.OIDCClientID == "" {
		errs = append(errs, errors.New("oidc-client-id is required with oidc-issuer"))
	}
	return errors.Join(errs...)
}

// Enabled reports whether a listener address is switched on.
func Enabled(addr string) bool { return addr != "" && addr != Off }

type stringValue string

func (v *stringValue) String() string     { return string(*v) }
func (v *stringValue) Set(s string) error { *v = stringValue(strings.TrimSpace(s)); return nil }

type boolValue bool

func (v *boolValue) String() string { return strconv.FormatBool(bool(*v)) }
func (v *boolValue) Set(s string) error {
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("%q is not true or false", s)
	}
	*v = boolValue(b)
	return nil
}
func (v *boolValue) IsBoolFlag() bool { return true }

type intValue int

func (v *intValue) String() string { return strconv.Itoa(int(*v)) }
func (v *intValue) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("%q is not a whole number", s)
	}
	*v = intValue(n)
	return nil
}

type durationValue time.Duration

func (v *durationValue) String() string { return time.Duration(*v).String() }
func (v *durationValue) Set(s string) error {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("%q is not a duration such as 30m or 12h", s)
	}
	*v = durationValue(d)
	return nil
}

type prefixList []netip.Prefix

func (v *prefixList) String() string {
	parts := make([]string, len(*v))
	for i, p := range *v {
		parts[i] = p.String()
	}
	return strings.Join(parts, ",")
}

func (v *prefixList) Set(s string) error {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			a, err := netip.ParseAddr(part)
			if err != nil {
				return fmt.Errorf("%q is not an address or CIDR range", part)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return fmt.Errorf("%q is not a CIDR range", part)
		}
		out = append(out, p.Masked())
	}
	*v = out
	return nil
}
