package github

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	gh "github.com/google/go-github/v93/github"

	"github.com/wardsec/ward"
)

// GitHub signs each webhook delivery with the webhook's secret:
// X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>
// (https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries).
// X-GitHub-Delivery is the delivery's GUID, kept by redeliveries, and
// X-GitHub-Event the event's name; neither is signed, so neither is
// trusted: a replay is known by the body's hash, and an event by its shape.
const (
	headerSignature = "X-Hub-Signature-256"
	headerDelivery  = "X-GitHub-Delivery"
	headerEvent     = "X-GitHub-Event"
)

// MaxEventAge is how old an issue event may be, by the issue's
// updated_at, the instant of the change. GitHub delivers at once, and
// lets a delivery be redelivered for three days; anything older is a
// replay of a delivery that ward may have forgotten (it keeps them
// DeliveryMemory), and is refused.
const MaxEventAge = 7 * 24 * time.Hour

// DeliveryMemory is how long deliveries (their bodies' hashes and GUIDs)
// are kept to refuse a replay: well past MaxEventAge, so that a replay is
// refused by one or the other. A redelivery by GitHub resends the same
// bytes under the same GUID, so it is refused as already received too.
const DeliveryMemory = 30 * 24 * time.Hour

// The errors of VerifyWebhook and ReadWebhook wrap one of these.
var (
	ErrUnsigned  = errors.New("github: the delivery has no " + headerSignature + " header")
	ErrSignature = errors.New("github: the delivery's signature does not match the webhook secret")
	ErrMalformed = errors.New("github: the delivery is malformed")
	ErrStale     = errors.New("github: the issue event is older than a week")
)

// SignWebhook returns the X-Hub-Signature-256 value that GitHub sends
// for body under secret; for tests and for checking a delivery by hand.
func SignWebhook(secret, body []byte) string {
	return "sha256=" + hexMAC(secret, body)
}

// VerifyWebhook checks that h carries one X-Hub-Signature-256 that is
// body's under secret, compared in constant time (go-github's
// ValidateSignature). It refuses an empty secret, with which anyone could
// sign, and the SHA-1 signature of X-Hub-Signature alone. Its errors never
// repeat the header, the body or the secret.
func VerifyWebhook(secret []byte, h http.Header, body []byte) error {
	if len(secret) == 0 {
		return errors.New("github: verify: empty webhook secret")
	}
	sigs := h.Values(headerSignature)
	switch {
	case len(sigs) == 0:
		return ErrUnsigned
	case len(sigs) > 1 || !strings.HasPrefix(sigs[0], "sha256="):
		return fmt.Errorf("%w: want one sha256= signature", ErrSignature)
	}
	if err := gh.ValidateSignature(sigs[0], body, secret); err != nil {
		return ErrSignature
	}
	return nil
}

// ReadWebhook reads a verified delivery. For a ping it returns a change
// with only the delivery, the body's hash and the event; for an issues
// event whose action changes what the team tracks (closed, reopened,
// labeled, unlabeled, assigned, unassigned, a new title, deleted,
// transferred), what changed and how the issue stands. Any other event or
// action is nil, nil: ward has nothing to do with it. An issue event older
// than MaxEventAge at now is ErrStale.
//
// Only the body is signed, not the headers: the replay key is the body's
// hash, not the GUID, and an issues event must have the shape of one (an
// issue, and no comment), so that another event's signed body sent again
// as issues is ErrMalformed.
func ReadWebhook(h http.Header, body []byte, now time.Time) (*ward.IssueChange, error) {
	sum := sha256.Sum256(body)
	c := &ward.IssueChange{Delivery: strings.TrimSpace(h.Get(headerDelivery)), BodySHA256: hex.EncodeToString(sum[:]), Event: h.Get(headerEvent)}
	switch {
	case c.Delivery == "" || len(c.Delivery) > 100:
		return nil, fmt.Errorf("%w: want an %s header, GitHub's GUID of the delivery", ErrMalformed, headerDelivery)
	case c.Event == "ping":
		return c, nil
	case c.Event != "issues":
		return nil, nil
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(body, &keys); err != nil {
		return nil, fmt.Errorf("%w: the issues event is not JSON of GitHub's form", ErrMalformed)
	}
	if _, ok := keys["issue"]; !ok {
		return nil, fmt.Errorf("%w: the issues event holds no issue", ErrMalformed)
	}
	if _, ok := keys["comment"]; ok {
		return nil, fmt.Errorf("%w: the delivery holds a comment: not an issues event", ErrMalformed)
	}
	var ev gh.IssuesEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return nil, fmt.Errorf("%w: the issues event is not JSON of GitHub's form", ErrMalformed)
	}
	issue := ev.GetIssue()
	if issue.GetHTMLURL() == "" || ev.GetRepo().GetFullName() == "" {
		return nil, fmt.Errorf("%w: the issues event names no issue or repository", ErrMalformed)
	}
	if issue.UpdatedAt != nil && now.Sub(issue.UpdatedAt.Time) > MaxEventAge {
		return nil, ErrStale
	}
	c.Action, c.Sender, c.IssueURL = ev.GetAction(), ev.GetSender().GetLogin(), issue.GetHTMLURL()
	c.Issue = fmt.Sprintf("%s#%d", ev.GetRepo().GetFullName(), issue.GetNumber())
	c.State, c.UpdatedAt = issue.GetState(), issue.GetUpdatedAt().Time
	c.Labels, c.Assignees = []string{}, []string{}
	for _, l := range issue.Labels {
		c.Labels = append(c.Labels, l.GetName())
	}
	for _, a := range issue.Assignees {
		c.Assignees = append(c.Assignees, a.GetLogin())
	}
	slices.Sort(c.Labels)
	slices.Sort(c.Assignees)
	c.Summary = summarize(&ev, c.Issue)
	if c.Summary == "" {
		return nil, nil
	}
	return c, nil
}

// summarize says what the event did to the issue, or "" when it is
// nothing that ward shows.
func summarize(ev *gh.IssuesEvent, name string) string {
	switch ev.GetAction() {
	case "closed":
		if reason := strings.ReplaceAll(ev.GetIssue().GetStateReason(), "_", " "); reason != "" {
			return "closed " + name + " as " + reason
		}
		return "closed " + name
	case "reopened":
		return "reopened " + name
	case "labeled":
		return "added the label “" + ev.GetLabel().GetName() + "” to " + name
	case "unlabeled":
		return "removed the label “" + ev.GetLabel().GetName() + "” from " + name
	case "assigned":
		return "assigned " + name + " to " + ev.GetAssignee().GetLogin()
	case "unassigned":
		return "unassigned " + ev.GetAssignee().GetLogin() + " from " + name
	case "edited":
		if t := ev.GetChanges().GetTitle(); t != nil {
			return "renamed " + name + " from “" + t.GetFrom() + "” to “" + ev.GetIssue().GetTitle() + "”"
		}
	case "deleted":
		return "deleted " + name + ": the report's tracking issue is gone"
	case "transferred":
		return "transferred " + name + " to another repository: the report's tracking URL no longer leads to it"
	}
	return ""
}

func hexMAC(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}
