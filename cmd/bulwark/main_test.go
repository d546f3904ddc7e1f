package main

// End-to-end tests of the real binary: it is built once, then run as an
// operator runs it, and killed as a power cut or an out-of-memory killer
// would kill it.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/oauth2-proxy/mockoidc"

	"bulwark/internal/platform/database"
	"bulwark/internal/platform/database/dbtest"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bulwark-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "bulwark")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building bulwark:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const password = "e2e-Harbor-Copper-71"

// site is one installation: a data folder, and a PostgreSQL database when
// testing that engine.
type site struct {
	t        *testing.T
	data     string
	database string
	env      []string // BULWARK_* variables for every command
}

func newSite(t *testing.T, d database.Dialect) *site {
	t.Helper()
	s := &site{t: t, data: filepath.Join(t.TempDir(), "data")}
	if d == database.Postgres {
		s.database = dbtest.NewPostgresDatabase(t)
	}
	return s
}

func (s *site) flags() []string {
	f := []string{"--data", s.data}
	if s.database != "" {
		f = append(f, "--database", s.database)
	}
	return f
}

// command runs the binary with the site's flags and a clean environment:
// no BULWARK_* variable of the machine leaks in.
func (s *site) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, binary, append(args, s.flags()...)...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BULWARK_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, s.env...)
	return cmd
}

func (s *site) run(stdin string, args ...string) (code int, stdout, stderr string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := s.command(ctx, args...)
	var out, errOut bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		s.t.Fatalf("bulwark %s: %v", strings.Join(args, " "), err)
	}
	return code, out.String(), errOut.String()
}

