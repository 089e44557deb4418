package store

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/wardsec/ward"
)

// mail returns a message as the email package would read it.
func mail(id, from, subject string, refs ...string) *ward.Message {
	m := &ward.Message{Key: id, MessageID: id, Subject: subject, From: ward.MailAddress{Name: "Rae", Addr: from},
		Text: "hello from " + from, SubjectKey: strings.ToLower(strings.TrimPrefix(subject, "Re: ")), Reply: strings.HasPrefix(subject, "Re: ")}
	if len(refs) > 0 {
		m.InReplyTo, m.References = refs[len(refs)-1], refs
	}
	return m
}

func ingest(t *testing.T, db testDB, m *ward.Message, d ward.Delivery) *ward.Ingested {
	t.Helper()
	in, err := db.IngestMessage(ctxAs(ward.Actor{Kind: ward.ActorSystem, Role: ward.RoleAdmin}), m, []byte("raw "+m.Key), d)
	if err != nil {
		t.Fatalf("ingest %s: %v", m.Key, err)
	}
	return in
}

func TestIngestThreads(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(ward.Actor{Kind: ward.ActorMember, Email: "tri@example.org", Role: ward.RoleTriager})
		imap := ward.Delivery{Source: ward.MailIMAP}

		first := ingest(t, db, mail("a@x", "Rae@Example.org", "XSS in login"), imap)
		if !first.Created || first.Thread.Status != ward.ThreadOpen || first.Thread.Correspondent != "rae@example.org" ||
			first.Thread.Messages != 1 || first.Thread.Subject != "XSS in login" {
			t.Fatalf("first = %+v", first.Thread)
		}
		reply := ingest(t, db, mail("b@x", "rae@example.org", "Re: XSS in login", "a@x"), imap)
		if reply.Thread.ID != first.Thread.ID || reply.Thread.Messages != 2 {
			t.Errorf("a reply by In-Reply-To went to thread %d, want %d", reply.Thread.ID, first.Thread.ID)
		}
		// A client that drops References still finds the thread by subject
		// and sender, but another sender with the same subject does not.
		lost := ingest(t, db, mail("c@x", "rae@example.org", "Re: XSS in login"), imap)
		if lost.Thread.ID != first.Thread.ID {
			t.Errorf("a reply by subject went to thread %d, want %d", lost.Thread.ID, first.Thread.ID)
		}
		// A new message (no "Re:") with the same subject is a new report.
		fresh := ingest(t, db, mail("c2@x", "rae@example.org", "XSS in login"), imap)
		if fresh.Thread.ID == first.Thread.ID {
			t.Error("a message that answers nothing joined a thread by its subject")
		}
		other := ingest(t, db, mail("d@x", "eve@example.org", "XSS in login"), imap)
		if other.Thread.ID == first.Thread.ID {
			t.Error("another sender's mail with the same subject joined the thread")
		}
		db.clock.Advance(61 * 24 * time.Hour)
		late := ingest(t, db, mail("e@x", "rae@example.org", "Re: XSS in login"), imap)
		if late.Thread.ID == first.Thread.ID {
			t.Error("a reply by subject two months later joined the old thread")
		}

		// The same message again, or the same delivery, is not stored twice.
		again := ingest(t, db, mail("a@x", "rae@example.org", "XSS in login"), ward.Delivery{Source: ward.MailLMTP, Ref: "lmtp:1"})
		if again.Created || again.Message.ID != first.Message.ID {
			t.Errorf("the same Message-ID again = created %v, message %d", again.Created, again.Message.ID)
		}
		byRef := ingest(t, db, mail("other-id@x", "rae@example.org", "changed"), ward.Delivery{Source: ward.MailLMTP, Ref: "lmtp:1"})
		if byRef.Created || byRef.Message.ID != first.Message.ID {
			t.Errorf("a delivery seen before = created %v, message %d", byRef.Created, byRef.Message.ID)
		}

		msgs, err := db.FindMessages(ctx, first.Thread.ID)
		if err != nil || len(msgs) != 3 {
			t.Fatalf("messages = %d, %v", len(msgs), err)
		}
		if msgs[1].InReplyTo != "a@x" || len(msgs[1].References) != 1 || msgs[0].From.Addr != "Rae@Example.org" || msgs[0].Source != ward.MailIMAP {
			t.Errorf("stored message = %+v", msgs[1])
		}
		raw, err := db.FindRawMessage(ctx, msgs[0].ID)
		if err != nil || string(raw) != "raw a@x" {
			t.Errorf("raw = %q, %v", raw, err)
		}
		_, err = db.FindRawMessage(ctx, 9999)
		wantCode(t, err, ward.ENOTFOUND)

		_, err = db.IngestMessage(ctx, &ward.Message{Key: "nul@x", Text: "a\x00b"}, nil, imap)
		wantCode(t, err, ward.EINVALID)

		// Whatever a sender writes fits the indexes of both databases: a
		// Message-ID, a subject and an address of kilobytes, and a reply
		// naming that Message-ID finds its thread.
		long := strings.Repeat("é", 3000)
		huge := mail(long+"@x", long+"@example.org", long)
		huge.Reply = true
		in := ingest(t, db, huge, imap)
		if !in.Created || len(in.Message.Key) > 100 {
			t.Errorf("a long message key = %q", in.Message.Key)
		}
		if back := ingest(t, db, mail("long-reply@x", "rae@example.org", "Re: x", long+"@x"), imap); back.Thread.ID != in.Thread.ID {
			t.Error("a reply naming a long Message-ID did not find its thread")
		}
		if again := ingest(t, db, mail(long+"@x", "rae@example.org", "x"), imap); again.Created {
			t.Error("a long Message-ID was stored twice")
		}
	})
}

