package outbound

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// MaxRedirects is how many redirects HTTPClient follows before giving up.
const MaxRedirects = 5

// Dialer connects only to addresses its Policy permits. Safe for concurrent
// use.
type Dialer struct {
	policy Policy
	net    net.Dialer
}

// NewDialer returns a Dialer enforcing p.
func NewDialer(p Policy) *Dialer {
	d := &Dialer{policy: Policy{Allow: append([]netip.Prefix(nil), p.Allow...)}}
	d.net = net.Dialer{
		Timeout:   30 * time.Second,
		KeepAlive: 30 * time.Second,
		// Control runs after DNS resolution, once per address actually
		// connected to, so a name that resolves to a public address when
		// checked and a private one when used (DNS rebinding) is still caught.
		Control: d.control,
	}
	return d
}

func (d *Dialer) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot parse %q: %w", ErrForbiddenAddress, address, err)
	}
	return d.policy.Check(ap.Addr())
}

// DialContext connects like net.Dialer.DialContext over TCP or UDP, refusing
// addresses the policy does not permit with an error wrapping
// ErrForbiddenAddress.
func (d *Dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6":
	default:
		// Unix sockets and raw IP would bypass the address check.
		return nil, fmt.Errorf("outbound dial %s %s: network %q not allowed", network, addr, network)
	}
	conn, err := d.net.DialContext(ctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("outbound dial %s: %w", addr, err)
	}
	return conn, nil
}

// errTooManyRedirects stops a redirect chain; http.Client wraps it in a
// *url.Error naming the last URL.
var errTooManyRedirects = fmt.Errorf("stopped after %d redirects", MaxRedirects)

// HTTPClient returns a client whose every connection, including those made
// to follow redirects, goes through d. It ignores HTTP_PROXY and friends: a
// proxy would make the connection on our behalf, unchecked. timeout bounds a
// whole request including redirects and reading the body.
func (d *Dialer) HTTPClient(timeout time.Duration) *http.Client {
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          20,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Transport: transport,
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > MaxRedirects {
				return errTooManyRedirects
			}
			return nil
		},
	}
}
