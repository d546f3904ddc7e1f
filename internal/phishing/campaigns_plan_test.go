package phishing

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"bulwark/internal/directory"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/database/dbtest"
)

func TestPlanSendTimes(t *testing.T) {
	chicago, _ := time.LoadLocation("America/Chicago")
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	// Monday 2026-11-02 08:00 in Chicago (14:00 UTC).
	monday := time.Date(2026, 11, 2, 8, 0, 0, 0, chicago)
	week := DefaultWindow()

	t.Run("business hours in each person's zone", func(t *testing.T) {
		w := week
		w.SpreadMinutes = 3 * 24 * 60
		zones := make([]string, 600)
		for i := range zones {
			zones[i] = []string{"America/Chicago", "Asia/Tokyo", "", "Not/AZone"}[i%4]
		}
		got := PlanSendTimes(zones, w, monday, 42)
		end := w.End(monday)
		for i, at := range got {
			loc := chicago // "" and unknown zones use the window's default zone
			if zones[i] == "Asia/Tokyo" {
				loc = tokyo
			}
			l := at.In(loc)
			minute := l.Hour()*60 + l.Minute()
			if minute < w.DayStart || minute >= w.DayEnd || l.Weekday() == time.Saturday || l.Weekday() == time.Sunday {
				t.Fatalf("recipient %d (%q) due %s, outside business hours", i, zones[i], l)
			}
			if at.Before(monday) || !at.Before(end) {
				t.Fatalf("recipient %d due %s, outside the spread", i, at)
			}
			if at.Location() != time.UTC {
				t.Fatalf("not UTC: %s", at)
			}
		}
		// Jitter: the times are spread, not all the same.
		distinct := map[time.Time]bool{}
		for _, at := range got {
			distinct[at] = true
		}
		if len(distinct) < 500 {
			t.Fatalf("only %d distinct times for 600 recipients", len(distinct))
		}
		// The same seed gives the same plan; another seed another.
		again := PlanSendTimes(zones, w, monday, 42)
		other := PlanSendTimes(zones, w, monday, 43)
		same := 0
		for i := range got {
			if !got[i].Equal(again[i]) {
				t.Fatal("same seed, different plan")
			}
			if got[i].Equal(other[i]) {
				same++
			}
		}
		if same > 10 {
			t.Fatalf("%d of 600 times equal under another seed", same)
		}
	})

	t.Run("a spread with no business time moves to the next business hour", func(t *testing.T) {
		w := week
		w.SpreadMinutes = 120
		friday := time.Date(2026, 11, 6, 18, 0, 0, 0, chicago)
		for _, at := range PlanSendTimes([]string{"America/Chicago", "America/Chicago"}, w, friday, 1) {
			l := at.In(chicago)
			if l.Weekday() != time.Monday || l.Hour() != 9 {
				t.Fatalf("due %s, want Monday 9:00-10:00", l)
			}
		}
	})

	t.Run("without business hours, uniformly in the spread", func(t *testing.T) {
		w := week
		w.BusinessHours, w.SpreadMinutes = false, 60
		sunday := time.Date(2026, 11, 8, 3, 0, 0, 0, chicago)
		for _, at := range PlanSendTimes(make([]string, 100), w, sunday, 7) {
			if at.Before(sunday) || !at.Before(sunday.Add(time.Hour)) {
				t.Fatalf("due %s", at)
			}
		}
	})

	t.Run("no spread sends at the start", func(t *testing.T) {
		w := week
		w.BusinessHours, w.SpreadMinutes = false, 0
		if got := PlanSendTimes([]string{""}, w, monday, 1); !got[0].Equal(monday) {
			t.Fatalf("%s", got[0])
		}
	})

	t.Run("daylight saving change", func(t *testing.T) {
		// 2026-11-01 is the end of daylight saving time in the US.
		w := week
		w.Weekdays = 0x7f
		w.SpreadMinutes = 2 * 24 * 60
		start := time.Date(2026, 10, 31, 0, 0, 0, 0, chicago)
		for _, at := range PlanSendTimes(make([]string, 200), w, start, 3) {
			l := at.In(chicago)
			if m := l.Hour()*60 + l.Minute(); m < w.DayStart || m >= w.DayEnd {
				t.Fatalf("due %s", l)
			}
		}
	})
}

// BenchmarkLaunch100k materialises a 100,000-person campaign. It is not in
// the default run: set BULWARK_BENCH_LAUNCH=1 and run
// go test ./internal/phishing -run '^$' -bench Launch100k -benchtime 1x
func BenchmarkLaunch100k(b *testing.B) {
	if os.Getenv("BULWARK_BENCH_LAUNCH") == "" {
		b.Skip("set BULWARK_BENCH_LAUNCH=1 to run")
	}
	for _, dialect := range dbtest.Engines(b) {
		b.Run(string(dialect), func(b *testing.B) {
			db := dbtest.Open(b, dialect)
			ctx := context.Background()
			w := newCampaignWorld(b, db)
			const n = 100_000
			now := database.Now()
			err := db.Tx(ctx, func(tx database.Tx) error {
				for i := 0; i < n; i += 500 {
					q := `INSERT INTO people (email, organisation_id, time_zone, active, created_at, updated_at) VALUES `
					var args []any
					for j := i; j < min(i+500, n); j++ {
						if j > i {
							q += ", "
						}
						k := len(args)
						q += fmt.Sprintf("($%d, $%d, $%d, TRUE, $%d, $%d)", k+1, k+2, k+3, k+4, k+4)
						args = append(args, fmt.Sprintf("person%06d@example.gov", j), w.orgB, "America/Chicago", now)
					}
					if _, err := tx.ExecContext(ctx, q, args...); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			g, err := w.dir.CreateGroup(ctx, tester, directory.Group{Name: "Everyone in Boone", Kind: "filter", OrganisationID: w.orgB})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				d := w.draft()
				d.Name, d.GroupIDs, d.PersonIDs = fmt.Sprint("Bench ", i), []int64{g.ID}, nil
				c, err := w.s.CreateCampaign(ctx, tester, w.alice, d)
				if err != nil {
					b.Fatal(err)
				}
				w.s.SubmitCampaign(ctx, tester, w.alice, c.ID)
				if _, err := w.s.ApproveCampaign(ctx, tester, w.bob, w.dir, c.ID); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				c, err = w.s.LaunchCampaign(ctx, tester, w.alice, w.dir, c.ID)
				if err != nil || c.Recipients < n {
					b.Fatalf("%+v %v", c, err)
				}
			}
		})
	}
}
