package rotation

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

var zones = []string{"UTC", "America/Los_Angeles", "Europe/Berlin", "Australia/Lord_Howe", "Pacific/Chatham",
	"Asia/Kolkata", "Pacific/Tongatapu", "Pacific/Honolulu", "America/St_Johns", "Europe/London"}

var hours = []string{"Mon-Fri 09:00-17:00", "Mon-Thu 08:00-16:00, Fri 08:00-12:00", "Sun-Thu 09:00-17:00", "Mon-Fri 00:00-24:00", "Mon-Fri 09:00-12:00, Mon-Fri 13:00-18:00"}

var calendars = []string{"", "US", "DE", "GB", "JP", "AU-NSW", "NZ"}

// randomRotation builds a rotation with random zones, shift lengths,
// handoffs (some inside DST gaps), members and overrides.
func randomRotation(t testing.TB, rng *rand.Rand) (*Rotation, []Override) {
	t.Helper()
	var people []Person
	var emails []string
	for i := range 1 + rng.IntN(5) {
		e := fmt.Sprintf("m%d", i)
		var off []Range
		if rng.IntN(2) == 0 {
			s := time.Date(2026, time.Month(1+rng.IntN(12)), 1+rng.IntN(28), rng.IntN(24), 0, 0, 0, time.UTC)
			off = append(off, Range{s, s.Add(time.Duration(1+rng.IntN(200)) * time.Hour)})
		}
		people = append(people, person(t, e, zones[rng.IntN(len(zones))], hours[rng.IntN(len(hours))], calendars[rng.IntN(len(calendars))], off...))
		emails = append(emails, e)
	}
	shifts := []time.Duration{8 * time.Hour, 12 * time.Hour, 24 * time.Hour, 36 * time.Hour, 48 * time.Hour, 168 * time.Hour, 336 * time.Hour}
	cfg := Config{
		Shift:             shifts[rng.IntN(len(shifts))],
		HandoffWeekday:    time.Weekday(rng.IntN(7)),
		HandoffMinute:     rng.IntN(24*4) * 15,
		Location:          zone(t, zones[rng.IntN(len(zones))]),
		Start:             time.Date(2025+rng.IntN(2), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC),
		BusinessHoursOnly: rng.IntN(4) != 0,
	}
	var overrides []Override
	for i := range rng.IntN(30) {
		s := cfg.Start.Add(time.Duration(rng.IntN(2*365*24)) * time.Hour)
		overrides = append(overrides, Override{ID: int64(i + 1), Member: emails[rng.IntN(len(emails))],
			Range: Range{s, s.Add(time.Duration(1+rng.IntN(400)) * time.Hour)}})
	}
	r, err := New(cfg, []Epoch{{Members: emails}}, overrides, people)
	if err != nil {
		t.Fatal(err)
	}
	return r, overrides
}

func randomInstant(rng *rand.Rand, r *Rotation) time.Time {
	return r.First().Add(time.Duration(rng.Int64N(int64(3*365*24*time.Hour))) - 7*24*time.Hour).Truncate(time.Second)
}

// Every instant after the first handoff has exactly one holder, whose
// shift's bounds hold it, whatever zone the instant is expressed in.
func TestPropertyOneHolderAtEveryInstant(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for range 300 {
		r, _ := randomRotation(t, rng)
		for range 100 {
			at := randomInstant(rng, r)
			a, ok := r.At(at)
			if ok != !at.Before(r.First()) {
				t.Fatalf("%s: At(%s) ok = %v, first handoff %s", r.cfg, at, ok, r.First())
			}
			if !ok {
				continue
			}
			if at.Before(a.ShiftStart) || !at.Before(a.ShiftEnd) || !a.ShiftEnd.After(a.ShiftStart) {
				t.Fatalf("%s: At(%s) = shift %d [%s, %s)", r.cfg, at, a.Shift, a.ShiftStart, a.ShiftEnd)
			}
			other, _ := r.At(at.In(zone(t, zones[rng.IntN(len(zones))])))
			if other.Member != a.Member || other.Shift != a.Shift {
				t.Fatalf("%s: At(%s) depends on the zone: %+v vs %+v", r.cfg, at, a, other)
			}
		}
	}
}

