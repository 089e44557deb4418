// Package brief gathers what the on-call needs to see: the start-of-shift
// brief for the member taking over a rotation, and the daily triage
// digest. It composes the store's queries and the oncall service into
// values; Text, Subject, DigestText and DigestSubject render them as the
// body and subject of an email, with nothing of a report beyond its id,
// title, rating, state and a link.
//
// Reports are shown as Report, never whole: the brief travels (by email,
// to a scheduler's log), so it holds no report text, reporter, tracking
// issue or comment, and never a spam report.
package brief

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/oncall"
)

// Bounds of what one brief reads and shows.
const (
	// ScanMax is how many reports (or stale reports, or pending handoffs)
	// one list reads at most: past it, a count says "ScanMax+", and a list
	// shows the oldest of the newest ScanMax.
	ScanMax = 500
	// ListMax is how many entries each list shows.
	ListMax = 20
	// GapDays is how far ahead the brief looks for coverage gaps, at
	// least: to the end of the shift when that is later.
	GapDays = 14
	// NeedsInfoAfter is how long a report waits on the reporter before the
	// digest lists it.
	NeedsInfoAfter = 3 * 24 * time.Hour
	// DeadlineSoon is how near the end of a reporter's disclosure month
	// must be for the digest to list the report.
	DeadlineSoon = 7 * 24 * time.Hour
)

// DistributorCounter counts distributor list join requests. The brief
// shows the count when it has one; without (nil), the count is null.
type DistributorCounter interface {
	CountDistributorRequestsSince(ctx context.Context, since time.Time) (int, error)
}

// Config is what a Service reads from.
type Config struct {
	Reports      ward.ReportService
	Handoffs     ward.HandoffService
	Stale        ward.StaleService
	Rotations    ward.RotationService
	OnCall       *oncall.Service
	Distributors DistributorCounter // counts distributor list join requests
	// PullRequests lists the open pull requests of the team's GitHub
	// repository; without it (nil) the brief has none.
	PullRequests ward.PullRequestSource
	// PullRequestsWait bounds the wait for the pull requests; 10 s when
	// zero. GitHub's client retries and waits out rate limits, which may
	// take minutes; past the bound the brief says GitHub did not answer
	// rather than keep its request past the server's write timeout.
	PullRequestsWait time.Duration
	Now              func() time.Time // the clock; time.Now when nil
}

// Service computes briefs and digests. It is safe for concurrent use.
type Service struct {
	cfg Config
}

// New returns a service over the configuration's stores.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PullRequestsWait == 0 {
		cfg.PullRequestsWait = 10 * time.Second
	}
	return &Service{cfg: cfg}
}

// Report is a report as the brief shows it: what may go in an email about
// an embargoed issue.
type Report struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	State     string    `json:"state"`
	Rating    string    `json:"rating,omitempty"` // the severity's rating; empty until set
	CreatedAt time.Time `json:"created_at"`
}

func reportOf(r *ward.Report) Report {
	out := Report{ID: r.ID, Title: r.Title, State: r.State, CreatedAt: r.CreatedAt}
	if r.Severity != nil {
		out.Rating = r.Severity.Rating
	}
	return out
}

// Waiting is a report in a queue and how long it has waited there.
type Waiting struct {
	Report
	Since time.Time `json:"since"` // what the wait counts from: filed, or last changed
	Age   string    `json:"age"`   // from Since to the brief's instant, such as "3d 4h"
}

// Stale is a report quiet past its rating's threshold.
type Stale struct {
	Report
	Commander    string    `json:"commander,omitempty"`
	Assignee     string    `json:"assignee,omitempty"`
	LastActivity time.Time `json:"last_activity"`
	LastPing     time.Time `json:"last_ping,omitzero"` // absent when never pinged
	Quiet        string    `json:"quiet"`              // from LastActivity to the brief's instant
}

// Handoff is a pending handoff of incident command. Its context (open
// questions, decisions, pending actions) is on the report's page.
type Handoff struct {
	ID        int64     `json:"id"`
	Report    Report    `json:"report"`
	From      string    `json:"from"`
	To        string    `json:"to"`
	CreatedAt time.Time `json:"created_at"`
	Age       string    `json:"age"`
}

