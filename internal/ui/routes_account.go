package ui

import (
	"bulwark/internal/access"
	"bulwark/internal/accounts"
)

// accountRoutes are sign-in's later steps (second factor, enrolment,
// forced password change), password reset, single sign-on and My account.
func (u *UI) accountRoutes() []access.Route {
	S := accounts.PermSignedIn
	return []access.Route{
		{Method: "GET", Pattern: "/login/mfa", Perm: S, Stage: access.StageMFA, Handler: u.mfaPage},
		{Method: "POST", Pattern: "/login/mfa", Perm: S, Stage: access.StageMFA, Handler: u.mfaVerify},
		{Method: "POST", Pattern: "/login/cancel", Handler: u.cancelSignIn},
		{Method: "GET", Pattern: "/login/sso", Handler: u.ssoStart},
		{Method: "GET", Pattern: "/login/sso/callback", Handler: u.ssoCallback},

		{Method: "GET", Pattern: "/account/mfa/setup", Perm: S, Stage: access.StageEnrol, Handler: u.mfaSetupPage},
		{Method: "POST", Pattern: "/account/mfa/setup", Perm: S, Stage: access.StageEnrol, Handler: u.mfaSetupConfirm},
		{Method: "GET", Pattern: "/account/password/new", Perm: S, Stage: access.StagePassword, Handler: u.newPasswordPage},
		{Method: "POST", Pattern: "/account/password/new", Perm: S, Stage: access.StagePassword, Handler: u.newPassword},

		{Method: "GET", Pattern: "/password/forgot", Handler: u.forgotPage},
		{Method: "POST", Pattern: "/password/forgot", Handler: u.forgot},
		{Method: "GET", Pattern: "/password/reset", Handler: u.resetPage},
		{Method: "POST", Pattern: "/password/reset", Handler: u.reset},

		{Method: "GET", Pattern: "/account", Perm: S, Handler: u.accountPage},
		{Method: "GET", Pattern: "/account/password", Perm: S, Handler: u.changePasswordPage},
		{Method: "POST", Pattern: "/account/password", Perm: S, Handler: u.changePassword},
		{Method: "POST", Pattern: "/account/mfa/recovery-codes", Perm: S, Handler: u.regenerateRecoveryCodes},
	}
}
