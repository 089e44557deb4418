package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/wardsec/ward"
)

var _ ward.InboxService = (*DB)(nil)

// subjectWindow is how far back a reply that lost its References is joined
// to a thread by subject and sender: far enough for a reporter coming back
// to a question, short enough that a new report with an old subject starts
// its own thread.
const subjectWindow = 60 * 24 * time.Hour

// Index entries must stay small (PostgreSQL refuses b-tree entries over
// 2,704 bytes), whatever a sender writes: longer message keys are stored
// as their hash, subjects and addresses are cut.
const (
	maxKey     = 400
	maxIndexed = 250
)

// storedKey is the message key as the unique index holds it.
func storedKey(key string) string {
	if len(key) <= maxKey {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return "sha256-id:" + hex.EncodeToString(sum[:])
}

// neverAgain is the next attempt of mail that failed for good.
const neverAgain = math.MaxInt64

const threadColumns = `id, subject, correspondent, status, assignee, report_id, labels, messages, flagged, auto_replied,
	last_message_at, created_at, updated_at, version`

func scanThread(row scanner) (*ward.Thread, error) {
	var t ward.Thread
	var labels string
	var last, created, updated int64
	if err := row.Scan(&t.ID, &t.Subject, &t.Correspondent, &t.Status, &t.Assignee, &t.Report, &labels, &t.Messages,
		&t.Flagged, &t.AutoReplied, &last, &created, &updated, &t.Version); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(labels), &t.Labels); err != nil {
		return nil, fmt.Errorf("thread %d: labels: %w", t.ID, err)
	}
	t.LastMessageAt, t.CreatedAt, t.UpdatedAt = fromMicros(last), fromMicros(created), fromMicros(updated)
	return &t, nil
}

const messageColumns = `m.id, m.thread_id, m.message_key, m.message_id, m.in_reply_to, m.refs, m.subject, m.from_name, m.from_addr,
	m.to_addrs, m.cc_addrs, m.sent_at, m.received_at, m.source, m.text, m.html, m.attachments, m.auto, m.problems, m.size, m.sender,
	COALESCE(o.sent_at, 0), COALESCE(o.next_attempt_at, 0), COALESCE(o.last_error, '')`

// messageFrom joins what ward sent to its delivery.
const messageFrom = ` FROM mail_messages m LEFT JOIN mail_outbox o ON o.message_id = m.id`

func scanMessage(row scanner) (*ward.Message, error) {
	var m ward.Message
	var refs, to, cc, attachments, problems, lastError string
	var sent, received, sentAt, next int64
	if err := row.Scan(&m.ID, &m.Thread, &m.Key, &m.MessageID, &m.InReplyTo, &refs, &m.Subject, &m.From.Name, &m.From.Addr,
		&to, &cc, &sent, &received, &m.Source, &m.Text, &m.HTML, &attachments, &m.Auto, &problems, &m.Size, &m.Sender,
		&sentAt, &next, &lastError); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name, text string
		into       any
	}{{"refs", refs, &m.References}, {"to", to, &m.To}, {"cc", cc, &m.Cc}, {"attachments", attachments, &m.Attachments}, {"problems", problems, &m.Problems}} {
		if err := json.Unmarshal([]byte(f.text), f.into); err != nil {
			return nil, fmt.Errorf("message %d: %s: %w", m.ID, f.name, err)
		}
	}
	if sent != 0 {
		m.Date = fromMicros(sent)
	}
	m.ReceivedAt = fromMicros(received)
	if m.Source == ward.MailSent {
		switch {
		case sentAt != 0:
			m.Delivery = ward.DeliverySent
		case next == neverAgain:
			m.Delivery = ward.DeliveryFailed + ": " + lastError
		default:
			m.Delivery = ward.DeliveryQueued
		}
	}
	return &m, nil
}

