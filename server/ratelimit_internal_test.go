package server

import (
	"net/http/httptest"
	"net/netip"
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
		if got := clientAddress(r, nil); got != want {
			t.Errorf("clientAddress(%q) = %q, want %q", remote, got, want)
		}
	}
}

func TestClientAddressBehindProxies(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	for _, c := range []struct {
		name, remote string
		xff          []string
		want         string
	}{
		{"an untrusted peer's header is ignored", "192.0.2.7:5555", []string{"198.51.100.1"}, "192.0.2.7"},
		{"a trusted proxy without the header", "10.0.0.1:5555", nil, "10.0.0.1"},
		{"one proxy", "10.0.0.1:5555", []string{"198.51.100.1"}, "198.51.100.1"},
		{"the client's own claims are passed over", "10.0.0.1:5555", []string{"1.2.3.4, 5.6.7.8, 198.51.100.1"}, "198.51.100.1"},
		{"several trusted hops", "10.0.0.1:5555", []string{"1.2.3.4, 198.51.100.1, 10.0.0.9", "10.0.0.8"}, "198.51.100.1"},
		{"a client claiming to be a proxy", "10.0.0.1:5555", []string{"10.9.9.9"}, "10.9.9.9"},
		{"garbage from the client's side", "10.0.0.1:5555", []string{"not-an-address, 10.0.0.2"}, "10.0.0.2"},
		{"IPv6 by /64", "[fd00::1]:443", []string{"2001:db8:1:2:aaaa::1"}, "2001:db8:1:2::/64"},
		{"IPv4-mapped", "[::ffff:10.0.0.1]:443", []string{"::ffff:198.51.100.1"}, "198.51.100.1"},
	} {
		r := httptest.NewRequest("POST", "/report", nil)
		r.RemoteAddr = c.remote
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := clientAddress(r, trusted); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
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
