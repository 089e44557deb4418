package workflow

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wardsec/ward"
)

// State is where a report is in its life.
type State string

// States, in the order of a report's life.
const (
	StateNew                 State = "new"
	StateNeedsInfo           State = "needs_info"
	StateInvalid             State = "invalid"
	StateDuplicate           State = "duplicate"
	StateSpam                State = "spam" // hidden from everyone but admins
	StateTriaged             State = "triaged"
	StateTracked             State = "tracked"
	StateResolved            State = "resolved"
	StateDisclosureRequested State = "disclosure_requested"
	StateDisclosed           State = "disclosed"
	StateDoNotDisclose       State = "do_not_disclose"
)

var states = []State{StateNew, StateNeedsInfo, StateInvalid, StateDuplicate, StateSpam, StateTriaged,
	StateTracked, StateResolved, StateDisclosureRequested, StateDisclosed, StateDoNotDisclose}

// States returns every state, in the order of a report's life.
func States() []State { return slices.Clone(states) }

// Valid reports whether s is one of the states.
func (s State) Valid() bool { return slices.Contains(states, s) }

// Action is one thing done to a report: one call to Apply.
type Action string

// Actions, in the order that Allowed lists them.
const (
	ActionRequestInfo       Action = "request_info"
	ActionAnswer            Action = "answer" // the reply to request_info
	ActionMarkInvalid       Action = "mark_invalid"
	ActionMarkDuplicate     Action = "mark_duplicate"
	ActionMarkSpam          Action = "mark_spam"
	ActionTriage            Action = "triage"
	ActionTrack             Action = "track"
	ActionResolve           Action = "resolve"
	ActionRequestDisclosure Action = "request_disclosure"
	ActionAgreeDisclosure   Action = "agree_disclosure"  // the reporter's
	ActionObjectDisclosure  Action = "object_disclosure" // the reporter's
	ActionDisclose          Action = "disclose"
	ActionDoNotDisclose     Action = "do_not_disclose"
	ActionReopen            Action = "reopen"
	ActionAssign            Action = "assign"
	ActionSetCommander      Action = "set_commander"
	ActionComment           Action = "comment"
	ActionSetSeverity       Action = "set_severity"
	ActionProposeBounty     Action = "propose_bounty"
	ActionApproveBounty     Action = "approve_bounty"
	ActionLabel             Action = "label"
	ActionUpdateTracking    Action = "update_tracking"
	// ActionPing reminds a triaged or tracked report's commander of it:
	// a team-only event that changes nothing, and a notification.
	ActionPing Action = "ping"
)

var actions = []Action{ActionRequestInfo, ActionAnswer, ActionMarkInvalid, ActionMarkDuplicate, ActionMarkSpam,
	ActionTriage, ActionTrack, ActionResolve, ActionRequestDisclosure, ActionAgreeDisclosure,
	ActionObjectDisclosure, ActionDisclose, ActionDoNotDisclose, ActionReopen, ActionAssign,
	ActionSetCommander, ActionComment, ActionSetSeverity, ActionProposeBounty, ActionApproveBounty, ActionLabel,
	ActionUpdateTracking, ActionPing}

// Actions returns every action, in the order that Allowed lists them.
func Actions() []Action { return slices.Clone(actions) }

// Rating is the qualitative severity of a report, from its CVSS score.
type Rating string

// Ratings, from least to most severe.
const (
	RatingNone     Rating = "None"
	RatingLow      Rating = "Low"
	RatingMedium   Rating = "Medium"
	RatingHigh     Rating = "High"
	RatingCritical Rating = "Critical"
)

var ratings = []Rating{RatingNone, RatingLow, RatingMedium, RatingHigh, RatingCritical}

// ParseRating returns the rating named s, in any case, or an EINVALID error.
func ParseRating(s string) (Rating, error) {
	for _, r := range ratings {
		if strings.EqualFold(s, string(r)) {
			return r, nil
		}
	}
	return "", ward.Errorf(ward.EINVALID, "severity.rating: %q is not one of None, Low, Medium, High, Critical", s)
}

// Severity is a report's rating and the CVSS vector it was computed from.
// Computing the rating from the vector is the caller's job.
type Severity struct {
	Rating Rating // "" until set
	Vector string // such as CVSS:3.1/AV:N/AC:L/...; may be empty
}

