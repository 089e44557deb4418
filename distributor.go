package ward

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// States of a request to join the distributors list: the vendors and
// distributions told of fixes before an embargo ends.
const (
	DistributorPending  = "pending"  // asked; the on-call responder of the week looks at it
	DistributorApproved = "approved" // on the list: its list address gets the early notices
	DistributorDeclined = "declined" // refused, with the reason; the organisation may ask again
	DistributorRemoved  = "removed"  // was on the list and is no longer, with the reason
)

// DistributorStates lists the states in the order the desk shows them.
var DistributorStates = []string{DistributorPending, DistributorApproved, DistributorDeclined, DistributorRemoved}

// Decisions on a distributor request.
const (
	DistributorApprove = "approve"
	DistributorDecline = "decline"
	DistributorRemove  = "remove"
)

// DistributorAnswers are a request's answers to the list's membership
// criteria, as the Kubernetes Security Response Committee's distributors
// application asks them. Each text answer is the applicant's evidence, in
// their words; the two agreements must be given to ask at all. The first
// criterion, an actively monitored security alias, is the request's
// ListAddress.
type DistributorAnswers struct {
	// An actively maintained distribution of the project, or a service
	// built on it that says so: what it is and where it is offered.
	Distribution string `json:"distribution"`
	// Users beyond the applicant's own organisation.
	UserBase string `json:"user_base"`
	// A publicly verifiable track record, up to now, of fixing security
	// issues: links to advisories or errata.
	TrackRecord string `json:"track_record"`
	// Why it is not a downstream or rebuild of another distribution.
	NotDownstream string `json:"not_downstream"`
	// How the organisation takes part in and contributes to the community.
	Contribution string `json:"contribution"`
	// A member of the list who vouches for the person asking.
	Voucher string `json:"voucher"`
	// The embargo policy: what the list says stays within the need-to-know
	// of the team fixing it until the agreed disclosure, and a leak is
	// told to the security team at once.
	AcceptsEmbargo bool `json:"accepts_embargo"`
	// Willing to contribute back: review and test proposed fixes, help
	// draft announcements and release notes.
	ContributesBack bool `json:"contributes_back"`
}

// DistributorRequest is an organisation's request to join the distributors
// list, its answers, and the team's decision.
type DistributorRequest struct {
	ID           int64  `json:"id"`
	Organisation string `json:"organisation"`
	ContactName  string `json:"contact_name"`
	ContactEmail string `json:"contact_email"` // lower-case; whom the team answers
	// ListAddress is the organisation's security alias, which is added to
	// the list when it is approved; it may differ from the contact's.
	ListAddress string             `json:"list_address"`
	Answers     DistributorAnswers `json:"answers"`
	State       string             `json:"state"`
	Reason      string             `json:"reason,omitempty"`     // why it was declined or removed; a note on an approval
	DecidedBy   string             `json:"decided_by,omitempty"` // the actor of the last decision, as the audit log names it
	DecidedAt   time.Time          `json:"decided_at,omitzero"`
	ApprovedAt  time.Time          `json:"approved_at,omitzero"` // kept when it is removed later
	Version     int64              `json:"version"`              // counts changes; a decision made on an older one is refused
	CreatedAt   time.Time          `json:"created_at"`
	UpdatedAt   time.Time          `json:"updated_at"`
	// Duplicates are the other requests from the same contact email or
	// for the same organisation, newest first, at most
	// MaxDistributorDuplicates of them; MoreDuplicates counts the rest.
	// A repeat is stored, never refused, so that no one can block an
	// organisation's request by sending one first in its name; the team
	// sees the others here instead. FindDistributorRequestByID,
	// FindDistributorRequests and DecideDistributorRequest fill them;
	// creating and the list for the mail system do not.
	Duplicates     []DistributorDuplicate `json:"duplicates,omitempty"`
	MoreDuplicates int                    `json:"more_duplicates,omitempty"`
}

// MaxDistributorDuplicates is how many of a request's duplicates are
// listed with it; a flood of them is counted, not listed.
const MaxDistributorDuplicates = 20

// DistributorDuplicate is another request that a request shares its
// contact email or its organisation with (compared without regard to
// case and spacing), and which of the two it shares.
type DistributorDuplicate struct {
	ID               int64  `json:"id"`
	State            string `json:"state"`
	SameContact      bool   `json:"same_contact"`
	SameOrganisation bool   `json:"same_organisation"`
}

// Limits on what a distributor request may hold, in characters (runes),
// as the form's maxlength counts them, so that what a browser lets
// through the server takes.
const (
	maxDistributorName   = 200
	maxDistributorAnswer = 4096
)

