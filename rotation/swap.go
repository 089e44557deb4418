package rotation

import (
	"fmt"
	"slices"
	"time"
)

// Swap returns the two overrides that exchange the shifts starting at first
// and second: each holder takes the other's shift. Holders are as they stand
// at each shift's start, overrides included. It fails when either instant is
// not a shift's start, both name the same shift, one member holds both, or
// someone else covers part of either: the swap's overrides would silently
// take that cover away.
func (r *Rotation) Swap(first, second time.Time) ([2]Override, error) {
	a, err := r.shiftStartingAt(first, "first")
	if err != nil {
		return [2]Override{}, err
	}
	b, err := r.shiftStartingAt(second, "second")
	if err != nil {
		return [2]Override{}, err
	}
	if a.Shift == b.Shift {
		return [2]Override{}, fmt.Errorf("second: it is the same shift as first")
	}
	if a.Member == b.Member {
		return [2]Override{}, fmt.Errorf("second: %s holds both shifts; there is nothing to swap", a.Member)
	}
	for _, s := range []struct {
		field string
		a     Assignment
	}{{"first", a}, {"second", b}} {
		segs := r.Segments(s.a.ShiftStart, s.a.ShiftEnd)
		if len(segs) > 1 {
			// Some override cuts the shift; name it, wherever it is.
			for _, seg := range segs {
				if seg.Override != 0 {
					return [2]Override{}, fmt.Errorf("%s: %s covers part of that shift (override %d); swap only shifts their holders hold whole, or change that override first",
						s.field, seg.Member, seg.Override)
				}
			}
		}
	}
	return [2]Override{
		{Member: b.Member, Range: Range{a.ShiftStart, a.ShiftEnd}},
		{Member: a.Member, Range: Range{b.ShiftStart, b.ShiftEnd}},
	}, nil
}

func (r *Rotation) shiftStartingAt(t time.Time, field string) (Assignment, error) {
	a, ok := r.At(t)
	if !ok || !a.ShiftStart.Equal(t) {
		return Assignment{}, fmt.Errorf("%s: %s is not the start of a shift", field, t.Format(time.RFC3339))
	}
	return a, nil
}

// NextEpoch returns the epoch that puts a new member list in force from the
// first shift that starts after at, so that past shifts and the shift in
// progress keep their holders. The rotation goes on with the member who
// follows the last scheduled holder in the new list; if that holder has
// left it, with the first of the members who followed them in the old order
// who is still in the list.
func (r *Rotation) NextEpoch(at time.Time, members []string) Epoch {
	n, ok := r.ShiftIndex(at)
	if !ok {
		return Epoch{FromShift: 0, Members: members}
	}
	from := n + 1
	prev := r.epochOf(n)
	last := r.Scheduled(n)
	if i := slices.Index(members, last); i >= 0 {
		return Epoch{FromShift: from, Members: members, Offset: (i + 1) % len(members)}
	}
	k := len(prev.Members)
	start := slices.Index(prev.Members, last)
	for step := 1; step <= k; step++ {
		if i := slices.Index(members, prev.Members[(start+step)%k]); i >= 0 {
			return Epoch{FromShift: from, Members: members, Offset: i}
		}
	}
	return Epoch{FromShift: from, Members: members}
}

// NextEpochOf is NextEpoch for a rotation known only by its schedule, as
// when a team file changes its members: nobody's hours matter for that.
func NextEpochOf(cfg Config, epochs []Epoch, at time.Time, members []string) (Epoch, error) {
	var people []Person
	seen := map[string]bool{}
	for _, e := range epochs {
		for _, m := range e.Members {
			if !seen[m] {
				seen[m] = true
				people = append(people, Person{Email: m, Location: time.UTC})
			}
		}
	}
	r, err := New(cfg, epochs, nil, people)
	if err != nil {
		return Epoch{}, err
	}
	return r.NextEpoch(at, members), nil
}
