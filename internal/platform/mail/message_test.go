package mail

import (
	"errors"
	"strings"
	"testing"
)

func TestMessageValidate(t *testing.T) {
	valid := func() Message {
		return Message{
			To:      []string{"clerk@county.example.gov"},
			Subject: "Training due",
			Text:    "Please finish the module.",
			Headers: map[string]string{"X-Bulwark-Notice": "reminder"},
		}
	}
	tests := []struct {
		name    string
		edit    func(*Message)
		wantErr string // "" for valid
	}{
		{"valid", func(m *Message) {}, ""},
		{"html only", func(m *Message) { m.Text, m.HTML = "", "<p>hi</p>" }, ""},
		{"display name", func(m *Message) { m.To = []string{`"Clerk, Ada" <ada@county.example.gov>`} }, ""},
		{"empty subject", func(m *Message) { m.Subject = "" }, ""},
		{"no recipients", func(m *Message) { m.To = nil }, "no recipients"},
		{"bad recipient", func(m *Message) { m.To = []string{"ok@example.org", "not-an-address"} }, `recipient "not-an-address"`},
		{"recipient with line break", func(m *Message) { m.To = []string{"a@example.org\r\nBcc: x@evil.example"} }, "recipient"},
		{"no body", func(m *Message) { m.Text = "" }, "no body"},
		{"subject with line break", func(m *Message) { m.Subject = "hi\r\nBcc: x@evil.example" }, "subject contains a line break"},
		{"header value with line break", func(m *Message) { m.Headers["X-Note"] = "a\nBcc: x@evil.example" }, `header "X-Note" contains a line break`},
		{"managed header", func(m *Message) { m.Headers["From"] = "ceo@example.org" }, `header "From" is set by the sender`},
		{"managed header any case", func(m *Message) { m.Headers["content-TYPE"] = "text/html" }, "is set by the sender"},
		{"header name with colon", func(m *Message) { m.Headers["X:Y"] = "v" }, `header name "X:Y"`},
		{"header name with space", func(m *Message) { m.Headers["X Y"] = "v" }, `header name "X Y"`},
		{"empty header name", func(m *Message) { m.Headers[""] = "v" }, `header name ""`},
		{"non-ASCII header name", func(m *Message) { m.Headers["X-Grüße"] = "v" }, "header name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := valid()
			tt.edit(&m)
			err := m.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidMessage) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate = %v, want ErrInvalidMessage containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestMessageClone(t *testing.T) {
	m := Message{To: []string{"a@example.org"}, Headers: map[string]string{"X-A": "1"}}
	c := m.clone()
	m.To[0] = "changed@example.org"
	m.Headers["X-A"] = "changed"
	if c.To[0] != "a@example.org" || c.Headers["X-A"] != "1" {
		t.Errorf("clone shares storage with the original: %+v", c)
	}
	if (Message{}).clone().Headers != nil {
		t.Errorf("clone of nil headers is not nil")
	}
}
