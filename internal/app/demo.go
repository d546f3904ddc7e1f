package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"

	"bulwark/internal/accounts"
	"bulwark/internal/directory"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/config"
	"bulwark/internal/platform/database"
)

// DemoAdminEmail is the administrator demo mode creates.
const DemoAdminEmail = "admin@example.org"

// demoTimeZone: the whole state is on Central time.
const demoTimeZone = "America/Chicago"

// demoAgency is a fictional state organisation and its staff plan. Names
// are generic on purpose: plausible for a state, not any real office's
// roster. Every address is under example.org, a domain reserved for
// examples, so demo mail can never reach a real person.
type demoAgency struct {
	name, short, domain, parent string
	kind                        directory.OrgKind
	head                        string // title of the person in charge
	staff                       int    // people including the head
	departments                 []demoDepartment
	locations                   []string
	create                      bool // false: the organisation is seeded already
}

type demoDepartment struct {
	name   string
	head   string
	titles []string
}

var demoAgencies = []demoAgency{
	{name: "Office of Administration", short: "OA", domain: "oa.example.org", kind: directory.KindStateAgency, head: "Commissioner of Administration", staff: 62, create: true,
		locations: []string{"Jefferson City"},
		departments: []demoDepartment{
			{"Information Technology Services Division", "Chief Information Officer", []string{"Systems Administrator", "Network Engineer", "Service Desk Analyst", "Database Administrator", "Application Developer", "Project Manager"}},
			{"Division of Personnel", "Director of Personnel", []string{"Human Resources Specialist", "Benefits Coordinator", "Classification Analyst", "Training Coordinator"}},
			{"Division of Accounting", "State Comptroller", []string{"Accountant", "Payroll Specialist", "Accounts Payable Clerk", "Financial Analyst"}},
			{"Division of Purchasing", "Director of Purchasing", []string{"Buyer", "Contract Specialist", "Procurement Analyst"}},
			{"Internal Audit", "Chief Audit Executive", []string{"Internal Auditor", "IT Auditor"}},
		}},
	{name: "Office of Cyber Security", short: "OCS", domain: "cyber.example.org", parent: "Office of Administration", kind: directory.KindStateAgency, head: "Chief Information Security Officer", staff: 26, create: true,
		locations: []string{"Jefferson City"},
		departments: []demoDepartment{
			{"Security Awareness", "Security Awareness Manager", []string{"Awareness Program Specialist", "Training Content Developer"}},
			{"Security Operations Center", "SOC Manager", []string{"Security Analyst", "Threat Intelligence Analyst", "Detection Engineer"}},
			{"Governance, Risk and Compliance", "GRC Manager", []string{"Risk Analyst", "Compliance Specialist"}},
			{"Incident Response", "Incident Response Lead", []string{"Incident Responder", "Forensic Analyst"}},
		}},
	{name: "Department of Revenue", short: "DOR", domain: "dor.example.org", kind: directory.KindStateAgency, head: "Director of Revenue", staff: 72, create: true,
		locations: []string{"Jefferson City", "Springfield", "Kansas City", "St. Louis", "Cape Girardeau"},
		departments: []demoDepartment{
			{"Taxation Division", "Taxation Division Director", []string{"Tax Examiner", "Revenue Agent", "Tax Policy Analyst", "Collections Specialist"}},
			{"Motor Vehicle and Driver Licensing", "Motor Vehicle Division Director", []string{"Licensing Specialist", "Title Examiner", "Customer Service Representative"}},
			{"Field Offices", "Field Operations Manager", []string{"License Office Supervisor", "Customer Service Representative", "Clerk"}},
			{"General Counsel", "General Counsel", []string{"Staff Attorney", "Paralegal"}},
		}},
	{name: "Department of Social Services", short: "DSS", domain: "dss.example.org", kind: directory.KindStateAgency, head: "Director of Social Services", staff: 70, create: true,
		locations: []string{"Jefferson City", "Columbia", "Springfield", "Kansas City", "St. Louis"},
		departments: []demoDepartment{
			{"Family Support Division", "Family Support Division Director", []string{"Eligibility Specialist", "Case Worker", "Program Manager"}},
			{"Children's Division", "Children's Division Director", []string{"Children's Service Worker", "Foster Care Case Manager", "Investigator"}},
			{"Division of Youth Services", "Youth Services Division Director", []string{"Youth Specialist", "Education Coordinator"}},
			{"Medicaid Services", "Medicaid Director", []string{"Claims Analyst", "Provider Relations Specialist", "Program Integrity Analyst"}},
		}},
	{name: "Department of Health and Senior Services", short: "DHSS", domain: "health.example.org", kind: directory.KindStateAgency, head: "Director of Health and Senior Services", staff: 56, create: true,
		locations: []string{"Jefferson City", "Columbia", "Springfield"},
		departments: []demoDepartment{
			{"Community and Public Health", "Community Health Division Director", []string{"Epidemiologist", "Health Program Representative", "Nutritionist"}},
			{"Senior and Disability Services", "Senior Services Division Director", []string{"Adult Protective Services Worker", "Social Services Specialist"}},
			{"Regulation and Licensure", "Regulation Division Director", []string{"Facility Inspector", "Licensure Specialist"}},
			{"State Public Health Laboratory", "Laboratory Director", []string{"Public Health Laboratory Scientist", "Laboratory Technician"}},
		}},
	{name: "Office of the Secretary of State", domain: "sos.example.org", kind: directory.KindStateAgency, head: "Deputy Secretary of State", staff: 30,
		locations: []string{"Jefferson City"},
		departments: []demoDepartment{
			{"Elections Division", "Director of Elections", []string{"Election Services Coordinator", "Voter Registration Specialist", "Election Administration Specialist"}},
			{"Election Security", "Election Security Manager", []string{"Election Security Analyst", "Grants Coordinator"}},
			{"Communications", "Communications Director", []string{"Public Information Officer", "Web Content Editor"}},
		}},
	{name: "Office of the Governor", short: "GOV", domain: "governor.example.org", kind: directory.KindStateAgency, head: "Chief of Staff", staff: 8, create: true,
		locations: []string{"Jefferson City"},
		departments: []demoDepartment{
			{"Policy", "Policy Director", []string{"Policy Advisor"}},
			{"Communications", "Press Secretary", []string{"Communications Specialist"}},
		}},
	{name: "State Fusion Center", short: "Fusion", domain: "fusion.example.org", kind: directory.KindFusionCenter, head: "Fusion Center Director", staff: 4, create: true,
		locations:   []string{"Jefferson City"},
		departments: []demoDepartment{{"Analysis", "Analysis Supervisor", []string{"Intelligence Analyst"}}}},
	{name: "Election ISAC (partner)", short: "Election ISAC", domain: "eisac.example.org", kind: directory.KindISAC, head: "Member Services Lead", staff: 3, create: true,
		locations:   []string{"Remote"},
		departments: []demoDepartment{{"Member Services", "Member Services Manager", []string{"Cyber Threat Analyst"}}}},
	{name: "Federal partner: regional CISA office", short: "CISA Region", domain: "cisa-region.example.org", kind: directory.KindFederal, head: "Regional Director", staff: 3, create: true,
		locations:   []string{"Kansas City"},
		departments: []demoDepartment{{"Election Security Advisors", "Election Security Advisor", []string{"Cybersecurity Advisor"}}}},
}

