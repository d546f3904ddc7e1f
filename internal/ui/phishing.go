package ui

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"bulwark/internal/access"
	"bulwark/internal/accounts"
	"bulwark/internal/phishing"
)

// phFieldLabels name the phishing forms' fields in error summaries.
var phFieldLabels = map[string]string{
	"name": "Name", "host": "SMTP host", "port": "Port", "tls": "Encryption", "auth": "Sign-in method", "username": "User name",
	"password": "Password", "from": "From address", "envelope_sender": "Envelope sender", "headers": "Custom headers",
	"rate_per_minute": "Messages per minute", "connections": "Connections", "to": "Send to",
	"subject": "Subject", "html_body": "HTML body", "text_body": "Text body", "sender_name": "Sender name",
	"sender_address": "Sender address", "difficulty": "Difficulty", "red_flags": "Red flags", "attachments": "Attachments",
	"qr_code": "QR-code lure", "eml": ".eml file", "html": "Page HTML", "redirect": "After submission", "redirect_url": "Redirect address",
}

// phErrorSummary orders a form's errors for the alert at its top.
func phErrorSummary(errs map[string]string, order ...string) []dirErrorItem {
	var out []dirErrorItem
	if m, ok := errs[""]; ok {
		out = append(out, dirErrorItem{Message: m})
	}
	for _, f := range order {
		if m, ok := errs[f]; ok {
			out = append(out, dirErrorItem{Field: f, Label: phFieldLabels[f], Message: m})
		}
	}
	for f, m := range errs {
		if f != "" && !slices.Contains(order, f) {
			out = append(out, dirErrorItem{Message: phFieldLabels[f] + ": " + m})
		}
	}
	return out
}

func phCanWrite(r *http.Request) bool {
	return access.PrincipalFrom(r.Context()).Can(accounts.PermAwarenessWrite)
}

// phPerPage is the length of a list page; the lists are short (a few
// dozen profiles and pages, a few hundred templates).
const phPerPage = 100

type phOverviewData struct {
	Profiles, Templates, LandingPages int
	CanWrite                          bool
	Stop                              phishing.EmergencyStop
}

func (u *UI) phOverview(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var d phOverviewData
	var err error
	if d.Profiles, err = u.Phishing.CountProfiles(ctx); err != nil {
		return err
	}
	if d.Templates, err = u.Phishing.CountTemplates(ctx); err != nil {
		return err
	}
	if d.LandingPages, err = u.Phishing.CountLandingPages(ctx); err != nil {
		return err
	}
	if d.Stop, err = u.Phishing.EmergencyStopState(ctx); err != nil {
		return err
	}
	d.CanWrite = phCanWrite(r)
	return u.render(w, r, 200, "phishing_overview", Page{Title: "Phishing simulation", Active: "/phishing", Data: d})
}

// phFormInt reads a whole number from a form; "" is 0.
func phFormInt(r *http.Request, name string) (int, bool) {
	s := r.PostFormValue(name)
	if s == "" {
		return 0, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

func phNotFound(what string) error { return dirNotFound(what) }

func phPath(kind string, id int64) string { return fmt.Sprintf("/phishing/%s/%d", kind, id) }

// phField is one text input of a form, with its label, hint and error.
type phField struct {
	Name, Label, Hint, Value, Error string
}

// phFields builds a form's text inputs from (name, label, hint, value)
// quadruples and the form's errors.
func phFields(errs map[string]string, specs ...string) map[string]phField {
	m := map[string]phField{}
	for i := 0; i+3 < len(specs); i += 4 {
		m[specs[i]] = phField{Name: specs[i], Label: specs[i+1], Hint: specs[i+2], Value: specs[i+3], Error: errs[specs[i]]}
	}
	return m
}

// phInt shows a number in a form, empty for zero.
func phInt(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}
