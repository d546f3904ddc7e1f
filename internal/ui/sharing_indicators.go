package ui

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"bulwark/internal/access"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/httpx"
	"bulwark/internal/sharing"
	"bulwark/internal/sharing/matcher"
	"bulwark/internal/sharing/tlp"
)

type shIndicatorsData struct {
	Indicators         []sharing.Indicator
	Query              string
	Types              []shOption
	Older              string
	Now                time.Time
	Filtered, CanWrite bool
}

func shTypeOptions(sel matcher.Type, any string) []shOption {
	var out []shOption
	if any != "" {
		out = append(out, shOption{Value: "", Label: any})
	}
	for _, t := range sharing.IndicatorTypes {
		out = append(out, shOption{Value: string(t), Label: shTypeLabel(t), Selected: t == sel})
	}
	return out
}

func shTypeLabel(t matcher.Type) string {
	switch t {
	case matcher.IPv4:
		return "IPv4 address"
	case matcher.IPv6:
		return "IPv6 address"
	case matcher.CIDR:
		return "Address range (CIDR)"
	case matcher.Domain:
		return "Domain"
	case matcher.URL:
		return "URL"
	case matcher.Email:
		return "Email address"
	case matcher.MD5:
		return "MD5 hash"
	case matcher.SHA1:
		return "SHA-1 hash"
	case matcher.SHA256:
		return "SHA-256 hash"
	}
	return string(t)
}

func (u *UI) shIndicators(w http.ResponseWriter, r *http.Request) error {
	v, err := u.shViewer(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := sharing.IndicatorFilter{Type: matcher.Type(q.Get("type")), Query: q.Get("q"), BeforeID: shBefore(r), Limit: shPerPage + 1}
	list, err := u.Sharing.ListIndicators(r.Context(), v, f)
	if err != nil {
		return err
	}
	d := shIndicatorsData{Query: f.Query, Types: shTypeOptions(f.Type, "Any type"), Now: time.Now().UTC(), CanWrite: shCanWrite(r),
		Filtered: f.Type != "" || f.Query != "" || f.BeforeID > 0}
	if len(list) > shPerPage {
		list = list[:shPerPage]
		d.Older = shOlderLink(r, "/sharing/indicators", list[len(list)-1].ID)
	}
	d.Indicators = list
	return u.render(w, r, 200, "sharing_indicators", Page{Title: "Indicators", Active: "/sharing", Data: d})
}

type shIndicatorData struct {
	Indicator  sharing.Indicator
	TypeLabel  string
	Source     string
	Recipients []string
	Active     bool
}

func (u *UI) shIndicator(w http.ResponseWriter, r *http.Request) error {
	id, err := dirPathID(r, "id")
	if err != nil {
		return err
	}
	v, err := u.shViewer(r)
	if err != nil {
		return err
	}
	ind, err := u.Sharing.Indicator(r.Context(), v, id)
	if err != nil {
		return shLoadErr(err, "indicator")
	}
	d := shIndicatorData{Indicator: ind, TypeLabel: shTypeLabel(ind.Type), Active: ind.Active(time.Now().UTC())}
	if ind.SourceOrgID != 0 {
		d.Source = u.orgName(r, ind.SourceOrgID)
	}
	for _, o := range ind.Recipients {
		d.Recipients = append(d.Recipients, u.orgName(r, o))
	}
	return u.render(w, r, 200, "sharing_indicator", Page{Title: ind.Value, Active: "/sharing", Data: d})
}

type shIndicatorFormData struct {
	Change     sharing.IndicatorChange
	Types      []shOption
	Tags       string
	ValidUntil string
	Sharing    shSharingForm
	Errors     map[string]string
	// AllowListed asks the sharer to confirm an allow-listed value.
	AllowListed string
}

func (u *UI) shIndicatorForm(w http.ResponseWriter, r *http.Request, status int, d shIndicatorFormData) error {
	d.Types = shTypeOptions(d.Change.Type, "Recognise from the value")
	d.Tags = strings.Join(d.Change.Tags, ", ")
	if d.Change.ValidUntil != nil {
		d.ValidUntil = d.Change.ValidUntil.Format("2006-01-02")
	}
	var err error
	if d.Sharing, err = u.shSharingForm(r, d.Change.Sharing); err != nil {
		return err
	}
	return u.render(w, r, status, "sharing_indicator_form", Page{Title: "New indicator", Active: "/sharing", Data: d})
}

func (u *UI) shIndicatorNew(w http.ResponseWriter, r *http.Request) error {
	return u.shIndicatorForm(w, r, 200, shIndicatorFormData{Change: sharing.IndicatorChange{Confidence: 50, Sharing: sharing.Sharing{TLP: tlp.Green}}})
}

func (u *UI) shIndicatorCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return httpx.Errorf(400, "The form could not be read.")
	}
	ch := sharing.IndicatorChange{Type: matcher.Type(r.PostFormValue("type")), Value: r.PostFormValue("value"), Pattern: r.PostFormValue("pattern"),
		Sharing: shSharingFromForm(r), ConfirmAllowListed: r.PostFormValue("confirm_allow_listed") != ""}
	errs := map[string]string{}
	conf, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("confidence")))
	if err != nil {
		errs["confidence"] = "confidence is a number from 0 to 100"
	}
	ch.Confidence = conf
	if s := strings.TrimSpace(r.PostFormValue("valid_until")); s != "" {
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			errs["valid_until"] = "write the date as year-month-day, like 2026-11-03"
		} else {
			ch.ValidUntil = &t
		}
	}
	for t := range strings.SplitSeq(r.PostFormValue("tags"), ",") {
		if t = strings.TrimSpace(t); t != "" {
			ch.Tags = append(ch.Tags, t)
		}
	}
	if len(errs) > 0 {
		return u.shIndicatorForm(w, r, 422, shIndicatorFormData{Change: ch, Errors: errs})
	}
	ind, err := u.Sharing.CreateIndicator(r.Context(), u.actor(r), access.PrincipalFrom(r.Context()).User, ch)
	if err != nil {
		d := shIndicatorFormData{Change: ch}
		var al *sharing.AllowListedError
		if errors.As(err, &al) {
			d.AllowListed = al.Reason
			return u.shIndicatorForm(w, r, 422, d)
		}
		if d.Errors, err = shFormErrors(err); err != nil {
			return err
		}
		return u.shIndicatorForm(w, r, 422, d)
	}
	setFlash(w, "success", "The indicator was shared as "+ind.TLP.String()+".")
	http.Redirect(w, r, fmt.Sprintf("/sharing/indicators/%d", ind.ID), http.StatusSeeOther)
	return nil
}

