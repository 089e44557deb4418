package ward

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DefaultWorkHours is what a member works when nothing else is said.
const DefaultWorkHours = "Mon-Fri 09:00-17:00"

// Span is a half-open range of minutes within one local day: [Start, End).
type Span struct {
	Start, End int // minutes after local midnight, 0 ≤ Start < End ≤ 1440
}

// WorkHours is when a member works in their own time zone: for each weekday,
// the spans of the day. It is a value; the zero value works no hours at all.
type WorkHours struct {
	days [7][]Span // indexed by time.Weekday
}

var weekdayNames = [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}

// ParseWorkHours reads the form "Mon-Fri 09:00-17:00", with further
// comma-separated parts such as "Mon-Thu 09:00-17:00, Fri 09:00-13:00". A day
// range may wrap around the week ("Sun-Thu"). The empty string means
// DefaultWorkHours. Times are local wall-clock times; "24:00" ends a day.
func ParseWorkHours(s string) (WorkHours, error) {
	var wh WorkHours
	if strings.TrimSpace(s) == "" {
		s = DefaultWorkHours
	}
	for _, part := range strings.Split(s, ",") {
		days, times, ok := strings.Cut(strings.TrimSpace(part), " ")
		if !ok {
			return WorkHours{}, fmt.Errorf("work hours %q: want the form %q", part, DefaultWorkHours)
		}
		first, last, err := parseDayRange(days)
		if err != nil {
			return WorkHours{}, fmt.Errorf("work hours %q: %w", part, err)
		}
		span, err := parseSpan(strings.TrimSpace(times))
		if err != nil {
			return WorkHours{}, fmt.Errorf("work hours %q: %w", part, err)
		}
		for d := first; ; d = (d + 1) % 7 {
			for _, other := range wh.days[d] {
				if span.Start < other.End && other.Start < span.End {
					return WorkHours{}, fmt.Errorf("work hours %q: %s is given twice", part, weekdayNames[d])
				}
			}
			wh.days[d] = append(wh.days[d], span)
			if d == last {
				break
			}
		}
	}
	return wh, nil
}

func parseDayRange(s string) (first, last time.Weekday, err error) {
	a, b, isRange := strings.Cut(s, "-")
	if first, err = ParseWeekday(a); err != nil {
		return 0, 0, err
	}
	if !isRange {
		return first, first, nil
	}
	last, err = ParseWeekday(b)
	return first, last, err
}

// ParseWeekday reads Mon, Tue, … Sun, in any case.
func ParseWeekday(s string) (time.Weekday, error) {
	for i, n := range weekdayNames {
		if strings.EqualFold(s, n) {
			return time.Weekday(i), nil
		}
	}
	return 0, fmt.Errorf("unknown weekday %q (use Mon, Tue, Wed, Thu, Fri, Sat or Sun)", s)
}

func parseSpan(s string) (Span, error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return Span{}, fmt.Errorf("time range %q: want HH:MM-HH:MM", s)
	}
	start, err := ParseClock(a)
	if err != nil {
		return Span{}, err
	}
	end, err := ParseClock(b)
	if err != nil {
		return Span{}, err
	}
	if end <= start {
		return Span{}, fmt.Errorf("time range %q ends before it starts", s)
	}
	return Span{Start: start, End: end}, nil
}

// ParseClock reads a wall-clock time HH:MM, from 00:00 to 24:00, as
// minutes after midnight.
func ParseClock(s string) (int, error) {
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("time %q: want HH:MM", s)
	}
	h, errH := strconv.ParseUint(s[:2], 10, 8)
	m, errM := strconv.ParseUint(s[3:], 10, 8)
	if errH != nil || errM != nil || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("time %q: want HH:MM between 00:00 and 24:00", s)
	}
	return int(h*60 + m), nil
}

// Day returns the spans worked on weekday d, in the order they were given.
func (wh WorkHours) Day(d time.Weekday) []Span {
	return wh.days[d]
}

// Contains reports whether the local wall-clock time t falls in a span.
func (wh WorkHours) Contains(t time.Time) bool {
	m := t.Hour()*60 + t.Minute()
	for _, s := range wh.days[t.Weekday()] {
		if s.Start <= m && m < s.End {
			return true
		}
	}
	return false
}

// String returns the canonical form: consecutive days with the same spans
// are joined into one range, starting the week on Monday.
func (wh WorkHours) String() string {
	order := [7]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
	var parts []string
	for i := 0; i < 7; {
		spans := wh.days[order[i]]
		j := i
		for j+1 < 7 && spansEqual(wh.days[order[j+1]], spans) {
			j++
		}
		if len(spans) > 0 {
			days := weekdayNames[order[i]]
			if j > i {
				days += "-" + weekdayNames[order[j]]
			}
			for _, s := range spans {
				parts = append(parts, fmt.Sprintf("%s %02d:%02d-%02d:%02d", days, s.Start/60, s.Start%60, s.End/60, s.End%60))
			}
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

func spansEqual(a, b []Span) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