// demoLEAs are the election authorities (from the real roster seeded at
// start) that get a few fictional staff, by external id.
var demoLEAs = []string{"MO-29019", "MO-29051", "MO-29077", "MO-29097", "MO-29047", "MO-KC"}

var demoFirstNames = []string{
	"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
	"William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Christopher", "Karen",
	"Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Betty", "Mark", "Sandra", "Donald", "Ashley",
	"Steven", "Kimberly", "Andrew", "Emily", "Joshua", "Donna", "Kevin", "Michelle", "Brian", "Carol",
	"Luis", "Amanda", "Carlos", "Melissa", "Jamal", "Deborah", "Tyrone", "Stephanie", "Wei", "Rebecca",
	"Minh", "Laura", "Ahmed", "Angela", "Diego", "Maria", "Darnell", "Rosa", "Kenji", "Aaliyah",
}

var demoLastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
	"Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee",
	"Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King",
	"Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker",
	"Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Phillips", "Evans", "Turner", "Parker",
	"Collins", "Edwards", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Peterson",
	"Reed", "Bailey", "Bell", "Kelly", "Howard", "Ward", "Cox", "Richardson", "Wood", "Brooks",
	"Schmidt", "Meyer", "Hoffmann", "Wagner", "Becker", "Schulz", "Kowalski", "Patel", "Kim", "Chen",
}

