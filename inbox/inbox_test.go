package inbox_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/email"
	"github.com/wardsec/ward/holiday"
	"github.com/wardsec/ward/inbox"
	"github.com/wardsec/ward/mailout"
	"github.com/wardsec/ward/store"
	"github.com/wardsec/ward/wardtest"
)

func ptr[T any](v T) *T { return &v }

type fixture struct {
	path  string // the SQLite file, for what no service may do
	db    *store.DB
	svc   *inbox.Service
	clock *wardtest.Clock
}

func setup(t testing.TB, autoReply string) fixture {
	t.Helper()
	clock := wardtest.NewClock(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ward.db")
	db, err := store.Open(ctx, "sqlite:"+path, store.Options{Now: clock.Now, Holidays: holiday.Normalize})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	spec := ward.TeamSpec{Members: []ward.MemberSpec{
		{Email: "ana@example.org", MemberUpdate: ward.MemberUpdate{Name: ptr("Ana"), Role: ptr(ward.RoleAdmin)}},
		{Email: "tri@example.org", MemberUpdate: ward.MemberUpdate{Name: ptr("Tri"), Role: ptr(ward.RoleTriager)}},
		{Email: "vi@example.org", MemberUpdate: ward.MemberUpdate{Name: ptr("Vi"), Role: ptr(ward.RoleViewer)}},
	}}
	if _, err := db.ApplyTeam(ctx, spec, false); err != nil {
		t.Fatal(err)
	}
	cfg := inbox.Config{Mail: mailout.Config{From: "security@example.org", Name: "Example security"}, AutoReply: autoReply,
		PublicURL: "https://ward.example.org"}
	return fixture{path: path, db: db, svc: inbox.New(db, db, db, cfg, clock.Now, rand.NewChaCha8([32]byte{})), clock: clock}
}

func as(email string, role ward.Role) context.Context {
	return ward.NewContextWithActor(context.Background(), ward.Actor{Kind: ward.ActorMember, Email: email, Role: role})
}

var (
	system = context.Background()
	ana    = as("ana@example.org", ward.RoleAdmin)
	tri    = as("tri@example.org", ward.RoleTriager)
	vi     = as("vi@example.org", ward.RoleViewer)
)

// message writes a plain message; extra are more header lines.
func message(id, from, subject, body string, extra ...string) []byte {
	h := fmt.Sprintf("From: %s\r\nTo: security@example.org\r\nSubject: %s\r\nMessage-ID: <%s>\r\nDate: Mon, 2 Nov 2026 09:00:00 +0000\r\n", from, subject, id)
	for _, e := range extra {
		h += e + "\r\n"
	}
	return []byte(h + "\r\n" + body + "\r\n")
}

func receive(t *testing.T, f fixture, raw []byte) *ward.Ingested {
	t.Helper()
	in, err := f.svc.Receive(system, raw, ward.Delivery{Source: ward.MailEML})
	if err != nil {
		t.Fatalf("receive: %v", err)
	}
	return in
}

// execSQL changes the database behind the services' backs, as only an
// operator could.
func execSQL(t *testing.T, f fixture, query string, args ...any) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+f.path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if ward.ErrorCode(err) != code {
		t.Errorf("error = %v, want %s", err, code)
	}
}

// sink records what Deliver sends; fail, when set, answers each send.
type sink struct {
	mu   sync.Mutex
	sent []sent
	fail func(to []string) error
}

type sent struct {
	from string
	to   []string
	raw  []byte
}

func (s *sink) Send(_ context.Context, from string, to []string, raw []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		if err := s.fail(to); err != nil {
			return err
		}
	}
	s.sent = append(s.sent, sent{from, to, raw})
	return nil
}

// refusal is a server's permanent refusal, as mailout reports one.
type refusal string

func (r refusal) Error() string   { return string(r) }
func (r refusal) Permanent() bool { return true }

func deliver(t *testing.T, f fixture, s *sink) {
	t.Helper()
	if err := f.svc.DeliverDue(system, s); err != nil {
		t.Fatal(err)
	}
}