type shAllowListData struct {
	Entries  []sharing.AllowEntry
	Types    []shOption
	Input    sharing.AllowInput
	Errors   map[string]string
	CanWrite bool
}

func (u *UI) shAllowPage(w http.ResponseWriter, r *http.Request, status int, d shAllowListData) error {
	var err error
	if d.Entries, err = u.Sharing.AllowList(r.Context()); err != nil {
		return err
	}
	d.Types = shTypeOptions(d.Input.Type, "Recognise from the value")
	d.CanWrite = shCanWrite(r)
	return u.render(w, r, status, "sharing_allow_list", Page{Title: "Allow-list", Active: "/sharing", Data: d})
}

func (u *UI) shAllowList(w http.ResponseWriter, r *http.Request) error {
	return u.shAllowPage(w, r, 200, shAllowListData{})
}

func (u *UI) shAllowAdd(w http.ResponseWriter, r *http.Request) error {
	in := sharing.AllowInput{Type: matcher.Type(r.PostFormValue("type")), Value: r.PostFormValue("value"), Note: r.PostFormValue("note")}
	e, err := u.Sharing.AddAllowEntry(r.Context(), u.actor(r), in)
	if err != nil {
		errs, ferr := shFormErrors(err)
		if ferr != nil {
			if !errors.Is(err, database.ErrConflict) {
				return err
			}
			errs = map[string]string{"value": "this value is already on the allow-list"}
		}
		return u.shAllowPage(w, r, 422, shAllowListData{Input: in, Errors: errs})
	}
	setFlash(w, "success", e.Value+" was added to the allow-list.")
	http.Redirect(w, r, "/sharing/allow-list", http.StatusSeeOther)
	return nil
}
