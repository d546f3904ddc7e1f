package api

import "bulwark/internal/access"

func (a *API) directoryExtraRoutes() []access.Route { return nil }
