package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	mathrand "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-smtp"
	"github.com/wardsec/ward"
	"github.com/wardsec/ward/wardtest/mailtest"
	_ "modernc.org/sqlite" // the crash test reads ward's database file itself
)

// These tests drive the real binary's mail intake and delivery against
// real servers: Dovecot for IMAP and Mailpit as the SMTP sink (see
// wardtest/mailtest), and ward's own LMTP listener. They skip without the
// servers unless WARD_REQUIRE_MAIL=1.

// mailWait bounds each wait for ward to take, store or send mail: far above
// what any step takes, so that only a lost message fails it.
const mailWait = 15 * time.Second

// startServeEnv is startServe with variables added to the child's
// environment: the IMAP password goes there, as flags are visible to every
// user in the process list. It leaves the test's own environment alone, so
// that tests using it may run in parallel.
func startServeEnv(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(wardBinary, append([]string{"serve", "--addr", "127.0.0.1:0", "--log-level", "warn"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("ward serve: stdout: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start ward serve: %v", err)
	}
	p := &process{cmd: cmd}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.mu.Lock()
			p.stdout = append(p.stdout, sc.Text())
			p.mu.Unlock()
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
		close(found)
	}()
	select {
	case u, ok := <-found:
		if !ok {
			t.Fatalf("ward serve exited before it listened:\n%s", p.output())
		}
		p.url = u
	case <-time.After(30 * time.Second):
		t.Fatal("ward serve did not listen within 30s")
	}
	return p
}

// stopServe stops ward as an operator does, with SIGTERM, and fails the
// test unless it exits cleanly within 20 s: the mail workers (IMAP IDLE,
// the LMTP listener, delivery) must all let go.
func stopServe(t *testing.T, p *process) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM to ward: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ward after SIGTERM: %v, want a clean exit", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("ward did not exit within 20s of SIGTERM")
	}
}

// freeLoopbackAddr returns a loopback address with a port nothing listens
// on, for --mail-listen, which takes no port 0 that ward would then have to
// report.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	return addr
}

