package ical_test

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"
	"github.com/teambition/rrule-go"

	"github.com/wardsec/ward/ical"
)

// Every feed is read back with arran4/golang-ical, which shares no code with
// the writer (emersion/go-ical). That parser takes a TZID time by loading the
// IANA zone and ignores the VTIMEZONE, as Google and Apple do; what Outlook
// reads, the VTIMEZONE itself, is checked by vtz below, which evaluates the
// parsed observances the way RFC 5545 3.6.5 describes, using rrule-go for
// their RRULEs and never Go's tz data.

const testdata = "../../shared/testdata/ical/"

// trickyText is what people paste into override notes.
const trickyText = "Swap with Zoë; she covers Mon, Tue\nBackslash \\ and \\n literal, \"quotes\"\n" +
	"Emoji 🚨🔥 and accents: café, naïve, Ångström, Łódź\n\ttabbed line; a long one that runs well past seventy-five octets, so it has to fold ✓✓✓"

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("LoadLocation(%q): %v", name, err)
	}
	return loc
}

func render(t testing.TB, c ical.Calendar) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := ical.Render(&buf, c); err != nil {
		t.Fatalf("Render: %v", err)
	}
	return buf.Bytes()
}

func parse(t testing.TB, feed []byte) *ics.Calendar {
	t.Helper()
	cal, err := ics.ParseCalendar(bytes.NewReader(feed))
	if err != nil {
		t.Fatalf("second parser (arran4/golang-ical) rejects the feed: %v\n%s", err, feed)
	}
	return cal
}

func text(c *ics.ComponentBase, p ics.ComponentProperty) string {
	if prop := c.GetProperty(p); prop != nil {
		return prop.Value
	}
	return ""
}

func calendarProp(cal *ics.Calendar, name string) (values []string) {
	for _, p := range cal.CalendarProperties {
		if p.IANAToken == name {
			values = append(values, p.Value)
		}
	}
	return values
}

// week returns a weekly shift starting at 09:00 local on the given day.
func week(loc *time.Location, uid string, y int, m time.Month, d int) ical.Event {
	start := time.Date(y, m, d, 9, 0, 0, 0, loc)
	return ical.Event{
		UID:         uid,
		Start:       start,
		End:         start.AddDate(0, 0, 7),
		Summary:     "On call: Ana (src)",
		Stamp:       time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		Categories:  []string{"on-call"},
		Transparent: true,
	}
}

