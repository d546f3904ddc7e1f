package phishing

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strings"

	"bulwark/internal/platform/database"
)

// The starter library: original templates and neutral landing pages for a
// state's employees and election officials. Every address uses a reserved
// domain (example.com, example.org, example.net, .test), and no real brand
// appears. Library items are seeded once by slug and are read-only; users
// copy one to change it, so a later library update never overwrites work.

type libraryTemplate struct {
	slug, name, subject string
	senderName, sender  string
	difficulty          int
	qr                  bool
	greeting            string
	paragraphs          []string // plain text; may hold variables
	linkText, afterLink string
	signature           string
	flags               []RedFlag
}

var libraryTemplates = []libraryTemplate{
	{slug: "state-portal-password-expiry", name: "State portal password expiry", subject: "Action required: your state portal password expires in 24 hours",
		senderName: "State Identity Services", sender: "noreply@state-portal-support.example.com", difficulty: 2,
		greeting:   "Hello {{.FirstName}},",
		paragraphs: []string{"Our records show that the password for your state employee portal account ({{.Email}}) expires in 24 hours.", "To avoid losing access to payroll, timesheets and email, confirm your current password and choose a new one now."},
		linkText:   "Keep my current password", afterLink: "Accounts that are not confirmed are locked and must be unlocked in person.",
		signature: "State Identity Services",
		flags: []RedFlag{
			{Label: "Sender domain is not the state's", Explanation: "The message claims to come from state identity services but was sent from a look-alike domain, not the state's own.", PointsAt: PartFrom},
			{Label: "Urgency and a threat", Explanation: "A 24-hour deadline and a threat of being locked out are meant to rush you past checking.", PointsAt: PartSubject},
			{Label: "Asks you to confirm your current password", Explanation: "Real password changes never ask you to type your current password on a page reached from an email link.", PointsAt: PartBody, Quote: "confirm your current password"},
			{Label: "Link leads off the state's site", Explanation: "Hover over the button: the address is not the state portal you normally use.", PointsAt: PartLink},
		}},
	{slug: "shared-document", name: "Shared document waiting", subject: "{{.Manager}} shared \"FY budget draft - elections\" with you",
		senderName: "Document Sharing", sender: "share-notify@docs-cloud.example.net", difficulty: 3,
		greeting:   "Hi {{.FirstName}},",
		paragraphs: []string{"{{.Manager}} shared a document with you and asked for your comments before Friday.", "\"FY budget draft - elections.xlsx\" (312 KB)"},
		linkText:   "Open document", afterLink: "You are receiving this because someone in {{.Organisation}} shared a file with {{.Email}}.",
		signature: "Document Sharing",
		flags: []RedFlag{
			{Label: "Unexpected share from a generic service", Explanation: "The sender is a generic sharing address on an unfamiliar domain; your office's own file share would say so.", PointsAt: PartFrom},
			{Label: "Uses your manager's name to lower your guard", Explanation: "Names are easy to find on public staff pages. If you did not expect a file, ask your manager another way.", PointsAt: PartSubject},
			{Label: "Link does not go to your organisation's file share", Explanation: "The button points to a site outside your organisation that will ask you to sign in.", PointsAt: PartLink},
		}},
	{slug: "election-vendor-invoice", name: "Election-system vendor invoice", subject: "Invoice INV-20417 overdue - ballot printing and programming services",
		senderName: "Accounts Receivable", sender: "billing@ballot-services.example.com", difficulty: 3,
		greeting:   "Dear {{.Title}},",
		paragraphs: []string{"Our records show that invoice INV-20417 for ballot printing and equipment programming for the upcoming election remains unpaid.", "Please review the invoice and confirm payment details today so that your county's order is not put on hold before the election."},
		linkText:   "View invoice INV-20417", afterLink: "If payment has already been sent, please disregard this notice.",
		signature: "Accounts Receivable, Ballot Services",
		flags: []RedFlag{
			{Label: "Vendor you may not recognise", Explanation: "Check the vendor against your county's contracts; attackers pose as election vendors close to elections.", PointsAt: PartFrom},
			{Label: "Pressure tied to the election date", Explanation: "The threat of an order on hold before the election is meant to make you act before checking.", PointsAt: PartBody, Quote: "not put on hold before the election"},
			{Label: "Greeting by job title, not name", Explanation: "A real vendor who bills you knows who you are; a generic greeting suggests a mass mailing.", PointsAt: PartBody, Quote: "Dear"},
			{Label: "Invoice behind a link", Explanation: "Invoices from known vendors arrive through your procurement process, not a link to an unknown site.", PointsAt: PartLink},
		}},
	{slug: "isac-alert", name: "Urgent ISAC threat alert", subject: "TLP:AMBER - Active exploitation targeting election offices - indicators attached",
		senderName: "Election Security Alerts", sender: "alerts@election-isac-notices.example.org", difficulty: 4,
		greeting:   "Member,",
		paragraphs: []string{"Analysts have observed active exploitation of a remote-access flaw against election offices in several states in the last 48 hours.", "Members must download the current indicator package and confirm receipt so that your organisation remains in good standing."},
		linkText:   "Download indicators and confirm receipt", afterLink: "This alert is TLP:AMBER. Do not forward.",
		signature: "Election Security Alerts Desk",
		flags: []RedFlag{
			{Label: "Look-alike sender domain", Explanation: "Real sharing partners send from a domain you already know; this one adds extra words to look official.", PointsAt: PartFrom},
			{Label: "Asks you to sign in to confirm receipt", Explanation: "Threat alerts do not need you to confirm receipt by signing in on a linked page.", PointsAt: PartBody, Quote: "confirm receipt"},
			{Label: "Fear and authority", Explanation: "A serious-sounding alert and a TLP label are used to make you act fast and keep quiet.", PointsAt: PartSubject},
			{Label: "Don't forward: so no one checks", Explanation: "Telling you not to forward stops you asking a colleague. Report it to your security team instead.", PointsAt: PartBody, Quote: "Do not forward"},
		}},
	{slug: "poll-worker-payroll-change", name: "Poll-worker payroll change", subject: "Poll worker stipend: update your direct deposit before Friday",
		senderName: "County Payroll", sender: "payroll@county-payments.example.net", difficulty: 2,
		greeting:   "Hello {{.FirstName}},",
		paragraphs: []string{"We are moving poll-worker stipends to a new payment system for this election.", "All poll workers and election staff must re-enter their direct-deposit details by Friday, or stipends will be paid by paper check after the next cycle."},
		linkText:   "Update my direct deposit", afterLink: "Questions? Reply to this message.",
		signature: "County Payroll Office",
		flags: []RedFlag{
			{Label: "Payroll from an outside domain", Explanation: "Payroll notices come from your county's own domain and are announced by your office, not by an outside address.", PointsAt: PartFrom},
			{Label: "Asks for bank details by link", Explanation: "Changing where your pay goes is the goal of payroll fraud. Change it only in the system you already use.", PointsAt: PartLink},
			{Label: "Deadline with a penalty", Explanation: "A Friday deadline and delayed pay are pressure to skip checking.", PointsAt: PartSubject},
		}},
	{slug: "parcel-notice", name: "Parcel delivery notice", subject: "Delivery attempt failed - package for {{.Department}}",
		senderName: "Parcel Delivery", sender: "tracking@parcel-delivery.example.com", difficulty: 1,
		greeting:   "Dear customer,",
		paragraphs: []string{"We attempted to deliver a package addressed to {{.Department}} today but no one was available to sign.", "A redelivery fee of $1.99 is due before we can schedule a new attempt."},
		linkText:   "Schedule redelivery", afterLink: "Packages not rescheduled within 3 days are returned to the sender.",
		signature: "Parcel Delivery",
		flags: []RedFlag{
			{Label: "Generic greeting", Explanation: "\"Dear customer\" means the sender does not know who you are.", PointsAt: PartBody, Quote: "Dear customer"},
			{Label: "Small fee to get card details", Explanation: "A tiny redelivery fee is a common way to collect card numbers.", PointsAt: PartBody, Quote: "redelivery fee"},
			{Label: "Sent to a work address for an unknown parcel", Explanation: "Deliveries to your office are handled by your mail room, not by an email to you.", PointsAt: PartFrom},
		}},
	{slug: "qr-mfa-reenrolment", name: "QR code multi-factor re-enrolment", subject: "Multi-factor authentication re-enrolment required",
		senderName: "IT Security", sender: "mfa-security@it-helpdesk.example.org", difficulty: 4, qr: true,
		greeting:   "Hello {{.FirstName}},",
		paragraphs: []string{"As part of a security upgrade, every account must re-enrol its multi-factor authentication this week.", "Scan the QR code below with your phone's camera and follow the steps to keep access to your account."},
		linkText:   "", afterLink: "Accounts that do not re-enrol by Friday will be disabled.",
		signature: "IT Security Team",
		flags: []RedFlag{
			{Label: "QR code instead of a link", Explanation: "A QR code hides where it leads and moves you to your phone, away from your work computer's protections.", PointsAt: PartLink},
			{Label: "Unexpected security change", Explanation: "Your IT department announces changes like this ahead of time and through channels you know.", PointsAt: PartSubject},
			{Label: "Threat of a disabled account", Explanation: "Threats are used to rush you. Call your help desk on a number you already have.", PointsAt: PartBody, Quote: "will be disabled"},
			{Label: "Sender outside your organisation", Explanation: "The address is not your organisation's IT department.", PointsAt: PartFrom},
		}},
	{slug: "benefits-enrolment", name: "Benefits open enrolment", subject: "Open enrolment closes soon - confirm your benefit elections",
		senderName: "Employee Benefits Center", sender: "benefits@employee-benefits.example.com", difficulty: 3,
		greeting:   "Dear {{.FirstName}} {{.LastName}},",
		paragraphs: []string{"Open enrolment for health, dental and vision coverage closes at the end of this week.", "Your current elections will not roll over automatically this year. Sign in to review and confirm your benefit choices."},
		linkText:   "Review my benefits", afterLink: "If you do not confirm, you may be left without coverage next year.",
		signature: "Employee Benefits Center",
		flags: []RedFlag{
			{Label: "Benefits site you do not usually use", Explanation: "The link goes to a site that is not your state's benefits portal. Go to the portal from your usual bookmark.", PointsAt: PartLink},
			{Label: "Fear of losing coverage", Explanation: "\"Left without coverage\" is meant to worry you into signing in at once.", PointsAt: PartBody, Quote: "left without coverage"},
			{Label: "Sender domain", Explanation: "The sender is not the state's human resources domain.", PointsAt: PartFrom},
		}},
	{slug: "voter-roll-urgent-correction", name: "Voter-roll urgent correction", subject: "URGENT: voter roll discrepancy must be corrected today",
		senderName: "Example County Clerk", sender: "clerk@examplecounty-elections.test", difficulty: 4,
		greeting:   "{{.FirstName}},",
		paragraphs: []string{"During reconciliation we found 214 voter records from your jurisdiction that appear on our roll as well. The state deadline to correct duplicate registrations is today.", "Please review the attached discrepancy list and sign in with your election system credentials to approve the corrections."},
		linkText:   "Review discrepancy list", afterLink: "Call me after you have approved them. Thank you for the quick turnaround.",
		signature: "Office of the County Clerk, Example County",
		flags: []RedFlag{
			{Label: "Asks for election system credentials", Explanation: "No county asks another to sign in with its election system credentials through an emailed link.", PointsAt: PartBody, Quote: "sign in with your election system credentials"},
			{Label: "Same-day deadline", Explanation: "\"Today\" deadlines leave no time to check with the state election office, which is the point.", PointsAt: PartSubject},
			{Label: "Unfamiliar county domain", Explanation: "Check the sender against the state's directory of official election authority sites.", PointsAt: PartFrom},
			{Label: "Link text hides the address", Explanation: "The link says \"discrepancy list\" but leads to a sign-in page on another site.", PointsAt: PartLink},
		}},
	{slug: "mailbox-quota", name: "Help desk: mailbox quota", subject: "Your mailbox is 98% full - messages will be rejected",
		senderName: "IT Help Desk", sender: "helpdesk@mail-quota.example.net", difficulty: 1,
		greeting:   "Dear user,",
		paragraphs: []string{"Your mailbox {{.Email}} has reached 98% of its storage limit. New messages will be rejected until you free up space or request more.", "Click below to request an automatic increase of your storage quota."},
		linkText:   "Increase my quota", afterLink: "IT Help Desk - do not reply to this automated message.",
		signature: "IT Help Desk",
		flags: []RedFlag{
			{Label: "Generic greeting", Explanation: "Your own help desk knows your name.", PointsAt: PartBody, Quote: "Dear user"},
			{Label: "Help desk from an outside domain", Explanation: "The address is not your organisation's IT department.", PointsAt: PartFrom},
			{Label: "Fear of missing mail", Explanation: "Rejected mail is a worry meant to make you click without thinking.", PointsAt: PartSubject},
		}},
	{slug: "conference-registration", name: "Conference registration confirmation", subject: "Your registration: State Election Officials Summer Conference",
		senderName: "Conference Registration", sender: "registration@election-conference.example.org", difficulty: 3,
		greeting:   "Dear {{.FirstName}},",
		paragraphs: []string{"Thank you for registering for the State Election Officials Summer Conference. Your registration is pending payment of the $245 fee.", "Please complete payment and choose your workshop sessions. Hotel rooms at the conference rate are limited."},
		linkText:   "Complete my registration", afterLink: "Registrations not completed within 48 hours are released.",
		signature: "Conference Registration Team",
		flags: []RedFlag{
			{Label: "A registration you did not make", Explanation: "If you did not register, a confirmation is a lure. If you did, go to the conference site yourself.", PointsAt: PartSubject},
			{Label: "Payment through a link", Explanation: "Conference fees go through your office's purchasing, not a card page reached from an email.", PointsAt: PartLink},
			{Label: "Limited time", Explanation: "\"Released within 48 hours\" and \"limited rooms\" are pressure to act fast.", PointsAt: PartBody, Quote: "Registrations not completed within 48 hours are released."},
		}},
	{slug: "hr-policy-acknowledgement", name: "HR policy acknowledgement", subject: "Required: acknowledge the updated acceptable-use policy",
		senderName: "Human Resources", sender: "hr-policies@hr-notices.example.com", difficulty: 2,
		greeting:   "Hello {{.FirstName}},",
		paragraphs: []string{"The acceptable-use and remote-work policies have been updated. All employees in {{.Department}} must read and acknowledge the changes.", "Sign in with your network account to view the policy and record your acknowledgement."},
		linkText:   "Read and acknowledge", afterLink: "Failure to acknowledge may be noted in your personnel file.",
		signature: "Human Resources",
		flags: []RedFlag{
			{Label: "Sign-in on an outside page", Explanation: "Policies are published on your intranet; you should not need to sign in on an outside site to read one.", PointsAt: PartLink},
			{Label: "Threat to your personnel file", Explanation: "A vague threat adds pressure; real HR notices tell you whom to ask.", PointsAt: PartBody, Quote: "noted in your personnel file"},
			{Label: "HR from an outside domain", Explanation: "The address is not your state's human resources domain.", PointsAt: PartFrom},
		}},
	{slug: "election-night-reporting-test", name: "Election-night results upload test", subject: "Results reporting test tonight - confirm your upload account",
		senderName: "Results Reporting Support", sender: "support@results-upload.example.net", difficulty: 5,
		greeting:   "Hello {{.FirstName}},",
		paragraphs: []string{"Ahead of election night, the results reporting team is running an upload test with every county this evening.", "To take part, confirm that your upload account still works by signing in on the test page. It takes one minute."},
		linkText:   "Sign in to the test page", afterLink: "Counties that do not confirm will be contacted by phone.",
		signature: "Results Reporting Support",
		flags: []RedFlag{
			{Label: "Believable, well-timed request", Explanation: "Attackers time lures to real events. Results tests are announced on the state's schedule, not by a surprise email.", PointsAt: PartSubject},
			{Label: "Sign-in page from an email", Explanation: "Never sign in to results or election systems from a link in an email; use the address you were given.", PointsAt: PartLink},
			{Label: "Support address outside the state", Explanation: "The sender is not the state election office's domain.", PointsAt: PartFrom},
		}},
}

