package ui_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"

	"bulwark/internal/accounts"
	"bulwark/internal/app/apptest"
	"bulwark/internal/directory"
	"bulwark/internal/phishing"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/mail/smtptest"
)

func TestPhishingProfilePages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		c := e.Browser(e.User(accounts.RoleAwarenessManager, 0))
		server := smtptest.Start(t, smtptest.Options{User: "relay", Pass: "Relay-Secret-99"})
		form := url.Values{"name": {"Loopback relay"}, "host": {"127.0.0.1"}, "port": {fmt.Sprint(server.Port)}, "tls": {"none"}, "auth": {"plain"},
			"username": {"relay"}, "password": {"Relay-Secret-99"}, "from": {"Help Desk <help@example.com>"}, "rate_per_minute": {"30"}, "connections": {"2"},
			"header_name_1": {"X-Sim"}, "header_value_1": {"ok"}}
		resp, body := e.PostForm(c, "/phishing/profiles", form)
		if resp.StatusCode != 303 {
			t.Fatalf("%d %.600s", resp.StatusCode, body)
		}
		loc := resp.Header.Get("Location")
		resp, body = e.Do(c, "GET", loc, "", nil)
		if resp.StatusCode != 200 || strings.Contains(body, "Relay-Secret-99") || !strings.Contains(body, "<dd>Set</dd>") || !strings.Contains(body, "X-Sim: ok") {
			t.Fatalf("%d %.2000s", resp.StatusCode, body)
		}
		resp, body = e.Do(c, "GET", loc+"/edit", "", nil)
		if strings.Contains(body, "Relay-Secret-99") || !strings.Contains(body, "The password is set") {
			t.Fatalf("the edit form shows the password or not its state: %.3000s", body)
		}

		// Send a test message from the page; then one the server refuses.
		resp, body = e.PostForm(c, loc+"/test", url.Values{"to": {"me@example.gov"}})
		if resp.StatusCode != 200 || !strings.Contains(body, "accepted the test message") || len(server.Deliveries()) != 1 {
			t.Fatalf("%d %.3000s", resp.StatusCode, body)
		}
		form.Set("password", "wrong")
		if resp, body = e.PostForm(c, loc, form); resp.StatusCode != 303 {
			t.Fatalf("%d %.1000s", resp.StatusCode, body)
		}
		resp, body = e.PostForm(c, loc+"/test", url.Values{"to": {"me@example.gov"}})
		if !strings.Contains(body, "was not sent") || !strings.Contains(body, "535") {
			t.Fatalf("%d %.3000s", resp.StatusCode, body)
		}

		// Mistakes come back beside the fields, nothing saved.
		form.Set("header_value_1", "a\nBcc: x@example.com")
		form.Set("name", "Second")
		resp, body = e.PostForm(c, "/phishing/profiles", form)
		if resp.StatusCode != 422 || !strings.Contains(body, "line break") {
			t.Fatalf("%d %.3000s", resp.StatusCode, body)
		}
		if n, _ := e.App.Phishing.CountProfiles(ctx); n != 1 {
			t.Fatalf("%d profiles", n)
		}

		// An auditor sees the profile but no change buttons, and cannot post.
		aud := e.Browser(e.User(accounts.RoleAuditor, 0))
		resp, body = e.Do(aud, "GET", loc, "", nil)
		if resp.StatusCode != 200 || strings.Contains(body, "Send test message") || strings.Contains(body, "Change profile") {
			t.Fatalf("%d %.2000s", resp.StatusCode, body)
		}
		if resp, _ = e.PostForm(aud, loc+"/test", url.Values{"to": {"me@example.gov"}}); resp.StatusCode != 403 {
			t.Fatalf("auditor test send: %d", resp.StatusCode)
		}
		analyst := e.Browser(e.User(accounts.RoleAnalyst, 0))
		if resp, _ = e.Do(analyst, "GET", "/phishing/profiles", "", nil); resp.StatusCode != 403 {
			t.Fatalf("analyst reads profiles: %d", resp.StatusCode)
		}
	})
}