// Deadline is a report whose reporter's disclosure month ends soon or has
// ended.
type Deadline struct {
	Report
	Deadline time.Time `json:"deadline"`
	Passed   bool      `json:"passed"`           // the team may disclose without an answer
	Answer   string    `json:"answer,omitempty"` // agreed or objected, once the reporter answered
}

// Tally is how many of something there are. More says there are more than
// Count, which stops at ScanMax.
type Tally struct {
	Count int  `json:"count"`
	More  bool `json:"more"`
}

// String is the count, with a + when there are more.
func (t Tally) String() string {
	if t.More {
		return fmt.Sprintf("%d+", t.Count)
	}
	return fmt.Sprint(t.Count)
}

// List is a tally and its first ListMax entries, in the list's order.
type List[T any] struct {
	Tally
	Items []T `json:"items"`
}

// list keeps the first ListMax of all; more says all is not the whole.
func list[T any](all []T, more bool) List[T] {
	items := all[:min(len(all), ListMax)]
	if items == nil {
		items = []T{} // an empty list, not null
	}
	return List[T]{Tally: Tally{Count: len(all), More: more}, Items: items}
}

// Brief is what the member taking over a rotation needs at the start of
// their shift.
type Brief struct {
	Rotation   string    `json:"rotation"`
	At         time.Time `json:"at"` // the instant it was computed for: the shift's start, usually
	Shift      int64     `json:"shift"`
	ShiftStart time.Time `json:"shift_start"`
	ShiftEnd   time.Time `json:"shift_end"`
	// Since is the previous shift's start (for the first shift, one shift
	// length before it): new reports and requests count from it.
	Since    time.Time      `json:"since"`
	OnCall   oncall.Person  `json:"oncall"`   // who holds the shift at its start
	Outgoing *oncall.Person `json:"outgoing"` // who held the shift before; null for the first
	// HandoffNote is the note left for this shift, or null. Its text may
	// name what is under embargo: Text leaves it out.
	HandoffNote *ward.HandoffNote `json:"handoff_note"`
	Triage      List[Waiting]     `json:"triage"`   // the triage view, the oldest first
	Stale       List[Stale]       `json:"stale"`    // the longest quiet first
	New         List[Report]      `json:"new"`      // filed in [Since, At), the oldest first
	Handoffs    List[Handoff]     `json:"handoffs"` // pending, the oldest first
	Gaps        []oncall.Gap      `json:"gaps"`     // in [At, GapsUntil)
	GapsUntil   time.Time         `json:"gaps_until"`
	// DistributorRequests counts distributor list join requests since
	// Since.
	DistributorRequests int `json:"distributor_requests"`
	// PullRequests are the GitHub repository's open pull requests, null
	// when GitHub is not configured.
	PullRequests *PullRequests `json:"pull_requests"`
}

// PullRequests are the open pull requests of the team's repository, the
// oldest first, or why they could not be listed: GitHub failing does not
// keep the brief from the on-call.
type PullRequests struct {
	List[PullRequest]
	Error string `json:"error,omitempty"`
}

// PullRequest is an open pull request and its age.
type PullRequest struct {
	ward.PullRequest
	Age string `json:"age"` // from its creation to the brief's instant
}

// Digest is the daily look at the queues.
type Digest struct {
	At     time.Time     `json:"at"`
	Triage List[Waiting] `json:"triage"` // the triage view, the oldest first
	// NeedsInfo are the reports waiting on the reporter, unchanged for
	// NeedsInfoAfter, the longest waiting first.
	NeedsInfo List[Waiting] `json:"needs_info"`
	// Disclosures are the reports whose reporter's month ends within
	// DeadlineSoon or has ended, the earliest deadline first.
	Disclosures List[Deadline] `json:"disclosures"`
	Stale       Tally          `json:"stale"`
	Handoffs    Tally          `json:"handoffs"` // pending
}

