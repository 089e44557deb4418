package oncall

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/ical"
)

// A feed shows a month back and a year ahead, and asks to be fetched
// hourly.
const (
	feedPast    = 31 * 24 * time.Hour
	feedFuture  = 366 * 24 * time.Hour
	feedRefresh = time.Hour
)

// renderedFeed is a feed's body as of one schedule version and one day:
// its window moves daily.
type renderedFeed struct {
	version int64
	day     string
	body    []byte
	etag    string
}

// Feed returns the iCalendar body of the feed with the secret, and an ETag
// that changes whenever the body may have. An unknown or revoked secret is
// ENOTFOUND.
func (s *Service) Feed(ctx context.Context, secret string) ([]byte, string, error) {
	f, err := s.store.FindCalendarFeedBySecret(ctx, secret)
	if err != nil {
		return nil, "", err
	}
	v, err := s.store.ScheduleVersion(ctx)
	if err != nil {
		return nil, "", err
	}
	now := s.now().UTC()
	day := now.Format(time.DateOnly)
	s.mu.Lock()
	r := s.feeds[f.ID]
	s.mu.Unlock()
	if r != nil && r.version >= v && r.day == day {
		return r.body, r.etag, nil
	}
	cal, version, err := s.calendar(ctx, f, now)
	if err != nil {
		return nil, "", err
	}
	var buf bytes.Buffer
	if err := ical.Render(&buf, cal); err != nil {
		return nil, "", fmt.Errorf("render calendar feed %d: %w", f.ID, err)
	}
	r = &renderedFeed{version: version, day: day, body: buf.Bytes(), etag: fmt.Sprintf(`"%d-%d-%s"`, f.ID, version, day)}
	s.mu.Lock()
	if old := s.feeds[f.ID]; old == nil || old.version < r.version || old.day != day {
		s.feeds[f.ID] = r
	}
	s.mu.Unlock()
	return r.body, r.etag, nil
}

// calendar builds a feed's events: a rotation's shifts, or a member's
// shifts across every rotation they hold any of.
func (s *Service) calendar(ctx context.Context, f *ward.CalendarFeed, now time.Time) (ical.Calendar, int64, error) {
	from, to := now.Add(-feedPast), now.Add(feedFuture)
	cal := ical.Calendar{ProdID: "-//ward//ward on-call//EN", Refresh: feedRefresh}
	names := []string{f.Rotation}
	if f.Member != "" {
		rotations, err := s.store.FindRotations(ctx)
		if err != nil {
			return cal, 0, err
		}
		names = names[:0]
		for _, r := range rotations {
			names = append(names, r.Name)
		}
	}
	var version int64
	loaded := make([]*computed, 0, len(names))
	for _, name := range names {
		c, err := s.load(ctx, name)
		if err != nil {
			return cal, 0, err
		}
		loaded = append(loaded, c)
		version = max(version, c.version)
		if f.Member == "" {
			cal.Name = "ward: " + name + " on-call"
			cal.Description = "Who is on call for " + name + ", from ward"
			cal.TimeZone = c.rotation.Config().Location.String()
		}
		cal.Events = append(cal.Events, c.events(from, to, f.Member)...)
	}
	if f.Member != "" {
		cal.Name = "ward: " + f.Member + " on call"
		cal.Description = "The on-call shifts of " + f.Member + ", from ward"
		cal.TimeZone = "UTC"
		for _, c := range loaded {
			if p := c.rotation.Person(f.Member); p != nil {
				cal.TimeZone = p.Location.String()
				break
			}
		}
	}
	slices.SortFunc(cal.Events, func(a, b ical.Event) int { return a.Start.Compare(b.Start) })
	return cal, version, nil
}

// events returns the rotation's segments in [from, to) as calendar events,
// only member's when member is not "". Each shift keeps the UID of its
// first piece however overrides cut it, and its SEQUENCE counts the
// overrides made and deleted over it, so that calendars update the event
// instead of adding another.
func (c *computed) events(from, to time.Time, member string) []ical.Event {
	name := c.schedule.Rotation.Name
	if n, ok := c.rotation.ShiftIndex(from); ok {
		from = c.rotation.ShiftStart(n) // whole shifts, so that UIDs do not depend on the window
	}
	var out []ical.Event
	for _, seg := range c.rotation.Segments(from, to) {
		if member != "" && seg.Member != member {
			continue
		}
		uid := fmt.Sprintf("%s-%d@ward", name, seg.Shift)
		if !seg.Start.Equal(c.rotation.ShiftStart(seg.Shift)) {
			uid = fmt.Sprintf("%s-%d-%d@ward", name, seg.Shift, seg.Start.Unix())
		}
		seq, stamp := c.changes(seg.Shift)
		p := c.rotation.Person(seg.Member)
		e := ical.Event{
			UID: uid, Sequence: seq, Start: seg.Start, End: seg.End, Stamp: stamp, Transparent: true,
			Summary:     fmt.Sprintf("On call: %s (%s)", p.Name, name),
			Description: fmt.Sprintf("%s holds the %s rotation, shift %d. Handoff: %s.", p.Name, name, seg.Shift, c.schedule.Rotation.Handoff),
			Categories:  []string{"on-call"},
		}
		if seg.Override != 0 {
			// The override's reason stays out: feed links travel into
			// personal and outside calendars, and reasons can be personal.
			e.Categories = append(e.Categories, "override")
			e.Description += " (cover)"
		}
		out = append(out, e)
	}
	return out
}

// changes returns how often shift n may have changed, and when last:
// overrides over it, made and deleted, and every change of the rotation,
// which may have moved any shift (the rotation's UpdatedAt is when the
// last one did). Counting too many is harmless: a higher SEQUENCE only
// tells calendars to take the event as it now is.
func (c *computed) changes(n int64) (int, time.Time) {
	start, end := c.rotation.ShiftStart(n), c.rotation.ShiftStart(n+1)
	seq, stamp := int(c.schedule.Rotation.Revision), c.schedule.Rotation.UpdatedAt
	for _, o := range c.schedule.Overrides {
		if !o.Start.Before(end) || !start.Before(o.End) {
			continue
		}
		seq++
		stamp = later(stamp, o.CreatedAt)
		if o.DeletedAt != nil {
			seq++
			stamp = later(stamp, *o.DeletedAt)
		}
	}
	return seq, stamp
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
