package hackerone

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode"

	"golang.org/x/sync/errgroup"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/cvss"
)

// Overlap is how far before the cursor each page's query starts: reports
// whose last activity has the cursor's very time (HackerOne's times have
// milliseconds) are not missed, and those seen twice change nothing.
const Overlap = time.Minute

// fetchers is how many reports of a page are fetched at once.
const fetchers = 4

// maxPasses bounds the passes over a run of numbered pages (see Sync):
// reports that keep moving end the sync with an error, its cursor before
// the run, rather than loop until the job's timeout.
const maxPasses = 10

// Syncer pulls the programme's reports into ward.
type Syncer struct {
	Client *Client
	Store  ward.SyncService
	// Logger warns of the reports HackerOne would not serve; nil is
	// slog.Default().
	Logger *slog.Logger
}

// Sync pulls every report with activity since the last sync, a page at a
// time: each page is stored with the cursor that follows it, so a sync
// cut short resumes after the last page stored. Until a sync has stored
// its last page, it brings in the programme's history and notifies
// nobody.
//
// The pages are keyset pages: each is the first page of the reports whose
// last activity is after the cursor (less Overlap), oldest activity first.
// Numbered pages of a list sorted by activity shift under a sync when a
// report gets new activity, which moves it to the end: the report after
// it would slide onto a page already read, and be skipped. Only when a
// whole page lies within Overlap of where it started (a hundred reports
// with activity in the same minute) is the next page asked by number, so
// that the sync still moves on. Such a run of numbered pages is read
// again from its first page until a whole pass finds nothing new (no
// report new to ward nor moved: cheap, as unchanged reports are not
// fetched), and the cursor stays before the run until then: a report that
// slid onto a page already read is found by the next pass.
//
// The list holds no activities nor attachments: each report new to ward,
// or whose activity moved since the last sync, is fetched in full, a few
// at a time, before its page is stored.
func (s *Syncer) Sync(ctx context.Context) (ward.SyncResult, error) {
	var total ward.SyncResult
	program := s.Client.Program()
	cursor, err := s.Store.SyncCursor(ctx, ward.SourceHackerOne, program)
	if err != nil {
		return total, err
	}
	at := cursor.At
	since := at
	if !since.IsZero() {
		since = since.Add(-Overlap)
	}
	// dirty: the pass over the pages of since read so far found something
	// new.
	dirty, passes := false, 0
	for number := 1; ; {
		page, err := s.Client.Reports(ctx, since, number)
		if err != nil {
			return total, err
		}
		last := len(page.Reports) < pageSize || page.Next == ""
		sp := &ward.SyncPage{Source: ward.SourceHackerOne, Scope: program, Cursor: at, Notify: cursor.Complete}
		if sp.Reports, sp.Unreadable, err = s.changed(ctx, page.Reports); err != nil {
			return total, err
		}
		dirty = dirty || len(sp.Reports) > 0
		newest := at
		for i := range page.Reports {
			if a := activityAt(&page.Reports[i]); a.After(newest) {
				newest = a
			}
		}
		// The pages of since end here: the next starts later, or there
		// is none.
		next := newest.Add(-Overlap)
		ends := last || next.After(since)
		// A numbered page may be past a report that slid back: the cursor
		// stays before the run until a pass is clean.
		again := number > 1 && ends && dirty
		if number == 1 || (ends && !again) {
			sp.Cursor = newest
		}
		sp.Complete = last && !again
		res, err := s.Store.StoreSyncPage(ctx, sp)
		if err != nil {
			return total, err
		}
		total.Created += res.Created
		total.Updated += res.Updated
		total.Conflicts += res.Conflicts
		total.Events += res.Events
		at = sp.Cursor
		switch {
		case again:
			if passes++; passes == maxPasses {
				return total, fmt.Errorf("hackerone: the reports with activity after %s kept changing over %d passes; the next sync reads them again",
					since.Format(time.RFC3339), maxPasses)
			}
			number, dirty = 1, false
		case last:
			return total, nil
		case ends:
			since, number, dirty, passes = next, 1, false, 0
		default:
			number++
		}
	}
}

