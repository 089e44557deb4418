package server

import (
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

func TestClientAddress(t *testing.T) {
	for remote, want := range map[string]string{
		"192.0.2.7:5555":                  "192.0.2.7",
		"[::ffff:192.0.2.7]:5555":         "192.0.2.7",
		"[2001:db8:1:2:aaaa::1]:443":      "2001:db8:1:2::/64",
		"[2001:db8:1:2:bbbb:cccc::9]:443": "2001:db8:1:2::/64",
		"[2001:db8:1:3::1]:443":           "2001:db8:1:3::/64",
		"pipe":                            "pipe",
	} {
		r := httptest.NewRequest("POST", "/report", nil)
		r.RemoteAddr = remote
		if got := clientAddress(r); got != want {
			t.Errorf("clientAddress(%q) = %q, want %q", remote, got, want)
		}
	}
}

func TestClientLimiterForgetsAndBounds(t *testing.T) {
	l := newClientLimiter(time.Minute, 2)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	allowed := 0
	for range 3 {
		if l.allow("a", now) {
			allowed++
		}
	}
	if allowed != 2 {
		t.Fatalf("a burst of 2 allowed %d", allowed)
	}
	// Quiet for longer than a full refill: forgotten, and full again.
	later := now.Add(3 * time.Minute)
	if !l.allow("b", later) || len(l.seen) != 1 {
		t.Errorf("after the sweep: %d buckets, want only b's", len(l.seen))
	}
	for i := len(l.seen); i < maxBuckets; i++ {
		l.allow(strconv.Itoa(i), later.Add(time.Duration(i)*time.Microsecond))
	}
	full := later.Add(time.Second)
	// A new client in a full table is limited like any other, and takes
	// the place of one seen long ago; b, seen before them all, is likely
	// gone, but a client seen just now stays.
	recent := strconv.Itoa(maxBuckets - 1)
	for range 2 {
		l.allow(recent, full)
	}
	got := 0
	for range 3 {
		if l.allow("new", full) {
			got++
		}
	}
	if got != 2 || len(l.seen) != maxBuckets {
		t.Errorf("a new client past the bound: allowed %d of 3, %d buckets", got, len(l.seen))
	}
	if l.allow(recent, full) {
		t.Error("a recent client's bucket was forgotten when the table was full")
	}
}
