// Package ical renders on-call shift calendars as RFC 5545 iCalendar feeds,
// one per rotation and one per member, for Google Calendar, Outlook and Apple
// Calendar to subscribe to.
//
// github.com/emersion/go-ical writes the feed. It escapes TEXT values and
// text lists correctly, quotes parameter values the RFC way, and refuses to
// encode a component that lacks a required property or repeats a singular
// one, so a mistake here fails the render instead of reaching a client. It
// does not fold long lines, so Render folds its output at 75 octets on UTF-8
// boundaries.
//
// github.com/arran4/golang-ical reads every feed back in the tests: a second
// implementation that shares no code with the writer. It was not made the
// writer because its TEXT escaping leaves a carriage return raw inside a
// line, it backslash-escapes parameter values (not RFC syntax), and its
// time zone type offers AddStandard but no way to add a DAYLIGHT observance.
// github.com/apognu/gocal was not used even for the tests: it drops a
// leading space from every value, does not unescape "\n", and keeps only
// events near time.Now unless told otherwise.
//
// Each feed carries a VTIMEZONE built from Go's tz data (see vtimezone.go)
// rather than a copied definition, so it always agrees with the instants the
// rest of ward computes.
package ical

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	goical "github.com/emersion/go-ical"
)

// DefaultProdID names ward as the feed's producer when Calendar.ProdID is
// empty.
const DefaultProdID = "-//ward//ward on-call//EN"

// Errors that Render wraps, so a caller can tell bad input from a failed
// write with errors.Is.
var (
	ErrInvalidEvent    = errors.New("ical: invalid event")
	ErrUnknownTimeZone = errors.New("ical: unknown time zone")
)

// Calendar is one feed.
type Calendar struct {
	Name        string        // X-WR-CALNAME, e.g. "ward: src on-call"
	Description string        // X-WR-CALDESC
	TimeZone    string        // IANA zone the events are written in, e.g. "America/Los_Angeles"; "" or "UTC" means UTC times with Z
	Refresh     time.Duration // REFRESH-INTERVAL (RFC 7986) and X-PUBLISHED-TTL, e.g. 1h; 0 leaves both out
	ProdID      string        // e.g. "-//ward//ward on-call//EN"; "" means DefaultProdID
	Events      []Event
}

// Event is one shift (or part of one).
type Event struct {
	UID         string    // stable across renders, e.g. "src-shift-42@ward"; the caller keeps it stable
	Sequence    int       // bumped by the caller when the event changes (an override)
	Start, End  time.Time // End must be after Start
	Summary     string    // e.g. "On call: Ana (src)"
	Description string    // any text: escaped and folded by Render
	URL         string    // optional absolute link back
	Stamp       time.Time // DTSTAMP: when the event last changed; required, so output is deterministic
	Categories  []string  // optional, e.g. ["on-call", "override"]
	Transparent bool      // TRANSP:TRANSPARENT so on-call shifts don't block free/busy
}

// Render writes c as an iCalendar feed: CRLF line endings, lines folded at 75
// octets without splitting a UTF-8 sequence, and the same bytes for the same
// input. It writes nothing when it returns an error other than the writer's
// own. An event with an empty or repeated UID, no Stamp, a negative Sequence,
// an End not after its Start, a time outside years 1-9999 or a URL that is
// not absolute is refused with an error wrapping ErrInvalidEvent that names
// the event; a TimeZone that Go's tz data does not know, or "Local", wraps
// ErrUnknownTimeZone; a negative Refresh is an error too.
//
// Text may hold any characters: carriage returns become line feeds, and the
// control characters and invalid UTF-8 that iCalendar cannot carry are
// dropped or replaced with U+FFFD rather than failing a whole feed over one
// pasted note.
//
// Events are written with TZID in TimeZone's wall time, except a time whose
// wall-clock reading happens twice (the hour repeated when clocks go back),
// which is written in UTC: clients disagree on which of the two a TZID time
// means, and UTC leaves no room for that.
func Render(w io.Writer, c Calendar) error {
	loc, err := loadZone(c.TimeZone)
	if err != nil {
		return err
	}
	if err := checkEvents(c.Events, loc); err != nil {
		return err
	}

	cal := goical.NewCalendar()
	prodID := c.ProdID
	if prodID == "" {
		prodID = DefaultProdID
	}
	cal.Props.SetText(goical.PropVersion, "2.0")
	cal.Props.SetText(goical.PropProductID, cleanText(prodID))
	cal.Props.SetText(goical.PropCalendarScale, "GREGORIAN")
	cal.Props.SetText(goical.PropMethod, "PUBLISH")
	if c.Name != "" {
		cal.Props.Set(extensionText("X-WR-CALNAME", c.Name))
	}
	if c.Description != "" {
		cal.Props.Set(extensionText("X-WR-CALDESC", c.Description))
	}
	if c.Refresh < 0 {
		return fmt.Errorf("ical: negative refresh interval %s", c.Refresh)
	}
	if d := c.Refresh.Round(time.Second); d > 0 {
		// RFC 7986 requires VALUE=DURATION on REFRESH-INTERVAL; go-ical drops
		// it for a property whose default type is DURATION, so set it here.
		refresh := goical.NewProp(goical.PropRefreshInterval)
		refresh.Params.Set(goical.ParamValue, string(goical.ValueDuration))
		refresh.Value = formatDuration(d)
		cal.Props.Set(refresh)
		ttl := goical.NewProp("X-PUBLISHED-TTL")
		ttl.Value = formatDuration(d)
		cal.Props.Set(ttl)
	}

	switch {
	case len(c.Events) == 0:
		// RFC 5545 3.6 wants at least one component even in an empty feed (a
		// member with no shifts); UTC's definition needs no years to cover.
		cal.Children = append(cal.Children, fixedZone("UTC", zoneState{name: "UTC"}, 1601))
	case loc != time.UTC:
		first, last := yearsSpanned(c.Events, loc)
		cal.Children = append(cal.Children, vtimezone(loc, first, last))
	}
	for i := range c.Events {
		cal.Children = append(cal.Children, vevent(&c.Events[i], loc))
	}

	var raw bytes.Buffer
	if err := goical.NewEncoder(&raw).Encode(cal); err != nil {
		return fmt.Errorf("ical: encoding the calendar: %w", err)
	}
	_, err = w.Write(fold(make([]byte, 0, raw.Len()+raw.Len()/32), raw.Bytes()))
	return err
}

