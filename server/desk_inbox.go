package server

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/inbox"
)

// requireInboxPage answers an error page and returns false unless ward has
// an inbox and the caller may do p.
func (s *Server) requireInboxPage(w http.ResponseWriter, r *http.Request, p ward.Permission) bool {
	if s.cfg.Inbox == nil {
		s.pageError(w, r, errNoInbox)
		return false
	}
	return s.requirePage(w, r, p)
}

// inboxPage is GET /inbox: a tab for each status, the assignee filter, one
// page of threads and the link to the next.
type inboxPage struct {
	Nav      deskNav
	Statuses []string          // the tabs: spam only for admins
	Filter   ward.ThreadFilter // what the list selects
	Assignee string            // the filter as asked: "me", an email or ""
	Workers  []*ward.Member    // the assignee filter's choices
	Threads  []*ward.Thread
	Next     string
	Error    string // why the filter was refused
}

// threadStatuses are the statuses the caller may list or mark: spam is an
// admin's.
func threadStatuses(a ward.Actor) []string {
	if a.Role.AtLeast(ward.RoleAdmin) {
		return ward.ThreadStatuses
	}
	return slices.DeleteFunc(slices.Clone(ward.ThreadStatuses), func(s string) bool { return s == ward.ThreadSpam })
}

// inboxWorkers are the members who may be made accountable for a thread:
// those who can work the inbox.
func (s *Server) inboxWorkers(ctx context.Context) ([]*ward.Member, error) {
	members, err := s.cfg.Members.FindMembers(ctx, ward.MemberFilter{})
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(members, func(m *ward.Member) bool {
		return m.Disabled || !ward.Can(ward.Actor{Kind: ward.ActorMember, Role: m.Role}, ward.WorkInbox)
	}), nil
}

// handleInboxPage is the thread list: the same selection as
// GET /api/v1/inbox (threadFilter), as a page.
func (s *Server) handleInboxPage(w http.ResponseWriter, r *http.Request) {
	if !s.requireInboxPage(w, r, ward.ReadInbox) {
		return
	}
	// The filter form sends every field, empty ones too: an empty one
	// selects nothing.
	q := url.Values{}
	for key, values := range r.URL.Query() {
		for _, v := range values {
			if v != "" {
				q.Add(key, v)
			}
		}
	}
	ctx := r.Context()
	p := inboxPage{Nav: s.nav(r, "inbox"), Statuses: threadStatuses(ward.ActorFromContext(ctx)), Assignee: q.Get("assignee")}
	var err error
	if p.Workers, err = s.inboxWorkers(ctx); err != nil {
		s.pageError(w, r, err)
		return
	}
	refuse := func(err error) {
		if _, status, ok := s.failure(w, r, err); ok {
			p.Error = ward.ErrorMessage(err)
			s.page(w, r, status, "inbox", p)
		}
	}
	f, c, err := threadFilter(r, q)
	p.Filter = f
	if err != nil {
		refuse(err)
		return
	}
	if p.Threads, err = s.cfg.Inbox.List(ctx, f); err != nil {
		refuse(err)
		return
	}
	if n := len(p.Threads); n == c.Limit {
		q.Set("before", strconv.FormatInt(p.Threads[n-1].ID, 10))
		p.Next = "/inbox?" + q.Encode()
	}
	s.page(w, r, http.StatusOK, "inbox", p)
}

// threadPage is GET /inbox/{id}: the conversation, the likely duplicate
// reports, and the forms of the actions the caller may take.
type threadPage struct {
	Nav       deskNav
	Thread    *ward.Thread
	Messages  []mailView
	Similar   []ward.SimilarReport
	Workers   []*ward.Member // who may be assigned
	Marks     []string       // the statuses it may be marked, other than its own
	CanWork   bool           // assign, mark, reply, mark spam
	CanReport bool           // make a report of it
	CanSpam   bool           // mark it spam: not spam yet, and no report
	CanDelete bool           // delete it for good: an admin, on spam
	ReplyTo   string         // who a reply goes to; "" when nobody can be answered
	Error     string         // why the last action was refused
	Sent      inbox.Action   // the refused action, to keep what was written
}

// mailView is a message as the thread page shows it, worked out here
// rather than in the template.
type mailView struct {
	ID          int64
	From        string
	To, Cc      string
	At, When    string // the sender's Date, or when it was received: RFC 3339 and for people
	Received    string // when ward received it, for people
	Subject     string
	Problems    []string // what could not be read: shown as a warning
	Auto        string   // why it is machine mail
	Text        string   // shown as text, never as markup
	HTML        template.HTML
	Attachments []attachmentView
	Size        string
	Ours        bool   // ward sent it
	Sender      string // the member who replied
	Delivery    string // queued, sent or failed
	Failure     string // why delivery failed
}

type attachmentView struct {
	Filename, ContentType, Size string
}

func newMailView(m *ward.Message) mailView {
	v := mailView{ID: m.ID, From: m.From.String(), To: joinAddresses(m.To), Cc: joinAddresses(m.Cc), Subject: m.Subject,
		Problems: m.Problems, Auto: m.Auto, Text: m.Text, HTML: mailHTML(m.HTML), Size: humanSize(int64(m.Size)),
		Ours: m.Source == ward.MailSent, Sender: m.Sender, Received: m.ReceivedAt.Format("2 Jan 2006 15:04 MST")}
	at := m.Date
	if at.IsZero() {
		at = m.ReceivedAt
	}
	v.At, v.When = at.Format(time.RFC3339), at.Format("Mon 2 Jan 2006 15:04 MST")
	for _, a := range m.Attachments {
		v.Attachments = append(v.Attachments, attachmentView{a.Filename, a.ContentType, humanSize(a.Size)})
	}
	v.Delivery, v.Failure, _ = strings.Cut(m.Delivery, ": ")
	return v
}

