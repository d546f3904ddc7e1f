package ui_test

import (
	"bytes"
	"encoding/base64"
	"html"
	"image/png"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"bulwark/internal/accounts"
	"bulwark/internal/app/apptest"
	"bulwark/internal/platform/database"
)

// TestSetupQRCodeHoldsTheSecret decodes the QR code a person scans with
// their phone and checks it adds the same key the page shows in text.
func TestSetupQRCodeHoldsTheSecret(t *testing.T) {
	e := apptest.New(t, database.SQLite)
	u := acctWithoutMFA(t, e, accounts.RoleAnalyst)
	c, _ := acctPasswordSignIn(t, e, u, "/")
	resp, body := e.Do(c, "GET", "/account/mfa/setup", "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("set-up page: %d", resp.StatusCode)
	}
	m := regexp.MustCompile(`src="data:image/png;base64,([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no QR image on the set-up page")
	}
	raw, err := base64.StdEncoding.DecodeString(html.UnescapeString(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("the QR code does not decode: %v", err)
	}
	otpURL, err := url.Parse(res.GetText())
	if err != nil || otpURL.Scheme != "otpauth" || otpURL.Host != "totp" {
		t.Fatalf("QR holds %q", res.GetText())
	}
	shown := regexp.MustCompile(`id="mfa-secret">([^<]+)<`).FindStringSubmatch(body)
	if shown == nil {
		t.Fatal("the key is not shown in text")
	}
	if got, want := otpURL.Query().Get("secret"), strings.ReplaceAll(shown[1], " ", ""); got != want {
		t.Fatalf("QR secret %q, text %q", got, want)
	}
	if otpURL.Query().Get("issuer") != "Bulwark" || !strings.Contains(otpURL.Path, u.Email) {
		t.Fatalf("QR label %q issuer %q", otpURL.Path, otpURL.Query().Get("issuer"))
	}
}