func TestAcknowledgements(t *testing.T) {
	f := setup(t, "Thanks. Please file this through https://hackerone.com/example instead.")
	s := &sink{}

	in := receive(t, f, message("a@rae", "Rae <rae@example.net>", "XSS in login", "details"))
	receive(t, f, message("b@rae", "Rae <rae@example.net>", "Re: XSS in login", "more", "In-Reply-To: <a@rae>"))
	deliver(t, f, s)
	if len(s.sent) != 1 {
		t.Fatalf("sent %d acknowledgements, want 1 for the thread", len(s.sent))
	}
	ack := email.Parse(s.sent[0].raw)
	if s.sent[0].to[0] != "rae@example.net" || ack.InReplyTo != "a@rae" || !strings.Contains(ack.Text, "hackerone.com/example") ||
		!strings.HasPrefix(ack.Subject, "Re: XSS in login") || ack.Auto == "" || s.sent[0].from != "" {
		t.Errorf("acknowledgement: envelope from %q to %v, %+v", s.sent[0].from, s.sent[0].to, ack)
	}
	msgs, _ := f.db.FindMessages(system, in.Thread.ID)
	if len(msgs) != 3 || msgs[1].Source != ward.MailSent || msgs[1].Delivery != ward.DeliverySent {
		t.Errorf("the thread does not show the acknowledgement as sent: %+v", msgs[1])
	}

	// Machines get none (RFC 3834), and neither does ward itself.
	for _, raw := range [][]byte{
		message("c@x", "list@example.net", "Digest", "x", "List-Id: <dev.example.net>"),
		message("d@x", "bot@example.net", "Out of office", "x", "Auto-Submitted: auto-replied"),
		message("e@x", "news@example.net", "News", "x", "Precedence: bulk"),
		message("f@x", "MAILER-DAEMON@example.net", "Undelivered", "x"),
		message("g@x", "someone@example.net", "Bounce", "x", "Return-Path: <>"),
		message("h@x", "security@example.org", "Loop", "x"),
	} {
		receive(t, f, raw)
	}
	// Old mail, such as a mailbox read for the first time, gets none.
	receive(t, f, []byte(strings.Replace(string(message("old@x", "old@example.net", "From 2024", "x")),
		"Mon, 2 Nov 2026", "Mon, 4 Nov 2024", 1)))
	// A second new thread from Rae within the day gets none either.
	receive(t, f, message("i@rae", "rae@example.net", "Another bug", "x"))
	deliver(t, f, s)
	if len(s.sent) != 1 {
		for _, m := range s.sent[1:] {
			t.Errorf("acknowledged %v", m.to)
		}
	}
	// Return-Path wins over From: it is where automatic answers go.
	receive(t, f, message("j@x", "Pat <pat@example.net>", "Bug", "x", "Return-Path: <bounces+pat@example.net>"))
	deliver(t, f, s)
	if len(s.sent) != 2 || s.sent[1].to[0] != "bounces+pat@example.net" {
		t.Errorf("sent = %+v", s.sent[len(s.sent)-1].to)
	}
}

