package ui

import "bulwark/internal/access"

func (u *UI) adminRoutes() []access.Route { return nil }