func (s Severity) String() string {
	if s.Vector == "" {
		return string(s.Rating)
	}
	return string(s.Rating) + " " + s.Vector
}

// Money is an amount in minor units (cents for USD) of a currency.
type Money struct {
	Amount   int64
	Currency string // three upper-case letters, such as USD
}

func (m Money) String() string { return fmt.Sprintf("%d %s", m.Amount, m.Currency) }

// BountyTable is one tier's bounty for each rating.
type BountyTable map[Rating]Money

// Bounty is a proposed bounty, awarded once a second responder approves it.
type Bounty struct {
	Amount     int64  // minor units
	Currency   string // three upper-case letters
	Reason     string // why the amount differs from the tier's table; "" when it matches
	ProposedBy string // email
	ProposedAt time.Time
	ApprovedBy string // email; "" while the proposal is pending
	ApprovedAt time.Time
}

// Awarded reports whether the bounty has been approved.
func (b *Bounty) Awarded() bool { return b != nil && b.ApprovedBy != "" }

func (b *Bounty) String() string {
	switch {
	case b == nil:
		return ""
	case b.Awarded():
		return fmt.Sprintf("%d %s awarded", b.Amount, b.Currency)
	default:
		return fmt.Sprintf("%d %s proposed", b.Amount, b.Currency)
	}
}

// FixStatus is how far the fix of a tracked report has come, as the
// team's tracking-issue template has it.
type FixStatus string

// Fix statuses, in the only order a fix moves through them.
const (
	FixPlanning    FixStatus = "planning"
	FixDevelopment FixStatus = "development"
	FixEmbargo     FixStatus = "embargo" // fixed, held back until the agreed date
	FixReleased    FixStatus = "released"
	FixPublished   FixStatus = "published" // the advisory is out
)

var fixStatuses = []FixStatus{FixPlanning, FixDevelopment, FixEmbargo, FixReleased, FixPublished}

// DisclosureKind is what a disclosure request asks to publish.
type DisclosureKind string

// Kinds of disclosure.
const (
	DisclosureFull     DisclosureKind = "full"     // everything but team-only comments
	DisclosureRedacted DisclosureKind = "redacted" // less the passages in Redactions
)

// Reporter's answers to a disclosure request.
const (
	AnswerAgreed   = "agreed"
	AnswerObjected = "objected"
)

// Disclosure is a report's disclosure request and what became of it, or the
// decision not to disclose.
type Disclosure struct {
	Kind          DisclosureKind // "" when not disclosing was decided without a request
	Redactions    []string       // the passages to redact, for DisclosureRedacted
	RequestedAt   time.Time
	Answer        string // the reporter's: "", AnswerAgreed or AnswerObjected
	AnsweredAt    time.Time
	DisclosedAt   time.Time
	Reason        string // given with disclose; required of an admin disclosing without the reporter's agreement
	Justification string // why the report is not to be disclosed (do_not_disclose)
}

// Deadline returns the end of the reporter's month to answer the request.
func (d *Disclosure) Deadline() time.Time { return Deadline(d.RequestedAt) }

// Disclosable reports whether the team may disclose at the instant without
// an admin's reason: the reporter agreed, or has not answered and the month
// is over.
func (d *Disclosure) Disclosable(at time.Time) bool {
	if d == nil || d.Kind == "" || d.Justification != "" || !d.DisclosedAt.IsZero() {
		return false
	}
	return d.Answer == AnswerAgreed || d.Answer == "" && !at.Before(d.Deadline())
}

func (d *Disclosure) String() string {
	switch {
	case d == nil:
		return ""
	case d.Justification != "":
		return "not to be disclosed"
	case !d.DisclosedAt.IsZero():
		return string(d.Kind) + " disclosed"
	case d.Answer != "":
		return string(d.Kind) + " requested, reporter " + d.Answer
	default:
		return string(d.Kind) + " requested"
	}
}