// Brief returns the brief for the shift of the rotation that holds the
// instant at: the triage queue, the stale incidents as of at, the reports
// filed since the previous shift's start, the pending handoffs, the note
// left for the shift, the coverage gaps ahead and the distributor
// requests, and the GitHub repository's open pull requests. An empty
// rotation is the team's first by name; a zero at is the start of the
// shift in progress. Queues are as the store holds them now. Triagers and
// up (ward.ReadBrief); ENOTFOUND without a rotation, or before its first
// shift.
func (s *Service) Brief(ctx context.Context, rotation string, at time.Time) (*Brief, error) {
	b, err := s.Summary(ctx, rotation, at)
	if err != nil {
		return nil, err
	}
	b.PullRequests = s.pullRequests(ctx, at)
	return b, nil
}

// Summary is Brief from ward's own store alone, without the pull requests,
// which cost a call to GitHub: for the dashboard's box, which does not
// show them, on every load.
func (s *Service) Summary(ctx context.Context, rotation string, at time.Time) (*Brief, error) {
	if err := ward.Require(ward.ActorFromContext(ctx), ward.ReadBrief); err != nil {
		return nil, err
	}
	if rotation == "" {
		var err error
		if rotation, err = s.firstRotation(ctx); err != nil {
			return nil, err
		}
	}
	if at.IsZero() {
		now, err := s.cfg.OnCall.OnCall(ctx, rotation, s.cfg.Now())
		if err != nil {
			return nil, err
		}
		at = now.Start
	}
	at = at.UTC()
	oc, err := s.cfg.OnCall.OnCall(ctx, rotation, at)
	if err != nil {
		return nil, err
	}
	b := &Brief{Rotation: rotation, At: at, Shift: oc.Shift, ShiftStart: oc.Start, ShiftEnd: oc.End,
		Since: oc.Start.Add(-oc.End.Sub(oc.Start)), OnCall: oc.Assignee, HandoffNote: oc.Handoff}
	switch prev, err := s.cfg.OnCall.OnCall(ctx, rotation, oc.Start.Add(-time.Nanosecond)); {
	case err == nil:
		out := prev.Assignee
		out.LocalTime = "" // theirs a moment before the handoff says nothing
		b.Since, b.Outgoing = prev.Start, &out
	case ward.ErrorCode(err) != ward.ENOTFOUND: // not found: the first shift
		return nil, err
	}
	if b.Triage, err = s.triage(ctx, at); err != nil {
		return nil, err
	}
	stale, more, err := s.quiet(ctx, at)
	if err != nil {
		return nil, err
	}
	b.Stale = list(stale, more)
	if b.New, err = s.filed(ctx, b.Since, at); err != nil {
		return nil, err
	}
	if b.Handoffs, err = s.handoffs(ctx, at); err != nil {
		return nil, err
	}
	b.GapsUntil = at.AddDate(0, 0, GapDays)
	if oc.End.After(b.GapsUntil) {
		b.GapsUntil = oc.End
	}
	if b.Gaps, err = s.cfg.OnCall.Gaps(ctx, rotation, at, b.GapsUntil); err != nil {
		return nil, err
	}
	if b.DistributorRequests, err = s.cfg.Distributors.CountDistributorRequestsSince(ctx, b.Since); err != nil {
		return nil, fmt.Errorf("count distributor requests since %s: %w", b.Since.Format(time.RFC3339), err)
	}
	return b, nil
}

// pullRequests lists the repository's open pull requests, the oldest
// first, or says why it could not; nil without a source.
func (s *Service) pullRequests(ctx context.Context, at time.Time) *PullRequests {
	if s.cfg.PullRequests == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.PullRequestsWait)
	defer cancel()
	open, err := s.cfg.PullRequests.OpenPullRequests(ctx)
	if err != nil {
		return &PullRequests{List: list[PullRequest](nil, false), Error: err.Error()}
	}
	out := make([]PullRequest, len(open))
	for i, p := range open {
		out[i] = PullRequest{PullRequest: p, Age: Age(at.Sub(p.CreatedAt))}
	}
	slices.SortStableFunc(out, func(a, b PullRequest) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return &PullRequests{List: list(out, false)}
}