// html builds the template's HTML body from its parts: plain paragraphs
// with their variables, the call to action and the signature.
func (l libraryTemplate) html() string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html><body style=\"font-family: Arial, sans-serif; font-size: 15px; color: #1b1b1b;\">\n")
	b.WriteString("<p>" + html.EscapeString(l.greeting) + "</p>\n")
	for _, p := range l.paragraphs {
		b.WriteString("<p>" + html.EscapeString(p) + "</p>\n")
	}
	if l.qr {
		b.WriteString("<p>{{.QRCode}}</p>\n")
	} else {
		b.WriteString("<p><a href=\"{{.Link}}\" style=\"display: inline-block; padding: 10px 18px; background: #005ea2; color: #ffffff; text-decoration: none;\">" + html.EscapeString(l.linkText) + "</a></p>\n")
	}
	b.WriteString("<p>" + html.EscapeString(l.afterLink) + "</p>\n")
	b.WriteString("<p>" + html.EscapeString(l.signature) + "</p>\n{{.TrackingImage}}\n</body></html>\n")
	// html.EscapeString turns the quotes of variables' surroundings into
	// entities but leaves {{.Name}} as it is.
	return b.String()
}

func (l libraryTemplate) text() string {
	parts := []string{l.greeting}
	parts = append(parts, l.paragraphs...)
	if l.qr {
		parts = append(parts, "Scan the QR code in this message, or open: {{.Link}}")
	} else {
		parts = append(parts, l.linkText+": {{.Link}}")
	}
	parts = append(parts, l.afterLink, l.signature)
	return strings.Join(parts, "\n\n") + "\n"
}

