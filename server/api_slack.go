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
	"strings"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/brief"
	"github.com/wardsec/ward/slack"
)

// The slash command (POST /api/v1/integrations/slack/commands) takes no
// token: Slack signs each request with the app's signing secret, and only
// a request that slack.Verify accepts, and that was not taken before, is
// read. It answers only a ward member, known by the Slack account they
// linked (/ward link CODE, with a code from their account page),
// and only what their role may read in ward (who is on call: any member;
// the triage queue: ward.ReadBrief); the answer is ephemeral, shown to
// them alone. Even so it holds of reports their number, rating, state and
// age, never a title, which may name what is under embargo: it is shown in
// a Slack channel, on a screen others may see.
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
	// once, then one more every slackEvery. Only failures count, and the
	// signature is checked first: a request Slack signed is answered
	// whatever others sent from Slack's shared addresses.
	slackEvery = 30 * time.Second
	slackBurst = 20
)

var (
	errSlackNotConfigured = ward.Errorf(ward.ENOTFOUND, "no Slack signing secret is configured, so ward takes no slash commands")
	errSlackUnsigned      = ward.Errorf(ward.EUNAUTHORIZED, "the request does not carry a valid Slack signature made within five minutes")
	errSlackTooMany       = ward.Errorf(ward.ERATELIMIT, "too many requests without a valid Slack signature from your address; wait a few minutes")
	slackNotLinked        = "ward does not know your Slack account. On your ward account page (Notifications), make a link code, then type the `/ward link CODE` it gives here."
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
	if ward.ErrorCode(err) == ward.EINTERNAL {
		s.slackCouldNotAnswer(w, r, err)
		return
	}
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
	var sub string
	if words := strings.Fields(form.Get("text")); len(words) > 0 {
		sub = strings.ToLower(words[0])
	}
	s.cfg.Logger.Info("slack command", "request_id", ward.RequestIDFromContext(r.Context()),
		"team", form.Get("team_id"), "user", form.Get("user_id"), "subcommand", sub)
	ctx, cancel := context.WithTimeout(r.Context(), slackAnswerWithin)
	defer cancel()
	var text string
	var member *ward.Member
	if sub == "oncall" || sub == "queue" {
		member, err = s.slackMember(ctx, form.Get("user_id"))
	}
	switch {
	case err != nil:
	case sub == "", sub == "help":
		text = slackUsage(command)
	case sub == "link":
		text, err = s.slackLink(ctx, form.Get("text"), form.Get("user_id"))
	case sub != "oncall" && sub != "queue":
		text = "ward does not know “" + slack.Escape(sub) + "”.\n" + slackUsage(command)
	case member == nil:
		text = slackNotLinked
	case sub == "oncall" && ward.Can(ward.Actor{Role: member.Role}, ward.ReadSchedule):
		text, err = s.slackOnCall(ctx)
	case sub == "queue" && ward.Can(ward.Actor{Role: member.Role}, ward.ReadBrief):
		text, err = s.slackQueue(ctx, r)
	default:
		text = "Your ward role, " + string(member.Role) + ", may not see that."
	}
	if err != nil {
		s.slackCouldNotAnswer(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, slackAnswer{ResponseType: "ephemeral", Text: text})
}

// slackCouldNotAnswer tells the member that ward failed, with what the
// operator looks for in the log. Slack shows a bare error status as a
// failure of its own.
func (s *Server) slackCouldNotAnswer(w http.ResponseWriter, r *http.Request, err error) {
	s.cfg.Logger.Error("slack command", "request_id", ward.RequestIDFromContext(r.Context()), "error", err)
	writeJSON(w, http.StatusOK, slackAnswer{ResponseType: "ephemeral",
		Text: "ward could not answer just now (request " + ward.RequestIDFromContext(r.Context()) + ")."})
}

// slackLink links the Slack user to the member whose code was typed after
// "link". Whoever has the code holds the member's account page: a Slack
// user who types it is theirs.
func (s *Server) slackLink(ctx context.Context, text, user string) (string, error) {
	words := strings.Fields(text)
	if len(words) != 2 {
		return "Make a link code on your ward account page (Notifications), then type the `/ward link CODE` it gives here.", nil
	}
	member, err := s.cfg.Dispatches.LinkSlack(ctx, words[1], user)
	switch ward.ErrorCode(err) {
	case "":
		return "Linked: ward knows you as " + slack.Escape(member) + ". Its direct messages to you come here, and `/ward` answers you as them.", nil
	case ward.ENOTFOUND, ward.EINVALID:
		return "That code is unknown, used or expired. Make a new one on your ward account page (Notifications).", nil
	}
	return "", err
}

// slackMember is the active member whose Slack member ID is user, or nil
// when no member set it.
func (s *Server) slackMember(ctx context.Context, user string) (*ward.Member, error) {
	if user == "" || s.cfg.Dispatches == nil {
		return nil, nil
	}
	prefs, err := s.cfg.Dispatches.NotifyPrefs(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range prefs {
		if p.Slack != user {
			continue
		}
		m, err := s.cfg.Members.FindMemberByEmail(ctx, p.Member)
		if ward.ErrorCode(err) == ward.ENOTFOUND || err == nil && m.Disabled {
			return nil, nil
		}
		return m, err
	}
	return nil, nil
}

// slackVerified reads the raw body, within slackBodyMax, and returns it
// once its Slack signature is verified and the request was not taken
// before; else ENOTFOUND without a secret, ETOOLARGE, ERATELIMIT,
// EUNAUTHORIZED or ECONFLICT (a replay).
func (s *Server) slackVerified(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if s.cfg.SlackSigningSecret == "" {
		return nil, errSlackNotConfigured
	}
	now := s.cfg.Now()
	body, err := s.readRawBody(w, r, slackBodyMax, "the Slack command's body")
	if err != nil {
		return nil, err
	}
	if err := slack.Verify([]byte(s.cfg.SlackSigningSecret), r.Header, body, now); err != nil {
		// Said in the log only: a wrong secret or a wrong clock is the
		// operator's to fix, and a forger learns nothing from it.
		s.cfg.Logger.Warn("slack command refused", "request_id", ward.RequestIDFromContext(r.Context()), "error", err)
		if !s.slackLimit.allow(s.clientAddress(r), now) {
			return nil, errSlackTooMany
		}
		return nil, errSlackUnsigned
	}
	// A signature is good for slack.Tolerance either side of now: a
	// request seen within twice that is a replay, from whoever caught it.
	if err := s.cfg.Replays.TakeOnce(r.Context(), "Slack command", slack.Digest(r.Header, body), now.Add(2*slack.Tolerance)); err != nil {
		return nil, err
	}
	return body, nil
}

// readRawBody reads the request's body as sent, for a signature to be
// checked over it: at most limit bytes (and never over MaxBody), else
// ETOOLARGE. what names the body in errors.
func (s *Server) readRawBody(w http.ResponseWriter, r *http.Request, limit int64, what string) ([]byte, error) {
	limit = min(s.cfg.MaxBody, limit)
	tooLarge := ward.Errorf(ward.ETOOLARGE, "the body is over the limit of %d bytes", limit)
	if r.ContentLength > limit {
		return nil, tooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return nil, tooLarge
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	return body, nil
}

func slackUsage(command string) string {
	c := slack.Escape(command)
	return "Usage:\n" +
		"`" + c + " oncall`: who is on call now in each rotation\n" +
		"`" + c + " queue`: the triage queue, the oldest first\n" +
		"`" + c + " link CODE`: link your Slack account to ward, with a code from your ward account page\n" +
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
	queue, err := brief.TriageQueue(ctx, s.cfg.Reports, s.cfg.Now())
	if err != nil {
		return "", err
	}
	if queue.Count == 0 {
		return "The triage queue is empty.", nil
	}
	base := slack.Escape(s.publicURL(r))
	var b strings.Builder
	fmt.Fprintf(&b, "<%s/reports?view=triage|Triage queue>: %s, the oldest first:", base, queue.Tally)
	for _, w := range queue.Items[:min(len(queue.Items), slackQueueShown)] {
		fmt.Fprintf(&b, "\n• <%s/reports/%d|#%d> %s, %s, waiting %s", base, w.ID, w.ID, slack.Escape(cmp.Or(strings.ToLower(w.Rating), "unrated")),
			slack.Escape(w.State), w.Age)
	}
	return b.String(), nil
}
