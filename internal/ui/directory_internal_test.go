package ui

import (
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDirLimitedReaderStopsAtTheLimit(t *testing.T) {
	cases := []struct {
		size, limit int64
		wantErr     error
	}{
		{10, 10, nil},
		{9, 10, nil},
		{11, 10, errFileTooLarge},
		{0, 0, nil},
	}
	for _, c := range cases {
		r := &dirLimitedReader{r: strings.NewReader(strings.Repeat("x", int(c.size))), left: c.limit}
		b, err := io.ReadAll(r)
		if !errors.Is(err, c.wantErr) {
			t.Errorf("%d bytes, limit %d: err %v, want %v", c.size, c.limit, err, c.wantErr)
		}
		if c.wantErr == nil && int64(len(b)) != c.size {
			t.Errorf("%d bytes, limit %d: read %d", c.size, c.limit, len(b))
		}
	}
}

func TestDirPagerLinks(t *testing.T) {
	cases := []struct {
		url              string
		last             int64
		more             bool
		wantPrev, wantNx string
	}{
		{"/directory/people?q=ann", 50, true, "", "/directory/people?after=50&back=0&q=ann"},
		{"/directory/people?q=ann&after=50&back=0", 100, true, "/directory/people?q=ann", "/directory/people?after=100&back=0%2C50&q=ann"},
		{"/directory/people?after=100&back=0,50", 120, false, "/directory/people?after=50&back=0", ""},
		{"/directory/people?after=77", 90, false, "/directory/people", ""},
		{"/directory/people?after=-5&back=x,-1", 10, false, "", ""},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", c.url, nil)
		after, trail := dirCursor(r)
		p := dirMakePager(r, "/directory/people", after, trail, c.last, c.more)
		if p.PrevURL != c.wantPrev || p.NextURL != c.wantNx {
			t.Errorf("%s: prev %q next %q, want %q and %q", c.url, p.PrevURL, p.NextURL, c.wantPrev, c.wantNx)
		}
	}
}
