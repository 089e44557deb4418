package clock

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	c, err := Parse("2027-02-01T00:00:00Z*3600@1764151200000", now)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Start.Equal(time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)) || c.Rate != 3600 || !c.Epoch.Equal(time.UnixMilli(1764151200000)) {
		t.Errorf("Parse = %+v", c)
	}
	if c, err := Parse("2027-02-01T00:00:00Z*2", now); err != nil || !c.Epoch.Equal(now) {
		t.Errorf("without an epoch: %+v, %v; want the epoch now", c, err)
	}
	for _, bad := range []string{"", "2027-02-01T00:00:00Z", "2027-02-01*2", "2027-02-01T00:00:00Z*0.5", "2027-02-01T00:00:00Z*x", "2027-02-01T00:00:00Z*2@soon"} {
		if _, err := Parse(bad, now); err == nil {
			t.Errorf("Parse(%q) = nil error", bad)
		}
	}
}

func TestScaledRuns(t *testing.T) {
	start := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
	c := Scaled{Start: start, Epoch: time.Now().Add(-time.Second), Rate: 3600}
	// A real second has passed: an hour on the clock, and a bit more.
	if got := c.Now().Sub(start); got < time.Hour || got > 2*time.Hour {
		t.Errorf("a second after the epoch the clock moved %v, want about an hour", got)
	}
	if got := c.Until(c.Now().Add(time.Hour)); got > time.Second || got < 900*time.Millisecond {
		t.Errorf("an hour on the clock is %v of real time, want about a second", got)
	}
}
