package ui

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"bulwark/internal/platform/httpx"
)

type adminMailRow struct {
	ID      string
	To      string
	Subject string
	Sent    time.Time
}

type adminMailData struct {
	Outbox   bool   // the outbox is in use; else mail goes to the server
	Server   string // the configured server, when known
	Messages []adminMailRow
}

// adminMailPage lists the system mail kept by the outbox (demo mode, or no
// mail server), newest first.
func (u *UI) adminMailPage(w http.ResponseWriter, r *http.Request) error {
	d := adminMailData{Outbox: u.Outbox != nil, Server: u.Config.SMTPHost}
	if u.Outbox != nil {
		for _, c := range u.Outbox.List() {
			d.Messages = append(d.Messages, adminMailRow{ID: c.ID, To: strings.Join(c.Message.To, ", "), Subject: c.Message.Subject, Sent: c.Sent})
		}
	}
	return u.render(w, r, 200, "mail", Page{Title: "Mail outbox", Active: "/admin/mail", Data: d})
}

type adminMailMessageData struct {
	ID      string
	To      string
	Subject string
	Sent    time.Time
	Headers []adminSetting
	Text    string
	HTML    string // the HTML body's source, shown escaped and never rendered
}

// adminMailMessagePage shows one kept message. Its HTML body is shown as
// source text: mail is not rendered inside the app.
func (u *UI) adminMailMessagePage(w http.ResponseWriter, r *http.Request) error {
	if u.Outbox == nil {
		return httpx.Errorf(http.StatusNotFound, "System mail goes to the mail server, so Bulwark keeps no copy of it.")
	}
	c, ok := u.Outbox.Get(r.PathValue("id"))
	if !ok {
		return httpx.Errorf(http.StatusNotFound, "That message is no longer in the outbox: it keeps only the most recent messages.")
	}
	d := adminMailMessageData{ID: c.ID, To: strings.Join(c.Message.To, ", "), Subject: c.Message.Subject, Sent: c.Sent,
		Text: c.Message.Text, HTML: c.Message.HTML}
	names := make([]string, 0, len(c.Message.Headers))
	for name := range c.Message.Headers {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		d.Headers = append(d.Headers, adminSetting{Label: name, Value: c.Message.Headers[name]})
	}
	title := c.Message.Subject
	if title == "" {
		title = "Message without a subject"
	}
	return u.render(w, r, 200, "mail_message", Page{Title: title, Active: "/admin/mail", Data: d})
}
