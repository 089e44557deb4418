// Package rotation computes an on-call rotation: who holds each shift, with
// overrides applied, and whether that person is on duty at an instant given
// their own working hours, public holidays and time off. It is pure: values
// in, values out, no clock and no I/O, so that every shift and every DST
// change can be tested at an exact instant.
//
// Shift boundaries are handoffs at a wall-clock time in the rotation's zone.
// A shift that is a whole number of days (the usual 168h week) keeps its
// handoff at that wall time across DST changes, so a week may last 167 or
// 169 hours; any other shift length is a fixed duration from the first
// handoff. A handoff at a wall time that a DST change skips happens when
// the clocks have moved on (02:30 on a spring-forward night is 03:30).
package rotation

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/holiday"
)

// Config is a rotation's schedule.
type Config struct {
	Shift             time.Duration  // length of a shift; at least an hour
	HandoffWeekday    time.Weekday   // the weekday of the first handoff
	HandoffMinute     int            // minutes after local midnight
	Location          *time.Location // the zone of the handoff
	Start             time.Time      // the first shift starts at the first handoff on or after this civil date (its year, month and day)
	BusinessHoursOnly bool           // on duty only in one's own working hours, not on holidays
}

// Epoch is a member list in force from one shift on. Shift FromShift goes
// to Members[Offset], the next to Members[Offset+1], and so round.
type Epoch struct {
	FromShift int64
	Members   []string // emails
	Offset    int
}

// Range is a half-open interval of instants, [Start, End).
type Range struct {
	Start, End time.Time
}

// Contains reports whether t is in the range.
func (r Range) Contains(t time.Time) bool { return !t.Before(r.Start) && t.Before(r.End) }

// Override hands a range of a rotation to another member. Where overrides
// overlap, the one with the larger ID (the newest) wins.
type Override struct {
	ID     int64
	Member string
	Range
}

// Person is a member as the rotation sees them.
type Person struct {
	Email    string
	Name     string
	Location *time.Location
	Hours    ward.WorkHours
	Holidays *holiday.Calendar // nil for none
	TimeOff  []Range
}

// Rotation answers questions about one rotation. Build it with New; it is
// immutable and safe for concurrent use.
type Rotation struct {
	cfg       Config
	first     time.Time // the first handoff
	firstDay  int64     // its civil day number, for whole-day shifts
	days      int64     // the shift in days, or 0 for a fixed-duration shift
	epochs    []Epoch   // by FromShift
	overrides []segment // disjoint, by start: what the newest override says
	people    map[string]*Person
}

// segment is a piece of time with one override in force.
type segment struct {
	Range
	override Override
}

// New checks the rotation and builds its indexes. Every member named by an
// epoch or an override must be among people.
func New(cfg Config, epochs []Epoch, overrides []Override, people []Person) (*Rotation, error) {
	if cfg.Location == nil {
		return nil, errors.New("rotation: no time zone")
	}
	if cfg.Shift < time.Hour {
		return nil, fmt.Errorf("rotation: shift %s is shorter than an hour", cfg.Shift)
	}
	if cfg.HandoffMinute < 0 || cfg.HandoffMinute >= 24*60 {
		return nil, fmt.Errorf("rotation: handoff minute %d is outside the day", cfg.HandoffMinute)
	}
	if len(epochs) == 0 {
		return nil, errors.New("rotation: no members")
	}
	r := &Rotation{cfg: cfg, people: make(map[string]*Person, len(people))}
	for i := range people {
		r.people[people[i].Email] = &people[i]
	}
	r.epochs = slices.Clone(epochs)
	sort.SliceStable(r.epochs, func(i, j int) bool { return r.epochs[i].FromShift < r.epochs[j].FromShift })
	for _, e := range r.epochs {
		if len(e.Members) == 0 {
			return nil, fmt.Errorf("rotation: the member list from shift %d is empty", e.FromShift)
		}
		for _, m := range e.Members {
			if r.people[m] == nil {
				return nil, fmt.Errorf("rotation: member %s is not known", m)
			}
		}
	}
	for _, o := range overrides {
		if r.people[o.Member] == nil {
			return nil, fmt.Errorf("rotation: override %d: member %s is not known", o.ID, o.Member)
		}
		if !o.End.After(o.Start) {
			return nil, fmt.Errorf("rotation: override %d ends before it starts", o.ID)
		}
	}
	y, m, d := cfg.Start.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	for day.Weekday() != cfg.HandoffWeekday {
		day = day.AddDate(0, 0, 1)
	}
	r.firstDay = civilDay(day)
	r.first = wallTime(day, cfg.HandoffMinute, cfg.Location)
	if cfg.Shift%(24*time.Hour) == 0 {
		r.days = int64(cfg.Shift / (24 * time.Hour))
	}
	r.overrides = flatten(overrides)
	return r, nil
}

