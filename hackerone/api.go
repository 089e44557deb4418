package hackerone

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Report is a HackerOne report as the API serves it, with the included
// relationships ward reads.
type Report struct {
	ID            string              `json:"id"`
	Type          string              `json:"type"`
	Attributes    ReportAttributes    `json:"attributes"`
	Relationships ReportRelationships `json:"relationships"`
}

// ReportAttributes are a report's own fields.
type ReportAttributes struct {
	Title                    string     `json:"title"`
	State                    string     `json:"state"`
	VulnerabilityInformation string     `json:"vulnerability_information"`
	CreatedAt                time.Time  `json:"created_at"`
	LastActivityAt           *time.Time `json:"last_activity_at"`
	BountyAwardedAt          *time.Time `json:"bounty_awarded_at"`
	DisclosedAt              *time.Time `json:"disclosed_at"`
}

// ReportRelationships are what the API includes with a report.
type ReportRelationships struct {
	Reporter    one[User]        `json:"reporter"`
	Weakness    one[Weakness]    `json:"weakness"`
	Severity    one[Severity]    `json:"severity"`
	Program     one[Program]     `json:"program"`
	Attachments many[Attachment] `json:"attachments"`
	Activities  many[Activity]   `json:"activities"`
	Bounties    many[Bounty]     `json:"bounties"`
}

type one[T any] struct {
	Data *T `json:"data"`
}

type many[T any] struct {
	Data []T `json:"data"`
}

// User is a HackerOne user: a reporter or an actor.
type User struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Attributes struct {
		Username string `json:"username"`
		Name     string `json:"name"`
		Handle   string `json:"handle"` // set instead of username when the actor is a programme
	} `json:"attributes"`
}

// Login is the user's username, or a programme's handle.
func (u *User) Login() string {
	if u == nil {
		return ""
	}
	if u.Attributes.Username != "" {
		return u.Attributes.Username
	}
	return u.Attributes.Handle
}

// Weakness is a report's weakness (CWE).
type Weakness struct {
	ID         string `json:"id"`
	Attributes struct {
		Name       string `json:"name"`
		ExternalID string `json:"external_id"` // such as cwe-79
	} `json:"attributes"`
}

// Severity is a report's severity: a rating and, when it was computed
// with HackerOne's calculator, CVSS 3 metrics.
type Severity struct {
	ID         string             `json:"id"`
	Attributes SeverityAttributes `json:"attributes"`
}

// SeverityAttributes are the fields of a severity; the metrics use
// HackerOne's words (network, low, required, changed…).
type SeverityAttributes struct {
	Rating             string   `json:"rating"`
	Score              *float64 `json:"score,omitempty"`
	AttackVector       string   `json:"attack_vector,omitempty"`
	AttackComplexity   string   `json:"attack_complexity,omitempty"`
	PrivilegesRequired string   `json:"privileges_required,omitempty"`
	UserInteraction    string   `json:"user_interaction,omitempty"`
	Scope              string   `json:"scope,omitempty"`
	Confidentiality    string   `json:"confidentiality,omitempty"`
	Integrity          string   `json:"integrity,omitempty"`
	Availability       string   `json:"availability,omitempty"`
}

// Program is a HackerOne programme.
type Program struct {
	ID         string `json:"id"`
	Attributes struct {
		Handle string `json:"handle"`
	} `json:"attributes"`
}

// Attachment is a file's metadata; ward never fetches the file.
type Attachment struct {
	ID         string `json:"id"`
	Attributes struct {
		FileName    string `json:"file_name"`
		ContentType string `json:"content_type"`
		FileSize    int64  `json:"file_size"`
		ExpiringURL string `json:"expiring_url"`
	} `json:"attributes"`
}

// Activity is one entry of a report's activity stream. Its type says what
// happened: activity-comment, activity-bug-triaged, activity-bounty-awarded…
type Activity struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Attributes struct {
		Message      *string   `json:"message"`
		Internal     bool      `json:"internal"`
		CreatedAt    time.Time `json:"created_at"`
		BountyAmount string    `json:"bounty_amount"`
		BonusAmount  string    `json:"bonus_amount"`
	} `json:"attributes"`
	Relationships struct {
		Actor one[User] `json:"actor"`
	} `json:"relationships"`
}

