package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/brief"
	"github.com/wardsec/ward/slack"
)

// The slash command (POST /api/v1/integrations/slack/commands) takes no
// token: Slack signs each request with the app's signing secret, and only
// a request that slack.Verify accepts is read. Whoever may run the command
// in the Slack workspace is answered, so the answers hold what a team
// channel is told (notify.Plan's rule): who is on call, and of reports
// their number, rating, state and age, never a title, which may name what
// is under embargo.
const (
	// slackBodyMax bounds a command's raw body, read before it is
	// verified: Slack's form is a dozen short fields and what was typed.
	slackBodyMax = 32 << 10
	// slackAnswerWithin is what the command's reads may take: Slack
	// gives up on an answer after three seconds.
	slackAnswerWithin = 2 * time.Second
	// slackQueueShown is how many of the triage queue are listed.
	slackQueueShown = 5
	// One address may send slackBurst requests that fail verification at
	// once, then one more every slackEvery; a verified request gives its
	// token back, so that Slack's own addresses, which all the
	// workspace's commands share, are never held up.
	slackEvery = 30 * time.Second
	slackBurst = 20
)

var (
	errSlackNotConfigured = ward.Errorf(ward.ENOTFOUND, "no Slack signing secret is configured, so ward takes no slash commands")
	errSlackUnsigned      = ward.Errorf(ward.EUNAUTHORIZED, "the request does not carry a valid Slack signature made within five minutes")
	errSlackTooMany       = ward.Errorf(ward.ERATELIMIT, "too many requests without a valid Slack signature from your address; wait a few minutes")
)

// slackAnswer is a slash command's answer; ephemeral: only the member who
// typed the command sees it.
type slackAnswer struct {
	ResponseType string `json:"response_type"`
	Text         string `json:"text"`
}

// handleSlackCommand answers /ward oncall, /ward queue and /ward help. An
// unsigned request is refused before its form is read.
func (s *Server) handleSlackCommand(w http.ResponseWriter, r *http.Request) {
	body, err := s.slackVerified(w, r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		s.Error(w, r, ward.Errorf(ward.EUNSUPPORTED, "send the body as Content-Type: application/x-www-form-urlencoded, as Slack does"))
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		s.Error(w, r, ward.Errorf(ward.EMALFORMED, "the body is not a URL-encoded form"))
		return
	}
	command := cmp.Or(form.Get("command"), "/ward")
	sub, _, _ := strings.Cut(strings.TrimSpace(form.Get("text")), " ")
	sub = strings.ToLower(sub)
	s.cfg.Logger.Info("slack command", "request_id", ward.RequestIDFromContext(r.Context()),
		"team", form.Get("team_id"), "user", form.Get("user_id"), "subcommand", sub)
	ctx, cancel := context.WithTimeout(r.Context(), slackAnswerWithin)
	defer cancel()
	var text string
	switch sub {
	case "oncall":
		text, err = s.slackOnCall(ctx)
	case "queue":
		text, err = s.slackQueue(ctx, r)
	case "", "help":
		text = slackUsage(command)
	default:
		text = "ward does not know “" + slack.Escape(sub) + "”.\n" + slackUsage(command)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, slackAnswer{ResponseType: "ephemeral", Text: text})
}

// slackVerified reads the raw body, within slackBodyMax, and returns it
// once its Slack signature is verified; else ENOTFOUND without a secret,
// ETOOLARGE, ERATELIMIT or EUNAUTHORIZED.
func (s *Server) slackVerified(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if s.cfg.SlackSigningSecret == "" {
		return nil, errSlackNotConfigured
	}
	now := s.cfg.Now()
	addr := s.clientAddress(r)
	// The token is taken before trying, as sign-ins do, so that requests
	// in parallel cannot all try before a failure counts.
	if !s.slackLimit.allow(addr, now) {
		return nil, errSlackTooMany
	}
	limit := min(s.cfg.MaxBody, slackBodyMax)
	tooLarge := ward.Errorf(ward.ETOOLARGE, "the body is over the limit of %d bytes", limit)
	if r.ContentLength > limit {
		return nil, tooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return nil, tooLarge
	}
	if err != nil {
		return nil, fmt.Errorf("read the Slack command's body: %w", err)
	}
	if err := slack.Verify([]byte(s.cfg.SlackSigningSecret), r.Header, body, now); err != nil {
		// Said in the log only: a wrong secret or a wrong clock is the
		// operator's to fix, and a forger learns nothing from it.
		s.cfg.Logger.Warn("slack command refused", "request_id", ward.RequestIDFromContext(r.Context()), "error", err)
		return nil, errSlackUnsigned
	}
	s.slackLimit.refund(addr, now)
	return body, nil
}

