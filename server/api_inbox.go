package server

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/inbox"
)

// MaxMailBody is the largest message POST /api/v1/inbox/messages takes:
// mail with attachments is far larger than any JSON body.
const MaxMailBody = 50 << 20

// errNoInbox answers the inbox's routes on a ward that runs without one.
var errNoInbox = ward.Errorf(ward.ENOTFOUND, "this ward has no inbox configured")

// requireInbox answers an error and returns false unless ward has an inbox
// and the caller may do p.
func (s *Server) requireInbox(w http.ResponseWriter, r *http.Request, p ward.Permission) bool {
	if s.cfg.Inbox == nil {
		s.Error(w, r, errNoInbox)
		return false
	}
	return s.require(w, r, p)
}

// inboxQueryKeys are the parameters of a thread list; any other is refused,
// as the report list refuses them, so that a misspelt one does not quietly
// list more than was meant.
var inboxQueryKeys = []string{"status", "assignee", "before", "limit"}

// threadFilter reads a thread list's selection and cursor from the query.
// assignee=me is the caller.
func threadFilter(r *http.Request, q url.Values) (ward.ThreadFilter, cursor, error) {
	var f ward.ThreadFilter
	for _, key := range slices.Sorted(maps.Keys(q)) {
		if !slices.Contains(inboxQueryKeys, key) {
			return f, cursor{}, ward.Errorf(ward.EINVALID, "%s: not a thread filter; use %s", key, strings.Join(inboxQueryKeys, ", "))
		}
		if len(q[key]) != 1 {
			return f, cursor{}, ward.Errorf(ward.EINVALID, "%s: given %d times", key, len(q[key]))
		}
		if err := ward.CheckControl(key, q[key][0]); err != nil {
			return f, cursor{}, err
		}
	}
	f.Status = q.Get("status")
	f.Assignee = strings.ToLower(strings.TrimSpace(q.Get("assignee")))
	if f.Assignee == "me" {
		f.Assignee = ward.ActorFromContext(r.Context()).Email
	}
	c, err := readCursor(q, "a thread", 50, 200)
	f.Before, f.Limit = c.Before, c.Limit
	return f, c, err
}

// handleInboxList pages through threads, the newest first; a full page
// carries "next".
func (s *Server) handleInboxList(w http.ResponseWriter, r *http.Request) {
	if !s.requireInbox(w, r, ward.ReadInbox) {
		return
	}
	f, c, err := threadFilter(r, r.URL.Query())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	threads, err := s.cfg.Inbox.List(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	page := struct {
		Threads []*ward.Thread `json:"threads"`
		Next    string         `json:"next,omitempty"`
	}{Threads: threads}
	if len(threads) > 0 {
		page.Next = c.next(r, len(threads), threads[len(threads)-1].ID)
	}
	writeJSON(w, http.StatusOK, page)
}

// conversation is a thread and its messages, oldest first.
type conversation struct {
	Thread   *ward.Thread    `json:"thread"`
	Messages []*ward.Message `json:"messages"`
}

func (s *Server) handleInboxThread(w http.ResponseWriter, r *http.Request) {
	if !s.requireInbox(w, r, ward.ReadInbox) {
		return
	}
	id, err := pathID(r, "thread")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	t, msgs, err := s.cfg.Inbox.Conversation(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, conversation{t, msgs})
}

// messageID reads the message's ID from the path, as pathID the thread's.
func messageID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("mid"), 10, 64)
	if err != nil || id < 1 {
		return 0, ward.Errorf(ward.ENOTFOUND, "no message has the id %q", r.PathValue("mid"))
	}
	return id, nil
}

// rawMessage returns the bytes of the message in the path, if the caller
// may see its thread.
func (s *Server) rawMessage(r *http.Request) (int64, []byte, error) {
	thread, err := pathID(r, "thread")
	if err != nil {
		return 0, nil, err
	}
	mid, err := messageID(r)
	if err != nil {
		return 0, nil, err
	}
	raw, err := s.cfg.Inbox.Raw(r.Context(), thread, mid)
	return mid, raw, err
}

