// Package oncall answers questions about rotations by computing them from
// the store's schedules with the rotation package: who is on call, the
// shifts in a range, the gaps, and the calendar feeds. It also checks the
// writes that need computed shifts (overrides, swaps, swap requests) before
// handing them to the store. Computed rotations are cached by the store's
// schedule version, so that a question asked again costs one lookup.
package oncall

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/holiday"
	"github.com/wardsec/ward/rotation"
)

// Service answers on-call questions. It is safe for concurrent use.
type Service struct {
	store ward.RotationService
	now   func() time.Time

	mu     sync.Mutex
	cache  map[string]*computed // by rotation name
	feeds  map[int64]*renderedFeed
	byName map[string]*holiday.Calendar
}

// computed is a rotation as of one schedule version.
type computed struct {
	version  int64
	schedule *ward.Schedule
	rotation *rotation.Rotation
}

// New returns a service over the store; now is the clock.
func New(store ward.RotationService, now func() time.Time) *Service {
	return &Service{store: store, now: now, cache: map[string]*computed{}, feeds: map[int64]*renderedFeed{}, byName: map[string]*holiday.Calendar{}}
}

// load returns the rotation computed from its current schedule.
func (s *Service) load(ctx context.Context, name string) (*computed, error) {
	v, err := s.store.ScheduleVersion(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	c := s.cache[name]
	s.mu.Unlock()
	if c != nil && c.version >= v {
		return c, nil
	}
	sched, err := s.store.LoadSchedule(ctx, name)
	if err != nil {
		return nil, err
	}
	r, err := s.build(sched)
	if err != nil {
		return nil, fmt.Errorf("compute rotation %s: %w", name, err)
	}
	c = &computed{version: sched.Version, schedule: sched, rotation: r}
	s.mu.Lock()
	if old := s.cache[name]; old == nil || old.version < c.version {
		s.cache[name] = c
	}
	s.mu.Unlock()
	return c, nil
}

// build turns a stored schedule into the rotation package's values.
func (s *Service) build(sched *ward.Schedule) (*rotation.Rotation, error) {
	shift, err := time.ParseDuration(sched.Rotation.Shift)
	if err != nil {
		return nil, err
	}
	cfg, err := rotation.ParseConfig(shift, sched.Rotation.Handoff, sched.Rotation.Start, sched.Rotation.BusinessHoursOnly)
	if err != nil {
		return nil, err
	}
	epochs := make([]rotation.Epoch, len(sched.Epochs))
	for i, e := range sched.Epochs {
		epochs[i] = rotation.Epoch{FromShift: e.FromShift, Members: e.Members, Offset: e.Offset}
	}
	var overrides []rotation.Override
	for _, o := range sched.Overrides {
		if o.DeletedAt == nil {
			overrides = append(overrides, rotation.Override{ID: o.ID, Member: o.Member, Range: rotation.Range{Start: o.Start, End: o.End}})
		}
	}
	off := map[string][]rotation.Range{}
	for _, t := range sched.TimeOff {
		off[t.Member] = append(off[t.Member], rotation.Range{Start: t.Start, End: t.End})
	}
	people := make([]rotation.Person, 0, len(sched.People))
	for _, m := range sched.People {
		p, err := s.person(m, off[m.Email])
		if err != nil {
			return nil, err
		}
		people = append(people, p)
	}
	return rotation.New(cfg, epochs, overrides, people)
}

func (s *Service) person(m ward.Member, off []rotation.Range) (rotation.Person, error) {
	loc, err := time.LoadLocation(m.TimeZone)
	if err != nil {
		return rotation.Person{}, fmt.Errorf("member %s: %w", m.Email, err)
	}
	hours, err := ward.ParseWorkHours(m.WorkHours)
	if err != nil {
		return rotation.Person{}, fmt.Errorf("member %s: %w", m.Email, err)
	}
	p := rotation.Person{Email: m.Email, Name: m.Name, Location: loc, Hours: hours, TimeOff: off}
	if m.Holidays != "" {
		s.mu.Lock()
		cal := s.byName[m.Holidays]
		s.mu.Unlock()
		if cal == nil {
			if cal, err = holiday.New(m.Holidays); err != nil {
				return rotation.Person{}, fmt.Errorf("member %s: %w", m.Email, err)
			}
			s.mu.Lock()
			s.byName[m.Holidays] = cal
			s.mu.Unlock()
		}
		p.Holidays = cal
	}
	return p, nil
}

// Person is a member as on-call answers show them.
type Person struct {
	Email     string `json:"email"`
	Name      string `json:"name"`
	TimeZone  string `json:"timezone"`
	LocalTime string `json:"local_time,omitempty"` // their wall clock at the instant asked about
}

func (c *computed) person(email string, at time.Time) Person {
	p := c.rotation.Person(email)
	out := Person{Email: email, Name: p.Name, TimeZone: p.Location.String()}
	if !at.IsZero() {
		out.LocalTime = at.In(p.Location).Format("Mon 2006-01-02 15:04 MST")
	}
	return out
}

// OnCall is who holds a rotation at an instant.
type OnCall struct {
	Rotation   string            `json:"rotation"`
	At         time.Time         `json:"at"`
	Assignee   Person            `json:"assignee"`
	OnDuty     bool              `json:"on_duty"`
	NextOnDuty *time.Time        `json:"next_on_duty"` // null when there is none within a year
	Shift      int64             `json:"shift"`
	Start      time.Time         `json:"start"`
	End        time.Time         `json:"end"`
	Override   *ward.Override    `json:"override,omitempty"`
	Handoff    *ward.HandoffNote `json:"handoff_note,omitempty"` // the note left for this shift
}

// OnCall returns who holds the rotation at the instant. Before the first
// handoff nobody does: that is ENOTFOUND, naming the first handoff.
func (s *Service) OnCall(ctx context.Context, name string, at time.Time) (*OnCall, error) {
	c, err := s.load(ctx, name)
	if err != nil {
		return nil, err
	}
	a, ok := c.rotation.At(at)
	if !ok {
		return nil, ward.Errorf(ward.ENOTFOUND, "rotation %s has nobody on call at %s: its first shift starts at %s",
			name, at.UTC().Format(time.RFC3339), c.rotation.First().UTC().Format(time.RFC3339))
	}
	out := &OnCall{Rotation: name, At: at.UTC(), Assignee: c.person(a.Member, at), OnDuty: c.rotation.OnDuty(a.Member, at),
		Shift: a.Shift, Start: a.ShiftStart.UTC(), End: a.ShiftEnd.UTC()}
	if next, ok := c.rotation.NextOnDuty(a.Member, at); ok {
		next = next.UTC()
		out.NextOnDuty = &next
	}
	if a.Override != nil {
		for i := range c.schedule.Overrides {
			if o := &c.schedule.Overrides[i]; o.ID == a.Override.ID {
				out.Override = o
			}
		}
	}
	for i := range c.schedule.Handoffs {
		if n := &c.schedule.Handoffs[i]; n.ShiftStart.Equal(a.ShiftStart) {
			out.Handoff = n
			break
		}
	}
	return out, nil
}

// Shift is a stretch of a rotation held by one member: a whole shift, or
// the part of one that an override splits off.
type Shift struct {
	Rotation string    `json:"rotation"`
	Index    int64     `json:"index"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Assignee Person    `json:"assignee"`
	Override int64     `json:"override,omitempty"`
}

// MaxRange bounds the ranges that shifts and gaps are asked for.
const MaxRange = 366 * 24 * time.Hour * 2

// checkWindow refuses ranges that are empty or too long to answer.
func checkWindow(from, to time.Time) error {
	if from.IsZero() || to.IsZero() {
		return ward.Errorf(ward.EINVALID, "from and to: both are required, as RFC 3339 times")
	}
	if !to.After(from) {
		return ward.Errorf(ward.EINVALID, "to: must be after from")
	}
	if to.Sub(from) > MaxRange {
		return ward.Errorf(ward.EINVALID, "to: the range may span at most two years")
	}
	return nil
}

// Shifts returns who holds the rotation over [from, to).
func (s *Service) Shifts(ctx context.Context, name string, from, to time.Time) ([]Shift, error) {
	if err := checkWindow(from, to); err != nil {
		return nil, err
	}
	c, err := s.load(ctx, name)
	if err != nil {
		return nil, err
	}
	segs := c.rotation.Segments(from, to)
	out := make([]Shift, 0, len(segs))
	for _, seg := range segs {
		out = append(out, Shift{Rotation: name, Index: seg.Shift, Start: seg.Start.UTC(), End: seg.End.UTC(),
			Assignee: c.person(seg.Member, time.Time{}), Override: seg.Override})
	}
	return out, nil
}

// Gap is a working day that nobody covers.
type Gap struct {
	Date     string    `json:"date"`
	Assignee Person    `json:"assignee"`
	Reason   string    `json:"reason"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
}

// Gaps returns the days in [from, to) on which the rotation's holder is on
// a public holiday or time off and no override covers them.
func (s *Service) Gaps(ctx context.Context, name string, from, to time.Time) ([]Gap, error) {
	if err := checkWindow(from, to); err != nil {
		return nil, err
	}
	c, err := s.load(ctx, name)
	if err != nil {
		return nil, err
	}
	out := []Gap{}
	for _, g := range c.rotation.Gaps(from, to) {
		out = append(out, Gap{Date: g.Date, Assignee: c.person(g.Member, time.Time{}), Reason: g.Reason, Start: g.Start.UTC(), End: g.End.UTC()})
	}
	return out, nil
}

// Schedule returns the rotation's schedule as last computed.
func (s *Service) Schedule(ctx context.Context, name string) (*ward.Schedule, error) {
	c, err := s.load(ctx, name)
	if err != nil {
		return nil, err
	}
	return c.schedule, nil
}

// Works reports whether the member works the rotation from now on: is in
// its member list, or holds any of it within a year (the rest of a shift
// after leaving the list, or an override). They may then ask for cover,
// take it and leave handoff notes, whatever their role.
func (s *Service) Works(ctx context.Context, name, email string) (bool, error) {
	c, err := s.load(ctx, name)
	if err != nil {
		return false, err
	}
	if slices.Contains(c.schedule.Rotation.Members, email) {
		return true, nil
	}
	now := s.now()
	for _, seg := range c.rotation.Segments(now, now.Add(366*24*time.Hour)) {
		if seg.Member == email {
			return true, nil
		}
	}
	return false, nil
}

// NextWorking returns the first instant at or after t inside the member's
// own working hours (their zone, work hours and public holidays) and not
// on their time off, whatever rotation they are on; false when there is
// none within about a year. It is when a notification that is not urgent
// reaches them.
func (s *Service) NextWorking(ctx context.Context, m *ward.Member, t time.Time) (time.Time, bool, error) {
	offs, err := s.store.FindTimeOff(ctx, m.Email)
	if err != nil {
		return time.Time{}, false, err
	}
	ranges := make([]rotation.Range, 0, len(offs))
	for _, o := range offs {
		ranges = append(ranges, rotation.Range{Start: o.Start, End: o.End})
	}
	p, err := s.person(*m, ranges)
	if err != nil {
		return time.Time{}, false, err
	}
	at, ok := p.NextWorking(t)
	return at, ok, nil
}
