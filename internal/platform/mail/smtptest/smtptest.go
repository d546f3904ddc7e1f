// Package smtptest runs a real SMTP server on loopback for tests of
// anything that sends mail (phishing simulations, system mail): it records
// what it receives and can require AUTH PLAIN or LOGIN, speak TLS, or
// refuse messages with a chosen reply.
package smtptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options shape the server.
type Options struct {
	User, Pass string          // when set, MAIL needs AUTH PLAIN with these
	RejectRcpt *smtp.SMTPError // when set, every recipient is refused with it
	RejectData *smtp.SMTPError // when set, every message is refused with it
	// AuthNeedsTLS refuses AUTH on a connection that is not encrypted, as
	// a careful production server does.
	AuthNeedsTLS bool
	// TLS is "" (plain), "starttls" (offers STARTTLS) or "tls" (TLS from
	// the first byte), with a certificate for 127.0.0.1 that RootCAs trusts.
	TLS string
}

// Delivery is one message the server accepted.
type Delivery struct {
	Helo string // the name the client gave in EHLO
	User string // authenticated user
	TLS  bool   // the message came over TLS
	From string // envelope sender
	To   []string
	Data []byte
}

// Server is a running test SMTP server.
type Server struct {
	Port    int
	RootCAs *x509.CertPool // trusts the server's certificate when TLS is on
	opts    Options

	mu        sync.Mutex
	delivered []Delivery
}

// Start starts a server on 127.0.0.1 that stops when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s := &Server{opts: opts}
	server := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{server: s, conn: c}, nil
	}))
	server.Domain = "localhost"
	server.AllowInsecureAuth = !opts.AuthNeedsTLS
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if opts.TLS != "" {
		cert, pool := selfSignedCert(t)
		s.RootCAs = pool
		cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
		if opts.TLS == "tls" {
			l = tls.NewListener(l, cfg)
		} else {
			server.TLSConfig = cfg
		}
	}
	s.Port = l.Addr().(*net.TCPAddr).Port
	done := make(chan struct{})
	go func() {
		defer close(done)
		server.Serve(l)
	}()
	t.Cleanup(func() {
		server.Close()
		l.Close()
		<-done
	})
	return s
}

// Deliveries lists what the server accepted so far.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.delivered...)
}

type session struct {
	server *Server
	conn   *smtp.Conn
	user   string
	d      Delivery
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain, sasl.Login} }

func (s *session) check(username, password string) error {
	if username != s.server.opts.User || password != s.server.opts.Pass {
		return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "credentials rejected by test server"}
	}
	s.user = username
	return nil
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	if mech == sasl.Login {
		return &loginServer{check: s.check}, nil
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		return s.check(username, password)
	}), nil
}

// loginServer is the server side of AUTH LOGIN, which go-sasl lacks.
type loginServer struct {
	check    func(username, password string) error
	step     int
	username string
}

func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step = 1
		if response == nil {
			return []byte("Username:"), false, nil
		}
		fallthrough
	case 1:
		l.username, l.step = string(response), 2
		return []byte("Password:"), false, nil
	default:
		return nil, true, l.check(l.username, string(response))
	}
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.server.opts.User != "" && s.user == "" {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.d = Delivery{Helo: s.conn.Hostname(), User: s.user, From: from, TLS: isTLS}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.server.opts.RejectRcpt != nil {
		return s.server.opts.RejectRcpt
	}
	s.d.To = append(s.d.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.server.opts.RejectData != nil {
		return s.server.opts.RejectData
	}
	s.d.Data = data
	s.server.mu.Lock()
	s.server.delivered = append(s.server.delivered, s.d)
	s.server.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.d = Delivery{} }
func (s *session) Logout() error { return nil }

// selfSignedCert makes a certificate for 127.0.0.1 and a pool trusting it.
func selfSignedCert(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "test smtp"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
