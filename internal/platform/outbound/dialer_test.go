package outbound

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// testTimeout only keeps a broken test from hanging; no assertion depends on it.
const testTimeout = 10 * time.Second

func allow(prefixes ...string) Policy {
	var p Policy
	for _, s := range prefixes {
		p.Allow = append(p.Allow, netip.MustParsePrefix(s))
	}
	return p
}

// helloServer answers every request with "hello" and counts them.
func helloServer(t *testing.T, hits *atomic.Int32) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, "hello")
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestHTTPClientLoopbackServer(t *testing.T) {
	var hits atomic.Int32
	srv := helloServer(t, &hits)
	port := srv.Listener.Addr().(*net.TCPAddr).Port

	tests := []struct {
		name      string
		policy    Policy
		url       string
		wantErr   bool
		wantInErr string
	}{
		{"refused by default", Policy{}, srv.URL, true, "127.0.0.1 is loopback"},
		{"refused after name resolution", Policy{}, fmt.Sprintf("http://localhost:%d/", port), true, "loopback"},
		{"other private prefix allowed only", allow("10.0.0.0/8"), srv.URL, true, "127.0.0.1 is loopback"},
		{"reached when allow-listed", allow("127.0.0.0/8"), srv.URL, false, ""},
		{"reached when the host is allow-listed", allow("127.0.0.1/32"), srv.URL, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := hits.Load()
			client := NewDialer(tt.policy).HTTPClient(testTimeout)
			resp, err := client.Get(tt.url)
			if tt.wantErr {
				if !errors.Is(err, ErrForbiddenAddress) {
					t.Fatalf("Get = %v, want ErrForbiddenAddress", err)
				}
				if !strings.Contains(err.Error(), tt.wantInErr) {
					t.Errorf("error %q does not contain %q", err, tt.wantInErr)
				}
				if hits.Load() != before {
					t.Errorf("server was reached despite the refusal")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if string(body) != "hello" {
				t.Errorf("body = %q, want hello", body)
			}
		})
	}
}

func TestHTTPClientIgnoresProxyEnvironment(t *testing.T) {
	var proxyHits atomic.Int32
	proxy := helloServer(t, &proxyHits)
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("http_proxy", proxy.URL)

	client := NewDialer(allow("127.0.0.1/32")).HTTPClient(testTimeout)
	// 203.0.113.0/24 is refused, so only a proxy could have answered.
	_, err := client.Get("http://203.0.113.7/")
	if !errors.Is(err, ErrForbiddenAddress) {
		t.Fatalf("Get = %v, want ErrForbiddenAddress", err)
	}
	if proxyHits.Load() != 0 {
		t.Errorf("request went through the proxy from the environment")
	}
}

// listenOtherLoopback opens a listener on a loopback address other than
// 127.0.0.1, so a policy can allow one and refuse the other.
func listenOtherLoopback(t *testing.T) net.Listener {
	t.Helper()
	for _, addr := range []string{"127.0.0.2:0", "[::1]:0"} {
		if l, err := net.Listen("tcp", addr); err == nil {
			return l
		}
	}
	t.Skip("no second loopback address (127.0.0.2 or ::1) to listen on")
	return nil
}

func TestHTTPClientRechecksRedirects(t *testing.T) {
	var targetHits atomic.Int32
	target := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		targetHits.Add(1)
		io.WriteString(w, "internal")
	}))
	target.Listener.Close()
	target.Listener = listenOtherLoopback(t)
	target.Start()
	t.Cleanup(target.Close)
	targetIP := netip.MustParseAddrPort(target.Listener.Addr().String()).Addr()

	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/secret", http.StatusFound)
	}))
	t.Cleanup(redirector.Close)

	tests := []struct {
		name     string
		policy   Policy
		wantBody string
	}{
		{"target refused", allow("127.0.0.1/32"), ""},
		{"target allowed too", allow("127.0.0.1/32", netip.PrefixFrom(targetIP, targetIP.BitLen()).String()), "internal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := targetHits.Load()
			resp, err := NewDialer(tt.policy).HTTPClient(testTimeout).Get(redirector.URL)
			if tt.wantBody == "" {
				if !errors.Is(err, ErrForbiddenAddress) {
					t.Fatalf("Get = %v, want ErrForbiddenAddress", err)
				}
				if !strings.Contains(err.Error(), targetIP.String()) {
					t.Errorf("error %q does not name %s", err, targetIP)
				}
				if targetHits.Load() != before {
					t.Errorf("redirect target was reached")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if string(body) != tt.wantBody {
				t.Errorf("body = %q, want %q", body, tt.wantBody)
			}
		})
	}
}

func TestHTTPClientRedirectLimit(t *testing.T) {
	// /n redirects to /n-1; /0 answers.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		if n == 0 {
			io.WriteString(w, "done")
			return
		}
		http.Redirect(w, r, "/"+strconv.Itoa(n-1), http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	client := NewDialer(allow("127.0.0.1/32")).HTTPClient(testTimeout)

	tests := []struct {
		redirects int
		wantErr   bool
	}{
		{0, false},
		{MaxRedirects, false},
		{MaxRedirects + 1, true},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.redirects), func(t *testing.T) {
			resp, err := client.Get(srv.URL + "/" + strconv.Itoa(tt.redirects))
			if tt.wantErr {
				if !errors.Is(err, errTooManyRedirects) {
					t.Fatalf("Get = %v, want errTooManyRedirects", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("status = %d, want 200", resp.StatusCode)
			}
		})
	}
}

func TestDialContext(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	addr := l.Addr().String()
	port := l.Addr().(*net.TCPAddr).Port

	tests := []struct {
		name    string
		policy  Policy
		network string
		addr    string
		wantErr error // nil means the connection succeeds
	}{
		{"loopback refused", Policy{}, "tcp", addr, ErrForbiddenAddress},
		{"loopback over tcp4 refused", Policy{}, "tcp4", addr, ErrForbiddenAddress},
		{"mapped loopback refused", Policy{}, "tcp", fmt.Sprintf("[::ffff:127.0.0.1]:%d", port), ErrForbiddenAddress},
		{"unspecified refused", Policy{}, "tcp", fmt.Sprintf("0.0.0.0:%d", port), ErrForbiddenAddress},
		{"udp to private refused", Policy{}, "udp", "10.0.0.1:53", ErrForbiddenAddress},
		{"loopback allowed", allow("127.0.0.0/8"), "tcp", addr, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			conn, err := NewDialer(tt.policy).DialContext(ctx, tt.network, tt.addr)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("DialContext = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			conn.Close()
		})
	}
}

func TestDialContextRefusesOtherNetworks(t *testing.T) {
	for _, network := range []string{"unix", "unixgram", "ip4:icmp"} {
		_, err := NewDialer(allow("0.0.0.0/0", "::/0")).DialContext(context.Background(), network, "/tmp/x")
		if err == nil || !strings.Contains(err.Error(), "not allowed") {
			t.Errorf("DialContext(%s) = %v, want a refusal", network, err)
		}
	}
}

func TestNewDialerCopiesPolicy(t *testing.T) {
	p := allow("127.0.0.0/8")
	d := NewDialer(p)
	p.Allow[0] = netip.MustParsePrefix("10.0.0.0/8")
	if err := d.policy.Check(netip.MustParseAddr("127.0.0.1")); err != nil {
		t.Errorf("changing the caller's Policy changed the dialer: %v", err)
	}
}
