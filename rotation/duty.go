package rotation

import (
	"slices"
	"time"

	"github.com/wardsec/ward"
)

// horizon bounds the search for someone's next on-duty time: a person with
// no working hours in a year is not coming back on their own.
const horizon = 400

// OnDuty reports whether the member is expected to respond at t: on a
// business-hours-only rotation, inside their own working hours and not on
// one of their public holidays; on any rotation, not on time off.
func (r *Rotation) OnDuty(member string, t time.Time) bool {
	p := r.people[member]
	if p == nil || p.onLeave(t) {
		return false
	}
	if !r.cfg.BusinessHoursOnly {
		return true
	}
	local := t.In(p.Location)
	return p.Hours.Contains(local) && !p.holiday(local)
}

func (p *Person) onLeave(t time.Time) bool {
	for _, r := range p.TimeOff {
		if r.Contains(t) {
			return true
		}
	}
	return false
}

// leaveEnd returns the end of the time off that holds t, following leave
// that starts where the previous ends.
func (p *Person) leaveEnd(t time.Time) time.Time {
	for moved := true; moved; {
		moved = false
		for _, r := range p.TimeOff {
			if r.Contains(t) {
				t, moved = r.End, true
			}
		}
	}
	return t
}

func (p *Person) holiday(local time.Time) bool {
	if p.Holidays == nil {
		return false
	}
	is, _ := p.Holidays.IsHoliday(local)
	return is
}

// NextOnDuty returns the first instant at or after t at which the member is
// on duty, or false if there is none within about a year.
func (r *Rotation) NextOnDuty(member string, t time.Time) (time.Time, bool) {
	p := r.people[member]
	if p == nil {
		return time.Time{}, false
	}
	if !r.cfg.BusinessHoursOnly {
		return p.leaveEnd(t), true
	}
	return p.NextWorking(t)
}

// NextWorking returns the first instant at or after t inside the person's
// working hours, not on one of their public holidays nor on time off, or
// false if there is none within about a year.
func (p *Person) NextWorking(t time.Time) (time.Time, bool) {
	local := t.In(p.Location)
	for i := 0; i < horizon; i++ {
		day := time.Date(local.Year(), local.Month(), local.Day()+i, 12, 0, 0, 0, p.Location)
		if p.holiday(day) {
			continue
		}
		for _, w := range workSpans(p, day) {
			if !w.End.After(t) {
				continue
			}
			cand := w.Start
			if cand.Before(t) {
				cand = t
			}
			if cand = p.leaveEnd(cand); cand.Before(w.End) {
				return cand, true
			}
		}
	}
	return time.Time{}, false
}

// workSpans returns the person's working spans on the civil day of day, as
// instants, earliest first.
func workSpans(p *Person, day time.Time) []Range {
	spans := slices.Clone(p.Hours.Day(day.Weekday()))
	slices.SortFunc(spans, func(a, b ward.Span) int { return a.Start - b.Start })
	out := make([]Range, 0, len(spans))
	for _, s := range spans {
		out = append(out, Range{wallTime(day, s.Start, p.Location), wallTime(day, s.End, p.Location)})
	}
	return out
}

// Gap is a working day on which the member who holds the rotation is on a
// public holiday or time off, and no override gives the day to someone
// else: the team should find cover.
type Gap struct {
	Date   string // the civil date, in the member's own zone
	Member string
	Reason string // the holiday's name, or "time off"
	Range         // the working hours affected
}

// Gaps returns the gaps in [from, to), in order. A rotation that is not
// business-hours-only has gaps only for time off.
func (r *Rotation) Gaps(from, to time.Time) []Gap {
	var gaps []Gap
	for _, seg := range r.Segments(from, to) {
		p := r.people[seg.Member]
		local := seg.Start.In(p.Location)
		for i := 0; ; i++ {
			day := time.Date(local.Year(), local.Month(), local.Day()+i, 12, 0, 0, 0, p.Location)
			if !wallTime(day, 0, p.Location).Before(seg.End) {
				break
			}
			if g, ok := r.gapOn(p, day, seg.Range); ok {
				gaps = append(gaps, g)
			}
		}
	}
	return gaps
}

// gapOn reports the gap, if any, on one civil day of a segment.
func (r *Rotation) gapOn(p *Person, day time.Time, seg Range) (Gap, bool) {
	spans := workSpans(p, day)
	if !r.cfg.BusinessHoursOnly {
		spans = []Range{{wallTime(day, 0, p.Location), wallTime(day, 24*60, p.Location)}}
	}
	var affected []Range
	for _, w := range spans {
		if w.Start.Before(seg.Start) {
			w.Start = seg.Start
		}
		if w.End.After(seg.End) {
			w.End = seg.End
		}
		if w.Start.Before(w.End) {
			affected = append(affected, w)
		}
	}
	if len(affected) == 0 {
		return Gap{}, false
	}
	g := Gap{Date: day.Format(time.DateOnly), Member: p.Email, Range: Range{affected[0].Start, affected[len(affected)-1].End}}
	if r.cfg.BusinessHoursOnly && p.Holidays != nil {
		if is, name := p.Holidays.IsHoliday(day); is {
			g.Reason = name
			return g, true
		}
	}
	for _, w := range affected {
		for _, off := range p.TimeOff {
			if off.Start.Before(w.End) && w.Start.Before(off.End) {
				g.Reason = "time off"
				return g, true
			}
		}
	}
	return Gap{}, false
}
