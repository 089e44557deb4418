// Package clock is the time ward's background work runs by: the system's,
// or, for an end-to-end test of a month of reminders in a minute, a clock
// that runs faster from a given instant. Everything that decides what is
// due takes its Now; everything that sleeps until an instant asks Until
// how long that is in real time.
package clock

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Clock tells the time and how long, in real time, until an instant.
type Clock interface {
	Now() time.Time
	Until(t time.Time) time.Duration
}

// System is the machine's clock.
type System struct{}

// Now returns time.Now.
func (System) Now() time.Time { return time.Now() }

// Until returns time.Until.
func (System) Until(t time.Time) time.Duration { return time.Until(t) }

// Scaled is a clock that reads Start at the real instant Epoch and runs
// Rate times faster than real time. Processes given the same Scaled agree
// on the time, so several `ward serve` can share one accelerated month.
type Scaled struct {
	Start time.Time // the clock's time at Epoch
	Epoch time.Time // a real instant
	Rate  float64   // clock seconds per real second, at least 1
}

// Now returns the clock's time.
func (s Scaled) Now() time.Time {
	return s.Start.Add(time.Duration(float64(time.Since(s.Epoch)) * s.Rate))
}

// Until returns the real time until the clock reads t.
func (s Scaled) Until(t time.Time) time.Duration {
	return time.Duration(float64(t.Sub(s.Now())) / s.Rate)
}

// Parse reads a Scaled clock written START*RATE@EPOCH: START in RFC 3339,
// RATE a number of clock seconds per real second, EPOCH the real instant
// the clock reads START, in Unix milliseconds; without @EPOCH, the clock
// starts reading START at now.
func Parse(s string, now time.Time) (Scaled, error) {
	spec, epoch, hasEpoch := strings.Cut(s, "@")
	start, rate, ok := strings.Cut(spec, "*")
	if !ok {
		return Scaled{}, fmt.Errorf("clock %q: want START*RATE[@EPOCH], such as 2027-02-01T00:00:00Z*3600", s)
	}
	var c Scaled
	var err error
	if c.Start, err = time.Parse(time.RFC3339, start); err != nil {
		return Scaled{}, fmt.Errorf("clock %q: start: %w", s, err)
	}
	if c.Rate, err = strconv.ParseFloat(rate, 64); err != nil || c.Rate < 1 || c.Rate > 1e7 {
		return Scaled{}, fmt.Errorf("clock %q: rate: want a number from 1 to 10000000", s)
	}
	c.Epoch = now
	if hasEpoch {
		ms, err := strconv.ParseInt(epoch, 10, 64)
		if err != nil {
			return Scaled{}, fmt.Errorf("clock %q: epoch: want Unix milliseconds", s)
		}
		c.Epoch = time.UnixMilli(ms)
	}
	return c, nil
}