// loadZone returns time.UTC for "" and "UTC". "Local" is refused: a feed must
// not change with the server it is rendered on.
func loadZone(name string) (*time.Location, error) {
	if name == "" || name == "UTC" {
		return time.UTC, nil
	}
	if name == "Local" {
		return nil, fmt.Errorf("%w %q: name an IANA zone", ErrUnknownTimeZone, name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrUnknownTimeZone, name, err)
	}
	return loc, nil
}

func checkEvents(events []Event, loc *time.Location) error {
	seen := make(map[string]int, len(events))
	for i := range events {
		e := &events[i]
		bad := func(format string, args ...any) error {
			name := fmt.Sprintf("%q", e.UID)
			if e.UID == "" {
				name = fmt.Sprintf("#%d (%q)", i, e.Summary)
			}
			return fmt.Errorf("%w %s: %s", ErrInvalidEvent, name, fmt.Sprintf(format, args...))
		}
		switch {
		case e.UID == "":
			return bad("empty UID")
		case cleanText(e.UID) != e.UID:
			// A UID changed by cleaning would no longer be the caller's
			// stable identifier, and two could collide.
			return bad("UID holds control characters or invalid UTF-8")
		case e.Stamp.IsZero():
			return bad("no Stamp (DTSTAMP)")
		case e.Sequence < 0:
			return bad("negative Sequence %d", e.Sequence)
		case !e.End.After(e.Start):
			return bad("end %s is not after start %s", e.End.Format(time.RFC3339), e.Start.Format(time.RFC3339))
		}
		if j, dup := seen[e.UID]; dup {
			return bad("UID also used by event #%d", j)
		}
		seen[e.UID] = i
		for _, t := range []time.Time{e.Start, e.End, e.Stamp} {
			// iCalendar dates have four-digit years.
			if y, ly := t.UTC().Year(), t.In(loc).Year(); y < 1 || y > 9999 || ly < 1 || ly > 9999 {
				return bad("time %s is outside years 1-9999", t.Format(time.RFC3339))
			}
		}
		if e.URL != "" {
			if u, err := url.Parse(e.URL); err != nil || !u.IsAbs() {
				return bad("URL %q is not an absolute URL", e.URL)
			}
		}
	}
	return nil
}

func vevent(e *Event, loc *time.Location) *goical.Component {
	ev := goical.NewComponent(goical.CompEvent)
	ev.Props.SetText(goical.PropUID, e.UID)
	ev.Props.Set(&goical.Prop{Name: goical.PropDateTimeStamp, Params: goical.Params{}, Value: e.Stamp.UTC().Format(utcLayout)})
	ev.Props.Set(dateTime(goical.PropDateTimeStart, e.Start, loc))
	ev.Props.Set(dateTime(goical.PropDateTimeEnd, e.End, loc))
	ev.Props.SetText(goical.PropSummary, cleanText(e.Summary))
	ev.Props.Set(&goical.Prop{Name: goical.PropSequence, Params: goical.Params{}, Value: strconv.Itoa(e.Sequence)})
	if e.Description != "" {
		ev.Props.SetText(goical.PropDescription, cleanText(e.Description))
	}
	if e.URL != "" {
		u, _ := url.Parse(e.URL) // checked in checkEvents
		// String re-escapes what a URI may not hold raw, such as spaces.
		ev.Props.Set(&goical.Prop{Name: goical.PropURL, Params: goical.Params{}, Value: u.String()})
	}
	var categories []string
	for _, c := range e.Categories {
		if c = cleanText(c); c != "" {
			categories = append(categories, c)
		}
	}
	if len(categories) > 0 {
		p := goical.NewProp(goical.PropCategories)
		p.SetTextList(categories)
		ev.Props.Set(p)
	}
	transp := "OPAQUE"
	if e.Transparent {
		transp = "TRANSPARENT"
	}
	ev.Props.SetText(goical.PropTransparency, transp)
	ev.Props.SetText(goical.PropStatus, "CONFIRMED")
	return ev
}

