package github

import (
	"context"
	"fmt"
	"net/http"

	gh "github.com/google/go-github/v93/github"

	"github.com/wardsec/ward"
)

// Check makes sure that ward can work with the repository: that the
// identity can see it, that it is private (tracking issues hold
// embargoed details: ward refuses a public repository), that it has
// issues, and that the identity may file them with labels and assignees.
// Its error says which fails and what to change.
func (c *Client) Check(ctx context.Context) error {
	repo, _, err := c.api.Repositories.Get(ctx, c.owner, c.repo)
	if err != nil {
		e := apiError("read the repository "+c.Repository(), err)
		if ge, ok := e.(*Error); ok {
			switch ge.Status {
			case http.StatusUnauthorized:
				return fmt.Errorf("%w: the token or App key is not accepted", e)
			case http.StatusNotFound, http.StatusForbidden:
				return fmt.Errorf("%w: %s cannot see %s; give it access to the repository (issues: write)", e, c.identity(), c.Repository())
			}
		}
		return e
	}
	switch {
	case !repo.GetPrivate():
		return fmt.Errorf("github: %s is public: tracking issues hold embargoed details, so ward files them only in a private repository", c.Repository())
	case repo.HasIssues != nil && !repo.GetHasIssues():
		return fmt.Errorf("github: %s has issues turned off; turn them on in its settings", c.Repository())
	case repo.GetArchived():
		return fmt.Errorf("github: %s is archived: no issue can be filed in it", c.Repository())
	}
	if c.app != nil {
		if perm := c.app.issuesPermission(); perm != "write" && perm != "admin" {
			return fmt.Errorf("github: the App's installation has issues: %q on %s; it needs issues: write", perm, c.Repository())
		}
		return nil
	}
	if p := repo.Permissions; p != nil && !p.GetPush() && !p.GetMaintain() && !p.GetAdmin() {
		// GitHub files an issue for anyone who may read, but drops the
		// labels and assignees of one whose author may not push.
		return fmt.Errorf("github: the token lacks issues: write on %s: its user may only read it, so labels and assignees would be dropped", c.Repository())
	}
	return nil
}

// identity names who ward acts as, for messages.
func (c *Client) identity() string {
	if c.app != nil {
		return fmt.Sprintf("the App's installation %d", c.cfg.InstallationID)
	}
	return "the token"
}

// OpenPullRequests returns the repository's open pull requests, every
// page of them, in the order GitHub lists them (the newest first).
func (c *Client) OpenPullRequests(ctx context.Context) ([]ward.PullRequest, error) {
	opts := &gh.PullRequestListOptions{State: "open", ListOptions: gh.ListOptions{PerPage: 100}}
	var out []ward.PullRequest
	for {
		pulls, resp, err := c.api.PullRequests.List(ctx, c.owner, c.repo, opts)
		if err != nil {
			return nil, apiError("list the open pull requests of "+c.Repository(), err)
		}
		for _, p := range pulls {
			out = append(out, ward.PullRequest{Number: p.GetNumber(), Title: p.GetTitle(), Author: p.GetUser().GetLogin(),
				URL: p.GetHTMLURL(), CreatedAt: p.GetCreatedAt().UTC(), UpdatedAt: p.GetUpdatedAt().UTC()})
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

// issuesPermission is the issues permission of the last token minted, ""
// before one was.
func (t *installationTokens) issuesPermission() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.issues
}