func TestPhishingTemplatePages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		c := e.Browser(e.User(accounts.RoleAdmin, 0))
		resp, body := e.Do(c, "GET", "/phishing/templates", "", nil)
		if resp.StatusCode != 200 || strings.Count(body, "Starter library") < 12 {
			t.Fatalf("%d %.1000s", resp.StatusCode, body)
		}
		form := url.Values{"name": {"Mailbox"}, "subject": {"Quota"}, "difficulty": {"2"},
			"text_body":    {"Hello {{.FirstName}}\r\nplease {{printf \"%s\" .Email}}"},
			"flag_label_1": {"Urgency"}, "flag_explanation_1": {"Rushes you"}, "flag_points_at_1": {"subject"}}
		resp, body = e.PostForm(c, "/phishing/templates", form)
		if resp.StatusCode != 422 || !strings.Contains(body, "Line 2, column 8") || !strings.Contains(body, "calls a function") {
			t.Fatalf("%d %.4000s", resp.StatusCode, body)
		}
		form.Set("text_body", "Hello {{.FirstName}}, go to {{.Link}}")
		resp, body = e.PostForm(c, "/phishing/templates", form)
		if resp.StatusCode != 303 {
			t.Fatalf("%d %.4000s", resp.StatusCode, body)
		}
		loc := resp.Header.Get("Location")
		resp, body = e.Do(c, "GET", loc, "", nil)
		if resp.StatusCode != 200 || !strings.Contains(body, "Rushes you") || !strings.Contains(body, "Hello {{.FirstName}}, go to {{.Link}}") {
			t.Fatalf("%d %.4000s", resp.StatusCode, body)
		}

		// A text preview for a directory person, escaped like any page text.
		if _, err := e.App.Directory.CreatePerson(ctx, audit.System, directory.Person{Email: "kim@example.gov", FirstName: "<i>Kim</i>", Active: true}); err != nil {
			t.Fatal(err)
		}
		_, body = e.Do(c, "GET", loc+"?preview=kim%40example.gov", "", nil)
		if !strings.Contains(body, "Hello &lt;i&gt;Kim&lt;/i&gt;, go to "+phishing.PreviewLink) {
			t.Fatalf("preview: %.5000s", body)
		}
		resp, body = e.Do(c, "GET", loc+"?preview=nobody%40example.gov", "", nil)
		if resp.StatusCode != 422 || !strings.Contains(body, "no one with this email address") {
			t.Fatalf("%d %.3000s", resp.StatusCode, body)
		}

		// A library template cannot be edited; copying gives an editable one.
		lib := phishing.LibraryTemplates()[0]
		var libID int64
		e.App.DB.QueryRowContext(ctx, `SELECT id FROM phishing_templates WHERE slug = $1`, lib.Slug).Scan(&libID)
		resp, _ = e.Do(c, "GET", fmt.Sprintf("/phishing/templates/%d/edit", libID), "", nil)
		if resp.StatusCode != 303 {
			t.Fatalf("library edit: %d", resp.StatusCode)
		}
		resp, _ = e.PostForm(c, fmt.Sprintf("/phishing/templates/%d/copy", libID), nil)
		if resp.StatusCode != 303 || !strings.HasSuffix(resp.Header.Get("Location"), "/edit") {
			t.Fatalf("copy: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		// The HTML of a template is shown as source, never rendered in the app.
		resp, body = e.Do(c, "GET", fmt.Sprintf("/phishing/templates/%d", libID), "", nil)
		if strings.Contains(body, `<a href="{{.Link}}"`) || !strings.Contains(body, `&lt;a href=&#34;{{.Link}}&#34;`) {
			t.Fatalf("HTML body shown unescaped: %.5000s", body)
		}

		// Import an .eml upload; a broken one explains why.
		upload := func(name, content string) (int, string) {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			fw, _ := mw.CreateFormFile("eml", name)
			fw.Write([]byte(content))
			mw.Close()
			resp, body := e.Do(c, "POST", "/phishing/templates/import", "", &buf, "Content-Type", mw.FormDataContentType(), "Origin", e.URL, "Sec-Fetch-Site", "same-origin")
			return resp.StatusCode, body
		}
		status, body := upload("msg.eml", "From: IT <it@example.net>\r\nSubject: Reset\r\nContent-Type: text/html\r\n\r\n<p>Reset now</p>\r\n")
		if status != 303 {
			t.Fatalf("%d %.2000s", status, body)
		}
		status, body = upload("bad.eml", "Subject: x\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!\r\n")
		if status != 422 || !strings.Contains(body, "base64 part is malformed") {
			t.Fatalf("%d %.3000s", status, body)
		}
		if n, _ := e.App.Phishing.CountTemplates(ctx); n != len(phishing.LibraryTemplates())+3 {
			t.Fatalf("%d templates", n)
		}
		// A leader may not create templates.
		leader := e.Browser(e.User(accounts.RoleLeader, 0))
		if resp, _ = e.PostForm(leader, "/phishing/templates", form); resp.StatusCode != 403 {
			t.Fatalf("leader create: %d", resp.StatusCode)
		}
	})
}

func TestPhishingLandingPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Browser(e.User(accounts.RoleAwarenessManager, 0))
		form := url.Values{"name": {"Mine"}, "html": {`<form><input name="user"><input type="password" name="secret_pw"></form>`}, "redirect": {"url"}, "redirect_url": {"not a url"}}
		resp, body := e.PostForm(c, "/phishing/landing-pages", form)
		if resp.StatusCode != 422 || !strings.Contains(body, "https://") {
			t.Fatalf("%d %.3000s", resp.StatusCode, body)
		}
		form.Set("redirect", "teachable_moment")
		resp, body = e.PostForm(c, "/phishing/landing-pages", form)
		if resp.StatusCode != 303 {
			t.Fatalf("%d %.3000s", resp.StatusCode, body)
		}
		resp, body = e.Do(c, "GET", resp.Header.Get("Location"), "", nil)
		if !strings.Contains(body, "a password field") || !strings.Contains(body, "user (text)") {
			t.Fatalf("%.3000s", body)
		}
		if _, err := e.App.Phishing.CreateLandingPage(context.Background(), audit.System, phishing.LandingPage{Name: "x", HTML: "<p>x</p>"}); err != nil {
			t.Fatal(err)
		}
		resp, body = e.Do(c, "GET", "/phishing", "", nil)
		if resp.StatusCode != 200 || !strings.Contains(body, "Landing pages") {
			t.Fatalf("%d %.2000s", resp.StatusCode, body)
		}
	})
}

func TestPhishingTemplateAttachmentsFromTheForm(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Browser(e.User(accounts.RoleAwarenessManager, 0))
		post := func(path string, fields map[string]string, files map[string]string) (int, string, string) {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			for k, v := range fields {
				mw.WriteField(k, v)
			}
			for name, content := range files {
				fw, _ := mw.CreateFormFile("attachments", name)
				fw.Write([]byte(content))
			}
			mw.Close()
			resp, body := e.Do(c, "POST", path, "", &buf, "Content-Type", mw.FormDataContentType(), "Origin", e.URL, "Sec-Fetch-Site", "same-origin")
			return resp.StatusCode, resp.Header.Get("Location"), body
		}
		fields := map[string]string{"name": "With logo", "subject": "s", "difficulty": "3", "html_body": `<img src="cid:logo" alt="Logo">{{.Link}}`, "content_id": "logo"}
		status, _, body := post("/phishing/templates", fields, map[string]string{"a.png": "\x89PNG one", "b.png": "\x89PNG two"})
		if status != 422 || !strings.Contains(body, "one at a time") {
			t.Fatalf("%d %.2000s", status, body)
		}
		status, loc, body := post("/phishing/templates", fields, map[string]string{"logo.png": "\x89PNG one"})
		if status != 303 {
			t.Fatalf("%d %.2000s", status, body)
		}
		_, body = e.Do(c, "GET", loc, "", nil)
		if !strings.Contains(body, "logo.png (inline image)") {
			t.Fatalf("%.3000s", body)
		}
		// Saving without ticking "keep" removes it.
		delete(fields, "content_id")
		if status, _, body = post(loc, fields, nil); status != 303 {
			t.Fatalf("%d %.2000s", status, body)
		}
		_, body = e.Do(c, "GET", loc, "", nil)
		if strings.Contains(body, "logo.png") {
			t.Fatalf("the attachment was kept: %.3000s", body)
		}
	})
}