func slackUsage(command string) string {
	c := slack.Escape(command)
	return "Usage:\n" +
		"`" + c + " oncall`: who is on call now in each rotation\n" +
		"`" + c + " queue`: the triage queue, the oldest first\n" +
		"`" + c + " help`: this text"
}

// slackDate is t in Slack's date markup, which each reader sees in their
// own time zone; the fallback is UTC.
func slackDate(t time.Time) string {
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", t.Unix(), t.UTC().Format("2006-01-02 15:04 UTC"))
}

// slackOnCall says who holds each rotation now, their own time and until
// when.
func (s *Server) slackOnCall(ctx context.Context) (string, error) {
	rotations, err := s.cfg.Rotations.FindRotations(ctx)
	if err != nil {
		return "", err
	}
	if len(rotations) == 0 {
		return "ward has no rotation yet.", nil
	}
	now := s.cfg.Now()
	var b strings.Builder
	b.WriteString("On call now:")
	for _, rot := range rotations {
		fmt.Fprintf(&b, "\n• *%s*: ", slack.Escape(rot.Name))
		oc, err := s.cfg.OnCall.OnCall(ctx, rot.Name, now)
		if ward.ErrorCode(err) == ward.ENOTFOUND {
			b.WriteString("nobody yet: its first shift has not started")
			continue
		}
		if err != nil {
			return "", err
		}
		who := oc.Assignee.Email
		if oc.Assignee.Name != "" {
			who = oc.Assignee.Name + " (" + who + ")"
		}
		fmt.Fprintf(&b, "%s, their time %s, until %s", slack.Escape(who), slack.Escape(oc.Assignee.LocalTime), slackDate(oc.End))
		if !oc.OnDuty {
			b.WriteString("; off duty now")
			if oc.NextOnDuty != nil {
				b.WriteString(", back " + slackDate(*oc.NextOnDuty))
			}
		}
	}
	return b.String(), nil
}

// slackQueue counts the triage queue and lists its oldest reports by
// number, rating, state and age: no title, as for a team channel.
func (s *Server) slackQueue(ctx context.Context, r *http.Request) (string, error) {
	reports, err := s.cfg.Reports.FindReports(ctx, ward.ReportFilter{View: "triage", Limit: brief.ScanMax})
	if err != nil {
		return "", err
	}
	if len(reports) == 0 {
		return "The triage queue is empty.", nil
	}
	slices.SortStableFunc(reports, func(a, b *ward.Report) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	base := slack.Escape(s.publicURL(r))
	now := s.cfg.Now()
	var b strings.Builder
	fmt.Fprintf(&b, "<%s/reports?view=triage|Triage queue>: %s, the oldest first:", base, brief.Tally{Count: len(reports), More: len(reports) == brief.ScanMax})
	for _, rep := range reports[:min(len(reports), slackQueueShown)] {
		rating := "unrated"
		if rep.Severity != nil {
			rating = strings.ToLower(rep.Severity.Rating)
		}
		fmt.Fprintf(&b, "\n• <%s/reports/%d|#%d> %s, %s, waiting %s", base, rep.ID, rep.ID, slack.Escape(rating), slack.Escape(rep.State),
			brief.Age(now.Sub(rep.CreatedAt)))
	}
	return b.String(), nil
}
