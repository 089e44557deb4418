package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/brief"
	"github.com/wardsec/ward/markdown"
)

// web holds the pages' templates, the stylesheet and the desk's one small
// script: no build step.
//
//go:embed web
var web embed.FS

var pageFuncs = template.FuncMap{
	"markdown": markdown.Render,
	"has":      func(list []string, s string) bool { return slices.Contains(list, s) },
	"words":    words,
	"who":      who,
	"join":     strings.Join,
	"lower":    strings.ToLower,
	"pct":      func(score float64) float64 { return score * 100 },
	"dashList": func(id, title, more string, reports []*ward.Report, empty string) dashList {
		return dashList{id, title, more, reports, empty}
	},
	"threadList": func(id string, threads []*ward.Thread, empty string) threadList {
		return threadList{id, threads, empty}
	},
	"staleTable": func(id string, rows []brief.Stale, canPing bool, csrf, empty string) staleTable {
		return staleTable{id, rows, canPing, csrf, empty}
	},
	"money": func(amount int64, currency string) string {
		return fmt.Sprintf("%d.%02d %s", amount/100, amount%100, currency)
	},
}

// publicPages are for people without an account; deskPages are the
// signed-in team's, each also given desk.html: the navigation and the
// desk's script.
var (
	publicPages = []string{"report_form", "reporter", "error", "login", "login_link", "distributor_join", "distributor_thanks"}
	deskPages   = []string{"reports", "report", "inbox", "thread", "dashboard", "brief", "rotations", "rotation", "admin_members", "admin_audit", "admin_outbox", "admin_tiers", "admin_tokens", "account",
		"distributors"}
)

// dashList is one of the dashboard's report lists.
type dashList struct {
	ID, Title, More string
	Reports         []*ward.Report
	Empty           string
}

// threadList is a table of inbox threads: the inbox page's and the
// dashboard's; ID names its heading.
type threadList struct {
	ID      string
	Threads []*ward.Thread
	Empty   string
}

// staleTable is a table of reports quiet past their threshold, with a
// Ping button for each when the viewer may ping: the dashboard's and the
// brief's; ID names its heading.
type staleTable struct {
	ID      string
	Rows    []brief.Stale
	CanPing bool
	CSRF    string
	Empty   string
}

// words shows a state or an action, such as needs_info, as words.
func words(s string) string { return strings.ReplaceAll(s, "_", " ") }

// pages are parsed once; each is the layout with one page's blocks.
var pages = func() map[string]*template.Template {
	layout := template.Must(template.New("").Funcs(pageFuncs).ParseFS(web, "web/layout.html"))
	out := map[string]*template.Template{}
	for _, name := range publicPages {
		out[name] = template.Must(template.Must(layout.Clone()).ParseFS(web, "web/"+name+".html"))
	}
	desk := template.Must(template.Must(layout.Clone()).ParseFS(web, "web/desk.html"))
	for _, name := range deskPages {
		out[name] = template.Must(template.Must(desk.Clone()).ParseFS(web, "web/"+name+".html"))
	}
	return out
}()

// scripted are the pages that may run /static/desk.js: the desk's. The
// public pages run no script at all.
var scripted = func() map[string]bool {
	m := map[string]bool{}
	for _, name := range deskPages {
		m[name] = true
	}
	return m
}()

// pageHeaders are sent with every page: no script may run but, on the
// desk's pages, ward's own desk.js; nothing may be loaded from elsewhere,
// no other site may frame the page, and no link followed from it tells
// where it came from (a reporter's page is its own credential).
func pageHeaders(h http.Header, script bool) {
	csp := "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	if script {
		csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	}
	h.Set("Content-Security-Policy", csp)
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
	writePage(w, status, body, scripted[name])
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
	writePage(w, status, body, false)
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

func writePage(w http.ResponseWriter, status int, body []byte, script bool) {
	pageHeaders(w.Header(), script)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body) // the status is sent; a broken connection is the client's to notice
}

func (s *Server) handleStylesheet(w http.ResponseWriter, r *http.Request) {
	serveAsset(w, r, assets["ward.css"])
}

// handleDeskScript serves desk.js, the keyboard shortcuts and live CVSS
// vector of the desk's pages; every page works without it.
func (s *Server) handleDeskScript(w http.ResponseWriter, r *http.Request) {
	serveAsset(w, r, assets["desk.js"])
}

// asset is a static file as served: its bytes, gzipped once at start-up,
// its type, and a strong ETag for each form.
type asset struct {
	name, contentType string
	plain, gzipped    []byte
	plainTag, gzipTag string
}

// assets are the stylesheet and the script. They are compressed for
// browsers that accept it, since they hold no secret; pages are not, since
// a page holds its form token beside text others wrote (BREACH).
var assets = func() map[string]*asset {
	out := map[string]*asset{}
	for name, typ := range map[string]string{"ward.css": "text/css; charset=utf-8", "desk.js": "text/javascript; charset=utf-8"} {
		plain, err := fs.ReadFile(web, "web/"+name)
		if err != nil {
			panic(fmt.Sprintf("embedded %s: %v", name, err)) // embedded at build time: cannot be missing
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // a valid level cannot fail
		_, _ = zw.Write(plain)                                   // a bytes.Buffer cannot fail
		_ = zw.Close()
		sum := sha256.Sum256(plain)
		tag := hex.EncodeToString(sum[:8])
		out[name] = &asset{name: name, contentType: typ, plain: plain, gzipped: buf.Bytes(),
			plainTag: `"` + tag + `"`, gzipTag: `"` + tag + `-gz"`}
	}
	return out
}()

// serveAsset answers with the asset, gzipped when the browser accepts it.
// Each form has its own ETag from the file's content, so a browser's copy
// is current exactly when its bytes are (across versions of ward as well),
// and a range asked of one form is never answered from the other.
func serveAsset(w http.ResponseWriter, r *http.Request, a *asset) {
	h := w.Header()
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Type", a.contentType)
	h.Set("Vary", "Accept-Encoding")
	body, tag := a.plain, a.plainTag
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body, tag = a.gzipped, a.gzipTag
	}
	h.Set("ETag", tag)
	// ServeContent leaves Content-Length out of an encoded answer; the
	// length of these bytes is known.
	h.Set("Content-Length", strconv.Itoa(len(body)))
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reads Accept-Encoding: gzip, unless refused with a zero q.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q := 1.0
		if k, v, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.EqualFold(strings.TrimSpace(k), "q") {
			if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
				q = f
			}
		}
		return q > 0
	}
	return false
}
