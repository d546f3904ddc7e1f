package api

import "bulwark/internal/access"

func (a *API) jobsExtraRoutes() []access.Route { return nil }
