package ui

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"bulwark/internal/directory"
)

// dirImportLimit is the largest file the import page takes.
const dirImportLimit = 64 << 20

// dirImportErrorsShown bounds the bad rows listed on the results page; the
// counts above the table cover them all.
const dirImportErrorsShown = 1000

type dirImportColumn struct {
	Name, Aliases, Help string
}

type dirImportData struct {
	Columns    []dirImportColumn
	Error      string // the form's problem (no file chosen)
	FileName   string
	FileError  string // the file as a whole could not be read
	Report     *directory.ImportReport
	Errors     []directory.RowError
	ErrorsLeft int // bad rows not listed
}

func dirImportColumns() []dirImportColumn {
	var out []dirImportColumn
	for _, c := range directory.ImportColumns {
		out = append(out, dirImportColumn{Name: c.Name, Aliases: strings.Join(c.Aliases, ", "), Help: c.Help})
	}
	return out
}

func (u *UI) dirImportRender(w http.ResponseWriter, r *http.Request, status int, d dirImportData) error {
	d.Columns = dirImportColumns()
	title := "Import people"
	if d.Report != nil || d.FileError != "" {
		title = "Import results"
	}
	return u.render(w, r, status, "import", Page{Title: title, Active: "/directory/import", Data: d})
}

func (u *UI) dirImportPage(w http.ResponseWriter, r *http.Request) error {
	return u.dirImportRender(w, r, 200, dirImportData{})
}

// dirSampleCSV is a small file with every column, to start from.
const dirSampleCSV = "email,first_name,last_name,organisation,department,title,manager_email,location,time_zone,language,employee_id,active\r\n" +
	"jordan.lee@example.gov,Jordan,Lee,Office of Administration,Information Technology,Director,,Jefferson City,America/Chicago,en,E000101,true\r\n" +
	"sam.rivera@example.gov,Sam,Rivera,Office of Administration,Information Technology,Security Analyst,jordan.lee@example.gov,Jefferson City,America/Chicago,es,E000102,true\r\n"

func (u *UI) dirImportSample(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="people-sample.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err := io.WriteString(w, dirSampleCSV)
	return err
}

// errFileTooLarge is what the importer reads when the upload passes the limit.
var errFileTooLarge = errors.New("the file is larger than 64 MB; split it into smaller files")

// dirLimitedReader stops an upload at the limit with a message a person can
// act on, instead of the HTTP server's own.
type dirLimitedReader struct {
	r    io.Reader
	left int64
}

func (l *dirLimitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// One byte more tells a file of exactly the limit from a larger one.
		var one [1]byte
		if n, _ := l.r.Read(one[:]); n > 0 {
			return 0, errFileTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// dirImport reads the uploaded CSV as it arrives (no temporary file) and
// imports it: one audit entry with the counts, whatever the outcome.
func (u *UI) dirImport(w http.ResponseWriter, r *http.Request) error {
	// The form's other parts and multipart framing fit in the extra megabyte.
	r.Body = http.MaxBytesReader(w, r.Body, dirImportLimit+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return u.dirImportRender(w, r, 422, dirImportData{Error: "Choose a CSV file to import."})
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return u.dirImportRender(w, r, 413, dirImportData{FileError: dirSentence(errFileTooLarge.Error())})
			}
			return u.dirImportRender(w, r, 400, dirImportData{Error: "The upload was cut short. Try again."})
		}
		if part.FormName() != "file" {
			part.Close()
			continue
		}
		name := part.FileName()
		if name == "" {
			break
		}
		rep, err := u.Directory.ImportPeople(r.Context(), u.actor(r), &dirLimitedReader{r: part, left: dirImportLimit}, directory.ImportOptions{})
		part.Close()
		d := dirImportData{FileName: name}
		if errors.Is(err, directory.ErrBadFile) {
			d.FileError = dirSentence(strings.TrimPrefix(err.Error(), directory.ErrBadFile.Error()+": "))
			status := 422
			if errors.Is(err, errFileTooLarge) || strings.Contains(err.Error(), errFileTooLarge.Error()) {
				status = 413
			}
			return u.dirImportRender(w, r, status, d)
		}
		if err != nil {
			return err
		}
		d.Report = &rep
		d.Errors = rep.Errors
		if len(d.Errors) > dirImportErrorsShown {
			d.ErrorsLeft = len(d.Errors) - dirImportErrorsShown
			d.Errors = d.Errors[:dirImportErrorsShown]
		}
		return u.dirImportRender(w, r, 200, d)
	}
	return u.dirImportRender(w, r, 422, dirImportData{Error: "Choose a CSV file to import."})
}