func (l libraryTemplate) template() Template {
	return Template{Slug: l.slug, Library: true, Name: l.name, Subject: l.subject, HTMLBody: l.html(), TextBody: l.text(),
		SenderName: l.senderName, SenderAddress: l.sender, QRCode: l.qr, Difficulty: l.difficulty, RedFlags: l.flags}
}

type libraryLanding struct {
	slug, name, title, intro, button string
	fields                           string
}

var libraryLandings = []libraryLanding{
	{slug: "sign-in", name: "Generic sign-in page", title: "Sign in", intro: "Sign in with your work account to continue.", button: "Sign in",
		fields: `<label for="username">Email or user name</label><input id="username" name="username" type="text" autocomplete="username">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password">`},
	{slug: "document-viewer", name: "Document viewer sign-in", title: "View shared document", intro: "This document is protected. Confirm your identity to view it.", button: "View document",
		fields: `<label for="email">Email address</label><input id="email" name="email" type="email" autocomplete="email">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password">`},
	{slug: "payment-details", name: "Payment details form", title: "Update payment details", intro: "Enter the account details where payments should be sent.", button: "Save details",
		fields: `<label for="name">Name on account</label><input id="name" name="account_name" type="text" autocomplete="name">
<label for="routing">Routing number</label><input id="routing" name="routing_number" type="text" inputmode="numeric">
<label for="account">Account number</label><input id="account" name="account_number" type="text" inputmode="numeric">`},
	{slug: "policy-acknowledgement", name: "Policy acknowledgement form", title: "Acknowledge policy", intro: "Sign in to record that you have read the updated policy.", button: "I acknowledge",
		fields: `<label for="employee">Employee ID</label><input id="employee" name="employee_id" type="text">
<label for="password">Network password</label><input id="password" name="password" type="password" autocomplete="current-password">`},
	{slug: "mfa-enrolment", name: "Multi-factor enrolment page", title: "Re-enrol multi-factor authentication", intro: "Enter your account details and the code from your authenticator app.", button: "Continue",
		fields: `<label for="username">User name</label><input id="username" name="username" type="text" autocomplete="username">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password">
<label for="code">Six-digit code</label><input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code">`},
}

