// Package mail sends Bulwark's own mail: password resets, notifications and
// reminders. Phishing simulations use their own sending profiles elsewhere;
// this is the system's voice and must stay trustworthy.
package mail

import (
	"context"
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"
)

// Message is one mail to send. The sender address comes from configuration.
type Message struct {
	To      []string
	Subject string
	// Text and HTML are alternative bodies; at least one is required. With
	// both, the mail is multipart/alternative.
	Text string
	HTML string
	// Headers are extra header fields, such as List-Unsubscribe or
	// X-Bulwark-Notice. Fields the sender sets itself are refused.
	Headers map[string]string
}

// Sender delivers messages.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// ErrInvalidMessage is wrapped by every refusal of a malformed Message.
var ErrInvalidMessage = errors.New("invalid mail message")

// managedHeaders are written by the sender; letting callers set them could
// forge the sender or break the MIME structure.
var managedHeaders = map[string]bool{
	"from": true, "sender": true, "to": true, "cc": true, "bcc": true,
	"subject": true, "date": true, "message-id": true, "mime-version": true,
	"content-type": true, "content-transfer-encoding": true, "return-path": true,
}

// Validate reports what is wrong with m, wrapping ErrInvalidMessage. Both
// senders call it, so mail refused in production is refused in demo mode too.
func (m Message) Validate() error {
	if len(m.To) == 0 {
		return fmt.Errorf("%w: no recipients", ErrInvalidMessage)
	}
	for _, to := range m.To {
		if _, err := netmail.ParseAddress(to); err != nil {
			return fmt.Errorf("%w: recipient %q: %w", ErrInvalidMessage, to, err)
		}
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return fmt.Errorf("%w: subject contains a line break", ErrInvalidMessage)
	}
	if m.Text == "" && m.HTML == "" {
		return fmt.Errorf("%w: no body", ErrInvalidMessage)
	}
	for name, value := range m.Headers {
		if !validHeaderName(name) {
			return fmt.Errorf("%w: header name %q", ErrInvalidMessage, name)
		}
		if managedHeaders[strings.ToLower(name)] {
			return fmt.Errorf("%w: header %q is set by the sender", ErrInvalidMessage, name)
		}
		if strings.ContainsAny(value, "\r\n") {
			return fmt.Errorf("%w: header %q contains a line break", ErrInvalidMessage, name)
		}
	}
	return nil
}

// validHeaderName follows RFC 5322: printable ASCII except ':' and space.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c > '~' || c == ':' {
			return false
		}
	}
	return true
}

// clone copies the slices and maps of m, so a stored message cannot change
// behind its holder's back.
func (m Message) clone() Message {
	m.To = append([]string(nil), m.To...)
	if m.Headers != nil {
		h := make(map[string]string, len(m.Headers))
		for k, v := range m.Headers {
			h[k] = v
		}
		m.Headers = h
	}
	return m
}
