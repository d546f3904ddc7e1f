package ui_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"bulwark/internal/accounts"
	"bulwark/internal/app/apptest"
	"bulwark/internal/platform/config"
)

// amrUser is a provider user whose ID token says which methods signed them
// in (mockoidc's own user has no amr claim).
type amrUser struct {
	*mockoidc.MockUser
	amr []string
}

func (u amrUser) Claims(scope []string, c *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	base, err := u.MockUser.Claims(scope, c)
	return amrClaims{Claims: base, amr: u.amr}, err
}

type amrClaims struct {
	jwt.Claims
	amr []string
}

func (c amrClaims) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(c.Claims)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	m["amr"] = c.amr
	return json.Marshal(m)
}

// startProvider runs an OpenID Connect provider on loopback for the test
// and returns the options that point Bulwark at it.
func startProvider(t *testing.T, roleDefault string) (*mockoidc.MockOIDC, apptest.Option) {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	mc := m.Config()
	return m, func(c *config.Config) {
		c.OIDCIssuer = mc.Issuer
		c.OIDCClientID = mc.ClientID
		c.OIDCClientSecret = mc.ClientSecret
		c.OIDCRoleDefault = roleDefault
		// The provider is on this machine; outbound connections refuse
		// loopback unless allowed.
		c.OutboundAllow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	}
}

// ssoDance sends browser c through single sign-on as user: to the
// provider, back to the callback (after tamper, when given, changes the
// address), and returns the callback's answer.
func ssoDance(t *testing.T, e *apptest.Env, m *mockoidc.MockOIDC, c *http.Client, user mockoidc.User, tamper func(*url.URL)) (*http.Response, string) {
	t.Helper()
	m.QueueUser(user)
	resp, body := e.Do(c, "GET", "/login/sso?next=/account", "", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("start: %d %.300s", resp.StatusCode, body)
	}
	auth, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(auth.String(), m.AuthorizationEndpoint()) {
		t.Fatalf("start sent the browser to %q, want the provider", resp.Header.Get("Location"))
	}
	q := auth.Query()
	if q.Get("state") == "" || q.Get("nonce") == "" || q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256" {
		t.Fatalf("authorization request lacks state, nonce or PKCE: %s", auth)
	}
	resp, err = c.Get(auth.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(back.String(), e.URL+"/login/sso/callback?") {
		t.Fatalf("provider sent the browser to %q", resp.Header.Get("Location"))
	}
	if tamper != nil {
		tamper(back)
	}
	return e.Do(c, "GET", strings.TrimPrefix(back.String(), e.URL), "", nil)
}

