package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Funcs returns the functions every template may call. Templates must be parsed with them
// (ParsePage does).
//
//	formatTime  time.Time or *time.Time → "Mar 3, 2026, 2:05 PM CST"; zero or nil → "—"
//	formatDate  time.Time or *time.Time → "Mar 3, 2026"; zero or nil → "—"
//	isoTime     time.Time or *time.Time → RFC 3339, for <time datetime="...">; zero → ""
//	tlpClass    "TLP:AMBER+STRICT", "amber+strict", … → "bw-tlp bw-tlp--amber-strict"
//	tlpLabel    the same inputs → the canonical label "TLP:AMBER+STRICT"
//	statusClass job or workflow state ("queued", "running", "failed", …) → "bw-status bw-status--…"
//	alertKind   flash kind → one of success|error|warning|info (anything else → info)
//	statusText  HTTP status code → its standard text ("Not Found")
//	add         integer sum of two integers of any Go integer type
//	number      integer with thousands separators: 100000 → "100,000"
//	pluralize   n, singular, plural → singular when n == 1, else plural
//	navSections the side navigation, see NavSections
func Funcs() template.FuncMap {
	return template.FuncMap{
		"formatTime":  formatTime,
		"formatDate":  formatDate,
		"isoTime":     isoTime,
		"tlpClass":    tlpClass,
		"tlpLabel":    tlpLabel,
		"statusClass": statusClass,
		"alertKind":   alertKind,
		"statusText":  http.StatusText,
		"add":         add,
		"number":      number,
		"pluralize":   pluralize,
		"navSections": NavSections,
	}
}

// timeOf accepts the two shapes a page's data holds times in: a value, or a pointer that is nil
// when the time is unknown.
func timeOf(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, !t.IsZero()
	case *time.Time:
		if t == nil {
			return time.Time{}, false
		}
		return *t, !t.IsZero()
	}
	return time.Time{}, false
}

func formatTime(v any) string {
	t, ok := timeOf(v)
	if !ok {
		return "—"
	}
	return t.Format("Jan 2, 2006, 3:04 PM MST")
}

func formatDate(v any) string {
	t, ok := timeOf(v)
	if !ok {
		return "—"
	}
	return t.Format("Jan 2, 2006")
}

func isoTime(v any) string {
	t, ok := timeOf(v)
	if !ok {
		return ""
	}
	return t.Format(time.RFC3339)
}

// tlpLevel reduces the spellings found in the wild ("TLP:AMBER+STRICT", "amber+strict",
// "TLP: RED", and TLP 1.0's WHITE, which 2.0 renamed CLEAR) to the 2.0 level name.
func tlpLevel(label string) string {
	s := strings.ToUpper(strings.TrimSpace(label))
	s = strings.TrimPrefix(s, "TLP")
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), ":"))
	s = strings.ReplaceAll(s, " ", "")
	switch s {
	case "CLEAR", "WHITE":
		return "CLEAR"
	case "GREEN", "AMBER", "AMBER+STRICT", "RED":
		return s
	}
	return ""
}

func tlpClass(label string) string {
	level := tlpLevel(label)
	if level == "" {
		return "bw-tlp bw-tlp--unknown"
	}
	return "bw-tlp bw-tlp--" + strings.ToLower(strings.ReplaceAll(level, "+", "-"))
}

func tlpLabel(label string) string {
	level := tlpLevel(label)
	if level == "" {
		return "TLP:UNKNOWN"
	}
	return "TLP:" + level
}

// statusTone groups the states that jobs, campaigns, imports and reports go through into the
// few colours a badge can have.
var statusTone = map[string]string{
	"queued": "neutral", "pending": "neutral", "scheduled": "neutral", "draft": "neutral",
	"waiting": "neutral", "paused": "neutral",
	"running": "info", "in_progress": "info", "sending": "info", "processing": "info",
	"active": "info", "open": "info",
	"succeeded": "success", "success": "success", "completed": "success", "complete": "success",
	"done": "success", "sent": "success", "resolved": "success", "closed": "success",
	"retrying": "warning", "retry": "warning", "delayed": "warning", "expiring": "warning",
	"partial": "warning",
	"failed":  "error", "failure": "error", "error": "error", "dead": "error", "rejected": "error",
	"expired":   "error",
	"cancelled": "muted", "canceled": "muted", "skipped": "muted", "archived": "muted",
}

func statusClass(state string) string {
	key := strings.ToLower(strings.TrimSpace(state))
	key = strings.NewReplacer(" ", "_", "-", "_").Replace(key)
	tone, ok := statusTone[key]
	if !ok {
		tone = "neutral"
	}
	return "bw-status bw-status--" + tone
}

func alertKind(kind string) string {
	switch k := strings.ToLower(strings.TrimSpace(kind)); k {
	case "success", "error", "warning", "info":
		return k
	}
	return "info"
}

// toInt64 lets templates do arithmetic on whatever integer type a field happens to have.
func toInt64(v any) (int64, error) {
	switch n := v.(type) {
	case int:
		return int64(n), nil
	case int8:
		return int64(n), nil
	case int16:
		return int64(n), nil
	case int32:
		return int64(n), nil
	case int64:
		return n, nil
	case uint:
		return int64(n), nil
	case uint8:
		return int64(n), nil
	case uint16:
		return int64(n), nil
	case uint32:
		return int64(n), nil
	case uint64:
		return int64(n), nil
	}
	return 0, fmt.Errorf("not an integer: %T", v)
}

func add(a, b any) (int, error) {
	x, err := toInt64(a)
	if err != nil {
		return 0, err
	}
	y, err := toInt64(b)
	if err != nil {
		return 0, err
	}
	return int(x + y), nil
}

func number(v any) (string, error) {
	n, err := toInt64(v)
	if err != nil {
		return "", err
	}
	digits := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, digits = "-", digits[1:]
	}
	var b strings.Builder
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	return sign + b.String(), nil
}

func pluralize(n any, singular, plural string) (string, error) {
	x, err := toInt64(n)
	if err != nil {
		return "", err
	}
	if x == 1 {
		return singular, nil
	}
	return plural, nil
}
