// Package server is ward's HTTP edge: the JSON API under /api/v1, health
// checks, and the middleware that authenticates callers, names requests and
// logs them. Handlers are thin: they decode, check the caller's role, call a
// domain service and encode.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/brief"
	"github.com/wardsec/ward/inbox"
	"github.com/wardsec/ward/oncall"
	"github.com/wardsec/ward/reports"
)

// Config is everything the server needs; cmd/ward fills it in.
type Config struct {
	Members   ward.MemberService
	Tokens    ward.TokenService
	Audit     ward.AuditService
	Team      ward.TeamService
	Rotations ward.RotationService
	Tiers     ward.TierService
	Reports   ward.ReportService
	Actions   *reports.Service
	Filters   ward.SavedFilterService
	// Sessions sign members in to the web desk.
	Sessions ward.SessionService
	// Notifications are read by the members they are for.
	Notifications ward.NotificationService
	// Dispatches is the outbox of what notifications sent, and members'
	// preferences of how.
	Dispatches ward.DispatchService
	// Stale finds the reports due a stale ping, for the dashboard.
	Stale   ward.StaleService
	OnCall  *oncall.Service
	Now     func() time.Time            // the clock; time.Now when nil
	Random  io.Reader                   // for password salts, TOTP secrets and single sign-on states; crypto/rand when nil
	Ready   func(context.Context) error // answers /readyz, typically the database ping
	Logger  *slog.Logger
	Version string
	MaxBody int64 // request body limit in bytes; DefaultMaxBody when 0
	// PublicURL is where people reach ward, such as https://ward.example.org,
	// for the links it gives out; without it, links are made from the
	// request's Host. When it is https, cookies are always Secure.
	PublicURL string
	// TrustedProxies are the reverse proxies in front of ward: for a
	// connection from one of them, the rate limits and the session list
	// take the client's address from X-Forwarded-For (see clientAddress).
	// None by default: the connection's address is the client's.
	TrustedProxies []netip.Prefix
	// SSO, when not nil, signs members in through an OpenID Connect
	// provider beside passwords; SSOName labels its button ("Sign in with
	// SSOName").
	SSO     SingleSignOn
	SSOName string
	// The public report form allows FormBurst reports from one address at
	// once, then one more every FormEvery: DefaultFormEvery and
	// DefaultFormBurst when zero.
	FormEvery time.Duration
	FormBurst int
	// Inbox is the team's mail. Without it (nil) ward has no inbox: its
	// API answers 404 and its pages say that none is configured.
	Inbox *inbox.Service
	// Distributors are the requests to join the distributors list. One
	// address may send FormBurst of them at once, then one every
	// FormEvery, through the public form and the API together, counted
	// apart from reports.
	Distributors ward.DistributorService
	// Brief computes the start-of-shift brief and the daily digest.
	// Without it (nil) their API and page answer 404 and the dashboard
	// does not mention them.
	Brief *brief.Service
	// SlackSigningSecret is the Slack app's signing secret, which signs
	// the requests of its slash command. Without it ("") the command's
	// endpoint answers 404.
	SlackSigningSecret string
	// Replays remembers the signed requests taken (the slash command's),
	// so that one sent again is refused.
	Replays ward.ReplayGuard
	// GitHubWebhookSecret verifies the deliveries of GitHub's webhook,
	// whose issue events IssueChanges records. Without either the
	// webhook's endpoint answers 404.
	GitHubWebhookSecret string
	IssueChanges        ward.IssueChangeService
}

// The public report form's default limit: five reports from one address,
// then one every ten minutes.
const (
	DefaultFormEvery = 10 * time.Minute
	DefaultFormBurst = 5
)

// What one address may do through reporter links: a conversation's worth
// at once, then one every 20 seconds. Each action is a timeline event and
// a notification, so a leaked link must not become a flood.
const (
	linkEvery = 20 * time.Second
	linkBurst = 30
)

// DefaultMaxBody is the request body limit unless configured otherwise.
const DefaultMaxBody = 1 << 20