func TestSingleSignOn(t *testing.T) {
	m, opt := startProvider(t, "")
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()

		// An existing user, matched by verified email: the app's second
		// factor is still asked for.
		u, secret, _ := acctEnrolled(t, e, accounts.RoleAnalyst)
		c := e.Anonymous()
		resp, body := ssoDance(t, e, m, c, &mockoidc.MockUser{Subject: "sub-casey", Email: u.Email, EmailVerified: true}, nil)
		acctWantRedirect(t, resp, body, "/login/mfa?next=%2Faccount")
		resp, body = e.Do(c, "GET", "/account", "", nil)
		acctWantRedirect(t, resp, body, "/login/mfa?next=%2Faccount")
		resp, body = e.PostForm(c, "/login/mfa", url.Values{"code": {acctCode(t, secret, time.Now())}, "next": {"/account"}})
		acctWantRedirect(t, resp, body, "/account")
		resp, body = e.Do(c, "GET", "/account", "", nil)
		if resp.StatusCode != 200 || !strings.Contains(body, u.Email) {
			t.Fatalf("account page after SSO and code: %d %.300s", resp.StatusCode, body)
		}
		var subject string
		e.App.DB.QueryRowContext(ctx, `SELECT COALESCE(oidc_subject, '') FROM users WHERE id = $1`, u.ID).Scan(&subject)
		if subject != m.Issuer()+" sub-casey" {
			t.Errorf("oidc_subject = %q, want the issuer and subject", subject)
		}

		// A provider that checked a second factor itself (amr) is trusted.
		v, _, _ := acctEnrolled(t, e, accounts.RoleLeader)
		c = e.Anonymous()
		resp, body = ssoDance(t, e, m, c, amrUser{&mockoidc.MockUser{Subject: "sub-dana", Email: v.Email, EmailVerified: true}, []string{"pwd", "mfa"}}, nil)
		acctWantRedirect(t, resp, body, "/account")
		if resp, body := e.Do(c, "GET", "/account", "", nil); resp.StatusCode != 200 {
			t.Fatalf("account page after SSO with amr=mfa: %d %.300s", resp.StatusCode, body)
		}
		// A user who never set up the app's code is not sent to set it up
		// when the provider vouched for a second factor...
		nv := acctWithoutMFA(t, e, accounts.RoleAuditor)
		c2 := e.Anonymous()
		resp, body = ssoDance(t, e, m, c2, amrUser{&mockoidc.MockUser{Subject: "sub-noapp", Email: nv.Email, EmailVerified: true}, []string{"mfa"}}, nil)
		acctWantRedirect(t, resp, body, "/account")
		if resp, body := e.Do(c2, "GET", "/account", "", nil); resp.StatusCode != 200 {
			t.Fatalf("SSO with amr=mfa, no app code: %d %.300s", resp.StatusCode, body)
		}
		// ...and is when it did not.
		nv2 := acctWithoutMFA(t, e, accounts.RoleAuditor)
		c3 := e.Anonymous()
		ssoDance(t, e, m, c3, amrUser{&mockoidc.MockUser{Subject: "sub-noapp2", Email: nv2.Email, EmailVerified: true}, []string{"pwd"}}, nil)
		resp, body = e.Do(c3, "GET", "/account", "", nil)
		acctWantRedirect(t, resp, body, "/account/mfa/setup")

		// ...but "pwd" alone is not a second factor.
		w, _, _ := acctEnrolled(t, e, accounts.RoleLeader)
		resp, body = ssoDance(t, e, m, e.Anonymous(), amrUser{&mockoidc.MockUser{Subject: "sub-erin", Email: w.Email, EmailVerified: true}, []string{"pwd"}}, nil)
		acctWantRedirect(t, resp, body, "/login/mfa?next=%2Faccount")

		// Refusals: the browser ends up signed out, told why.
		refusals := []struct {
			name   string
			user   mockoidc.User
			tamper func(*url.URL)
			status int
			says   string
		}{
			{"unknown email", &mockoidc.MockUser{Subject: "sub-x1", Email: "stranger@example.org", EmailVerified: true}, nil, http.StatusForbidden, "no Bulwark account"},
			{"unverified email", &mockoidc.MockUser{Subject: "sub-x2", Email: u.Email}, nil, http.StatusForbidden, "did not confirm your email"},
			{"tampered state", &mockoidc.MockUser{Subject: "sub-casey", Email: u.Email, EmailVerified: true}, func(cb *url.URL) {
				q := cb.Query()
				q.Set("state", q.Get("state")+"x")
				cb.RawQuery = q.Encode()
			}, http.StatusBadRequest, "not valid"},
			{"missing state", &mockoidc.MockUser{Subject: "sub-casey", Email: u.Email, EmailVerified: true}, func(cb *url.URL) {
				q := cb.Query()
				q.Del("state")
				cb.RawQuery = q.Encode()
			}, http.StatusBadRequest, "not valid"},
			{"made-up code", &mockoidc.MockUser{Subject: "sub-casey", Email: u.Email, EmailVerified: true}, func(cb *url.URL) {
				q := cb.Query()
				q.Set("code", "made-up")
				cb.RawQuery = q.Encode()
			}, http.StatusUnauthorized, "could not confirm"},
			{"provider error", &mockoidc.MockUser{Subject: "sub-casey", Email: u.Email, EmailVerified: true}, func(cb *url.URL) {
				q := cb.Query()
				q.Del("code")
				q.Set("error", "access_denied")
				cb.RawQuery = q.Encode()
			}, http.StatusUnauthorized, "access_denied"},
		}
		for _, tc := range refusals {
			c := e.Anonymous()
			resp, body := ssoDance(t, e, m, c, tc.user, tc.tamper)
			if resp.StatusCode != tc.status || !strings.Contains(body, tc.says) {
				t.Errorf("%s: %d, want %d saying %q: %.300s", tc.name, resp.StatusCode, tc.status, tc.says, body)
			}
			if resp, _ := e.Do(c, "GET", "/", "", nil); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?") {
				t.Errorf("%s: the browser is signed in (%d to %q)", tc.name, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
		if n, _ := e.App.Accounts.CountUsers(ctx); n != 5 { // the five made above
			t.Errorf("%d users, want 5: single sign-on made users without a default role", n)
		}

		// The callback only works in the browser that started the sign-in.
		stranger := e.Anonymous()
		resp, body = ssoDance(t, e, m, e.Anonymous(), &mockoidc.MockUser{Subject: "sub-casey", Email: u.Email, EmailVerified: true}, func(cb *url.URL) {
			r, _ := stranger.Get(cb.String())
			if r != nil {
				r.Body.Close()
				if r.StatusCode != http.StatusBadRequest {
					t.Errorf("callback in a browser that did not start: %d, want 400", r.StatusCode)
				}
			}
		})
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("the right browser after a stranger tried its callback: %d %.300s", resp.StatusCode, body)
		}

		// A flow cookie whose nonce was changed is refused: the ID token
		// must carry the nonce this browser sent.
		c = e.Anonymous()
		resp, body = ssoDance(t, e, m, c, &mockoidc.MockUser{Subject: "sub-casey", Email: u.Email, EmailVerified: true}, func(*url.URL) {
			base, _ := url.Parse(e.URL)
			for _, ck := range c.Jar.Cookies(base) {
				if ck.Name != "bulwark_sso" {
					continue
				}
				raw, _ := base64.RawURLEncoding.DecodeString(ck.Value)
				var f map[string]string
				json.Unmarshal(raw, &f)
				f["n"] = "a-different-nonce"
				raw, _ = json.Marshal(f)
				c.Jar.SetCookies(base, []*http.Cookie{{Name: ck.Name, Value: base64.RawURLEncoding.EncodeToString(raw), Path: "/"}})
			}
		})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("changed nonce: %d %.300s", resp.StatusCode, body)
		}
	}, opt)
}

