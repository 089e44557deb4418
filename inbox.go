package ward

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Statuses of an inbox thread, as the runbook's collaborative inbox has
// them: new mail is open until someone decides; an actionable thread has an
// assignee accountable for it; completed is done; spam is hidden from all
// but admins.
const (
	ThreadOpen         = "open"
	ThreadActionable   = "actionable"
	ThreadUnactionable = "unactionable"
	ThreadCompleted    = "completed"
	ThreadSpam         = "spam"
)

// ThreadStatuses lists the statuses in the order the desk shows them.
var ThreadStatuses = []string{ThreadOpen, ThreadActionable, ThreadUnactionable, ThreadCompleted, ThreadSpam}

// LabelTracked marks a thread that became a report.
const LabelTracked = "Tracked"

// Where mail came from, or that ward sent it.
const (
	MailIMAP = "imap"
	MailLMTP = "lmtp"
	MailMbox = "mbox"
	MailEML  = "eml"
	MailAPI  = "api"
	MailSent = "sent" // written by ward: a reply or an auto-reply
)

// Thread is a conversation in the team's inbox: messages joined by their
// Message-ID, In-Reply-To and References headers, or by subject when a
// client lost them.
type Thread struct {
	ID            int64     `json:"id"`
	Subject       string    `json:"subject"`
	Correspondent string    `json:"correspondent"` // the first sender's address, lower-case: the reporter
	Status        string    `json:"status"`
	Assignee      string    `json:"assignee,omitempty"` // required while actionable
	Report        int64     `json:"report,omitempty"`   // the report made from the thread
	Labels        []string  `json:"labels"`
	Messages      int       `json:"messages"`
	Flagged       bool      `json:"flagged"` // a message could not be fully read; its raw bytes are kept
	AutoReplied   bool      `json:"auto_replied"`
	LastMessageAt time.Time `json:"last_message_at"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	Version       int64     `json:"version"`
}

// MailAddress is a name and an address as a header gave them.
type MailAddress struct {
	Name string `json:"name,omitempty"`
	Addr string `json:"addr"`
}

// String formats the address for people: "Name <addr>" or "addr".
func (a MailAddress) String() string {
	if a.Name == "" {
		return a.Addr
	}
	return a.Name + " <" + a.Addr + ">"
}

// MailAttachment is listed with its size and type, and never shown inline.
type MailAttachment struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

// Message is one email in a thread as ward read it. Its raw bytes are kept
// exactly as received, apart, and are what counts: the fields are a reading
// of them.
type Message struct {
	ID          int64            `json:"id"`
	Thread      int64            `json:"thread"`
	Key         string           `json:"key"` // the Message-ID, or sha256:… of the bytes when there is none: unique
	MessageID   string           `json:"message_id,omitempty"`
	InReplyTo   string           `json:"in_reply_to,omitempty"`
	References  []string         `json:"references,omitempty"`
	Subject     string           `json:"subject"`
	From        MailAddress      `json:"from"`
	To          []MailAddress    `json:"to,omitempty"`
	Cc          []MailAddress    `json:"cc,omitempty"`
	Date        time.Time        `json:"date,omitzero"` // as the sender's header says
	ReceivedAt  time.Time        `json:"received_at"`
	Source      string           `json:"source"` // imap, lmtp, mbox, eml, api or sent
	Text        string           `json:"text"`
	HTML        string           `json:"html,omitempty"` // unsanitised: shown only through the sanitiser
	Attachments []MailAttachment `json:"attachments,omitempty"`
	Auto        string           `json:"auto,omitempty"`     // why it is machine mail that gets no auto-reply
	Problems    []string         `json:"problems,omitempty"` // what could not be read: the message is flagged
	Size        int              `json:"size"`
	Sender      string           `json:"sender,omitempty"`   // the member who replied, for mail ward sent
	Delivery    string           `json:"delivery,omitempty"` // for mail ward sent: queued, sent, or failed: and why
	// SubjectKey groups replies that lost their References with their
	// thread (email.SubjectKey); it is read, not shown.
	SubjectKey string `json:"-"`
	// Reply is whether the subject says the message answers another
	// ("Re: …"): only then may it join a thread by subject.
	Reply bool `json:"-"`
}

// Where mail ward sent stands.
const (
	DeliveryQueued = "queued"
	DeliverySent   = "sent"
	DeliveryFailed = "failed"
)

// Delivery says how a raw message reached ward. Ref, when set, names this
// one delivery (an IMAP mailbox, UIDVALIDITY and UID): a delivery seen
// before is skipped without reading the message again.
type Delivery struct {
	Source string
	Ref    string
}

// Incoming is a message to ingest: ward's reading of it, its bytes, and
// how it came.
type Incoming struct {
	Message  *Message
	Raw      []byte
	Delivery Delivery
}

// Ingested is what ingesting one message did.
type Ingested struct {
	Message *Message
	Thread  *Thread
	Created bool // false when the message (or the delivery) was already stored
	// Event is the report timeline event the message became, when it
	// answered a thread that is now a report.
	Event *TimelineEvent
}

// ThreadFilter selects threads, the newest thread first, with the cursor
// of other lists: only threads with an ID below Before. Spam is left out
// unless Status is spam (admins only; the caller checks), and so are the
// threads of reports closed as spam unless SpamReports.
type ThreadFilter struct {
	Status      string
	Assignee    string
	SpamReports bool // admins only: a thread is its report's
	Before      int64
	Limit       int // 50 when 0; at most 200
}

// InboxService stores the team's mail.
type InboxService interface {
	// IngestMessage stores a message and its exact bytes, joining it to its
	// thread, in one transaction. A message whose key, or a delivery whose
	// Ref, is stored already is not stored twice: Created is false. A reply
	// on a thread that became a report is added to the report's timeline in
	// the same transaction.
	IngestMessage(ctx context.Context, m *Message, raw []byte, d Delivery) (*Ingested, error)
	// IngestMessages is IngestMessage for several messages in one
	// transaction, for imports: one durable commit per batch rather than
	// per message is most of an import's speed.
	IngestMessages(ctx context.Context, batch []Incoming) ([]*Ingested, error)
	// FindThreads lists threads; FindThreadByID returns ENOTFOUND when none
	// has the ID.
	FindThreads(ctx context.Context, f ThreadFilter) ([]*Thread, error)
	FindThreadByID(ctx context.Context, id int64) (*Thread, error)
	// FindMessages returns a thread's messages, oldest first, without their
	// raw bytes; FindMessage one, ENOTFOUND when none has the ID.
	FindMessages(ctx context.Context, thread int64) ([]*Message, error)
	FindMessage(ctx context.Context, id int64) (*Message, error)
	// FindRawMessage returns a message's bytes as received; ENOTFOUND when
	// none has the ID.
	FindRawMessage(ctx context.Context, id int64) ([]byte, error)
	// UpdateThread stores a thread's status, assignee, report and labels as
	// an action left them, with an audit entry. A thread changed since
	// version is ECONFLICT.
	UpdateThread(ctx context.Context, t *Thread, version int64) error
	// DeleteThread deletes a spam thread and its messages' bytes for good,
	// keeping an audit entry that it happened. A thread that is not spam is
	// EINVALID.
	DeleteThread(ctx context.Context, id int64) error
	// MailCursor and SaveMailCursor keep where IMAP intake stopped in a
	// mailbox: its UIDVALIDITY and the last UID stored.
	MailCursor(ctx context.Context, mailbox string) (validity, uid uint32, err error)
	SaveMailCursor(ctx context.Context, mailbox string, validity, uid uint32) error

	// QueueMail stores a message ward is to send in its thread and queues
	// it for delivery, in one transaction, so that what the desk shows as
	// sent is what will be sent.
	QueueMail(ctx context.Context, m *Message, raw []byte, to []string) error
	// QueueAutoReply is QueueMail for an acknowledgement: it queues nothing
	// and returns false when the thread had one, or when the sender got one
	// less than interval ago, so that no one is answered twice by a machine.
	QueueAutoReply(ctx context.Context, m *Message, raw []byte, to string, interval time.Duration) (bool, error)
	// ClaimDueMail returns up to limit queued messages whose next attempt
	// is due, and moves their next attempt lease later, so that another
	// worker (another instance on PostgreSQL) does not send them too; a
	// worker that dies holding them leaves them due again after the lease.
	ClaimDueMail(ctx context.Context, limit int, lease time.Duration) ([]*OutgoingMail, error)
	// MarkMailSent and MarkMailFailed record an attempt: sent, or failed
	// with the reason and when to try again.
	MarkMailSent(ctx context.Context, message int64) error
	MarkMailFailed(ctx context.Context, message int64, reason string, retryAt time.Time) error
}

// OutgoingMail is a queued message: its exact bytes and the envelope's
// recipients, which a reply's Bcc-less headers may not all name.
type OutgoingMail struct {
	Message       int64     `json:"message"`
	Thread        int64     `json:"thread"`
	To            []string  `json:"to"`
	Raw           []byte    `json:"-"`
	Attempts      int       `json:"attempts"`
	NextAttemptAt time.Time `json:"next_attempt_at"`
	SentAt        time.Time `json:"sent_at,omitzero"`
	LastError     string    `json:"last_error,omitempty"`
}

// NormalizeThread checks a thread as an action left it: a known status, an
// assignee while actionable, labels sorted and unique.
func NormalizeThread(t *Thread) error {
	if !slices.Contains(ThreadStatuses, t.Status) {
		return Errorf(EINVALID, "status: %q is not one of %s", t.Status, strings.Join(ThreadStatuses, ", "))
	}
	if t.Status == ThreadActionable && t.Assignee == "" {
		return Errorf(EINVALID, "assignee: an actionable thread needs someone accountable for it")
	}
	slices.Sort(t.Labels)
	t.Labels = slices.Compact(t.Labels)
	return nil
}
