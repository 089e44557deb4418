package ward

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Sources of reports.
const (
	SourceEmail     = "email"
	SourceHackerOne = "hackerone"
	SourceWeb       = "web"
	SourceAPI       = "api"
)

var (
	sources = []string{SourceEmail, SourceHackerOne, SourceWeb, SourceAPI}
	// ratings are CVSS's qualitative ratings, as a list filters by them.
	ratings = []string{"critical", "high", "medium", "low", "none"}
)

// The first state of every report; the workflow package owns the others.
const ReportNew = "new"

// Severity is a report's severity as computed from a CVSS vector.
type Severity struct {
	Vector  string  `json:"vector"`  // as given, trimmed
	Version string  `json:"version"` // "3.0", "3.1" or "4.0"
	Score   float64 `json:"score"`   // one decimal, as FIRST's calculators show it
	Rating  string  `json:"rating"`  // None, Low, Medium, High or Critical
}

// Bounty is a proposed bounty, awarded once a second responder approves.
type Bounty struct {
	Amount     int64     `json:"amount"` // minor units
	Currency   string    `json:"currency"`
	Reason     string    `json:"reason,omitempty"` // why it differs from the tier's table
	ProposedBy string    `json:"proposed_by"`
	ProposedAt time.Time `json:"proposed_at"`
	ApprovedBy string    `json:"approved_by,omitempty"`
	ApprovedAt time.Time `json:"approved_at,omitzero"`
}

// Disclosure is a report's disclosure request and what became of it, or the
// decision not to disclose.
type Disclosure struct {
	Kind          string    `json:"kind,omitempty"` // full or redacted
	Redactions    []string  `json:"redactions,omitempty"`
	RequestedAt   time.Time `json:"requested_at,omitzero"`
	Deadline      time.Time `json:"deadline,omitzero"` // the end of the reporter's calendar month to answer
	Answer        string    `json:"answer,omitempty"`  // agreed or objected
	AnsweredAt    time.Time `json:"answered_at,omitzero"`
	DisclosedAt   time.Time `json:"disclosed_at,omitzero"`
	Reason        string    `json:"reason,omitempty"`
	Justification string    `json:"justification,omitempty"` // why not to disclose
}

// Report is a vulnerability report as it arrived and where it stands.
type Report struct {
	ID            int64       `json:"id"`
	Title         string      `json:"title"`
	Body          string      `json:"body"` // Markdown as the reporter wrote it; rendered only sanitised
	Source        string      `json:"source"`
	ExternalID    string      `json:"external_id,omitempty"`  // the source's id, such as a HackerOne report number
	ExternalURL   string      `json:"external_url,omitempty"` // the link back
	ReporterName  string      `json:"reporter_name"`
	ReporterEmail string      `json:"reporter_email,omitempty"`
	State         string      `json:"state"`
	Severity      *Severity   `json:"severity"` // null until set
	Tier          string      `json:"tier"`
	Bounty        *Bounty     `json:"bounty"`     // null until proposed
	Disclosure    *Disclosure `json:"disclosure"` // null until requested or refused
	Assignee      string      `json:"assignee,omitempty"`
	Commander     string      `json:"commander,omitempty"`
	DuplicateOf   int64       `json:"duplicate_of,omitempty"`
	TrackingURL   string      `json:"tracking_url,omitempty"`
	CVE           string      `json:"cve_id,omitempty"`      // the tracking issue's CVE id, such as CVE-2026-1234
	Attribution   string      `json:"attribution,omitempty"` // how the reporter wants to be credited
	FixStatus     string      `json:"fix_status,omitempty"`  // planning, development, embargo, released, published
	Labels        []string    `json:"labels"`
	Version       int64       `json:"version"` // counts changes; an action computed from an older one is refused
	CreatedAt     time.Time   `json:"created_at"`
	UpdatedAt     time.Time   `json:"updated_at"`
}

// Limits on what a report may hold.
const (
	maxTitle = 300
	maxBody  = 256 << 10
)

