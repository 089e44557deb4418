package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/wardsec/ward"
)

// A client may name its request so that its logs and ours meet; anything
// else gets an ID of ours, so that no header can inject into the logs.
var clientRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if !clientRequestID.MatchString(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-ID", id)
		next.ServeHTTP(w, r.WithContext(ward.NewContextWithRequestID(r.Context(), id)))
	})
}

// statusRecorder remembers the status a handler wrote, for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
	actor  string // set by authenticated, read by the access log
}

func (rec *statusRecorder) WriteHeader(status int) {
	if rec.status == 0 {
		rec.status = status
	}
	rec.ResponseWriter.WriteHeader(status)
}

func (rec *statusRecorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return rec.ResponseWriter.Write(b)
}

func (rec *statusRecorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

// withLogging writes one access log line per request. It logs the path but
// never the query string or body: those may carry embargoed details.
func (s *Server) withLogging(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		level := slog.LevelInfo
		if rec.status >= 500 {
			level = slog.LevelError
		}
		s.cfg.Logger.LogAttrs(r.Context(), level, "request",
			slog.String("request_id", ward.RequestIDFromContext(r.Context())),
			slog.String("method", r.Method),
			slog.String("path", loggedPath(r.URL.Path)),
			slog.Int("status", rec.status),
			slog.Duration("duration", time.Since(start)),
			slog.String("actor", rec.actor),
		)
	})
}

// pathSecret matches a calendar feed's, a reporter link's or a sign-in
// link's secret wherever a path holds one, however the path is spelled
// (//calendar/, /x/../r/, /CALENDAR/).
var pathSecret = regexp.MustCompile(`(?i)ward(cal|rep|link)_[a-z0-9]*`)

// loggedPath is the path as the access log shows it: a calendar feed's, a
// reporter's or a sign-in link's path is a credential, so the secret is
// replaced.
func loggedPath(path string) string {
	return pathSecret.ReplaceAllString(path, "(secret)")
}

func (s *Server) withRecovery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Error(w, r, fmt.Errorf("panic: %v\n%s", v, debug.Stack()))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// authenticated requires a valid bearer token and puts its member into the
// request's context as the actor.
func (s *Server) authenticated(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		scheme, secret, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="ward"`)
			s.Error(w, r, ward.Errorf(ward.EUNAUTHORIZED, "send an API token: Authorization: Bearer TOKEN"))
			return
		}
		m, _, err := s.cfg.Tokens.Authenticate(r.Context(), strings.TrimSpace(secret))
		if err != nil {
			if ward.ErrorCode(err) == ward.EUNAUTHORIZED {
				w.Header().Set("WWW-Authenticate", `Bearer realm="ward", error="invalid_token"`)
			}
			s.Error(w, r, err)
			return
		}
		actor := ward.Actor{Kind: ward.ActorMember, Email: m.Email, Role: m.Role}
		if rec, ok := w.(*statusRecorder); ok {
			rec.actor = actor.String()
		}
		ctx := context.WithValue(ward.NewContextWithActor(r.Context(), actor), memberKey{}, m)
		next(w, r.WithContext(ctx))
	}
}

type memberKey struct{}

// memberFromContext returns the member that authenticated has put into the
// context, so that handlers need not look the caller up again.
func memberFromContext(ctx context.Context) *ward.Member {
	m, _ := ctx.Value(memberKey{}).(*ward.Member)
	return m
}
