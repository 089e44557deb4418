package workflow

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestDeadline(t *testing.T) {
	tests := []struct {
		requested, want string
	}{
		{"2026-01-15T10:00:00Z", "2026-02-15T10:00:00Z"},
		{"2026-01-28T10:00:00Z", "2026-02-28T10:00:00Z"},
		{"2026-01-29T10:00:00Z", "2026-02-28T10:00:00Z"}, // AddDate: March 1
		{"2026-01-31T10:00:00Z", "2026-02-28T10:00:00Z"}, // AddDate: March 3
		{"2028-01-31T10:00:00Z", "2028-02-29T10:00:00Z"}, // leap year; AddDate: March 2
		{"2028-01-30T10:00:00Z", "2028-02-29T10:00:00Z"},
		{"2100-01-31T10:00:00Z", "2100-02-28T10:00:00Z"}, // not a leap year
		{"2000-01-31T10:00:00Z", "2000-02-29T10:00:00Z"}, // a leap year
		{"2024-02-29T08:30:00Z", "2024-03-29T08:30:00Z"},
		{"2026-02-28T23:59:59Z", "2026-03-28T23:59:59Z"},
		{"2026-03-31T00:00:00Z", "2026-04-30T00:00:00Z"},
		{"2026-05-31T12:00:00Z", "2026-06-30T12:00:00Z"},
		{"2026-08-31T12:00:00Z", "2026-09-30T12:00:00Z"},
		{"2026-07-31T12:00:00Z", "2026-08-31T12:00:00Z"},
		{"2026-12-31T23:59:59.999999999Z", "2027-01-31T23:59:59.999999999Z"},
		{"2026-12-15T00:00:00Z", "2027-01-15T00:00:00Z"},
		// Across the EU and US DST changes: the UTC wall time stays.
		{"2026-03-08T09:00:00Z", "2026-04-08T09:00:00Z"},
		{"2026-03-29T00:30:00Z", "2026-04-29T00:30:00Z"},
		{"2026-10-10T09:00:00Z", "2026-11-10T09:00:00Z"},
		// A zone's calendar does not count: 01:30 on March 31 in Berlin is
		// 23:30 on March 30 in UTC.
		{"2026-03-31T01:30:00+02:00", "2026-04-30T23:30:00Z"},
		{"2026-01-31T20:00:00-08:00", "2026-03-01T04:00:00Z"}, // February 1 in UTC
		{"2026-10-25T02:30:00+01:00", "2026-11-25T01:30:00Z"}, // the repeated hour in Berlin, second time
	}
	for _, tt := range tests {
		t.Run(tt.requested, func(t *testing.T) {
			got := Deadline(utc(tt.requested))
			if want := utc(tt.want); !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("Deadline(%s) = %s, want %s", tt.requested, got, want)
			}
		})
	}
}

// The deadline is the same instant whatever zone the request is written
// in, between 28 and 31 days later, and never after AddDate's.
func TestPropertyDeadline(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	var zones []*time.Location
	for _, name := range []string{"UTC", "Europe/Berlin", "America/Los_Angeles", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		zones = append(zones, loc)
	}
	base := utc("1999-01-01T00:00:00Z")
	for range 20000 {
		req := base.Add(time.Duration(rng.Int64N(int64(120 * 365 * 24 * time.Hour))))
		d := Deadline(req)
		if other := Deadline(req.In(zones[rng.IntN(len(zones))])); !other.Equal(d) {
			t.Fatalf("Deadline(%s) = %s in UTC but %s in %s", req, d, other, other.Location())
		}
		days := d.Sub(req) / (24 * time.Hour)
		if days < 28 || days > 31 || d.Sub(req)%(24*time.Hour) != 0 {
			t.Fatalf("Deadline(%s) = %s: %s later", req, d, d.Sub(req))
		}
		if d.After(req.UTC().AddDate(0, 1, 0)) {
			t.Fatalf("Deadline(%s) = %s, after AddDate's %s", req, d, req.UTC().AddDate(0, 1, 0))
		}
		if d.Day() != req.UTC().Day() && d.AddDate(0, 0, 1).Day() != 1 {
			t.Fatalf("Deadline(%s) = %s: a different day that is not the month's last", req, d)
		}
	}
}

func TestDisclosable(t *testing.T) {
	d := &Disclosure{Kind: DisclosureFull, RequestedAt: requested}
	end := utc("2026-02-28T10:00:00Z")
	if !d.Deadline().Equal(end) {
		t.Fatalf("Deadline = %s, want %s", d.Deadline(), end)
	}
	tests := []struct {
		name string
		d    *Disclosure
		at   time.Time
		want bool
	}{
		{"unanswered, a nanosecond early", d, end.Add(-1), false},
		{"unanswered, at the deadline", d, end, true},
		{"agreed, early", &Disclosure{Kind: DisclosureFull, RequestedAt: requested, Answer: AnswerAgreed}, requested, true},
		{"objected, late", &Disclosure{Kind: DisclosureFull, RequestedAt: requested, Answer: AnswerObjected}, end.AddDate(1, 0, 0), false},
		{"no request", nil, end, false},
		{"decided against", &Disclosure{Justification: "no"}, end, false},
		{"already disclosed", &Disclosure{Kind: DisclosureFull, RequestedAt: requested, DisclosedAt: end}, end, false},
	}
	for _, tt := range tests {
		if got := tt.d.Disclosable(tt.at); got != tt.want {
			t.Errorf("%s: Disclosable = %v, want %v", tt.name, got, tt.want)
		}
	}
}
