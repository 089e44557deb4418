package ward

import (
	"context"
	"time"
)

// ExternalReport is a report as a platform that reporters use (HackerOne)
// holds it, in ward's terms: what a sync creates or updates the report
// it mirrors from. The store keeps, per report, the values a sync last
// wrote, so that a later sync can tell the platform's changes from the
// team's (see SyncService).
type ExternalReport struct {
	Source       string `json:"source"`
	ExternalID   string `json:"external_id"`
	ExternalURL  string `json:"external_url"`
	Title        string `json:"title"`
	Body         string `json:"body"` // Markdown as written; rendered only sanitised
	ReporterName string `json:"reporter_name"`
	// Reporter is the reporter's login on the platform, for the actor of
	// the report's first event (such as hackerone:alice).
	Reporter string `json:"-"`
	// State is ward's state for the platform's, or "" where none has a
	// meaning in ward (the platform's own intermediate states).
	State    string    `json:"state"`
	Severity *Severity `json:"severity"` // nil when the platform has none
	// Bounty is the platform's awarded bounty, approved there; nil when
	// none was awarded.
	Bounty *Bounty `json:"bounty"`
	// Weakness names the weakness (such as "Cross-site Scripting (XSS) -
	// Generic (CWE-79)"); CWE is its label (such as "cwe-79"), added to
	// the report's labels, never removed from them.
	Weakness    string               `json:"weakness"`
	CWE         string               `json:"cwe"`
	Attachments []ExternalAttachment `json:"attachments"`
	Activities  []ExternalActivity   `json:"-"`
	CreatedAt   time.Time            `json:"-"` // when it was filed on the platform
	// ActivityAt is the platform's time of the report's last activity: a
	// report whose ActivityAt has not moved since the last sync is
	// skipped.
	ActivityAt time.Time `json:"-"`
}

// ExternalAttachment is a file's metadata; ward never fetches the file.
type ExternalAttachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	URL         string `json:"url"` // the platform's link, which may expire
}

// ExternalActivity is one entry of a platform's activity stream, which
// becomes one timeline event, once.
type ExternalActivity struct {
	ID         string
	At         time.Time
	Actor      string // as the timeline names it, such as hackerone:alice
	Action     string // the event's action, such as comment or hackerone_triaged
	Comment    string
	Visibility string // team or reporter
	// Own marks what ward itself did through the platform's API: it is
	// already on the timeline, and is recorded as seen without an event.
	Own bool
}

// SyncPage is one page of a platform's reports, stored in one
// transaction with the cursor that follows it.
type SyncPage struct {
	Source  string
	Scope   string // the programme
	Reports []ExternalReport
	// Cursor is the platform's time to sync from next; it only moves
	// forward.
	Cursor time.Time
	// Notify tells whoever is on call of each report new to ward. A first
	// sync, which brings in the programme's history, notifies nobody.
	Notify bool
	// Complete marks the last page of a sync: once a sync has stored its
	// last page, the scope's history is in ward (SyncCursor's Complete),
	// and later syncs notify.
	Complete bool
	// Unreadable are the page's reports that the platform would not serve
	// in full (a 404, a 403: deleted, or moved out of the programme):
	// they are skipped, to be read again when their activity moves. A
	// report already in ward gets a note on its timeline, once for each
	// activity time.
	Unreadable []UnreadableReport
}

// UnreadableReport is a report of a page that the platform would not
// serve, and what it said.
type UnreadableReport struct {
	ExternalID string
	ActivityAt time.Time
	Error      string
}

// SyncCursor is where a scope's sync left off.
type SyncCursor struct {
	// At is the platform's time of the last activity stored; zero before
	// the first page.
	At time.Time
	// Complete is set once a sync stored its last page: until then every
	// sync is still the first, bringing in history, and notifies nobody,
	// even when it resumes one cut short.
	Complete bool
}

// SyncResult counts what storing a page did.
type SyncResult struct {
	Created   int // reports new to ward
	Updated   int // reports changed by the platform
	Conflicts int // fields both sides changed: ward's value kept
	Events    int // timeline events added from activities
}