// Segments tile any window exactly and agree with At.
func TestPropertySegmentsTile(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for range 200 {
		r, _ := randomRotation(t, rng)
		from := randomInstant(rng, r)
		to := from.Add(time.Duration(1+rng.IntN(60*24)) * time.Hour)
		segs := r.Segments(from, to)
		want := from
		if want.Before(r.First()) {
			want = r.First()
		}
		if !to.After(want) {
			continue
		}
		for _, s := range segs {
			if !s.Start.Equal(want) || !s.End.After(s.Start) {
				t.Fatalf("%s: segment %+v does not follow %s", r.cfg, s, want)
			}
			for _, probe := range []time.Time{s.Start, s.End.Add(-time.Second)} {
				if a, _ := r.At(probe); a.Member != s.Member || a.Shift != s.Shift {
					t.Fatalf("%s: segment %+v but At(%s) = %+v", r.cfg, s, probe, a)
				}
			}
			want = s.End
		}
		if !want.Equal(to) {
			t.Fatalf("%s: segments end at %s, want %s", r.cfg, want, to)
		}
	}
}

// A swap keeps every shift held and exchanges exactly the two holders.
func TestPropertySwap(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 17))
	swapped := 0
	for range 300 {
		r, overrides := randomRotation(t, rng)
		// The holders of two random shifts, as they stand at the shifts' starts.
		a, _ := r.At(randomInstant(rng, r).Add(8 * 24 * time.Hour))
		a, _ = r.At(a.ShiftStart)
		b, _ := r.At(randomInstant(rng, r).Add(8 * 24 * time.Hour))
		b, _ = r.At(b.ShiftStart)
		pair, err := r.Swap(a.ShiftStart, b.ShiftStart)
		if err != nil {
			continue // the same shift, or one holder: refused, as TestSwap checks
		}
		swapped++
		for i := range pair {
			pair[i].ID = int64(len(overrides) + 1 + i)
		}
		after, err := New(r.cfg, r.epochs, append(overrides, pair[:]...), peopleOf(r))
		if err != nil {
			t.Fatal(err)
		}
		for range 200 {
			at := randomInstant(rng, r)
			before, ok := r.At(at)
			if !ok {
				continue
			}
			got, _ := after.At(at)
			want := before.Member
			switch before.Shift {
			case a.Shift:
				want = b.Member
			case b.Shift:
				want = a.Member
			}
			if got.Member != want {
				t.Fatalf("%s: after swapping shifts %d and %d, At(%s) = %s, want %s", r.cfg, a.Shift, b.Shift, at, got.Member, want)
			}
		}
	}
	if swapped < 100 {
		t.Errorf("only %d of 300 random swaps were possible; the property was hardly tested", swapped)
	}
}

func peopleOf(r *Rotation) []Person {
	var ps []Person
	for _, p := range r.people {
		ps = append(ps, *p)
	}
	return ps
}

// Nobody is on duty outside their working hours, on their holidays or on
// time off; the next on-duty time is on duty, and none comes before it.
func TestPropertyOnDuty(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 23))
	for range 200 {
		r, _ := randomRotation(t, rng)
		for range 100 {
			at := randomInstant(rng, r)
			for email, p := range r.people {
				local := at.In(p.Location)
				if r.OnDuty(email, at) {
					if p.onLeave(at) || r.cfg.BusinessHoursOnly && (!p.Hours.Contains(local) || p.holiday(local)) {
						t.Fatalf("%s on duty at %s (%s local), off work", email, at, local)
					}
				}
				next, ok := r.NextOnDuty(email, at)
				if !ok {
					t.Fatalf("%s: no next on-duty time after %s", email, at)
				}
				if next.Before(at) || !r.OnDuty(email, next) {
					t.Fatalf("%s: next on duty after %s is %s, when on duty = %v", email, at, next, r.OnDuty(email, next))
				}
				if prev := next.Add(-time.Minute); !prev.Before(at) && r.OnDuty(email, prev) {
					t.Fatalf("%s: on duty at %s, before the next on-duty time %s", email, prev, next)
				}
			}
		}
	}
}