// Normalize checks a new request and trims it, returning an EINVALID error
// that names the first bad field. The answers are kept as written
// otherwise: they are escaped when shown.
func (r *DistributorRequest) Normalize() error {
	r.Organisation = strings.TrimSpace(r.Organisation)
	r.ContactName = strings.TrimSpace(r.ContactName)
	a := &r.Answers
	texts := []struct {
		name    string
		value   *string
		max     int
		oneLine bool
	}{
		{"organisation", &r.Organisation, maxDistributorName, true},
		{"contact_name", &r.ContactName, maxDistributorName, true},
		{"answers.distribution", &a.Distribution, maxDistributorAnswer, false},
		{"answers.user_base", &a.UserBase, maxDistributorAnswer, false},
		{"answers.track_record", &a.TrackRecord, maxDistributorAnswer, false},
		{"answers.not_downstream", &a.NotDownstream, maxDistributorAnswer, false},
		{"answers.contribution", &a.Contribution, maxDistributorAnswer, false},
		{"answers.voucher", &a.Voucher, maxDistributorAnswer, false},
	}
	for _, f := range texts {
		if err := checkText(f.name, *f.value, f.max); err != nil {
			return err
		}
		if f.oneLine {
			if err := checkOneLine(f.name, *f.value); err != nil {
				return err
			}
		}
		if strings.TrimSpace(*f.value) == "" {
			return Errorf(EINVALID, "%s: must not be empty", f.name)
		}
	}
	for _, f := range []struct {
		name  string
		value *string
	}{{"contact_email", &r.ContactEmail}, {"list_address", &r.ListAddress}} {
		email, err := NormalizeEmail(*f.value)
		if err != nil {
			return Errorf(EINVALID, "%s: %s", f.name, ErrorMessage(err))
		}
		*f.value = email
	}
	if !a.AcceptsEmbargo {
		return Errorf(EINVALID, "answers.accepts_embargo: the list is only for those who accept its embargo policy")
	}
	if !a.ContributesBack {
		return Errorf(EINVALID, "answers.contributes_back: members of the list review and test fixes; say you will")
	}
	return nil
}

// checkText refuses text that is not UTF-8, holds a control character
// other than tab and line breaks (answers are paragraphs) or is over max
// characters, naming the field.
func checkText(field, text string, max int) error {
	if !utf8.ValidString(text) {
		return Errorf(EINVALID, "%s: not valid UTF-8", field)
	}
	if err := CheckControl(field, text); err != nil {
		return err
	}
	if utf8.RuneCountInString(text) > max {
		return Errorf(EINVALID, "%s: longer than %d characters", field, max)
	}
	return nil
}

// checkOneLine refuses the tab and the line breaks that checkText lets
// through, in a field shown on one line: in the table of `ward
// distributors list` a "\r" or "\n" in a name would draw rows of its own
// and a tab would shift the columns. U+2028 and U+2029 are line breaks
// to some readers too.
func checkOneLine(field, text string) error {
	if strings.ContainsAny(text, "\t\r\n\u2028\u2029") {
		return Errorf(EINVALID, "%s: must be one line, without tabs or line breaks", field)
	}
	return nil
}

// DistributorDecision is what the team decides on a request.
type DistributorDecision struct {
	Action string // DistributorApprove, DistributorDecline or DistributorRemove
	Reason string // required to decline or remove; kept for the organisation's record
}

// distributorMoves maps each state to the actions allowed from it and the
// state each leads to. Declined and removed requests are done: the
// organisation asks again with a new request.
var distributorMoves = map[string]map[string]string{
	DistributorPending:  {DistributorApprove: DistributorApproved, DistributorDecline: DistributorDeclined},
	DistributorApproved: {DistributorRemove: DistributorRemoved},
}

// distributorAllowed says, for the refusal's message, what may be done
// with a request in each state.
var distributorAllowed = map[string]string{
	DistributorPending:  "a pending request can be approved or declined",
	DistributorApproved: "an approved one can only be removed from the list",
	DistributorDeclined: "a declined one is done; the organisation may send a new request",
	DistributorRemoved:  "a removed one is done; the organisation may send a new request to join again",
}

// Check refuses, as EINVALID, a decision that no request could take: an
// unknown action, or a reason that is not text, is too long, or is
// missing to decline or remove. It reads nothing of the request, so that
// it runs before the request's version and state are compared: what is
// wrong with the decision itself is said first, whatever the request.
func (d DistributorDecision) Check() error {
	actions := []string{DistributorApprove, DistributorDecline, DistributorRemove}
	if !slices.Contains(actions, d.Action) {
		return Errorf(EINVALID, "action: %q is not one of %s", d.Action, strings.Join(actions, ", "))
	}
	reason := strings.TrimSpace(d.Reason)
	if err := checkText("reason", reason, maxDistributorAnswer); err != nil {
		return err
	}
	if reason == "" && d.Action != DistributorApprove {
		return Errorf(EINVALID, "reason: say why, for the organisation and the record")
	}
	return nil
}

// Decide returns the request as the decision leaves it, made by the actor
// by at the instant at. A decision that Check refuses is EINVALID, whatever
// the request's state; then an action its state does not allow is
// ECONFLICT, saying what is allowed.
func (r DistributorRequest) Decide(d DistributorDecision, by string, at time.Time) (DistributorRequest, error) {
	if err := d.Check(); err != nil {
		return r, err
	}
	to, ok := distributorMoves[r.State][d.Action]
	if !ok {
		return r, Errorf(ECONFLICT, "cannot %s distributor request %d: it is %s, and %s", d.Action, r.ID, r.State, distributorAllowed[r.State])
	}
	r.State, r.Reason, r.DecidedBy, r.DecidedAt = to, strings.TrimSpace(d.Reason), by, at
	if to == DistributorApproved {
		r.ApprovedAt = at
	}
	return r, nil
}

