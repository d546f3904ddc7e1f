package phishing

import (
	"math/rand/v2"
	"time"
)

// Window is when a campaign's messages may go out: spread over
// SpreadMinutes from the start and, with BusinessHours, only between
// DayStart and DayEnd (minutes after midnight) on the Weekdays (bit i set
// for time.Weekday(i)) in each recipient's own time zone.
type Window struct {
	SpreadMinutes   int    `json:"spread_minutes"`
	BusinessHours   bool   `json:"business_hours"`
	DayStart        int    `json:"day_start_minute"`
	DayEnd          int    `json:"day_end_minute"`
	Weekdays        int    `json:"weekdays"`
	DefaultTimeZone string `json:"default_time_zone"`
}

// WorkWeek is Monday to Friday as a Weekdays mask.
const WorkWeek = 1<<time.Monday | 1<<time.Tuesday | 1<<time.Wednesday | 1<<time.Thursday | 1<<time.Friday

// DefaultWindow sends over four business hours, 9:00 to 17:00 on weekdays.
func DefaultWindow() Window {
	return Window{SpreadMinutes: 240, BusinessHours: true, DayStart: 9 * 60, DayEnd: 17 * 60, Weekdays: WorkWeek, DefaultTimeZone: "America/Chicago"}
}

// End is the last moment of the window's spread.
func (w Window) End(start time.Time) time.Time {
	return start.Add(time.Duration(w.SpreadMinutes) * time.Minute)
}

// maxSearchDays bounds the search for a business moment when the spread
// holds none (e.g. a two-hour spread starting on Friday evening).
const maxSearchDays = 14

// interval is a stretch of business time, [from, to).
type interval struct{ from, to time.Time }

// businessIntervals lists the business time in [start, end) in loc.
func (w Window) businessIntervals(loc *time.Location, start, end time.Time) []interval {
	var out []interval
	local := start.In(loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	for ; day.Before(end); day = day.AddDate(0, 0, 1) {
		if w.Weekdays&(1<<day.Weekday()) == 0 {
			continue
		}
		from := time.Date(day.Year(), day.Month(), day.Day(), 0, w.DayStart, 0, 0, loc)
		to := time.Date(day.Year(), day.Month(), day.Day(), 0, w.DayEnd, 0, 0, loc)
		if from.Before(start) {
			from = start
		}
		if to.After(end) {
			to = end
		}
		if from.Before(to) {
			out = append(out, interval{from, to})
		}
	}
	return out
}

// zonePlan is what PlanSendTimes works out once per time zone.
type zonePlan struct {
	intervals []interval
	total     time.Duration
}

// PlanSendTimes gives each recipient (by time zone name; "" or an unknown
// zone is the window's default zone) the moment their message is due: a
// random moment (seeded, so a plan can be reproduced) within the spread
// and, with business hours, within business time in the recipient's own
// zone. When the spread holds no business time for a zone, those
// recipients are due at a random moment in the zone's first business hour
// after the start. Times are UTC, to the second.
func PlanSendTimes(timeZones []string, w Window, start time.Time, seed uint64) []time.Time {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	start = start.UTC().Truncate(time.Second)
	end := w.End(start)
	out := make([]time.Time, len(timeZones))
	if !w.BusinessHours {
		for i := range timeZones {
			out[i] = start.Add(jitter(rng, end.Sub(start)))
		}
		return out
	}
	def := loadZone(w.DefaultTimeZone, time.UTC)
	plans := map[string]*zonePlan{}
	for i, tz := range timeZones {
		p := plans[tz]
		if p == nil {
			loc := loadZone(tz, def)
			p = &zonePlan{intervals: w.businessIntervals(loc, start, end)}
			if len(p.intervals) == 0 {
				// Nothing in the spread: the first business hour after it starts.
				first := w.businessIntervals(loc, start, start.AddDate(0, 0, maxSearchDays))
				if len(first) > 0 {
					iv := first[0]
					if iv.to.Sub(iv.from) > time.Hour {
						iv.to = iv.from.Add(time.Hour)
					}
					p.intervals = []interval{iv}
				} else {
					p.intervals = []interval{{start, start}} // no business day at all: send at the start
				}
			}
			for _, iv := range p.intervals {
				p.total += iv.to.Sub(iv.from)
			}
			plans[tz] = p
		}
		offset := jitter(rng, p.total)
		for _, iv := range p.intervals {
			if d := iv.to.Sub(iv.from); offset < d || d == p.total {
				out[i] = iv.from.Add(offset).UTC()
				break
			} else {
				offset -= d
			}
		}
	}
	return out
}

// jitter is a random whole number of seconds in [0, d).
func jitter(rng *rand.Rand, d time.Duration) time.Duration {
	if d < time.Second {
		return 0
	}
	return time.Duration(rng.Int64N(int64(d/time.Second))) * time.Second
}

// loadZone loads a time zone by name, or returns fallback.
func loadZone(name string, fallback *time.Location) *time.Location {
	if name == "" {
		return fallback
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return fallback
	}
	return loc
}