// demoPerson is one row of the generated directory.
type demoPerson struct {
	email, first, last, org, department, title, manager, location, employeeID string
}

// demoRoster generates the directory. It draws from a fixed seed, so the
// demo looks the same on every machine and screenshots stay stable.
func demoRoster(leas []directory.Organisation) []demoPerson {
	rng := rand.New(rand.NewPCG(2026, 1104))
	taken := map[string]bool{DemoAdminEmail: true}
	employee := 104000
	newPerson := func(domain string) demoPerson {
		first := demoFirstNames[rng.IntN(len(demoFirstNames))]
		last := demoLastNames[rng.IntN(len(demoLastNames))]
		local := strings.ToLower(first + "." + last)
		email := local + "@" + domain
		for n := 2; taken[email]; n++ {
			email = fmt.Sprintf("%s%d@%s", local, n, domain)
		}
		taken[email] = true
		return demoPerson{email: email, first: first, last: last}
	}
	var out []demoPerson
	for _, ag := range demoAgencies {
		location := func() string { return ag.locations[rng.IntN(len(ag.locations))] }
		nextID := func() string {
			if ag.kind != directory.KindStateAgency {
				return ""
			}
			employee += 1 + rng.IntN(40)
			return fmt.Sprintf("E%06d", employee)
		}
		head := newPerson(ag.domain)
		head.org, head.title, head.location, head.employeeID = ag.name, ag.head, ag.locations[0], nextID()
		head.department = "Leadership"
		out = append(out, head)
		left := ag.staff - 1
		var deptHeads []demoPerson
		for _, d := range ag.departments {
			if left == 0 {
				break
			}
			p := newPerson(ag.domain)
			p.org, p.department, p.title, p.manager, p.location, p.employeeID = ag.name, d.name, d.head, head.email, ag.locations[0], nextID()
			out = append(out, p)
			deptHeads = append(deptHeads, p)
			left--
		}
		for i := 0; i < left; i++ {
			di := i % len(deptHeads)
			d := ag.departments[di]
			p := newPerson(ag.domain)
			p.org, p.department, p.title, p.manager, p.location, p.employeeID = ag.name, d.name, d.titles[rng.IntN(len(d.titles))], deptHeads[di].email, location(), nextID()
			out = append(out, p)
		}
	}
	for _, lea := range leas {
		domain := slug(lea.ShortName) + ".example.org"
		titles := []string{"County Clerk", "Chief Deputy Clerk", "Election Coordinator", "Deputy Clerk"}
		if lea.Authority == "Board of Election Commissioners" {
			titles = []string{"Director of Elections", "Deputy Director of Elections", "Election Specialist", "IT Manager"}
		}
		n := 3 + rng.IntN(2)
		var head demoPerson
		for i := 0; i < n; i++ {
			p := newPerson(domain)
			p.org, p.department, p.title, p.location = lea.Name, "Elections", titles[min(i, len(titles)-1)], lea.ShortName
			if i == 0 {
				head = p
			} else {
				p.manager = head.email
			}
			out = append(out, p)
		}
	}
	return out
}

func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

func demoCSV(people []demoPerson) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"email", "first_name", "last_name", "organisation", "department", "title", "manager_email", "location", "time_zone", "language", "employee_id"})
	for _, p := range people {
		w.Write([]string{p.email, p.first, p.last, p.org, p.department, p.title, p.manager, p.location, demoTimeZone, "en", p.employeeID})
	}
	w.Flush()
	return buf.Bytes()
}