// SyncService stores what a sync pulls from a platform. Storing the same
// page twice leaves the store as storing it once did.
type SyncService interface {
	// SyncCursor returns where the last stored page left the sync of the
	// scope: the zero SyncCursor before the first.
	SyncCursor(ctx context.Context, source, scope string) (SyncCursor, error)
	// SyncedActivity returns, of the reports with the given ids on the
	// platform, the platform's time of the last activity as last synced;
	// a report new to ward is absent. The sync fetches in full only the
	// reports whose activity moved.
	SyncedActivity(ctx context.Context, source string, ids []string) (map[string]time.Time, error)
	// StoreSyncPage creates the reports new to ward and updates the
	// others, in one transaction with the cursor. A field the platform
	// changed since the last sync is written unless the team also changed
	// it in ward since then: ward's value is then kept and a conflict
	// event on the timeline names the field and both values. Each
	// activity becomes one event, by its ID.
	StoreSyncPage(ctx context.Context, page *SyncPage) (SyncResult, error)
}

// Push is one of the team's actions on a report from a platform, waiting
// in the outbox to be written back there. It is stored with the action,
// in the same transaction, so that no action is lost if the platform is
// down; a worker sends it.
type Push struct {
	ID         int64       `json:"id"`
	Report     int64       `json:"report"`
	Event      int64       `json:"event"`
	Source     string      `json:"source"`
	ExternalID string      `json:"external_id"` // the report's id on the platform
	Kind       string      `json:"kind"`        // the action, such as comment or triage
	Payload    PushPayload `json:"payload"`
	Attempts   int         `json:"attempts"`
	// Unsure says that the last attempt failed in a way that does not
	// tell whether the platform acted on it (a timeout, a 5xx), or that
	// the worker stopped without recording it (see ClaimPushes): the push
	// is not sent again before the report is read to look for its effect.
	Unsure bool `json:"unsure"`
	// QueuedAt is when the action was taken and the push queued: its
	// effect on the platform cannot be older.
	QueuedAt time.Time `json:"queued_at"`
	// ClaimedUntil is the end of the lease of the worker that claimed it:
	// RecordPush stores an outcome only while the push is still leased
	// so, so that a worker whose lease ran out cannot overwrite the
	// outcome of the one that took the push over.
	ClaimedUntil time.Time `json:"-"`
}

// PushPayload is what the platform needs of an action, as the report was
// after it.
type PushPayload struct {
	Comment    string `json:"comment,omitempty"`
	Visibility string `json:"visibility,omitempty"`
	Vector     string `json:"vector,omitempty"`
	Rating     string `json:"rating,omitempty"`
	// Original is the duplicate's original: its id on the same platform,
	// or "" when it did not come from there (OriginalID is then ward's).
	Original   string `json:"original,omitempty"`
	OriginalID int64  `json:"original_id,omitempty"`
	Amount     int64  `json:"amount,omitempty"` // minor units
	Currency   string `json:"currency,omitempty"`
	Disclosure string `json:"disclosure,omitempty"` // full or redacted
}

// PushOutcome is how a push went.
type PushOutcome struct {
	// Sent: ActivityID (when the platform returned one) is recorded, so
	// that the sync does not bring the action back as a new event.
	Sent       bool
	ActivityID string
	// Not sent: Error says why, for the timeline and the outbox. A
	// permanent refusal fails the push for good; otherwise it is tried
	// again at RetryAt.
	Error     string
	Permanent bool
	RetryAt   time.Time
	// Unsure: the platform may have acted on the attempt (see Push's
	// Unsure).
	Unsure bool
}

// PushService is the outbox of pushes.
type PushService interface {
	// ClaimPushes returns up to limit of the source's pushes that are due,
	// oldest first, each leased for lease: a second worker does not take
	// them until then. A claim marks each unsure until RecordPush, so that
	// a worker stopped mid-call leaves it to be checked; each push
	// returned has Unsure as it was before the claim. Claim few at a time, so that the lease covers the
	// calls made for them.
	ClaimPushes(ctx context.Context, source string, limit int, lease time.Duration) ([]*Push, error)
	// RecordPush stores the outcome of a claimed push and, when it was
	// sent or refused for good, an event on the report's timeline saying
	// so. It is ECONFLICT when the push is no longer leased as p says (its
	// ClaimedUntil): the lease ran out and another worker took it over.
	RecordPush(ctx context.Context, p *Push, outcome PushOutcome) error
	// PushedActivities returns which of the platform's activity ids (or
	// other ids a push records, such as bounty:<id>) a sent push recorded
	// as its effect: the check of an unsure push does not take another's
	// effect for its own.
	PushedActivities(ctx context.Context, source string, ids []string) (map[string]bool, error)
}

// Pushed are the actions that a report from a platform writes back
// there; the others (labels, assignments, tracking) stay in ward.
var Pushed = []string{"comment", "request_info", "triage", "resolve", "mark_invalid", "mark_duplicate", "mark_spam",
	"set_severity", "approve_bounty", "request_disclosure"}
