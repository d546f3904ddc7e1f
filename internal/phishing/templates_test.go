package phishing

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"bulwark/internal/platform/database"
	"bulwark/internal/platform/database/dbtest"
)

func TestTemplateStoreWithAttachments(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		s := newTestStore(t, db)
		ctx := context.Background()
		in := TemplateChange{Template: Template{Name: "Invoice", Subject: "Invoice for {{.Organisation}}", HTMLBody: `<p>Hi {{.FirstName}}</p><img src="cid:logo" alt="">`,
			TextBody: "Hi {{.FirstName}}", Difficulty: 3, RedFlags: []RedFlag{{Label: "Urgency", Explanation: "Rushes you", PointsAt: PartSubject}}},
			Add: []NewAttachment{{Name: "logo.png", ContentType: "image/png", ContentID: "<logo>", Data: pngPixel}, {Name: "../invoice.pdf", ContentType: "application/pdf", Data: []byte("%PDF")}}}
		tm, err := s.CreateTemplate(ctx, tester, in)
		if err != nil {
			t.Fatal(err)
		}
		if len(tm.Attachments) != 2 || tm.Attachments[0].ContentID != "logo" || tm.Attachments[1].Name != "invoice.pdf" || len(tm.RedFlags) != 1 {
			t.Fatalf("%+v", tm)
		}
		a, data, err := s.AttachmentData(ctx, tm.ID, tm.Attachments[0].ID)
		if err != nil || !bytes.Equal(data, pngPixel) || a.Name != "logo.png" {
			t.Fatalf("%+v %v", a, err)
		}

		// Keep the logo, drop the PDF; its file goes too.
		up := TemplateChange{Template: tm, Keep: []int64{tm.Attachments[0].ID}}
		up.Subject = "Changed"
		pdfFile := tm.Attachments[1].FileID
		if tm, err = s.UpdateTemplate(ctx, tester, up); err != nil || len(tm.Attachments) != 1 || tm.Subject != "Changed" {
			t.Fatalf("%+v %v", tm, err)
		}
		var n int
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM files WHERE id = $1`, pdfFile).Scan(&n)
		if n != 0 {
			t.Fatal("the removed attachment's file is still stored")
		}

		// Too large, and nothing written.
		big := TemplateChange{Template: tm, Keep: tm.KeepAll(), Add: []NewAttachment{{Name: "big.bin", Data: make([]byte, MaxAttachmentSize+1)}}}
		_, err = s.UpdateTemplate(ctx, tester, big)
		wantFieldError(t, err, "attachments", "larger than 5 MB")
		bad := TemplateChange{Template: tm, Keep: tm.KeepAll()}
		bad.TextBody = "{{.Secret}}"
		_, err = s.UpdateTemplate(ctx, tester, bad)
		wantFieldError(t, err, "text_body", "line 1, column 1")
		if again, _ := s.Template(ctx, tm.ID); again.TextBody != tm.TextBody {
			t.Fatal("a refused change was written")
		}

		cp, err := s.CopyTemplate(ctx, tester, tm.ID)
		if err != nil || cp.Name != "Copy of Invoice" || len(cp.Attachments) != 1 || cp.Attachments[0].FileID == tm.Attachments[0].FileID {
			t.Fatalf("%+v %v", cp, err)
		}
		if err := s.DeleteTemplate(ctx, tester, tm.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Template(ctx, tm.ID); !errors.Is(err, database.ErrNotFound) {
			t.Fatal(err)
		}
		// The copy's attachment survives the original's deletion.
		if _, _, err := s.AttachmentData(ctx, cp.ID, cp.Attachments[0].ID); err != nil {
			t.Fatal(err)
		}
	})
}