// Server serves ward over HTTP.
type Server struct {
	cfg       Config
	mux       *http.ServeMux
	routes    []string       // every registered pattern, for the OpenAPI check
	formLimit *clientLimiter // reports filed through the public form
	linkLimit *clientLimiter // what reporters do through their links
	joinLimit *clientLimiter // requests to join the distributors list
	// slackLimit counts slash commands that fail Slack's signature, by
	// address.
	slackLimit *clientLimiter
	// githubLimit counts GitHub deliveries that fail the signature, by
	// address.
	githubLimit *clientLimiter
	// loginLimit counts sign-in attempts by address, emailLimit failed
	// ones by the email tried (and the member's, for the current password
	// and authenticator codes on /account).
	loginLimit, emailLimit *clientLimiter
	csrf                   *http.CrossOriginProtection
	ssoKey                 []byte            // signs the single sign-on cookie; made at start-up
	comments               *renderedComments // the report page's timeline comments, rendered
	publicHTTPS            bool              // PublicURL is https: every cookie is Secure
}

// New returns a server with every route registered.
func New(cfg Config) *Server {
	if cfg.MaxBody == 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Ready == nil {
		cfg.Ready = func(context.Context) error { return nil }
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Random == nil {
		cfg.Random = rand.Reader
	}
	if cfg.FormEvery == 0 {
		cfg.FormEvery = DefaultFormEvery
	}
	if cfg.FormBurst == 0 {
		cfg.FormBurst = DefaultFormBurst
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), formLimit: newClientLimiter(cfg.FormEvery, cfg.FormBurst),
		linkLimit: newClientLimiter(linkEvery, linkBurst), joinLimit: newClientLimiter(cfg.FormEvery, cfg.FormBurst), csrf: http.NewCrossOriginProtection(),
		loginLimit: newClientLimiter(loginEvery, loginBurst), emailLimit: newClientLimiter(loginEmailEvery, loginEmailBurst),
		slackLimit: newClientLimiter(slackEvery, slackBurst), githubLimit: newClientLimiter(githubEvery, githubBurst), comments: newRenderedComments(10_000)}
	if u, err := url.Parse(cfg.PublicURL); err == nil && strings.EqualFold(u.Scheme, "https") {
		s.publicHTTPS = true
	}
	s.ssoKey = make([]byte, 32)
	_, _ = rand.Read(s.ssoKey) // crypto/rand.Read never fails on supported platforms
	s.registerRoutes()
	return s
}

// Handler returns the root handler: request IDs, logging and panic recovery
// around the router.
func (s *Server) Handler() http.Handler {
	return s.withRequestID(s.withLogging(s.withRecovery(http.HandlerFunc(s.route))))
}

// Routes returns the registered patterns, such as "GET /api/v1/me".
func (s *Server) Routes() []string { return s.routes }

// handle registers a route and remembers its pattern.
func (s *Server) handle(pattern string, h http.HandlerFunc) {
	s.routes = append(s.routes, pattern)
	s.mux.HandleFunc(pattern, h)
}

// route dispatches to the mux, but answers unknown paths and methods with
// the same JSON errors as every other failure instead of the mux's text.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	if pattern != "" {
		s.mux.ServeHTTP(w, r) // not h: only the mux sets the path values
		return
	}
	probe := &statusProbe{header: http.Header{}}
	h.ServeHTTP(probe, r)
	if probe.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", probe.header.Get("Allow"))
		s.Error(w, r, ward.Errorf(ward.EMETHOD, "%s is not allowed here; allowed: %s", r.Method, probe.header.Get("Allow")))
		return
	}
	s.Error(w, r, ward.Errorf(ward.ENOTFOUND, "no such endpoint: %s %s", r.Method, r.URL.Path))
}

// statusProbe records what the mux's own 404 or 405 handler would answer.
type statusProbe struct {
	header http.Header
	status int
}

func (p *statusProbe) Header() http.Header         { return p.header }
func (p *statusProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *statusProbe) WriteHeader(status int)      { p.status = status }

// ListenAndServe serves on addr until ctx ends, then shuts down gracefully:
// requests in flight get up to grace to finish. ready is called with the
// bound address once the listener is open (addr may use port 0).
func (s *Server) ListenAndServe(ctx context.Context, addr string, grace time.Duration, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
	}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.cfg.Logger.Info("shutting down", "grace", grace)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}
