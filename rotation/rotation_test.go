package rotation

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/wardsec/ward"
	"github.com/wardsec/ward/holiday"
)

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func person(t testing.TB, email, tz, hours, holidays string, off ...Range) Person {
	t.Helper()
	wh, err := ward.ParseWorkHours(hours)
	if err != nil {
		t.Fatal(err)
	}
	var cal *holiday.Calendar
	if holidays != "" {
		if cal, err = holiday.New(holidays); err != nil {
			t.Fatal(err)
		}
	}
	return Person{Email: email, Name: email, Location: zone(t, tz), Hours: wh, Holidays: cal, TimeOff: off}
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// weekly is the runbook's rotation: a week from Monday 09:00 in Los Angeles.
func weekly(t testing.TB, overrides ...Override) *Rotation {
	t.Helper()
	people := []Person{
		person(t, "ana", "Europe/Berlin", "Mon-Fri 09:00-17:00", "DE"),
		person(t, "bo", "America/Los_Angeles", "Mon-Fri 09:00-17:00", "US"),
		person(t, "chen", "Asia/Tokyo", "Mon-Fri 10:00-18:00", "JP"),
	}
	r, err := New(Config{Shift: 168 * time.Hour, HandoffWeekday: time.Monday, HandoffMinute: 9 * 60,
		Location: zone(t, "America/Los_Angeles"), Start: utc("2026-01-05T00:00:00Z"), BusinessHoursOnly: true},
		[]Epoch{{Members: []string{"ana", "bo", "chen"}}}, overrides, people)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestShifts(t *testing.T) {
	r := weekly(t)
	tests := []struct {
		at     string
		member string
		shift  int64
		start  string
	}{
		{"2026-01-05T17:00:00Z", "ana", 0, "2026-01-05T17:00:00Z"}, // the first handoff, 09:00 PST
		{"2026-01-12T16:59:59Z", "ana", 0, "2026-01-05T17:00:00Z"},
		{"2026-01-12T17:00:00Z", "bo", 1, "2026-01-12T17:00:00Z"},
		{"2026-01-19T17:00:00Z", "chen", 2, "2026-01-19T17:00:00Z"},
		{"2026-01-26T17:00:00Z", "ana", 3, "2026-01-26T17:00:00Z"},
		// US clocks spring forward on Sunday 8 March: Monday's handoff is
		// still 09:00 in Los Angeles, an hour earlier in UTC.
		{"2026-03-09T15:59:59Z", "chen", 8, "2026-03-02T17:00:00Z"},
		{"2026-03-09T16:00:00Z", "ana", 9, "2026-03-09T16:00:00Z"},
	}
	for _, tt := range tests {
		a, ok := r.At(utc(tt.at))
		if !ok || a.Member != tt.member || a.Shift != tt.shift || !a.ShiftStart.Equal(utc(tt.start)) {
			t.Errorf("At(%s) = %+v, %v; want %s in shift %d from %s", tt.at, a, ok, tt.member, tt.shift, tt.start)
		}
	}
	if _, ok := r.At(utc("2026-01-05T16:59:59Z")); ok {
		t.Error("an assignee before the first handoff")
	}
	if got := r.ShiftStart(9).Sub(r.ShiftStart(8)); got != 167*time.Hour {
		t.Errorf("the week of the spring-forward lasts %s, want 167h", got)
	}
}

func TestHandoffInTheSpringForwardGap(t *testing.T) {
	// 02:30 does not happen in Los Angeles on 8 March 2026: the handoff is
	// at 03:30 PDT, when the clocks have moved on.
	r, err := New(Config{Shift: 168 * time.Hour, HandoffWeekday: time.Sunday, HandoffMinute: 150,
		Location: zone(t, "America/Los_Angeles"), Start: utc("2026-03-01T00:00:00Z")},
		[]Epoch{{Members: []string{"a", "b"}}}, nil, []Person{person(t, "a", "UTC", "", ""), person(t, "b", "UTC", "", "")})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.ShiftStart(0), utc("2026-03-01T10:30:00Z"); !got.Equal(want) {
		t.Errorf("shift 0 starts %s, want %s", got, want)
	}
	if got, want := r.ShiftStart(1), utc("2026-03-08T10:30:00Z"); !got.Equal(want) {
		t.Errorf("shift 1 starts %s, want %s (03:30 PDT)", got, want)
	}
	if got, want := r.ShiftStart(2), utc("2026-03-15T09:30:00Z"); !got.Equal(want) {
		t.Errorf("shift 2 starts %s, want %s (02:30 PDT)", got, want)
	}
	for at, want := range map[string]string{"2026-03-08T10:29:59Z": "a", "2026-03-08T10:30:00Z": "b", "2026-03-15T09:29:59Z": "b", "2026-03-15T09:30:00Z": "a"} {
		if a, _ := r.At(utc(at)); a.Member != want {
			t.Errorf("At(%s) = %s, want %s", at, a.Member, want)
		}
	}
}

func TestMembersFarApart(t *testing.T) {
	// Tonga is UTC+13, Hawaii UTC-10: their Mondays are 23 hours apart.
	people := []Person{
		person(t, "tonga", "Pacific/Tongatapu", "Mon-Fri 09:00-17:00", ""),
		person(t, "hawaii", "Pacific/Honolulu", "Mon-Fri 09:00-17:00", "US"),
	}
	r, err := New(Config{Shift: 24 * time.Hour, HandoffWeekday: time.Monday, HandoffMinute: 0, Location: time.UTC,
		Start: utc("2026-01-05T00:00:00Z"), BusinessHoursOnly: true}, []Epoch{{Members: []string{"tonga", "hawaii"}}}, nil, people)
	if err != nil {
		t.Fatal(err)
	}
	sunday := utc("2026-01-11T21:00:00Z") // Monday 10:00 in Tonga, Sunday 11:00 in Hawaii
	if !r.OnDuty("tonga", sunday) || r.OnDuty("hawaii", sunday) {
		t.Errorf("at %s: tonga on duty %v (want true), hawaii %v (want false)", sunday, r.OnDuty("tonga", sunday), r.OnDuty("hawaii", sunday))
	}
	next, ok := r.NextOnDuty("hawaii", sunday)
	if want := utc("2026-01-12T19:00:00Z"); !ok || !next.Equal(want) {
		t.Errorf("hawaii's next on-duty time = %s, want %s (Monday 09:00 HST)", next, want)
	}
	next, _ = r.NextOnDuty("tonga", utc("2026-01-12T04:00:00Z")) // Monday 17:00 in Tonga, just after work
	if want := utc("2026-01-12T20:00:00Z"); !next.Equal(want) {
		t.Errorf("tonga's next on-duty time = %s, want %s (Tuesday 09:00 TOT)", next, want)
	}
}

func TestOverrideSpanningAHandoff(t *testing.T) {
	r := weekly(t, Override{ID: 1, Member: "chen", Range: Range{utc("2026-01-11T12:00:00Z"), utc("2026-01-13T12:00:00Z")}})
	got := r.Segments(utc("2026-01-11T00:00:00Z"), utc("2026-01-14T00:00:00Z"))
	want := []Segment{
		{Shift: 0, Member: "ana", Range: Range{utc("2026-01-11T00:00:00Z"), utc("2026-01-11T12:00:00Z")}},
		{Shift: 0, Member: "chen", Override: 1, Range: Range{utc("2026-01-11T12:00:00Z"), utc("2026-01-12T17:00:00Z")}},
		{Shift: 1, Member: "chen", Override: 1, Range: Range{utc("2026-01-12T17:00:00Z"), utc("2026-01-13T12:00:00Z")}},
		{Shift: 1, Member: "bo", Range: Range{utc("2026-01-13T12:00:00Z"), utc("2026-01-14T00:00:00Z")}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("segments (-want +got):\n%s", diff)
	}
}

func TestNewestOverrideWins(t *testing.T) {
	r := weekly(t,
		Override{ID: 2, Member: "chen", Range: Range{utc("2026-01-06T00:00:00Z"), utc("2026-01-08T00:00:00Z")}},
		Override{ID: 1, Member: "bo", Range: Range{utc("2026-01-07T00:00:00Z"), utc("2026-01-09T00:00:00Z")}},
		Override{ID: 3, Member: "ana", Range: Range{utc("2026-01-06T12:00:00Z"), utc("2026-01-06T13:00:00Z")}},
	)
	for at, want := range map[string]string{
		"2026-01-06T00:00:00Z": "chen", "2026-01-06T12:30:00Z": "ana", "2026-01-06T13:00:00Z": "chen",
		"2026-01-07T12:00:00Z": "chen", "2026-01-08T00:00:00Z": "bo", "2026-01-09T00:00:00Z": "ana",
	} {
		if a, _ := r.At(utc(at)); a.Member != want {
			t.Errorf("At(%s) = %s, want %s", at, a.Member, want)
		}
	}
}

func TestMemberRemovedMidRotation(t *testing.T) {
	r := weekly(t)
	at := utc("2026-01-14T00:00:00Z") // in shift 1, bo's
	for _, tt := range []struct {
		name    string
		members []string
		want    []string // holders of shifts 0 to 4
	}{
		{"someone else leaves", []string{"ana", "bo"}, []string{"ana", "bo", "ana", "bo", "ana"}},
		{"the holder leaves", []string{"ana", "chen"}, []string{"ana", "bo", "chen", "ana", "chen"}},
		{"someone joins", []string{"ana", "bo", "dee", "chen"}, []string{"ana", "bo", "dee", "chen", "ana"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := r.NextEpoch(at, tt.members)
			people := []Person{person(t, "ana", "UTC", "", ""), person(t, "bo", "UTC", "", ""), person(t, "chen", "UTC", "", ""), person(t, "dee", "UTC", "", "")}
			next, err := New(r.cfg, append(r.epochs, e), nil, people)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for n := range int64(5) {
				got = append(got, next.Scheduled(n))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("holders (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSwap(t *testing.T) {
	r := weekly(t)
	pair, err := r.Swap(utc("2026-01-12T17:00:00Z"), utc("2026-01-19T17:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	want := [2]Override{
		{Member: "chen", Range: Range{utc("2026-01-12T17:00:00Z"), utc("2026-01-19T17:00:00Z")}},
		{Member: "bo", Range: Range{utc("2026-01-19T17:00:00Z"), utc("2026-01-26T17:00:00Z")}},
	}
	if diff := cmp.Diff(want, pair); diff != "" {
		t.Errorf("swap (-want +got):\n%s", diff)
	}
	for _, tt := range []struct{ first, second, want string }{
		{"2026-01-12T18:00:00Z", "2026-01-19T17:00:00Z", "first: 2026-01-12T18:00:00Z is not the start of a shift"},
		{"2026-01-12T17:00:00Z", "2026-01-12T17:00:00Z", "second: it is the same shift as first"},
		{"2026-01-05T17:00:00Z", "2026-01-26T17:00:00Z", "second: ana holds both shifts; there is nothing to swap"},
		{"2026-01-01T00:00:00Z", "2026-01-26T17:00:00Z", "first: 2026-01-01T00:00:00Z is not the start of a shift"},
	} {
		if _, err := r.Swap(utc(tt.first), utc(tt.second)); err == nil || err.Error() != tt.want {
			t.Errorf("Swap(%s, %s) = %v, want %q", tt.first, tt.second, err, tt.want)
		}
	}
	// Ana covers a day of Chen's shift: swapping Bo's and Chen's shifts
	// would take that cover away without anyone asking her.
	covered := weekly(t, Override{ID: 1, Member: "ana", Range: Range{utc("2026-01-21T00:00:00Z"), utc("2026-01-22T00:00:00Z")}})
	_, err = covered.Swap(utc("2026-01-12T17:00:00Z"), utc("2026-01-19T17:00:00Z"))
	if want := "second: ana covers part of that shift (override 1); swap only shifts their holders hold whole, or change that override first"; err == nil || err.Error() != want {
		t.Errorf("swap over someone's cover = %v, want %q", err, want)
	}
}

func TestGaps(t *testing.T) {
	people := []Person{
		person(t, "ana", "Europe/Berlin", "Mon-Fri 09:00-17:00", "DE"),
		person(t, "bo", "America/Los_Angeles", "Mon-Fri 09:00-17:00", "US", Range{utc("2026-10-07T00:00:00Z"), utc("2026-10-08T00:00:00Z")}),
	}
	cfg := Config{Shift: 168 * time.Hour, HandoffWeekday: time.Monday, HandoffMinute: 9 * 60, Location: zone(t, "Europe/Berlin"),
		Start: utc("2026-09-28T00:00:00Z"), BusinessHoursOnly: true}
	r, err := New(cfg, []Epoch{{Members: []string{"ana", "bo"}}}, nil, people)
	if err != nil {
		t.Fatal(err)
	}
	got := r.Gaps(utc("2026-09-28T00:00:00Z"), utc("2026-10-12T00:00:00Z"))
	var summary []string
	for _, g := range got {
		summary = append(summary, g.Date+" "+g.Member+" "+g.Reason)
	}
	// Ana holds the first week, with German Unity Day on a Saturday: not a
	// working day, so no gap. Bo holds the second, off for the UTC day of
	// 7 October: 17:00 on Tuesday to 17:00 on Wednesday in Los Angeles,
	// which misses all of Tuesday's working hours and all of Wednesday's.
	want := []string{"2026-10-07 bo time off"}
	if diff := cmp.Diff(want, summary); diff != "" {
		t.Errorf("gaps (-want +got):\n%s", diff)
	}

	// With an override, the day is covered.
	covered, _ := New(cfg, []Epoch{{Members: []string{"ana", "bo"}}},
		[]Override{{ID: 1, Member: "ana", Range: Range{utc("2026-10-06T00:00:00Z"), utc("2026-10-08T00:00:00Z")}}}, people)
	if g := covered.Gaps(utc("2026-09-28T00:00:00Z"), utc("2026-10-12T00:00:00Z")); len(g) != 0 {
		t.Errorf("gaps with cover = %+v", g)
	}

	// A holiday on a working day is a gap: Christmas in Germany.
	xmas, _ := New(Config{Shift: 168 * time.Hour, HandoffWeekday: time.Monday, HandoffMinute: 9 * 60, Location: zone(t, "Europe/Berlin"),
		Start: utc("2026-12-21T00:00:00Z"), BusinessHoursOnly: true}, []Epoch{{Members: []string{"ana"}}}, nil, people)
	var dates []string
	for _, g := range xmas.Gaps(utc("2026-12-21T00:00:00Z"), utc("2026-12-28T00:00:00Z")) {
		dates = append(dates, g.Date+" "+g.Reason)
	}
	// 26 December 2026 is a Saturday.
	if diff := cmp.Diff([]string{"2026-12-25 Weihnachtstag"}, dates); diff != "" {
		t.Errorf("Christmas gaps (-want +got):\n%s", diff)
	}
}

func TestParseHandoff(t *testing.T) {
	day, minute, loc, err := ParseHandoff("mon 09:30 America/Los_Angeles")
	if err != nil || day != time.Monday || minute != 570 || loc.String() != "America/Los_Angeles" {
		t.Errorf("ParseHandoff = %v %d %v %v", day, minute, loc, err)
	}
	for _, bad := range []string{"", "Mon 09:00", "Mon-Fri 09:00 UTC", "Mon 9:00 UTC", "Mon 24:00 UTC", "Mon 09:00 Mars/Base", "Mon 09:00 Local"} {
		if _, _, _, err := ParseHandoff(bad); err == nil {
			t.Errorf("ParseHandoff(%q) succeeded", bad)
		}
	}
}
