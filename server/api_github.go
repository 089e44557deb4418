package server

import (
	"errors"
	"net/http"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/github"
)

// GitHub's webhook (POST /api/v1/integrations/github/webhook) takes no
// token: GitHub signs each delivery with the webhook's secret, and only a
// delivery that github.VerifyWebhook accepts is read. GitHub signs the
// body only: a replay is refused by the body's SHA-256 or its delivery
// GUID, either seen before (kept github.DeliveryMemory), or, older than
// any redelivery, by the issue's updated_at (github.MaxEventAge); an
// issues event must have an issues event's shape, since X-GitHub-Event is
// not signed either.
const (
	// githubBodyMax bounds a delivery's raw body, read before it is
	// verified. GitHub caps payloads at 25 MB, but an issues event is the
	// issue, its repository and the sender: a few KiB, and the issue's text
	// of at most 65,536 characters (256 KiB in UTF-8 at worst). 1 MiB takes
	// any of them whole and bounds what an unsigned sender makes ward read.
	githubBodyMax = 1 << 20
	// One address may send githubBurst deliveries that fail verification
	// at once, then one more every githubEvery; only failures count, as
	// for Slack: GitHub's deliveries come from its shared addresses.
	githubEvery = 30 * time.Second
	githubBurst = 20
)

var (
	errGitHubNotConfigured = ward.Errorf(ward.ENOTFOUND, "no GitHub webhook secret is configured, so ward takes no GitHub webhook")
	errGitHubUnsigned      = ward.Errorf(ward.EUNAUTHORIZED, "the delivery does not carry a valid X-Hub-Signature-256 for ward's webhook secret")
	errGitHubTooMany       = ward.Errorf(ward.ERATELIMIT, "too many deliveries without a valid GitHub signature from your address; wait a few minutes")
)

// githubAnswer says what ward did with a delivery.
type githubAnswer struct {
	Status string `json:"status"`           // pong, recorded, untracked or ignored
	Events int    `json:"events,omitempty"` // timeline events recorded
}

// handleGitHubWebhook takes a delivery of GitHub's webhook: a ping, or an
// issues event, which is recorded on the reports that track the issue.
func (s *Server) handleGitHubWebhook(w http.ResponseWriter, r *http.Request) {
	if s.cfg.GitHubWebhookSecret == "" || s.cfg.IssueChanges == nil {
		s.Error(w, r, errGitHubNotConfigured)
		return
	}
	body, err := s.readRawBody(w, r, githubBodyMax, "the GitHub delivery's body")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	now := s.cfg.Now()
	if err := github.VerifyWebhook([]byte(s.cfg.GitHubWebhookSecret), r.Header, body); err != nil {
		// Said in the log only: a wrong secret is the operator's to fix,
		// and a forger learns nothing from it.
		s.cfg.Logger.Warn("github delivery refused", "request_id", ward.RequestIDFromContext(r.Context()), "error", err)
		if !s.githubLimit.allow(s.clientAddress(r), now) {
			s.Error(w, r, errGitHubTooMany)
			return
		}
		s.Error(w, r, errGitHubUnsigned)
		return
	}
	change, err := github.ReadWebhook(r.Header, body, now)
	switch {
	case errors.Is(err, github.ErrMalformed):
		s.Error(w, r, ward.Errorf(ward.EMALFORMED, "%s", err))
		return
	case errors.Is(err, github.ErrStale):
		s.Error(w, r, ward.Errorf(ward.ECONFLICT, "the issue changed over %d days ago: a replay, or a redelivery later than GitHub allows", int(github.MaxEventAge.Hours()/24)))
		return
	case err != nil:
		s.Error(w, r, err)
		return
	case change == nil:
		writeJSON(w, http.StatusAccepted, githubAnswer{Status: "ignored"})
		return
	}
	s.cfg.Logger.Info("github delivery", "request_id", ward.RequestIDFromContext(r.Context()),
		"delivery", change.Delivery, "event", change.Event, "action", change.Action, "issue", change.Issue)
	ctx := ward.NewContextWithActor(r.Context(), ward.Actor{Kind: ward.ActorGitHub, Email: change.Sender})
	events, err := s.cfg.IssueChanges.RecordIssueChange(ctx, change, now.Add(-github.DeliveryMemory))
	switch {
	case err != nil:
		s.Error(w, r, err)
	case change.Event == "ping":
		writeJSON(w, http.StatusOK, githubAnswer{Status: "pong"})
	case len(events) == 0:
		writeJSON(w, http.StatusAccepted, githubAnswer{Status: "untracked"})
	default:
		writeJSON(w, http.StatusOK, githubAnswer{Status: "recorded", Events: len(events)})
	}
}
