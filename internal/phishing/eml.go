package phishing

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"unicode/utf8"
)

// MaxEML is the largest .eml file an import reads.
const MaxEML = 15 << 20

// ImportedEML is a template made from a raw message, ready to review and
// save: its subject, bodies, sender and files. Difficulty and red flags are
// for the author to add.
type ImportedEML struct {
	Template    Template
	Attachments []NewAttachment
}

func emlError(format string, args ...any) error {
	return invalid("eml", "%s", fmt.Sprintf(format, args...))
}

var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

// ImportEML parses a raw RFC 5322 message into a template: the text and
// HTML parts of a multipart/alternative (quoted-printable and base64 are
// decoded), inline images with a Content-ID and attachments kept as
// attachments. Links and variables are left as they are; the result is
// checked like any template when it is saved.
func ImportEML(raw []byte) (ImportedEML, error) {
	var out ImportedEML
	if len(raw) == 0 {
		return out, emlError("the file is empty")
	}
	if len(raw) > MaxEML {
		return out, emlError("the file is larger than %d MB", MaxEML>>20)
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return out, emlError("it is not an email message (RFC 5322): %v", err)
	}
	if len(msg.Header) == 0 {
		return out, emlError("the message has no headers")
	}
	subject, err := wordDecoder.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return out, emlError("the Subject header cannot be decoded: %v", err)
	}
	t := &out.Template
	t.Subject = strings.TrimSpace(strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == '\t' {
			return ' '
		}
		return r
	}, subject))
	if from := msg.Header.Get("From"); from != "" {
		a, err := (&netmail.AddressParser{WordDecoder: wordDecoder}).Parse(from)
		if err == nil {
			t.SenderName, t.SenderAddress = a.Name, a.Address
		}
	}
	t.Name = t.Subject
	if t.Name == "" {
		t.Name = "Imported message"
	}
	if len(t.Name) > 200 {
		t.Name = t.Name[:200]
	}
	t.Difficulty = 3
	ct := msg.Header.Get("Content-Type")
	if ct == "" {
		ct = "text/plain; charset=us-ascii"
	}
	if err := out.walk(ct, msg.Header.Get("Content-Transfer-Encoding"), "", "", msg.Body, 0); err != nil {
		return out, err
	}
	if strings.TrimSpace(t.HTMLBody) == "" && strings.TrimSpace(t.TextBody) == "" {
		return out, emlError("the message has no text or HTML body")
	}
	// Mail ends lines with CRLF; templates are edited with plain newlines.
	t.TextBody = strings.ReplaceAll(t.TextBody, "\r\n", "\n")
	t.HTMLBody = strings.ReplaceAll(t.HTMLBody, "\r\n", "\n")
	return out, nil
}

// walk reads one MIME part (recursively for multiparts).
func (out *ImportedEML) walk(contentType, encoding, disposition, contentID string, body io.Reader, depth int) error {
	if depth > 10 {
		return emlError("the message nests parts more than 10 deep")
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return emlError("a part has a Content-Type that cannot be read (%q): %v", contentType, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		boundary := params["boundary"]
		if boundary == "" {
			return emlError("a %s part has no boundary", mediaType)
		}
		mr := multipart.NewReader(body, boundary)
		parts := 0
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return emlError("the %s part is cut short or malformed (is the boundary %q right?): %v", mediaType, boundary, err)
			}
			parts++
			pct := p.Header.Get("Content-Type")
			if pct == "" {
				pct = "text/plain; charset=us-ascii"
			}
			if err := out.walk(pct, p.Header.Get("Content-Transfer-Encoding"), p.Header.Get("Content-Disposition"), p.Header.Get("Content-ID"), p, depth+1); err != nil {
				return err
			}
		}
		if parts == 0 {
			return emlError("the %s part holds no parts (is the boundary %q right?)", mediaType, boundary)
		}
		return nil
	}
	data, err := decodeTransfer(encoding, body)
	if err != nil {
		return err
	}
	disp, dparams, _ := mime.ParseMediaType(disposition)
	contentID = strings.Trim(strings.TrimSpace(contentID), "<>")
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	if n, err := wordDecoder.DecodeHeader(name); err == nil {
		name = n
	}
	isText := (mediaType == "text/plain" || mediaType == "text/html") && disp != "attachment"
	t := &out.Template
	switch {
	case isText && mediaType == "text/html" && t.HTMLBody == "":
		s, err := toUTF8(data, params["charset"])
		if err != nil {
			return err
		}
		t.HTMLBody = s
	case isText && mediaType == "text/plain" && t.TextBody == "":
		s, err := toUTF8(data, params["charset"])
		if err != nil {
			return err
		}
		t.TextBody = s
	default:
		if name == "" {
			name = "attachment"
			if exts, _ := mime.ExtensionsByType(mediaType); len(exts) > 0 {
				name += exts[0]
			}
		}
		if len(data) > MaxAttachmentSize {
			return emlError("the attachment %s is larger than %d MB", name, MaxAttachmentSize>>20)
		}
		if len(out.Attachments) >= MaxAttachments {
			return emlError("the message has more than %d attachments and inline images", MaxAttachments)
		}
		out.Attachments = append(out.Attachments, NewAttachment{Name: name, ContentType: mediaType, ContentID: contentID, Data: data})
	}
	return nil
}

func decodeTransfer(encoding string, body io.Reader) ([]byte, error) {
	limited := io.LimitReader(body, MaxEML+1)
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", "7bit", "8bit", "binary":
		b, err := io.ReadAll(limited)
		if err != nil {
			return nil, emlError("a part is cut short or malformed: %v", err)
		}
		return b, nil
	case "quoted-printable":
		b, err := io.ReadAll(quotedprintable.NewReader(limited))
		if err != nil {
			return nil, emlError("a quoted-printable part is malformed: %v", err)
		}
		return b, nil
	case "base64":
		raw, err := io.ReadAll(limited)
		if err != nil {
			return nil, emlError("a part is cut short or malformed: %v", err)
		}
		clean := strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, string(raw))
		b, err := base64.StdEncoding.DecodeString(clean)
		if err != nil {
			b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(clean, "="))
		}
		if err != nil {
			return nil, emlError("a base64 part is malformed: %v", err)
		}
		return b, nil
	}
	return nil, emlError("the transfer encoding %q is not one of 7bit, 8bit, binary, quoted-printable or base64", encoding)
}

func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	b, err := io.ReadAll(input)
	if err != nil {
		return nil, err
	}
	s, err := toUTF8(b, charset)
	if err != nil {
		return nil, err
	}
	return strings.NewReader(s), nil
}

// toUTF8 converts the charsets mail from state systems uses in practice.
func toUTF8(b []byte, charset string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(charset)) {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		if !utf8.Valid(b) {
			return "", emlError("a text part says it is UTF-8 but is not")
		}
		return string(b), nil
	case "iso-8859-1", "latin1", "windows-1252", "cp1252":
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		return string(r), nil
	}
	return "", emlError("the character set %q is not supported; save the message as UTF-8", charset)
}
