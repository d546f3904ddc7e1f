// Package httpx holds the HTTP plumbing every listener shares: errors that
// carry a status and a message safe to show, RFC 9457 problem documents,
// the client's address behind trusted proxies, and security headers.
package httpx

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Error is an error with an HTTP status and a message for the user.
type Error struct {
	Status int
	Title  string // short, e.g. "Not found"
	Detail string // a sentence the user can act on
	Err    error  // the cause, for logs only
	Fields map[string]string
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%d %s: %v", e.Status, e.Detail, e.Err)
	}
	return fmt.Sprintf("%d %s", e.Status, e.Detail)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf makes an Error with a formatted detail.
func Errorf(status int, format string, args ...any) *Error {
	return &Error{Status: status, Title: http.StatusText(status), Detail: fmt.Sprintf(format, args...)}
}

// Classifier maps domain errors to HTTP errors; listeners register the
// domain's sentinels at start so this package imports no domain.
type Classifier func(err error) *Error

// AsHTTP turns any error into an *Error, using classify for domain errors
// and 500 for the rest.
func AsHTTP(err error, classify Classifier) *Error {
	var he *Error
	if errors.As(err, &he) {
		if he.Title == "" {
			he.Title = http.StatusText(he.Status)
		}
		return he
	}
	if classify != nil {
		if he := classify(err); he != nil {
			return he
		}
	}
	return &Error{Status: http.StatusInternalServerError, Title: "Something went wrong", Detail: "The server could not finish this request. It has been logged; try again, and tell an administrator if it keeps happening.", Err: err}
}

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type     string            `json:"type"`
	Title    string            `json:"title"`
	Status   int               `json:"status"`
	Detail   string            `json:"detail,omitempty"`
	Instance string            `json:"instance,omitempty"`
	Errors   map[string]string `json:"errors,omitempty"`
}

// WriteProblem writes e as application/problem+json.
func WriteProblem(w http.ResponseWriter, r *http.Request, e *Error) {
	p := Problem{Type: "about:blank", Title: e.Title, Status: e.Status, Detail: e.Detail, Instance: r.URL.Path, Errors: e.Fields}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(e.Status)
	json.NewEncoder(w).Encode(p)
}

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

// LogError logs server-side failures (5xx) with the request.
func LogError(log *slog.Logger, r *http.Request, e *Error) {
	if e.Status >= 500 {
		log.Error("request failed", "method", r.Method, "path", r.URL.Path, "status", e.Status, "err", e.Err)
	}
}

// ClientIP is the address of whoever sent the request: the connection's
// peer, or, when that peer is a trusted proxy, the last address in
// X-Forwarded-For that is not itself a trusted proxy.
func ClientIP(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	peer = peer.Unmap()
	if !isTrusted(peer, trusted) {
		return peer.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		a = a.Unmap()
		if !isTrusted(a, trusted) {
			return a.String()
		}
		peer = a
	}
	return peer.String()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// SecurityHeaders sets the headers every response of the app and public
// listeners carries: a strict content security policy (no inline script or
// style, nothing from other origins), no framing, no sniffing, no referrer
// leaks. frameAncestors is "'none'" except where a page is meant to be framed.
func SecurityHeaders(next http.Handler, tls bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if tls {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// StatusRecorder remembers the status a handler wrote, for logs and metrics.
type StatusRecorder struct {
	http.ResponseWriter
	Status int
}

func (s *StatusRecorder) WriteHeader(code int) {
	if s.Status == 0 {
		s.Status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *StatusRecorder) Write(b []byte) (int, error) {
	if s.Status == 0 {
		s.Status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *StatusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
