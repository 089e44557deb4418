// Package inbox runs the team's collaborative inbox: it reads mail into
// threads (through the email package), answers new threads with an
// acknowledgement, and takes the team's actions on threads — assign, mark,
// reply, make a report, spam — checking who may do what. Queued mail is
// delivered by Deliver.
package inbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/email"
	"github.com/wardsec/ward/mailout"
)

// Config is how the inbox answers mail.
type Config struct {
	Mail mailout.Config
	// AutoReply is the acknowledgement a new thread gets, such as a pointer
	// to the bug bounty programme; "" sends none.
	AutoReply string
	// AutoReplyInterval is the least time between two acknowledgements to
	// one sender; 24 hours when 0.
	AutoReplyInterval time.Duration
	// PublicURL is ward's address, for the link from a report back to its
	// thread; "" leaves the report without one.
	PublicURL string
	// Logger gets what goes wrong after mail was stored (an acknowledgement
	// that could not be written, a delivery that failed), by message and
	// thread IDs only; nil logs nothing.
	Logger *slog.Logger
}

// ackWindow is how old mail may be and still be acknowledged: a mailbox
// read for the first time, or again after its UIDVALIDITY changed, hands
// over mail the team read long ago, whose senders expect no answer now.
const ackWindow = 72 * time.Hour

// Service is the inbox. It is safe for concurrent use.
type Service struct {
	mail    ward.InboxService
	reports ward.ReportService
	members ward.MemberService
	cfg     Config
	now     func() time.Time
	random  io.Reader
	wake    chan struct{} // Deliver's: mail was queued
}

