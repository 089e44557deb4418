package brief

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// The renderings are plain text for an email. Of a report they show only
// its id, title, rating and state, and a link to its page on the desk:
// mail leaves ward, and the rest may be under embargo. The handoff note's
// text is left out for the same reason; the desk's brief page shows it.

const when = "Mon 2 Jan 2006 15:04 MST"

// Subject is the brief's email subject: the rotation, the shift's start
// and the counts that need the on-call first.
func Subject(b *Brief) string {
	return fmt.Sprintf("Your %s shift from %s: %s to triage, %s stale, %s new",
		b.Rotation, b.ShiftStart.Format(when), b.Triage.Tally, b.Stale.Tally, b.New.Tally)
}

// Text is the brief as an email body; baseURL is where people reach ward,
// such as https://ward.example.org, for the links.
func Text(b *Brief, baseURL string) string {
	base := strings.TrimRight(baseURL, "/")
	page := base + "/brief?rotation=" + url.QueryEscape(b.Rotation)
	var t text
	t.line("Start of shift %d of %s, %s to %s.", b.Shift, b.Rotation, b.ShiftStart.Format(when), b.ShiftEnd.Format(when))
	if b.Outgoing != nil {
		t.line("On call: %s, taking over from %s.", person(b.OnCall.Name, b.OnCall.Email), person(b.Outgoing.Name, b.Outgoing.Email))
	} else {
		t.line("On call: %s, the rotation's first shift.", person(b.OnCall.Name, b.OnCall.Email))
	}
	t.line("The brief on the desk, with a Ping button for each stale incident: %s", page)
	if n := b.HandoffNote; n != nil {
		t.para("Handoff note: %s left one for this shift; read it on the brief page.", n.Author)
	} else {
		t.para("Handoff note: none was left for this shift.")
	}

	t.para("Triage queue: %s, the oldest first.", reportCount(b.Triage.Tally))
	for _, w := range b.Triage.Items {
		t.report(base, w.Report, "waiting "+w.Age)
	}
	t.para("Stale incidents, quiet past their threshold: %s, the longest quiet first.", reportCount(b.Stale.Tally))
	for _, s := range b.Stale.Items {
		t.report(base, s.Report, "no update for "+s.Quiet)
	}
	t.para("Filed since %s: %s.", b.Since.Format(when), reportCount(b.New.Tally))
	for _, r := range b.New.Items {
		t.report(base, r, "filed "+r.CreatedAt.Format(when))
	}
	t.para("Pending handoffs of command: %s.", b.Handoffs.Tally)
	for _, h := range b.Handoffs.Items {
		t.report(base, h.Report, fmt.Sprintf("from %s to %s, waiting %s", h.From, h.To, h.Age))
	}
	t.para("Coverage gaps until %s: %d.", b.GapsUntil.Format(when), len(b.Gaps))
	for _, g := range b.Gaps {
		t.line("  %s: %s (%s)", g.Date, person(g.Assignee.Name, g.Assignee.Email), g.Reason)
	}
	t.para("Distributor list join requests since %s: %d.", b.Since.Format(when), b.DistributorRequests)
	switch p := b.PullRequests; {
	case p == nil:
	case p.Error != "":
		t.para("GitHub: could not list pull requests: %s", strings.TrimPrefix(p.Error, "GitHub: "))
	default:
		t.para("Open pull requests: %s, the oldest first.", p.Tally)
		for _, pr := range p.Items {
			t.line("  #%d %s, by %s, open %s: %s", pr.Number, pr.Title, pr.Author, pr.Age, pr.URL)
		}
	}
	return t.String()
}

// DigestSubject is the digest's email subject.
func DigestSubject(d *Digest) string {
	return fmt.Sprintf("Triage digest for %s: %s to triage, %s waiting on reporters, %s disclosure deadlines",
		d.At.Format("Mon 2 Jan 2006"), d.Triage.Tally, d.NeedsInfo.Tally, d.Disclosures.Tally)
}

// DigestText is the digest as an email body, with links under baseURL.
func DigestText(d *Digest, baseURL string) string {
	base := strings.TrimRight(baseURL, "/")
	var t text
	t.line("Triage digest, %s.", d.At.Format(when))
	t.para("Triage queue: %s, the oldest first.", reportCount(d.Triage.Tally))
	for _, w := range d.Triage.Items {
		t.report(base, w.Report, "waiting "+w.Age)
	}
	t.para("Waiting on the reporter for %s or more: %s.", Age(NeedsInfoAfter), reportCount(d.NeedsInfo.Tally))
	for _, w := range d.NeedsInfo.Items {
		t.report(base, w.Report, "unchanged for "+w.Age)
	}
	t.para("Disclosure months ending within %s or ended: %s.", Age(DeadlineSoon), reportCount(d.Disclosures.Tally))
	for _, x := range d.Disclosures.Items {
		note := "ends " + x.Deadline.Format(when)
		if x.Passed {
			note = "ended " + x.Deadline.Format(when) + ": may be disclosed"
		}
		if x.Answer != "" {
			note += "; the reporter " + x.Answer
		}
		t.report(base, x.Report, note)
	}
	t.para("Stale incidents: %s. Pending handoffs of command: %s.", d.Stale, d.Handoffs)
	t.line("The dashboard: %s/", base)
	return t.String()
}

// text builds a plain-text body line by line.
type text struct{ strings.Builder }

func (t *text) line(format string, args ...any) {
	fmt.Fprintf(&t.Builder, format, args...)
	t.WriteByte('\n')
}

// para starts a paragraph: a blank line, then the line.
func (t *text) para(format string, args ...any) {
	t.WriteByte('\n')
	t.line(format, args...)
}

// report is one report: id, rating, title, state, a note, and its link.
func (t *text) report(base string, r Report, note string) {
	rating := ""
	if r.Rating != "" {
		rating = " [" + r.Rating + "]"
	}
	t.line("  #%d%s %s (%s; %s)", r.ID, rating, oneLine(r.Title), strings.ReplaceAll(r.State, "_", " "), note)
	t.line("    %s/reports/%s", base, strconv.FormatInt(r.ID, 10))
}

// oneLine folds a title's line breaks and runs of spaces into one space,
// so that a title cannot add lines of its own to the mail.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func person(name, email string) string {
	if name == "" {
		return email
	}
	return oneLine(name) + " <" + email + ">"
}

func reportCount(t Tally) string {
	if t.Count == 1 && !t.More {
		return "1 report"
	}
	return t.String() + " reports"
}