// Deadline returns one calendar month after requested, on the UTC
// calendar, with the day clamped to the last of the next month: a request
// on January 31 ends on February 28 (29 in a leap year) at the same time of
// day, not on March 3 as time.AddDate would have it.
func Deadline(requested time.Time) time.Time {
	t := requested.UTC()
	y, m, d := t.Date()
	if last := time.Date(y, m+2, 0, 0, 0, 0, 0, time.UTC).Day(); d > last {
		d = last
	}
	return time.Date(y, m+1, d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// Report is what the rules need of a report.
type Report struct {
	ID          int64
	State       State
	Severity    Severity
	Tier        string
	Bounty      *Bounty     // nil until one is proposed
	Disclosure  *Disclosure // nil until disclosure is requested or refused
	Assignee    string      // email, or ""
	Commander   string      // the incident commander's email, or ""
	Labels      []string
	DuplicateOf int64  // the original, for StateDuplicate
	TrackingURL string // the tracking issue, once tracked

	// The tracking issue's template fields; FixStatus is set from track on.
	CVE         string // such as CVE-2026-1234, upper-case; or ""
	Attribution string // how the reporter wants to be credited; or ""
	FixStatus   FixStatus
}

// LabelTracked is the label that track adds.
const LabelTracked = "Tracked"

func (r Report) clone() Report {
	r.Labels = slices.Clone(r.Labels)
	if r.Bounty != nil {
		b := *r.Bounty
		r.Bounty = &b
	}
	if r.Disclosure != nil {
		d := *r.Disclosure
		d.Redactions = slices.Clone(d.Redactions)
		r.Disclosure = &d
	}
	return r
}

// Visible reports whether the actor may see the report: spam is hidden
// from everyone but admins. A service answers ENOTFOUND to the others.
func Visible(r Report, a Actor) bool {
	return r.State != StateSpam || (!a.Reporter && a.Role == ward.RoleAdmin)
}

// Actor is who takes an action: a team member, ward itself or the command
// line acting as an admin, or the report's reporter.
type Actor struct {
	Email    string    // the member's email; the reporter's address, if known
	Role     ward.Role // a team member's role; ignored for the reporter
	Reporter bool      // the reporter, through their link or by relayed email
}

// Visibility is who may read a comment.
type Visibility string

// Visibilities.
const (
	VisibilityTeam     Visibility = "team"     // the team only: the default for members
	VisibilityReporter Visibility = "reporter" // the team and the reporter: always for the reporter
)

// Request is one action with its arguments. Each action reads only the
// fields it needs.
type Request struct {
	Action Action
	Actor  Actor
	At     time.Time // when the action is taken; required

	// The comment that goes with the action: required for comment, answer
	// (the answer), request_info (the question) and resolve (the
	// resolution); optional on the others.
	Comment    string
	Visibility Visibility // of the comment; "" is team for members, reporter for the reporter

	Of            int64          // mark_duplicate: the original report
	Member        string         // assign, set_commander: an email, or "" to clear
	URL           string         // track: the tracking issue, https
	Kind          DisclosureKind // request_disclosure
	Redactions    []string       // request_disclosure of kind redacted
	Justification string         // do_not_disclose
	Reason        string         // propose_bounty off the table; an admin's disclose without agreement, or fix status moved back
	Amount        int64          // propose_bounty, minor units
	Currency      string         // propose_bounty
	Table         BountyTable    // propose_bounty: the table of the report's tier
	Label         string         // label
	RemoveLabel   bool           // label: remove rather than add
	Severity      Severity       // triage (unless already set), set_severity
	Tier          string         // triage (unless already set); set_severity, optional

	// update_tracking changes the fields given: nil leaves CVE or
	// Attribution as it is and "" clears it; FixStatus "" leaves it, since
	// a fix status is never cleared. Reason is needed of an admin moving
	// FixStatus back.
	CVE         *string
	Attribution *string
	FixStatus   FixStatus
}

// Event is the timeline entry of one action.
type Event struct {
	Action     Action
	Actor      Actor
	At         time.Time
	From, To   State
	Comment    string
	Visibility Visibility // of the comment; "" when there is none
	Changes    []Change   // the fields changed, other than the state
}

// Change is one field's change, each value written for people to read.
type Change struct {
	Field    string // severity, tier, bounty, disclosure, assignee, commander, labels, duplicate_of, tracking_url, cve_id, attribution, fix_status
	From, To string
}

func (e *Event) change(field, from, to string) {
	if from != to {
		e.Changes = append(e.Changes, Change{Field: field, From: from, To: to})
	}
}
