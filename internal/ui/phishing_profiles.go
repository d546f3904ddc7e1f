package ui

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"bulwark/internal/access"
	"bulwark/internal/phishing"
	"bulwark/internal/platform/database"
)

type phProfilesData struct {
	Profiles []phishing.SendingProfile
	CanWrite bool
	Pager    dirPager
}

func (u *UI) phProfiles(w http.ResponseWriter, r *http.Request) error {
	after, trail := dirCursor(r)
	list, err := u.Phishing.ListProfiles(r.Context(), after, phPerPage+1)
	if err != nil {
		return err
	}
	more := len(list) > phPerPage
	if more {
		list = list[:phPerPage]
	}
	var last int64
	if len(list) > 0 {
		last = list[len(list)-1].ID
	}
	d := phProfilesData{Profiles: list, CanWrite: phCanWrite(r), Pager: dirMakePager(r, "/phishing/profiles", after, trail, last, more)}
	return u.render(w, r, 200, "phishing_profiles", Page{Title: "Sending profiles", Active: "/phishing", Data: d})
}

func (u *UI) phLoadProfile(r *http.Request) (phishing.SendingProfile, error) {
	id, err := dirPathID(r, "id")
	if err != nil {
		return phishing.SendingProfile{}, err
	}
	p, err := u.Phishing.Profile(r.Context(), id)
	if errors.Is(err, database.ErrNotFound) {
		return p, phNotFound("sending profile")
	}
	return p, err
}

type phProfileData struct {
	Profile   phishing.SendingProfile
	CanWrite  bool
	TestTo    string
	TestError string
	Result    *phishing.TestResult
}

func (u *UI) phProfilePage(w http.ResponseWriter, r *http.Request, status int, d phProfileData) error {
	d.CanWrite = phCanWrite(r)
	return u.render(w, r, status, "phishing_profile", Page{Title: d.Profile.Name, Active: "/phishing", Data: d})
}

func (u *UI) phProfile(w http.ResponseWriter, r *http.Request) error {
	p, err := u.phLoadProfile(r)
	if err != nil {
		return err
	}
	return u.phProfilePage(w, r, 200, phProfileData{Profile: p, TestTo: access.PrincipalFrom(r.Context()).User.Email})
}

// phProfileTest sends a test message and shows the server's answer on the
// profile's page.
func (u *UI) phProfileTest(w http.ResponseWriter, r *http.Request) error {
	p, err := u.phLoadProfile(r)
	if err != nil {
		return err
	}
	to := strings.TrimSpace(r.PostFormValue("to"))
	res, err := u.Phishing.SendTest(r.Context(), u.actor(r), p.ID, to)
	if err != nil {
		errs, err := dirFormErrors(err, "to")
		if err != nil {
			return err
		}
		return u.phProfilePage(w, r, 422, phProfileData{Profile: p, TestTo: to, TestError: errs["to"]})
	}
	return u.phProfilePage(w, r, 200, phProfileData{Profile: p, TestTo: to, Result: &res})
}

// phHeaderRow is a row of the custom headers in the form.
type phHeaderRow struct {
	N           int
	Name, Value string
}

type phProfileFormData struct {
	New      bool
	Profile  phishing.SendingProfile
	Headers  []phHeaderRow
	Errors   map[string]string
	F        map[string]phField
	Summary  []dirErrorItem
	TLSModes []dirOption
	Auths    []dirOption
}

func (u *UI) phProfileForm(w http.ResponseWriter, r *http.Request, status int, p phishing.SendingProfile, errs map[string]string) error {
	d := phProfileFormData{New: p.ID == 0, Profile: p, Errors: errs,
		Summary:  phErrorSummary(errs, "name", "host", "port", "tls", "auth", "username", "password", "from", "envelope_sender", "headers", "rate_per_minute", "connections"),
		TLSModes: []dirOption{{Value: phishing.TLSStartTLS, Label: "STARTTLS (usually port 587)"}, {Value: phishing.TLSImplicit, Label: "TLS from the start (usually port 465)"}, {Value: phishing.TLSNone, Label: "None (a relay on the same network only)"}},
		Auths:    []dirOption{{Value: phishing.AuthNone, Label: "No sign-in"}, {Value: phishing.AuthPlain, Label: "PLAIN"}, {Value: phishing.AuthLogin, Label: "LOGIN"}}}
	d.F = phFields(errs,
		"name", "Name", "", p.Name,
		"host", "SMTP host", "A host name or IP address, without port, e.g. smtp.example.com.", p.Host,
		"port", "Port", "Leave empty for the usual port of the encryption chosen.", phInt(p.Port),
		"username", "User name", "Needed with PLAIN or LOGIN.", p.Username,
		"from", "From address", "As people see it, e.g. IT Service Desk <it-desk@example.com>. A template may replace it.", p.From,
		"envelope_sender", "Envelope sender (optional)", "Where bounces go; the From address when empty.", p.EnvelopeSender,
		"rate_per_minute", "Messages per minute", "0 means no limit.", strconv.Itoa(p.RatePerMinute),
		"connections", "Connections", "How many connections to the server at once, from 1 to 20.", phInt(p.Connections))
	for i, h := range p.Headers {
		d.Headers = append(d.Headers, phHeaderRow{N: i + 1, Name: h.Name, Value: h.Value})
	}
	for n := len(p.Headers) + 1; n <= len(p.Headers)+2; n++ {
		d.Headers = append(d.Headers, phHeaderRow{N: n})
	}
	title := "New sending profile"
	if !d.New {
		title = "Change " + p.Name
	}
	return u.render(w, r, status, "phishing_profile_form", Page{Title: title, Active: "/phishing", Data: d})
}

