package api

import (
	"context"
	"net/http"
	"time"

	"bulwark/internal/access"
	"bulwark/internal/accounts"
	"bulwark/internal/phishing"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/httpx"
)

// phishingCampaignRoutes are campaigns and their safeguards. A campaign is
// seen and run only by its team's members (administrators see all);
// reading takes PermAwarenessRead, every change PermAwarenessWrite.
func (a *API) phishingCampaignRoutes() []access.Route {
	R, W := accounts.PermAwarenessRead, accounts.PermAwarenessWrite
	const tag = "phishing"
	const cp = "/api/v1/phishing/campaigns"
	action := func(path, summary string, h func(w http.ResponseWriter, r *http.Request) error) access.Route {
		return access.Route{Method: "POST", Pattern: cp + "/{id}/" + path, Perm: W, API: true, Handler: h,
			Doc: &access.OpDoc{Summary: summary, Tag: tag, Response: phishing.Campaign{}}}
	}
	return []access.Route{
		{Method: "GET", Pattern: cp, Perm: R, API: true, Handler: a.listCampaigns,
			Doc: &access.OpDoc{Summary: "List the campaigns of your teams (all for administrators), newest first", Tag: tag, List: true, Response: phishing.Campaign{}}},
		{Method: "POST", Pattern: cp, Perm: W, API: true, Handler: a.createCampaign,
			Doc: &access.OpDoc{Summary: "Create a draft campaign for one of your teams", Tag: tag, Body: CampaignInput{}, Response: phishing.Campaign{}, Status: 201}},
		{Method: "GET", Pattern: cp + "/{id}", Perm: R, API: true, Handler: a.getCampaign,
			Doc: &access.OpDoc{Summary: "One campaign", Tag: tag, Response: phishing.Campaign{}}},
		{Method: "PUT", Pattern: cp + "/{id}", Perm: W, API: true, Handler: a.updateCampaign,
			Doc: &access.OpDoc{Summary: "Change a campaign while it is a draft", Tag: tag, Body: CampaignInput{}, Response: phishing.Campaign{}}},
		{Method: "GET", Pattern: cp + "/{id}/audience", Perm: R, API: true, Handler: a.campaignAudience,
			Doc: &access.OpDoc{Summary: "Count who the campaign reaches now, and who the do-not-phish list and de-duplication leave out", Tag: tag, Response: phishing.Audience{}}},
		action("submit", "Submit a draft for approval", a.campaignAction(a.Phishing.SubmitCampaign)),
		action("return", "Send a campaign awaiting approval back to draft", a.campaignAction(a.Phishing.ReturnCampaign)),
		action("approve", "Approve a campaign (by someone other than its submitter while second-person approval is on; refused if its window overlaps a blackout)", a.approveCampaign),
		action("launch", "Launch an approved campaign: recipients are fixed now; it sends at its launch time or at once", a.launchCampaign),
		action("pause", "Pause a scheduled or sending campaign", a.campaignAction(a.Phishing.PauseCampaign)),
		action("resume", "Resume a paused campaign (refused while the emergency stop is on)", a.campaignAction(a.Phishing.ResumeCampaign)),
		action("cancel", "Cancel a campaign that has not finished", a.campaignAction(a.Phishing.CancelCampaign)),
		{Method: "GET", Pattern: cp + "/{id}/results", Perm: R, API: true, Handler: a.campaignResults,
			Doc: &access.OpDoc{Summary: "The campaign's recipients and their delivery state", Tag: tag, List: true, Response: phishing.RecipientRow{}}},

		{Method: "GET", Pattern: "/api/v1/phishing/blackouts", Perm: R, API: true, Handler: a.listBlackouts,
			Doc: &access.OpDoc{Summary: "List blackout windows", Tag: tag, Response: []phishing.Blackout{}}},
		{Method: "POST", Pattern: "/api/v1/phishing/blackouts", Perm: W, API: true, Handler: a.createBlackout,
			Doc: &access.OpDoc{Summary: "Add a blackout window: no simulation is sent to its organisations between the dates", Tag: tag, Body: BlackoutInput{}, Response: phishing.Blackout{}, Status: 201}},
		{Method: "DELETE", Pattern: "/api/v1/phishing/blackouts/{id}", Perm: W, API: true, Handler: a.deleteBlackout,
			Doc: &access.OpDoc{Summary: "Remove a blackout window", Tag: tag, Status: 204}},
		{Method: "GET", Pattern: "/api/v1/phishing/do-not-phish", Perm: R, API: true, Handler: a.listDoNotPhish,
			Doc: &access.OpDoc{Summary: "List the do-not-phish list", Tag: tag, List: true, Response: phishing.DoNotPhish{}}},
		{Method: "POST", Pattern: "/api/v1/phishing/do-not-phish", Perm: W, API: true, Handler: a.addDoNotPhish,
			Doc: &access.OpDoc{Summary: "Put an email address or a directory person on the do-not-phish list", Tag: tag, Body: DoNotPhishInput{}, Response: phishing.DoNotPhish{}, Status: 201}},
		{Method: "DELETE", Pattern: "/api/v1/phishing/do-not-phish/{id}", Perm: W, API: true, Handler: a.removeDoNotPhish,
			Doc: &access.OpDoc{Summary: "Take an entry off the do-not-phish list", Tag: tag, Status: 204}},
		{Method: "GET", Pattern: "/api/v1/phishing/second-approval", Perm: R, API: true, Handler: a.getSecondApproval,
			Doc: &access.OpDoc{Summary: "Whether a campaign needs the approval of someone other than its submitter", Tag: tag, Response: SecondApprovalInput{}}},
		{Method: "POST", Pattern: "/api/v1/phishing/second-approval", Perm: W, API: true, Handler: a.setSecondApproval,
			Doc: &access.OpDoc{Summary: "Switch second-person approval on or off", Tag: tag, Body: SecondApprovalInput{}, Response: SecondApprovalInput{}}},
		{Method: "GET", Pattern: "/api/v1/phishing/emergency-stop", Perm: R, API: true, Handler: a.getEmergencyStop,
			Doc: &access.OpDoc{Summary: "Whether the emergency stop is on", Tag: tag, Response: phishing.EmergencyStop{}}},
		{Method: "POST", Pattern: "/api/v1/phishing/emergency-stop", Perm: W, API: true, Handler: a.setEmergencyStop,
			Doc: &access.OpDoc{Summary: "Switch the emergency stop: on pauses every sending campaign and refuses launches; off lifts the refusal (paused campaigns stay paused)", Tag: tag, Body: EmergencyStopInput{}, Response: EmergencyStopResult{}}},
	}
}