// Message is the activity's comment, or "".
func (a *Activity) Message() string {
	if a.Attributes.Message == nil {
		return ""
	}
	return *a.Attributes.Message
}

// Bounty is an awarded bounty; amounts are decimal strings ("1330.00").
type Bounty struct {
	ID         string `json:"id"`
	Attributes struct {
		Amount             string    `json:"amount"`
		BonusAmount        string    `json:"bonus_amount"`
		AwardedAmount      string    `json:"awarded_amount"`
		AwardedBonusAmount string    `json:"awarded_bonus_amount"`
		AwardedCurrency    string    `json:"awarded_currency"`
		CreatedAt          time.Time `json:"created_at"`
	} `json:"attributes"`
}

// ReportPage is one page of the reports list.
type ReportPage struct {
	Reports []Report
	// Next is the next page's URL (links.next), or "" on the last page.
	Next string
}

// Reports returns the page number (from 1) of the programme's reports
// whose last activity is after since, oldest activity first (the order a
// cursor needs). A zero since lists them all. The list includes no
// activities nor attachments; Report does.
func (c *Client) Reports(ctx context.Context, since time.Time, number int) (*ReportPage, error) {
	q := url.Values{}
	q.Set("filter[program][]", c.program)
	if !since.IsZero() {
		q.Set("filter[last_activity_at__gt]", since.UTC().Format("2006-01-02T15:04:05.000Z"))
	}
	q.Set("sort", "reports.last_activity_at")
	q.Set("page[number]", strconv.Itoa(max(number, 1)))
	q.Set("page[size]", strconv.Itoa(pageSize))
	return c.reportPage(ctx, "/reports", q)
}

func (c *Client) reportPage(ctx context.Context, path string, q url.Values) (*ReportPage, error) {
	var body struct {
		Data  []Report `json:"data"`
		Links struct {
			Next string `json:"next"`
		} `json:"links"`
	}
	if err := c.do(ctx, "GET", path, q, nil, &body); err != nil {
		return nil, err
	}
	return &ReportPage{Reports: body.Data, Next: body.Links.Next}, nil
}

// Report returns one report with its relationships, its activities and
// attachments included.
func (c *Client) Report(ctx context.Context, id string) (*Report, error) {
	var body struct {
		Data Report `json:"data"`
	}
	if err := c.do(ctx, "GET", "/reports/"+url.PathEscape(id), nil, nil, &body); err != nil {
		return nil, err
	}
	return &body.Data, nil
}

// Check confirms that the token works and that it reaches the
// programme: the programme must be among the token's (GET /me/programs).
func (c *Client) Check(ctx context.Context) error {
	var seen []string
	next := "/me/programs"
	q := url.Values{"page[size]": {strconv.Itoa(pageSize)}}
	for next != "" {
		var body struct {
			Data  []Program `json:"data"`
			Links struct {
				Next string `json:"next"`
			} `json:"links"`
		}
		if err := c.do(ctx, "GET", next, q, nil, &body); err != nil {
			return err
		}
		for _, p := range body.Data {
			if strings.EqualFold(p.Attributes.Handle, c.program) {
				return nil
			}
			seen = append(seen, p.Attributes.Handle)
		}
		next, q = body.Links.Next, nil
	}
	if len(seen) == 0 {
		return fmt.Errorf("hackerone: the token works but reaches no programme; give it the programme %q", c.program)
	}
	return fmt.Errorf("hackerone: the token works but does not reach the programme %q; it reaches %s", c.program, strings.Join(seen, ", "))
}

// resource is a JSON:API request body: {"data": {"type", "attributes"}}.
type resource struct {
	Data resourceData `json:"data"`
}

type resourceData struct {
	Type       string `json:"type"`
	ID         string `json:"id,omitempty"`
	Attributes any    `json:"attributes,omitempty"`
}

// Comment posts a comment on the report, internal (the programme's team
// only) or to all participants, and returns HackerOne's activity.
func (c *Client) Comment(ctx context.Context, report, message string, internal bool) (*Activity, error) {
	var out struct {
		Data Activity `json:"data"`
	}
	body := resource{resourceData{Type: "activity-comment", Attributes: struct {
		Message  string `json:"message"`
		Internal bool   `json:"internal"`
	}{message, internal}}}
	if err := c.do(ctx, "POST", "/reports/"+url.PathEscape(report)+"/activities", nil, body, &out); err != nil {
		return nil, err
	}
	return &out.Data, nil
}

