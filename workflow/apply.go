package workflow

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/wardsec/ward"
)

// Apply takes the request's action on the report and returns the changed
// report and the action's timeline event. On error it returns r as it was
// and a *ward.Error: EFORBIDDEN when the actor may not take the action,
// ECONFLICT when the report's state does not allow it (the message names
// the state and the actions Allowed for the actor), EINVALID naming the
// first bad argument. A report in an unknown state, or in
// disclosure_requested with no Disclosure, is an internal error. Apply
// never changes r or anything it points to.
func Apply(r Report, req Request) (Report, Event, error) {
	if _, ok := rules[req.Action]; !ok {
		return r, Event{}, ward.Errorf(ward.EINVALID, "action: %q is not an action", req.Action)
	}
	if !r.State.Valid() {
		return r, Event{}, fmt.Errorf("workflow: report %d is in an unknown state %q", r.ID, r.State)
	}
	if r.State == StateDisclosureRequested && r.Disclosure == nil {
		return r, Event{}, fmt.Errorf("workflow: report %d is disclosure_requested with no disclosure", r.ID)
	}
	if f := check(r, req.Actor, req.Action); f != nil {
		if f.code == ward.ECONFLICT {
			return r, Event{}, conflict(r, req.Actor, f.msg)
		}
		return r, Event{}, ward.Errorf(f.code, "%s", f.msg)
	}
	if req.At.IsZero() {
		return r, Event{}, ward.Errorf(ward.EINVALID, "at: the time of the action is required")
	}
	next := r.clone()
	ev := Event{Action: req.Action, Actor: req.Actor, At: req.At, From: r.State}
	if err := apply(&next, &ev, req); err != nil {
		return r, Event{}, err
	}
	if e := rules[req.Action][r.State]; e.next != nil {
		next.State = e.next(r)
	}
	ev.To = next.State
	return next, ev, nil
}