func TestRoundTrip(t *testing.T) {
	for _, zone := range []string{"", "UTC", "America/Los_Angeles", "Europe/Berlin", "Asia/Tokyo"} {
		t.Run(cmp.Or(zone, "default"), func(t *testing.T) {
			loc := time.UTC
			if zone != "" {
				loc = mustZone(t, zone)
			}
			events := []ical.Event{
				week(loc, "src-shift-1@ward", 2024, time.March, 4), // across spring forward in LA
				week(loc, "src-shift-2@ward", 2024, time.March, 25),
				{
					UID:         "src-override-7@ward",
					Sequence:    3,
					Start:       time.Date(2024, 10, 27, 0, 30, 0, 0, time.UTC), // 02:30 CEST, the first of two in Berlin
					End:         time.Date(2024, 11, 3, 9, 30, 0, 0, time.UTC),  // 01:30 PST, the second of two in LA
					Summary:     "Override: Zoë covers; Ana, off \\ away",
					Description: trickyText,
					URL:         "https://ward.example/rotations/src?shift=7&x=a,b",
					Stamp:       time.Date(2024, 10, 1, 12, 0, 0, 0, time.FixedZone("X", 5*3600)),
					Categories:  []string{"on-call", "override"},
				},
			}
			c := ical.Calendar{
				Name:        "ward: src on-call, ünïcode; too",
				Description: "Who holds the src pager.\nUpdated hourly.",
				TimeZone:    zone,
				Refresh:     time.Hour,
				ProdID:      "-//ward//ward on-call//EN",
				Events:      events,
			}
			cal := parse(t, render(t, c))

			if got := calendarProp(cal, "X-WR-CALNAME"); !slices.Equal(got, []string{c.Name}) {
				t.Errorf("X-WR-CALNAME = %q, want %q", got, c.Name)
			}
			if got := calendarProp(cal, "X-WR-CALDESC"); !slices.Equal(got, []string{c.Description}) {
				t.Errorf("X-WR-CALDESC = %q, want %q", got, c.Description)
			}
			for name, want := range map[string]string{"VERSION": "2.0", "PRODID": c.ProdID, "CALSCALE": "GREGORIAN",
				"METHOD": "PUBLISH", "REFRESH-INTERVAL": "PT1H", "X-PUBLISHED-TTL": "PT1H"} {
				if got := calendarProp(cal, name); !slices.Equal(got, []string{want}) {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}

			got := cal.Events()
			if len(got) != len(events) {
				t.Fatalf("got %d events, want %d", len(got), len(events))
			}
			for i, want := range events {
				ev := &got[i].ComponentBase
				if got := text(ev, ics.ComponentPropertyUniqueId); got != want.UID {
					t.Errorf("event %d: UID = %q, want %q", i, got, want.UID)
				}
				checkInstant(t, want.UID+" DTSTART", ev.GetStartAt, want.Start)
				checkInstant(t, want.UID+" DTEND", ev.GetEndAt, want.End)
				checkInstant(t, want.UID+" DTSTAMP", ev.GetDtStampTime, want.Stamp)
				for _, f := range []struct {
					prop      ics.ComponentProperty
					got, want string
				}{
					{ics.ComponentPropertySummary, text(ev, ics.ComponentPropertySummary), want.Summary},
					{ics.ComponentPropertyDescription, text(ev, ics.ComponentPropertyDescription), want.Description},
					{ics.ComponentPropertySequence, text(ev, ics.ComponentPropertySequence), strconv.Itoa(want.Sequence)},
					{ics.ComponentPropertyUrl, text(ev, ics.ComponentPropertyUrl), want.URL},
					// arran4 unescapes a text list whole; these categories hold no commas.
					{ics.ComponentPropertyCategories, text(ev, ics.ComponentPropertyCategories), strings.Join(want.Categories, ",")},
					{ics.ComponentPropertyTransp, text(ev, ics.ComponentPropertyTransp), map[bool]string{true: "TRANSPARENT", false: "OPAQUE"}[want.Transparent]},
					{ics.ComponentPropertyStatus, text(ev, ics.ComponentPropertyStatus), "CONFIRMED"},
				} {
					if f.got != f.want {
						t.Errorf("%s: %s = %q, want %q", want.UID, f.prop, f.got, f.want)
					}
				}
			}
		})
	}
}

func checkInstant(t *testing.T, what string, get func() (time.Time, error), want time.Time) {
	t.Helper()
	got, err := get()
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	if !got.Equal(want) {
		t.Errorf("%s = %s, want %s", what, got.UTC().Format(time.RFC3339), want.UTC().Format(time.RFC3339))
	}
}

// TestTextInLists covers what arran4 cannot tell apart: a comma inside one
// category is escaped, the commas between categories are not.
func TestTextInLists(t *testing.T) {
	feed := render(t, ical.Calendar{Events: []ical.Event{{
		UID: "a@ward", Start: time.Unix(0, 0), End: time.Unix(3600, 0), Stamp: time.Unix(0, 0),
		Categories: []string{"on-call", "a,b;c", ""},
	}}})
	if !bytes.Contains(feed, []byte("\r\nCATEGORIES:on-call,a\\,b\\;c\r\n")) {
		t.Errorf("CATEGORIES not escaped as a list of two:\n%s", feed)
	}
}

// localCase is one wall-clock reading and the instant it must mean: a row of
// dst-local-times.tsv, or one of lasAndBerlin.
type localCase struct {
	zone     string
	local    string        // 20060102T150405
	days     int           // > 0: an event from local to local+days (nominal days, RFC 5545 3.3.6)
	want     time.Time     // the instant of local, or of the event's end when days > 0
	from     time.Time     // the instant of the event's start when days > 0
	elapsed  time.Duration // the event's length when days > 0
	onset    bool          // local is a VTIMEZONE observance onset, not an event time
	caseText string
}

// lasAndBerlin extends the shared table (New York only) to the zones the
// desk's rotations use. The instants come from the published rules, not from
// Go: the US changes at 02:00 local on the second Sunday of March and the
// first of November, the EU at 01:00 UTC on the last Sundays of March and
// October.
var lasAndBerlin = []localCase{
	{zone: "America/Los_Angeles", local: "20240715T090000", want: utc("2024-07-15T16:00:00Z"), caseText: "summer"},
	{zone: "America/Los_Angeles", local: "20240115T090000", want: utc("2024-01-15T17:00:00Z"), caseText: "winter"},
	{zone: "America/Los_Angeles", local: "20240310T023000", want: utc("2024-03-10T10:30:00Z"), caseText: "gap: offset before it"},
	{zone: "America/Los_Angeles", local: "20241103T013000", want: utc("2024-11-03T08:30:00Z"), caseText: "repeated: first"},
	{zone: "America/Los_Angeles", local: "20240304T090000", days: 7, from: utc("2024-03-04T17:00:00Z"),
		want: utc("2024-03-11T16:00:00Z"), elapsed: 167 * time.Hour, caseText: "weekly handoff across spring forward"},
	{zone: "America/Los_Angeles", local: "20241028T090000", days: 7, from: utc("2024-10-28T16:00:00Z"),
		want: utc("2024-11-04T17:00:00Z"), elapsed: 169 * time.Hour, caseText: "weekly handoff across fall back"},
	{zone: "Europe/Berlin", local: "20240715T090000", want: utc("2024-07-15T07:00:00Z"), caseText: "summer"},
	{zone: "Europe/Berlin", local: "20240115T090000", want: utc("2024-01-15T08:00:00Z"), caseText: "winter"},
	{zone: "Europe/Berlin", local: "20240331T023000", want: utc("2024-03-31T01:30:00Z"), caseText: "gap: offset before it"},
	{zone: "Europe/Berlin", local: "20241027T023000", want: utc("2024-10-27T00:30:00Z"), caseText: "repeated: first"},
	{zone: "Europe/Berlin", local: "20240325T090000", days: 7, from: utc("2024-03-25T08:00:00Z"),
		want: utc("2024-04-01T07:00:00Z"), elapsed: 167 * time.Hour, caseText: "weekly handoff across spring forward"},
	{zone: "Europe/Berlin", local: "20241021T090000", days: 7, from: utc("2024-10-21T07:00:00Z"),
		want: utc("2024-10-28T08:00:00Z"), elapsed: 169 * time.Hour, caseText: "weekly handoff across fall back"},
	{zone: "Europe/Berlin", local: "20231029T030000", onset: true, want: utc("2023-10-29T01:00:00Z"), caseText: "onset of CET"},
	{zone: "America/Los_Angeles", local: "20240310T020000", onset: true, want: utc("2024-03-10T10:00:00Z"), caseText: "onset of PDT"},
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

var (
	localRe   = regexp.MustCompile(`^(\d{8}T\d{6})(?: \+ P(\d+)D)?(?: \((.*)\))?$`)
	elapsedRe = regexp.MustCompile(`^(\S+) \(elapsed (\d+)h from (\S+)\)$`)
)

// readLocalTimes reads dst-local-times.tsv; its columns are tzid, local,
// expected_utc, offset, case, source, note.
func readLocalTimes(t *testing.T) []localCase {
	t.Helper()
	f, err := os.Open(testdata + "dst-local-times.tsv")
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("no %sdst-local-times.tsv: the shared folder is not beside the repository", testdata)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []localCase
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		col := strings.Split(sc.Text(), "\t")
		if len(col) < 5 {
			t.Fatalf("dst-local-times.tsv: short row %q", sc.Text())
		}
		m := localRe.FindStringSubmatch(col[1])
		if m == nil {
			t.Fatalf("dst-local-times.tsv: unreadable local %q", col[1])
		}
		c := localCase{zone: col[0], local: m[1], caseText: col[4], onset: strings.Contains(m[3], "onset")}
		if m[2] != "" {
			c.days, _ = strconv.Atoi(m[2])
			e := elapsedRe.FindStringSubmatch(col[2])
			if e == nil {
				t.Fatalf("dst-local-times.tsv: unreadable expectation %q", col[2])
			}
			h, _ := strconv.Atoi(e[2])
			c.want, c.from, c.elapsed = utc(e[1]), utc(e[3]), time.Duration(h)*time.Hour
		} else {
			c.want = utc(col[2])
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDSTLocalTimes(t *testing.T) {
	cases := append(readLocalTimes(t), lasAndBerlin...)
	for _, c := range cases {
		t.Run(c.zone+"/"+c.local, func(t *testing.T) {
			loc := mustZone(t, c.zone)
			wallTime, err := time.Parse("20060102T150405", c.local)
			if err != nil {
				t.Fatal(err)
			}
			ev := ical.Event{UID: "case@ward", Stamp: c.want, Start: c.want, End: c.want.Add(time.Hour)}
			if c.days > 0 {
				start := time.Date(wallTime.Year(), wallTime.Month(), wallTime.Day(), wallTime.Hour(), wallTime.Minute(), wallTime.Second(), 0, loc)
				ev.Start, ev.End = start, start.AddDate(0, 0, c.days)
			}
			if c.onset {
				// An observance onset is about the VTIMEZONE alone: put an
				// event in that year so the zone is written for it.
				ev.Start, ev.End = c.want.Add(-time.Hour), c.want.Add(time.Hour)
			}
			cal := parse(t, render(t, ical.Calendar{TimeZone: c.zone, Events: []ical.Event{ev}}))
			z := loadVTZ(t, cal, c.zone, c.want.Year()+2)
			got := &cal.Events()[0].ComponentBase

			switch {
			case c.onset:
				o, ok := z.onsetAt(c.want)
				if !ok {
					t.Fatalf("%s: no observance onset at %s in the VTIMEZONE:\n%s", c.caseText, c.want, z)
				}
				if w := wall(o.at, o.from).Format("20060102T150405"); w != c.local {
					t.Errorf("%s: onset at %s is written as local %s, want %s", c.caseText, c.want, w, c.local)
				}
			case c.days > 0:
				checkInstant(t, "DTSTART", got.GetStartAt, c.from)
				checkInstant(t, "DTEND", got.GetEndAt, c.want)
				if d := ev.End.Sub(ev.Start); d != c.elapsed {
					t.Errorf("%s: elapsed %s, want %s", c.caseText, d, c.elapsed)
				}
				z.checkProp(t, got.GetProperty(ics.ComponentPropertyDtEnd), c.want)
			default:
				checkInstant(t, "DTSTART", got.GetStartAt, c.want)
				z.checkProp(t, got.GetProperty(ics.ComponentPropertyDtStart), c.want)
				// And the RFC's reading of the local time itself, through
				// the VTIMEZONE, is the expected instant.
				if r := z.resolve(wallTime); !r.Equal(c.want) {
					t.Errorf("%s: VTIMEZONE reads %s as %s, want %s", c.caseText, c.local, r.UTC(), c.want)
				}
			}
		})
	}
}

// TestTimesNearTransitions renders events at every quarter hour around each
// change of offset, in zones with hour, half-hour and two-hour changes: each
// comes back as the same instant through the second parser, and through the
// VTIMEZONE read as RFC 5545 says.
func TestTimesNearTransitions(t *testing.T) {
	for _, zone := range []string{"America/Los_Angeles", "Europe/Berlin", "Australia/Lord_Howe", "Antarctica/Troll", "Australia/Sydney"} {
		t.Run(zone, func(t *testing.T) {
			loc := mustZone(t, zone)
			var events []ical.Event
			for at := time.Date(2025, 1, 1, 0, 0, 0, 0, loc); at.Year() < 2026; {
				_, end := at.ZoneBounds()
				if end.IsZero() {
					break
				}
				for d := -3 * time.Hour; d <= 3*time.Hour; d += 15 * time.Minute {
					s := end.Add(d)
					events = append(events, ical.Event{UID: fmt.Sprintf("e%d@ward", len(events)), Start: s, End: s.Add(15 * time.Minute), Stamp: s})
				}
				at = end
			}
			cal := parse(t, render(t, ical.Calendar{TimeZone: zone, Events: events}))
			z := loadVTZ(t, cal, zone, 2027)
			got := cal.Events()
			if len(got) != len(events) {
				t.Fatalf("got %d events, want %d", len(got), len(events))
			}
			for i, want := range events {
				ev := &got[i].ComponentBase
				checkInstant(t, want.UID+" DTSTART", ev.GetStartAt, want.Start)
				checkInstant(t, want.UID+" DTEND", ev.GetEndAt, want.End)
				z.checkProp(t, ev.GetProperty(ics.ComponentPropertyDtStart), want.Start)
				z.checkProp(t, ev.GetProperty(ics.ComponentPropertyDtEnd), want.End)
			}
		})
	}
}

// TestVTimezoneMatchesTZData checks, for zones with regular, irregular,
// abolished and half-hour daylight saving time, that the offset the
// VTIMEZONE gives equals Go's at every change and every three hours of the
// years covered.
func TestVTimezoneMatchesTZData(t *testing.T) {
	for _, tc := range []struct {
		zone        string
		first, last int
	}{
		{"America/Los_Angeles", 2024, 2024},
		{"America/New_York", 2005, 2009}, // the 2007 US rule change
		{"America/New_York", 1966, 1968},
		{"Europe/Berlin", 2022, 2026},
		{"Europe/Dublin", 2024, 2025}, // negative DST in tz data: winter is "daylight"
		{"Europe/Moscow", 2010, 2015}, // permanent summer time, then back
		{"America/Sao_Paulo", 2017, 2021},
		{"Asia/Tehran", 2021, 2023},
		{"Africa/Casablanca", 2024, 2025}, // clocks change around Ramadan
		{"Australia/Sydney", 2024, 2025},
		{"Australia/Lord_Howe", 2024, 2025},
		{"Asia/Kathmandu", 2024, 2024},
		{"Asia/Tokyo", 2024, 2026},
		{"Pacific/Apia", 2010, 2012}, // skipped 2011-12-30
		{"Etc/GMT+5", 2024, 2024},
	} {
		t.Run(fmt.Sprintf("%s/%d-%d", tc.zone, tc.first, tc.last), func(t *testing.T) {
			loc := mustZone(t, tc.zone)
			from := time.Date(tc.first, 1, 1, 0, 0, 0, 0, loc)
			to := time.Date(tc.last+1, 1, 1, 0, 0, 0, 0, loc)
			events := []ical.Event{
				{UID: "first@ward", Start: from, End: from.Add(time.Hour), Stamp: from},
				{UID: "last@ward", Start: to.Add(-time.Hour), End: to, Stamp: from},
			}
			cal := parse(t, render(t, ical.Calendar{TimeZone: tc.zone, Events: events}))
			z := loadVTZ(t, cal, tc.zone, tc.last+3)
			var samples []time.Time
			for at := from; at.Before(to); at = at.Add(3 * time.Hour) {
				samples = append(samples, at)
			}
			for at := from; ; {
				_, end := at.ZoneBounds()
				if end.IsZero() || !end.Before(to) {
					break
				}
				samples = append(samples, end.Add(-time.Second), end)
				at = end
			}
			bad := 0
			for _, at := range samples {
				_, want := at.In(loc).Zone()
				if got, ok := z.offsetAt(at); !ok || got != want {
					if bad++; bad <= 5 {
						t.Errorf("at %s: VTIMEZONE offset %+d (covered %v), tz data %+d", at.UTC().Format(time.RFC3339), got, ok, want)
					}
				}
			}
			if bad > 0 {
				t.Logf("%d of %d samples wrong; VTIMEZONE:\n%s", bad, len(samples), z)
			}
		})
	}
}

// TestVTimezoneShape pins what Outlook reads best: one yearly rule per kind
// for a zone with daylight saving time, one STANDARD for a zone without.
func TestVTimezoneShape(t *testing.T) {
	for _, tc := range []struct {
		zone         string
		year         int
		wantRules    []string // STANDARD or DAYLIGHT, then RRULE
		wantTZOffset []string
	}{
		{"America/Los_Angeles", 2025, []string{
			"STANDARD FREQ=YEARLY;BYMONTH=11;BYDAY=1SU",
			"DAYLIGHT FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
		}, []string{"-0700 -0800", "-0800 -0700"}},
		{"Europe/Berlin", 2025, []string{
			"STANDARD FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
			"DAYLIGHT FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
		}, []string{"+0200 +0100", "+0100 +0200"}},
		{"Asia/Tokyo", 2025, []string{"STANDARD "}, []string{"+1000 +0900"}},
	} {
		t.Run(tc.zone, func(t *testing.T) {
			loc := mustZone(t, tc.zone)
			start := time.Date(tc.year, 6, 2, 9, 0, 0, 0, loc)
			cal := parse(t, render(t, ical.Calendar{TimeZone: tc.zone, Events: []ical.Event{
				{UID: "a@ward", Start: start, End: start.AddDate(0, 0, 7), Stamp: start},
			}}))
			var rules, offsets []string
			for _, sub := range cal.Timezones()[0].Components {
				name, c := componentName(sub)
				rules = append(rules, name+" "+text(c, ics.ComponentPropertyRrule))
				offsets = append(offsets, text(c, "TZOFFSETFROM")+" "+text(c, "TZOFFSETTO"))
				if c.GetProperty(ics.ComponentPropertyRdate) != nil {
					t.Errorf("%s has RDATE, which Outlook ignores", name)
				}
			}
			if !slices.Equal(rules, tc.wantRules) || !slices.Equal(offsets, tc.wantTZOffset) {
				t.Errorf("observances = %q %q, want %q %q", rules, offsets, tc.wantRules, tc.wantTZOffset)
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	la := mustZone(t, "America/Los_Angeles")
	c := yearOfShifts(la)
	first := render(t, c)
	for range 20 {
		if got := render(t, c); !bytes.Equal(got, first) {
			t.Fatalf("second render differs:\n%s\nvs\n%s", got, first)
		}
	}
	// The same instants given in another location are the same events.
	moved := c
	moved.Events = slices.Clone(c.Events)
	for i := range moved.Events {
		moved.Events[i].Start = moved.Events[i].Start.UTC()
		moved.Events[i].End = moved.Events[i].End.In(time.FixedZone("elsewhere", 3600))
	}
	if got := render(t, moved); !bytes.Equal(got, first) {
		t.Errorf("render depends on the events' locations, not only their instants")
	}
}

func TestErrors(t *testing.T) {
	at := time.Date(2024, 5, 6, 9, 0, 0, 0, time.UTC)
	ok := ical.Event{UID: "ok@ward", Start: at, End: at.Add(time.Hour), Stamp: at}
	with := func(f func(e *ical.Event)) []ical.Event {
		e := ok
		e.UID = "bad@ward"
		f(&e)
		return []ical.Event{ok, e}
	}
	for _, tc := range []struct {
		name     string
		c        ical.Calendar
		want     error
		mentions string
	}{
		{"end equals start", ical.Calendar{Events: with(func(e *ical.Event) { e.End = e.Start })}, ical.ErrInvalidEvent, "bad@ward"},
		{"end before start", ical.Calendar{Events: with(func(e *ical.Event) { e.End = e.Start.Add(-time.Minute) })}, ical.ErrInvalidEvent, "bad@ward"},
		{"empty UID", ical.Calendar{Events: with(func(e *ical.Event) { e.UID, e.Summary = "", "On call: Bo" })}, ical.ErrInvalidEvent, "On call: Bo"},
		{"duplicate UID", ical.Calendar{Events: []ical.Event{ok, ok}}, ical.ErrInvalidEvent, "ok@ward"},
		{"no stamp", ical.Calendar{Events: with(func(e *ical.Event) { e.Stamp = time.Time{} })}, ical.ErrInvalidEvent, "bad@ward"},
		{"negative sequence", ical.Calendar{Events: with(func(e *ical.Event) { e.Sequence = -1 })}, ical.ErrInvalidEvent, "bad@ward"},
		{"relative URL", ical.Calendar{Events: with(func(e *ical.Event) { e.URL = "/rotations/src" })}, ical.ErrInvalidEvent, "bad@ward"},
		{"control character in UID", ical.Calendar{Events: with(func(e *ical.Event) { e.UID = "bad\x00@ward" })}, ical.ErrInvalidEvent, `bad\x00@ward`},
		{"year 10000", ical.Calendar{Events: with(func(e *ical.Event) { e.End = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) })}, ical.ErrInvalidEvent, "bad@ward"},
		{"unknown zone", ical.Calendar{TimeZone: "Mars/Olympus_Mons", Events: []ical.Event{ok}}, ical.ErrUnknownTimeZone, "Mars/Olympus_Mons"},
		{"server's zone", ical.Calendar{TimeZone: "Local", Events: []ical.Event{ok}}, ical.ErrUnknownTimeZone, "Local"},
		{"unknown zone, no events", ical.Calendar{TimeZone: "Not/AZone"}, ical.ErrUnknownTimeZone, "Not/AZone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := ical.Render(&buf, tc.c)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Render error = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.mentions) {
				t.Errorf("error %q does not name %q", err, tc.mentions)
			}
			if buf.Len() > 0 {
				t.Errorf("Render wrote %d bytes before failing", buf.Len())
			}
		})
	}
}

func TestWriterError(t *testing.T) {
	boom := errors.New("boom")
	err := ical.Render(failingWriter{boom}, ical.Calendar{})
	if !errors.Is(err, boom) {
		t.Errorf("Render error = %v, want the writer's", err)
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

// wantText is the documented cleaning of text: iCalendar carries line feeds
// and tabs but no other control characters, and only UTF-8.
func wantText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\t' && r != '\n') || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

func FuzzRender(f *testing.F) {
	for _, s := range []string{"", "On call: Ana (src)", trickyText, "\\", "\\n", ",;:\"", " leading space", "é", strings.Repeat("é", 80),
		strings.Repeat("🚨", 30), "a\r\nb\rc", "\x00\x1b[31m", "\xff\xfe", strings.Repeat("x", 74) + "é", "\t", "END:VEVENT\nBEGIN:VEVENT"} {
		f.Add(s, s)
	}
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, summary, description string) {
		start := time.Date(2024, 3, 4, 9, 0, 0, 0, la)
		feed := render(t, ical.Calendar{Name: summary, TimeZone: "America/Los_Angeles", Events: []ical.Event{{
			UID: "f@ward", Start: start, End: start.AddDate(0, 0, 7), Stamp: start,
			Summary: summary, Description: description, Categories: []string{summary},
		}}})
		checkLines(t, feed)
		cal := parse(t, feed)
		evs := cal.Events()
		if len(evs) != 1 {
			t.Fatalf("got %d events, want 1", len(evs))
		}
		ev := &evs[0].ComponentBase
		if got, want := text(ev, ics.ComponentPropertySummary), wantText(summary); got != want {
			t.Errorf("SUMMARY = %q, want %q", got, want)
		}
		if got, want := text(ev, ics.ComponentPropertyDescription), wantText(description); got != want {
			t.Errorf("DESCRIPTION = %q, want %q", got, want)
		}
		if name := wantText(summary); name != "" {
			if got := calendarProp(cal, "X-WR-CALNAME"); !slices.Equal(got, []string{name}) {
				t.Errorf("X-WR-CALNAME = %q, want %q", got, name)
			}
		}
		checkInstant(t, "DTSTART", ev.GetStartAt, start)
	})
}

// checkLines holds a feed to RFC 5545 3.1: CRLF only, at most 75 octets a
// line, folds that never split a UTF-8 sequence.
func checkLines(t testing.TB, feed []byte) {
	t.Helper()
	if !bytes.HasSuffix(feed, []byte("\r\n")) {
		t.Fatalf("feed does not end with CRLF")
	}
	for i, line := range bytes.Split(feed[:len(feed)-2], []byte("\r\n")) {
		switch {
		case bytes.ContainsAny(line, "\r\n"):
			t.Fatalf("line %d holds a bare CR or LF: %q", i+1, line)
		case len(line) > 75:
			t.Fatalf("line %d is %d octets: %q", i+1, len(line), line)
		case !utf8.Valid(line):
			t.Fatalf("line %d is not UTF-8 on its own (a fold split a sequence): %q", i+1, line)
		case len(line) == 0:
			t.Fatalf("line %d is empty", i+1)
		}
	}
}

// yearOfShifts is a rotation's feed for 2025: weekly shifts handed off on
// Mondays at 09:00, and 50 overrides carved out of them.
func yearOfShifts(loc *time.Location) ical.Calendar {
	c := ical.Calendar{
		Name:        "ward: src on-call",
		Description: "Who holds the src pager",
		TimeZone:    loc.String(),
		Refresh:     time.Hour,
		ProdID:      "-//ward//ward on-call//EN",
	}
	names := []string{"Ana", "Bo", "Chloé", "Dmitri"}
	start := time.Date(2024, 12, 30, 9, 0, 0, 0, loc)
	stamp := time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC)
	for i := range 53 {
		s := start.AddDate(0, 0, 7*i)
		c.Events = append(c.Events, ical.Event{
			UID:         fmt.Sprintf("src-shift-%d@ward", i),
			Start:       s,
			End:         s.AddDate(0, 0, 7),
			Summary:     fmt.Sprintf("On call: %s (src)", names[i%len(names)]),
			Description: "Primary for src.\nEscalation: secondary after 15 min; then the lead.",
			URL:         fmt.Sprintf("https://ward.example/rotations/src/shifts/%d", i),
			Stamp:       stamp,
			Categories:  []string{"on-call"},
			Transparent: true,
		})
	}
	for i := range 50 {
		s := start.AddDate(0, 0, 7*i+2).Add(8 * time.Hour)
		c.Events = append(c.Events, ical.Event{
			UID:         fmt.Sprintf("src-override-%d@ward", i),
			Sequence:    i % 3,
			Start:       s,
			End:         s.Add(14 * time.Hour),
			Summary:     fmt.Sprintf("Override: %s covers for %s", names[(i+1)%len(names)], names[i%len(names)]),
			Description: "Swapped for a dentist appointment; back Thursday. Ça marche 👍",
			Stamp:       stamp.Add(time.Duration(i) * time.Hour),
			Categories:  []string{"on-call", "override"},
			Transparent: true,
		})
	}
	return c
}

func BenchmarkRenderYear(b *testing.B) {
	c := yearOfShifts(mustZone(b, "America/Los_Angeles"))
	b.ReportAllocs()
	for b.Loop() {
		if err := ical.Render(io.Discard, c); err != nil {
			b.Fatal(err)
		}
	}
}

// vtz is a VTIMEZONE as RFC 5545 3.6.5 reads it: each observance's onsets,
// from DTSTART and RRULE, with the offsets before and after. It uses no tz
// data, so it checks what Outlook would see.
type vtz struct {
	tzid   string
	onsets []vtzOnset // in time order
}

type vtzOnset struct {
	at       time.Time
	from, to int
	kind     string
}

func (z vtz) String() string {
	var b strings.Builder
	for _, o := range z.onsets {
		fmt.Fprintf(&b, "  %s %s %+d -> %+d\n", o.kind, o.at.UTC().Format(time.RFC3339), o.from, o.to)
	}
	return b.String()
}

func componentName(c ics.Component) (string, *ics.ComponentBase) {
	switch c := c.(type) {
	case *ics.Standard:
		return "STANDARD", &c.ComponentBase
	case *ics.Daylight:
		return "DAYLIGHT", &c.ComponentBase
	case *ics.VTimezone:
		return "VTIMEZONE", &c.ComponentBase
	case *ics.VEvent:
		return "VEVENT", &c.ComponentBase
	case *ics.GeneralComponent:
		return c.Token, &c.ComponentBase
	}
	return fmt.Sprintf("%T", c), nil
}

var offsetRe = regexp.MustCompile(`^([+-])(\d{2})(\d{2})(\d{2})?$`)

func parseOffset(s string) (int, error) {
	m := offsetRe.FindStringSubmatch(s)
	if m == nil || s == "-0000" || s == "-000000" {
		return 0, fmt.Errorf("bad UTC-OFFSET %q", s)
	}
	h, _ := strconv.Atoi(m[2])
	mi, _ := strconv.Atoi(m[3])
	sec := 0
	if m[4] != "" {
		sec, _ = strconv.Atoi(m[4])
	}
	if mi > 59 || sec > 59 {
		return 0, fmt.Errorf("bad UTC-OFFSET %q", s)
	}
	v := h*3600 + mi*60 + sec
	if m[1] == "-" {
		v = -v
	}
	return v, nil
}

// loadVTZ evaluates the feed's VTIMEZONE for tzid, expanding open rules up to
// the start of year horizon.
func loadVTZ(t testing.TB, cal *ics.Calendar, tzid string, horizon int) vtz {
	t.Helper()
	z := vtz{tzid: tzid}
	var found int
	for _, tz := range cal.Timezones() {
		if text(&tz.ComponentBase, ics.ComponentPropertyTzid) != tzid {
			continue
		}
		found++
		for _, sub := range tz.Components {
			kind, c := componentName(sub)
			onsets, err := expandObservance(c, horizon)
			if err != nil {
				t.Fatalf("%s in VTIMEZONE %s: %v", kind, tzid, err)
			}
			for i := range onsets {
				onsets[i].kind = kind
			}
			z.onsets = append(z.onsets, onsets...)
		}
	}
	if found != 1 {
		t.Fatalf("feed has %d VTIMEZONEs with TZID %s, want 1", found, tzid)
	}
	slices.SortFunc(z.onsets, func(a, b vtzOnset) int { return a.at.Compare(b.at) })
	return z
}

// expandObservance lists one STANDARD or DAYLIGHT's onsets. DTSTART and the
// RRULE's instances are local times in the offset being left; UNTIL is UTC.
func expandObservance(c *ics.ComponentBase, horizon int) ([]vtzOnset, error) {
	from, err := parseOffset(text(c, "TZOFFSETFROM"))
	if err != nil {
		return nil, err
	}
	to, err := parseOffset(text(c, "TZOFFSETTO"))
	if err != nil {
		return nil, err
	}
	start, err := time.Parse("20060102T150405", text(c, ics.ComponentPropertyDtStart))
	if err != nil {
		return nil, fmt.Errorf("DTSTART: %w", err)
	}
	walls := []time.Time{start}
	if rule := text(c, ics.ComponentPropertyRrule); rule != "" {
		opt, err := rrule.StrToROption(rule)
		if err != nil {
			return nil, fmt.Errorf("RRULE %q: %w", rule, err)
		}
		opt.Dtstart = start
		if !opt.Until.IsZero() {
			opt.Until = opt.Until.Add(time.Duration(from) * time.Second)
		}
		r, err := rrule.NewRRule(*opt)
		if err != nil {
			return nil, fmt.Errorf("RRULE %q: %w", rule, err)
		}
		walls = r.Between(start, time.Date(horizon, 1, 1, 0, 0, 0, 0, time.UTC), true)
		if len(walls) == 0 || !walls[0].Equal(start) {
			return nil, fmt.Errorf("DTSTART %s is not the first instance of RRULE %q", start, rule)
		}
	}
	out := make([]vtzOnset, len(walls))
	for i, w := range walls {
		out[i] = vtzOnset{at: w.Add(-time.Duration(from) * time.Second), from: from, to: to}
	}
	return out, nil
}

func wall(t time.Time, offset int) time.Time {
	return t.UTC().Add(time.Duration(offset) * time.Second)
}

// offsetAt is the offset of the latest onset at or before t; ok is false
// before the first onset, which the VTIMEZONE does not cover.
func (z vtz) offsetAt(t time.Time) (offset int, ok bool) {
	for _, o := range z.onsets {
		if o.at.After(t) {
			break
		}
		offset, ok = o.to, true
	}
	return offset, ok
}

func (z vtz) onsetAt(t time.Time) (vtzOnset, bool) {
	for _, o := range z.onsets {
		if o.at.Equal(t) {
			return o, true
		}
	}
	return vtzOnset{}, false
}

// resolve reads a local time as RFC 5545 3.3.5 says: a reading that happens
// twice means the first; one skipped by a change means the offset before it.
func (z vtz) resolve(w time.Time) time.Time {
	var first time.Time
	for _, o := range z.onsets {
		for _, off := range []int{o.from, o.to} {
			at := w.Add(-time.Duration(off) * time.Second)
			if got, ok := z.offsetAt(at); ok && got == off && (first.IsZero() || at.Before(first)) {
				first = at
			}
		}
	}
	if !first.IsZero() {
		return first
	}
	for _, o := range z.onsets {
		if gapStart := wall(o.at, o.from); !w.Before(gapStart) && w.Before(wall(o.at, o.to)) {
			return w.Add(-time.Duration(o.from) * time.Second)
		}
	}
	return time.Time{}
}

// checkProp checks that a DTSTART or DTEND means want through the VTIMEZONE:
// a UTC value directly, a TZID value by the RFC's reading.
func (z vtz) checkProp(t *testing.T, p *ics.IANAProperty, want time.Time) {
	t.Helper()
	if p == nil {
		t.Errorf("missing date-time property")
		return
	}
	if strings.HasSuffix(p.Value, "Z") {
		if got, err := time.Parse("20060102T150405Z", p.Value); err != nil || !got.Equal(want) {
			t.Errorf("%s:%s means %s, want %s", p.IANAToken, p.Value, got, want.UTC())
		}
		return
	}
	if tzid := p.ICalParameters["TZID"]; !slices.Equal(tzid, []string{z.tzid}) {
		t.Errorf("%s has TZID %q, want %q", p.IANAToken, tzid, z.tzid)
	}
	w, err := time.Parse("20060102T150405", p.Value)
	if err != nil {
		t.Errorf("%s: %v", p.IANAToken, err)
		return
	}
	if got := z.resolve(w); !got.Equal(want) {
		t.Errorf("%s;TZID=%s:%s means %s through the VTIMEZONE, want %s", p.IANAToken, z.tzid, p.Value, got.UTC(), want.UTC())
	}
}

// feedUnderTest is one rendered feed, raw and as the second parser reads it.
type feedUnderTest struct {
	name string
	raw  []byte
	cal  *ics.Calendar
	last int // the last year of its events
}

// sampleFeeds are the feeds the RFC 5545 rules are checked on: every shape
// Render produces, from empty to a zone whose rules changed.
func sampleFeeds(t *testing.T) []feedUnderTest {
	t.Helper()
	tricky := func(loc *time.Location) ical.Event {
		return ical.Event{
			UID: "tricky@ward", Sequence: 2, Summary: "Override; Zoë, covers \\ all",
			Description: trickyText, URL: "https://ward.example/o/1",
			Start:      time.Date(2024, 10, 27, 0, 30, 0, 0, time.UTC),
			End:        time.Date(2024, 11, 3, 9, 30, 0, 0, time.UTC),
			Stamp:      time.Date(2024, 10, 1, 0, 0, 0, 0, loc),
			Categories: []string{"on-call", "override, with comma"},
		}
	}
	var feeds []feedUnderTest
	add := func(name string, c ical.Calendar) {
		raw := render(t, c)
		last := 0
		for _, e := range c.Events {
			last = max(last, e.End.Year())
		}
		feeds = append(feeds, feedUnderTest{name: name, raw: raw, cal: parse(t, raw), last: last})
	}
	for _, zone := range []string{"UTC", "America/Los_Angeles", "Europe/Berlin", "Asia/Tokyo"} {
		c := yearOfShifts(mustZone(t, zone))
		c.Events = append(c.Events, tricky(mustZone(t, zone)))
		add(zone, c)
	}
	ny := mustZone(t, "America/New_York")
	add("America/New_York 2006-2008", ical.Calendar{TimeZone: "America/New_York", Events: []ical.Event{
		week(ny, "a@ward", 2006, time.October, 23), week(ny, "b@ward", 2008, time.March, 3),
	}})
	add("empty", ical.Calendar{})
	add("empty, named zone", ical.Calendar{Name: "ward: nobody", TimeZone: "Europe/Berlin"})
	return feeds
}

// readRuleIDs reads the ids and rules of rules.tsv.
func readRuleIDs(t *testing.T) (ids []string, rules map[string]string) {
	t.Helper()
	data, err := os.ReadFile(testdata + "rules.tsv")
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("no %srules.tsv: the shared folder is not beside the repository", testdata)
	}
	if err != nil {
		t.Fatal(err)
	}
	rules = map[string]string{}
	for i, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		col := strings.Split(line, "\t")
		if i == 0 || len(col) < 2 {
			continue
		}
		ids = append(ids, col[0])
		rules[col[0]] = col[1]
	}
	return ids, rules
}

// component is one component anywhere in a feed, as arran4 parsed it.
type component struct {
	name string
	c    *ics.ComponentBase
}

func components(cal *ics.Calendar) []component {
	var out []component
	var walk func([]ics.Component)
	walk = func(cs []ics.Component) {
		for _, c := range cs {
			name, base := componentName(c)
			out = append(out, component{name, base})
			walk(base.Components)
		}
	}
	walk(cal.Components)
	return out
}

func count(c *ics.ComponentBase, p ics.ComponentProperty) int { return len(c.GetProperties(p)) }

var (
	dateTimeRe = regexp.MustCompile(`^\d{8}T\d{6}Z?$`)
	localRe6   = regexp.MustCompile(`^\d{8}T\d{6}$`)
	untilRe    = regexp.MustCompile(`(?:^|;)UNTIL=([^;]*)`)
)

// rawLine is an unfolded content line as written.
type rawLine struct {
	name   string
	params []rawParam
	value  string
}

// rawParam is a parameter as written, before any unquoting.
type rawParam struct {
	name   string
	values []string
	quoted []bool
}

// contentLines unfolds a feed and splits each content line into name,
// parameters and value by the RFC 5545 3.1 grammar, without help from either
// library.
func contentLines(t *testing.T, feed []byte) []rawLine {
	t.Helper()
	s := strings.NewReplacer("\r\n ", "", "\r\n\t", "").Replace(string(feed))
	var out []rawLine
	for _, line := range strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n") {
		i := strings.IndexAny(line, ";:")
		if i <= 0 {
			t.Fatalf("content line without a name: %q", line)
		}
		name, rest := line[:i], line[i:]
		var params []rawParam
		for strings.HasPrefix(rest, ";") {
			eq := strings.IndexByte(rest, '=')
			if eq < 0 {
				t.Fatalf("parameter without '=': %q", line)
			}
			p := rawParam{name: rest[1:eq]}
			rest = rest[eq+1:]
			for {
				if strings.HasPrefix(rest, `"`) {
					end := strings.IndexByte(rest[1:], '"')
					if end < 0 {
						t.Fatalf("unterminated quoted parameter: %q", line)
					}
					p.values, p.quoted = append(p.values, rest[1:end+1]), append(p.quoted, true)
					rest = rest[end+2:]
				} else {
					end := strings.IndexAny(rest, `";:,`)
					if end < 0 || rest[end] == '"' {
						t.Fatalf("bad parameter value: %q", line)
					}
					p.values, p.quoted = append(p.values, rest[:end]), append(p.quoted, false)
					rest = rest[end:]
				}
				if !strings.HasPrefix(rest, ",") {
					break
				}
				rest = rest[1:]
			}
			params = append(params, p)
		}
		if !strings.HasPrefix(rest, ":") {
			t.Fatalf("content line without ':' after its parameters: %q", line)
		}
		out = append(out, rawLine{name, params, rest[1:]})
	}
	return out
}

// TestRFC5545Rules checks each rule of rules.tsv on every sample feed. A
// rule added to the file without a check here fails, so it gets one.
func TestRFC5545Rules(t *testing.T) {
	ids, ruleText := readRuleIDs(t)
	feeds := sampleFeeds(t)
	checks := map[string]func(t *testing.T, f feedUnderTest){
		"R01": func(t *testing.T, f feedUnderTest) {
			if n := bytes.Count(f.raw, []byte("\n")); n != bytes.Count(f.raw, []byte("\r\n")) || n != bytes.Count(f.raw, []byte("\r")) {
				t.Errorf("bare CR or LF in the feed")
			}
			if !bytes.HasSuffix(f.raw, []byte("\r\n")) {
				t.Errorf("last line does not end with CRLF")
			}
		},
		"R02": func(t *testing.T, f feedUnderTest) {
			folded := false
			for _, line := range strings.Split(strings.TrimSuffix(string(f.raw), "\r\n"), "\r\n") {
				if len(line) > 75 {
					t.Errorf("%d octets: %q", len(line), line)
				}
				folded = folded || strings.HasPrefix(line, " ")
			}
			if !folded && bytes.Contains(f.raw, []byte("tricky@ward")) {
				t.Errorf("the long description was not folded")
			}
		},
		"R03": func(t *testing.T, f feedUnderTest) {
			for _, line := range strings.Split(string(f.raw), "\r\n") {
				if !utf8.ValidString(line) {
					t.Errorf("a fold splits a UTF-8 sequence: %q", line)
				}
			}
		},
		"R04": func(t *testing.T, f feedUnderTest) {
			for _, name := range []string{"PRODID", "VERSION"} {
				if n := len(calendarProp(f.cal, name)); n != 1 {
					t.Errorf("%d %s, want 1", n, name)
				}
			}
		},
		"R05": func(t *testing.T, f feedUnderTest) {
			if len(f.cal.Components) == 0 {
				t.Errorf("VCALENDAR holds no component")
			}
		},
		"R06": func(t *testing.T, f feedUnderTest) {
			for _, c := range components(f.cal) {
				if c.name == "VEVENT" && (count(c.c, ics.ComponentPropertyUniqueId) != 1 || count(c.c, ics.ComponentPropertyDtstamp) != 1) {
					t.Errorf("VEVENT %q: %d UID, %d DTSTAMP, want 1 each", text(c.c, ics.ComponentPropertyUniqueId),
						count(c.c, ics.ComponentPropertyUniqueId), count(c.c, ics.ComponentPropertyDtstamp))
				}
			}
		},
		"R07": func(t *testing.T, f feedUnderTest) {
			for _, c := range components(f.cal) {
				if n := count(c.c, ics.ComponentPropertyDtStart); c.name == "VEVENT" && n != 1 {
					t.Errorf("VEVENT %q: %d DTSTART, want 1", text(c.c, ics.ComponentPropertyUniqueId), n)
				}
			}
		},
		"R08": func(t *testing.T, f feedUnderTest) {
			for _, c := range components(f.cal) {
				if c.name == "VEVENT" && count(c.c, ics.ComponentPropertyDtEnd) > 0 && count(c.c, ics.ComponentPropertyDuration) > 0 {
					t.Errorf("VEVENT %q has DTEND and DURATION", text(c.c, ics.ComponentPropertyUniqueId))
				}
			}
		},
		"R09": func(t *testing.T, f feedUnderTest) {
			for _, c := range components(f.cal) {
				if c.name != "VEVENT" {
					continue
				}
				start, err1 := c.c.GetStartAt()
				end, err2 := c.c.GetEndAt()
				if err1 != nil || err2 != nil || !start.Before(end) {
					t.Errorf("VEVENT %q: start %s, end %s (%v, %v)", text(c.c, ics.ComponentPropertyUniqueId), start, end, err1, err2)
				}
			}
		},
		"R10": func(t *testing.T, f feedUnderTest) {
			for _, c := range components(f.cal) {
				if c.name != "VEVENT" {
					continue
				}
				s, e := c.c.GetProperty(ics.ComponentPropertyDtStart), c.c.GetProperty(ics.ComponentPropertyDtEnd)
				if !slices.Equal(s.ICalParameters["VALUE"], e.ICalParameters["VALUE"]) || dateTimeRe.MatchString(s.Value) != dateTimeRe.MatchString(e.Value) {
					t.Errorf("VEVENT %q: DTSTART %v and DTEND %v differ in type", text(c.c, ics.ComponentPropertyUniqueId), s, e)
				}
			}
		},
		"R11": func(t *testing.T, f feedUnderTest) {
			for _, c := range components(f.cal) {
				if n := count(c.c, ics.ComponentPropertyRrule); n > 1 {
					t.Errorf("%s has %d RRULE", c.name, n)
				}
			}
		},
		"R12": func(t *testing.T, f feedUnderTest) {
			for _, c := range components(f.cal) {
				rule := text(c.c, ics.ComponentPropertyRrule)
				if rule != "" && !dateTimeRe.MatchString(text(c.c, ics.ComponentPropertyDtStart)) &&
					regexp.MustCompile(`BY(HOUR|MINUTE|SECOND)=`).MatchString(rule) {
					t.Errorf("%s: RRULE %q with a DATE DTSTART", c.name, rule)
				}
			}
		},
		"R13": func(t *testing.T, f feedUnderTest) {
			for _, c := range components(f.cal) {
				if rule := text(c.c, ics.ComponentPropertyRrule); strings.Contains(rule, "UNTIL=") && strings.Contains(rule, "COUNT=") {
					t.Errorf("%s: RRULE %q has UNTIL and COUNT", c.name, rule)
				}
			}
		},
		"R14": func(t *testing.T, f feedUnderTest) {
			for _, tz := range f.cal.Timezones() {
				if n := count(&tz.ComponentBase, ics.ComponentPropertyTzid); n != 1 {
					t.Errorf("VTIMEZONE with %d TZID", n)
				}
				if len(tz.Components) == 0 {
					t.Errorf("VTIMEZONE %s without STANDARD or DAYLIGHT", text(&tz.ComponentBase, ics.ComponentPropertyTzid))
				}
				for _, sub := range tz.Components {
					name, c := componentName(sub)
					if name != "STANDARD" && name != "DAYLIGHT" {
						t.Errorf("VTIMEZONE holds %s", name)
					}
					for _, p := range []ics.ComponentProperty{ics.ComponentPropertyDtStart, "TZOFFSETFROM", "TZOFFSETTO"} {
						if n := count(c, p); n != 1 {
							t.Errorf("%s: %d %s, want 1", name, n, p)
						}
					}
				}
			}
		},
		"R15": func(t *testing.T, f feedUnderTest) {
			defined := map[string]int{}
			for _, tz := range f.cal.Timezones() {
				defined[text(&tz.ComponentBase, ics.ComponentPropertyTzid)]++
			}
			for id, n := range defined {
				if n != 1 {
					t.Errorf("%d VTIMEZONEs for %s", n, id)
				}
			}
			for _, c := range components(f.cal) {
				for _, p := range c.c.Properties {
					for _, id := range p.ICalParameters["TZID"] {
						if defined[id] == 0 {
							t.Errorf("%s %s refers to TZID %s, which has no VTIMEZONE", c.name, p.IANAToken, id)
						}
					}
				}
			}
		},
		// No event recurs, so the rule asks nothing of them; this checks
		// more: that the VTIMEZONE covers every TZID time in the feed.
		"R16": func(t *testing.T, f feedUnderTest) {
			for _, ev := range f.cal.Events() {
				if count(&ev.ComponentBase, ics.ComponentPropertyRrule)+count(&ev.ComponentBase, ics.ComponentPropertyRdate) > 0 {
					t.Errorf("VEVENT %q recurs", text(&ev.ComponentBase, ics.ComponentPropertyUniqueId))
				}
				for _, p := range []ics.ComponentProperty{ics.ComponentPropertyDtStart, ics.ComponentPropertyDtEnd} {
					prop := ev.GetProperty(p)
					tzid := prop.ICalParameters["TZID"]
					if len(tzid) == 0 {
						continue
					}
					z := loadVTZ(t, f.cal, tzid[0], f.last+3)
					at, err := ev.GetStartAt()
					if p == ics.ComponentPropertyDtEnd {
						at, err = ev.GetEndAt()
					}
					if _, ok := z.offsetAt(at); err != nil || !ok {
						t.Errorf("%s:%s is before the VTIMEZONE's first onset (%v)", p, prop.Value, err)
					}
					z.checkProp(t, prop, at)
				}
			}
		},
		"R17": func(t *testing.T, f feedUnderTest) {
			for _, tz := range f.cal.Timezones() {
				for _, sub := range tz.Components {
					name, c := componentName(sub)
					start := c.GetProperty(ics.ComponentPropertyDtStart)
					if !localRe6.MatchString(start.Value) || len(start.ICalParameters) > 0 {
						t.Errorf("%s DTSTART %q %v is not a plain local time", name, start.Value, start.ICalParameters)
					}
					m := untilRe.FindStringSubmatch(text(c, ics.ComponentPropertyRrule))
					if m == nil {
						continue
					}
					until, err := time.Parse("20060102T150405Z", m[1])
					if err != nil {
						t.Errorf("%s: UNTIL %q is not UTC", name, m[1])
						continue
					}
					onsets, err := expandObservance(c, until.Year()+2)
					if err != nil {
						t.Fatal(err)
					}
					if last := onsets[len(onsets)-1].at; !last.Equal(until) {
						t.Errorf("%s: UNTIL %s is not the last onset %s", name, until, last.UTC())
					}
				}
			}
		},
		"R18": func(t *testing.T, f feedUnderTest) {
			for _, c := range components(f.cal) {
				for _, p := range []ics.ComponentProperty{ics.ComponentPropertyDtStart, ics.ComponentPropertyDtEnd, ics.ComponentPropertyDtstamp} {
					if v := text(c.c, p); v != "" && !dateTimeRe.MatchString(v) {
						t.Errorf("%s %s:%s is not a DATE-TIME without offset", c.name, p, v)
					}
				}
				if m := untilRe.FindStringSubmatch(text(c.c, ics.ComponentPropertyRrule)); m != nil && !dateTimeRe.MatchString(m[1]) {
					t.Errorf("%s UNTIL=%s is not a DATE-TIME without offset", c.name, m[1])
				}
			}
		},
		"R19": func(t *testing.T, f feedUnderTest) {
			for _, c := range components(f.cal) {
				for _, p := range c.c.Properties {
					if len(p.ICalParameters["TZID"]) > 0 && strings.HasSuffix(p.Value, "Z") {
						t.Errorf("%s %s has TZID and a UTC value %s", c.name, p.IANAToken, p.Value)
					}
				}
			}
		},
		"R20": func(t *testing.T, f feedUnderTest) {
			for _, ev := range f.cal.Events() {
				for _, p := range []ics.ComponentProperty{ics.ComponentPropertyDtStart, ics.ComponentPropertyDtEnd, ics.ComponentPropertyDtstamp} {
					prop := ev.GetProperty(p)
					if !strings.HasSuffix(prop.Value, "Z") && len(prop.ICalParameters["TZID"]) == 0 {
						t.Errorf("VEVENT %s:%s is a floating time", p, prop.Value)
					}
				}
			}
		},
		"R21": func(t *testing.T, f feedUnderTest) {
			for _, c := range components(f.cal) {
				for _, p := range []ics.ComponentProperty{"TZOFFSETFROM", "TZOFFSETTO"} {
					if v := text(c.c, p); v != "" {
						if _, err := parseOffset(v); err != nil {
							t.Errorf("%s %s:%s: %v", c.name, p, v, err)
						}
					}
				}
			}
		},
		// Names are case-insensitive for readers; writing them upper-case
		// spares the readers that forget.
		"R22": func(t *testing.T, f feedUnderTest) {
			for _, l := range contentLines(t, f.raw) {
				if l.name != strings.ToUpper(l.name) {
					t.Errorf("property name %q is not upper-case", l.name)
				}
				for _, p := range l.params {
					if p.name != strings.ToUpper(p.name) {
						t.Errorf("parameter name %q is not upper-case", p.name)
					}
				}
			}
		},
		"R23": func(t *testing.T, f feedUnderTest) {
			var tzids []string
			for _, tz := range f.cal.Timezones() {
				tzids = append(tzids, text(&tz.ComponentBase, ics.ComponentPropertyTzid))
			}
			for _, l := range contentLines(t, f.raw) {
				for _, p := range l.params {
					// Nothing Render writes takes a list: a second value
					// is an unquoted comma.
					if len(p.values) != 1 {
						t.Errorf("%s;%s has %d values %q: an unquoted comma", l.name, p.name, len(p.values), p.values)
					}
					if p.name == "TZID" && !slices.Contains(tzids, p.values[0]) {
						t.Errorf("%s;TZID=%s does not name a VTIMEZONE: an unquoted colon or semicolon?", l.name, p.values[0])
					}
					if !p.quoted[0] && strings.ContainsAny(p.values[0], ":;,") {
						t.Errorf("%s;%s=%s should be quoted", l.name, p.name, p.values[0])
					}
				}
				if (l.name == "DTSTART" || l.name == "DTEND") && !dateTimeRe.MatchString(l.value) {
					t.Errorf("%s value %q: a parameter swallowed part of it?", l.name, l.value)
				}
			}
		},
		// Events are written as two instants, never as a nominal DURATION,
		// so no reader can add a day of the wrong length;
		// TestDSTLocalTimes checks the instants of P1D and P7D handoffs.
		"R24": func(t *testing.T, f feedUnderTest) {
			for _, ev := range f.cal.Events() {
				if count(&ev.ComponentBase, ics.ComponentPropertyDuration) > 0 {
					t.Errorf("VEVENT %q has DURATION", text(&ev.ComponentBase, ics.ComponentPropertyUniqueId))
				}
			}
		},
	}
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			check, ok := checks[id]
			if !ok {
				t.Fatalf("rules.tsv has %s (%s) but this test has no check for it", id, ruleText[id])
			}
			for _, f := range feeds {
				t.Run(f.name, func(t *testing.T) { check(t, f) })
			}
		})
	}
}

