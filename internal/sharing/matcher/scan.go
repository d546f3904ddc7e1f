package matcher

import (
	"cmp"
	"errors"
	"io"
	"slices"
	"time"
	"unsafe"

	"bulwark/internal/sharing/logformats"
)

// Sighting sums up where one indicator was seen in a log.
type Sighting struct {
	IndicatorID int64
	Type        Type
	Count       int       // lines on which it matched
	FirstSeen   time.Time // zero when no matching line carried a time
	LastSeen    time.Time
	Samples     []Sample // the first MaxSamples matching lines
}

// Sample is one matching line, kept as evidence.
type Sample struct {
	Line int
	Text string
}

// Sample limits.
const (
	MaxSamples     = 3
	MaxSampleBytes = 2048 // longer lines are cut
)

// Records is what the logformats scanners provide.
type Records interface {
	Next() (*logformats.Record, error)
}

// view reads bytes as a string without copying. The matcher only looks the
// string up and never keeps it, so the buffer may change afterwards.
func view(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// AppendRecord appends the hits of every value on a record. The same
// indicator may appear more than once.
func (s *Set) AppendRecord(dst []Hit, r *logformats.Record) []Hit {
	for _, v := range r.Values {
		text := view(v.Text)
		switch v.Kind {
		case logformats.SrcIP, logformats.DstIP, logformats.IP:
			if a, ok := parseLogAddr(text); ok {
				dst = s.AppendIP(dst, a)
			}
		case logformats.Domain:
			if a, ok := parseLogAddr(text); ok {
				dst = s.AppendIP(dst, a) // Zeek's host column may hold an address
			} else {
				dst = s.AppendDomain(dst, withoutPort(text))
			}
		case logformats.URL:
			dst = s.AppendURL(dst, text)
		case logformats.Hash:
			dst = s.AppendHash(dst, text)
		case logformats.Email:
			dst = s.AppendEmail(dst, text)
		case logformats.Any:
			dst = s.AppendToken(dst, text)
		}
	}
	return dst
}

// Tally aggregates hits into sightings per indicator.
type Tally struct {
	by map[int64]*Sighting
}

// Add counts a record's hits once per indicator. It reorders hits.
func (t *Tally) Add(r *logformats.Record, hits []Hit) {
	if len(hits) == 0 {
		return
	}
	if t.by == nil {
		t.by = make(map[int64]*Sighting)
	}
	slices.SortFunc(hits, func(a, b Hit) int { return cmp.Compare(a.ID, b.ID) })
	for i, h := range hits {
		if i > 0 && hits[i-1].ID == h.ID {
			continue
		}
		sg := t.by[h.ID]
		if sg == nil {
			sg = &Sighting{IndicatorID: h.ID, Type: h.Type}
			t.by[h.ID] = sg
		}
		sg.Count++
		if !r.Time.IsZero() {
			if sg.FirstSeen.IsZero() || r.Time.Before(sg.FirstSeen) {
				sg.FirstSeen = r.Time
			}
			if r.Time.After(sg.LastSeen) {
				sg.LastSeen = r.Time
			}
		}
		if len(sg.Samples) < MaxSamples {
			raw := r.Raw
			if len(raw) > MaxSampleBytes {
				raw = raw[:MaxSampleBytes]
			}
			sg.Samples = append(sg.Samples, Sample{Line: r.Line, Text: string(raw)})
		}
	}
}

// Sightings returns the sightings by indicator ID.
func (t *Tally) Sightings() []Sighting {
	out := make([]Sighting, 0, len(t.by))
	for _, sg := range t.by {
		out = append(out, *sg)
	}
	slices.SortFunc(out, func(a, b Sighting) int { return cmp.Compare(a.IndicatorID, b.IndicatorID) })
	return out
}

// Scan matches every record against the set and returns the sightings, by
// indicator ID. On a read error it returns the sightings so far and the error.
func Scan(set *Set, recs Records) ([]Sighting, error) {
	var t Tally
	hits := make([]Hit, 0, 16)
	for {
		r, err := recs.Next()
		if errors.Is(err, io.EOF) {
			return t.Sightings(), nil
		}
		if err != nil {
			return t.Sightings(), err
		}
		hits = set.AppendRecord(hits[:0], r)
		t.Add(r, hits)
	}
}