// apply checks the request's arguments and changes n, a copy of the
// report, and ev.
func apply(n *Report, ev *Event, req Request) error {
	a := req.Actor
	var required bool
	switch req.Action {
	case ActionComment, ActionAnswer, ActionRequestInfo, ActionResolve:
		required = true
	}
	if err := takeComment(ev, req, required); err != nil {
		return err
	}
	switch req.Action {
	case ActionRequestInfo, ActionAnswer, ActionMarkInvalid, ActionMarkSpam, ActionResolve, ActionComment,
		ActionAgreeDisclosure, ActionObjectDisclosure:
		// Nothing besides the comment, the answer below, and the state.
	case ActionPing:
		// A reminder is the team's business: the reporter need not see
		// that their report went stale.
		if ev.Visibility != VisibilityTeam {
			return ward.Errorf(ward.EINVALID, "visibility: a ping is team-only")
		}
	case ActionMarkDuplicate:
		switch {
		case req.Of <= 0:
			return ward.Errorf(ward.EINVALID, "of: the ID of the original report is required")
		case req.Of == n.ID:
			return ward.Errorf(ward.EINVALID, "of: a report cannot be a duplicate of itself")
		}
		ev.change("duplicate_of", id(n.DuplicateOf), id(req.Of))
		n.DuplicateOf = req.Of
	case ActionTriage:
		sev := n.Severity
		if req.Severity != (Severity{}) {
			var err error
			if sev, err = parseSeverity(req.Severity); err != nil {
				return err
			}
		}
		if sev.Rating == "" {
			return ward.Errorf(ward.EINVALID, "severity.rating: triage needs a rating (None, Low, Medium, High or Critical), set before or given now")
		}
		tier := n.Tier
		if req.Tier != "" {
			var err error
			if tier, err = parseTier(req.Tier); err != nil {
				return err
			}
		}
		if tier == "" {
			return ward.Errorf(ward.EINVALID, "tier: triage needs a tier")
		}
		setSeverity(n, ev, sev, tier)
	case ActionSetSeverity:
		sev, err := parseSeverity(req.Severity)
		if err != nil {
			return err
		}
		tier := n.Tier
		if req.Tier != "" {
			if tier, err = parseTier(req.Tier); err != nil {
				return err
			}
		}
		setSeverity(n, ev, sev, tier)
	case ActionTrack:
		u, err := url.Parse(strings.TrimSpace(req.URL))
		if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
			return ward.Errorf(ward.EINVALID, "url: %q is not an https URL of the tracking issue", req.URL)
		}
		ev.change("tracking_url", n.TrackingURL, u.String())
		n.TrackingURL = u.String()
		addLabel(n, ev, LabelTracked)
		if n.FixStatus == "" {
			ev.change("fix_status", "", string(FixPlanning))
			n.FixStatus = FixPlanning
		}
	case ActionUpdateTracking:
		if err := updateTracking(n, ev, req); err != nil {
			return err
		}
	case ActionRequestDisclosure:
		d, err := disclosureRequest(req)
		if err != nil {
			return err
		}
		ev.change("disclosure", n.Disclosure.String(), d.String())
		n.Disclosure = d
	case ActionDisclose:
		if err := mayDisclose(n.Disclosure, req); err != nil {
			return err
		}
		before := n.Disclosure.String()
		n.Disclosure.DisclosedAt = req.At
		n.Disclosure.Reason = strings.TrimSpace(req.Reason)
		ev.change("disclosure", before, n.Disclosure.String())
	case ActionDoNotDisclose:
		j := strings.TrimSpace(req.Justification)
		if j == "" {
			return ward.Errorf(ward.EINVALID, "justification: why the report is not to be disclosed is required")
		}
		before := n.Disclosure.String()
		if n.Disclosure == nil {
			n.Disclosure = &Disclosure{}
		}
		n.Disclosure.Justification = j
		ev.change("disclosure", before, n.Disclosure.String())
	case ActionReopen:
		switch n.State {
		case StateDuplicate:
			ev.change("duplicate_of", id(n.DuplicateOf), "")
			n.DuplicateOf = 0
		case StateDoNotDisclose:
			ev.change("disclosure", n.Disclosure.String(), "")
			n.Disclosure = nil
		}
	case ActionAssign, ActionSetCommander:
		m, err := member(req.Member)
		if err != nil {
			return err
		}
		if req.Action == ActionAssign {
			ev.change("assignee", n.Assignee, m)
			n.Assignee = m
		} else {
			ev.change("commander", n.Commander, m)
			n.Commander = m
		}
	case ActionProposeBounty:
		b, err := proposal(n, req)
		if err != nil {
			return err
		}
		ev.change("bounty", n.Bounty.String(), b.String())
		n.Bounty = b
	case ActionApproveBounty:
		before := n.Bounty.String()
		n.Bounty.ApprovedBy, n.Bounty.ApprovedAt = a.Email, req.At
		ev.change("bounty", before, n.Bounty.String())
	case ActionLabel:
		l := strings.TrimSpace(req.Label)
		switch {
		case l == "":
			return ward.Errorf(ward.EINVALID, "label: must not be empty")
		case len(l) > 100:
			return ward.Errorf(ward.EINVALID, "label: longer than 100 bytes")
		case strings.IndexFunc(l, unicode.IsControl) >= 0:
			return ward.Errorf(ward.EINVALID, "label: %q holds a control character", l)
		case req.RemoveLabel && l == LabelTracked && n.TrackingURL != "":
			return ward.Errorf(ward.EINVALID, "label: %s stays while the report has a tracking issue", LabelTracked)
		case req.RemoveLabel:
			removeLabel(n, ev, l)
		default:
			addLabel(n, ev, l)
		}
	default:
		return fmt.Errorf("workflow: no rule applies %q", req.Action)
	}
	switch req.Action {
	case ActionAgreeDisclosure, ActionObjectDisclosure:
		before := n.Disclosure.String()
		n.Disclosure.Answer, n.Disclosure.AnsweredAt = AnswerAgreed, req.At
		if req.Action == ActionObjectDisclosure {
			n.Disclosure.Answer = AnswerObjected
		}
		ev.change("disclosure", before, n.Disclosure.String())
	}
	return nil
}

// takeComment checks the request's comment and its visibility and puts
// them on the event.
func takeComment(ev *Event, req Request, required bool) error {
	vis := req.Visibility
	switch {
	case vis == "" && req.Actor.Reporter:
		vis = VisibilityReporter
	case vis == "":
		vis = VisibilityTeam
	case vis != VisibilityTeam && vis != VisibilityReporter:
		return ward.Errorf(ward.EINVALID, "visibility: %q is not team or reporter", req.Visibility)
	case vis == VisibilityTeam && req.Actor.Reporter:
		return ward.Errorf(ward.EINVALID, "visibility: the reporter's comments are visible to the reporter")
	}
	// The event is visible as asked even without a comment: the reporter's
	// agreement to disclosure is theirs to see whether or not they said
	// anything with it.
	ev.Visibility = vis
	if strings.TrimSpace(req.Comment) == "" {
		if required {
			return ward.Errorf(ward.EINVALID, "comment: %s needs a comment", req.Action)
		}
		return nil
	}
	ev.Comment = req.Comment
	return nil
}

