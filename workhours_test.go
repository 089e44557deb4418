package ward_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/wardsec/ward"
)

func TestParseWorkHours(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", "Mon-Fri 09:00-17:00"},
		{"Mon-Fri 09:00-17:00", "Mon-Fri 09:00-17:00"},
		{"mon-fri 09:00-17:00", "Mon-Fri 09:00-17:00"},
		{"Mon-Thu 09:00-17:00, Fri 09:00-13:00", "Mon-Thu 09:00-17:00, Fri 09:00-13:00"},
		{"Mon 09:00-12:00, Mon 13:00-17:00", "Mon 09:00-12:00, Mon 13:00-17:00"},
		{"Sun-Thu 08:00-16:00", "Mon-Thu 08:00-16:00, Sun 08:00-16:00"},
		{"Sat-Sun 00:00-24:00", "Sat-Sun 00:00-24:00"},
		{"Mon 09:00-17:00, Tue 09:00-17:00", "Mon-Tue 09:00-17:00"},
	}
	for _, tt := range tests {
		wh, err := ward.ParseWorkHours(tt.in)
		if err != nil {
			t.Errorf("ParseWorkHours(%q): %v", tt.in, err)
			continue
		}
		if got := wh.String(); got != tt.want {
			t.Errorf("ParseWorkHours(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseWorkHoursErrors(t *testing.T) {
	for in, want := range map[string]string{
		"always":                               "want the form",
		"Mon-Fri":                              "want the form",
		"Mon-Fry 09:00-17:00":                  "unknown weekday",
		"Mon-Fri 9:00-17:00":                   "want HH:MM",
		"Mon-Fri 09:00-25:00":                  "between 00:00 and 24:00",
		"Mon-Fri 09:60-17:00":                  "between 00:00 and 24:00",
		"Mon-Fri 17:00-09:00":                  "ends before it starts",
		"Mon-Fri 09:00-09:00":                  "ends before it starts",
		"Mon-Fri 09:00":                        "want HH:MM-HH:MM",
		"Mon-Fri 09:00-17:00, Wed 12:00-13:00": "Wed is given twice",
		"Mon-Fri +9:00-17:00":                  "want HH:MM",
	} {
		_, err := ward.ParseWorkHours(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseWorkHours(%q) = %v, want an error saying %q", in, err, want)
		}
	}
}

// Property: the canonical form parses back to the same hours, and Contains
// agrees with the spans minute by minute.
func TestWorkHoursRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	days := []string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	for range 500 {
		var parts []string
		for d := range 7 {
			if rng.IntN(2) == 0 {
				continue
			}
			start := rng.IntN(1440)
			end := start + 1 + rng.IntN(1440-start)
			parts = append(parts, days[d]+" "+clock(start)+"-"+clock(end))
		}
		if len(parts) == 0 {
			continue
		}
		in := strings.Join(parts, ", ")
		wh, err := ward.ParseWorkHours(in)
		if err != nil {
			t.Fatalf("ParseWorkHours(%q): %v", in, err)
		}
		again, err := ward.ParseWorkHours(wh.String())
		if err != nil || again.String() != wh.String() {
			t.Fatalf("round trip of %q: %q, %v", in, again.String(), err)
		}
		monday := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
		for m := 0; m < 7*1440; m += 7 {
			at := monday.Add(time.Duration(m) * time.Minute)
			if wh.Contains(at) != again.Contains(at) {
				t.Fatalf("%q and %q disagree at %s", in, wh.String(), at)
			}
		}
	}
}

func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

func TestWorkHoursContains(t *testing.T) {
	wh, _ := ward.ParseWorkHours("Mon-Fri 09:00-17:00")
	berlin, _ := time.LoadLocation("Europe/Berlin")
	for _, tt := range []struct {
		at   time.Time
		want bool
	}{
		{time.Date(2026, 3, 2, 9, 0, 0, 0, berlin), true},    // Monday, the first minute
		{time.Date(2026, 3, 2, 16, 59, 59, 0, berlin), true}, // the last second
		{time.Date(2026, 3, 2, 17, 0, 0, 0, berlin), false},  // the end is excluded
		{time.Date(2026, 3, 2, 8, 59, 0, 0, berlin), false},
		{time.Date(2026, 3, 7, 12, 0, 0, 0, berlin), false}, // Saturday
	} {
		if got := wh.Contains(tt.at); got != tt.want {
			t.Errorf("Contains(%s) = %v, want %v", tt.at, got, tt.want)
		}
	}
}