func TestThreadStatusAndSpam(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(ward.Actor{Kind: ward.ActorMember, Email: "tri@example.org", Role: ward.RoleTriager})
		in := ingest(t, db, mail("a@x", "rae@example.org", "Bug"), ward.Delivery{Source: ward.MailIMAP})
		spam := ingest(t, db, mail("s@x", "spam@example.net", "Cheap pills"), ward.Delivery{Source: ward.MailIMAP})

		th := in.Thread
		th.Status = ward.ThreadActionable
		wantCode(t, db.UpdateThread(ctx, th, th.Version), ward.EINVALID) // no assignee
		th.Assignee = "tri@example.org"
		if err := db.UpdateThread(ctx, th, th.Version); err != nil {
			t.Fatal(err)
		}
		stale := *th
		stale.Status = ward.ThreadCompleted
		wantCode(t, db.UpdateThread(ctx, &stale, th.Version-1), ward.ECONFLICT)

		got, err := db.FindThreads(ctx, ward.ThreadFilter{Assignee: "tri@example.org"})
		if err != nil || len(got) != 1 || got[0].ID != th.ID {
			t.Fatalf("by assignee = %v, %v", got, err)
		}
		got, _ = db.FindThreads(ctx, ward.ThreadFilter{Status: ward.ThreadOpen})
		if len(got) != 1 || got[0].ID != spam.Thread.ID {
			t.Errorf("open = %v", got)
		}

		// Completed, then a new message: open again, still assigned.
		th.Status = ward.ThreadCompleted
		if err := db.UpdateThread(ctx, th, th.Version); err != nil {
			t.Fatal(err)
		}
		back := ingest(t, db, mail("b@x", "rae@example.org", "Re: Bug", "a@x"), ward.Delivery{Source: ward.MailIMAP})
		if back.Thread.Status != ward.ThreadOpen || back.Thread.Assignee != "tri@example.org" {
			t.Errorf("after a new message = %s, %q", back.Thread.Status, back.Thread.Assignee)
		}

		wantCode(t, db.DeleteThread(ctx, spam.Thread.ID), ward.EINVALID) // not marked spam
		st := spam.Thread
		st.Status = ward.ThreadSpam
		if err := db.UpdateThread(ctx, st, st.Version); err != nil {
			t.Fatal(err)
		}
		all, _ := db.FindThreads(ctx, ward.ThreadFilter{})
		for _, x := range all {
			if x.ID == st.ID {
				t.Error("spam is listed without asking for it")
			}
		}
		if only, _ := db.FindThreads(ctx, ward.ThreadFilter{Status: ward.ThreadSpam}); len(only) != 1 {
			t.Errorf("spam list = %v", only)
		}
		if err := db.DeleteThread(ctx, st.ID); err != nil {
			t.Fatal(err)
		}
		_, err = db.FindThreadByID(ctx, st.ID)
		wantCode(t, err, ward.ENOTFOUND)
		_, err = db.FindRawMessage(ctx, spam.Message.ID)
		wantCode(t, err, ward.ENOTFOUND)
		entries, _ := db.FindAuditEntries(ctx, ward.AuditFilter{Object: "thread/" + itoa(st.ID)})
		if len(entries) == 0 || entries[0].Action != "thread.delete" {
			t.Errorf("audit after delete = %+v", entries)
		}
		// Deleted for good: the same message may arrive again as new.
		if again := ingest(t, db, mail("s@x", "spam@example.net", "Cheap pills"), ward.Delivery{Source: ward.MailIMAP}); !again.Created {
			t.Error("a deleted message's id still blocks it")
		}
	})
}