// cveID is CVE's id syntax: the year, then four or more digits.
var cveID = regexp.MustCompile(`^CVE-\d{4}-\d{4,}$`)

// updateTracking sets the tracking issue's fields that the request gives.
func updateTracking(n *Report, ev *Event, req Request) error {
	if req.CVE == nil && req.Attribution == nil && req.FixStatus == "" {
		return ward.Errorf(ward.EINVALID, "action: update_tracking needs cve_id, attribution or fix_status")
	}
	if req.CVE != nil {
		c := strings.ToUpper(strings.TrimSpace(*req.CVE))
		if c != "" && !cveID.MatchString(c) {
			return ward.Errorf(ward.EINVALID, "cve_id: %q is not a CVE id such as CVE-2026-1234", *req.CVE)
		}
		ev.change("cve_id", n.CVE, c)
		n.CVE = c
	}
	if req.Attribution != nil {
		a := strings.TrimSpace(*req.Attribution)
		if len(a) > 200 {
			return ward.Errorf(ward.EINVALID, "attribution: longer than 200 bytes")
		}
		if err := ward.CheckControl("attribution", a); err != nil {
			return err
		}
		ev.change("attribution", n.Attribution, a)
		n.Attribution = a
	}
	if req.FixStatus != "" {
		if err := moveFixStatus(n.FixStatus, ev, req); err != nil {
			return err
		}
		ev.change("fix_status", string(n.FixStatus), string(req.FixStatus))
		n.FixStatus = req.FixStatus
	}
	return nil
}

// moveFixStatus checks a move of the fix status: forward, skipping steps if
// need be, or back by an admin who says why. A fix moved back is rare and
// may mean a release was pulled, so the reason goes on the event's comment,
// which it makes team-only: it may name what is still under embargo. A
// move back is refused as EINVALID, not EFORBIDDEN, as an early disclose
// is: the same actor may move the status forward, so update_tracking stays
// Allowed.
func moveFixStatus(from FixStatus, ev *Event, req Request) error {
	to := slices.Index(fixStatuses, req.FixStatus)
	if to < 0 {
		return ward.Errorf(ward.EINVALID, "fix_status: %q is not one of planning, development, embargo, released, published", req.FixStatus)
	}
	if to >= slices.Index(fixStatuses, from) {
		return nil
	}
	const order = "the fix status moves forward only, planning → development → embargo → released → published"
	reason := strings.TrimSpace(req.Reason)
	switch {
	case req.Actor.Role != admin:
		return ward.Errorf(ward.EINVALID, "fix_status: %s; only an admin, giving a reason, may move it back from %s to %s", order, from, req.FixStatus)
	case reason == "":
		return ward.Errorf(ward.EINVALID, "reason: %s; give a reason to move it back from %s to %s", order, from, req.FixStatus)
	case ev.Visibility == VisibilityReporter:
		return ward.Errorf(ward.EINVALID, "visibility: the reason for moving the fix status back is team-only; send the reporter's comment on its own")
	}
	note := "Moved the fix status back: " + reason
	if ev.Comment != "" {
		note = ev.Comment + "\n\n" + note
	}
	ev.Comment, ev.Visibility = note, VisibilityTeam
	return nil
}

func parseSeverity(s Severity) (Severity, error) {
	if s.Rating == "" {
		return Severity{}, ward.Errorf(ward.EINVALID, "severity.rating: required (None, Low, Medium, High or Critical)")
	}
	r, err := ParseRating(string(s.Rating))
	if err != nil {
		return Severity{}, err
	}
	v := strings.TrimSpace(s.Vector)
	if v != "" && (!strings.HasPrefix(v, "CVSS:") || strings.ContainsFunc(v, unicode.IsSpace) || len(v) > 255) {
		return Severity{}, ward.Errorf(ward.EINVALID, "severity.vector: %q is not a CVSS vector such as CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", s.Vector)
	}
	return Severity{Rating: r, Vector: v}, nil
}

func parseTier(s string) (string, error) {
	t := strings.TrimSpace(s)
	if t == "" || len(t) > 100 || strings.IndexFunc(t, unicode.IsControl) >= 0 {
		return "", ward.Errorf(ward.EINVALID, "tier: %q is not a tier name", s)
	}
	return t, nil
}

