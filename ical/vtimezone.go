package ical

import (
	"fmt"
	"strconv"
	"time"

	goical "github.com/emersion/go-ical"
)

// A VTIMEZONE is built from Go's tz data instead of a copied definition:
// walking time.Location with ZoneBounds finds each change of offset, and the
// changes are written as observances (RFC 5545 3.6.5).
//
// Changes that repeat yearly on the same rule (the second Sunday of March at
// 02:00, the last Sunday of October at 03:00) share one STANDARD or DAYLIGHT
// with an RRULE; any other change is an observance of its own with only a
// DTSTART. RDATE lists would be as exact, but Outlook ignores RDATE and
// reduces a VTIMEZONE to one yearly rule per kind taken from DTSTART and
// RRULE ([MS-STANOICAL] 2.2.47), so rules are what it reads correctly; Google
// and Apple go by the IANA name in TZID. A zone without daylight saving
// time, such as Asia/Tokyo, gets a single STANDARD.
//
// The walk covers the years of the events and one more, so that the rules in
// force at the end have been seen at least twice. The rules in force then are
// left open-ended, as the tz database itself extends them; the rest end with
// UNTIL at their last onset.

// zoneState is what a zone says about an instant.
type zoneState struct {
	name   string
	offset int // seconds east of UTC
	dst    bool
}

func stateAt(t time.Time) zoneState {
	name, offset := t.Zone()
	return zoneState{name: name, offset: offset, dst: t.IsDST()}
}

// transition is one change of a zone's state, at the first instant of the
// new state.
type transition struct {
	at       time.Time
	from, to zoneState
}

// maxSteps bounds the ZoneBounds walks: Go splits periods at year ends where
// nothing changes, so a walk takes a few steps a year, and no feed spans
// thousands of years.
const maxSteps = 100000

// periodStart returns the onset of the state in force at t, stepping over
// the boundaries where nothing changes; ok is false if the state has held
// since the start of the zone's data.
func periodStart(t time.Time) (onset time.Time, ok bool) {
	s := stateAt(t)
	for range maxSteps {
		start, _ := t.ZoneBounds()
		if start.IsZero() {
			return time.Time{}, false
		}
		before := start.Add(-time.Second)
		if stateAt(before) != s {
			return start, true
		}
		t = before
	}
	return time.Time{}, false
}

// nextChange returns the first instant after t whose state differs from
// t's, stepping over the boundaries where nothing changes; ok is false if
// the state holds for as long as the zone's data goes.
func nextChange(t time.Time) (change time.Time, ok bool) {
	s := stateAt(t)
	for range maxSteps {
		_, end := t.ZoneBounds()
		if end.IsZero() {
			return time.Time{}, false
		}
		if stateAt(end) != s {
			return end, true
		}
		t = end
	}
	return time.Time{}, false
}

// transitions lists the changes of state in [from, to), in order.
func transitions(from, to time.Time) []transition {
	var out []transition
	for t := from; ; {
		change, ok := nextChange(t)
		if !ok || !change.Before(to) {
			return out
		}
		out = append(out, transition{at: change, from: stateAt(t), to: stateAt(change)})
		t = change
	}
}

// observance is one STANDARD or DAYLIGHT: a run of transitions on one rule,
// or a single transition.
type observance struct {
	from, to zoneState
	onsets   []time.Time
	nth      int  // the weekday's ordinal in the month shared by every onset; 0 if none
	last     bool // every onset is the month's last such weekday
	open     bool // the rule goes on after the years covered
}

// ruleKey is what transitions must share to be one yearly rule.
type ruleKey struct {
	from, to zoneState
	month    time.Month
	weekday  time.Weekday
	clock    int // seconds after local midnight
}

// wall returns the local wall-clock reading at t under offset, as a UTC time
// so that its fields can be read without a location.
func wall(t time.Time, offset int) time.Time {
	return t.UTC().Add(time.Duration(offset) * time.Second)
}

