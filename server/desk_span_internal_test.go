package server

import (
	"net/url"
	"testing"
	"time"

	"github.com/wardsec/ward"
)

func TestReadSpan(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC) // a Tuesday
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	for _, tt := range []struct {
		query             string
		start, end, title string
		prev, next        string
		code              string
	}{
		// March 2026 begins on a Sunday and ends on a Tuesday: six rows.
		{"", "2026-02-23", "2026-04-06", "March 2026", "?span=month&from=2026-02-01", "?span=month&from=2026-04-01", ""},
		{"span=week", "2026-03-09", "2026-03-16", "week of Mon 9 Mar 2026", "?span=week&from=2026-03-02", "?span=week&from=2026-03-16", ""},
		{"span=week&from=2026-03-15", "2026-03-09", "2026-03-16", "week of Mon 9 Mar 2026", "?span=week&from=2026-03-02", "?span=week&from=2026-03-16", ""},
		// February 2027 is four whole weeks, Monday to Sunday.
		{"span=month&from=2027-02-14", "2027-02-01", "2027-03-01", "February 2027", "?span=month&from=2027-01-01", "?span=month&from=2027-03-01", ""},
		{"span=month&from=2026-12-31", "2026-11-30", "2027-01-04", "December 2026", "?span=month&from=2026-11-01", "?span=month&from=2027-01-01", ""},
		{"span=year", "", "", "", "", "", ward.EINVALID},
		{"from=2026-13-01", "", "", "", "", "", ward.EINVALID},
		{"from=1999-01-01", "", "", "", "", "", ward.EINVALID},
	} {
		q, _ := url.ParseQuery(tt.query)
		c, err := readSpan(q, now)
		if tt.code != "" {
			if ward.ErrorCode(err) != tt.code {
				t.Errorf("%q: %v, want %s", tt.query, err, tt.code)
			}
			continue
		}
		if err != nil || !c.Start.Equal(day(tt.start)) || !c.End.Equal(day(tt.end)) || c.Title != tt.title || c.Prev != tt.prev || c.Next != tt.next {
			t.Errorf("%q = %+v, %v", tt.query, c, err)
		}
		if c.Start.Weekday() != time.Monday || c.End.Sub(c.Start)%(7*24*time.Hour) != 0 {
			t.Errorf("%q: the table does not run in whole weeks from a Monday: %v to %v", tt.query, c.Start, c.End)
		}
	}
}