// HackerOne's report states that ward sets.
const (
	StateNeedsMoreInfo = "needs-more-info"
	StateTriaged       = "triaged"
	StateResolved      = "resolved"
	StateInformative   = "informative"
	StateDuplicate     = "duplicate"
	StateSpam          = "spam"
)

// StateChange is a report's new state with the message that goes with
// it; OriginalReportID is the original of a duplicate.
type StateChange struct {
	State            string `json:"state"`
	Message          string `json:"message,omitempty"`
	OriginalReportID string `json:"original_report_id,omitempty"`
}

// ChangeState moves the report to a new state and returns the report as
// it now is; its newest activity is the change.
func (c *Client) ChangeState(ctx context.Context, report string, sc StateChange) (*Report, error) {
	var out struct {
		Data Report `json:"data"`
	}
	body := resource{resourceData{Type: "state-change", Attributes: sc}}
	if err := c.do(ctx, "POST", "/reports/"+url.PathEscape(report)+"/state_changes", nil, body, &out); err != nil {
		return nil, err
	}
	return &out.Data, nil
}

// SetSeverity sets the report's severity: a rating and, for a CVSS 3
// vector, its metrics (see SeverityFromVector).
func (c *Client) SetSeverity(ctx context.Context, report string, s SeverityAttributes) (*Severity, error) {
	var out struct {
		Data Severity `json:"data"`
	}
	s.Score = nil // HackerOne computes it from the metrics
	body := resource{resourceData{Type: "severity", Attributes: s}}
	if err := c.do(ctx, "POST", "/reports/"+url.PathEscape(report)+"/severities", nil, body, &out); err != nil {
		return nil, err
	}
	return &out.Data, nil
}

// BountyAward is a bounty to award: amounts in the programme's currency's
// minor units (cents), sent as HackerOne's decimal amounts.
type BountyAward struct {
	Amount, BonusAmount int64
	Message             string
}

// AwardBounty awards a bounty on the report.
func (c *Client) AwardBounty(ctx context.Context, report string, b BountyAward) (*Bounty, error) {
	if b.Amount < 0 || b.BonusAmount < 0 {
		return nil, errors.New("hackerone: a bounty cannot be negative")
	}
	var out struct {
		Data Bounty `json:"data"`
	}
	body := resource{resourceData{Type: "bounty", Attributes: struct {
		Message     string  `json:"message,omitempty"`
		Amount      decimal `json:"amount"`
		BonusAmount decimal `json:"bonus_amount,omitempty"`
	}{b.Message, decimal(b.Amount), decimal(b.BonusAmount)}}}
	if err := c.do(ctx, "POST", "/reports/"+url.PathEscape(report)+"/bounties", nil, body, &out); err != nil {
		return nil, err
	}
	return &out.Data, nil
}

// decimal is an amount in minor units, written as a JSON number with two
// decimals (1330.00).
type decimal int64

func (d decimal) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, "%d.%02d", int64(d)/100, int64(d)%100), nil
}

// ParseAmount reads one of HackerOne's decimal amounts ("1330.00", "7")
// in minor units.
func ParseAmount(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 {
		frac = frac[:2]
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err := errors.Join(err1, err2); err != nil || w < 0 {
		return 0, fmt.Errorf("hackerone: amount %q: not a decimal amount", s)
	}
	return w*100 + f, nil
}

// Disclosure substates: the whole report, or only its summary.
const (
	DisclosureFull      = "full"
	DisclosureNoContent = "no-content"
)

// RequestDisclosure asks for the report's public disclosure.
func (c *Client) RequestDisclosure(ctx context.Context, report, substate string) error {
	body := resource{resourceData{Type: "disclosure-request", Attributes: struct {
		Substate string `json:"substate"`
	}{substate}}}
	return c.do(ctx, "POST", "/reports/"+url.PathEscape(report)+"/disclosure_requests", nil, body, nil)
}