// writeRawMessage answers a message's exact bytes as a download. They are
// anyone's mail: served as an attachment of a type no browser renders, and
// not to be sniffed into one it does.
func writeRawMessage(w http.ResponseWriter, mid int64, raw []byte) {
	h := w.Header()
	h.Set("Content-Type", "message/rfc822")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="message-%d.eml"`, mid))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(raw)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(raw) // the status is sent; a broken connection is the client's to notice
}

func (s *Server) handleInboxRaw(w http.ResponseWriter, r *http.Request) {
	if !s.requireInbox(w, r, ward.ReadInbox) {
		return
	}
	mid, raw, err := s.rawMessage(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeRawMessage(w, mid, raw)
}

// handleInboxSimilar answers the reports a thread may duplicate.
func (s *Server) handleInboxSimilar(w http.ResponseWriter, r *http.Request) {
	if !s.requireInbox(w, r, ward.ReadInbox) {
		return
	}
	id, err := pathID(r, "thread")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	similar, err := s.cfg.Inbox.Similar(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Similar []ward.SimilarReport `json:"similar"`
	}{similar})
}

// handleInboxAction takes one action on a thread and answers the thread as
// it now is. Every action needs WorkInbox, so a viewer is refused before
// the body is read.
func (s *Server) handleInboxAction(w http.ResponseWriter, r *http.Request) {
	if !s.requireInbox(w, r, ward.WorkInbox) {
		return
	}
	id, err := pathID(r, "thread")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in inbox.Action
	if err := s.decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	t, err := s.cfg.Inbox.Act(r.Context(), id, in)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

// handleInboxDelete deletes a spam thread for good.
func (s *Server) handleInboxDelete(w http.ResponseWriter, r *http.Request) {
	if !s.requireInbox(w, r, ward.DeleteMail) {
		return
	}
	id, err := pathID(r, "thread")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.cfg.Inbox.Delete(r.Context(), id); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleInboxReceive stores a raw message sent as the body, as IMAP and
// LMTP intake do. The caller's role is checked before the body is read, so
// that nobody else can make ward read 50 MiB. The same message twice is
// one message: the second answer is 200 with the stored one.
func (s *Server) handleInboxReceive(w http.ResponseWriter, r *http.Request) {
	if !s.requireInbox(w, r, ward.WorkInbox) {
		return
	}
	raw, err := readMail(w, r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	in, err := s.cfg.Inbox.Receive(r.Context(), raw, ward.Delivery{Source: ward.MailAPI})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	// Sending a message must not show what viewing would hide: a thread
	// that is spam, or whose report is.
	if _, err := s.cfg.Inbox.Visible(r.Context(), in.Thread.ID); ward.ErrorCode(err) == ward.ENOTFOUND {
		s.Error(w, r, ward.Errorf(ward.ECONFLICT, "the message is stored, in a thread you may not see"))
		return
	} else if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/inbox/"+strconv.FormatInt(in.Thread.ID, 10))
	status := http.StatusOK
	if in.Created {
		status = http.StatusCreated
	}
	writeJSON(w, status, struct {
		Thread  *ward.Thread  `json:"thread"`
		Message *ward.Message `json:"message"`
	}{in.Thread, in.Message})
}

// readMail reads a raw message body: declared as message/rfc822, at most
// MaxMailBody bytes, not empty.
func readMail(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "message/rfc822" {
		return nil, ward.Errorf(ward.EUNSUPPORTED, "send the message as Content-Type: message/rfc822")
	}
	if r.ContentLength > MaxMailBody {
		return nil, ward.Errorf(ward.ETOOLARGE, "the message is over the limit of %d MiB", MaxMailBody>>20)
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxMailBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, ward.Errorf(ward.ETOOLARGE, "the message is over the limit of %d MiB", MaxMailBody>>20)
	}
	if err != nil {
		return nil, fmt.Errorf("read the message: %w", err)
	}
	if len(raw) == 0 {
		return nil, ward.Errorf(ward.EINVALID, "the body is empty; send the message as it was received")
	}
	return raw, nil
}