// CampaignInput creates or changes a draft campaign. launch_at empty:
// send as soon as it is launched.
type CampaignInput struct {
	Name             string          `json:"name"`
	TeamID           int64           `json:"team_id"`
	TemplateIDs      []int64         `json:"template_ids"`
	LandingPageID    int64           `json:"landing_page_id"`
	SendingProfileID int64           `json:"sending_profile_id"`
	GroupIDs         []int64         `json:"group_ids,omitempty"`
	PersonIDs        []int64         `json:"person_ids,omitempty"`
	ExcludeGroupIDs  []int64         `json:"exclude_group_ids,omitempty"`
	ExcludePersonIDs []int64         `json:"exclude_person_ids,omitempty"`
	LaunchAt         *time.Time      `json:"launch_at,omitempty"`
	Window           phishing.Window `json:"window"`
}

func (in CampaignInput) campaign(id int64) phishing.Campaign {
	return phishing.Campaign{ID: id, Name: in.Name, TeamID: in.TeamID, TemplateIDs: in.TemplateIDs, LandingPageID: in.LandingPageID,
		SendingProfileID: in.SendingProfileID, GroupIDs: in.GroupIDs, PersonIDs: in.PersonIDs, ExcludeGroupIDs: in.ExcludeGroupIDs,
		ExcludePersonIDs: in.ExcludePersonIDs, LaunchAt: in.LaunchAt, Window: in.Window}
}

// BlackoutInput adds a blackout window; dates are YYYY-MM-DD, both included.
type BlackoutInput struct {
	StartsOn        string  `json:"starts_on"`
	EndsOn          string  `json:"ends_on"`
	Reason          string  `json:"reason"`
	OrganisationIDs []int64 `json:"organisation_ids"`
}

