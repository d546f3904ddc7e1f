package ui

import "bulwark/internal/access"

func (u *UI) jobsRoutes() []access.Route { return nil }