// pollUntil calls done every 100 ms until it returns true, and fails the
// test when it has not within timeout.
func pollUntil(t *testing.T, timeout time.Duration, what string, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// apiGet decodes the JSON answer to a GET of url into v, failing the test
// on any status but 200.
func apiGet(t *testing.T, url, token string, v any) {
	t.Helper()
	code, body := get(t, url, token)
	if code != 200 {
		t.Fatalf("GET %s: %d %.500s, want 200", url, code, body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("GET %s: %v in %.500s", url, err, body)
	}
}

// inboxThreads lists the inbox's threads, newest first (one page of up to
// 200: the tests' inboxes are smaller).
func inboxThreads(t *testing.T, p *process, token string) []ward.Thread {
	t.Helper()
	var page struct{ Threads []ward.Thread }
	apiGet(t, p.url+"/api/v1/inbox?limit=200", token, &page)
	return page.Threads
}

// conversation returns a thread and its messages, oldest first.
func conversation(t *testing.T, p *process, token string, id int64) (ward.Thread, []ward.Message) {
	t.Helper()
	var c struct {
		Thread   ward.Thread
		Messages []ward.Message
	}
	apiGet(t, fmt.Sprintf("%s/api/v1/inbox/%d", p.url, id), token, &c)
	return c.Thread, c.Messages
}

// newMessageID returns a Message-ID, without brackets, that no other test
// or run uses: the sink keeps every message of every test.
func newMessageID(t *testing.T) string {
	t.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b) + "@reporter.example.net"
}

// reporterMail is a plain-text message from addr, answering the ids in refs
// (the last of them as In-Reply-To) when there are any. It has the
// Return-Path a mail server adds at final delivery, as mail in a mailbox
// does.
func reporterMail(addr, id, subject, text string, refs ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "Return-Path: <%s>\r\nFrom: Rita Reporter <%s>\r\nTo: security@example.org\r\nSubject: %s\r\n", addr, addr, subject)
	fmt.Fprintf(&b, "Message-ID: <%s>\r\nDate: %s\r\n", id, time.Now().Format(time.RFC1123Z))
	if len(refs) > 0 {
		fmt.Fprintf(&b, "In-Reply-To: <%s>\r\nReferences: <%s>\r\n", refs[len(refs)-1], strings.Join(refs, "> <"))
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(strings.ReplaceAll(text, "\n", "\r\n"))
	return []byte(b.String())
}

// lmtpDeliver delivers raw to ward's LMTP listener at addr, as the team's
// mail server would, and returns the listener's answer to the message: nil
// for 250. The client's timeouts are short, so that a listener that hangs
// fails the test rather than holding it for the default twelve minutes.
func lmtpDeliver(t *testing.T, addr, from, rcpt string, raw []byte) error {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("connect to ward's LMTP listener: %v", err)
	}
	c := smtp.NewClientLMTP(conn)
	defer c.Close()
	c.CommandTimeout = 30 * time.Second
	c.SubmissionTimeout = time.Minute
	if err := c.Mail(from, nil); err != nil {
		return fmt.Errorf("MAIL FROM: %w", err)
	}
	if err := c.Rcpt(rcpt, nil); err != nil {
		return fmt.Errorf("RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(raw); err != nil {
		return fmt.Errorf("write the message: %w", err)
	}
	resp, err := w.CloseWithLMTPResponse()
	if err != nil {
		return fmt.Errorf("end of data: %w", err)
	}
	if resp[rcpt] == nil {
		return fmt.Errorf("end of data: no answer for %s", rcpt)
	}
	if err := c.Quit(); err != nil {
		return fmt.Errorf("QUIT after the message was taken: %w", err)
	}
	return nil
}

// TestMailEndToEnd follows one report by mail through ward: it arrives by
// IMAP and is acknowledged, the team replies, the reporter answers by LMTP,
// the thread becomes a report, and the reporter's next mail lands on the
// report's timeline.
func TestMailEndToEnd(t *testing.T) {
	imapServer := mailtest.IMAP(t)
	sink := mailtest.Mailpit(t)
	box := imapServer.NewMailbox(t)
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "ward.db")
	c := &cli{t: t, db: db}
	c.ok("user", "add", "--email", "admin@example.org", "--name", "Admin", "--role", "admin")
	token := strings.TrimSpace(c.ok("token", "create", "--user", "admin@example.org"))
	const ackText = "Thank you: we have your report and answer within two working days.\nBounties are paid through https://bounty.example.org/ward.\n"
	ackFile := filepath.Join(dir, "ack.txt")
	if err := os.WriteFile(ackFile, []byte(ackText), 0o600); err != nil {
		t.Fatal(err)
	}
	const team = "security@example.org"
	lmtpAddr := freeLoopbackAddr(t)
	p := startServeEnv(t, []string{"WARD_IMAP_PASSWORD=" + imapServer.Password},
		"--db", db,
		"--public-url", "https://ward.example.org",
		"--imap-url", "imap://"+imapServer.User+"@"+imapServer.Addr+"/"+box,
		"--smtp-url", "smtp+insecure://"+sink.SMTPAddr,
		"--mail-from", team,
		"--auto-reply-file", ackFile,
		"--mail-listen", "lmtp://"+lmtpAddr)

	// The reporter writes from an address of their own, so that the sink's
	// search finds this test's mail only.
	reporter := mailtest.Address(t)
	const subject = "SSRF in the webhook proxy"
	const firstText = "The webhook proxy fetches any URL it is given, http://169.254.169.254/ too.\n"
	firstID := newMessageID(t)
	uid := imapServer.Append(t, box, reporterMail(reporter, firstID, subject, firstText))

	var thread ward.Thread
	pollUntil(t, mailWait, "the reporter's mail in the inbox", func() bool {
		threads := inboxThreads(t, p, token)
		if len(threads) == 0 {
			return false
		}
		thread = threads[0]
		return true
	})
	if thread.Correspondent != reporter || thread.Subject != subject {
		t.Errorf("thread = %+v, want one from %s about %q", thread, reporter, subject)
	}
	threadURL := fmt.Sprintf("%s/api/v1/inbox/%d", p.url, thread.ID)

	// The acknowledgement: machine mail that nothing may answer in turn
	// (RFC 3834), threaded under the report.
	ack := sink.WaitFor(t, "to:"+reporter, 1)[0]
	if ack.ReturnPath != "" {
		t.Errorf("acknowledgement's envelope sender = %q, want the null sender", ack.ReturnPath)
	}
	ackHeader := sink.Headers(t, ack.ID)
	if got, want := ackHeader["Auto-Submitted"], []string{"auto-replied"}; !slices.Equal(got, want) {
		t.Errorf("acknowledgement's Auto-Submitted = %q, want %q", got, want)
	}
	if got, want := ackHeader["In-Reply-To"], []string{"<" + firstID + ">"}; !slices.Equal(got, want) {
		t.Errorf("acknowledgement's In-Reply-To = %q, want %q", got, want)
	}
	if got, want := ack.Text, strings.ReplaceAll(ackText, "\n", "\r\n"); got != want {
		t.Errorf("acknowledgement's text = %q, want %q", got, want)
	}

	// The mailbox's message is marked seen once ward committed it; the
	// store comes first, so the flag may follow the thread by a moment.
	pollUntil(t, mailWait, "the reporter's mail marked \\Seen", func() bool {
		return imapServer.Seen(t, box)[uid]
	})

	// The team's reply, threaded under the reporter's mail.
	const replyText = "Hello Rita,\n\nthanks, we can reproduce it. Which version did you test?\n"
	if code, body := postJSON(t, threadURL+"/actions", token, `{"action":"reply","text":`+strconv.Quote(replyText)+`}`); code != 200 {
		t.Fatalf("reply: %d %.500s", code, body)
	}
	arrived := sink.WaitFor(t, "to:"+reporter, 2)
	reply := arrived[0]
	if reply.MessageID == ack.MessageID {
		reply = arrived[1]
	}
	replyHeader := sink.Headers(t, reply.ID)
	if got, want := replyHeader["In-Reply-To"], []string{"<" + firstID + ">"}; !slices.Equal(got, want) {
		t.Errorf("reply's In-Reply-To = %q, want %q", got, want)
	}
	if got, want := replyHeader["References"], []string{"<" + firstID + ">"}; !slices.Equal(got, want) {
		t.Errorf("reply's References = %q, want %q", got, want)
	}
	if got, want := reply.Text, strings.ReplaceAll(replyText, "\n", "\r\n"); got != want {
		t.Errorf("reply's text = %q, want %q", got, want)
	}
	if reply.ReturnPath != team || reply.From.Address != team || reply.Subject != "Re: "+subject {
		t.Errorf("reply: envelope sender %q, From %q, Subject %q; want %s, %s and %q", reply.ReturnPath, reply.From.Address, reply.Subject, team, team, "Re: "+subject)
	}
	// The thread shows both as sent once the sink took them: the sink has
	// them, but ward marks them sent only after the server's answer.
	pollUntil(t, mailWait, "the reply and the acknowledgement shown as sent", func() bool {
		_, msgs := conversation(t, p, token, thread.ID)
		sent := 0
		for _, m := range msgs {
			if m.Source == ward.MailSent && m.Delivery == ward.DeliverySent && (m.MessageID == reply.MessageID || m.MessageID == ack.MessageID) {
				sent++
			}
		}
		return sent == 2
	})

	// The reporter answers; their mail server delivers by LMTP. A 250 means
	// ward committed the message, and with it any acknowledgement it would
	// queue: what the thread holds then is final.
	answerID := newMessageID(t)
	answer := reporterMail(reporter, answerID, "Re: "+subject, "Version 2.3.1, on the default configuration.\n", firstID, reply.MessageID)
	if err := lmtpDeliver(t, lmtpAddr, reporter, team, answer); err != nil {
		t.Fatalf("LMTP delivery of the reporter's answer: %v, want 250", err)
	}
	if threads := inboxThreads(t, p, token); len(threads) != 1 {
		t.Errorf("the inbox has %d threads after the reporter's answer, want 1: %+v", len(threads), threads)
	}
	answered, msgs := conversation(t, p, token, thread.ID)
	var sources, ids []string
	acks := 0
	for _, m := range msgs {
		sources, ids = append(sources, m.Source), append(ids, m.MessageID)
		if m.Source == ward.MailSent && m.Auto != "" {
			acks++
		}
	}
	if want := []string{ward.MailIMAP, ward.MailSent, ward.MailSent, ward.MailLMTP}; !slices.Equal(sources, want) {
		t.Errorf("thread's messages came by %q (ids %q), want %q", sources, ids, want)
	}
	if len(msgs) > 0 && msgs[len(msgs)-1].MessageID != answerID {
		t.Errorf("thread's last message is %q, want the answer %q", msgs[len(msgs)-1].MessageID, answerID)
	}
	if acks != 1 || !answered.AutoReplied {
		t.Errorf("thread has %d acknowledgements (auto_replied %t), want 1 (true)", acks, answered.AutoReplied)
	}

	// The thread becomes a report, linked back.
	code, body := postJSON(t, threadURL+"/actions", token, `{"action":"report"}`)
	if code != 200 {
		t.Fatalf("report: %d %.500s", code, body)
	}
	var tracked ward.Thread
	if err := json.Unmarshal([]byte(body), &tracked); err != nil {
		t.Fatalf("report: %v in %.500s", err, body)
	}
	if tracked.Report == 0 || !slices.Contains(tracked.Labels, ward.LabelTracked) || tracked.Status != ward.ThreadActionable {
		t.Fatalf("thread after report = %+v, want a report, the label %s and status actionable", tracked, ward.LabelTracked)
	}
	var report ward.Report
	reportURL := fmt.Sprintf("%s/api/v1/reports/%d", p.url, tracked.Report)
	apiGet(t, reportURL, token, &report)
	if report.Source != ward.SourceEmail || report.ReporterEmail != reporter || report.Title != subject ||
		report.Body != strings.TrimSpace(firstText) || report.ExternalURL != fmt.Sprintf("https://ward.example.org/inbox/%d", thread.ID) {
		t.Errorf("report = %+v; want source email, reporter %s, title %q, the first mail as body and a link to thread %d",
			report, reporter, subject, thread.ID)
	}

	// The reporter's next mail, by IMAP again, is on the report's timeline,
	// for the reporter to see too as it is from their own address.
	const laterText = "One more detail: the proxy follows redirects as well."
	later := reporterMail(reporter, newMessageID(t), "Re: "+subject, laterText+"\n", firstID, reply.MessageID, answerID)
	laterUID := imapServer.Append(t, box, later)
	var emails []ward.TimelineEvent
	pollUntil(t, mailWait, "the reporter's later mail on the report's timeline", func() bool {
		var tl struct{ Events []ward.TimelineEvent }
		apiGet(t, reportURL+"/timeline", token, &tl)
		emails = emails[:0]
		for _, ev := range tl.Events {
			if ev.Action == "email" {
				emails = append(emails, ev)
			}
		}
		return len(emails) > 0
	})
	if len(emails) != 1 || emails[0].Comment != laterText || emails[0].Visibility != "reporter" {
		t.Errorf("email events = %+v, want one with %q, visible to the reporter", emails, laterText)
	}
	// Intake marks the mail seen only after ward took it, acknowledgement
	// and all: from then on the thread is final.
	pollUntil(t, mailWait, "the later mail marked \\Seen", func() bool {
		return imapServer.Seen(t, box)[laterUID]
	})
	_, msgs = conversation(t, p, token, thread.ID)
	acks = 0
	for _, m := range msgs {
		if m.Source == ward.MailSent && m.Auto != "" {
			acks++
		}
	}
	if len(msgs) != 5 || acks != 1 {
		t.Errorf("thread has %d messages, %d of them acknowledgements, after the later mail; want 5 and 1", len(msgs), acks)
	}
	// And the sink agrees: the acknowledgement and the reply, nothing more.
	sink.WaitFor(t, "to:"+reporter, 2)
	stopServe(t, p)
}