func joinAddresses(as []ward.MailAddress) string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.String()
	}
	return strings.Join(out, ", ")
}

func (s *Server) handleThreadPage(w http.ResponseWriter, r *http.Request) {
	if !s.requireInboxPage(w, r, ward.ReadInbox) {
		return
	}
	id, err := pathID(r, "thread")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p, err := s.threadPage(r, id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.page(w, r, http.StatusOK, "thread", p)
}

// threadPage gathers what the thread page shows; a thread the caller may
// not see (spam, unless an admin) is ENOTFOUND.
func (s *Server) threadPage(r *http.Request, id int64) (*threadPage, error) {
	ctx := r.Context()
	actor := ward.ActorFromContext(ctx)
	t, msgs, err := s.cfg.Inbox.Conversation(ctx, id)
	if err != nil {
		return nil, err
	}
	p := &threadPage{Nav: s.nav(r, "inbox"), Thread: t, CanWork: ward.Can(actor, ward.WorkInbox)}
	for _, m := range msgs {
		p.Messages = append(p.Messages, newMailView(m))
	}
	if p.Similar, err = s.cfg.Inbox.SimilarTo(ctx, t, msgs); err != nil {
		return nil, err
	}
	if p.CanWork {
		if p.Workers, err = s.inboxWorkers(ctx); err != nil {
			return nil, err
		}
		for _, st := range ward.ThreadStatuses {
			if st != t.Status && st != ward.ThreadSpam {
				p.Marks = append(p.Marks, st)
			}
		}
		_, rcpt, err := s.cfg.Inbox.Recipients(ctx, t, msgs)
		if err != nil && ward.ErrorCode(err) != ward.EINVALID {
			return nil, err
		}
		var names []string
		for _, a := range rcpt {
			names = append(names, a.String())
		}
		p.ReplyTo = strings.Join(names, ", ")
		p.CanReport = t.Report == 0 && ward.Can(actor, ward.FileReports)
		p.CanSpam = t.Report == 0 && t.Status != ward.ThreadSpam
	}
	p.CanDelete = t.Status == ward.ThreadSpam && ward.Can(actor, ward.DeleteMail)
	return p, nil
}

// handleThreadRawPage downloads a message's exact bytes, as
// GET /api/v1/inbox/{id}/messages/{mid}/raw does for a token.
func (s *Server) handleThreadRawPage(w http.ResponseWriter, r *http.Request) {
	if !s.requireInboxPage(w, r, ward.ReadInbox) {
		return
	}
	mid, raw, err := s.rawMessage(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	writeRawMessage(w, mid, raw)
}

// handleThreadActionPost takes one action from the thread page, then shows
// the thread again (post, redirect, get); a refused action shows the page
// with the reason, under the status the API would answer.
func (s *Server) handleThreadActionPost(w http.ResponseWriter, r *http.Request) {
	if err := s.checkForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	if !s.requireInboxPage(w, r, ward.ReadInbox) {
		return
	}
	id, err := pathID(r, "thread")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	in, err := threadActionFromForm(r)
	if err == nil {
		_, err = s.cfg.Inbox.Act(r.Context(), id, in)
	}
	switch {
	case err == nil && in.Action == inbox.ActionSpam:
		// Spam is hidden from all but admins: back to the list.
		http.Redirect(w, r, "/inbox", http.StatusSeeOther)
	case err == nil:
		http.Redirect(w, r, "/inbox/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	default:
		s.threadRefused(w, r, id, err, in)
	}
}

// threadRefused shows the thread page again with why an action was
// refused, under its status; a thread that cannot be shown is an error
// page.
func (s *Server) threadRefused(w http.ResponseWriter, r *http.Request, id int64, err error, sent inbox.Action) {
	_, status, ok := s.failure(w, r, err)
	if !ok {
		return
	}
	if status == http.StatusNotFound || status >= 500 {
		s.pageError(w, r, err)
		return
	}
	p, perr := s.threadPage(r, id)
	if perr != nil {
		s.pageError(w, r, perr)
		return
	}
	p.Error, p.Sent = ward.ErrorMessage(err), sent
	s.page(w, r, status, "thread", p)
}

// threadActionFromForm reads an action as the thread page's forms send
// it: the fields of inbox.Action.
func threadActionFromForm(r *http.Request) (inbox.Action, error) {
	f := r.PostForm
	in := inbox.Action{Action: f.Get("action"), Assignee: strings.TrimSpace(f.Get("assignee")), Status: f.Get("status"),
		Text: formText(r, "text")}
	if v := strings.TrimSpace(f.Get("version")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return in, ward.Errorf(ward.EINVALID, "version: %q is not a thread's version", v)
		}
		in.Version = n
	}
	return in, nil
}

// handleThreadDeletePost deletes a spam thread for good, as
// DELETE /api/v1/inbox/{id} does, once the form's box confirms it; then
// the list of spam.
func (s *Server) handleThreadDeletePost(w http.ResponseWriter, r *http.Request) {
	if err := s.checkForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	if !s.requireInboxPage(w, r, ward.DeleteMail) {
		return
	}
	id, err := pathID(r, "thread")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if r.PostForm.Get("confirm") != "yes" {
		err = ward.Errorf(ward.EINVALID, "confirm: tick the box to delete the thread for good")
	} else {
		err = s.cfg.Inbox.Delete(r.Context(), id)
	}
	if err != nil {
		s.threadRefused(w, r, id, err, inbox.Action{})
		return
	}
	http.Redirect(w, r, "/inbox?status=spam", http.StatusSeeOther)
}
