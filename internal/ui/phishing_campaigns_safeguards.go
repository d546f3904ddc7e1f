package ui

import (
	"net/http"
	"strconv"
	"strings"

	"bulwark/internal/directory"
	"bulwark/internal/phishing"
)

type phDoNotPhishRow struct {
	phishing.DoNotPhish
	Who string
}

type phBlackoutRow struct {
	phishing.Blackout
	Organisations string
}

type phSafeguardsData struct {
	Stop           phishing.EmergencyStop
	SecondApproval bool
	Blackouts      []phBlackoutRow
	DoNotPhish     []phDoNotPhishRow
	MoreDoNotPhish bool
	Organisations  []dirOption
	CanWrite       bool
}

func (u *UI) phSafeguards(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	d := phSafeguardsData{CanWrite: phCanWrite(r)}
	var err error
	if d.Stop, err = u.Phishing.EmergencyStopState(ctx); err != nil {
		return err
	}
	if d.SecondApproval, err = u.Phishing.SecondApproval(ctx); err != nil {
		return err
	}
	orgs, err := u.Directory.ListOrganisations(ctx, directory.OrgFilter{Limit: 1000})
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, o := range orgs {
		names[o.ID] = o.Name
		d.Organisations = append(d.Organisations, dirOption{Value: strconv.FormatInt(o.ID, 10), Label: o.Name})
	}
	bl, err := u.Phishing.ListBlackouts(ctx)
	if err != nil {
		return err
	}
	for _, b := range bl {
		var n []string
		for _, o := range b.OrganisationIDs {
			n = append(n, names[o])
		}
		d.Blackouts = append(d.Blackouts, phBlackoutRow{b, strings.Join(n, ", ")})
	}
	dnp, err := u.Phishing.ListDoNotPhish(ctx, 0, 501)
	if err != nil {
		return err
	}
	if len(dnp) > 500 {
		dnp, d.MoreDoNotPhish = dnp[:500], true
	}
	for _, e := range dnp {
		row := phDoNotPhishRow{DoNotPhish: e, Who: e.Email}
		if e.PersonID != 0 {
			if p, err := u.Directory.Person(ctx, e.PersonID); err == nil {
				row.Who = p.Name() + " <" + p.Email + ">"
			}
		}
		d.DoNotPhish = append(d.DoNotPhish, row)
	}
	return u.render(w, r, 200, "phishing_safeguards", Page{Title: "Safeguards", Active: "/phishing", Data: d})
}

// phSafeguardDone flashes the outcome of a change and returns to the page.
func phSafeguardDone(w http.ResponseWriter, r *http.Request, err error, done string) error {
	if err != nil {
		errs, err := dirFormErrors(err, "")
		if err != nil {
			return err
		}
		for _, m := range errs {
			setFlash(w, "error", m)
		}
	} else {
		setFlash(w, "success", done)
	}
	http.Redirect(w, r, "/phishing/safeguards", http.StatusSeeOther)
	return nil
}

func (u *UI) phEmergencyStop(w http.ResponseWriter, r *http.Request) error {
	on := r.PostFormValue("on") == "1"
	_, n, err := u.Phishing.SetEmergencyStop(r.Context(), u.actor(r), phViewer(r), on, r.PostFormValue("reason"))
	msg := "The emergency stop is released. Paused campaigns stay paused until someone resumes them."
	if on {
		msg = "The emergency stop is on: no simulation is sent. " + pluralWord(n, "campaign") + " paused."
	}
	return phSafeguardDone(w, r, err, msg)
}

func (u *UI) phSecondApproval(w http.ResponseWriter, r *http.Request) error {
	on := r.PostFormValue("on") == "1"
	err := u.Phishing.SetSecondApproval(r.Context(), u.actor(r), phViewer(r), on)
	msg := "Campaigns now need the approval of a second person."
	if !on {
		msg = "The person who submits a campaign may now approve it."
	}
	return phSafeguardDone(w, r, err, msg)
}

func (u *UI) phBlackoutCreate(w http.ResponseWriter, r *http.Request) error {
	b := phishing.Blackout{StartsOn: r.PostFormValue("starts_on"), EndsOn: r.PostFormValue("ends_on"), Reason: r.PostFormValue("reason")}
	for _, s := range r.PostForm["organisation_ids"] {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			b.OrganisationIDs = append(b.OrganisationIDs, id)
		}
	}
	_, err := u.Phishing.CreateBlackout(r.Context(), u.actor(r), phViewer(r), b)
	return phSafeguardDone(w, r, err, "The blackout window is added.")
}

func (u *UI) phBlackoutDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := dirPathID(r, "id")
	if err != nil {
		return err
	}
	return phSafeguardDone(w, r, u.Phishing.DeleteBlackout(r.Context(), u.actor(r), phViewer(r), id), "The blackout window is removed.")
}

func (u *UI) phDoNotPhishAdd(w http.ResponseWriter, r *http.Request) error {
	in := phishing.DoNotPhish{Email: r.PostFormValue("email"), Reason: r.PostFormValue("reason")}
	if r.PostFormValue("match") == "person" {
		p, err := u.Directory.PersonByEmail(r.Context(), strings.TrimSpace(in.Email))
		if err != nil {
			return phSafeguardDone(w, r, &directory.FieldError{Field: "email", Reason: "no one in the directory has the address " + in.Email}, "")
		}
		in.Email, in.PersonID = "", p.ID
	}
	_, err := u.Phishing.AddDoNotPhish(r.Context(), u.actor(r), phViewer(r), in)
	return phSafeguardDone(w, r, err, "Added to the do-not-phish list.")
}

func (u *UI) phDoNotPhishRemove(w http.ResponseWriter, r *http.Request) error {
	id, err := dirPathID(r, "id")
	if err != nil {
		return err
	}
	return phSafeguardDone(w, r, u.Phishing.RemoveDoNotPhish(r.Context(), u.actor(r), phViewer(r), id), "Taken off the do-not-phish list.")
}
