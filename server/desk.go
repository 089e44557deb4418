package server

import (
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/markdown"
)

// The desk is the team's pages: the dashboard, the report list and report
// page, the inbox, the rotations and the admin pages. Every one is signed in
// (signedIn), checks the caller's role with ward.Require (the report and
// rotation pages as the API does; the admin pages by an admin's
// permission, see desk_admin.go), and posts its forms with a CSRF token
// checked by checkForm.

// deskNav is what the header of every desk page needs: who is signed in,
// whether to show Admin and Inbox, the number of open threads, the
// sign-out form's token and the current entry.
type deskNav struct {
	Me    *ward.Member
	Admin bool
	CSRF  string
	Here  string // dashboard (the brief too), reports, inbox, distributors, rotations, admin or account
	Inbox bool   // ward has an inbox
	// Distributors shows the distributors list to those who may read it.
	Distributors bool
	// OpenThreads counts the inbox's open threads up to openThreadsMax;
	// OpenThreadsMore says there are more.
	OpenThreads     int
	OpenThreadsMore bool
}

// openThreadsMax bounds the count of open threads in the navigation: past
// it, "99+" says as much, and counting stays cheap on every page.
const openThreadsMax = 99

func (s *Server) nav(r *http.Request, here string) deskNav {
	actor := ward.ActorFromContext(r.Context())
	n := deskNav{Me: memberFromContext(r.Context()), Admin: actor.Role == ward.RoleAdmin, CSRF: s.formToken(r), Here: here,
		Inbox: s.cfg.Inbox != nil, Distributors: ward.Can(actor, ward.ReadDistributors)}
	if n.Inbox && ward.Can(actor, ward.ReadInbox) {
		open, err := s.cfg.Inbox.List(r.Context(), ward.ThreadFilter{Status: ward.ThreadOpen, Limit: openThreadsMax + 1})
		if err != nil {
			// The count is a hint beside the page asked for, which need
			// not fail for it; the log keeps why it is missing.
			s.cfg.Logger.LogAttrs(r.Context(), slog.LevelError, "count open threads",
				slog.String("request_id", ward.RequestIDFromContext(r.Context())), slog.String("error", err.Error()))
		}
		n.OpenThreads, n.OpenThreadsMore = min(len(open), openThreadsMax), len(open) > openThreadsMax
	}
	return n
}

// requirePage answers a 403 page and returns false unless the caller may
// do p.
func (s *Server) requirePage(w http.ResponseWriter, r *http.Request, p ward.Permission) bool {
	if err := ward.Require(ward.ActorFromContext(r.Context()), p); err != nil {
		s.pageError(w, r, err)
		return false
	}
	return true
}

// formText is a form field as the person wrote it: browsers send line
// breaks as CRLF.
func formText(r *http.Request, name string) string {
	return strings.ReplaceAll(r.PostForm.Get(name), "\r\n", "\n")
}

// who shows an actor as the audit log and timeline spell it
// (member:ana@example.org) the way people read it.
func who(actor string) string {
	if kind, email, ok := strings.Cut(actor, ":"); ok {
		switch kind {
		case ward.ActorMember:
			return email
		case ward.ActorReporter:
			return "the reporter (" + email + ")"
		case ward.ActorApplicant:
			return "the applicant (" + email + ")"
		}
	}
	if actor == ward.ActorReporter {
		return "the reporter"
	}
	return actor
}

// renderedComments keeps timeline comments rendered from Markdown by event
// ID: events are never changed, and rendering and sanitising a long
// timeline is most of a report page's cost. The source is kept with the
// HTML and compared, so that a reused ID (another database) is rendered
// afresh. At most max entries; when full it starts over.
type renderedComments struct {
	mu  sync.Mutex
	max int
	m   map[int64]renderedComment
}

type renderedComment struct {
	source string
	html   template.HTML
}

func newRenderedComments(max int) *renderedComments {
	return &renderedComments{max: max, m: map[int64]renderedComment{}}
}

func (c *renderedComments) render(id int64, source string) template.HTML {
	c.mu.Lock()
	got, ok := c.m[id]
	c.mu.Unlock()
	if ok && got.source == source {
		return got.html
	}
	html := markdown.Render(source)
	c.mu.Lock()
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[id] = renderedComment{source, html}
	c.mu.Unlock()
	return html
}