func TestMailOnTrackedThreadReachesReport(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(ward.Actor{Kind: ward.ActorMember, Email: "tri@example.org", Role: ward.RoleTriager})
		in := ingest(t, db, mail("a@x", "rae@example.org", "Bug"), ward.Delivery{Source: ward.MailIMAP})
		r := ward.Report{Title: "Bug", Source: ward.SourceEmail, ReporterEmail: "rae@example.org", ExternalID: "a@x"}
		if _, err := db.CreateReport(ctx, &r); err != nil {
			t.Fatal(err)
		}
		r.Assignee = "tri@example.org"
		if err := db.UpdateReport(ctx, &r, r.Version, &ward.TimelineEvent{Action: "assign", Visibility: "team"}); err != nil {
			t.Fatal(err)
		}
		th := in.Thread
		th.Report, th.Labels = r.ID, []string{ward.LabelTracked}
		if err := db.UpdateThread(ctx, th, th.Version); err != nil {
			t.Fatal(err)
		}
		reply := ingest(t, db, mail("b@x", "rae@example.org", "Re: Bug", "a@x"), ward.Delivery{Source: ward.MailIMAP})
		if reply.Event == nil || reply.Event.Visibility != "reporter" || reply.Event.Actor != "reporter:rae@example.org" {
			t.Fatalf("event = %+v", reply.Event)
		}
		third := ingest(t, db, mail("c@x", "colleague@example.org", "Re: Bug", "b@x"), ward.Delivery{Source: ward.MailIMAP})
		if third.Event == nil || third.Event.Visibility != "team" {
			t.Errorf("someone else's mail = %+v, want a team-only event", third.Event)
		}
		events, _ := db.FindTimeline(ctx, r.ID)
		if last := events[len(events)-1]; last.Action != "email" || last.Comment != "hello from colleague@example.org" {
			t.Errorf("last event = %+v", last)
		}
		notes, _ := db.FindNotifications(ctx, ward.NotificationFilter{Member: "tri@example.org"})
		if len(notes) != 2 || notes[0].Kind != "email" {
			t.Errorf("notifications = %+v", notes)
		}
		after, _ := db.FindReportByID(ctx, r.ID)
		if after.Version != r.Version+2 {
			t.Errorf("report version = %d, want %d: mail is a change the stale clocks count", after.Version, r.Version+2)
		}

		// Spam's timeline gets no more mail; the thread keeps it.
		execSQL(t, db, `UPDATE reports SET state = 'spam' WHERE id = ?`, r.ID)
		if late := ingest(t, db, mail("d@x", "rae@example.org", "Re: Bug", "c@x"), ward.Delivery{Source: ward.MailIMAP}); late.Event != nil ||
			late.Thread.ID != in.Thread.ID {
			t.Errorf("mail after the report became spam = event %+v, thread %d", late.Event, late.Thread.ID)
		}
		if listed, _ := db.FindThreads(ctx, ward.ThreadFilter{}); len(listed) != 0 {
			t.Errorf("the thread of a spam report is listed: %+v", listed)
		}
		if listed, _ := db.FindThreads(ctx, ward.ThreadFilter{SpamReports: true}); len(listed) != 1 {
			t.Errorf("with SpamReports the list holds %d threads, want 1", len(listed))
		}
	})
}