const (
	utcLayout   = "20060102T150405Z"
	localLayout = "20060102T150405"
)

// dateTime writes t in loc's wall time with TZID, or in UTC when loc is UTC
// or when that wall time is read twice in loc.
func dateTime(name string, t time.Time, loc *time.Location) *goical.Prop {
	p := &goical.Prop{Name: name, Params: goical.Params{}}
	t = t.In(loc)
	if loc == time.UTC || repeatedWallTime(t) {
		p.Value = t.UTC().Format(utcLayout)
		return p
	}
	p.Params.Set(goical.PropTimezoneID, loc.String())
	p.Value = t.Format(localLayout)
	return p
}

// repeatedWallTime reports whether another instant shows the same wall-clock
// reading as t in t's location, as in the hour repeated when clocks go back.
// Only the states just before and after t's can hold such an instant.
func repeatedWallTime(t time.Time) bool {
	_, offset := t.Zone()
	var neighbours []time.Time
	if start, ok := periodStart(t); ok {
		neighbours = append(neighbours, start.Add(-time.Second))
	}
	if end, ok := nextChange(t); ok {
		neighbours = append(neighbours, end)
	}
	for _, n := range neighbours {
		_, other := n.Zone()
		if other == offset {
			continue
		}
		twin := t.Add(time.Duration(offset-other) * time.Second)
		if _, o := twin.Zone(); o == other {
			return true
		}
	}
	return false
}

// yearsSpanned returns the first and last calendar years, in loc, that the
// events touch.
func yearsSpanned(events []Event, loc *time.Location) (first, last int) {
	first, last = events[0].Start.In(loc).Year(), events[0].End.In(loc).Year()
	for _, e := range events[1:] {
		first = min(first, e.Start.In(loc).Year())
		last = max(last, e.End.In(loc).Year())
	}
	return first, last
}

// extensionText is a TEXT property with go-ical's escaping but without the
// VALUE=TEXT parameter it adds to properties it does not know, which some
// clients do not expect on X-WR-CALNAME.
func extensionText(name, text string) *goical.Prop {
	p := goical.NewProp(name)
	p.SetText(cleanText(text))
	p.Params.Del(goical.ParamValue)
	return p
}

// cleanText turns s into text iCalendar can carry: TEXT has an escape for a
// line feed only, and no control characters but tab (RFC 5545 3.3.11).
func cleanText(s string) string {
	clean := utf8.ValidString(s)
	for i := 0; clean && i < len(s); i++ {
		if b := s[i]; (b < 0x20 && b != '\t' && b != '\n') || b == 0x7f {
			clean = false
		}
	}
	if clean {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\r':
			return '\n'
		case r == '\t' || r == '\n':
			return r
		case r < 0x20 || r == 0x7f:
			return -1
		}
		return r
	}, s)
}

// formatDuration writes d as an RFC 5545 dur-time ("PT1H", "PT1H0M30S"):
// hours, minutes and seconds, since the grammar lets no unit be skipped
// between the first and last given.
func formatDuration(d time.Duration) string {
	secs := int64(d / time.Second)
	h, m, s := secs/3600, secs/60%60, secs%60
	var b strings.Builder
	b.WriteString("PT")
	if h > 0 {
		b.WriteString(strconv.FormatInt(h, 10) + "H")
	}
	if m > 0 || (h > 0 && s > 0) {
		b.WriteString(strconv.FormatInt(m, 10) + "M")
	}
	if s > 0 {
		b.WriteString(strconv.FormatInt(s, 10) + "S")
	}
	return b.String()
}

// fold appends src to dst with every content line longer than 75 octets
// split by CRLF and a space (RFC 5545 3.1), never inside a UTF-8 sequence:
// the RFC lets a parser restore split sequences, but not every client does.
func fold(dst, src []byte) []byte {
	const maxLine = 75
	for len(src) > 0 {
		n := bytes.Index(src, []byte("\r\n"))
		if n < 0 {
			n = len(src) // go-ical ends every line with CRLF; be safe anyway
		}
		line := src[:n]
		limit := maxLine
		for len(line) > limit {
			cut := limit
			for cut > 0 && !utf8.RuneStart(line[cut]) {
				cut--
			}
			dst = append(dst, line[:cut]...)
			dst = append(dst, "\r\n "...)
			line = line[cut:]
			limit = maxLine - 1 // the leading space counts
		}
		dst = append(dst, line...)
		dst = append(dst, "\r\n"...)
		src = src[min(n+2, len(src)):]
	}
	return dst
}