// Civil-day shifts hand off at the same wall time on both sides of every
// DST change, except where the wall time does not exist that day.
func TestPropertyHandoffWallTime(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 31))
	for range 200 {
		r, _ := randomRotation(t, rng)
		if r.days == 0 {
			continue
		}
		for n := int64(0); n < 200; n++ {
			s := r.ShiftStart(n).In(r.cfg.Location)
			if got := s.Hour()*60 + s.Minute(); got != r.cfg.HandoffMinute {
				// Only a skipped wall time may move, and forward by the gap.
				naive := time.Date(s.Year(), s.Month(), s.Day(), r.cfg.HandoffMinute/60, r.cfg.HandoffMinute%60, 0, 0, time.UTC)
				wall := time.Date(s.Year(), s.Month(), s.Day(), s.Hour(), s.Minute(), 0, 0, time.UTC)
				if d := wall.Sub(naive); d <= 0 || d > time.Hour {
					t.Fatalf("%s: shift %d starts at %s, handoff %d min", r.cfg, n, s, r.cfg.HandoffMinute)
				}
			}
			if !r.ShiftStart(n + 1).After(r.ShiftStart(n)) {
				t.Fatalf("%s: shift %d is empty", r.cfg, n)
			}
		}
	}
}

// BenchmarkAt is the assignee at an instant of a ten-year rotation with
// 5,000 overrides, once built. Target: under 2 µs.
func BenchmarkAt(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	people := []Person{person(b, "a", "Europe/Berlin", "", "DE"), person(b, "b", "America/Los_Angeles", "", "US"), person(b, "c", "Asia/Tokyo", "", "JP")}
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	var overrides []Override
	for i := range 5000 {
		s := start.Add(time.Duration(rng.IntN(10*365*24)) * time.Hour)
		overrides = append(overrides, Override{ID: int64(i + 1), Member: people[rng.IntN(3)].Email, Range: Range{s, s.Add(time.Duration(1+rng.IntN(72)) * time.Hour)}})
	}
	r, err := New(Config{Shift: 168 * time.Hour, HandoffWeekday: time.Monday, HandoffMinute: 540, Location: zone(b, "America/Los_Angeles"),
		Start: start, BusinessHoursOnly: true}, []Epoch{{Members: []string{"a", "b", "c"}}}, overrides, people)
	if err != nil {
		b.Fatal(err)
	}
	instants := make([]time.Time, 1024)
	for i := range instants {
		instants[i] = start.Add(time.Duration(rng.Int64N(int64(10 * 365 * 24 * time.Hour))))
	}
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if _, ok := r.At(instants[i%len(instants)]); !ok {
			b.Fatal("no assignee")
		}
		i++
	}
}

// A rotation whose zone changes its clocks gives every local day the same
// holder as the same rotation in a zone that never does: DST moves the
// instants of the handoffs, never who holds which day.
func TestPropertySameDaysAcrossDST(t *testing.T) {
	rng := rand.New(rand.NewPCG(37, 41))
	dstZones := []string{"America/Los_Angeles", "Europe/Berlin", "Australia/Lord_Howe", "Pacific/Chatham", "America/St_Johns"}
	for range 100 {
		loc := zone(t, dstZones[rng.IntN(len(dstZones))])
		people := []Person{person(t, "a", "UTC", "", ""), person(t, "b", "UTC", "", ""), person(t, "c", "UTC", "", "")}
		cfg := Config{Shift: time.Duration(1+rng.IntN(14)) * 24 * time.Hour, HandoffWeekday: time.Weekday(rng.IntN(7)),
			HandoffMinute: 6*60 + rng.IntN(12*60), Location: loc, Start: time.Date(2026, time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)}
		withDST, err := New(cfg, []Epoch{{Members: []string{"a", "b", "c"}}}, nil, people)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Location = time.UTC
		without, err := New(cfg, []Epoch{{Members: []string{"a", "b", "c"}}}, nil, people)
		if err != nil {
			t.Fatal(err)
		}
		// Probe each day a minute before and after the handoff's wall time
		// (kept between 06:00 and 18:00, away from any clock change): a
		// handoff that drifted by an hour would show.
		first := withDST.First().In(loc)
		for d := range 3 * 365 {
			for _, minute := range []int{cfg.HandoffMinute - 1, cfg.HandoffMinute + 1} {
				day := time.Date(first.Year(), first.Month(), first.Day()+d, minute/60, minute%60, 0, 0, time.UTC)
				local := time.Date(day.Year(), day.Month(), day.Day(), minute/60, minute%60, 0, 0, loc)
				a, okA := withDST.At(local)
				b, okB := without.At(day)
				if okA != okB || a.Member != b.Member || a.Shift != b.Shift {
					t.Fatalf("%s, %s: %s local held by %s (shift %d) with DST, %s (shift %d) without",
						loc, cfg, day.Format("2006-01-02 15:04"), a.Member, a.Shift, b.Member, b.Shift)
				}
			}
		}
	}
}