func TestOutgoingMail(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(ward.Actor{Kind: ward.ActorMember, Email: "tri@example.org", Role: ward.RoleTriager})
		in := ingest(t, db, mail("a@x", "rae@example.org", "Bug"), ward.Delivery{Source: ward.MailIMAP})
		ack := func(id string) *ward.Message {
			return &ward.Message{Thread: in.Thread.ID, Key: id, MessageID: id, Subject: "Re: Bug", Text: "thanks"}
		}
		ok, err := db.QueueAutoReply(ctx, ack("ack1@ward"), []byte("raw ack"), "Rae@example.org", time.Hour)
		if err != nil || !ok {
			t.Fatalf("first auto-reply = %v, %v", ok, err)
		}
		if ok, _ := db.QueueAutoReply(ctx, ack("ack2@ward"), []byte("raw ack"), "rae@example.org", time.Hour); ok {
			t.Error("a second auto-reply on one thread was queued")
		}
		other := ingest(t, db, mail("b@x", "rae@example.org", "Another bug"), ward.Delivery{Source: ward.MailIMAP})
		ackOther := &ward.Message{Thread: other.Thread.ID, Key: "ack3@ward", Subject: "Re: Another bug", Text: "thanks"}
		if ok, _ := db.QueueAutoReply(ctx, ackOther, []byte("raw"), "rae@example.org", time.Hour); ok {
			t.Error("the same sender got two auto-replies within the hour")
		}
		db.clock.Advance(2 * time.Hour)
		if ok, _ := db.QueueAutoReply(ctx, ackOther, []byte("raw"), "rae@example.org", time.Hour); !ok {
			t.Error("after the interval the sender's new thread got no auto-reply")
		}

		reply := &ward.Message{Thread: in.Thread.ID, Key: "r1@ward", MessageID: "r1@ward", Subject: "Re: Bug", Text: "a fix is coming",
			Sender: "tri@example.org"}
		if err := db.QueueMail(ctx, reply, []byte("raw reply"), []string{"rae@example.org", "cc@example.org"}); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.QueueMail(ctx, &ward.Message{Thread: 999, Key: "x@ward"}, nil, []string{"a@b"}), ward.ENOTFOUND)

		due, err := db.ClaimDueMail(ctx, 10, time.Hour)
		if err != nil || len(due) != 3 {
			t.Fatalf("due = %d, %v", len(due), err)
		}
		if due[2].Message != reply.ID || !bytes.Equal(due[2].Raw, []byte("raw reply")) || len(due[2].To) != 2 {
			t.Errorf("due reply = %+v", due[2])
		}
		if err := db.MarkMailSent(ctx, due[0].Message); err != nil {
			t.Fatal(err)
		}
		if err := db.MarkMailFailed(ctx, due[1].Message, "451 try later", db.clock.Now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := db.MarkMailFailed(ctx, reply.ID, "550 no such user", time.Time{}); err != nil {
			t.Fatal(err)
		}
		if due, _ := db.ClaimDueMail(ctx, 10, time.Hour); len(due) != 0 {
			t.Errorf("due right after = %d, want 0", len(due))
		}
		db.clock.Advance(2 * time.Minute)
		due, _ = db.ClaimDueMail(ctx, 10, time.Hour)
		if len(due) != 1 || due[0].Attempts != 1 || due[0].LastError != "451 try later" {
			t.Errorf("due later = %+v", due)
		}
		// Claimed: another worker gets nothing until the lease runs out.
		if again, _ := db.ClaimDueMail(ctx, 10, time.Hour); len(again) != 0 {
			t.Errorf("claimed mail was handed out twice: %+v", again)
		}
		db.clock.Advance(time.Hour)
		if again, _ := db.ClaimDueMail(ctx, 10, time.Hour); len(again) != 1 {
			t.Errorf("after the lease = %d, want the message again", len(again))
		}
		msgs, _ := db.FindMessages(ctx, in.Thread.ID)
		var states []string
		for _, m := range msgs {
			states = append(states, m.Delivery)
		}
		if want := []string{"", "sent", "failed: 550 no such user"}; strings.Join(states, "|") != strings.Join(want, "|") {
			t.Errorf("deliveries = %q, want %q", states, want)
		}
		th, _ := db.FindThreadByID(ctx, in.Thread.ID)
		if !th.AutoReplied || th.Messages != 3 {
			t.Errorf("thread = %+v", th)
		}
	})
}