// Normalize checks a new report and trims it; it returns an EINVALID error
// naming the first bad field. Text is kept as written otherwise: it is
// escaped or sanitised when shown, never changed when stored.
func (r *Report) Normalize() error {
	r.Title = strings.TrimSpace(r.Title)
	r.ExternalID = strings.TrimSpace(r.ExternalID)
	r.ReporterName = strings.TrimSpace(r.ReporterName)
	for _, f := range []struct{ name, value string }{
		{"title", r.Title}, {"body", r.Body}, {"reporter_name", r.ReporterName}, {"external_id", r.ExternalID}, {"external_url", r.ExternalURL},
	} {
		if !utf8.ValidString(f.value) {
			return Errorf(EINVALID, "%s: not valid UTF-8", f.name)
		}
		if err := CheckControl(f.name, f.value); err != nil {
			return err
		}
	}
	switch {
	case r.Title == "":
		return Errorf(EINVALID, "title: must not be empty")
	case len(r.Title) > maxTitle:
		return Errorf(EINVALID, "title: longer than %d bytes", maxTitle)
	case len(r.Body) > maxBody:
		return Errorf(EINVALID, "body: longer than %d KiB", maxBody>>10)
	case len(r.ReporterName) > 200:
		return Errorf(EINVALID, "reporter_name: longer than 200 bytes")
	case len(r.ExternalID) > 200:
		return Errorf(EINVALID, "external_id: longer than 200 bytes")
	}
	if !slices.Contains(sources, r.Source) {
		return Errorf(EINVALID, "source: %q is not one of %s", r.Source, strings.Join(sources, ", "))
	}
	if r.ReporterEmail != "" {
		email, err := NormalizeEmail(r.ReporterEmail)
		if err != nil {
			return Errorf(EINVALID, "reporter_email: %s", ErrorMessage(err))
		}
		r.ReporterEmail = email
	}
	if r.ExternalURL != "" {
		u, err := url.Parse(r.ExternalURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return Errorf(EINVALID, "external_url: want an http or https URL")
		}
	}
	if r.ExternalURL != "" && r.ExternalID == "" {
		return Errorf(EINVALID, "external_id: required with external_url, so that the same report twice is one")
	}
	return nil
}

// Accountable returns who answers for the report now: its assignee, else
// its commander, else "".
func (r *Report) Accountable() string {
	if r.Assignee != "" {
		return r.Assignee
	}
	return r.Commander
}

// TimelineEvent is one change to a report: who made it, when, and what
// changed. Comments are events too.
type TimelineEvent struct {
	ID         int64         `json:"id"`
	Report     int64         `json:"report"`
	At         time.Time     `json:"at"`
	Actor      string        `json:"actor"`
	Action     string        `json:"action"`
	FromState  string        `json:"from_state,omitempty"`
	ToState    string        `json:"to_state,omitempty"`
	Visibility string        `json:"visibility"` // "team" or "reporter"
	Comment    string        `json:"comment,omitempty"`
	Changes    []FieldChange `json:"changes,omitempty"`
	// Notify are the members to tell of the event: each gets a
	// notification, written with the event.
	Notify []string `json:"-"`
	// PingedAt is, for a scheduled ping, the instant the scan ran for:
	// the report's next ping counts from it, not from when the write
	// happened to commit, so that pings repeat on the threshold exactly.
	PingedAt time.Time `json:"-"`
}