func TestRefresh(t *testing.T) {
	ev := []ical.Event{{UID: "a@ward", Start: time.Unix(0, 0), End: time.Unix(60, 0), Stamp: time.Unix(0, 0)}}
	for _, tc := range []struct {
		refresh time.Duration
		want    string // "" for no REFRESH-INTERVAL
	}{
		{0, ""},
		{time.Hour, "PT1H"},
		{90 * time.Minute, "PT1H30M"},
		{time.Hour + 30*time.Second, "PT1H0M30S"}, // dur-time lets no unit be skipped
		{15 * time.Minute, "PT15M"},
		{24 * time.Hour, "PT24H"},
	} {
		cal := parse(t, render(t, ical.Calendar{Refresh: tc.refresh, Events: ev}))
		var want []string
		if tc.want != "" {
			want = []string{tc.want}
		}
		if got := calendarProp(cal, "REFRESH-INTERVAL"); !slices.Equal(got, want) {
			t.Errorf("Refresh %s: REFRESH-INTERVAL = %q, want %q", tc.refresh, got, want)
		}
		if got := calendarProp(cal, "X-PUBLISHED-TTL"); !slices.Equal(got, want) {
			t.Errorf("Refresh %s: X-PUBLISHED-TTL = %q, want %q", tc.refresh, got, want)
		}
	}
	if err := ical.Render(io.Discard, ical.Calendar{Refresh: -time.Hour}); err == nil {
		t.Errorf("negative Refresh rendered, want an error")
	}
}

