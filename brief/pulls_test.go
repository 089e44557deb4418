package brief_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/brief"
	"github.com/wardsec/ward/oncall"
)

// pulls is a repository's open pull requests, or GitHub failing.
type pulls struct {
	open []ward.PullRequest
	err  error
}

func (p pulls) OpenPullRequests(context.Context) ([]ward.PullRequest, error) { return p.open, p.err }

func TestBriefPullRequests(t *testing.T) {
	d := newDesk(t, true)
	ty := as("ty@example.org", ward.RoleTriager)
	at := utc("2026-03-09T09:00:00Z")
	withPulls := func(p ward.PullRequestSource) *brief.Brief {
		t.Helper()
		svc := brief.New(brief.Config{Reports: d.db, Handoffs: d.db, Stale: d.db, Rotations: d.db, OnCall: oncall.New(d.db, d.clock.Now),
			Distributors: d.reqs, PullRequests: p, Now: d.clock.Now})
		b, err := svc.Brief(ty, "src", at)
		if err != nil {
			t.Fatalf("a brief with pull requests %v: %v", p, err)
		}
		return b
	}
	if b := withPulls(nil); b.PullRequests != nil || strings.Contains(brief.Text(b, "https://ward.example.org"), "pull request") {
		t.Errorf("without GitHub: %+v", b.PullRequests)
	}

	newer := ward.PullRequest{Number: 12, Title: "Fix the token leak", Author: "octocat", URL: "https://github.com/org/sec/pull/12",
		CreatedAt: utc("2026-03-08T09:00:00Z"), UpdatedAt: utc("2026-03-08T10:00:00Z")}
	older := ward.PullRequest{Number: 9, Title: "Backport", Author: "hubot", URL: "https://github.com/org/sec/pull/9",
		CreatedAt: utc("2026-03-05T09:00:00Z"), UpdatedAt: utc("2026-03-06T10:00:00Z")}
	b := withPulls(pulls{open: []ward.PullRequest{newer, older}})
	want := &brief.PullRequests{List: brief.List[brief.PullRequest]{Tally: brief.Tally{Count: 2},
		Items: []brief.PullRequest{{PullRequest: older, Age: "4d"}, {PullRequest: newer, Age: "24h"}}}}
	if diff := cmp.Diff(want, b.PullRequests); diff != "" {
		t.Errorf("pull requests (-want +got):\n%s", diff)
	}
	text := brief.Text(b, "https://ward.example.org")
	if !strings.Contains(text, "Open pull requests: 2, the oldest first.\n  #9 Backport, by hubot, open 4d: https://github.com/org/sec/pull/9\n  #12 Fix") {
		t.Errorf("text:\n%s", text)
	}

	b = withPulls(pulls{err: errors.New("GitHub: list the open pull requests of org/sec: 401 Bad credentials")})
	if b.PullRequests == nil || b.PullRequests.Error == "" || len(b.PullRequests.Items) != 0 || b.Triage.Items == nil {
		t.Errorf("with GitHub failing: %+v", b.PullRequests)
	}
	if text := brief.Text(b, "https://ward.example.org"); !strings.Contains(text, "GitHub: could not list pull requests: list the open pull requests of org/sec: 401 Bad credentials") {
		t.Errorf("text:\n%s", text)
	}
}

// stuckPulls is GitHub not answering: it waits until the call's context
// ends. A call without a deadline would wait for ever, so it is refused.
type stuckPulls struct{}

func (stuckPulls) OpenPullRequests(ctx context.Context) ([]ward.PullRequest, error) {
	if _, ok := ctx.Deadline(); !ok {
		return nil, errors.New("called without a deadline")
	}
	<-ctx.Done()
	return nil, fmt.Errorf("GitHub: list the open pull requests of org/sec: %w", ctx.Err())
}

// A GitHub that does not answer costs the brief its pull requests, not
// the brief.
func TestBriefPullRequestsBounded(t *testing.T) {
	d := newDesk(t, true)
	svc := brief.New(brief.Config{Reports: d.db, Handoffs: d.db, Stale: d.db, Rotations: d.db, OnCall: oncall.New(d.db, d.clock.Now),
		Distributors: d.reqs, PullRequests: stuckPulls{}, PullRequestsWait: time.Millisecond, Now: d.clock.Now})
	b, err := svc.Brief(as("ty@example.org", ward.RoleTriager), "src", utc("2026-03-09T09:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if b.PullRequests == nil || !strings.Contains(b.PullRequests.Error, "context deadline exceeded") || b.Triage.Items == nil {
		t.Errorf("with GitHub not answering: %+v", b.PullRequests)
	}
}
