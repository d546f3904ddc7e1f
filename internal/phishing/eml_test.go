package phishing

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

var pngPixel = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")

func sampleEML() string {
	img := base64.StdEncoding.EncodeToString(pngPixel)
	pdf := base64.StdEncoding.EncodeToString([]byte("%PDF-1.4 invoice"))
	return "From: =?utf-8?q?Accounts_Payable_D=C3=A9partement?= <ap@vendor.example.com>\r\n" +
		"To: clerk@example.gov\r\n" +
		"Subject: =?utf-8?b?" + base64.StdEncoding.EncodeToString([]byte("Invoice due – today")) + "?=\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n" +
		"--outer\r\n" +
		"Content-Type: multipart/related; boundary=\"rel\"\r\n\r\n" +
		"--rel\r\n" +
		"Content-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n" +
		"--alt\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"Please pay the invoice =E2=80=93 it is due today. This line is long enough that it is=\r\n wrapped.\r\n" +
		"--alt\r\n" +
		"Content-Type: text/html; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString([]byte(`<p>Please pay <b>today</b></p><img src="cid:logo@vendor">`)) + "\r\n" +
		"--alt--\r\n" +
		"--rel\r\n" +
		"Content-Type: image/png\r\n" +
		"Content-Transfer-Encoding: base64\r\n" +
		"Content-ID: <logo@vendor>\r\n" +
		"Content-Disposition: inline; filename=\"logo.png\"\r\n\r\n" +
		img + "\r\n" +
		"--rel--\r\n" +
		"--outer\r\n" +
		"Content-Type: application/pdf; name=\"invoice.pdf\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n" +
		"Content-Disposition: attachment; filename=\"invoice.pdf\"\r\n\r\n" +
		pdf + "\r\n" +
		"--outer--\r\n"
}

func TestImportEML(t *testing.T) {
	got, err := ImportEML([]byte(sampleEML()))
	if err != nil {
		t.Fatal(err)
	}
	tm := got.Template
	if tm.Subject != "Invoice due – today" || tm.SenderName != "Accounts Payable Département" || tm.SenderAddress != "ap@vendor.example.com" {
		t.Errorf("headers: %q %q %q", tm.Subject, tm.SenderName, tm.SenderAddress)
	}
	if tm.TextBody != "Please pay the invoice – it is due today. This line is long enough that it is wrapped." {
		t.Errorf("text %q", tm.TextBody)
	}
	if tm.HTMLBody != `<p>Please pay <b>today</b></p><img src="cid:logo@vendor">` {
		t.Errorf("html %q", tm.HTMLBody)
	}
	if len(got.Attachments) != 2 {
		t.Fatalf("attachments %+v", got.Attachments)
	}
	logo, pdf := got.Attachments[0], got.Attachments[1]
	if logo.Name != "logo.png" || logo.ContentID != "logo@vendor" || !bytes.Equal(logo.Data, pngPixel) || logo.ContentType != "image/png" {
		t.Errorf("inline image %+v", logo)
	}
	if pdf.Name != "invoice.pdf" || pdf.ContentID != "" || string(pdf.Data) != "%PDF-1.4 invoice" {
		t.Errorf("attachment %+v", pdf)
	}
	tm.Difficulty = 2
	if err := tm.Validate(); err != nil {
		t.Errorf("an imported message does not validate: %v", err)
	}
}

func TestImportEMLRefusesMalformedMessages(t *testing.T) {
	tests := []struct{ name, raw, want string }{
		{"empty", "", "the file is empty"},
		{"not a message", "just some words without headers", "not an email message"},
		{"no boundary", "Subject: x\r\nContent-Type: multipart/alternative\r\n\r\nbody", "has no boundary"},
		{"wrong boundary", "Subject: x\r\nContent-Type: multipart/alternative; boundary=zzz\r\n\r\n--other\r\n\r\nhi\r\n--other--\r\n", `is the boundary "zzz" right?`},
		{"bad base64", "Subject: x\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!\r\n", "base64 part is malformed"},
		{"unknown encoding", "Subject: x\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: uuencode\r\n\r\nx\r\n", "transfer encoding"},
		{"unknown charset", "Subject: x\r\nContent-Type: text/plain; charset=koi8-r\r\n\r\nx\r\n", "character set"},
		{"bad content type", "Subject: x\r\nContent-Type: ;;;\r\n\r\nx\r\n", "Content-Type that cannot be read"},
		{"no body", "Subject: x\r\nContent-Type: image/png\r\n\r\nx\r\n", "no text or HTML body"},
		{"cut short", "Subject: x\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello", "cut short or malformed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ImportEML([]byte(tc.raw))
			wantFieldError(t, err, "eml", tc.want)
		})
	}
}

func FuzzImportEML(f *testing.F) {
	f.Add([]byte(sampleEML()))
	f.Add([]byte("Subject: hi\r\n\r\nbody"))
	f.Add([]byte("Subject: x\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := ImportEML(raw)
		if err != nil {
			return
		}
		if strings.TrimSpace(got.Template.HTMLBody) == "" && strings.TrimSpace(got.Template.TextBody) == "" {
			t.Fatal("imported a message without a body")
		}
		if len(got.Attachments) > MaxAttachments {
			t.Fatal("too many attachments")
		}
	})
}