func TestMailCursor(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(ward.Actor{Kind: ward.ActorSystem, Role: ward.RoleAdmin})
		if v, u, err := db.MailCursor(ctx, "INBOX"); err != nil || v != 0 || u != 0 {
			t.Errorf("no cursor = %d %d %v", v, u, err)
		}
		for _, uid := range []uint32{5, 4294967295} {
			if err := db.SaveMailCursor(ctx, "INBOX", 4000000000, uid); err != nil {
				t.Fatal(err)
			}
			if v, u, err := db.MailCursor(ctx, "INBOX"); err != nil || v != 4000000000 || u != uid {
				t.Errorf("cursor = %d %d %v", v, u, err)
			}
		}
	})
}

func TestIngestBatch(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := ctxAs(ward.Actor{Kind: ward.ActorSystem, Role: ward.RoleAdmin})
		d := ward.Delivery{Source: ward.MailMbox}
		batch := []ward.Incoming{
			{Message: mail("a@x", "rae@example.org", "Bug"), Raw: []byte("a"), Delivery: d},
			{Message: mail("b@x", "rae@example.org", "Re: Bug", "a@x"), Raw: []byte("b"), Delivery: d},
			{Message: mail("a@x", "rae@example.org", "Bug"), Raw: []byte("a"), Delivery: d}, // twice in one batch
		}
		got, err := db.IngestMessages(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		if !got[0].Created || !got[1].Created || got[2].Created || got[1].Thread.ID != got[0].Thread.ID {
			t.Errorf("batch = %v %v %v, threads %d %d", got[0].Created, got[1].Created, got[2].Created, got[0].Thread.ID, got[1].Thread.ID)
		}
		// All or nothing: a bad message keeps the good ones before it out.
		_, err = db.IngestMessages(ctx, []ward.Incoming{
			{Message: mail("c@x", "rae@example.org", "Other"), Raw: []byte("c"), Delivery: d},
			{Message: &ward.Message{Key: "nul@x", Subject: "a\x00"}, Raw: []byte("d"), Delivery: d},
		})
		wantCode(t, err, ward.EINVALID)
		if threads, _ := db.FindThreads(ctx, ward.ThreadFilter{}); len(threads) != 1 {
			t.Errorf("threads after a refused batch = %d, want 1", len(threads))
		}
	})
}
