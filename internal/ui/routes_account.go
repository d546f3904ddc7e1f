package ui

import "bulwark/internal/access"

func (u *UI) accountRoutes() []access.Route { return nil }