func setSeverity(n *Report, ev *Event, sev Severity, tier string) {
	ev.change("severity", n.Severity.String(), sev.String())
	ev.change("tier", n.Tier, tier)
	n.Severity, n.Tier = sev, tier
}

func addLabel(n *Report, ev *Event, l string) {
	for _, have := range n.Labels {
		if have == l {
			return
		}
	}
	before := strings.Join(n.Labels, ", ")
	n.Labels = append(n.Labels, l)
	ev.change("labels", before, strings.Join(n.Labels, ", "))
}

func removeLabel(n *Report, ev *Event, l string) {
	before := strings.Join(n.Labels, ", ")
	var kept []string
	for _, have := range n.Labels {
		if have != l {
			kept = append(kept, have)
		}
	}
	n.Labels = kept
	ev.change("labels", before, strings.Join(n.Labels, ", "))
}

func member(email string) (string, error) {
	if strings.TrimSpace(email) == "" {
		return "", nil
	}
	m, err := ward.NormalizeEmail(email)
	if err != nil {
		return "", ward.Errorf(ward.EINVALID, "member: %q is not a plain address such as ana@example.org", email)
	}
	return m, nil
}

func id(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

func disclosureRequest(req Request) (*Disclosure, error) {
	d := &Disclosure{Kind: req.Kind, RequestedAt: req.At}
	for i, p := range req.Redactions {
		if strings.TrimSpace(p) == "" {
			return nil, ward.Errorf(ward.EINVALID, "redactions: passage %d is empty", i+1)
		}
		d.Redactions = append(d.Redactions, p)
	}
	switch {
	case req.Kind != DisclosureFull && req.Kind != DisclosureRedacted:
		return nil, ward.Errorf(ward.EINVALID, "kind: %q is not full or redacted", req.Kind)
	case req.Kind == DisclosureRedacted && len(d.Redactions) == 0:
		return nil, ward.Errorf(ward.EINVALID, "redactions: a redacted disclosure needs the passages to redact")
	case req.Kind == DisclosureFull && len(d.Redactions) > 0:
		return nil, ward.Errorf(ward.EINVALID, "redactions: a full disclosure has none; ask for kind redacted")
	}
	return d, nil
}

// mayDisclose checks the reporter's answer and month. That a responder may
// not disclose over an objection is check's: no time or reason changes it.
func mayDisclose(d *Disclosure, req Request) error {
	if d.Disclosable(req.At) {
		return nil
	}
	reason := strings.TrimSpace(req.Reason)
	switch {
	case req.Actor.Role == admin && reason != "":
		return nil
	case req.Actor.Role == admin && d.Answer == AnswerObjected:
		return ward.Errorf(ward.EINVALID, "reason: the reporter objected; give a reason to disclose over the objection")
	case req.Actor.Role == admin:
		return ward.Errorf(ward.EINVALID, "reason: the reporter has until %s to answer; give a reason to disclose before then", d.Deadline().Format("2006-01-02 15:04 UTC"))
	default:
		return ward.Errorf(ward.EINVALID, "at: the reporter has until %s to answer; until then only an admin, giving a reason, may disclose", d.Deadline().Format("2006-01-02 15:04 UTC"))
	}
}

func proposal(n *Report, req Request) (*Bounty, error) {
	m := Money{Amount: req.Amount, Currency: req.Currency}
	if m.Amount <= 0 {
		return nil, ward.Errorf(ward.EINVALID, "amount: must be a positive number of minor units, such as 50000 for 500.00 USD")
	}
	if !currency(m.Currency) {
		return nil, ward.Errorf(ward.EINVALID, "currency: %q is not three upper-case letters such as USD", m.Currency)
	}
	reason := strings.TrimSpace(req.Reason)
	if reason == "" {
		want, ok := req.Table[n.Severity.Rating]
		switch {
		case !ok:
			return nil, ward.Errorf(ward.EINVALID, "amount: tier %q has no bounty for a %s rating; give a reason for %s", n.Tier, ratingOrNone(n.Severity.Rating), m)
		case want != m:
			return nil, ward.Errorf(ward.EINVALID, "amount: tier %q pays %s for %s; give a reason for %s", n.Tier, want, n.Severity.Rating, m)
		}
	}
	return &Bounty{Amount: m.Amount, Currency: m.Currency, Reason: reason, ProposedBy: req.Actor.Email, ProposedAt: req.At}, nil
}

func ratingOrNone(r Rating) string {
	if r == "" {
		return "missing"
	}
	return string(r)
}

func currency(c string) bool {
	if len(c) != 3 {
		return false
	}
	for _, r := range c {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}
