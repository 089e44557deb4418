// Package wardtest holds what the tests of several packages share. Only
// tests import it.
package wardtest

import (
	"sync"
	"time"
)

// Clock is a clock that tests set and move; ward's parts take its Now.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set stops the clock at t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Until returns how long until t on the clock, which a stopped clock
// never reaches on its own: for code that sleeps until an instant
// (clock.Clock), the test moves the clock instead.
func (c *Clock) Until(t time.Time) time.Duration { return t.Sub(c.Now()) }