func TestSingleSignOnCreatesUsersWithDefaultRole(t *testing.T) {
	m, opt := startProvider(t, string(accounts.RoleLeader))
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Anonymous()
		resp, body := ssoDance(t, e, m, c, &mockoidc.MockUser{Subject: "sub-new", Email: "new.person@sos.example.gov", EmailVerified: true}, nil)
		acctWantRedirect(t, resp, body, "/account")
		u, err := e.App.Accounts.UserByEmail(context.Background(), "new.person@sos.example.gov")
		if err != nil || u.Role != accounts.RoleLeader {
			t.Fatalf("new user: %+v, %v", u, err)
		}
		// The new user sets up the app's second factor before anything else.
		resp, body = e.Do(c, "GET", "/account", "", nil)
		acctWantRedirect(t, resp, body, "/account/mfa/setup")
		// An unverified email still makes no one.
		resp, _ = ssoDance(t, e, m, e.Anonymous(), &mockoidc.MockUser{Subject: "sub-new2", Email: "other.person@sos.example.gov"}, nil)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("unverified email with a default role: %d", resp.StatusCode)
		}
	}, opt)
}

func TestSingleSignOnNotConfigured(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		for _, path := range []string{"/login/sso", "/login/sso/callback?code=x&state=y"} {
			if resp, _ := e.Do(nil, "GET", path, "", nil); resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s without SSO: %d, want 404", path, resp.StatusCode)
			}
		}
		_, body := e.Do(nil, "GET", "/login", "", nil)
		if strings.Contains(body, "/login/sso") {
			t.Error("the sign-in page offers single sign-on that is not set up")
		}
	})
}