// DoNotPhishInput is an email address or a person id, with a reason.
type DoNotPhishInput struct {
	Email    string `json:"email,omitempty"`
	PersonID int64  `json:"person_id,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// EmergencyStopInput switches the emergency stop.
type EmergencyStopInput struct {
	On     bool   `json:"on"`
	Reason string `json:"reason,omitempty"`
}

// EmergencyStopResult is the stop's new state and how many campaigns it paused.
type EmergencyStopResult struct {
	phishing.EmergencyStop
	PausedCampaigns int `json:"paused_campaigns"`
}

func viewer(r *http.Request) phishing.Viewer {
	return phishing.ViewerOf(access.PrincipalFrom(r.Context()))
}

func (a *API) listCampaigns(w http.ResponseWriter, r *http.Request) error {
	limit, after, err := pageParams(r)
	if err != nil {
		return err
	}
	list, err := a.Phishing.ListCampaigns(r.Context(), viewer(r), after, limit+1)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, page(list, limit, func(c phishing.Campaign) int64 { return c.ID }))
	return nil
}

func (a *API) getCampaign(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := a.Phishing.Campaign(r.Context(), viewer(r), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, c)
	return nil
}

func (a *API) createCampaign(w http.ResponseWriter, r *http.Request) error {
	var in CampaignInput
	if err := decode(r, &in); err != nil {
		return err
	}
	c, err := a.Phishing.CreateCampaign(r.Context(), actor(r, a.Auth), viewer(r), in.campaign(0))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 201, c)
	return nil
}

func (a *API) updateCampaign(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in CampaignInput
	if err := decode(r, &in); err != nil {
		return err
	}
	c, err := a.Phishing.UpdateCampaign(r.Context(), actor(r, a.Auth), viewer(r), in.campaign(id))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, c)
	return nil
}

func (a *API) campaignAudience(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	aud, err := a.Phishing.CampaignAudience(r.Context(), viewer(r), a.Directory, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, aud)
	return nil
}

func (a *API) campaignAction(step func(ctx context.Context, by audit.Actor, v phishing.Viewer, id int64) (phishing.Campaign, error)) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		c, err := step(r.Context(), actor(r, a.Auth), viewer(r), id)
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, 200, c)
		return nil
	}
}

func (a *API) approveCampaign(w http.ResponseWriter, r *http.Request) error {
	return a.campaignAction(func(ctx context.Context, by audit.Actor, v phishing.Viewer, id int64) (phishing.Campaign, error) {
		return a.Phishing.ApproveCampaign(ctx, by, v, a.Directory, id)
	})(w, r)
}

func (a *API) launchCampaign(w http.ResponseWriter, r *http.Request) error {
	return a.campaignAction(func(ctx context.Context, by audit.Actor, v phishing.Viewer, id int64) (phishing.Campaign, error) {
		return a.Phishing.LaunchCampaign(ctx, by, v, a.Directory, id)
	})(w, r)
}

func (a *API) campaignResults(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	limit, after, err := pageParams(r)
	if err != nil {
		return err
	}
	rows, err := a.Phishing.CampaignRecipients(r.Context(), viewer(r), id, after, limit+1)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, page(rows, limit, func(x phishing.RecipientRow) int64 { return x.ID }))
	return nil
}

func (a *API) listBlackouts(w http.ResponseWriter, r *http.Request) error {
	list, err := a.Phishing.ListBlackouts(r.Context())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, list)
	return nil
}

func (a *API) createBlackout(w http.ResponseWriter, r *http.Request) error {
	var in BlackoutInput
	if err := decode(r, &in); err != nil {
		return err
	}
	b, err := a.Phishing.CreateBlackout(r.Context(), actor(r, a.Auth), viewer(r), phishing.Blackout{StartsOn: in.StartsOn, EndsOn: in.EndsOn, Reason: in.Reason, OrganisationIDs: in.OrganisationIDs})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 201, b)
	return nil
}

func (a *API) deleteBlackout(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.Phishing.DeleteBlackout(r.Context(), actor(r, a.Auth), viewer(r), id); err != nil {
		return err
	}
	w.WriteHeader(204)
	return nil
}

func (a *API) listDoNotPhish(w http.ResponseWriter, r *http.Request) error {
	limit, after, err := pageParams(r)
	if err != nil {
		return err
	}
	list, err := a.Phishing.ListDoNotPhish(r.Context(), after, limit+1)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, page(list, limit, func(d phishing.DoNotPhish) int64 { return d.ID }))
	return nil
}

func (a *API) addDoNotPhish(w http.ResponseWriter, r *http.Request) error {
	var in DoNotPhishInput
	if err := decode(r, &in); err != nil {
		return err
	}
	d, err := a.Phishing.AddDoNotPhish(r.Context(), actor(r, a.Auth), viewer(r), phishing.DoNotPhish{Email: in.Email, PersonID: in.PersonID, Reason: in.Reason})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 201, d)
	return nil
}

func (a *API) removeDoNotPhish(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.Phishing.RemoveDoNotPhish(r.Context(), actor(r, a.Auth), viewer(r), id); err != nil {
		return err
	}
	w.WriteHeader(204)
	return nil
}

func (a *API) getEmergencyStop(w http.ResponseWriter, r *http.Request) error {
	st, err := a.Phishing.EmergencyStopState(r.Context())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, st)
	return nil
}

func (a *API) setEmergencyStop(w http.ResponseWriter, r *http.Request) error {
	var in EmergencyStopInput
	if err := decode(r, &in); err != nil {
		return err
	}
	st, n, err := a.Phishing.SetEmergencyStop(r.Context(), actor(r, a.Auth), viewer(r), in.On, in.Reason)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, EmergencyStopResult{EmergencyStop: st, PausedCampaigns: n})
	return nil
}

// SecondApprovalInput is the second-person approval setting.
type SecondApprovalInput struct {
	On bool `json:"on"`
}

func (a *API) getSecondApproval(w http.ResponseWriter, r *http.Request) error {
	on, err := a.Phishing.SecondApproval(r.Context())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, SecondApprovalInput{On: on})
	return nil
}

func (a *API) setSecondApproval(w http.ResponseWriter, r *http.Request) error {
	var in SecondApprovalInput
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := a.Phishing.SetSecondApproval(r.Context(), actor(r, a.Auth), viewer(r), in.On); err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, in)
	return nil
}
