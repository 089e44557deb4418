// Package reports takes actions on vulnerability reports: it loads a
// report, lets the workflow package decide what the action does, computes
// severities with the cvss package and bounty tables from tiers, and stores
// the result with its timeline event in one step.
package reports

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/cvss"
	"github.com/wardsec/ward/reminders"
	"github.com/wardsec/ward/workflow"
)

// Service acts on reports. It is safe for concurrent use.
type Service struct {
	store    ward.ReportService
	tiers    ward.TierService
	members  ward.MemberService
	handoffs ward.HandoffService
	now      func() time.Time
	// tracker files tracking issues for track without a URL; nil when
	// no tracker is configured.
	tracker ward.IssueTracker
	// filing holds the reports whose tracking issue is being filed, so
	// that two tracks of one report at once file one issue. It is shared
	// by the copies WithIssueTracker makes.
	filing *reportLocks
}

// fileIssueTimeout bounds filing a tracking issue: the tracker's client
// retries and waits out rate limits, which may take minutes, while the
// request that asked is answered within the server's write timeout. A
// filing cut short is retried by the caller; the issue is never filed
// twice (ward.IssueTracker).
const fileIssueTimeout = 30 * time.Second

// New returns a service over the stores; now is the clock.
func New(store ward.ReportService, tiers ward.TierService, members ward.MemberService, handoffs ward.HandoffService, now func() time.Time) *Service {
	return &Service{store: store, tiers: tiers, members: members, handoffs: handoffs, now: now, filing: newReportLocks()}
}

// WithIssueTracker returns a service that files the tracking issue in t
// when track is sent without a URL (see Act).
func (s *Service) WithIssueTracker(t ward.IssueTracker) *Service {
	c := *s
	c.tracker = t
	return &c
}

// Tracker names the issue tracker that track files in, such as GitHub,
// or "" when track needs a URL.
func (s *Service) Tracker() string {
	if s.tracker == nil {
		return ""
	}
	return s.tracker.Tracker()
}

// at is the time of an action, as the store keeps times.
func (s *Service) at() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Action is the body of POST /api/v1/reports/{id}/actions: the action and
// whichever arguments it takes.
type Action struct {
	Action        string   `json:"action"`
	Comment       string   `json:"comment"`
	Body          string   `json:"body"` // comment's text; the same as comment
	Visibility    string   `json:"visibility"`
	Of            int64    `json:"of"`
	Member        string   `json:"member"`
	URL           string   `json:"url"`
	Kind          string   `json:"kind"`
	Redactions    []string `json:"redactions"`
	Justification string   `json:"justification"`
	Reason        string   `json:"reason"`
	Amount        int64    `json:"amount"`
	Currency      string   `json:"currency"`
	Label         string   `json:"label"`
	RemoveLabel   bool     `json:"remove_label"`
	Vector        string   `json:"vector"`
	Tier          string   `json:"tier"`
	// update_tracking: absent or null leaves a field as it is; "" clears
	// the CVE id or attribution, but never the fix status.
	CVE         *string `json:"cve_id"`
	Attribution *string `json:"attribution"`
	FixStatus   string  `json:"fix_status"`
}

// Visible returns the report, or ENOTFOUND when the caller may not see it:
// spam is hidden from everyone but admins.
func (s *Service) Visible(ctx context.Context, id int64) (*ward.Report, error) {
	r, err := s.store.FindReportByID(ctx, id)
	if err != nil {
		return nil, err
	}
	w, err := toWorkflow(r)
	if err != nil {
		return nil, err
	}
	if !workflow.Visible(w, actor(ctx)) {
		return nil, ward.Errorf(ward.ENOTFOUND, "no report has the id %d", id)
	}
	return r, nil
}

// Similar returns duplicate hints for the report: other reports that may be
// about the same problem, likeliest first, at most limit (5 when 0, at
// most 20). The report must be visible to the caller, as for Visible;
// spam is never among the hints, for anyone.
func (s *Service) Similar(ctx context.Context, id int64, limit int) ([]ward.SimilarReport, error) {
	if _, err := s.Visible(ctx, id); err != nil {
		return nil, err
	}
	return s.store.SimilarReports(ctx, id, limit)
}

