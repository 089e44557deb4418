package ward

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"
)

// The channels a delivery goes out on.
const (
	ChannelEmail   = "email"   // to a member's address
	ChannelSlack   = "slack"   // to a member's Slack user, or a team channel
	ChannelWebhook = "webhook" // to a team's outgoing webhook, signed
)

// NotifyPrefs is how a member wants to hear of what ward notifies them of.
// They are the member's own, set on their account page or through the
// API, not in the team file: how to be reached is personal.
type NotifyPrefs struct {
	Member string `json:"member"`
	Email  bool   `json:"email"` // by email to their address; the default
	// Slack is the member's Slack user ID (U0123ABCD), for direct
	// messages through the team's Slack bot and for answering their
	// slash commands; "" for none. Only LinkSlack sets one, when the
	// Slack user proved the account theirs: a typed-in ID could name
	// someone else's, who would get the member's messages and be
	// answered as them.
	Slack string `json:"slack"`
	// AnyHour delivers at once, at any hour. By default a notification
	// waits for the member's next working hour (their time zone, work
	// hours, public holidays and time off) unless it is urgent.
	AnyHour   bool      `json:"any_hour"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// SlackLinkValid is how long a code to link a Slack account is good for.
const SlackLinkValid = 15 * time.Minute

// DefaultNotifyPrefs are a member's until they set their own.
func DefaultNotifyPrefs(member string) NotifyPrefs {
	return NotifyPrefs{Member: member, Email: true}
}

var slackUserID = regexp.MustCompile(`\A[UW][A-Z0-9]{2,20}\z`)

// Validate checks the preferences, with an EINVALID error naming the field.
func (p NotifyPrefs) Validate() error {
	if p.Slack != "" && !slackUserID.MatchString(p.Slack) {
		return Errorf(EINVALID, "slack: %q is not a Slack member ID such as U0123ABCD (Slack: profile, ⋮, Copy member ID)", p.Slack)
	}
	return nil
}

// NotifyChannel is a team-wide destination of notifications, declared in
// the team file. Its secrets are not: the file names the environment
// variables (or files) that hold them, which the serving process reads.
type NotifyChannel struct {
	Name string `json:"name"` // [a-z0-9-], the key that finds it
	Kind string `json:"kind"` // ChannelSlack or ChannelWebhook
	// URL is a webhook's address. URLEnv names the environment variable
	// holding it instead, for an address that is itself a secret, such as
	// a Slack incoming webhook's.
	URL    string `json:"url,omitempty"`
	URLEnv string `json:"url_env,omitempty"`
	// SecretEnv and SecretFile hold an outgoing webhook's signing secret.
	SecretEnv  string `json:"secret_env,omitempty"`
	SecretFile string `json:"secret_file,omitempty"`
	// TokenEnv names the variable holding a Slack bot token, which posts
	// to Channel (a channel ID) and sends members their direct messages.
	TokenEnv string `json:"token_env,omitempty"`
	Channel  string `json:"channel,omitempty"`
	// Kinds are the notification kinds it gets, of NotifyKinds; empty
	// for all.
	Kinds []string `json:"kinds,omitempty"`
}

// NotifyKinds are what a notification can be about, as team channels
// filter them: a new report, a report rated critical, a stale-incident
// ping, a step or reminder of a handoff, a disclosure window that ended,
// and what a reporter writes (by link or by mail).
var NotifyKinds = []string{"new_report", "critical", "ping", "handoff_request", "handoff_accept", "handoff_decline",
	"handoff_cancel", ActionHandoffReminder, ActionWindowEnded, "comment", "answer", "agree_disclosure", "object_disclosure", "email"}

var channelName = regexp.MustCompile(`\A[a-z0-9][a-z0-9-]{0,62}\z`)
var envName = regexp.MustCompile(`\A[A-Z_][A-Z0-9_]{0,127}\z`)

// Validate checks the channel, with an EINVALID error whose message
// names the field and is meant to follow "path: ".
func (c NotifyChannel) Validate() error {
	if !channelName.MatchString(c.Name) {
		return Errorf(EINVALID, "name: %q is not a name of lower-case letters, digits and '-'", c.Name)
	}
	for field, v := range map[string]string{"url_env": c.URLEnv, "secret_env": c.SecretEnv, "token_env": c.TokenEnv} {
		if v != "" && !envName.MatchString(v) {
			return Errorf(EINVALID, "%s: %q is not an environment variable's name such as WARD_SLACK_TOKEN", field, v)
		}
	}
	if c.URL != "" && !strings.HasPrefix(c.URL, "https://") && !strings.HasPrefix(c.URL, "http://") {
		return Errorf(EINVALID, "url: %q is not an http or https URL", c.URL)
	}
	for _, k := range c.Kinds {
		if !slices.Contains(NotifyKinds, k) {
			return Errorf(EINVALID, "kinds: %q is not one of %s", k, strings.Join(NotifyKinds, ", "))
		}
	}
	switch c.Kind {
	case ChannelWebhook:
		if (c.URL == "") == (c.URLEnv == "") {
			return Errorf(EINVALID, "a webhook needs one of url and url_env")
		}
		if (c.SecretEnv == "") == (c.SecretFile == "") {
			return Errorf(EINVALID, "a webhook needs its signing secret from one of secret_env and secret_file (never in the team file)")
		}
	case ChannelSlack:
		if (c.URLEnv == "") == (c.TokenEnv == "") || c.URL != "" {
			return Errorf(EINVALID, "slack needs one of url_env (an incoming webhook's URL, a secret) and token_env (a bot token)")
		}
		if c.TokenEnv != "" && c.Channel == "" {
			return Errorf(EINVALID, "channel: a bot token posts to a channel ID such as C0123ABCD")
		}
	default:
		return Errorf(EINVALID, "kind: %q is not one of slack, webhook", c.Kind)
	}
	return nil
}

// Wants reports whether the channel gets notifications of the kind.
func (c NotifyChannel) Wants(kind string) bool {
	return len(c.Kinds) == 0 || slices.Contains(c.Kinds, kind)
}

// Dispatch is one message going out on one channel: the outbox row that
// the delivery worker sends, retries and records. Its Key makes it once:
// two instances that compute the same delivery store one.
type Dispatch struct {
	ID      int64  `json:"id"`
	Key     string `json:"key"`     // such as n:42:email, or brief:oncall:2027-02-01T09:00:00Z
	Channel string `json:"channel"` // ChannelEmail, ChannelSlack or ChannelWebhook
	// Target is the address, the Slack user, or the team channel's name.
	Target       string `json:"target"`
	Member       string `json:"member,omitempty"` // the member it tells; "" for a team channel
	Kind         string `json:"kind"`             // what it is about: a notification's kind, digest, brief
	Report       int64  `json:"report,omitempty"`
	Notification int64  `json:"notification,omitempty"`
	Subject      string `json:"subject"`
	Body         string `json:"body"` // text; for a webhook, the JSON payload
	Urgent       bool   `json:"urgent"`
	// DueAt is when it may go: at once, or the member's next working
	// hour, on the team's clock (as are CreatedAt, DeliveredAt and
	// FailedAt); NextAttemptAt is the machine's, as is the lease.
	DueAt         time.Time `json:"due_at"`
	CreatedAt     time.Time `json:"created_at"`
	Attempts      int       `json:"attempts"`
	NextAttemptAt time.Time `json:"next_attempt_at,omitzero"`
	DeliveredAt   time.Time `json:"delivered_at,omitzero"`
	FailedAt      time.Time `json:"failed_at,omitzero"` // given up
	LastError     string    `json:"last_error,omitempty"`
	// ClaimedUntil is when the lease of the worker that claimed it ends
	// (the machine's clock); zero when unclaimed.
	ClaimedUntil time.Time `json:"-"`
}

// Status is the delivery's state in a word: waiting, delivered or failed.
func (d *Dispatch) Status() string {
	switch {
	case !d.DeliveredAt.IsZero():
		return "delivered"
	case !d.FailedAt.IsZero():
		return "failed"
	}
	return "waiting"
}

// PendingNotification is a notification not yet turned into deliveries,
// with what the deliveries say.
type PendingNotification struct {
	Notification
	Title  string // the report's
	Rating string // the report's severity rating, "" when unrated
	State  string // the report's
	Action string // the event's
}

// DispatchFilter selects deliveries, newest first.
type DispatchFilter struct {
	Member string // "" for all
	Status string // waiting, delivered, failed; "" for all
	Before int64  // a cursor: ids below it
	Limit  int
}

// DispatchService stores the delivery outbox.
type DispatchService interface {
	// PendingNotifications returns up to limit notifications not yet
	// fanned out, oldest first.
	PendingNotifications(ctx context.Context, limit int) ([]*PendingNotification, error)
	// FanOut stores the deliveries and marks the notifications fanned out,
	// in one transaction. A delivery whose Key is stored already is
	// passed over, so two instances fanning out the same notification
	// store its deliveries once.
	FanOut(ctx context.Context, notifications []int64, ds []*Dispatch) error
	// QueueDispatch stores one delivery not made from a notification,
	// such as a digest; false when its Key is stored already.
	QueueDispatch(ctx context.Context, d *Dispatch) (bool, error)
	// ClaimDispatches leases up to limit deliveries on the channels due
	// by dueBy (the team's clock) whose next attempt is due at now (the
	// machine's), the urgent first, then the earliest due, until
	// now+lease, so that no other worker sends them meanwhile.
	ClaimDispatches(ctx context.Context, channels []string, dueBy, now time.Time, lease time.Duration, limit int) ([]*Dispatch, error)
	// MarkDispatched records that the delivery went out. It, and
	// MarkDispatchFailed, are refused as ECONFLICT unless the dispatch is
	// still leased as d says (ClaimedUntil): another worker took it over.
	MarkDispatched(ctx context.Context, d *Dispatch) error
	// MarkDispatchFailed records a failed attempt: retried at retryAt, or
	// given up when retryAt is zero.
	MarkDispatchFailed(ctx context.Context, d *Dispatch, reason string, retryAt time.Time) error
	FindDispatches(ctx context.Context, f DispatchFilter) ([]*Dispatch, error)

	// NotifyPrefs returns each member's preferences that were set; a
	// member with none has DefaultNotifyPrefs.
	NotifyPrefs(ctx context.Context) (map[string]NotifyPrefs, error)
	// SetNotifyPrefs stores a member's preferences but their Slack
	// account, which only LinkSlack and UnlinkSlack change, and fills
	// p.Slack with it; ENOTFOUND for no member.
	SetNotifyPrefs(ctx context.Context, p *NotifyPrefs) error
	// UnlinkSlack forgets the member's Slack account.
	UnlinkSlack(ctx context.Context, member string) error
	// IssueSlackLink makes a one-time code for the member to type in Slack
	// as /ward link CODE within SlackLinkValid; a code issued before stops
	// working. Only its hash is kept.
	IssueSlackLink(ctx context.Context, member string) (code string, expires time.Time, err error)
	// LinkSlack links the Slack user to the member whose code it is, and
	// forgets the code; a code unknown, used or expired is ENOTFOUND. A
	// member the Slack user was linked to before is unlinked.
	LinkSlack(ctx context.Context, code, user string) (member string, err error)
	// NotifyChannels returns the team's channels, by name.
	NotifyChannels(ctx context.Context) ([]NotifyChannel, error)
}
