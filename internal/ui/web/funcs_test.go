package web

import (
	"testing"
	"time"
)

func TestTLP(t *testing.T) {
	tests := []struct{ in, class, label string }{
		{"TLP:CLEAR", "bw-tlp bw-tlp--clear", "TLP:CLEAR"},
		{"clear", "bw-tlp bw-tlp--clear", "TLP:CLEAR"},
		{"TLP:WHITE", "bw-tlp bw-tlp--clear", "TLP:CLEAR"},
		{"TLP:GREEN", "bw-tlp bw-tlp--green", "TLP:GREEN"},
		{" tlp: amber ", "bw-tlp bw-tlp--amber", "TLP:AMBER"},
		{"TLP:AMBER+STRICT", "bw-tlp bw-tlp--amber-strict", "TLP:AMBER+STRICT"},
		{"amber + strict", "bw-tlp bw-tlp--amber-strict", "TLP:AMBER+STRICT"},
		{"TLP:RED", "bw-tlp bw-tlp--red", "TLP:RED"},
		{"", "bw-tlp bw-tlp--unknown", "TLP:UNKNOWN"},
		{"PURPLE", "bw-tlp bw-tlp--unknown", "TLP:UNKNOWN"},
	}
	for _, tc := range tests {
		if got := tlpClass(tc.in); got != tc.class {
			t.Errorf("tlpClass(%q) = %q, want %q", tc.in, got, tc.class)
		}
		if got := tlpLabel(tc.in); got != tc.label {
			t.Errorf("tlpLabel(%q) = %q, want %q", tc.in, got, tc.label)
		}
	}
}

func TestStatusClass(t *testing.T) {
	tests := map[string]string{
		"queued":      "bw-status bw-status--neutral",
		"Running":     "bw-status bw-status--info",
		"in progress": "bw-status bw-status--info",
		"succeeded":   "bw-status bw-status--success",
		"retrying":    "bw-status bw-status--warning",
		"failed":      "bw-status bw-status--error",
		"cancelled":   "bw-status bw-status--muted",
		"whatever":    "bw-status bw-status--neutral",
	}
	for in, want := range tests {
		if got := statusClass(in); got != want {
			t.Errorf("statusClass(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAlertKind(t *testing.T) {
	for in, want := range map[string]string{"success": "success", "ERROR": "error", "warning": "warning", "info": "info", "danger": "info", "": "info"} {
		if got := alertKind(in); got != want {
			t.Errorf("alertKind(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNumbers(t *testing.T) {
	for in, want := range map[int64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 100000: "100,000", 1234567: "1,234,567", -4500: "-4,500"} {
		got, err := number(in)
		if err != nil || got != want {
			t.Errorf("number(%d) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := number("12"); err == nil {
		t.Error("number accepted a string")
	}
	if got, err := add(2, int64(3)); err != nil || got != 5 {
		t.Errorf("add(2, 3) = %d, %v", got, err)
	}
	if got, _ := pluralize(1, "job", "jobs"); got != "job" {
		t.Errorf("pluralize(1) = %q", got)
	}
	if got, _ := pluralize(uint(0), "job", "jobs"); got != "jobs" {
		t.Errorf("pluralize(0) = %q", got)
	}
}

func TestTimes(t *testing.T) {
	when := time.Date(2026, 3, 3, 14, 5, 0, 0, time.UTC)
	var none *time.Time
	tests := []struct {
		in              any
		long, date, iso string
	}{
		{when, "Mar 3, 2026, 2:05 PM UTC", "Mar 3, 2026", "2026-03-03T14:05:00Z"},
		{&when, "Mar 3, 2026, 2:05 PM UTC", "Mar 3, 2026", "2026-03-03T14:05:00Z"},
		{none, "—", "—", ""},
		{time.Time{}, "—", "—", ""},
		{"yesterday", "—", "—", ""},
	}
	for _, tc := range tests {
		if got := formatTime(tc.in); got != tc.long {
			t.Errorf("formatTime(%v) = %q, want %q", tc.in, got, tc.long)
		}
		if got := formatDate(tc.in); got != tc.date {
			t.Errorf("formatDate(%v) = %q, want %q", tc.in, got, tc.date)
		}
		if got := isoTime(tc.in); got != tc.iso {
			t.Errorf("isoTime(%v) = %q, want %q", tc.in, got, tc.iso)
		}
	}
}