func (u *UI) phProfileNew(w http.ResponseWriter, r *http.Request) error {
	return u.phProfileForm(w, r, 200, phishing.SendingProfile{TLS: phishing.TLSStartTLS, Auth: phishing.AuthPlain, Connections: 1}, nil)
}

func (u *UI) phProfileEdit(w http.ResponseWriter, r *http.Request) error {
	p, err := u.phLoadProfile(r)
	if err != nil {
		return err
	}
	return u.phProfileForm(w, r, 200, p, nil)
}

// phProfileFromForm reads the profile form. The password is changed only
// when a new one is typed (or "remove" is ticked).
func phProfileFromForm(r *http.Request, id int64) (phishing.ProfileChange, map[string]string) {
	c := phishing.ProfileChange{SendingProfile: phishing.SendingProfile{ID: id, Name: r.PostFormValue("name"), Host: r.PostFormValue("host"),
		TLS: r.PostFormValue("tls"), Auth: r.PostFormValue("auth"), Username: r.PostFormValue("username"), From: r.PostFormValue("from"),
		EnvelopeSender: r.PostFormValue("envelope_sender")}}
	errs := map[string]string{}
	var ok bool
	if c.Port, ok = phFormInt(r, "port"); !ok {
		errs["port"] = "The port is a whole number such as 587."
	}
	if c.RatePerMinute, ok = phFormInt(r, "rate_per_minute"); !ok {
		errs["rate_per_minute"] = "Give a whole number of messages per minute; 0 means no limit."
	}
	if c.Connections, ok = phFormInt(r, "connections"); !ok {
		errs["connections"] = "Give a whole number from 1 to 20."
	}
	c.Password = r.PostFormValue("password")
	c.KeepPassword = c.Password == "" && r.PostFormValue("remove_password") == ""
	for n := 1; n <= 22; n++ {
		name, value := strings.TrimSpace(r.PostFormValue(fmt.Sprintf("header_name_%d", n))), r.PostFormValue(fmt.Sprintf("header_value_%d", n))
		if name == "" && strings.TrimSpace(value) == "" {
			continue
		}
		c.Headers = append(c.Headers, phishing.Header{Name: name, Value: value})
	}
	return c, errs
}

func (u *UI) phProfileCreate(w http.ResponseWriter, r *http.Request) error {
	c, errs := phProfileFromForm(r, 0)
	c.KeepPassword = false
	if len(errs) == 0 {
		p, err := u.Phishing.CreateProfile(r.Context(), u.actor(r), c)
		if err == nil {
			return dirRedirect(w, r, "success", "The sending profile "+p.Name+" was created. Send a test message to check it.", phPath("profiles", p.ID))
		}
		if errs, err = dirFormErrors(err, "name"); err != nil {
			return err
		}
	}
	return u.phProfileForm(w, r, 422, c.SendingProfile, errs)
}

func (u *UI) phProfileUpdate(w http.ResponseWriter, r *http.Request) error {
	old, err := u.phLoadProfile(r)
	if err != nil {
		return err
	}
	c, errs := phProfileFromForm(r, old.ID)
	if len(errs) == 0 {
		p, err := u.Phishing.UpdateProfile(r.Context(), u.actor(r), c)
		if err == nil {
			return dirRedirect(w, r, "success", "The sending profile "+p.Name+" was saved.", phPath("profiles", p.ID))
		}
		if errs, err = dirFormErrors(err, "name"); err != nil {
			return err
		}
	}
	c.PasswordSet = old.PasswordSet
	return u.phProfileForm(w, r, 422, c.SendingProfile, errs)
}

func (u *UI) phProfileDelete(w http.ResponseWriter, r *http.Request) error {
	p, err := u.phLoadProfile(r)
	if err != nil {
		return err
	}
	if err := u.Phishing.DeleteProfile(r.Context(), u.actor(r), p.ID); err != nil {
		return err
	}
	return dirRedirect(w, r, "success", "The sending profile "+p.Name+" was deleted.", "/phishing/profiles")
}