// Digest returns the daily digest as of at (now when zero): the triage
// queue, the reports waiting on the reporter past NeedsInfoAfter, the
// disclosure deadlines within DeadlineSoon or passed, and how many
// incidents are stale and handoffs pending. Triagers and up (ward.ReadBrief).
func (s *Service) Digest(ctx context.Context, at time.Time) (*Digest, error) {
	if err := ward.Require(ward.ActorFromContext(ctx), ward.ReadBrief); err != nil {
		return nil, err
	}
	if at.IsZero() {
		at = s.cfg.Now()
	}
	at = at.UTC()
	d := &Digest{At: at}
	var err error
	if d.Triage, err = s.triage(ctx, at); err != nil {
		return nil, err
	}
	waiting, err := s.cfg.Reports.FindReports(ctx, ward.ReportFilter{View: "needs-info", Limit: ScanMax})
	if err != nil {
		return nil, err
	}
	d.NeedsInfo = waitingList(NeedsInfo(waiting, at), len(waiting) == ScanMax)
	pending, err := s.cfg.Reports.FindReports(ctx, ward.ReportFilter{View: "pending-disclosure", Limit: ScanMax})
	if err != nil {
		return nil, err
	}
	d.Disclosures = list(Deadlines(pending, at), len(pending) == ScanMax)
	stale, more, err := s.quiet(ctx, at)
	if err != nil {
		return nil, err
	}
	d.Stale = Tally{Count: len(stale), More: more}
	handoffs, err := s.cfg.Handoffs.FindHandoffs(ctx, ward.HandoffFilter{Pending: true, Limit: ScanMax})
	if err != nil {
		return nil, err
	}
	d.Handoffs = Tally{Count: len(handoffs), More: len(handoffs) == ScanMax}
	return d, nil
}

// firstRotation is the team's first rotation by name, the one the brief
// is of unless told otherwise (as the stale pings' on-call is).
func (s *Service) firstRotation(ctx context.Context) (string, error) {
	rotations, err := s.cfg.Rotations.FindRotations(ctx)
	if err != nil {
		return "", err
	}
	if len(rotations) == 0 {
		return "", ward.Errorf(ward.ENOTFOUND, "the team has no rotation yet, so no shift to brief")
	}
	return slices.MinFunc(rotations, func(a, b *ward.Rotation) int { return strings.Compare(a.Name, b.Name) }).Name, nil
}

// triage is the triage view, the oldest first, each with its age at at.
func (s *Service) triage(ctx context.Context, at time.Time) (List[Waiting], error) {
	return TriageQueue(ctx, s.cfg.Reports, at)
}

// TriageQueue is the triage view's reports, the longest waiting first,
// with their ages at at. The caller checks who may read it.
func TriageQueue(ctx context.Context, reports ward.ReportService, at time.Time) (List[Waiting], error) {
	found, err := reports.FindReports(ctx, ward.ReportFilter{View: "triage", Limit: ScanMax})
	if err != nil {
		return List[Waiting]{}, err
	}
	all := make([]Waiting, 0, len(found))
	for _, r := range found {
		all = append(all, waiting(r, r.CreatedAt, at))
	}
	return waitingList(all, len(found) == ScanMax), nil
}

// waitingList is the list of the reports, the longest waiting first.
func waitingList(all []Waiting, more bool) List[Waiting] {
	slices.SortStableFunc(all, func(a, b Waiting) int {
		return cmp.Or(a.Since.Compare(b.Since), cmp.Compare(a.ID, b.ID))
	})
	return list(all, more)
}

func waiting(r *ward.Report, since, at time.Time) Waiting {
	return Waiting{Report: reportOf(r), Since: since, Age: Age(at.Sub(since))}
}

// NeedsInfo picks the reports in needs_info unchanged for NeedsInfoAfter
// at at: a question has waited that long for the reporter. Any change,
// such as a team comment, starts the wait again.
func NeedsInfo(reports []*ward.Report, at time.Time) []Waiting {
	var out []Waiting
	for _, r := range reports {
		if r.State == "needs_info" && !r.UpdatedAt.After(at.Add(-NeedsInfoAfter)) {
			out = append(out, waiting(r, r.UpdatedAt, at))
		}
	}
	return out
}