// TestFeed pins a whole small feed, as a client receives it.
func TestFeed(t *testing.T) {
	la := mustZone(t, "America/Los_Angeles")
	start := time.Date(2025, 3, 3, 9, 0, 0, 0, la)
	got := render(t, ical.Calendar{
		Name:     "ward: src on-call",
		TimeZone: "America/Los_Angeles",
		Refresh:  time.Hour,
		Events: []ical.Event{{
			UID: "src-shift-42@ward", Sequence: 1, Start: start, End: start.AddDate(0, 0, 7),
			Summary: "On call: Ana (src)", Description: "Primary; then Bo, then the lead.\nPager: +1 555 0100",
			URL: "https://ward.example/rotations/src", Stamp: time.Date(2025, 2, 1, 12, 0, 0, 0, time.UTC),
			Categories: []string{"on-call"}, Transparent: true,
		}},
	})
	want := strings.ReplaceAll(`BEGIN:VCALENDAR
CALSCALE:GREGORIAN
METHOD:PUBLISH
PRODID:-//ward//ward on-call//EN
REFRESH-INTERVAL;VALUE=DURATION:PT1H
VERSION:2.0
X-PUBLISHED-TTL:PT1H
X-WR-CALNAME:ward: src on-call
BEGIN:VTIMEZONE
TZID:America/Los_Angeles
BEGIN:STANDARD
DTSTART:20241103T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
TZNAME:PST
TZOFFSETFROM:-0700
TZOFFSETTO:-0800
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:20250309T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
TZNAME:PDT
TZOFFSETFROM:-0800
TZOFFSETTO:-0700
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
CATEGORIES:on-call
DESCRIPTION:Primary\; then Bo\, then the lead.\nPager: +1 555 0100
DTEND;TZID=America/Los_Angeles:20250310T090000
DTSTAMP:20250201T120000Z
DTSTART;TZID=America/Los_Angeles:20250303T090000
SEQUENCE:1
STATUS:CONFIRMED
SUMMARY:On call: Ana (src)
TRANSP:TRANSPARENT
UID:src-shift-42@ward
URL:https://ward.example/rotations/src
END:VEVENT
END:VCALENDAR
`, "\n", "\r\n")
	if string(got) != want {
		t.Errorf("feed:\n%s\nwant:\n%s", got, want)
	}
}
