package holiday

import (
	"testing"
	"time"
)

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{"de": "DE", " us ": "US", "de-by": "DE-BY", "AU-NSW": "AU-NSW", "": ""} {
		if got, err := Normalize(in); err != nil || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"XX", "AU", "DE-XX", "germany", "DE BY"} {
		if _, err := Normalize(in); err == nil {
			t.Errorf("Normalize(%q) succeeded, want an error", in)
		}
	}
}

func TestIsHoliday(t *testing.T) {
	tests := []struct {
		code string
		date string
		want bool
	}{
		{"DE", "2026-12-25", true},    // Weihnachten
		{"DE", "2026-10-03", true},    // Tag der Deutschen Einheit
		{"DE", "2026-01-06", false},   // Epiphany is regional
		{"DE-BY", "2026-01-06", true}, // ... and Bavaria keeps it
		{"US", "2026-07-03", true},    // Independence Day observed on the Friday
		{"US", "2026-11-26", true},    // Thanksgiving
		{"AU-NSW", "2026-01-26", true},
		{"GB", "2026-03-03", false},
		{"", "2026-12-25", false}, // no calendar, no holidays
	}
	for _, tt := range tests {
		c, err := New(tt.code)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := time.Parse(time.DateOnly, tt.date)
		if got, name := c.IsHoliday(d); got != tt.want {
			t.Errorf("%s %s: holiday = %v (%s), want %v", tt.code, tt.date, got, name, tt.want)
		}
	}
}

func TestCodesAreAllKnown(t *testing.T) {
	if len(lists) < 40 {
		t.Errorf("only %d calendar codes", len(lists))
	}
	for c := range lists {
		if _, err := New(c); err != nil {
			t.Errorf("New(%q): %v", c, err)
		}
	}
}