func (l libraryLanding) page() LandingPage {
	h := `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>` + l.title + `</title>
<style>body{font-family:Arial,sans-serif;background:#f0f0f0;margin:0}main{max-width:24rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:4px}label{display:block;margin-top:1rem}input{width:100%;padding:.5rem;box-sizing:border-box}button{margin-top:1.5rem;padding:.6rem 1.2rem}</style>
</head><body><main>
<h1>` + l.title + `</h1>
<p>` + l.intro + `</p>
<form method="post" action="#">
` + l.fields + `
<button type="submit">` + l.button + `</button>
</form>
</main></body></html>
`
	return LandingPage{Slug: l.slug, Library: true, Name: l.name, HTML: h, Redirect: RedirectTeachableMoment}
}

// LibraryTemplates returns the starter templates as they are seeded.
func LibraryTemplates() []Template {
	out := make([]Template, len(libraryTemplates))
	for i, l := range libraryTemplates {
		out[i] = l.template()
	}
	return out
}

// LibraryLandingPages returns the starter landing pages as they are seeded.
func LibraryLandingPages() []LandingPage {
	out := make([]LandingPage, len(libraryLandings))
	for i, l := range libraryLandings {
		out[i] = l.page()
	}
	return out
}

// SeedLibrary adds the library templates and landing pages that are not
// there yet (by slug); it changes nothing already stored and returns how
// many it added. Safe to run at every start and on several instances.
func (s *Store) SeedLibrary(ctx context.Context) (int, error) {
	added := 0
	err := s.db.Tx(ctx, func(tx database.Tx) error {
		added = 0
		for _, t := range LibraryTemplates() {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM phishing_templates WHERE slug = $1`, t.Slug).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			if err := t.Validate(); err != nil {
				return fmt.Errorf("library template %s: %w", t.Slug, err)
			}
			t.Name = uniqueLibraryName(ctx, tx, "phishing_templates", t.Name)
			if _, err := insertTemplate(ctx, tx, t); errors.Is(err, database.ErrConflict) {
				continue // another instance seeded it just now
			} else if err != nil {
				return fmt.Errorf("library template %s: %w", t.Slug, err)
			}
			added++
		}
		for _, p := range LibraryLandingPages() {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM phishing_landing_pages WHERE slug = $1`, p.Slug).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			if err := p.validate(); err != nil {
				return fmt.Errorf("library landing page %s: %w", p.Slug, err)
			}
			p.Name = uniqueLibraryName(ctx, tx, "phishing_landing_pages", p.Name)
			if _, err := insertLanding(ctx, tx, p); errors.Is(err, database.ErrConflict) {
				continue
			} else if err != nil {
				return fmt.Errorf("library landing page %s: %w", p.Slug, err)
			}
			added++
		}
		// Like the election authorities, the library is reference data the
		// release ships; adding it is not a user's change and is not audited.
		return nil
	})
	return added, err
}

// uniqueLibraryName adds " (library)" when a user's own item already has
// the library item's name.
func uniqueLibraryName(ctx context.Context, tx database.Tx, table, name string) string {
	var n int
	tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE name = $1`, name).Scan(&n)
	if n == 0 {
		return name
	}
	return name + " (library)"
}
