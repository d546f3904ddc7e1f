package web

// NavItem is one link of the side navigation. Path is both the link target and the key the
// layout looks up in the page's .Nav map to decide whether to show it.
type NavItem struct {
	Path  string
	Label string
}

// NavSection is a group of links under a label; sections without a label stand alone.
type NavSection struct {
	ID    string // used for the label's element id
	Label string
	Items []NavItem
}

// VisibleIn reports whether at least one of the section's items is visible, so an empty group
// does not leave its label behind.
func (s NavSection) VisibleIn(nav map[string]bool) bool {
	for _, it := range s.Items {
		if nav[it.Path] {
			return true
		}
	}
	return false
}

// NavSections returns the side navigation in display order: the five pillars, the directory,
// administration and the user's own account. Handlers decide which items a user sees by
// putting their paths in the page's .Nav map.
func NavSections() []NavSection {
	return []NavSection{
		{ID: "home", Items: []NavItem{{"/", "Dashboard"}}},
		{ID: "awareness", Label: "Awareness", Items: []NavItem{
			{"/phishing", "Phishing"},
			{"/training", "Training"},
		}},
		{ID: "sharing", Label: "Sharing", Items: []NavItem{{"/sharing", "Advisories"}}},
		{ID: "operations", Label: "Operations", Items: []NavItem{{"/operations", "Watch floor"}}},
		{ID: "readiness", Label: "Readiness", Items: []NavItem{{"/readiness", "Assessments"}}},
		{ID: "trust", Label: "Trust", Items: []NavItem{{"/trust", "Public site"}}},
		{ID: "directory", Label: "Directory", Items: []NavItem{
			{"/directory/organisations", "Organisations"},
			{"/directory/people", "People"},
			{"/directory/groups", "Groups"},
			{"/directory/teams", "Teams"},
			{"/directory/import", "Import"},
		}},
		{ID: "admin", Label: "Administration", Items: []NavItem{
			{"/admin/users", "Users"},
			{"/account/tokens", "API tokens"},
			{"/admin/jobs", "Jobs"},
			{"/admin/audit", "Audit log"},
			{"/admin/settings", "Settings"},
			{"/admin/mail", "Mail outbox"},
		}},
		{ID: "account", Items: []NavItem{{"/account", "My account"}}},
	}
}