// New returns the inbox over the stores; now is the clock and random the
// source of Message-IDs.
func New(mail ward.InboxService, reports ward.ReportService, members ward.MemberService, cfg Config, now func() time.Time, random io.Reader) *Service {
	if cfg.AutoReplyInterval <= 0 {
		cfg.AutoReplyInterval = 24 * time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{mail: mail, reports: reports, members: members, cfg: cfg, now: now, random: random, wake: make(chan struct{}, 1)}
}

// Read is ward's reading of a raw message, ready to store.
func Read(raw []byte) (*ward.Message, *email.Message) {
	p := email.Parse(raw)
	m := &ward.Message{
		Key: p.Key(raw), MessageID: p.MessageID, InReplyTo: p.InReplyTo, References: p.References,
		Subject: p.Subject, From: address(p.From), Date: p.Date, Text: p.Text, HTML: p.HTML,
		Auto: p.Auto, Problems: p.Problems, Size: len(raw), SubjectKey: email.SubjectKey(p.Subject), Reply: replyPrefix.MatchString(p.Subject),
	}
	for _, a := range p.To {
		m.To = append(m.To, address(a))
	}
	for _, a := range p.Cc {
		m.Cc = append(m.Cc, address(a))
	}
	for _, a := range p.Attachments {
		m.Attachments = append(m.Attachments, ward.MailAttachment{Filename: a.Filename, ContentType: a.ContentType, Size: a.Size})
	}
	return m, p
}

// replyPrefix is how mail programs mark an answer, in the languages
// security lists see most, after any list tag such as "[security]".
var replyPrefix = regexp.MustCompile(`(?i)^\s*(\[[^\]]*\]\s*)?(re|aw|sv|vs|antw|odp|ref|rif)\s*(\[\d+\]|\(\d+\))?\s*:`)

func address(a email.Address) ward.MailAddress { return ward.MailAddress{Name: a.Name, Addr: a.Addr} }

// Receive stores a raw message as it arrived and, when it starts a thread
// from a person, queues the acknowledgement. A message stored before is
// not stored again (Created is false). The acknowledgement is queued after
// the message is committed: a crash between the two loses one
// acknowledgement, never the message, and an acknowledgement that cannot
// be written is logged, not returned, since the message is safe.
func (s *Service) Receive(ctx context.Context, raw []byte, d ward.Delivery) (*ward.Ingested, error) {
	m, parsed := Read(raw)
	in, err := s.mail.IngestMessage(ctx, m, raw, d)
	if ward.ErrorCode(err) == ward.EINVALID {
		// The reading could not be stored: the bytes can, flagged, rather
		// than a mail server retrying (or an IMAP mailbox stalling) forever.
		in, err = s.mail.IngestMessage(ctx, unread(raw, m, err), raw, d)
	}
	if err != nil {
		return nil, fmt.Errorf("receive mail: %w", err)
	}
	if in.Created && in.Thread.Messages == 1 && s.cfg.AutoReply != "" {
		if err := s.acknowledge(ctx, in, parsed); err != nil {
			s.cfg.Logger.Error("acknowledgement not queued", "thread", in.Thread.ID, "message", in.Message.ID, "err", redactAddresses(err.Error()))
		}
	}
	return in, nil
}

// unread is the least reading of a message whose reading was refused:
// its key and sender, and why.
func unread(raw []byte, m *ward.Message, why error) *ward.Message {
	return &ward.Message{Key: m.Key, From: ward.MailAddress{Addr: m.From.Addr}, Subject: "(not readable)", Size: len(raw),
		Problems: append(m.Problems, "not stored as read: "+ward.ErrorMessage(why)+"; the raw message is kept")}
}

// addressLike finds email addresses in text bound for logs: reporters'
// addresses are theirs, not the log's.
var addressLike = regexp.MustCompile(`[^\s<>"'(),;:]+@[^\s<>"'(),;:]+`)

func redactAddresses(s string) string { return addressLike.ReplaceAllString(s, "[address]") }

// Ingest is Receive for the intake packages, which need only to know that
// the message is safe.
func (s *Service) Ingest(ctx context.Context, raw []byte, d ward.Delivery) error {
	_, err := s.Receive(ctx, raw, d)
	return err
}

// MailCursor and SaveMailCursor keep IMAP intake's place.
func (s *Service) MailCursor(ctx context.Context, mailbox string) (uint32, uint32, error) {
	return s.mail.MailCursor(ctx, mailbox)
}

// SaveMailCursor keeps where IMAP intake stopped in a mailbox.
func (s *Service) SaveMailCursor(ctx context.Context, mailbox string, validity, uid uint32) error {
	return s.mail.SaveMailCursor(ctx, mailbox, validity, uid)
}

// acknowledge queues the auto-reply, unless the message is a machine's
// (RFC 3834), ward's own, or its sender cannot be answered.
func (s *Service) acknowledge(ctx context.Context, in *ward.Ingested, p *email.Message) error {
	to := p.ReturnPath
	if to == "" {
		to = p.From.Addr
	}
	if p.Auto != "" || to == "" || to == "<>" || strings.EqualFold(to, s.cfg.Mail.From) || in.Thread.Status == ward.ThreadSpam ||
		(!p.Date.IsZero() && s.now().Sub(p.Date) > ackWindow) {
		return nil
	}
	raw, id, err := mailout.Compose(s.cfg.Mail, mailout.Reply{
		To: []ward.MailAddress{{Addr: to}}, Subject: in.Message.Subject, Text: s.cfg.AutoReply,
		InReplyTo: p.MessageID, References: threadReferences(in.Message), Auto: true, Date: s.now(),
	}, s.random)
	if err != nil {
		return fmt.Errorf("acknowledge thread %d: %w", in.Thread.ID, err)
	}
	ack, _ := Read(raw)
	ack.Thread = in.Thread.ID
	ack.Key, ack.MessageID = id, id
	queued, err := s.mail.QueueAutoReply(ctx, ack, raw, to, s.cfg.AutoReplyInterval)
	if err != nil {
		return fmt.Errorf("acknowledge thread %d: %w", in.Thread.ID, err)
	}
	if queued {
		s.poke()
	}
	return nil
}

// threadReferences are the References of an answer to m.
func threadReferences(m *ward.Message) []string {
	refs := slices.Clone(m.References)
	if m.MessageID != "" {
		refs = append(refs, m.MessageID)
	}
	return refs
}

// poke wakes Deliver without waiting for it.
func (s *Service) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// List returns threads for the filter. Only admins list spam.
func (s *Service) List(ctx context.Context, f ward.ThreadFilter) ([]*ward.Thread, error) {
	a := ward.ActorFromContext(ctx)
	if err := ward.Require(a, ward.ReadInbox); err != nil {
		return nil, err
	}
	if f.Status != "" && !slices.Contains(ward.ThreadStatuses, f.Status) {
		return nil, ward.Errorf(ward.EINVALID, "status: %q is not one of %s", f.Status, strings.Join(ward.ThreadStatuses, ", "))
	}
	if f.Status == ward.ThreadSpam && !a.Role.AtLeast(ward.RoleAdmin) {
		return nil, ward.Errorf(ward.EFORBIDDEN, "only admins see spam")
	}
	f.SpamReports = a.Role.AtLeast(ward.RoleAdmin)
	return s.mail.FindThreads(ctx, f)
}

// Visible returns the thread, or ENOTFOUND when the caller may not see
// it: spam is an admin's only.
func (s *Service) Visible(ctx context.Context, id int64) (*ward.Thread, error) {
	a := ward.ActorFromContext(ctx)
	if err := ward.Require(a, ward.ReadInbox); err != nil {
		return nil, err
	}
	t, err := s.mail.FindThreadByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.Role.AtLeast(ward.RoleAdmin) {
		return t, nil
	}
	spam := t.Status == ward.ThreadSpam
	if t.Report != 0 && !spam {
		// A thread is its report's: spam there hides it here too.
		r, err := s.reports.FindReportByID(ctx, t.Report)
		if err != nil {
			return nil, err
		}
		spam = r.State == "spam"
	}
	if spam {
		return nil, ward.Errorf(ward.ENOTFOUND, "no thread has the id %d", id)
	}
	return t, nil
}

// Conversation returns a visible thread and its messages, oldest first.
func (s *Service) Conversation(ctx context.Context, id int64) (*ward.Thread, []*ward.Message, error) {
	t, err := s.Visible(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	msgs, err := s.mail.FindMessages(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	return t, msgs, nil
}

// Raw returns a message's bytes as received, when the caller may see its
// thread.
func (s *Service) Raw(ctx context.Context, thread, message int64) ([]byte, error) {
	if _, err := s.Visible(ctx, thread); err != nil {
		return nil, err
	}
	m, err := s.mail.FindMessage(ctx, message)
	if ward.ErrorCode(err) == ward.ENOTFOUND || (err == nil && m.Thread != thread) {
		return nil, ward.Errorf(ward.ENOTFOUND, "thread %d has no message %d", thread, message)
	}
	if err != nil {
		return nil, err
	}
	return s.mail.FindRawMessage(ctx, message)
}

// Similar returns the reports that a thread may duplicate: those it
// became, and others like the report it would become.
func (s *Service) Similar(ctx context.Context, id int64) ([]ward.SimilarReport, error) {
	t, msgs, err := s.Conversation(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.SimilarTo(ctx, t, msgs)
}

// SimilarTo is Similar for a conversation the caller has loaded through
// Conversation already, as the thread page has: a long thread's messages
// are read once.
func (s *Service) SimilarTo(ctx context.Context, t *ward.Thread, msgs []*ward.Message) ([]ward.SimilarReport, error) {
	if err := ward.Require(ward.ActorFromContext(ctx), ward.ReadReports); err != nil {
		return nil, err
	}
	if t.Report != 0 {
		return s.reports.SimilarReports(ctx, t.Report, 5)
	}
	return s.reports.SimilarReportsTo(ctx, draftReport(t, msgs, ""), 5)
}

// Thread actions.
const (
	ActionAssign = "assign" // assignee; "" to unassign a thread that is not actionable
	ActionMark   = "mark"   // status; actionable without an assignee assigns the caller
	ActionReply  = "reply"  // text: mailed from the team address to the correspondent
	ActionReport = "report" // make a report of the thread and label it Tracked
	ActionSpam   = "spam"   // hide it from all but admins
)

// Actions lists them in the order the desk offers them.
var Actions = []string{ActionAssign, ActionMark, ActionReply, ActionReport, ActionSpam}

// Action is the body of POST /api/v1/inbox/{id}/actions.
type Action struct {
	Action   string `json:"action"`
	Assignee string `json:"assignee"`
	Status   string `json:"status"`
	Text     string `json:"text"`
	// Version, when set, is the thread's version the action was worked
	// out on: a thread changed since is ECONFLICT.
	Version int64 `json:"version"`
}

// maxReply bounds a reply's text.
const maxReply = 64 << 10

// Act takes an action on a thread and returns the thread after it.
func (s *Service) Act(ctx context.Context, id int64, in Action) (*ward.Thread, error) {
	a := ward.ActorFromContext(ctx)
	if err := ward.Require(a, ward.WorkInbox); err != nil {
		return nil, err
	}
	t, msgs, err := s.Conversation(ctx, id)
	if err != nil {
		return nil, err
	}
	version := t.Version
	if in.Version != 0 && in.Version != version {
		return nil, ward.Errorf(ward.ECONFLICT, "thread %d changed since version %d; reload it and try again", id, in.Version)
	}
	switch in.Action {
	case ActionAssign:
		if in.Assignee != "" {
			if err := s.checkAssignee(ctx, in.Assignee); err != nil {
				return nil, err
			}
		}
		t.Assignee = in.Assignee
	case ActionMark:
		if in.Status == ward.ThreadSpam {
			return nil, ward.Errorf(ward.EINVALID, "status: mark spam with the spam action")
		}
		t.Status = in.Status
		if t.Status == ward.ThreadActionable && t.Assignee == "" {
			t.Assignee = a.Email
		}
	case ActionSpam:
		if t.Report != 0 {
			return nil, ward.Errorf(ward.EINVALID, "thread %d became report %d; close the report as spam instead", id, t.Report)
		}
		t.Status = ward.ThreadSpam
	case ActionReply:
		if err := s.reply(ctx, t, msgs, in.Text); err != nil {
			return nil, err
		}
		// The reply changed the thread's count and version; the action's
		// result is the thread as it is now.
		return s.mail.FindThreadByID(ctx, id)
	case ActionReport:
		return s.makeReport(ctx, t, msgs)
	default:
		return nil, ward.Errorf(ward.EINVALID, "action: %q is not one of %s", in.Action, strings.Join(Actions, ", "))
	}
	if err := s.mail.UpdateThread(ctx, t, version); err != nil {
		return nil, err
	}
	return t, nil
}

// checkAssignee refuses to make anyone accountable who cannot work the
// inbox.
func (s *Service) checkAssignee(ctx context.Context, email string) error {
	m, err := s.members.FindMemberByEmail(ctx, email)
	if ward.ErrorCode(err) == ward.ENOTFOUND {
		return ward.Errorf(ward.EINVALID, "assignee: no member has the email %q", email)
	}
	if err != nil {
		return err
	}
	if m.Disabled || !ward.Can(ward.Actor{Kind: ward.ActorMember, Role: m.Role}, ward.WorkInbox) {
		return ward.Errorf(ward.EINVALID, "assignee: %s cannot work the inbox", m.Email)
	}
	return nil
}

// reply mails text from the team address to the thread's correspondent
// (Recipients), threaded under their message.
func (s *Service) reply(ctx context.Context, t *ward.Thread, msgs []*ward.Message, text string) error {
	switch {
	case strings.TrimSpace(text) == "":
		return ward.Errorf(ward.EINVALID, "text: a reply needs text")
	case len(text) > maxReply:
		return ward.Errorf(ward.EINVALID, "text: longer than %d KiB", maxReply>>10)
	case !utf8.ValidString(text):
		return ward.Errorf(ward.EINVALID, "text: not valid UTF-8")
	}
	if err := ward.CheckControl("text", text); err != nil {
		return err
	}
	last, rcpt, err := s.Recipients(ctx, t, msgs)
	if err != nil {
		return err
	}
	envelope := make([]string, len(rcpt))
	for i, a := range rcpt {
		envelope[i] = a.Addr
	}
	out, id, err := mailout.Compose(s.cfg.Mail, mailout.Reply{To: rcpt, Subject: t.Subject, Text: text,
		InReplyTo: last.MessageID, References: threadReferences(last), Date: s.now()}, s.random)
	if err != nil {
		return fmt.Errorf("reply on thread %d: %w", t.ID, err)
	}
	m, _ := Read(out)
	m.Thread, m.Key, m.MessageID, m.Sender = t.ID, id, id, ward.ActorFromContext(ctx).Email
	if err := s.mail.QueueMail(ctx, m, out, envelope); err != nil {
		return err
	}
	s.poke()
	return nil
}

// maxRecipients bounds a reply's recipients: a Reply-To of a thousand
// addresses is a mailing, not an answer.
const maxRecipients = 10

// Recipients returns the message a reply on the thread answers and who the
// reply goes to: the Reply-To (else From) of the correspondent's latest
// message that is not machine mail, or of the thread's first message from
// outside. An out-of-office answer, or anyone who joined the thread by
// naming its Message-ID, does not redirect the team's reply.
func (s *Service) Recipients(ctx context.Context, t *ward.Thread, msgs []*ward.Message) (*ward.Message, []ward.MailAddress, error) {
	var first, latest *ward.Message
	for _, m := range msgs {
		if m.Source == ward.MailSent {
			continue
		}
		if first == nil {
			first = m
		}
		if m.Auto == "" && t.Correspondent != "" && strings.EqualFold(m.From.Addr, t.Correspondent) {
			latest = m
		}
	}
	if latest == nil {
		latest = first
	}
	if latest == nil {
		return nil, nil, ward.Errorf(ward.EINVALID, "thread %d has no message to answer", t.ID)
	}
	raw, err := s.mail.FindRawMessage(ctx, latest.ID)
	if err != nil {
		return nil, nil, err
	}
	// The raw message is what counts: Reply-To is read from it.
	p := email.Parse(raw)
	to := p.ReplyTo
	if len(to) == 0 {
		to = []email.Address{p.From}
	}
	var rcpt []ward.MailAddress
	for _, a := range to {
		if a.Addr != "" && len(rcpt) < maxRecipients {
			rcpt = append(rcpt, address(a))
		}
	}
	if len(rcpt) == 0 {
		return nil, nil, ward.Errorf(ward.EINVALID, "thread %d: its message names no address to answer", t.ID)
	}
	return latest, rcpt, nil
}

// makeReport files the thread as a report from its first correspondent,
// linked both ways, and makes it actionable for whoever made it.
func (s *Service) makeReport(ctx context.Context, t *ward.Thread, msgs []*ward.Message) (*ward.Thread, error) {
	if err := ward.Require(ward.ActorFromContext(ctx), ward.FileReports); err != nil {
		return nil, err
	}
	if t.Report != 0 {
		return nil, ward.Errorf(ward.ECONFLICT, "thread %d is report %d already", t.ID, t.Report)
	}
	link := ""
	if s.cfg.PublicURL != "" {
		link = fmt.Sprintf("%s/inbox/%d", strings.TrimRight(s.cfg.PublicURL, "/"), t.ID)
	}
	r := draftReport(t, msgs, link)
	if _, err := s.reports.CreateReport(ctx, r); err != nil {
		return nil, err
	}
	// Mail may arrive between filing the report and linking the thread to
	// it; that must not leave the report unlinked, so the link is laid on
	// the thread as it is now. (Filing again would find the same report:
	// its external id is the first message's key.)
	for range 3 {
		version := t.Version
		t.Report = r.ID
		t.Labels = append(t.Labels, ward.LabelTracked)
		if t.Status == ward.ThreadOpen || t.Status == ward.ThreadUnactionable {
			t.Status = ward.ThreadActionable
		}
		if t.Assignee == "" {
			t.Assignee = ward.ActorFromContext(ctx).Email
		}
		err := s.mail.UpdateThread(ctx, t, version)
		if ward.ErrorCode(err) != ward.ECONFLICT {
			if err != nil {
				return nil, err
			}
			return t, nil
		}
		if t, err = s.mail.FindThreadByID(ctx, t.ID); err != nil {
			return nil, err
		}
	}
	return nil, ward.Errorf(ward.ECONFLICT, "thread %d kept changing; report %d is filed, make the report again to link it", t.ID, r.ID)
}

// draftReport is the report a thread becomes: its subject, the first
// message from outside as the body, and its sender as the reporter.
func draftReport(t *ward.Thread, msgs []*ward.Message, link string) *ward.Report {
	r := &ward.Report{Title: ward.Truncate(t.Subject, 300), Source: ward.SourceEmail, ExternalURL: link}
	for _, m := range msgs {
		if m.Source == ward.MailSent {
			continue
		}
		r.Body = ward.Truncate(strings.TrimSpace(m.Text), 256<<10)
		r.ReporterName = ward.Truncate(m.From.Name, 200)
		if _, err := ward.NormalizeEmail(m.From.Addr); err == nil {
			r.ReporterEmail = m.From.Addr
		}
		if r.ReporterName == "" {
			r.ReporterName = m.From.Addr
		}
		r.ExternalID = m.Key
		if len(r.ExternalID) > 200 {
			// Cut, two long keys could be one report's: hashed, never.
			sum := sha256.Sum256([]byte(m.Key))
			r.ExternalID = "sha256-id:" + hex.EncodeToString(sum[:])
		}
		break
	}
	return r
}

// Delete deletes a spam thread for good; only admins may.
func (s *Service) Delete(ctx context.Context, id int64) error {
	if err := ward.Require(ward.ActorFromContext(ctx), ward.DeleteMail); err != nil {
		return err
	}
	return s.mail.DeleteThread(ctx, id)
}