func TestThreadActions(t *testing.T) {
	f := setup(t, "")
	in := receive(t, f, message("a@rae", "Rae <rae@example.net>", "Token leak in https://example.org/x", "CVE-2026-1111 again",
		"Reply-To: Rae Private <rae.private@example.net>"))
	id := in.Thread.ID

	_, err := f.svc.Act(vi, id, inbox.Action{Action: inbox.ActionAssign, Assignee: "tri@example.org"})
	wantCode(t, err, ward.EFORBIDDEN)
	_, err = f.svc.Act(tri, id, inbox.Action{Action: inbox.ActionAssign, Assignee: "vi@example.org"})
	wantCode(t, err, ward.EINVALID) // a viewer cannot be accountable
	_, err = f.svc.Act(tri, id, inbox.Action{Action: inbox.ActionAssign, Assignee: "nobody@example.org"})
	wantCode(t, err, ward.EINVALID)
	_, err = f.svc.Act(tri, id, inbox.Action{Action: "archive"})
	wantCode(t, err, ward.EINVALID)
	_, err = f.svc.Act(tri, id, inbox.Action{Action: inbox.ActionMark, Status: "closed"})
	wantCode(t, err, ward.EINVALID)

	th, err := f.svc.Act(tri, id, inbox.Action{Action: inbox.ActionMark, Status: ward.ThreadActionable})
	if err != nil || th.Assignee != "tri@example.org" || th.Status != ward.ThreadActionable {
		t.Fatalf("mark actionable = %+v, %v: the caller is accountable when nobody else is", th, err)
	}
	_, err = f.svc.Act(tri, id, inbox.Action{Action: inbox.ActionAssign, Assignee: ""})
	wantCode(t, err, ward.EINVALID) // actionable needs an assignee
	_, err = f.svc.Act(tri, id, inbox.Action{Action: inbox.ActionMark, Status: ward.ThreadCompleted, Version: th.Version - 1})
	wantCode(t, err, ward.ECONFLICT)

	// A reply goes to Reply-To, threaded under the last message.
	s := &sink{}
	if _, err := f.svc.Act(tri, id, inbox.Action{Action: inbox.ActionReply, Text: "Thanks, looking."}); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Act(tri, id, inbox.Action{Action: inbox.ActionReply, Text: "  "})
	wantCode(t, err, ward.EINVALID)
	deliver(t, f, s)
	if len(s.sent) != 1 {
		t.Fatalf("sent %d", len(s.sent))
	}
	r := email.Parse(s.sent[0].raw)
	if s.sent[0].to[0] != "rae.private@example.net" || r.InReplyTo != "a@rae" || len(r.References) != 1 ||
		s.sent[0].from != "security@example.org" || r.Auto != "" {
		t.Errorf("reply: from %q to %v: %+v", s.sent[0].from, s.sent[0].to, r)
	}

	// An out-of-office answer on the thread does not redirect replies.
	receive(t, f, message("ooo@rae", "Helpdesk <help@example.net>", "Re: Token leak", "away",
		"In-Reply-To: <a@rae>", "Auto-Submitted: auto-replied", "Reply-To: a@x.example, b@y.example"))
	if _, err := f.svc.Act(tri, id, inbox.Action{Action: inbox.ActionReply, Text: "Still looking."}); err != nil {
		t.Fatal(err)
	}
	deliver(t, f, s)
	if got := s.sent[len(s.sent)-1].to; len(got) != 1 || got[0] != "rae.private@example.net" {
		t.Errorf("the reply after an out-of-office answer went to %v", got)
	}

	// Likely duplicates before the thread is a report: by CVE id here.
	old := ward.Report{Title: "Old one", Body: "about CVE-2026-1111", Source: ward.SourceAPI}
	if _, err := f.db.CreateReport(ana, &old); err != nil {
		t.Fatal(err)
	}
	similar, err := f.svc.Similar(tri, id)
	if err != nil || len(similar) != 1 || similar[0].Report.ID != old.ID {
		t.Errorf("similar = %+v, %v", similar, err)
	}

	th, err = f.svc.Act(tri, id, inbox.Action{Action: inbox.ActionReport})
	if err != nil || th.Report == 0 || len(th.Labels) != 1 || th.Labels[0] != ward.LabelTracked {
		t.Fatalf("make a report = %+v, %v", th, err)
	}
	rep, _ := f.db.FindReportByID(system, th.Report)
	if rep.Source != ward.SourceEmail || rep.ReporterEmail != "rae@example.net" || rep.ReporterName != "Rae" ||
		rep.ExternalURL != fmt.Sprintf("https://ward.example.org/inbox/%d", id) || rep.Body != "CVE-2026-1111 again" {
		t.Errorf("report = %+v", rep)
	}
	_, err = f.svc.Act(tri, id, inbox.Action{Action: inbox.ActionReport})
	wantCode(t, err, ward.ECONFLICT)
	_, err = f.svc.Act(tri, id, inbox.Action{Action: inbox.ActionSpam})
	wantCode(t, err, ward.EINVALID)

	// The report closed as spam hides its thread from all but admins.
	execSQL(t, f, `UPDATE reports SET state = 'spam' WHERE id = ?`, rep.ID)
	for _, ctx := range []context.Context{vi, tri} {
		_, err := f.svc.Visible(ctx, id)
		wantCode(t, err, ward.ENOTFOUND)
		_, err = f.svc.Raw(ctx, id, 1)
		wantCode(t, err, ward.ENOTFOUND)
	}
	if _, err := f.svc.Visible(ana, id); err != nil {
		t.Errorf("an admin cannot see the thread of a spam report: %v", err)
	}
	if listed, _ := f.svc.List(tri, ward.ThreadFilter{}); len(listed) != 0 {
		t.Errorf("a triager's list shows the thread of a spam report: %+v", listed)
	}
	if listed, _ := f.svc.List(ana, ward.ThreadFilter{}); len(listed) != 1 {
		t.Errorf("an admin's list holds %d threads, want the spam report's", len(listed))
	}
	execSQL(t, f, `UPDATE reports SET state = 'new' WHERE id = ?`, rep.ID)

	// The reporter's answer lands on the report.
	receive(t, f, message("b@rae", "rae@example.net", "Re: Token leak", "version 1.2", "In-Reply-To: <a@rae>"))
	events, _ := f.db.FindTimeline(system, rep.ID)
	if last := events[len(events)-1]; last.Action != "email" || last.Comment != "version 1.2" || last.Visibility != "reporter" {
		t.Errorf("last event = %+v", last)
	}
}

// unreadable refuses the first reading it is given, as a database might
// refuse what a hostile message makes of a field.
type unreadable struct {
	*store.DB
	refused bool
}