// civilDay numbers the days of the proleptic Gregorian calendar.
func civilDay(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// wallTime is the instant of a civil day's wall-clock minute in loc. A
// minute that a DST change skips is read with the offset in force before
// the gap, as RFC 5545 reads such times, so that calendars agree with us:
// 02:30 on a spring-forward night in Los Angeles is 03:30 PDT.
func wallTime(day time.Time, minute int, loc *time.Location) time.Time {
	y, m, d := day.Date()
	t := time.Date(y, m, d, minute/60, minute%60, 0, 0, loc)
	want := time.Date(y, m, d, minute/60, minute%60, 0, 0, time.UTC)
	got := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
	if got.Equal(want) {
		return t
	}
	// In a gap, Go lands on one side of it. On the far side the offset
	// before the gap is the one just before its period began.
	before := t
	if got.After(want) {
		start, _ := t.ZoneBounds()
		before = start.Add(-time.Second)
	}
	_, offset := before.Zone()
	return want.Add(-time.Duration(offset) * time.Second).In(loc)
}

// Config returns the rotation's configuration.
func (r *Rotation) Config() Config { return r.cfg }

// First returns the instant of the first handoff.
func (r *Rotation) First() time.Time { return r.first }

// ShiftStart returns the instant shift n starts; shift n ends when n+1
// starts.
func (r *Rotation) ShiftStart(n int64) time.Time {
	if r.days == 0 {
		return r.first.Add(time.Duration(n) * r.cfg.Shift)
	}
	day := time.Unix((r.firstDay+n*r.days)*86400, 0).UTC()
	return wallTime(day, r.cfg.HandoffMinute, r.cfg.Location)
}

// ShiftIndex returns the shift that contains t, or false before the first
// handoff.
func (r *Rotation) ShiftIndex(t time.Time) (int64, bool) {
	if t.Before(r.first) {
		return 0, false
	}
	var n int64
	if r.days == 0 {
		n = int64(t.Sub(r.first) / r.cfg.Shift)
	} else {
		n = floorDiv(civilDay(t.In(r.cfg.Location))-r.firstDay, r.days)
	}
	// The arithmetic is right but for the hours around a handoff; step to
	// the shift whose bounds hold t.
	for n > 0 && t.Before(r.ShiftStart(n)) {
		n--
	}
	for !t.Before(r.ShiftStart(n + 1)) {
		n++
	}
	return n, true
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// epochOf returns the member list in force for shift n.
func (r *Rotation) epochOf(n int64) Epoch {
	i := sort.Search(len(r.epochs), func(i int) bool { return r.epochs[i].FromShift > n }) - 1
	if i < 0 {
		i = 0 // shifts before the first epoch's start belong to it
	}
	return r.epochs[i]
}

// Scheduled returns the member the rotation gives shift n, before
// overrides.
func (r *Rotation) Scheduled(n int64) string {
	e := r.epochOf(n)
	k := int64(len(e.Members))
	return e.Members[int(((n-e.FromShift+int64(e.Offset))%k+k)%k)]
}

// Assignment is who holds the rotation at an instant.
type Assignment struct {
	Member     string
	Shift      int64
	ShiftStart time.Time
	ShiftEnd   time.Time
	Override   *Override // the override in force, if any
}

// At returns the assignment at t, or false before the first handoff.
func (r *Rotation) At(t time.Time) (Assignment, bool) {
	n, ok := r.ShiftIndex(t)
	if !ok {
		return Assignment{}, false
	}
	a := Assignment{Member: r.Scheduled(n), Shift: n, ShiftStart: r.ShiftStart(n), ShiftEnd: r.ShiftStart(n + 1)}
	if o, ok := r.overrideAt(t); ok {
		a.Member, a.Override = o.Member, &o
	}
	return a, true
}

func (r *Rotation) overrideAt(t time.Time) (Override, bool) {
	i := sort.Search(len(r.overrides), func(i int) bool { return r.overrides[i].End.After(t) })
	if i < len(r.overrides) && r.overrides[i].Contains(t) {
		return r.overrides[i].override, true
	}
	return Override{}, false
}

// Segment is a stretch of one shift held by one member.
type Segment struct {
	Shift    int64
	Member   string
	Override int64 // the override's ID, or 0 where the schedule holds
	Range
}

// Segments returns who holds the rotation over [from, to), in order: each
// shift, split where overrides begin and end. Before the first handoff
// nobody does.
func (r *Rotation) Segments(from, to time.Time) []Segment {
	if from.Before(r.first) {
		from = r.first
	}
	var out []Segment
	n, ok := r.ShiftIndex(from)
	if !ok {
		return nil
	}
	for t := from; t.Before(to); n++ {
		end := r.ShiftStart(n + 1)
		if end.After(to) {
			end = to
		}
		out = r.appendShift(out, n, Range{t, end})
		t = end
	}
	return out
}

// appendShift appends the pieces of shift n within span.
func (r *Rotation) appendShift(out []Segment, n int64, span Range) []Segment {
	scheduled := r.Scheduled(n)
	i := sort.Search(len(r.overrides), func(i int) bool { return r.overrides[i].End.After(span.Start) })
	t := span.Start
	for ; i < len(r.overrides) && r.overrides[i].Start.Before(span.End); i++ {
		o := r.overrides[i]
		if t.Before(o.Start) {
			out = append(out, Segment{Shift: n, Member: scheduled, Range: Range{t, o.Start}})
			t = o.Start
		}
		end := o.End
		if end.After(span.End) {
			end = span.End
		}
		out = append(out, Segment{Shift: n, Member: o.override.Member, Override: o.override.ID, Range: Range{t, end}})
		t = end
	}
	if t.Before(span.End) {
		out = append(out, Segment{Shift: n, Member: scheduled, Range: Range{t, span.End}})
	}
	return out
}

// Person returns the member with the email, or nil.
func (r *Rotation) Person(email string) *Person { return r.people[email] }

// String describes the schedule, for messages.
func (c Config) String() string {
	return fmt.Sprintf("%s shifts, handoff %s %02d:%02d %s", c.Shift, c.HandoffWeekday.String()[:3], c.HandoffMinute/60, c.HandoffMinute%60, c.Location)
}

// ParseHandoff reads a handoff such as "Mon 09:00 America/Los_Angeles".
func ParseHandoff(s string) (time.Weekday, int, *time.Location, error) {
	f := strings.Fields(s)
	if len(f) != 3 {
		return 0, 0, nil, fmt.Errorf("handoff %q: want weekday, time and zone, such as \"Mon 09:00 America/Los_Angeles\"", s)
	}
	day, err := ward.ParseWeekday(f[0])
	if err != nil {
		return 0, 0, nil, fmt.Errorf("handoff %q: %w", s, err)
	}
	minute, err := ward.ParseClock(f[1])
	if err == nil && minute == 24*60 {
		err = errors.New("24:00 is the next day's 00:00")
	}
	if err != nil {
		return 0, 0, nil, fmt.Errorf("handoff %q: %w", s, err)
	}
	if err := ward.ValidTimeZone(f[2]); err != nil {
		return 0, 0, nil, fmt.Errorf("handoff %q: %s", s, ward.ErrorMessage(err))
	}
	loc, _ := time.LoadLocation(f[2]) // valid: checked just above
	return day, minute, loc, nil
}

// ParseConfig reads a rotation's configuration as it is stored and
// written in team files.
func ParseConfig(shift time.Duration, handoff, start string, businessHoursOnly bool) (Config, error) {
	day, minute, loc, err := ParseHandoff(handoff)
	if err != nil {
		return Config{}, err
	}
	s, err := time.Parse(time.DateOnly, start)
	if err != nil {
		return Config{}, fmt.Errorf("start %q: want a date such as 2026-01-05", start)
	}
	return Config{Shift: shift, HandoffWeekday: day, HandoffMinute: minute, Location: loc, Start: s, BusinessHoursOnly: businessHoursOnly}, nil
}
