package ui

import "bulwark/internal/access"

func (u *UI) directoryRoutes() []access.Route { return nil }