// Allowed returns the actions the context's actor may take on the report
// as it is, in workflow order: each succeeds with good arguments (see
// workflow.Allowed). Pages show a form for each and no other.
func (s *Service) Allowed(ctx context.Context, r *ward.Report) ([]string, error) {
	w, err := toWorkflow(r)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, a := range workflow.Allowed(w, actor(ctx)) {
		out = append(out, string(a))
	}
	return out, nil
}

// Act takes the action on the report as the context's actor and returns
// the report as it now is and the action's timeline event. track without
// a URL files the tracking issue first, when a tracker is configured.
func (s *Service) Act(ctx context.Context, id int64, in Action) (*ward.Report, *ward.TimelineEvent, error) {
	r, err := s.Visible(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if workflow.Action(in.Action) == workflow.ActionTrack && strings.TrimSpace(in.URL) == "" && s.tracker != nil {
		return s.fileAndTrack(ctx, r, in)
	}
	return s.act(ctx, r, in, ping{})
}

// fileAndTrack files r's tracking issue, then tracks r with it, saying so
// in the event's comment when it is the team's. Whether the actor may track
// r, and with these arguments, is answered first: a refused track files
// nothing. When the tracker fails, r is unchanged and the error is
// EUNAVAILABLE with what the tracker said; a retry files nothing twice
// (ward.IssueTracker).
//
// Filing is serialised per report within this process: a second track of
// the report (a double click) waits for the first, then finds the report
// tracked and is refused as ECONFLICT. Across several ward instances the
// remaining guard is the tracker's own: FileIssue finds an issue already
// filed for the report by its marker.
func (s *Service) fileAndTrack(ctx context.Context, r *ward.Report, in Action) (*ward.Report, *ward.TimelineEvent, error) {
	if err := s.filing.lock(ctx, r.ID); err != nil {
		return nil, nil, err
	}
	defer s.filing.unlock(r.ID)
	r, err := s.Visible(ctx, r.ID) // as it is now that no other track runs
	if err != nil {
		return nil, nil, err
	}
	if r.TrackingURL != "" {
		return nil, nil, ward.Errorf(ward.ECONFLICT, "report %d is already tracked at %s", r.ID, r.TrackingURL)
	}
	before, err := toWorkflow(r)
	if err != nil {
		return nil, nil, err
	}
	probe := in
	probe.URL = "https://tracker.invalid/issue" // any URL: only the rest is being checked
	req, _, err := s.request(ctx, r, probe)
	if err != nil {
		return nil, nil, err
	}
	if _, _, err := workflow.Apply(before, req); err != nil {
		return nil, nil, err
	}
	fileCtx, cancel := context.WithTimeout(ctx, fileIssueTimeout)
	defer cancel()
	issue, err := s.tracker.FileIssue(fileCtx, r)
	if err != nil {
		return nil, nil, ward.Errorf(ward.EUNAVAILABLE, "the tracking issue could not be filed on %s, so the report is unchanged: %v. Try again (an issue already filed is found, never filed twice), or track with the issue's url",
			s.tracker.Tracker(), err)
	}
	in.URL = issue.URL
	// The note names the issue, and so the private repository: it goes in
	// the team's comments only. A comment to the reporter stays as
	// written; the event's tracking_url change, which the reporter never
	// sees, records the issue.
	if vis := workflow.Visibility(in.Visibility); vis == "" || vis == workflow.VisibilityTeam {
		note := fmt.Sprintf("Filed %s on %s.", issue.Name, s.tracker.Tracker())
		in.Comment, in.Body = strings.TrimSpace(note+"\n\n"+cmp.Or(in.Comment, in.Body)), ""
	}
	return s.act(ctx, r, in, ping{})
}

// reportLocks are per-report locks whose waiters give up when their
// context ends.
type reportLocks struct {
	mu   sync.Mutex
	held map[int64]chan struct{} // closed when the report's lock is released
}

func newReportLocks() *reportLocks { return &reportLocks{held: map[int64]chan struct{}{}} }

// lock takes the report's lock, waiting while another holds it, or
// returns the context's error.
func (l *reportLocks) lock(ctx context.Context, id int64) error {
	for {
		l.mu.Lock()
		released, taken := l.held[id]
		if !taken {
			l.held[id] = make(chan struct{})
			l.mu.Unlock()
			return nil
		}
		l.mu.Unlock()
		select {
		case <-released:
		case <-ctx.Done():
			return fmt.Errorf("%w: %w", ward.Errorf(ward.EUNAVAILABLE, "another track of report %d is filing its tracking issue; try again", id), ctx.Err())
		}
	}
}

// unlock releases the report's lock, which lock took.
func (l *reportLocks) unlock(id int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	close(l.held[id])
	delete(l.held, id)
}

// ping is what a scheduled ping adds to an action: whom to tell when the
// report has neither commander nor assignee, and the instant the scan ran
// for. A ping by hand has neither.
type ping struct {
	onCall string
	at     time.Time
}

// act takes the action on r as loaded; the store refuses it as ECONFLICT
// when the report has changed since. A ping notifies the commander, else
// the assignee, else onCall (see reminders.Recipient).
func (s *Service) act(ctx context.Context, r *ward.Report, in Action, p ping) (*ward.Report, *ward.TimelineEvent, error) {
	// Who may act, and in which state, is answered before the arguments
	// are looked at: a viewer's bad vector is a 403, not a 422.
	before, err := toWorkflow(r)
	if err != nil {
		return nil, nil, err
	}
	bare := workflow.Request{Action: workflow.Action(in.Action), Actor: actor(ctx), At: s.at()}
	if _, _, err := workflow.Apply(before, bare); err != nil {
		if code := ward.ErrorCode(err); code == ward.EFORBIDDEN || code == ward.ECONFLICT {
			return nil, nil, err
		}
	}
	req, severity, err := s.request(ctx, r, in)
	if err != nil {
		return nil, nil, err
	}
	next, ev, err := workflow.Apply(before, req)
	if err != nil {
		return nil, nil, err
	}
	after := *r
	fromWorkflow(&after, next)
	if severity != nil && next.Severity.Vector == severity.Vector {
		after.Severity = severity // the workflow keeps the rating; the report the whole computation
	}
	event := timelineEvent(ev)
	if rating(&after) == "critical" && rating(r) != "critical" {
		// Whoever is on call hears of a report rated critical at once,
		// whatever the hour; the store cannot tell who that is, so the
		// notification is addressed to nobody (see package notify).
		event.Notify = append(event.Notify, "")
	}
	switch {
	case req.Actor.Reporter:
		event.Notify = notify(r)
	case req.Action == workflow.ActionPing:
		if who := reminders.Recipient(r.Commander, r.Assignee, p.onCall); who != "" {
			event.Notify = []string{who}
		}
		event.PingedAt = p.at
	}
	if err := s.store.UpdateReport(ctx, &after, r.Version, event); err != nil {
		return nil, nil, err
	}
	return &after, event, nil
}

// rating is the report's rating in lower case, "" when unrated.
func rating(r *ward.Report) string {
	if r.Severity == nil {
		return ""
	}
	return strings.ToLower(r.Severity.Rating)
}

// timelineEvent is the workflow's event as the store keeps it; an event
// without a comment is the team's.
func timelineEvent(ev workflow.Event) *ward.TimelineEvent {
	event := &ward.TimelineEvent{Action: string(ev.Action), FromState: string(ev.From), ToState: string(ev.To),
		Visibility: string(ev.Visibility), Comment: ev.Comment}
	if event.Visibility == "" {
		event.Visibility = string(workflow.VisibilityTeam)
	}
	for _, c := range ev.Changes {
		event.Changes = append(event.Changes, ward.FieldChange{Field: c.Field, From: c.From, To: c.To})
	}
	return event
}

// request turns the body into the workflow's request, computing what the
// workflow leaves to its caller: the severity of a vector, the bounty table
// of the report's tier, whether a duplicate's original exists.
func (s *Service) request(ctx context.Context, r *ward.Report, in Action) (workflow.Request, *ward.Severity, error) {
	comment := in.Comment
	switch {
	case in.Body != "" && in.Comment != "":
		return workflow.Request{}, nil, ward.Errorf(ward.EINVALID, "body: send the comment as comment or as body, not both")
	case comment == "":
		comment = in.Body
	}
	if err := checkText(in, comment); err != nil {
		return workflow.Request{}, nil, err
	}
	req := workflow.Request{
		Action: workflow.Action(in.Action), Actor: actor(ctx), At: s.at(), Comment: comment,
		Visibility: workflow.Visibility(in.Visibility), Of: in.Of, Member: in.Member, URL: in.URL,
		Kind: workflow.DisclosureKind(in.Kind), Redactions: in.Redactions, Justification: in.Justification,
		Reason: in.Reason, Amount: in.Amount, Currency: in.Currency, Label: in.Label, RemoveLabel: in.RemoveLabel, Tier: in.Tier,
		CVE: in.CVE, Attribution: in.Attribution, FixStatus: workflow.FixStatus(in.FixStatus),
	}
	var severity *ward.Severity
	scored := req.Action == workflow.ActionTriage || req.Action == workflow.ActionSetSeverity
	if req.Action == workflow.ActionSetSeverity && in.Vector == "" {
		return req, nil, ward.Errorf(ward.EINVALID, "vector: required, a CVSS 3.0, 3.1 or 4.0 vector")
	}
	if scored && in.Vector != "" {
		sev, err := cvss.Parse(in.Vector)
		if err != nil {
			return req, nil, err
		}
		rating, err := workflow.ParseRating(sev.Rating)
		if err != nil {
			return req, nil, fmt.Errorf("rating of %s: %w", sev.Vector, err)
		}
		req.Severity = workflow.Severity{Rating: rating, Vector: sev.Vector}
		severity = &sev
	}
	if scored && in.Tier != "" {
		if _, err := s.tiers.FindTierByName(ctx, in.Tier); err != nil {
			return req, nil, ward.Errorf(ward.EINVALID, "tier: %s", ward.ErrorMessage(err))
		}
	}
	if req.Action == workflow.ActionProposeBounty && r.Tier != "" {
		tier, err := s.tiers.FindTierByName(ctx, r.Tier)
		if ward.ErrorCode(err) == ward.ENOTFOUND {
			return req, nil, ward.Errorf(ward.EINVALID, "tier: the report's tier %q no longer exists; set another with set_severity", r.Tier)
		}
		if err != nil {
			return req, nil, err
		}
		req.Table = workflow.BountyTable{}
		for rating, amount := range tier.Bounties {
			if rt, err := workflow.ParseRating(rating); err == nil {
				req.Table[rt] = workflow.Money{Amount: amount, Currency: tier.Currency}
			}
		}
	}
	if req.Action == workflow.ActionMarkDuplicate && in.Of != 0 && in.Of != r.ID {
		// Spam is no original: its id would show to those who may not see it.
		if orig, err := s.Visible(ctx, in.Of); err != nil || orig.State == string(workflow.StateSpam) {
			return req, nil, ward.Errorf(ward.EINVALID, "of: no report has the id %d", in.Of)
		}
	}
	if (req.Action == workflow.ActionAssign || req.Action == workflow.ActionSetCommander) && in.Member != "" {
		if err := s.checkMember(ctx, req.Action, in.Member); err != nil {
			return req, nil, err
		}
	}
	return req, severity, nil
}

// notify is who hears of what the reporter did: the assignee, who is
// accountable for the report, or with none the commander. With neither,
// nobody is told in person; the report shows in the triage queue, which the
// on-call works every day.
func notify(r *ward.Report) []string {
	if who := r.Accountable(); who != "" {
		return []string{who}
	}
	return nil
}

// checkMember refuses to give a report to someone who cannot work it: an
// assignee must be an active triager or above, a commander a responder.
func (s *Service) checkMember(ctx context.Context, action workflow.Action, email string) error {
	m, err := s.members.FindMemberByEmail(ctx, email)
	if ward.ErrorCode(err) == ward.ENOTFOUND {
		return ward.Errorf(ward.EINVALID, "member: no member has the email %q", email)
	}
	if err != nil {
		return err
	}
	least := ward.RoleTriager
	if action == workflow.ActionSetCommander {
		least = ward.RoleResponder
	}
	switch {
	case m.Disabled:
		return ward.Errorf(ward.EINVALID, "member: %s is disabled", m.Email)
	case !m.Role.AtLeast(least):
		return ward.Errorf(ward.EINVALID, "member: %s is a %s; this needs a %s or above", m.Email, m.Role, least)
	}
	return nil
}

// checkText refuses control characters, which would corrupt terminals and
// some databases, and text over the limits.
func checkText(in Action, comment string) error {
	type field struct {
		name, text string
		max        int
	}
	fields := []field{{"comment", comment, 64 << 10}, {"reason", in.Reason, 2000}, {"justification", in.Justification, 2000}, {"label", in.Label, 100}}
	if in.Attribution != nil {
		fields = append(fields, field{"attribution", *in.Attribution, 200})
	}
	for i, r := range in.Redactions {
		fields = append(fields, field{fmt.Sprintf("redactions[%d]", i), r, 64 << 10})
	}
	for _, f := range fields {
		if len(f.text) > f.max {
			return ward.Errorf(ward.EINVALID, "%s: longer than %d bytes", f.name, f.max)
		}
		if err := ward.CheckControl(f.name, f.text); err != nil {
			return err
		}
	}
	return nil
}

// actor is the context's actor as the workflow sees it. Only members have
// an email there: the command line and ward itself act as admins, but are
// nobody, so they can neither propose nor approve a bounty, and a bounty
// always has two people behind it.
func actor(ctx context.Context) workflow.Actor {
	a := ward.ActorFromContext(ctx)
	if a.Kind == ward.ActorReporter {
		return workflow.Actor{Email: a.Email, Reporter: true}
	}
	if a.Kind != ward.ActorMember {
		return workflow.Actor{Role: a.Role}
	}
	return workflow.Actor{Email: a.Email, Role: a.Role}
}

// toWorkflow is what the rules need of a report.
func toWorkflow(r *ward.Report) (workflow.Report, error) {
	w := workflow.Report{ID: r.ID, State: workflow.State(r.State), Tier: r.Tier, Assignee: r.Assignee, Commander: r.Commander,
		Labels: r.Labels, DuplicateOf: r.DuplicateOf, TrackingURL: r.TrackingURL,
		CVE: r.CVE, Attribution: r.Attribution, FixStatus: workflow.FixStatus(r.FixStatus)}
	if r.Severity != nil {
		rating, err := workflow.ParseRating(r.Severity.Rating)
		if err != nil {
			return w, fmt.Errorf("report %d: stored severity: %w", r.ID, err)
		}
		w.Severity = workflow.Severity{Rating: rating, Vector: r.Severity.Vector}
	}
	if b := r.Bounty; b != nil {
		w.Bounty = &workflow.Bounty{Amount: b.Amount, Currency: b.Currency, Reason: b.Reason, ProposedBy: b.ProposedBy,
			ProposedAt: b.ProposedAt, ApprovedBy: b.ApprovedBy, ApprovedAt: b.ApprovedAt}
	}
	if d := r.Disclosure; d != nil {
		w.Disclosure = &workflow.Disclosure{Kind: workflow.DisclosureKind(d.Kind), Redactions: d.Redactions, RequestedAt: d.RequestedAt,
			Answer: d.Answer, AnsweredAt: d.AnsweredAt, DisclosedAt: d.DisclosedAt, Reason: d.Reason, Justification: d.Justification}
	}
	return w, nil
}

// fromWorkflow writes what the rules changed back into the report.
func fromWorkflow(r *ward.Report, w workflow.Report) {
	r.State, r.Tier, r.Assignee, r.Commander = string(w.State), w.Tier, w.Assignee, w.Commander
	r.Labels, r.DuplicateOf, r.TrackingURL = w.Labels, w.DuplicateOf, w.TrackingURL
	r.CVE, r.Attribution, r.FixStatus = w.CVE, w.Attribution, string(w.FixStatus)
	if r.Labels == nil {
		r.Labels = []string{}
	}
	if w.Severity.Rating == "" {
		r.Severity = nil // Act sets a new one, computed in full from its vector
	}
	r.Bounty = nil
	if b := w.Bounty; b != nil {
		r.Bounty = &ward.Bounty{Amount: b.Amount, Currency: b.Currency, Reason: b.Reason, ProposedBy: b.ProposedBy,
			ProposedAt: b.ProposedAt, ApprovedBy: b.ApprovedBy, ApprovedAt: b.ApprovedAt}
	}
	r.Disclosure = nil
	if d := w.Disclosure; d != nil {
		r.Disclosure = &ward.Disclosure{Kind: string(d.Kind), Redactions: d.Redactions, RequestedAt: d.RequestedAt,
			Answer: d.Answer, AnsweredAt: d.AnsweredAt, DisclosedAt: d.DisclosedAt, Reason: d.Reason, Justification: d.Justification}
		if !d.RequestedAt.IsZero() {
			r.Disclosure.Deadline = d.Deadline()
		}
	}
}