func (s *site) mustRun(stdin string, args ...string) string {
	s.t.Helper()
	code, out, errOut := s.run(stdin, args...)
	if code != 0 {
		s.t.Fatalf("bulwark %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// db opens the site's database from the test process.
func (s *site) db() *database.DB {
	s.t.Helper()
	db, err := database.Open(context.Background(), s.data, s.database)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { db.Close() })
	return db
}

func (s *site) createUser(email, role string) {
	s.t.Helper()
	s.mustRun(password+"\n", "users", "create", "--email", email, "--name", "E2E "+role, "--role", role, "--password-stdin")
}

// server is a running "bulwark serve".
type server struct {
	t      *testing.T
	cmd    *exec.Cmd
	addrs  map[string]string // listener → host:port
	stdout *lockedBuffer
	stderr *lockedBuffer
	done   chan struct{}
	err    error
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serve starts serve with the listeners given (name → address or "off";
// unnamed listeners get a free port on 127.0.0.1) and waits until every
// listener that is on has said where it listens.
func (s *site) serve(listeners map[string]string, extraArgs ...string) *server {
	s.t.Helper()
	addr := map[string]string{"app": "127.0.0.1:0", "simulation": "127.0.0.1:0", "public": "127.0.0.1:0"}
	for k, v := range listeners {
		addr[k] = v
	}
	args := append([]string{"serve", "--app-addr", addr["app"], "--sim-addr", addr["simulation"], "--public-addr", addr["public"], "--log-format", "json"}, extraArgs...)
	srv := &server{t: s.t, addrs: map[string]string{}, stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, done: make(chan struct{})}
	srv.cmd = s.command(context.Background(), args...)
	srv.cmd.Stdout = srv.stdout
	pipe, err := srv.cmd.StderrPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := srv.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	listening := make(chan [2]string, 8)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Bytes()
			srv.stderr.Write(append(line, '\n'))
			var ev struct{ Msg, Listener, Addr string }
			if json.Unmarshal(line, &ev) == nil && ev.Msg == "listening" {
				listening <- [2]string{ev.Listener, ev.Addr}
			}
		}
		srv.err = srv.cmd.Wait()
		close(srv.done)
	}()
	s.t.Cleanup(func() {
		if srv.running() {
			srv.cmd.Process.Kill()
			<-srv.done
		}
	})
	want := 0
	for _, a := range addr {
		if a != "off" {
			want++
		}
	}
	deadline := time.After(30 * time.Second)
	for len(srv.addrs) < want {
		select {
		case l := <-listening:
			srv.addrs[l[0]] = l[1]
		case <-srv.done:
			s.t.Fatalf("serve stopped while starting: %v\n%s%s", srv.err, srv.stdout, srv.stderr)
		case <-deadline:
			s.t.Fatalf("serve did not start listening in 30 s:\n%s", srv.stderr)
		}
	}
	return srv
}

func (srv *server) running() bool {
	select {
	case <-srv.done:
		return false
	default:
		return true
	}
}

func (srv *server) url(listener string) string { return "http://" + srv.addrs[listener] }

// stop asks serve to stop as a service manager does and returns its exit code.
func (srv *server) stop() int {
	srv.t.Helper()
	srv.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-srv.done:
	case <-time.After(30 * time.Second):
		srv.cmd.Process.Kill()
		<-srv.done
		srv.t.Fatalf("serve did not stop within 30 s of SIGTERM:\n%s", srv.stderr)
	}
	return exitCode(srv.err)
}

// kill stops serve with SIGKILL: no shutdown code runs.
func (srv *server) kill() {
	srv.cmd.Process.Signal(syscall.SIGKILL)
	<-srv.done
}

func exitCode(err error) int {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// browser is an HTTP client with a cookie jar that does not follow redirects.
func browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, c *http.Client, u string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if c == nil {
		c = browser()
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// postForm posts as a browser on the app's own page would.
func postForm(t *testing.T, c *http.Client, base, path string, form url.Values) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// signIn signs in with a password and returns the client and the response
// that set the session cookie.
func signIn(t *testing.T, base, email string) (*http.Client, *http.Response) {
	t.Helper()
	c := browser()
	resp := postForm(t, c, base, "/login", url.Values{"email": {email}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) == 0 {
		t.Fatalf("sign-in: status %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	return c, resp
}

// signedIn reports whether the client's session is still good: the home
// page does not send it to sign in.
func signedIn(t *testing.T, c *http.Client, base string) bool {
	t.Helper()
	resp, _ := get(t, c, base+"/")
	loc := resp.Header.Get("Location")
	return resp.StatusCode < 400 && !strings.HasPrefix(loc, "/login")
}

// TestOperatorCommands: the commands an operator starts with.
func TestOperatorCommands(t *testing.T) {
	s := newSite(t, database.SQLite)
	if out := s.mustRun("", "version"); !strings.HasPrefix(out, "bulwark ") {
		t.Errorf("version printed %q", out)
	}
	if out := s.mustRun("", "migrate"); !strings.Contains(out, "up to date") {
		t.Errorf("migrate printed %q", out)
	}
	if out := s.mustRun("", "migrate"); !strings.Contains(out, "up to date") {
		t.Errorf("second migrate printed %q", out)
	}
	if code, _, errOut := s.run("", "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command: exit %d %s", code, errOut)
	}

	out := s.mustRun(password+"\n", "users", "create", "--email", "Admin@SOS.example.org", "--name", "Ada Admin", "--role", "admin", "--password-stdin")
	if !strings.Contains(out, "admin@sos.example.org") || strings.Contains(out, password) {
		t.Errorf("users create printed %q", out)
	}
	// A weak password is refused and creates no one.
	code, _, errOut := s.run("short\n", "users", "create", "--email", "weak@sos.example.org", "--name", "Weak", "--role", "analyst", "--password-stdin")
	if code != 1 || !strings.Contains(errOut, "12 characters") {
		t.Errorf("weak password: exit %d %s", code, errOut)
	}
	var n int
	s.db().QueryRow(`SELECT COUNT(*) FROM users WHERE email = 'weak@sos.example.org'`).Scan(&n)
	if n != 0 {
		t.Error("a user with a refused password was created")
	}
	if code, _, _ := s.run("", "users", "create", "--email", "x@sos.example.org"); code != 2 {
		t.Errorf("missing flags: exit %d, want 2", code)
	}

	// tokens create prints the token alone on standard output, so that
	// scripts can capture it; the explanation goes to standard error.
	code, token, errOut := s.run("", "tokens", "create", "--email", "admin@sos.example.org", "--name", "CI")
	if code != 0 || strings.Count(token, "\n") != 1 || strings.ContainsAny(strings.TrimSpace(token), " \t") || len(strings.TrimSpace(token)) < 32 {
		t.Fatalf("tokens create: exit %d, stdout %q", code, token)
	}
	if !strings.Contains(errOut, "not shown again") {
		t.Errorf("tokens create stderr %q", errOut)
	}
	token = strings.TrimSpace(token)
	var stored int
	s.db().QueryRow(`SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1 OR name = $1`, token).Scan(&stored)
	if stored != 0 {
		t.Error("the token is stored as given, not hashed")
	}

	srv := s.serve(map[string]string{"simulation": "off", "public": "off"})
	resp, body := get(t, nil, srv.url("app")+"/api/v1/me", "Authorization", "Bearer "+token)
	if resp.StatusCode != 200 || !strings.Contains(body, "admin@sos.example.org") {
		t.Errorf("the printed token does not work: %d %s", resp.StatusCode, body)
	}
	if code := srv.stop(); code != 0 {
		t.Errorf("serve exit %d after SIGTERM\n%s", code, srv.stderr)
	}
}

// importRow is one generated person; the CSV is the truth every row in
// the database is checked against.
type importRow struct {
	email, first, last, org, dept, title, manager, location, employeeID string
}

func (r importRow) fields() []string {
	return []string{r.email, r.first, r.last, r.org, r.dept, r.title, r.manager, r.location, "America/Chicago", r.employeeID}
}

const importRows = 200_000

// writeImportCSV writes n people: the first 2,000 manage the rest.
func writeImportCSV(t *testing.T, n int) (string, map[string]importRow) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "people.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	buf := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(buf)
	w.Write([]string{"email", "first_name", "last_name", "organisation", "department", "title", "manager_email", "location", "time_zone", "employee_id"})
	rows := make(map[string]importRow, n)
	const managers = 2000
	for i := range n {
		r := importRow{
			email: fmt.Sprintf("person%06d@agency%d.example.org", i, i%5), first: fmt.Sprintf("First%d", i), last: fmt.Sprintf("Last, \"%d\"", i),
			org: fmt.Sprintf("Import Agency %d", i%5), dept: fmt.Sprintf("Department %d", i%37), title: "Specialist",
			location: "Jefferson City", employeeID: fmt.Sprintf("E%07d", i),
		}
		if i >= managers {
			r.manager = fmt.Sprintf("person%06d@agency%d.example.org", i%managers, (i%managers)%5)
			r.title = "Analyst"
		}
		rows[r.email] = r
		w.Write(r.fields())
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	if err := buf.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path, rows
}

// TestKillDuringImport: SIGKILL in the middle of an import leaves only
// whole rows, and the installation starts cleanly afterwards.
func TestKillDuringImport(t *testing.T) {
	csvPath, want := writeImportCSV(t, importRows)
	for _, d := range dbtest.Engines(t) {
		t.Run(string(d), func(t *testing.T) {
			s := newSite(t, d)
			s.mustRun("", "migrate")
			db := s.db()

			cmd := s.command(context.Background(), "import", "people", csvPath)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			var seen int
			deadline := time.Now().Add(60 * time.Second)
		poll:
			for {
				select {
				case err := <-exited:
					t.Fatalf("the import finished (%v) before it could be killed, with %d people in: make the file larger\n%s", err, seen, out.String())
				default:
				}
				db.QueryRow(`SELECT COUNT(*) FROM people`).Scan(&seen)
				switch {
				case seen >= 20_000:
					break poll
				case time.Now().After(deadline):
					cmd.Process.Kill()
					t.Fatalf("only %d people imported after 60 s\n%s", seen, out.String())
				}
				time.Sleep(5 * time.Millisecond)
			}
			cmd.Process.Signal(syscall.SIGKILL)
			if err := <-exited; exitCode(err) != -1 {
				t.Fatalf("the import was not killed (%v): it finished before the signal\n%s", err, out.String())
			}
			db.Close()

			// The installation starts cleanly.
			s.mustRun("", "migrate")
			db = s.db()
			if d == database.SQLite {
				var integrity string
				db.QueryRow(`PRAGMA integrity_check`).Scan(&integrity)
				if integrity != "ok" {
					t.Fatalf("integrity check after the kill: %s", integrity)
				}
			}

			// Every row present is whole: every column as in the file, the
			// manager set wherever the file names one.
			rows, err := db.Query(`SELECT p.email, p.first_name, p.last_name, COALESCE(o.name, ''), p.department, p.title, COALESCE(m.email, ''), p.location, p.time_zone, p.employee_id
				FROM people p LEFT JOIN organisations o ON o.id = p.organisation_id LEFT JOIN people m ON m.id = p.manager_id`)
			if err != nil {
				t.Fatal(err)
			}
			got, managed, bad := 0, 0, 0
			for rows.Next() {
				var f [10]string
				if err := rows.Scan(&f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8], &f[9]); err != nil {
					t.Fatal(err)
				}
				got++
				w, ok := want[f[0]]
				if !ok {
					t.Errorf("person %s is not in the file", f[0])
					continue
				}
				if strings.Join(f[:], "|") != strings.Join(w.fields(), "|") {
					if bad++; bad <= 5 {
						t.Errorf("half-written row:\n got %q\nwant %q", f, w.fields())
					}
				}
				if w.manager != "" {
					managed++
				}
			}
			rows.Close()
			t.Logf("%d of %d people were in when the import was killed; %d of them have a manager", got, importRows, managed)
			if got < 20_000 || got >= importRows {
				t.Errorf("%d people after the kill: want some but not all of %d", got, importRows)
			}
			if managed == 0 {
				t.Error("no managed person was imported before the kill: the check of managers proved nothing")
			}
			if bad > 0 {
				t.Errorf("%d of %d rows differ from the file", bad, got)
			}

			srv := s.serve(map[string]string{"simulation": "off", "public": "off"})
			if resp, body := get(t, nil, srv.url("app")+"/readyz"); resp.StatusCode != 200 {
				t.Errorf("readyz after the kill: %d %s", resp.StatusCode, body)
			}
			if code := srv.stop(); code != 0 {
				t.Errorf("serve exit %d\n%s", code, srv.stderr)
			}
		})
	}
}

// TestKillServe: SIGKILL of serve while people are signed in and a job is
// running; the restart is clean, sessions survive and the job is taken up
// again.
func TestKillServe(t *testing.T) {
	for _, d := range dbtest.Engines(t) {
		t.Run(string(d), func(t *testing.T) {
			s := newSite(t, d)
			s.createUser("analyst@sos.example.org", "analyst")
			srv := s.serve(map[string]string{"simulation": "off", "public": "off"})
			c, _ := signIn(t, srv.url("app"), "analyst@sos.example.org")
			if !signedIn(t, c, srv.url("app")) {
				t.Fatal("not signed in before the kill")
			}

			// A job this serve was running when it died: once its lease
			// has run out, the next start must hand it back to the queue.
			// (No job kind is long enough to be caught running for real,
			// so the row is written as the dying process left it.)
			db := s.db()
			now := database.Now()
			var jobID int64
			err := db.QueryRow(`INSERT INTO jobs (kind, payload, state, run_at, attempts, max_attempts, lease_owner, lease_expires_at, created_at, updated_at)
				VALUES ('e2e.interrupted', '{}', 'running', $1, 1, 5, $2, $3, $1, $1) RETURNING id`,
				now, fmt.Sprintf("e2e-host:%d", srv.cmd.Process.Pid), now.Add(-time.Second)).Scan(&jobID)
			if err != nil {
				t.Fatal(err)
			}

			srv.kill()
			if d == database.SQLite {
				var integrity string
				db.QueryRow(`PRAGMA integrity_check`).Scan(&integrity)
				if integrity != "ok" {
					t.Fatalf("integrity check after the kill: %s", integrity)
				}
			}

			srv = s.serve(map[string]string{"simulation": "off", "public": "off"})
			if resp, body := get(t, nil, srv.url("app")+"/readyz"); resp.StatusCode != 200 {
				t.Errorf("readyz after restart: %d %s", resp.StatusCode, body)
			}
			// Cookies are per host, not per port: the old cookie goes to the
			// new process, and the session, kept in the database, holds.
			if !signedIn(t, c, srv.url("app")) {
				t.Error("the session did not survive the kill")
			}
			var state, owner string
			for start := time.Now(); time.Since(start) < 10*time.Second; time.Sleep(50 * time.Millisecond) {
				db.QueryRow(`SELECT state, lease_owner FROM jobs WHERE id = $1`, jobID).Scan(&state, &owner)
				if state != "running" {
					break
				}
			}
			if state != "queued" || owner != "" {
				t.Errorf("job left by the killed process: state %s, owner %q; want it queued again", state, owner)
			}
			if code := srv.stop(); code != 0 {
				t.Errorf("serve exit %d\n%s", code, srv.stderr)
			}
			// The audit chain survived too (its head file may lag behind
			// the database after a kill; it must never be ahead).
			if out := s.mustRun("", "audit", "verify"); !strings.Contains(out, "intact") {
				t.Errorf("audit verify after the kill:\n%s", out)
			}
		})
	}
}

// TestListenersAndShutdown: each listener can be switched off without the
// others, and SIGTERM stops serve gracefully with status 0.
func TestListenersAndShutdown(t *testing.T) {
	s := newSite(t, database.SQLite)
	s.mustRun("", "migrate")
	check := map[string]string{"app": "/readyz", "simulation": "/healthz", "public": "/"}
	for _, off := range []string{"app", "simulation", "public"} {
		t.Run(off+" off", func(t *testing.T) {
			srv := s.serve(map[string]string{off: "off"})
			if _, ok := srv.addrs[off]; ok {
				t.Errorf("the %s listener is listening although it is off", off)
			}
			for name, path := range check {
				if name == off {
					continue
				}
				if resp, body := get(t, nil, srv.url(name)+path); resp.StatusCode != 200 {
					t.Errorf("%s listener %s: %d %.200s", name, path, resp.StatusCode, body)
				}
			}
			if code := srv.stop(); code != 0 {
				t.Errorf("serve exit %d after SIGTERM\n%s", code, srv.stderr)
			}
			if !strings.Contains(srv.stderr.String(), `"msg":"stopped"`) {
				t.Errorf("serve did not shut down in order:\n%s", srv.stderr)
			}
		})
	}
	code, _, errOut := s.run("", "serve", "--app-addr", "off", "--sim-addr", "off", "--public-addr", "off")
	if code != 1 || !strings.Contains(errOut, "every listener is off") {
		t.Errorf("all listeners off: exit %d %s", code, errOut)
	}
}

// TestListenerIsolation: the simulation listener, under its own host
// name, never receives the app's session cookie and serves neither the API
// nor metrics; neither does the public site. /readyz reports a database
// whose migrations are not current.
func TestListenerIsolation(t *testing.T) {
	s := newSite(t, database.SQLite)
	s.createUser("admin@sos.example.org", "admin")
	srv := s.serve(map[string]string{"simulation": "localhost:0"})
	app := srv.url("app")
	_, simPort, _ := net.SplitHostPort(srv.addrs["simulation"])
	sim := "http://localhost:" + simPort
	public := srv.url("public")
	if !strings.HasPrefix(app, "http://127.0.0.1:") {
		t.Fatalf("app listener at %s, want 127.0.0.1", app)
	}

	c, resp := signIn(t, app, "admin@sos.example.org")
	for _, sc := range resp.Header.Values("Set-Cookie") {
		if strings.Contains(strings.ToLower(sc), "domain=") {
			t.Errorf("cookie is not host-only: %s", sc)
		}
	}
	appURL, _ := url.Parse(app)
	simURL, _ := url.Parse(sim)
	if len(c.Jar.Cookies(appURL)) == 0 {
		t.Fatal("the jar holds no cookie for the app: the check below would prove nothing")
	}
	if got := c.Jar.Cookies(simURL); len(got) != 0 {
		t.Errorf("the app's cookies would be sent to the simulation listener: %v", got)
	}
	// Request the simulation listener with that client all the same.
	if resp, _ := get(t, c, sim+"/"); resp.Request.Header.Get("Cookie") != "" {
		t.Errorf("a cookie was sent to the simulation listener: %s", resp.Request.Header.Get("Cookie"))
	}

	if resp, _ := get(t, nil, app+"/metrics"); resp.StatusCode != 200 {
		t.Errorf("app /metrics: %d", resp.StatusCode)
	}
	if resp, _ := get(t, nil, app+"/api/v1/openapi.json"); resp.StatusCode != 200 {
		t.Errorf("app /api/v1/openapi.json: %d", resp.StatusCode)
	}
	for _, base := range []string{sim, public} {
		for _, path := range []string{"/metrics", "/api/v1/openapi.json", "/api/v1/me", "/api/v1/people", "/admin/audit"} {
			resp, body := get(t, nil, base+path)
			if resp.StatusCode != 404 {
				t.Errorf("%s%s: %d, want 404", base, path, resp.StatusCode)
			}
			if strings.Contains(body, "bulwark_http_requests_total") || strings.Contains(body, "openapi") {
				t.Errorf("%s%s serves app content", base, path)
			}
		}
	}

	if resp, body := get(t, nil, app+"/readyz"); resp.StatusCode != 200 {
		t.Fatalf("readyz: %d %s", resp.StatusCode, body)
	}
	db := s.db()
	if _, err := db.Exec(`DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)`); err != nil {
		t.Fatal(err)
	}
	if resp, body := get(t, nil, app+"/readyz"); resp.StatusCode != 503 || !strings.Contains(body, "migrations") {
		t.Errorf("readyz with a migration missing: %d %s", resp.StatusCode, body)
	}
	if code := srv.stop(); code != 0 {
		t.Errorf("serve exit %d\n%s", code, srv.stderr)
	}
}

// mailServer is a real SMTP server on loopback that requires a password.
type mailServer struct {
	delay    time.Duration // how long each message takes to accept
	port     int
	user     string
	password string
	mu       sync.Mutex
	received [][]byte
}

func startMailServer(t *testing.T, user, password string) *mailServer {
	t.Helper()
	m := &mailServer{user: user, password: password}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &mailSession{server: m}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m.port = ln.Addr().(*net.TCPAddr).Port
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return m
}

func (m *mailServer) messages() [][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([][]byte(nil), m.received...)
}

type mailSession struct {
	server *mailServer
	authed bool
}

func (s *mailSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *mailSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.server.user || pass != s.server.password {
			return errors.New("bad credentials")
		}
		s.authed = true
		return nil
	}), nil
}
func (s *mailSession) Mail(string, *smtp.MailOptions) error {
	if !s.authed {
		return &smtp.SMTPError{Code: 530, Message: "authentication required"}
	}
	return nil
}
func (s *mailSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	time.Sleep(s.server.delay)
	s.server.mu.Lock()
	s.server.received = append(s.server.received, b)
	s.server.mu.Unlock()
	return err
}
func (s *mailSession) Reset()        {}
func (s *mailSession) Logout() error { return nil }

// TestConfiguredPasswordsStayOutOfTheDatabase: the SMTP password and the
// OIDC client secret given in the configuration are used, and never
// written to the database, nor shown on the settings page.
func TestConfiguredPasswordsStayOutOfTheDatabase(t *testing.T) {
	smtpPassword := "smtp-Pw-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	for _, d := range dbtest.Engines(t) {
		t.Run(string(d), func(t *testing.T) {
			mailbox := startMailServer(t, "bulwark", smtpPassword)
			idp, err := mockoidc.Run()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { idp.Shutdown() })

			s := newSite(t, d)
			s.env = []string{
				"BULWARK_SMTP_HOST=127.0.0.1", "BULWARK_SMTP_PORT=" + strconv.Itoa(mailbox.port), "BULWARK_SMTP_TLS=none",
				"BULWARK_SMTP_USERNAME=bulwark", "BULWARK_SMTP_PASSWORD=" + smtpPassword, "BULWARK_SMTP_FROM=bulwark@sos.example.org",
				"BULWARK_OIDC_ISSUER=" + idp.Issuer(), "BULWARK_OIDC_CLIENT_ID=" + idp.ClientID, "BULWARK_OIDC_CLIENT_SECRET=" + idp.ClientSecret,
				"BULWARK_OIDC_ROLE_DEFAULT=analyst", "BULWARK_OUTBOUND_ALLOW=127.0.0.1",
			}
			s.createUser("admin@sos.example.org", "admin")
			srv := s.serve(map[string]string{"simulation": "off", "public": "off"})
			app := srv.url("app")

			// The SMTP password is used: a reset link goes out through the
			// server that requires it.
			postForm(t, browser(), app, "/password/forgot", url.Values{"email": {"admin@sos.example.org"}})
			// System mail leaves through the job queue: give the workers time.
			for deadline := time.Now().Add(15 * time.Second); len(mailbox.messages()) == 0 && time.Now().Before(deadline); {
				time.Sleep(50 * time.Millisecond)
			}
			if len(mailbox.messages()) != 1 {
				t.Errorf("%d messages reached the mail server, want 1\n%s", len(mailbox.messages()), srv.stderr)
			}
			// The client secret is used: single sign-on completes, which
			// needs the code exchange it authenticates.
			sso := browser()
			next := app + "/login/sso"
			var callback *http.Response
			for hop := 0; hop < 6 && callback == nil; hop++ {
				resp, body := get(t, sso, next)
				if resp.Request.URL.Path == "/login/sso/callback" {
					callback = resp
					break
				}
				loc := resp.Header.Get("Location")
				if loc == "" {
					t.Fatalf("single sign-on stopped at %s with %d: %.300s", next, resp.StatusCode, body)
				}
				u, _ := resp.Request.URL.Parse(loc)
				next = u.String()
			}
			if callback == nil || callback.StatusCode != http.StatusSeeOther || strings.HasPrefix(callback.Header.Get("Location"), "/login?") {
				t.Errorf("single sign-on did not sign in: %v\n%s", callback, srv.stderr)
			}
			var ssoUsers int
			s.db().QueryRow(`SELECT COUNT(*) FROM users WHERE oidc_subject IS NOT NULL`).Scan(&ssoUsers)
			if ssoUsers != 1 {
				t.Errorf("single sign-on did not complete (%d users signed in by it)\n%s", ssoUsers, srv.stderr)
			}

			// The settings page tells an administrator that passwords are
			// set, without showing them.
			admin, _ := signIn(t, app, "admin@sos.example.org")
			_, page := get(t, admin, app+"/admin/settings")
			for _, secret := range []string{smtpPassword, idp.ClientSecret} {
				if strings.Contains(page, secret) {
					t.Error("the settings page shows a configured secret")
				}
			}
			if code := srv.stop(); code != 0 {
				t.Errorf("serve exit %d\n%s", code, srv.stderr)
			}

			for _, secret := range []string{smtpPassword, idp.ClientSecret} {
				if where := findInStorage(t, s, secret); len(where) > 0 {
					t.Errorf("a configured secret (%.6s…) is stored in clear in %v", secret, where)
				}
			}
		})
	}
}

