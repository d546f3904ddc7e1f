package api

import "bulwark/internal/access"

func (a *API) accountsExtraRoutes() []access.Route { return nil }
