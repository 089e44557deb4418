package server

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/markdown"
)

// web holds the pages' templates and the stylesheet: no build step, no
// script.
//
//go:embed web
var web embed.FS

var pageFuncs = template.FuncMap{
	"markdown": markdown.Render,
	"has":      func(list []string, s string) bool { return slices.Contains(list, s) },
	// words shows a state or an action, such as needs_info, as words.
	"words": func(s string) string { return strings.ReplaceAll(s, "_", " ") },
	"money": func(amount int64, currency string) string {
		return fmt.Sprintf("%d.%02d %s", amount/100, amount%100, currency)
	},
}

// pages are parsed once; each is the layout with one page's blocks.
var pages = func() map[string]*template.Template {
	layout := template.Must(template.New("").Funcs(pageFuncs).ParseFS(web, "web/layout.html"))
	out := map[string]*template.Template{}
	for _, name := range []string{"report_form", "reporter", "error", "login", "account"} {
		out[name] = template.Must(template.Must(layout.Clone()).ParseFS(web, "web/"+name+".html"))
	}
	return out
}()

// pageHeaders are sent with every page: no script may run, nothing may be
// loaded from elsewhere, no other site may frame the page, and no link
// followed from it tells where it came from (a reporter's page is its own
// credential).
func pageHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
}

// page answers with a page. It is rendered in full before anything is
// sent, so that a template error becomes an error page, not half a page.
func (s *Server) page(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	body, err := render(name, data)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	writePage(w, status, body)
}

// pageError answers a page request with an error page: the same codes and
// statuses as the API's JSON errors, and the same rule that internal
// details go to the log only (ErrorMessage is "Internal error." for them).
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	_, status, ok := s.failure(w, r, err)
	if !ok {
		return
	}
	body, err := render("error", errorPage{http.StatusText(status), ward.ErrorMessage(err), ward.RequestIDFromContext(r.Context())})
	if err != nil {
		http.Error(w, http.StatusText(status), status) // the error page's own tests keep this unreachable
		return
	}
	writePage(w, status, body)
}

// errorPage is an error as a page: the status's text, the message, and the
// request ID to quote when asking about it.
type errorPage struct {
	Title, Message, RequestID string
}

func render(name string, data any) ([]byte, error) {
	var buf bytes.Buffer
	if err := pages[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		return nil, fmt.Errorf("render page %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

func writePage(w http.ResponseWriter, status int, body []byte) {
	pageHeaders(w.Header())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body) // the status is sent; a broken connection is the client's to notice
}

func (s *Server) handleStylesheet(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.ServeFileFS(w, r, web, "web/ward.css")
}
