package github_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/github"
)

// GitHub's documented test vector for X-Hub-Signature-256.
const (
	vectorSecret    = "It's a Secret to Everybody"
	vectorPayload   = "Hello, World!"
	vectorSignature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
)

func TestVerifyWebhook(t *testing.T) {
	if got := github.SignWebhook([]byte(vectorSecret), []byte(vectorPayload)); got != vectorSignature {
		t.Errorf("SignWebhook = %s, want the documentation's %s", got, vectorSignature)
	}
	header := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Add(kv[i], kv[i+1])
		}
		return h
	}
	tests := []struct {
		name    string
		secret  string
		h       http.Header
		payload string
		want    error
	}{
		{"documented vector", vectorSecret, header("X-Hub-Signature-256", vectorSignature), vectorPayload, nil},
		{"unsigned", vectorSecret, header(), vectorPayload, github.ErrUnsigned},
		{"sha1 only", vectorSecret, header("X-Hub-Signature", "sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59"), vectorPayload, github.ErrUnsigned},
		{"other payload", vectorSecret, header("X-Hub-Signature-256", vectorSignature), "Hello, World?", github.ErrSignature},
		{"other secret", "It's a secret to everybody", header("X-Hub-Signature-256", vectorSignature), vectorPayload, github.ErrSignature},
		{"garbled", vectorSecret, header("X-Hub-Signature-256", "sha256=zz"), vectorPayload, github.ErrSignature},
		{"sha1 in the sha256 header", vectorSecret, header("X-Hub-Signature-256", "sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59"), vectorPayload, github.ErrSignature},
		{"twice", vectorSecret, header("X-Hub-Signature-256", vectorSignature, "X-Hub-Signature-256", vectorSignature), vectorPayload, github.ErrSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := github.VerifyWebhook([]byte(tt.secret), tt.h, []byte(tt.payload))
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("VerifyWebhook = %v, want %v", err, tt.want)
			}
		})
	}
	if err := github.VerifyWebhook(nil, header("X-Hub-Signature-256", github.SignWebhook(nil, []byte("x"))), []byte("x")); err == nil {
		t.Error("VerifyWebhook took an empty secret")
	}
}

func TestReadWebhook(t *testing.T) {
	// A second after the documentation's last change.
	now := time.Date(2019, 5, 15, 15, 20, 23, 0, time.UTC)
	issue := ward.IssueChange{Delivery: "72d3162e-cc78-11e3-81ab-4c9367dc0958", Event: "issues", Sender: "Codertocat",
		IssueURL: "https://github.com/Codertocat/Hello-World/issues/1", Issue: "Codertocat/Hello-World#1", State: "open",
		Labels: []string{"bug"}, Assignees: []string{"Codertocat"}}
	with := func(edit func(*ward.IssueChange)) *ward.IssueChange {
		c := issue
		edit(&c)
		return &c
	}
	tests := []struct {
		file, event string
		want        *ward.IssueChange
	}{
		{"webhook-issues-closed.json", "issues", with(func(c *ward.IssueChange) {
			c.Action, c.State, c.Summary = "closed", "closed", "closed Codertocat/Hello-World#1 as completed"
		})},
		{"webhook-issues-labeled.json", "issues", with(func(c *ward.IssueChange) {
			c.Action, c.Assignees, c.Summary = "labeled", []string{}, "added the label “bug” to Codertocat/Hello-World#1"
		})},
		{"webhook-issues-assigned.json", "issues", with(func(c *ward.IssueChange) {
			c.Action, c.Summary = "assigned", "assigned Codertocat/Hello-World#1 to Codertocat"
		})},
		{"webhook-issues-edited.json", "issues", with(func(c *ward.IssueChange) {
			c.Action, c.Summary = "edited", "renamed Codertocat/Hello-World#1 from “Spelling error in the README” to “Spelling error in the README file”"
		})},
		{"webhook-issues-opened.json", "issues", nil}, // nothing the report shows
		{"webhook-ping.json", "ping", &ward.IssueChange{Delivery: issue.Delivery, Event: "ping"}},
		{"webhook-ping.json", "star", nil}, // an event ward does not read
	}
	for _, tt := range tests {
		t.Run(tt.file+" "+tt.event, func(t *testing.T) {
			h := http.Header{"X-Github-Delivery": {issue.Delivery}, "X-Github-Event": {tt.event}}
			body := fixture(t, tt.file)
			got, err := github.ReadWebhook(h, body, now)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want != nil {
				// The body's hash is the replay key; the issue's
				// updated_at orders the changes.
				sum := sha256.Sum256(body)
				tt.want.BodySHA256 = hex.EncodeToString(sum[:])
				if tt.want.Event == "issues" {
					var ev struct {
						Issue struct {
							UpdatedAt time.Time `json:"updated_at"`
						} `json:"issue"`
					}
					if err := json.Unmarshal(body, &ev); err != nil || ev.Issue.UpdatedAt.IsZero() {
						t.Fatalf("fixture's updated_at: %v", err)
					}
					tt.want.UpdatedAt = ev.Issue.UpdatedAt
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ReadWebhook (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("stale", func(t *testing.T) {
		h := http.Header{"X-Github-Delivery": {issue.Delivery}, "X-Github-Event": {"issues"}}
		_, err := github.ReadWebhook(h, fixture(t, "webhook-issues-closed.json"), now.Add(github.MaxEventAge+time.Minute))
		if !errors.Is(err, github.ErrStale) {
			t.Errorf("ReadWebhook of a change 7 days old = %v, want ErrStale", err)
		}
	})
	t.Run("no delivery id", func(t *testing.T) {
		_, err := github.ReadWebhook(http.Header{"X-Github-Event": {"issues"}}, fixture(t, "webhook-issues-closed.json"), now)
		if !errors.Is(err, github.ErrMalformed) {
			t.Errorf("ReadWebhook without X-GitHub-Delivery = %v, want ErrMalformed", err)
		}
	})
	// X-GitHub-Event is not signed: a signed delivery of another event
	// sent again as issues must not be read as one.
	t.Run("another event relabelled", func(t *testing.T) {
		h := http.Header{"X-Github-Delivery": {issue.Delivery}, "X-Github-Event": {"issues"}}
		comment := fixtureWith(t, "webhook-issues-closed.json", func(ev *map[string]any) {
			(*ev)["action"] = "created"
			(*ev)["comment"] = map[string]any{"id": 1, "body": "closing"}
		})
		if got, err := github.ReadWebhook(h, comment, now); !errors.Is(err, github.ErrMalformed) {
			t.Errorf("ReadWebhook of an issue_comment sent as issues = %+v, %v; want ErrMalformed", got, err)
		}
		noIssue := fixtureWith(t, "webhook-issues-closed.json", func(ev *map[string]any) { delete(*ev, "issue") })
		if got, err := github.ReadWebhook(h, noIssue, now); !errors.Is(err, github.ErrMalformed) {
			t.Errorf("ReadWebhook of an event without an issue = %+v, %v; want ErrMalformed", got, err)
		}
	})
	t.Run("not JSON", func(t *testing.T) {
		h := http.Header{"X-Github-Delivery": {issue.Delivery}, "X-Github-Event": {"issues"}}
		if _, err := github.ReadWebhook(h, []byte("payload=%7B%7D"), now); !errors.Is(err, github.ErrMalformed) {
			t.Errorf("ReadWebhook of a form = %v, want ErrMalformed", err)
		}
	})
}