// changed returns, in ward's terms, the reports of a page that are new to
// ward or whose activity moved since the last sync, each as GET
// /reports/{id} serves it, with its activities and attachments. A report
// that HackerOne will not serve (see unservable) is skipped, with a
// warning, and returned apart: one report must not stop every sync. Any
// other failure fails the page, to be tried again.
func (s *Syncer) changed(ctx context.Context, page []Report) ([]ward.ExternalReport, []ward.UnreadableReport, error) {
	ids := make([]string, len(page))
	for i := range page {
		ids[i] = page[i].ID
	}
	synced, err := s.Store.SyncedActivity(ctx, ward.SourceHackerOne, ids)
	if err != nil {
		return nil, nil, err
	}
	var todo []*Report
	for i := range page {
		at, ok := synced[page[i].ID]
		if !ok || !at.Equal(activityAt(&page[i])) {
			todo = append(todo, &page[i])
		}
	}
	fetched := make([]*ward.ExternalReport, len(todo))
	unreadable := make([]*ward.UnreadableReport, len(todo))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(fetchers)
	for i, listed := range todo {
		g.Go(func() error {
			r, err := s.Client.Report(gctx, listed.ID)
			if unservable(err) {
				cmp.Or(s.Logger, slog.Default()).Warn("HackerOne would not serve a report; skipped until its activity moves",
					"report", listed.ID, "err", err)
				unreadable[i] = &ward.UnreadableReport{ExternalID: listed.ID, ActivityAt: activityAt(listed), Error: err.Error()}
				return nil
			}
			if err != nil {
				return err
			}
			er := s.external(r)
			fetched[i] = &er
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	var out []ward.ExternalReport
	var skipped []ward.UnreadableReport
	for i := range todo {
		if fetched[i] != nil {
			out = append(out, *fetched[i])
		} else {
			skipped = append(skipped, *unreadable[i])
		}
	}
	return out, skipped, nil
}

// unservable reports whether err is HackerOne's refusal to serve one
// report that the list names: gone (404, 410) or out of the token's reach
// (403). Trying again would not help, and the other reports are not
// concerned.
func unservable(err error) bool {
	var e *Error
	return errors.As(err, &e) && (e.Status == http.StatusNotFound || e.Status == http.StatusGone || e.Status == http.StatusForbidden)
}

// activityAt is the time of the report's last activity: its creation
// when it has had none.
func activityAt(r *Report) time.Time {
	at := r.Attributes.CreatedAt
	if a := r.Attributes.LastActivityAt; a != nil && a.After(at) {
		at = *a
	}
	return at
}

// wardStates are ward's states for HackerOne's; HackerOne's others
// (pending-program-review, retesting, pre-submission) have none.
var wardStates = map[string]string{
	"new":             "new",
	"triaged":         "triaged",
	"needs-more-info": "needs_info",
	"resolved":        "resolved",
	"informative":     "invalid",
	"not-applicable":  "invalid",
	"duplicate":       "duplicate",
	"spam":            "spam",
}

// external is the report in ward's terms.
func (s *Syncer) external(r *Report) ward.ExternalReport {
	a, rel := r.Attributes, r.Relationships
	er := ward.ExternalReport{
		Source:      ward.SourceHackerOne,
		ExternalID:  r.ID,
		ExternalURL: "https://hackerone.com/reports/" + r.ID,
		Title:       ward.Truncate(printable(a.Title, false), 300),
		Body:        ward.Truncate(printable(a.VulnerabilityInformation, true), 256<<10),
		State:       wardStates[a.State],
		CreatedAt:   a.CreatedAt,
		ActivityAt:  activityAt(r),
	}
	if er.Title == "" {
		er.Title = "HackerOne report " + r.ID
	}
	if u := rel.Reporter.Data; u != nil {
		login := ward.Truncate(printable(u.Login(), false), 100)
		er.Reporter = login
		er.ReporterName = login
		if name := printable(u.Attributes.Name, false); name != "" {
			er.ReporterName = ward.Truncate(name+" (@"+login+")", 200)
		}
	}
	if w := rel.Weakness.Data; w != nil {
		er.Weakness = printable(w.Attributes.Name, false)
		if id := strings.ToLower(w.Attributes.ExternalID); strings.HasPrefix(id, "cwe-") {
			er.CWE = id
			er.Weakness += " (" + strings.ToUpper(id) + ")"
		}
	}
	er.Severity = severity(rel.Severity.Data)
	er.Bounty = bounty(rel.Bounties.Data, a.BountyAwardedAt)
	for _, at := range rel.Attachments.Data {
		url := at.Attributes.ExpiringURL
		if strings.HasPrefix(url, "/") {
			url = "https://hackerone.com" + url
		}
		er.Attachments = append(er.Attachments, ward.ExternalAttachment{Name: printable(at.Attributes.FileName, false),
			ContentType: printable(at.Attributes.ContentType, false), Size: at.Attributes.FileSize, URL: url})
	}
	for _, act := range rel.Activities.Data {
		er.Activities = append(er.Activities, s.activity(&act))
	}
	return er
}

// activity is one activity as a timeline event: a comment as ward's
// comment, anything else as hackerone_<what> (hackerone_triaged,
// hackerone_bounty_awarded…). Internal activities are the team's; the
// others every participant's, as on HackerOne.
func (s *Syncer) activity(act *Activity) ward.ExternalActivity {
	raw := act.Relationships.Actor.Data.Login()
	login := ward.Truncate(printable(raw, false), 100)
	out := ward.ExternalActivity{ID: act.ID, At: act.Attributes.CreatedAt, Actor: ward.Actor{Kind: ward.ActorHackerOne, Email: login}.String(),
		Comment: printable(act.Message(), true), Visibility: "reporter", Own: raw != "" && raw == s.Client.Username()}
	if act.Attributes.Internal {
		out.Visibility = "team"
	}
	what := strings.TrimPrefix(strings.TrimPrefix(act.Type, "activity-"), "bug-")
	out.Action = "hackerone_" + strings.ReplaceAll(what, "-", "_")
	if act.Type == "activity-comment" {
		out.Action = "comment"
	}
	if act.Attributes.BountyAmount != "" {
		out.Comment = strings.TrimSpace(fmt.Sprintf("Bounty %s, bonus %s. %s", act.Attributes.BountyAmount, act.Attributes.BonusAmount, out.Comment))
	}
	return out
}

// severity is HackerOne's severity in ward's terms: computed from its
// CVSS metrics when it has them all, else its rating alone.
func severity(s *Severity) *ward.Severity {
	if s == nil || s.Attributes.Rating == "" {
		return nil
	}
	if v := s.Attributes.Vector(); v != "" {
		if sev, err := cvss.Parse(v); err == nil {
			return &sev
		}
	}
	r := strings.ToLower(s.Attributes.Rating)
	switch r {
	case "none", "low", "medium", "high", "critical":
		return &ward.Severity{Rating: strings.ToUpper(r[:1]) + r[1:]}
	}
	return nil
}

// bounty is the sum of the awarded bounties and bonuses, awarded on
// HackerOne: ward counts it as approved there.
func bounty(bs []Bounty, at *time.Time) *ward.Bounty {
	if len(bs) == 0 {
		return nil
	}
	b := &ward.Bounty{ProposedBy: ward.SourceHackerOne, ApprovedBy: ward.SourceHackerOne}
	if at != nil {
		b.ProposedAt, b.ApprovedAt = *at, *at
	}
	for _, x := range bs {
		amount, err1 := ParseAmount(cmp.Or(x.Attributes.AwardedAmount, x.Attributes.Amount))
		bonus, err2 := ParseAmount(cmp.Or(x.Attributes.AwardedBonusAmount, x.Attributes.BonusAmount))
		if err1 != nil || err2 != nil {
			continue
		}
		b.Amount += amount + bonus
		if b.Currency == "" {
			b.Currency = x.Attributes.AwardedCurrency
		}
	}
	if b.Currency == "" {
		b.Currency = "USD"
	}
	return b
}

// printable drops the control characters that ward refuses to store
// (ward.CheckControl), keeping tabs and line breaks in text.
func printable(s string, text bool) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(c rune) rune {
		switch {
		case text && (c == '\t' || c == '\n' || c == '\r'):
			return c
		case c == '\t' || c == '\n' || c == '\r':
			return ' '
		case c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0):
			return -1
		}
		return c
	}, strings.TrimFunc(s, func(c rune) bool { return !text && unicode.IsSpace(c) }))
}