// SeedDemo fills a data folder that has no users yet with a fictional state
// workforce (agencies, departments, partners, 300+ people, staff at a few
// of the real election authorities), groups, a team, a demo user of every
// role, and an administrator whose one-time password it prints once to out.
// Demo users other than the administrator get random passwords that are
// not shown. With users present it adds nothing.
func SeedDemo(ctx context.Context, a *App, out io.Writer) error {
	n, err := a.Accounts.CountUsers(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintln(out, "Demo mode: this database already has users, so no demo data was added.")
		return nil
	}
	by := audit.System
	orgs := map[string]directory.Organisation{}
	for _, ag := range demoAgencies {
		o, err := a.Directory.OrganisationByName(ctx, ag.name)
		if errors.Is(err, database.ErrNotFound) && ag.create {
			o = directory.Organisation{Name: ag.name, ShortName: ag.short, Kind: ag.kind, Domain: ag.domain}
			if ag.parent != "" {
				o.ParentID = orgs[ag.parent].ID
			}
			o, err = a.Directory.CreateOrganisation(ctx, by, o)
		}
		if err != nil {
			return fmt.Errorf("organisation %s: %w", ag.name, err)
		}
		orgs[ag.name] = o
	}
	all, err := a.Directory.ListOrganisations(ctx, directory.OrgFilter{Kind: directory.KindLocalElectionAuthority, Limit: 1000})
	if err != nil {
		return err
	}
	var leas []directory.Organisation
	for _, id := range demoLEAs {
		for _, o := range all {
			if o.ExternalID == id {
				leas = append(leas, o)
			}
		}
	}

	roster := demoRoster(leas)
	rep, err := a.Directory.ImportPeople(ctx, by, bytes.NewReader(demoCSV(roster)), directory.ImportOptions{})
	if err != nil {
		return fmt.Errorf("people: %w", err)
	}
	if rep.Failed > 0 {
		return fmt.Errorf("people: %d demo rows were refused, the first: %s", rep.Failed, rep.Errors[0])
	}

	if err := seedDemoGroups(ctx, a, by, orgs, roster); err != nil {
		return err
	}

	// One demo user of each role, chosen from the directory by title.
	find := func(org, title string) demoPerson {
		for _, p := range roster {
			if p.org == org && p.title == title {
				return p
			}
		}
		return demoPerson{}
	}
	demoUsers := []struct {
		p    demoPerson
		role accounts.Role
	}{
		{find("Office of Cyber Security", "Security Awareness Manager"), accounts.RoleAwarenessManager},
		{find("Office of the Secretary of State", "Election Security Manager"), accounts.RoleAnalyst},
		{find("Office of the Secretary of State", "Election Security Analyst"), accounts.RoleAnalyst},
		{find("Office of the Governor", "Chief of Staff"), accounts.RoleLeader},
		{find("Office of Administration", "Chief Audit Executive"), accounts.RoleAuditor},
	}
	if len(leas) > 0 {
		demoUsers = append(demoUsers, struct {
			p    demoPerson
			role accounts.Role
		}{find(leas[0].Name, "County Clerk"), accounts.RoleOrganisationMember})
	}

	password := accounts.NewSecret(15) // 20 characters, about 120 bits
	admin, err := a.Accounts.CreateUser(ctx, by, accounts.NewUser{
		Email: DemoAdminEmail, Name: "Demo Administrator", Role: accounts.RoleAdmin, Password: password,
		OrganisationID: orgs["Office of Cyber Security"].ID, MustChangePassword: true,
	})
	if err != nil {
		return fmt.Errorf("demo administrator: %w", err)
	}
	var teamIDs []int64
	teamIDs = append(teamIDs, admin.ID)
	for _, du := range demoUsers {
		if du.p.email == "" {
			continue
		}
		u, err := a.Accounts.CreateUser(ctx, by, accounts.NewUser{
			Email: du.p.email, Name: du.p.first + " " + du.p.last, Role: du.role, Password: accounts.NewSecret(18),
		})
		if err != nil {
			return fmt.Errorf("demo user %s: %w", du.role.Label(), err)
		}
		if du.role == accounts.RoleAnalyst || du.role == accounts.RoleLeader {
			teamIDs = append(teamIDs, u.ID)
		}
	}
	if err := seedDemoTeam(ctx, a, by, "Election-night watch team", "Analysts, the administrator and leadership on duty for election night.", teamIDs); err != nil {
		return err
	}

	people, _ := a.Directory.CountPeople(ctx, directory.PeopleFilter{})
	fmt.Fprintf(out, "\nDemo mode: added a fictional state workforce of %d people in %d organisations, with groups, a team and a demo user of every role.\n", people, len(orgs)+len(leas))
	fmt.Fprintf(out, "Sign in at %s as %s with this one-time password:\n\n    %s\n\n", demoLoginURL(a.Config), DemoAdminEmail, password)
	fmt.Fprintln(out, "It is shown only this once. You will choose your own password at the first sign-in, then set up two-step sign-in.")
	return nil
}

