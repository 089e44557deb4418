package ward

import (
	"context"
	"time"
)

// TrackedIssue is a tracking issue that an IssueTracker filed or found.
type TrackedIssue struct {
	URL  string // the issue's page, such as https://github.com/org/repo/issues/12
	Name string // how people refer to it, such as org/repo#12
}

// IssueTracker files the tracking issues of reports in an outside tracker
// (package github). reports.Service uses it for track without a URL.
type IssueTracker interface {
	// FileIssue files the report's tracking issue and returns it. It files
	// each report's issue once: an issue that an earlier call filed for
	// the report (whose answer was lost) is found and returned instead.
	// Its errors say what the tracker answered, and never hold a secret.
	FileIssue(ctx context.Context, r *Report) (TrackedIssue, error)
	// Tracker names the tracker for people, such as GitHub.
	Tracker() string
}

// PullRequest is an open pull request of the team's repository, as the
// start-of-shift brief lists them.
type PullRequest struct {
	Number    int       `json:"number"`
	Title     string    `json:"title"`
	Author    string    `json:"author"`
	URL       string    `json:"url"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// PullRequestSource lists the open pull requests of the team's repository.
type PullRequestSource interface {
	OpenPullRequests(ctx context.Context) ([]PullRequest, error)
}

// IssueChange is one signed webhook delivery from the issue tracker: its
// delivery id and the hash of its body, and, for an event about an issue,
// what it says changed and how the issue now stands.
type IssueChange struct {
	Delivery string // GitHub's X-GitHub-Delivery GUID, which is not signed
	// BodySHA256 is the hex SHA-256 of the delivery's raw body, which is
	// what GitHub signs: the key by which a replay is refused, whatever
	// GUID it comes with.
	BodySHA256 string
	Event      string // such as issues or ping
	// The rest is empty for an event about no issue (ping).
	Action    string   // closed, reopened, labeled, …
	Sender    string   // the login of whoever acted
	IssueURL  string   // the issue's page, as a report's tracking URL holds it
	Issue     string   // org/repo#12
	Summary   string   // what happened, for people: "closed org/repo#12 as completed"
	State     string   // open or closed
	Labels    []string // the issue's labels after the change, sorted
	Assignees []string // its assignees' logins after the change, sorted
	// UpdatedAt is the issue's updated_at: when the change was made on
	// the tracker. Deliveries may come out of order; a change older than
	// the one stored does not overwrite the issue's state.
	UpdatedAt time.Time
}

// IssueState is how a report's tracking issue stood at the last webhook
// delivery about it.
type IssueState struct {
	Report    int64     `json:"report"`
	URL       string    `json:"url"`
	State     string    `json:"state"`
	Labels    []string  `json:"labels"`
	Assignees []string  `json:"assignees"`
	ChangedAt time.Time `json:"changed_at"` // the issue's updated_at on the tracker
	UpdatedAt time.Time `json:"updated_at"` // when ward received the delivery
}

// IssueChangeService stores what the issue tracker's webhook reports.
type IssueChangeService interface {
	// RecordIssueChange stores the delivery's body hash and id, refusing
	// as ECONFLICT a delivery whose body or id was already received (a
	// replay), and forgets deliveries received before forgetBefore. For
	// each report whose tracking URL is the change's issue, it also stores
	// a team timeline event on the report, as the context's actor, and the
	// issue's state unless the stored one is from a later change (by
	// UpdatedAt), and returns the events: none when no report tracks the
	// issue. A delivery that fails is not stored, so that a redelivery is
	// taken.
	RecordIssueChange(ctx context.Context, c *IssueChange, forgetBefore time.Time) ([]*TimelineEvent, error)
	// FindIssueState returns how the report's tracking issue stood at the
	// last delivery about it, or ENOTFOUND when none came.
	FindIssueState(ctx context.Context, report int64) (*IssueState, error)
}