// TestIMAPCrash kills ward with SIGKILL at random points while it takes
// 2,000 messages from an IMAP mailbox, restarting it each time, until one
// run has taken them all. Every message must then be in the store exactly
// once: marked \Seen only after ward's commit, a message is either stored
// or fetched again after the restart, and the store knows it when fetched
// again. A kill may land mid-transaction; SQLite's WAL makes that safe.
func TestIMAPCrash(t *testing.T) {
	imapServer := mailtest.IMAP(t)
	box := imapServer.NewMailbox(t)
	start := time.Now()

	// Typical mail, and one in twenty without a Message-ID, kept by a hash
	// of its bytes instead (each is unique: Typical(i) names i in its body).
	const total = 2000
	raws := make([][]byte, total)
	wantIDs := map[string]bool{}
	withoutID := 0
	for i := range raws {
		raws[i] = mailtest.Typical(i)
		id := fmt.Sprintf("msg%d@example.net", i)
		if i%20 == 7 {
			raws[i] = bytes.Replace(raws[i], []byte("Message-ID: <"+id+">\r\n"), nil, 1)
			if bytes.Contains(bytes.ToLower(raws[i]), []byte("message-id:")) {
				t.Fatalf("message %d still has a Message-ID field", i)
			}
			withoutID++
			continue
		}
		wantIDs[id] = true
	}
	imapServer.AppendAll(t, box, raws)
	t.Logf("appended %d messages (%d without a Message-ID) in %s", total, withoutID, time.Since(start).Round(time.Millisecond))

	// One connection for the STATUS polls: a login costs Dovecot two
	// processes, and STATUS does not select, so it changes no flag.
	status := imapServer.Dial(t)
	unseen := func() uint32 {
		t.Helper()
		data, err := status.Status(box, &imap.StatusOptions{NumUnseen: true}).Wait()
		if err != nil {
			t.Fatalf("STATUS %s: %v", box, err)
		}
		if data.NumUnseen == nil {
			t.Fatalf("STATUS %s: no UNSEEN in the answer", box)
		}
		return *data.NumUnseen
	}

	path := filepath.Join(t.TempDir(), "ward.db")
	env := []string{"WARD_IMAP_PASSWORD=" + imapServer.Password}
	args := []string{"--db", "sqlite:" + path, "--imap-url", "imap://" + imapServer.User + "@" + imapServer.Addr + "/" + box}
	seed := time.Now().UnixNano()
	t.Logf("kill delays seeded with %d", seed)
	rng := mathrand.New(mathrand.NewPCG(uint64(seed), uint64(seed>>32)))
	const runFor = 45 * time.Second
	deadline := time.Now().Add(runFor)
	// Each run is killed 50 ms plus up to spread after it listens. A run
	// that takes more than a sixteenth of the mailbox halves the spread, so
	// that a fast machine still sees the kills land in many places rather
	// than ward take the mailbox in a few runs.
	spread := 750 * time.Millisecond
	kills := 0
	var left []uint32 // unseen messages at each kill, to log ward's progress
	before := uint32(total)
	for {
		if time.Now().After(deadline) {
			t.Fatalf("ward took the mailbox in none of %d runs within %s; unseen at each kill: %v", kills+1, runFor, left)
		}
		p := startServeEnv(t, env, args...)
		// The random point of the kill: ward is already reading the mailbox
		// (it starts intake before it listens), and the delay makes the kill
		// land anywhere in a fetch, an ingest, a commit or a STORE.
		time.Sleep(50*time.Millisecond + time.Duration(rng.Int64N(int64(spread))))
		n := unseen()
		if n == 0 {
			stopServe(t, p)
			break
		}
		if err := p.cmd.Process.Kill(); err != nil {
			t.Fatalf("SIGKILL ward: %v", err)
		}
		_ = p.cmd.Wait() // "signal: killed"
		kills++
		left = append(left, n)
		if before-n > total/16 && spread > 50*time.Millisecond {
			spread /= 2
		}
		before = n
	}
	t.Logf("%d kills (unseen at each: %v), %d runs, kill delays up to %s at the end; %s in all",
		kills, left, kills+1, 50*time.Millisecond+spread, time.Since(start).Round(time.Millisecond))
	if kills < 5 {
		t.Errorf("only %d kills before ward took the mailbox, want at least 5: shorten the delays", kills)
	}

	sqldb, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatalf("open ward's database: %v", err)
	}
	defer sqldb.Close()
	count := func(query string) int {
		t.Helper()
		var n int
		if err := sqldb.QueryRow(query).Scan(&n); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n
	}
	for _, c := range []struct {
		what, query string
	}{
		{"messages", `SELECT count(*) FROM mail_messages`},
		{"distinct keys", `SELECT count(DISTINCT message_key) FROM mail_messages`},
		{"raw messages", `SELECT count(*) FROM mail_raw`},
		{"IMAP deliveries", `SELECT count(*) FROM mail_deliveries`},
		// A thread's count is written in the message's transaction: a
		// transaction the kill half-applied would show here.
		{"messages counted in threads", `SELECT coalesce(sum(messages), 0) FROM mail_threads`},
		{"receipts in the audit log", `SELECT count(*) FROM audit_log WHERE action = 'mail.receive'`},
	} {
		if got := count(c.query); got != total {
			t.Errorf("%s: %d, want %d", c.what, got, total)
		}
	}
	rows, err := sqldb.Query(`SELECT message_key FROM mail_messages`)
	if err != nil {
		t.Fatalf("read the message keys: %v", err)
	}
	defer rows.Close()
	seen := map[string]int{}
	hashed := 0
	for rows.Next() {
		var key string
		if err := rows.Scan(&key); err != nil {
			t.Fatalf("read a message key: %v", err)
		}
		seen[key]++
		if strings.HasPrefix(key, "sha256:") {
			hashed++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read the message keys: %v", err)
	}
	var wrong []string // a lost message is lost by the hundred: listed, not one error each
	for id := range wantIDs {
		if seen[id] != 1 {
			wrong = append(wrong, fmt.Sprintf("%s %d times", id, seen[id]))
		}
	}
	if len(wrong) > 0 {
		slices.Sort(wrong)
		t.Errorf("%d messages are not stored exactly once: %s", len(wrong), strings.Join(wrong[:min(len(wrong), 10)], ", "))
	}
	// Their keys hash the bytes as Dovecot hands them back, which may
	// differ from what was appended: only their number is checked.
	if hashed != withoutID {
		t.Errorf("%d messages are kept by the hash of their bytes, want %d", hashed, withoutID)
	}
}