func ordinals(w time.Time) (nth int, last bool) {
	daysInMonth := time.Date(w.Year(), w.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return (w.Day()-1)/7 + 1, w.Day()+7 > daysInMonth
}

// observances groups transitions into yearly rules. A run grows only by the
// next year's transition on the same key, and only while one BYDAY still
// describes every onset, so its RRULE generates exactly its onsets.
func observances(ts []transition, lastYear int) []*observance {
	var out []*observance
	runs := map[ruleKey]*observance{}
	for _, tr := range ts {
		w := wall(tr.at, tr.from.offset)
		key := ruleKey{from: tr.from, to: tr.to, month: w.Month(), weekday: w.Weekday(),
			clock: w.Hour()*3600 + w.Minute()*60 + w.Second()}
		nth, last := ordinals(w)
		if o := runs[key]; o != nil {
			prev := wall(o.onsets[len(o.onsets)-1], tr.from.offset)
			if prev.Year()+1 == w.Year() && (o.nth == nth || (o.last && last)) {
				o.onsets = append(o.onsets, tr.at)
				if o.nth != nth {
					o.nth = 0
				}
				o.last = o.last && last
				continue
			}
		}
		o := &observance{from: tr.from, to: tr.to, onsets: []time.Time{tr.at}, nth: nth, last: last}
		runs[key] = o
		out = append(out, o)
	}
	for _, o := range out {
		final := wall(o.onsets[len(o.onsets)-1], o.from.offset).Year()
		o.open = len(o.onsets) > 1 && final > lastYear
	}
	return out
}

// vtimezone returns the VTIMEZONE of loc for the years first to last.
func vtimezone(loc *time.Location, first, last int) *goical.Component {
	begin := time.Date(first, time.January, 1, 0, 0, 0, 0, loc)
	// Year 10000 has no four-digit form.
	end := time.Date(min(last+2, 10000), time.January, 1, 0, 0, 0, 0, loc)
	onset, ok := periodStart(begin)
	if !ok {
		// One state since the data began (a fixed zone): it is in force
		// from before any event.
		return fixedZone(loc.String(), stateAt(begin), first)
	}
	from := stateAt(onset.Add(-time.Second))
	ts := append([]transition{{at: onset, from: from, to: stateAt(onset)}},
		transitions(onset, end)...)

	tz := goical.NewComponent(goical.CompTimezone)
	tz.Props.SetText(goical.PropTimezoneID, loc.String())
	for _, o := range observances(ts, last) {
		tz.Children = append(tz.Children, o.component())
	}
	return tz
}

func (o *observance) component() *goical.Component {
	name := goical.CompTimezoneStandard
	if o.to.dst {
		name = goical.CompTimezoneDaylight
	}
	c := goical.NewComponent(name)
	start := wall(o.onsets[0], o.from.offset)
	// DTSTART is the onset in the wall time of the offset it leaves.
	c.Props.Set(&goical.Prop{Name: goical.PropDateTimeStart, Params: goical.Params{}, Value: start.Format(localLayout)})
	c.Props.Set(&goical.Prop{Name: goical.PropTimezoneOffsetFrom, Params: goical.Params{}, Value: formatOffset(o.from.offset)})
	c.Props.Set(&goical.Prop{Name: goical.PropTimezoneOffsetTo, Params: goical.Params{}, Value: formatOffset(o.to.offset)})
	if o.to.name != "" {
		c.Props.SetText(goical.PropTimezoneName, o.to.name)
	}
	if len(o.onsets) > 1 {
		day := strconv.Itoa(o.nth)
		if o.last {
			// Rules such as the EU's "last Sunday" are usually also a 4th
			// Sunday for a few years in a row; -1 is the one that goes on
			// being right.
			day = "-1"
		}
		rule := fmt.Sprintf("FREQ=YEARLY;BYMONTH=%d;BYDAY=%s%s", int(start.Month()), day, weekdayCodes[start.Weekday()])
		if !o.open {
			// UNTIL in a VTIMEZONE is the last onset, in UTC (RFC 5545 3.6.5).
			rule += ";UNTIL=" + o.onsets[len(o.onsets)-1].UTC().Format(utcLayout)
		}
		c.Props.Set(&goical.Prop{Name: goical.PropRecurrenceRule, Params: goical.Params{}, Value: rule})
	}
	return c
}

var weekdayCodes = [7]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

// fixedZone is the VTIMEZONE of a zone that has had one state throughout.
// Its onset is 1601-01-01, as in Microsoft's definitions, or the first year
// of the events if that is earlier, so that no event falls before it.
func fixedZone(tzid string, s zoneState, firstYear int) *goical.Component {
	tz := goical.NewComponent(goical.CompTimezone)
	tz.Props.SetText(goical.PropTimezoneID, tzid)
	std := goical.NewComponent(goical.CompTimezoneStandard)
	std.Props.Set(&goical.Prop{Name: goical.PropDateTimeStart, Params: goical.Params{}, Value: fmt.Sprintf("%04d0101T000000", min(firstYear, 1601))})
	std.Props.Set(&goical.Prop{Name: goical.PropTimezoneOffsetFrom, Params: goical.Params{}, Value: formatOffset(s.offset)})
	std.Props.Set(&goical.Prop{Name: goical.PropTimezoneOffsetTo, Params: goical.Params{}, Value: formatOffset(s.offset)})
	if s.name != "" {
		std.Props.SetText(goical.PropTimezoneName, s.name)
	}
	tz.Children = append(tz.Children, std)
	return tz
}

// formatOffset writes a UTC-OFFSET: a sign always, "+0000" for zero (RFC
// 5545 3.3.14 forbids "-0000"), and seconds only when there are some, as in
// the local mean times of old tz data.
func formatOffset(secs int) string {
	sign := byte('+')
	if secs < 0 {
		sign, secs = '-', -secs
	}
	s := fmt.Sprintf("%c%02d%02d", sign, secs/3600, secs/60%60)
	if secs%60 != 0 {
		s += fmt.Sprintf("%02d", secs%60)
	}
	return s
}