func (u *unreadable) IngestMessage(ctx context.Context, m *ward.Message, raw []byte, d ward.Delivery) (*ward.Ingested, error) {
	if !u.refused {
		u.refused = true
		return nil, ward.Errorf(ward.EINVALID, "subject: too long for the index")
	}
	return u.DB.IngestMessage(ctx, m, raw, d)
}

func TestUnreadableMailIsKept(t *testing.T) {
	f := setup(t, "")
	svc := inbox.New(&unreadable{DB: f.db}, f.db, f.db, inbox.Config{}, f.clock.Now, rand.NewChaCha8([32]byte{}))
	raw := message("odd@x", "odd@example.net", "Odd", "body")
	in, err := svc.Receive(system, raw, ward.Delivery{Source: ward.MailLMTP})
	if err != nil {
		t.Fatal(err)
	}
	if !in.Thread.Flagged || in.Message.Subject != "(not readable)" || len(in.Message.Problems) != 1 ||
		!strings.Contains(in.Message.Problems[0], "too long for the index") {
		t.Errorf("kept as %+v in %+v", in.Message, in.Thread)
	}
	if got, _ := f.db.FindRawMessage(system, in.Message.ID); !bytes.Equal(got, raw) {
		t.Error("the raw message was not kept")
	}
}

// A thread whose first message named no sender has no correspondent:
// nobody who writes later without one may take the reply.
func TestReplyWithoutCorrespondent(t *testing.T) {
	f := setup(t, "")
	in := receive(t, f, []byte("Subject: no sender\r\nMessage-ID: <n1@x>\r\n\r\nhello\r\n"))
	receive(t, f, []byte("Subject: Re: no sender\r\nMessage-ID: <n2@x>\r\nIn-Reply-To: <n1@x>\r\nReply-To: attacker@evil.example\r\n\r\nme\r\n"))
	th, msgs, err := f.svc.Conversation(tri, in.Thread.ID)
	if err != nil || len(msgs) != 2 {
		t.Fatalf("conversation: %d messages, %v", len(msgs), err)
	}
	if _, rcpt, err := f.svc.Recipients(tri, th, msgs); err == nil {
		t.Errorf("a reply would go to %v", rcpt)
	}
}

func TestSpamAndDelete(t *testing.T) {
	f := setup(t, "")
	in := receive(t, f, message("s@x", "spam@example.net", "Cheap", "buy"))
	id := in.Thread.ID
	if _, err := f.svc.Act(tri, id, inbox.Action{Action: inbox.ActionSpam}); err != nil {
		t.Fatal(err)
	}
	_, err := f.svc.Visible(tri, id)
	wantCode(t, err, ward.ENOTFOUND)
	_, err = f.svc.Raw(tri, id, in.Message.ID)
	wantCode(t, err, ward.ENOTFOUND)
	_, err = f.svc.List(tri, ward.ThreadFilter{Status: ward.ThreadSpam})
	wantCode(t, err, ward.EFORBIDDEN)
	if got, err := f.svc.List(ana, ward.ThreadFilter{Status: ward.ThreadSpam}); err != nil || len(got) != 1 {
		t.Errorf("admin's spam = %v, %v", got, err)
	}
	wantCode(t, f.svc.Delete(tri, id), ward.EFORBIDDEN)
	if err := f.svc.Delete(ana, id); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Visible(ana, id)
	wantCode(t, err, ward.ENOTFOUND)
	_, err = f.svc.List(system, ward.ThreadFilter{Status: "nope"})
	wantCode(t, err, ward.EINVALID)
}

func TestDeliveryRetries(t *testing.T) {
	f := setup(t, "")
	in := receive(t, f, message("a@rae", "rae@example.net", "Bug", "x"))
	for _, text := range []string{"one", "two"} {
		if _, err := f.svc.Act(tri, in.Thread.ID, inbox.Action{Action: inbox.ActionReply, Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	calls := 0
	s := &sink{fail: func([]string) error {
		calls++
		if calls == 1 {
			return errors.New("dial tcp: connection refused")
		}
		return refusal("550 no such user")
	}}
	deliver(t, f, s)
	msgs, _ := f.db.FindMessages(system, in.Thread.ID)
	if msgs[1].Delivery != ward.DeliveryQueued || !strings.HasPrefix(msgs[2].Delivery, ward.DeliveryFailed) {
		t.Fatalf("after one pass: %q and %q", msgs[1].Delivery, msgs[2].Delivery)
	}
	s.fail = nil
	deliver(t, f, s)
	if len(s.sent) != 0 {
		t.Error("a failed message was retried before its time")
	}
	f.clock.Advance(time.Minute)
	deliver(t, f, s)
	if len(s.sent) != 1 || !bytes.Contains(s.sent[0].raw, []byte("one")) {
		t.Errorf("after a minute sent %d", len(s.sent))
	}
}
