package oncall

import (
	"context"
	"fmt"
	"time"

	"github.com/wardsec/ward"
)

// checkInRotation refuses a range that is empty or starts before the
// rotation's first shift, naming the field.
func checkInRotation(c *computed, start, end time.Time) error {
	switch {
	case start.IsZero():
		return ward.Errorf(ward.EINVALID, "start: required, as an RFC 3339 time")
	case end.IsZero():
		return ward.Errorf(ward.EINVALID, "end: required, as an RFC 3339 time")
	case !end.After(start):
		return ward.Errorf(ward.EINVALID, "end: must be after start")
	case start.Before(c.rotation.First()):
		return ward.Errorf(ward.EINVALID, "start: %s is before the rotation's first shift, which starts at %s",
			start.UTC().Format(time.RFC3339), c.rotation.First().UTC().Format(time.RFC3339))
	}
	return nil
}

// AddOverride hands [o.Start, o.End) of the rotation to o.Member.
func (s *Service) AddOverride(ctx context.Context, name string, o ward.Override) (*ward.Override, error) {
	c, err := s.load(ctx, name)
	if err != nil {
		return nil, err
	}
	if err := checkInRotation(c, o.Start, o.End); err != nil {
		return nil, err
	}
	out, err := s.store.CreateOverrides(ctx, name, c.version, []ward.Override{o})
	if err != nil {
		return nil, err
	}
	return &out[0], nil
}

// Swap exchanges the shifts that start at first and second: two overrides,
// written together or not at all.
func (s *Service) Swap(ctx context.Context, name string, first, second time.Time) ([]ward.Override, error) {
	c, err := s.load(ctx, name)
	if err != nil {
		return nil, err
	}
	if first.IsZero() || second.IsZero() {
		return nil, ward.Errorf(ward.EINVALID, "first and second: both are required, as the start times of two shifts")
	}
	pair, err := c.rotation.Swap(first, second)
	if err != nil {
		return nil, ward.Errorf(ward.EINVALID, "%v", err)
	}
	reason := fmt.Sprintf("swap of the shifts starting %s and %s", first.UTC().Format(time.RFC3339), second.UTC().Format(time.RFC3339))
	overrides := make([]ward.Override, len(pair))
	for i, o := range pair {
		overrides[i] = ward.Override{Member: o.Member, Start: o.Start, End: o.End, Reason: reason}
	}
	return s.store.CreateOverrides(ctx, name, c.version, overrides)
}

// RequestSwap asks the team to cover [start, end) of the requester's time
// on the rotation. An end left zero asks for the rest of the shift that
// start falls in.
func (s *Service) RequestSwap(ctx context.Context, name, requester string, start, end time.Time, note string) (*ward.SwapRequest, error) {
	c, err := s.load(ctx, name)
	if err != nil {
		return nil, err
	}
	if a, ok := c.rotation.At(start); ok && end.IsZero() {
		end = a.ShiftEnd
	}
	if err := checkInRotation(c, start, end); err != nil {
		return nil, err
	}
	if holder := otherHolder(c, requester, start, end); holder != "" {
		return nil, ward.Errorf(ward.EINVALID, "end: %s holds part of that range, not you; ask for your own time only", holder)
	}
	r := &ward.SwapRequest{Rotation: name, Requester: requester, Start: start, End: end, Note: note}
	if err := s.store.CreateSwapRequest(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// TakeSwap covers an open swap request with the taker.
func (s *Service) TakeSwap(ctx context.Context, name string, id int64, taker string) (*ward.SwapRequest, error) {
	c, err := s.load(ctx, name)
	if err != nil {
		return nil, err
	}
	r, err := s.store.FindSwapRequestByID(ctx, name, id)
	if err != nil {
		return nil, err
	}
	if r.Status != ward.SwapOpen {
		return nil, ward.Errorf(ward.ECONFLICT, "swap request %d is %s, not open", id, r.Status)
	}
	if r.Requester == taker {
		return nil, ward.Errorf(ward.ECONFLICT, "you asked for this cover; cancel the request instead")
	}
	if !r.End.After(s.now()) {
		return nil, ward.Errorf(ward.ECONFLICT, "swap request %d is for time that has passed", id)
	}
	if holder := otherHolder(c, r.Requester, r.Start, r.End); holder != "" {
		return nil, ward.Errorf(ward.ECONFLICT, "the schedule changed since the request: %s now holds part of it; ask %s to make a new one", holder, r.Requester)
	}
	return s.store.TakeSwapRequest(ctx, name, id, taker, c.version)
}

// LeaveHandoffNote stores the note for the shift in progress at now, or for
// the next shift when handing over early; it is shown to whoever holds the
// shift the note is for.
func (s *Service) LeaveHandoffNote(ctx context.Context, name, author, body string) (*ward.HandoffNote, error) {
	c, err := s.load(ctx, name)
	if err != nil {
		return nil, err
	}
	now := s.now()
	a, ok := c.rotation.At(now)
	if !ok {
		return nil, ward.Errorf(ward.ECONFLICT, "rotation %s has not begun; there is no shift to hand over", name)
	}
	// A note written in the last quarter of a shift is for the next one:
	// the outgoing on-call writes it before the handoff.
	shift := a.ShiftStart
	if now.After(a.ShiftEnd.Add(-a.ShiftEnd.Sub(a.ShiftStart) / 4)) {
		shift = a.ShiftEnd
	}
	n := &ward.HandoffNote{Rotation: name, ShiftStart: shift, Author: author, Body: body}
	if err := s.store.CreateHandoffNote(ctx, n); err != nil {
		return nil, err
	}
	return n, nil
}

// otherHolder returns someone other than member who holds part of
// [start, end), or "" when member holds all of it.
func otherHolder(c *computed, member string, start, end time.Time) string {
	for _, seg := range c.rotation.Segments(start, end) {
		if seg.Member != member {
			return seg.Member
		}
	}
	return ""
}