// FieldChange is one field's change in a timeline event, written for
// people to read.
type FieldChange struct {
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// ReportFilter selects reports, newest first. Before is a cursor: only
// reports with a smaller ID. Limit defaults to 50. Spam is left out unless
// IncludeSpam.
type ReportFilter struct {
	View        string // one of ReportViews, or ""
	Me          string // the caller's email, for the view mine
	State       string
	Source      string
	Assignee    string
	Label       string
	Rating      string // critical, high, medium, low or none
	Query       string // words that the title, body or reporter's name must all hold; see docs/reports.md
	IncludeSpam bool
	Before      int64
	Limit       int
}

// reportQueryKeys are the parameters of a report list that select reports,
// and the ReportFilter field each fills.
var reportQueryKeys = map[string]func(*ReportFilter) *string{
	"view":     func(f *ReportFilter) *string { return &f.View },
	"state":    func(f *ReportFilter) *string { return &f.State },
	"source":   func(f *ReportFilter) *string { return &f.Source },
	"assignee": func(f *ReportFilter) *string { return &f.Assignee },
	"label":    func(f *ReportFilter) *string { return &f.Label },
	"severity": func(f *ReportFilter) *string { return &f.Rating },
	"q":        func(f *ReportFilter) *string { return &f.Query },
}

// ParseReportQuery reads the selecting parameters of a report list, as
// GET /api/v1/reports and saved filters spell them. A parameter it does not
// know, or given twice, is EINVALID: a saved filter that silently selected
// more than its author meant would mislead whoever uses it.
func ParseReportQuery(q url.Values) (ReportFilter, error) {
	var f ReportFilter
	for _, key := range slices.Sorted(maps.Keys(q)) {
		field, ok := reportQueryKeys[key]
		if !ok {
			return f, Errorf(EINVALID, "%s: not a report filter; use %s", key, strings.Join(slices.Sorted(maps.Keys(reportQueryKeys)), ", "))
		}
		if len(q[key]) != 1 {
			return f, Errorf(EINVALID, "%s: given %d times", key, len(q[key]))
		}
		if err := CheckControl(key, q[key][0]); err != nil {
			return f, err
		}
		*field(&f) = q[key][0]
	}
	if f.View != "" && !slices.Contains(ReportViews, f.View) {
		return f, Errorf(EINVALID, "view: %q is not one of %s", f.View, strings.Join(ReportViews, ", "))
	}
	if f.Source != "" && !slices.Contains(sources, f.Source) {
		return f, Errorf(EINVALID, "source: %q is not one of %s", f.Source, strings.Join(sources, ", "))
	}
	if f.Rating != "" && !slices.Contains(ratings, strings.ToLower(f.Rating)) {
		return f, Errorf(EINVALID, "severity: %q is not one of %s", f.Rating, strings.Join(ratings, ", "))
	}
	return f, nil
}

// ParseSavedReportQuery reads a saved filter's query with the parameters
// of over on top of it, each replacing the saved one of its name.
func ParseSavedReportQuery(saved string, over url.Values) (ReportFilter, error) {
	sel, err := url.ParseQuery(saved)
	if err != nil {
		// Saved queries are checked when saved: this one is corrupt.
		return ReportFilter{}, fmt.Errorf("saved filter query %q: %w", saved, err)
	}
	for key, values := range over {
		sel[key] = values
	}
	return ParseReportQuery(sel)
}

// ReportViews are the runbook's named queues. stale-critical, -high and
// -medium are open reports of that rating last updated over 2 days, 7 days
// and one calendar month ago. bounty-triage is the runbook's HackerOne
// triage query: reports from the team's HackerOne programme with no
// bounty awarded, resolved ones included, but not those that earn none
// (invalid, duplicate, spam).
var ReportViews = []string{"triage", "needs-info", "stale-critical", "stale-high", "stale-medium",
	"needs-disclosure", "pending-disclosure", "mine", "bounty-triage"}

// ReportService stores reports and their timelines.
type ReportService interface {
	// CreateReport normalises r and stores it in state new with its first
	// timeline event. A report from the same source with the same external
	// id is the same report: CreateReport then fills r with the stored one
	// and returns false.
	CreateReport(ctx context.Context, r *Report) (created bool, err error)
	// FindReportByID returns ENOTFOUND when no report has the ID.
	FindReportByID(ctx context.Context, id int64) (*Report, error)
	FindReports(ctx context.Context, f ReportFilter) ([]*Report, error)
	// FindTimeline returns a report's events, oldest first.
	FindTimeline(ctx context.Context, report int64) ([]*TimelineEvent, error)
	// UpdateReport stores r as an action left it, with the action's event
	// and a notification for each of the event's Notify, in one
	// transaction. A report changed since version is ECONFLICT.
	UpdateReport(ctx context.Context, r *Report, version int64, ev *TimelineEvent) error
	// IssueReporterKey makes a new secret for the report's private reporter
	// link and returns it; the link issued before stops working. Only a
	// hash of the secret is kept.
	IssueReporterKey(ctx context.Context, id int64) (string, error)
	// FindReportByReporterKey returns the report whose reporter link holds
	// the secret, or ENOTFOUND.
	FindReportByReporterKey(ctx context.Context, secret string) (*Report, error)
	// SimilarReports returns other reports that may be about the same
	// problem, likeliest first: at most limit (5 when 0 or less, never more
	// than 20), never spam, never the report itself. It does not check who
	// may see the report; ENOTFOUND when no report has the ID.
	SimilarReports(ctx context.Context, id int64, limit int) ([]SimilarReport, error)
	// SimilarReportsTo is SimilarReports for a report not yet filed (its
	// ID is ignored), such as what an inbox thread would become.
	SimilarReportsTo(ctx context.Context, probe *Report, limit int) ([]SimilarReport, error)
}

// Notification tells a member of a timeline event. It is an outbox row:
// written with the event, so that none is lost, and delivered later.
type Notification struct {
	ID        int64     `json:"id"`
	Member    string    `json:"member"`
	Report    int64     `json:"report"`
	Event     int64     `json:"event"`
	Kind      string    `json:"kind"` // the event's action, such as answer
	CreatedAt time.Time `json:"created_at"`
	ReadAt    time.Time `json:"read_at,omitzero"`
}

// NotificationFilter selects a member's notifications, newest first, with
// the same cursor as other lists.
type NotificationFilter struct {
	Member string
	Unread bool
	Before int64
	Limit  int
}

// NotificationService reads and acknowledges notifications.
type NotificationService interface {
	FindNotifications(ctx context.Context, f NotificationFilter) ([]*Notification, error)
	// MarkNotificationRead marks the member's notification read; another
	// member's, or an unknown one, is ENOTFOUND.
	MarkNotificationRead(ctx context.Context, member string, id int64) (*Notification, error)
}

// SavedFilter is a report list the team saved under a name: the query
// string of GET /api/v1/reports, such as view=triage&severity=critical.
type SavedFilter struct {
	Name      string    `json:"name"`
	Query     string    `json:"query"`
	Owner     string    `json:"owner"` // who saved it first: the actor, such as member:ana@example.org
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// SavedFilterService stores the team's saved filters; names are unique.
type SavedFilterService interface {
	// SaveFilter creates the filter or replaces the one of the same name,
	// if MayChangeFilter allows the context's actor; it reports whether it
	// created one.
	SaveFilter(ctx context.Context, f *SavedFilter) (created bool, err error)
	FindFilters(ctx context.Context) ([]*SavedFilter, error)
	// FindFilterByName returns ENOTFOUND when no filter has the name.
	FindFilterByName(ctx context.Context, name string) (*SavedFilter, error)
	// DeleteFilter deletes the filter if MayChangeFilter allows the
	// context's actor; ENOTFOUND when no filter has the name.
	DeleteFilter(ctx context.Context, name string) error
}

// MayChangeFilter refuses, as EFORBIDDEN, to let anyone but a saved
// filter's owner or an admin replace or delete it: the team may rely on a
// queue, and it must not change under them by someone else's hand.
func MayChangeFilter(a Actor, f *SavedFilter) error {
	if f.Owner != a.String() && !a.Role.AtLeast(RoleAdmin) {
		return Errorf(EFORBIDDEN, "the filter %s is %s's; only they or an admin may change it", f.Name, f.Owner)
	}
	return nil
}

// SimilarReport is a duplicate hint: another report, how likely it is about
// the same problem, and why it is thought so.
type SimilarReport struct {
	Report  *Report  `json:"report"`
	Score   float64  `json:"score"`   // from 0 to 1, two decimals; higher is likelier
	Reasons []string `json:"reasons"` // such as "same reporter", "shared CVE-2026-1234", "similar text"
}

// CheckControl refuses control characters other than tab, newline and
// carriage return, naming the field: NUL breaks PostgreSQL's text, and
// escape sequences would reach the terminals of people reading reports.
func CheckControl(field, text string) error {
	for _, c := range text {
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f || (c >= 0x80 && c < 0xa0) {
			return Errorf(EINVALID, "%s: holds the control character U+%04X", field, c)
		}
	}
	return nil
}