// smtpData is what an LMTP server receives when a client sends raw with
// DATA: go-smtp's client, like most, writes it through net/textproto's
// DotWriter, which ends every line with CRLF and the message with a line
// end. Line ends of LF or CRLF are what this models, and all the corpus
// has; a CR alone is DotWriter's own affair.
func smtpData(raw []byte) []byte {
	out := make([]byte, 0, len(raw)+len(raw)/50+2)
	for i, c := range raw {
		if c == '\n' && (i == 0 || raw[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	switch {
	case bytes.HasSuffix(out, []byte("\r\n")):
	case bytes.HasSuffix(out, []byte("\r")):
		out = append(out, '\n')
	default:
		out = append(out, '\r', '\n')
	}
	return out
}

// The corpus's generated messages, as in the email package's tests (which
// this package cannot import), each with a Message-ID of its own so that
// none is taken for another.

func generatedHeader(id string) string {
	return "From: Alice <alice@example.org>\r\nTo: security@example.org\r\nDate: Tue, 02 Jan 2024 15:04:05 +0100\r\n" +
		"Message-ID: <" + id + "@example.org>\r\nSubject: generated " + id + "\r\nMIME-Version: 1.0\r\n"
}

// deepMultipart is a multipart/mixed nested depth levels deep, with a text
// part at the bottom.
func deepMultipart(depth int) []byte {
	var b bytes.Buffer
	b.WriteString(generatedHeader("deep"))
	for i := range depth {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i)
	}
	b.WriteString("Content-Type: text/plain\r\n\r\ndeep text\r\n")
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	return b.Bytes()
}

// bigAttachmentMail has one base64 attachment of size bytes that do not
// repeat, so that nothing along the way could shrink it.
func bigAttachmentMail(size int) []byte {
	data := make([]byte, size)
	x := uint32(2463534242)
	for i := range data {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		data[i] = byte(x)
	}
	enc := base64.StdEncoding.EncodeToString(data)
	var b bytes.Buffer
	b.Grow(len(enc) + len(enc)/76*2 + 1024)
	b.WriteString(generatedHeader("attachment"))
	b.WriteString("Content-Type: multipart/mixed; boundary=\"att\"\r\n\r\n" +
		"--att\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee attachment.\r\n" +
		"--att\r\nContent-Type: application/octet-stream\r\n" +
		"Content-Disposition: attachment; filename=\"dump.bin\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n")
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--att--\r\n")
	return b.Bytes()
}

// nestedForwards is a message forwarding a message forwarding a message…
// depth levels deep, each as a message/rfc822 part.
func nestedForwards(depth int) []byte {
	msg := "From: bottom@example.org\r\nSubject: bottom\r\n\r\nthe bottom\r\n"
	for i := range depth {
		msg = fmt.Sprintf("From: level%d@example.org\r\nSubject: level %d\r\nContent-Type: message/rfc822\r\n\r\n", i, i) + msg
	}
	return []byte(generatedHeader("forwards") + "Content-Type: multipart/mixed; boundary=\"fwd\"\r\n\r\n" +
		"--fwd\r\nContent-Type: text/plain\r\n\r\nforwarded\r\n" +
		"--fwd\r\nContent-Type: message/rfc822\r\n\r\n" + msg + "\r\n--fwd--\r\n")
}

// TestMailMalformedThroughLMTP delivers the malformed corpus to a running
// ward over LMTP: each message is answered 250, stored byte for byte,
// flagged when ward could not read all of it, and the server keeps
// answering.
func TestMailMalformedThroughLMTP(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "email", "testdata", "malformed", "*.eml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("the malformed corpus: %d files, %v", len(files), err)
	}
	const attachmentSize = 22 << 20 // 30 MB once in base64
	type mail struct {
		name    string
		raw     []byte
		flagged bool // whether ward finds something it cannot read
	}
	// Mail that is odd but readable is not flagged.
	readable := map[string]bool{"headers-only.eml": true}
	var corpus []mail
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(bytes.ToLower(raw), []byte("return-path:")) {
			t.Fatalf("%s has a Return-Path: what the listener keeps of it is not worked out here", f)
		}
		corpus = append(corpus, mail{filepath.Base(f), raw, !readable[filepath.Base(f)]})
	}
	corpus = append(corpus,
		mail{"multipart nested 100 deep", deepMultipart(100), true},
		mail{"30 MB attachment", bigAttachmentMail(attachmentSize), false},
		mail{"message/rfc822 nested 50 deep", nestedForwards(50), false},
		// SMTP's lines are at most 1,000 bytes, but mail breaks that rule.
		mail{"header line of 1 MiB", []byte(generatedHeader("long") + "X-Long: " + strings.Repeat("a", 1<<20) + "\r\n\r\nbody\r\n"), true})

	db := "sqlite:" + filepath.Join(t.TempDir(), "ward.db")
	c := &cli{t: t, db: db}
	c.ok("user", "add", "--email", "admin@example.org", "--name", "Admin", "--role", "admin")
	token := strings.TrimSpace(c.ok("token", "create", "--user", "admin@example.org"))
	lmtpAddr := freeLoopbackAddr(t)
	p := startServe(t, "--db", db, "--mail-listen", "lmtp://"+lmtpAddr)

	const envelopeFrom = "sender@example.net"
	want := map[string]mail{} // by the SHA-256 of the bytes ward is to keep
	for _, m := range corpus {
		if err := lmtpDeliver(t, lmtpAddr, envelopeFrom, "security@example.org", m.raw); err != nil {
			t.Errorf("%s: LMTP delivery: %v, want 250", m.name, err)
			continue
		}
		// What ward keeps is what arrived, after the Return-Path that the
		// listener writes at the top from the envelope, as a final delivery
		// does. (No message of the corpus has a Return-Path of its own,
		// which a listener might leave alone instead.)
		kept := append([]byte("Return-Path: <"+envelopeFrom+">\r\n"), smtpData(m.raw)...)
		sum := sha256.Sum256(kept)
		want[hex.EncodeToString(sum[:])] = m
	}

	// Find each stored message by its bytes as ward serves them.
	found := map[string]bool{}
	for _, th := range inboxThreads(t, p, token) {
		thread, msgs := conversation(t, p, token, th.ID)
		for _, msg := range msgs {
			code, raw := get(t, fmt.Sprintf("%s/api/v1/inbox/%d/messages/%d/raw", p.url, th.ID, msg.ID), token)
			if code != 200 {
				t.Errorf("raw message %d of thread %d: %d %.300s", msg.ID, th.ID, code, raw)
				continue
			}
			sum := sha256.Sum256([]byte(raw))
			m, ok := want[hex.EncodeToString(sum[:])]
			if !ok {
				t.Errorf("message %d of thread %d (%q, %d bytes) is none of the delivered messages byte for byte", msg.ID, th.ID, msg.Subject, len(raw))
				continue
			}
			found[m.name] = true
			if got := len(msg.Problems) > 0; got != m.flagged {
				t.Errorf("%s: problems %q; flagged = %t, want %t", m.name, msg.Problems, got, m.flagged)
			}
			if m.flagged && !thread.Flagged {
				t.Errorf("%s: thread %d is not flagged", m.name, thread.ID)
			}
			if m.name == "30 MB attachment" && (len(msg.Attachments) != 1 || msg.Attachments[0].Size != attachmentSize) {
				t.Errorf("%s: attachments %+v, want dump.bin of %d bytes", m.name, msg.Attachments, attachmentSize)
			}
		}
	}
	for _, m := range want {
		if !found[m.name] {
			t.Errorf("%s: not stored byte for byte", m.name)
		}
	}
	if code, body := get(t, p.url+"/healthz", ""); code != 200 {
		t.Errorf("/healthz after the corpus: %d %s", code, body)
	}
	stopServe(t, p)
}