func demoLoginURL(cfg config.Config) string {
	if cfg.AppURL != "" {
		return strings.TrimSuffix(cfg.AppURL, "/") + "/login"
	}
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	if !config.Enabled(cfg.AppAddr) {
		return "the app listener's /login page"
	}
	host := cfg.AppAddr
	if strings.HasPrefix(host, ":") {
		host = "localhost" + host
	}
	return scheme + "://" + host + "/login"
}

// seedDemoGroups adds a filter group per large agency and a static group of
// election-night contacts.
func seedDemoGroups(ctx context.Context, a *App, by audit.Actor, orgs map[string]directory.Organisation, roster []demoPerson) error {
	groups := []directory.Group{
		{Name: "All Department of Revenue staff", Description: "Everyone in the Department of Revenue, kept up to date from the directory.",
			Kind: directory.GroupFiltered, OrganisationID: orgs["Department of Revenue"].ID, ActiveOnly: true},
		{Name: "All Office of Cyber Security staff", Description: "Everyone in the Office of Cyber Security.",
			Kind: directory.GroupFiltered, OrganisationID: orgs["Office of Cyber Security"].ID, ActiveOnly: true},
		{Name: "Field office staff, Department of Revenue", Description: "Staff of the Department of Revenue's field offices.",
			Kind: directory.GroupFiltered, OrganisationID: orgs["Department of Revenue"].ID, Department: "Field Offices", ActiveOnly: true},
		{Name: "Election-night contacts", Description: "State election-security staff and county election officials to reach on election night.",
			Kind: directory.GroupStatic},
	}
	var contacts []string
	for _, p := range roster {
		if (p.org == "Office of the Secretary of State" && p.department == "Election Security") || (p.department == "Elections" && p.manager == "") {
			contacts = append(contacts, p.email)
		}
	}
	for _, g := range groups {
		g, err := a.Directory.CreateGroup(ctx, by, g)
		if errors.Is(err, database.ErrConflict) {
			continue // left by an earlier, interrupted start
		}
		if err != nil {
			return fmt.Errorf("group %q: %w", g.Name, err)
		}
		if g.Kind == directory.GroupStatic {
			if _, err := a.Directory.AddGroupMembersByEmail(ctx, by, g.ID, contacts); err != nil {
				return fmt.Errorf("group %q: %w", g.Name, err)
			}
		}
	}
	return nil
}

func seedDemoTeam(ctx context.Context, a *App, by audit.Actor, name, description string, userIDs []int64) error {
	t, err := a.Directory.CreateTeam(ctx, by, directory.Team{Name: name, Description: description})
	if errors.Is(err, database.ErrConflict) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("team %q: %w", name, err)
	}
	if _, err := a.Directory.AddTeamMembers(ctx, by, t.ID, userIDs); err != nil {
		return fmt.Errorf("team %q: %w", name, err)
	}
	return nil
}