// DistributorFilter selects distributor requests, newest first. Empty
// fields select all; Before is a cursor, as in other lists: only requests
// with a smaller ID.
type DistributorFilter struct {
	State  string    // one of DistributorStates, or ""
	Since  time.Time // only requests made at or after it; zero for all
	Before int64
	Limit  int // 50 when 0 or less, or over MaxDistributorLimit
}

// MaxDistributorLimit is the most requests one DistributorFilter lists.
const MaxDistributorLimit = 500

// DistributorService stores distributor requests. Every write is recorded
// in the audit log under the context's actor. Authorisation is the
// caller's job (ReadDistributors, DecideDistributors); asking to join
// needs none.
type DistributorService interface {
	// CreateDistributorRequest normalises r and stores it as pending,
	// setting its ID, version and times. A request like one already
	// pending is stored all the same: the contact email is unchecked, so
	// refusing a repeat would let anyone block an organisation by asking
	// first in its name. The reads show the repeats (Duplicates).
	CreateDistributorRequest(ctx context.Context, r *DistributorRequest) error
	// FindDistributorRequestByID returns the request with its Duplicates,
	// or ENOTFOUND when no request has the ID.
	FindDistributorRequestByID(ctx context.Context, id int64) (*DistributorRequest, error)
	// FindDistributorRequests returns the selected requests, each with its
	// Duplicates.
	FindDistributorRequests(ctx context.Context, f DistributorFilter) ([]*DistributorRequest, error)
	// FindDistributorList returns every approved request, by list address:
	// the list as the mail system should have it.
	FindDistributorList(ctx context.Context) ([]*DistributorRequest, error)
	// DecideDistributorRequest applies d (see DistributorRequest.Decide)
	// and returns the request after it, with its Duplicates. Checked in this order: d itself
	// (DistributorDecision.Check) and a negative version, EINVALID; the
	// ID, ENOTFOUND; a version other than 0 that the request has moved
	// past, ECONFLICT, so that a decision made on what someone else has
	// since changed is refused (0 decides on the current one); an action
	// the request's state does not allow, ECONFLICT; an approval of a
	// list address that an approved request already has, ECONFLICT.
	DecideDistributorRequest(ctx context.Context, id, version int64, d DistributorDecision) (*DistributorRequest, error)
	// CountDistributorRequestsSince counts the requests made at or after
	// since, whatever became of them.
	CountDistributorRequestsSince(ctx context.Context, since time.Time) (int, error)
}

// Formats of the distributors list's export.
const (
	DistributorListText = "txt" // one list address a line, sorted, each once
	DistributorListCSV  = "csv" // organisation,contact,address,approved_at
)

// ParseDistributorListFormat reads an export format; "" is txt.
func ParseDistributorListFormat(format string) (string, error) {
	switch format {
	case "", DistributorListText:
		return DistributorListText, nil
	case DistributorListCSV:
		return DistributorListCSV, nil
	}
	return "", Errorf(EINVALID, "format: %q is not txt or csv", format)
}

// WriteDistributorList writes the approved requests for the mail system:
// as text, each list address once a line, sorted; as CSV, a header and a
// row for each request, by list address, with its contact's email and
// when it was approved (RFC 3339, UTC). A CSV cell that begins with =, +,
// - or @ gets a leading ' so that a spreadsheet shows it rather than
// running it as a formula: organisations name themselves. Another format
// is EINVALID.
func WriteDistributorList(w io.Writer, format string, list []*DistributorRequest) error {
	sorted := slices.Clone(list)
	slices.SortStableFunc(sorted, func(a, b *DistributorRequest) int { return strings.Compare(a.ListAddress, b.ListAddress) })
	var err error
	switch format {
	case DistributorListText:
		err = writeDistributorText(w, sorted)
	case DistributorListCSV:
		err = writeDistributorCSV(w, sorted)
	default:
		return Errorf(EINVALID, "format: %q is not txt or csv", format)
	}
	if err != nil {
		return fmt.Errorf("write distributors list: %w", err)
	}
	return nil
}

// writeDistributorText writes each address of a sorted list once.
func writeDistributorText(w io.Writer, sorted []*DistributorRequest) error {
	var b strings.Builder
	for i, r := range sorted {
		if i == 0 || r.ListAddress != sorted[i-1].ListAddress {
			b.WriteString(r.ListAddress + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeDistributorCSV(w io.Writer, sorted []*DistributorRequest) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"organisation", "contact", "address", "approved_at"}) // errors stay in the writer until Flush
	for _, r := range sorted {
		_ = cw.Write([]string{inertCell(r.Organisation), inertCell(r.ContactEmail), inertCell(r.ListAddress),
			r.ApprovedAt.UTC().Format(time.RFC3339)})
	}
	cw.Flush()
	return cw.Error()
}

// inertCell keeps a spreadsheet from reading a cell as a formula.
func inertCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		return "'" + s
	}
	return s
}