// findInStorage lists where needle appears: in the raw bytes of the SQLite
// files, or in any text or binary column of the PostgreSQL database.
func findInStorage(t *testing.T, s *site, needle string) []string {
	t.Helper()
	var where []string
	if s.database == "" {
		files, _ := filepath.Glob(filepath.Join(s.data, "*"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			if bytes.Contains(b, []byte(needle)) {
				where = append(where, filepath.Base(f))
			}
		}
		return where
	}
	db := s.db()
	rows, err := db.Query(`SELECT table_name, column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'bytea', 'jsonb', 'json')`)
	if err != nil {
		t.Fatal(err)
	}
	var cols [][3]string
	for rows.Next() {
		var c [3]string
		rows.Scan(&c[0], &c[1], &c[2])
		cols = append(cols, c)
	}
	rows.Close()
	if len(cols) < 10 {
		t.Fatalf("only %d text columns: the scan is not looking at the schema", len(cols))
	}
	for _, c := range cols {
		expr := fmt.Sprintf(`position($1 in %q::text) > 0`, c[1])
		if c[2] == "bytea" {
			expr = fmt.Sprintf(`position(convert_to($1, 'UTF8') in %q) > 0`, c[1])
		}
		var n int
		if err := db.QueryRow(fmt.Sprintf(`SELECT COUNT(*) FROM %q WHERE %s`, c[0], expr), needle).Scan(&n); err != nil {
			t.Fatalf("scan %s.%s: %v", c[0], c[1], err)
		}
		if n > 0 {
			where = append(where, c[0]+"."+c[1])
		}
	}
	return where
}