// Deadlines picks the reports whose reporter's disclosure month ends
// within DeadlineSoon of at, or has ended, the earliest first.
func Deadlines(reports []*ward.Report, at time.Time) []Deadline {
	var out []Deadline
	for _, r := range reports {
		d := r.Disclosure
		if r.State != "disclosure_requested" || d == nil || d.Deadline.IsZero() || d.Deadline.After(at.Add(DeadlineSoon)) {
			continue
		}
		out = append(out, Deadline{Report: reportOf(r), Deadline: d.Deadline, Passed: !d.Deadline.After(at), Answer: d.Answer})
	}
	slices.SortStableFunc(out, func(a, b Deadline) int {
		return cmp.Or(a.Deadline.Compare(b.Deadline), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// quiet is the reports quiet past their threshold at at, pinged or not,
// the longest quiet first, and whether there are more than were read.
func (s *Service) quiet(ctx context.Context, at time.Time) ([]Stale, bool, error) {
	th, err := s.cfg.Stale.StaleThresholds(ctx)
	if err != nil {
		return nil, false, err
	}
	quiet, err := s.cfg.Stale.QuietReports(ctx, at, th, ScanMax)
	if err != nil {
		return nil, false, err
	}
	return Quiet(quiet, at), len(quiet) == ScanMax, nil
}

// Quiet shows the stale reports as the brief does, quiet until at.
func Quiet(reports []*ward.StaleReport, at time.Time) []Stale {
	out := make([]Stale, 0, len(reports))
	for _, q := range reports {
		out = append(out, Stale{Report: reportOf(q.Report), Commander: q.Report.Commander, Assignee: q.Report.Assignee,
			LastActivity: q.LastActivity, LastPing: q.LastPing, Quiet: Age(at.Sub(q.LastActivity))})
	}
	return out
}

// filed is the reports filed in [since, at), the oldest first. It reads
// the newest reports back to since, at most four pages of ScanMax: past
// that, the list is of the newest and says there are more.
func (s *Service) filed(ctx context.Context, since, at time.Time) (List[Report], error) {
	const pages = 4
	var all []Report
	f := ward.ReportFilter{Limit: ScanMax}
	for range pages {
		page, err := s.cfg.Reports.FindReports(ctx, f)
		if err != nil {
			return List[Report]{}, err
		}
		for _, r := range page {
			if !r.CreatedAt.Before(since) && r.CreatedAt.Before(at) {
				all = append(all, reportOf(r))
			}
		}
		// Reports are numbered as they are filed: once a page reaches
		// back before since, no later page holds one after it.
		if len(page) < ScanMax || page[len(page)-1].CreatedAt.Before(since) {
			slices.Reverse(all)
			return list(all, false), nil
		}
		f.Before = page[len(page)-1].ID
	}
	slices.Reverse(all)
	return list(all, true), nil
}

// handoffs is the pending handoffs of command, the oldest first, with
// their reports. A handoff is only ever of a triaged or tracked report,
// never of spam.
func (s *Service) handoffs(ctx context.Context, at time.Time) (List[Handoff], error) {
	pending, err := s.cfg.Handoffs.FindHandoffs(ctx, ward.HandoffFilter{Pending: true, Limit: ScanMax})
	if err != nil {
		return List[Handoff]{}, err
	}
	slices.Reverse(pending) // the store's are the newest first
	out := list(make([]Handoff, len(pending)), len(pending) == ScanMax)
	for i := range out.Items {
		h := pending[i]
		r, err := s.cfg.Reports.FindReportByID(ctx, h.Report)
		if err != nil {
			return List[Handoff]{}, fmt.Errorf("report of handoff %d: %w", h.ID, err)
		}
		out.Items[i] = Handoff{ID: h.ID, Report: reportOf(r), From: h.From, To: h.To, CreatedAt: h.CreatedAt, Age: Age(at.Sub(h.CreatedAt))}
	}
	return out, nil
}

// Age is a duration as the brief shows a wait: days and hours from two
// days on, hours from an hour, else minutes; never negative.
func Age(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		days, hours := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
		if hours == 0 {
			return fmt.Sprintf("%dd", days)
		}
		return fmt.Sprintf("%dd %dh", days, hours)
	case d >= time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	case d > 0:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	}
	return "0m"
}