// checkMessage refuses what the databases cannot hold as text; the email
// package never produces it, other callers might.
func checkMessage(m *ward.Message) error {
	if m.Key == "" {
		return ward.Errorf(ward.EINVALID, "message: no key")
	}
	for _, f := range []struct{ name, value string }{{"subject", m.Subject}, {"text", m.Text}, {"html", m.HTML}, {"from", m.From.Name}} {
		if strings.ContainsRune(f.value, 0) {
			return ward.Errorf(ward.EINVALID, "message %s: holds a NUL byte", f.name)
		}
	}
	return nil
}

// IngestMessage stores a message with its bytes, joined to its thread.
func (db *DB) IngestMessage(ctx context.Context, m *ward.Message, raw []byte, d ward.Delivery) (*ward.Ingested, error) {
	in, err := db.IngestMessages(ctx, []ward.Incoming{{Message: m, Raw: raw, Delivery: d}})
	if err != nil {
		return nil, err
	}
	return in[0], nil
}

// IngestMessages stores messages in one transaction: all or none.
func (db *DB) IngestMessages(ctx context.Context, batch []ward.Incoming) ([]*ward.Ingested, error) {
	for _, in := range batch {
		if err := checkMessage(in.Message); err != nil {
			return nil, err
		}
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.rollback()
	out := make([]*ward.Ingested, len(batch))
	for i, in := range batch {
		if out[i], err = tx.ingest(ctx, in.Message, in.Raw, in.Delivery); isDataError(err) {
			return nil, ward.Errorf(ward.EINVALID, "message %d of the batch: the database refuses what was read of it", i+1)
		} else if err != nil {
			return nil, err
		}
	}
	return out, tx.commit()
}

func (tx *Tx) ingest(ctx context.Context, m *ward.Message, raw []byte, d ward.Delivery) (*ward.Ingested, error) {
	if d.Ref != "" {
		var id int64
		err := tx.queryRow(ctx, `SELECT message_id FROM mail_deliveries WHERE ref = ?`, d.Ref).Scan(&id)
		if err == nil {
			return tx.ingested(ctx, id)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("find delivery: %w", err)
		}
	}
	m.Key = storedKey(m.Key)
	var id int64
	err := tx.queryRow(ctx, `SELECT id FROM mail_messages WHERE message_key = ?`, m.Key).Scan(&id)
	if err == nil {
		if err := tx.recordDelivery(ctx, d.Ref, id); err != nil {
			return nil, err
		}
		return tx.ingested(ctx, id)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("find message: %w", err)
	}

	t, err := tx.threadFor(ctx, m)
	if err != nil {
		return nil, err
	}
	m.Source, m.ReceivedAt, m.Thread = d.Source, tx.now, t.ID
	if err := tx.insertMessage(ctx, m, raw); err != nil {
		return nil, err
	}
	if err := tx.recordDelivery(ctx, d.Ref, m.ID); err != nil {
		return nil, err
	}
	// New mail on a thread someone closed asks for a decision again.
	if t.Status == ward.ThreadCompleted || t.Status == ward.ThreadUnactionable {
		t.Status = ward.ThreadOpen
	}
	if err := tx.touchThread(ctx, t, len(m.Problems) > 0); err != nil {
		return nil, err
	}
	in := &ward.Ingested{Message: m, Thread: t, Created: true}
	if t.Report != 0 && t.Status != ward.ThreadSpam {
		if in.Event, err = tx.relayToReport(ctx, t.Report, m); err != nil {
			return nil, err
		}
	}
	if err := tx.audit(ctx, "mail.receive", fmt.Sprintf("thread/%d", t.ID), ward.Diff{
		"message": {nil, m.ID}, "source": {nil, m.Source}}); err != nil {
		return nil, err
	}
	return in, nil
}

// ingested is what ingesting a message stored before gives.
func (tx *Tx) ingested(ctx context.Context, id int64) (*ward.Ingested, error) {
	m, err := scanMessage(tx.queryRow(ctx, `SELECT `+messageColumns+messageFrom+` WHERE m.id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("load message %d: %w", id, err)
	}
	t, err := scanThread(tx.queryRow(ctx, `SELECT `+threadColumns+` FROM mail_threads WHERE id = ?`, m.Thread))
	if err != nil {
		return nil, fmt.Errorf("load thread %d: %w", m.Thread, err)
	}
	return &ward.Ingested{Message: m, Thread: t}, nil
}

func (tx *Tx) recordDelivery(ctx context.Context, ref string, message int64) error {
	if ref == "" {
		return nil
	}
	if _, err := tx.exec(ctx, `INSERT INTO mail_deliveries (ref, message_id) VALUES (?, ?)`, ref, message); err != nil {
		return fmt.Errorf("record delivery: %w", err)
	}
	return nil
}

// threadFor finds the thread a message answers, by the ids it names (the
// newest of them first), or by subject from the same sender; or starts one.
func (tx *Tx) threadFor(ctx context.Context, m *ward.Message) (*ward.Thread, error) {
	ids := append([]string{}, m.References...)
	if m.InReplyTo != "" {
		ids = append(ids, m.InReplyTo)
	}
	ids = ids[max(0, len(ids)-50):] // a list of thousands is an attack, not a thread
	if len(ids) > 0 {
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = storedKey(id)
		}
		t, err := scanThread(tx.queryRow(ctx, `SELECT `+threadColumns+` FROM mail_threads WHERE id = (
			SELECT thread_id FROM mail_messages WHERE message_key IN (?`+strings.Repeat(", ?", len(ids)-1)+`) ORDER BY id DESC LIMIT 1)`, args...))
		if err == nil {
			return t, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("find thread by references: %w", err)
		}
	}
	from := ward.Truncate(strings.ToLower(m.From.Addr), maxIndexed)
	key := ward.Truncate(m.SubjectKey, maxIndexed)
	if m.Reply && key != "" && from != "" {
		t, err := scanThread(tx.queryRow(ctx, `SELECT `+threadColumns+` FROM mail_threads
			WHERE subject_key = ? AND correspondent = ? AND last_message_at >= ? ORDER BY id DESC LIMIT 1`,
			key, from, micros(tx.now.Add(-subjectWindow))))
		if err == nil {
			return t, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("find thread by subject: %w", err)
		}
	}
	t := &ward.Thread{Subject: m.Subject, Correspondent: from, Status: ward.ThreadOpen, Labels: []string{},
		LastMessageAt: tx.now, CreatedAt: tx.now, UpdatedAt: tx.now, Version: 1}
	if t.Subject == "" {
		t.Subject = "(no subject)"
	}
	if err := tx.queryRow(ctx, `INSERT INTO mail_threads (subject, subject_key, correspondent, last_message_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, t.Subject, key, from, micros(tx.now), micros(tx.now), micros(tx.now)).Scan(&t.ID); err != nil {
		return nil, fmt.Errorf("insert thread: %w", err)
	}
	return t, nil
}

func (tx *Tx) insertMessage(ctx context.Context, m *ward.Message, raw []byte) error {
	var lists [5][]byte
	for i, v := range []any{nonNil(m.References), nonNil(m.To), nonNil(m.Cc), nonNil(m.Attachments), nonNil(m.Problems)} {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("insert message: %w", err)
		}
		lists[i] = b
	}
	var sent int64
	if !m.Date.IsZero() {
		sent = micros(m.Date)
	}
	m.Size, m.Key = len(raw), storedKey(m.Key)
	if err := tx.queryRow(ctx, `INSERT INTO mail_messages (thread_id, message_key, message_id, in_reply_to, refs, subject, from_name, from_addr,
		to_addrs, cc_addrs, sent_at, received_at, source, text, html, attachments, auto, problems, size, sender)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		m.Thread, m.Key, m.MessageID, m.InReplyTo, string(lists[0]), m.Subject, m.From.Name, m.From.Addr, string(lists[1]), string(lists[2]),
		sent, micros(m.ReceivedAt), m.Source, m.Text, m.HTML, string(lists[3]), m.Auto, string(lists[4]), m.Size, m.Sender).Scan(&m.ID); err != nil {
		if isUniqueViolation(err) {
			return ward.Errorf(ward.ECONFLICT, "a message with the id %q is stored already", m.Key)
		}
		return fmt.Errorf("insert message: %w", err)
	}
	if _, err := tx.exec(ctx, `INSERT INTO mail_raw (message_id, raw) VALUES (?, ?)`, m.ID, raw); err != nil {
		return fmt.Errorf("insert raw message: %w", err)
	}
	return nil
}

// nonNil keeps empty lists as [] rather than null in the JSON columns.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// touchThread counts a new message on the thread and stores its status.
func (tx *Tx) touchThread(ctx context.Context, t *ward.Thread, flagged bool) error {
	t.Messages++
	t.Flagged = t.Flagged || flagged
	t.LastMessageAt, t.UpdatedAt = tx.now, tx.now
	t.Version++
	if _, err := tx.exec(ctx, `UPDATE mail_threads SET messages = messages + 1, flagged = ?, status = ?, auto_replied = ?,
		last_message_at = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
		t.Flagged, t.Status, t.AutoReplied, micros(tx.now), micros(tx.now), t.ID); err != nil {
		return fmt.Errorf("update thread %d: %w", t.ID, err)
	}
	return nil
}

// relayToReport adds mail on a tracked thread to the report's timeline and
// tells whoever is accountable for the report, unless the report is spam. What the reporter wrote
// they may see again on their page; mail from anyone else stays the
// team's.
func (tx *Tx) relayToReport(ctx context.Context, report int64, m *ward.Message) (*ward.TimelineEvent, error) {
	r, err := scanReport(tx.queryRow(ctx, `SELECT `+reportColumns+` FROM reports WHERE id = ?`, report))
	if err != nil {
		return nil, fmt.Errorf("load report %d: %w", report, err)
	}
	if r.State == "spam" {
		return nil, nil // the thread keeps the mail; spam's timeline gets none
	}
	ev := &ward.TimelineEvent{Action: "email", FromState: r.State, ToState: r.State, Visibility: "team", Comment: strings.TrimSpace(m.Text)}
	if m.From.Addr != "" && strings.EqualFold(m.From.Addr, r.ReporterEmail) {
		ev.Visibility = "reporter"
	}
	if who := r.Accountable(); who != "" {
		ev.Notify = []string{who}
	}
	ctx = ward.NewContextWithActor(ctx, ward.Actor{Kind: ward.ActorReporter, Email: strings.ToLower(m.From.Addr)})
	if _, err := tx.exec(ctx, `UPDATE reports SET version = version + 1, updated_at = ? WHERE id = ?`, micros(tx.now), r.ID); err != nil {
		return nil, fmt.Errorf("update report %d: %w", r.ID, err)
	}
	if err := tx.insertEvent(ctx, ev, r.ID); err != nil {
		return nil, err
	}
	return ev, nil
}

// FindThreads lists threads, newest first.
func (db *DB) FindThreads(ctx context.Context, f ward.ThreadFilter) ([]*ward.Thread, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	if f.Before <= 0 {
		f.Before = math.MaxInt64
	}
	where, args := []string{"id < ?"}, []any{f.Before}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, f.Status)
	} else {
		where = append(where, "status <> 'spam'")
	}
	if f.Assignee != "" {
		where, args = append(where, "assignee = ?"), append(args, f.Assignee)
	}
	if !f.SpamReports {
		where = append(where, "NOT EXISTS (SELECT 1 FROM reports r WHERE r.id = mail_threads.report_id AND r.state = 'spam')")
	}
	rows, err := db.query(ctx, `SELECT `+threadColumns+` FROM mail_threads WHERE `+strings.Join(where, " AND ")+
		` ORDER BY id DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("find threads: %w", err)
	}
	return collect(rows, "threads", scanThread)
}

// FindThreadByID returns ENOTFOUND when no thread has the ID.
func (db *DB) FindThreadByID(ctx context.Context, id int64) (*ward.Thread, error) {
	t, err := scanThread(db.queryRow(ctx, `SELECT `+threadColumns+` FROM mail_threads WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ward.Errorf(ward.ENOTFOUND, "no thread has the id %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("find thread %d: %w", id, err)
	}
	return t, nil
}

// FindMessages returns a thread's messages, oldest first.
func (db *DB) FindMessages(ctx context.Context, thread int64) ([]*ward.Message, error) {
	rows, err := db.query(ctx, `SELECT `+messageColumns+messageFrom+` WHERE m.thread_id = ? ORDER BY m.id`, thread)
	if err != nil {
		return nil, fmt.Errorf("find messages of thread %d: %w", thread, err)
	}
	return collect(rows, "messages", scanMessage)
}

// FindMessage returns one message without its bytes.
func (db *DB) FindMessage(ctx context.Context, id int64) (*ward.Message, error) {
	m, err := scanMessage(db.queryRow(ctx, `SELECT `+messageColumns+messageFrom+` WHERE m.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ward.Errorf(ward.ENOTFOUND, "no message has the id %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("find message %d: %w", id, err)
	}
	return m, nil
}

// FindRawMessage returns a message's bytes as received.
func (db *DB) FindRawMessage(ctx context.Context, id int64) ([]byte, error) {
	var raw []byte
	err := db.queryRow(ctx, `SELECT raw FROM mail_raw WHERE message_id = ?`, id).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ward.Errorf(ward.ENOTFOUND, "no message has the id %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("find raw message %d: %w", id, err)
	}
	return raw, nil
}

// UpdateThread stores what an action did to a thread.
func (db *DB) UpdateThread(ctx context.Context, t *ward.Thread, version int64) error {
	if err := ward.NormalizeThread(t); err != nil {
		return err
	}
	labels, err := json.Marshal(nonNil(t.Labels))
	if err != nil {
		return fmt.Errorf("update thread %d: %w", t.ID, err)
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	old, err := scanThread(tx.queryRow(ctx, `SELECT `+threadColumns+` FROM mail_threads WHERE id = ?`, t.ID))
	if errors.Is(err, sql.ErrNoRows) {
		return ward.Errorf(ward.ENOTFOUND, "no thread has the id %d", t.ID)
	}
	if err != nil {
		return fmt.Errorf("update thread %d: %w", t.ID, err)
	}
	if old.Version != version {
		return ward.Errorf(ward.ECONFLICT, "thread %d changed while this action was worked out; reload it and try again", t.ID)
	}
	if _, err := tx.exec(ctx, `UPDATE mail_threads SET status = ?, assignee = ?, report_id = ?, labels = ?, updated_at = ?,
		version = version + 1 WHERE id = ?`, t.Status, t.Assignee, t.Report, string(labels), micros(tx.now), t.ID); err != nil {
		return fmt.Errorf("update thread %d: %w", t.ID, err)
	}
	t.Version, t.UpdatedAt = version+1, tx.now
	diff := ward.Diff{}
	for _, c := range []struct {
		field    string
		from, to any
	}{{"status", old.Status, t.Status}, {"assignee", old.Assignee, t.Assignee}, {"report", old.Report, t.Report},
		{"labels", old.Labels, t.Labels}} {
		if fmt.Sprint(c.from) != fmt.Sprint(c.to) {
			diff[c.field] = [2]any{c.from, c.to}
		}
	}
	if err := tx.audit(ctx, "thread.update", fmt.Sprintf("thread/%d", t.ID), diff); err != nil {
		return err
	}
	return tx.commit()
}

// DeleteThread deletes a spam thread for good.
func (db *DB) DeleteThread(ctx context.Context, id int64) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	t, err := scanThread(tx.queryRow(ctx, `SELECT `+threadColumns+` FROM mail_threads WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return ward.Errorf(ward.ENOTFOUND, "no thread has the id %d", id)
	}
	if err != nil {
		return fmt.Errorf("delete thread %d: %w", id, err)
	}
	if t.Status != ward.ThreadSpam {
		return ward.Errorf(ward.EINVALID, "thread %d is %s: only spam is deleted; mark it spam first", id, t.Status)
	}
	// The foreign keys cascade to the messages, their bytes, deliveries and
	// queued mail.
	if _, err := tx.exec(ctx, `DELETE FROM mail_threads WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete thread %d: %w", id, err)
	}
	if err := tx.audit(ctx, "thread.delete", fmt.Sprintf("thread/%d", id), ward.Diff{
		"status": {t.Status, nil}, "messages": {t.Messages, nil}, "correspondent": {t.Correspondent, nil}}); err != nil {
		return err
	}
	return tx.commit()
}

// MailCursor returns where intake stopped in a mailbox, zeros at first.
func (db *DB) MailCursor(ctx context.Context, mailbox string) (validity, uid uint32, err error) {
	err = db.queryRow(ctx, `SELECT validity, uid FROM mail_cursors WHERE mailbox = ?`, mailbox).Scan(&validity, &uid)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("find mail cursor of %s: %w", mailbox, err)
	}
	return validity, uid, nil
}

// SaveMailCursor keeps where intake stopped in a mailbox.
func (db *DB) SaveMailCursor(ctx context.Context, mailbox string, validity, uid uint32) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if _, err := tx.exec(ctx, `INSERT INTO mail_cursors (mailbox, validity, uid) VALUES (?, ?, ?)
		ON CONFLICT (mailbox) DO UPDATE SET validity = excluded.validity, uid = excluded.uid`, mailbox, validity, uid); err != nil {
		return fmt.Errorf("save mail cursor of %s: %w", mailbox, err)
	}
	return tx.commit()
}

// QueueMail stores mail ward is to send and queues it.
func (db *DB) QueueMail(ctx context.Context, m *ward.Message, raw []byte, to []string) error {
	_, err := db.queue(ctx, m, raw, to, false, 0)
	return err
}

// QueueAutoReply queues an acknowledgement unless the thread or the
// sender had one.
func (db *DB) QueueAutoReply(ctx context.Context, m *ward.Message, raw []byte, to string, interval time.Duration) (bool, error) {
	return db.queue(ctx, m, raw, []string{to}, true, interval)
}

func (db *DB) queue(ctx context.Context, m *ward.Message, raw []byte, to []string, auto bool, interval time.Duration) (bool, error) {
	if err := checkMessage(m); err != nil {
		return false, err
	}
	if len(to) == 0 {
		return false, ward.Errorf(ward.EINVALID, "to: a message needs a recipient")
	}
	recipients, err := json.Marshal(to)
	if err != nil {
		return false, fmt.Errorf("queue mail: %w", err)
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.rollback()
	t, err := scanThread(tx.queryRow(ctx, `SELECT `+threadColumns+` FROM mail_threads WHERE id = ?`, m.Thread))
	if errors.Is(err, sql.ErrNoRows) {
		return false, ward.Errorf(ward.ENOTFOUND, "no thread has the id %d", m.Thread)
	}
	if err != nil {
		return false, fmt.Errorf("queue mail: %w", err)
	}
	if auto {
		sender := ward.Truncate(strings.ToLower(to[0]), maxIndexed)
		var last int64
		err := tx.queryRow(ctx, `SELECT last_at FROM mail_auto_replies WHERE sender = ?`, sender).Scan(&last)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return false, fmt.Errorf("queue auto-reply: %w", err)
		}
		if t.AutoReplied || (err == nil && tx.now.Sub(fromMicros(last)) < interval) {
			return false, nil
		}
		if _, err := tx.exec(ctx, `INSERT INTO mail_auto_replies (sender, last_at) VALUES (?, ?)
			ON CONFLICT (sender) DO UPDATE SET last_at = excluded.last_at`, sender, micros(tx.now)); err != nil {
			return false, fmt.Errorf("queue auto-reply: %w", err)
		}
		t.AutoReplied = true
	}
	m.Source, m.ReceivedAt = ward.MailSent, tx.now
	if err := tx.insertMessage(ctx, m, raw); err != nil {
		return false, err
	}
	if _, err := tx.exec(ctx, `INSERT INTO mail_outbox (message_id, recipients, next_attempt_at) VALUES (?, ?, ?)`,
		m.ID, string(recipients), micros(tx.now)); err != nil {
		return false, fmt.Errorf("queue mail: %w", err)
	}
	m.Delivery = ward.DeliveryQueued
	if err := tx.touchThread(ctx, t, false); err != nil {
		return false, err
	}
	action := "mail.send"
	if auto {
		action = "mail.auto_reply"
	}
	if err := tx.audit(ctx, action, fmt.Sprintf("thread/%d", t.ID), ward.Diff{
		"message": {nil, m.ID}, "recipients": {nil, len(to)}}); err != nil {
		return false, err
	}
	return true, tx.commit()
}

// ClaimDueMail returns queued mail whose next attempt is due, the longest
// waiting first, and leases it.
func (db *DB) ClaimDueMail(ctx context.Context, limit int, lease time.Duration) ([]*ward.OutgoingMail, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.rollback()
	rows, err := tx.query(ctx, `SELECT o.message_id, m.thread_id, o.recipients, r.raw, o.attempts, o.next_attempt_at, o.last_error
		FROM mail_outbox o JOIN mail_messages m ON m.id = o.message_id JOIN mail_raw r ON r.message_id = o.message_id
		WHERE o.sent_at = 0 AND o.next_attempt_at <= ? ORDER BY o.next_attempt_at, o.message_id LIMIT ?`, micros(tx.now), limit)
	if err != nil {
		return nil, fmt.Errorf("find due mail: %w", err)
	}
	due, err := collect(rows, "queued mail", func(row scanner) (*ward.OutgoingMail, error) {
		var o ward.OutgoingMail
		var to string
		var next int64
		if err := row.Scan(&o.Message, &o.Thread, &to, &o.Raw, &o.Attempts, &next, &o.LastError); err != nil {
			return nil, err
		}
		o.NextAttemptAt = fromMicros(next)
		return &o, json.Unmarshal([]byte(to), &o.To)
	})
	if err != nil {
		return nil, err
	}
	for _, o := range due {
		if _, err := tx.exec(ctx, `UPDATE mail_outbox SET next_attempt_at = ? WHERE message_id = ?`, micros(tx.now.Add(lease)), o.Message); err != nil {
			return nil, fmt.Errorf("lease mail %d: %w", o.Message, err)
		}
	}
	return due, tx.commit()
}

// MarkMailSent records that queued mail was sent.
func (db *DB) MarkMailSent(ctx context.Context, message int64) error {
	return db.markMail(ctx, message, `UPDATE mail_outbox SET attempts = attempts + 1, sent_at = ?, last_error = '' WHERE message_id = ?`,
		"mail.sent", func(now time.Time) []any { return []any{micros(now), message} })
}

// MarkMailFailed records a failed attempt; a zero retryAt gives up.
func (db *DB) MarkMailFailed(ctx context.Context, message int64, reason string, retryAt time.Time) error {
	next := int64(neverAgain)
	if !retryAt.IsZero() {
		next = micros(retryAt)
	}
	return db.markMail(ctx, message, `UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE message_id = ?`,
		"mail.fail", func(time.Time) []any { return []any{next, reason, message} })
}

func (db *DB) markMail(ctx context.Context, message int64, update, action string, args func(now time.Time) []any) error {
	return db.updateOne(ctx, "queued mail", message, update, args, func(tx *Tx) error {
		return tx.audit(ctx, action, fmt.Sprintf("message/%d", message), nil)
	})
}
