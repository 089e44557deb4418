package main

import (
	"context"
	"errors"
	"net/http"
	"os"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/github"
	"github.com/wardsec/ward/outbound"
)

// gitHub is the GitHub integration as ward serve uses it: the client
// (nil without GitHub) and the webhook's secret ("" without one).
type gitHub struct {
	client        *github.Client
	webhookSecret string
}

// newGitHub builds the GitHub integration that the team file declares,
// its secrets read with getenv and readFile. Without one it returns the
// zero gitHub. Its errors name the secret that is missing, never a value.
func newGitHub(cfg *ward.GitHubConfig, publicURL string, hc *http.Client,
	getenv func(string) string, readFile func(string) ([]byte, error)) (gitHub, error) {
	if cfg == nil {
		return gitHub{}, nil
	}
	if err := ward.CheckAPIHost(cfg.APIURL, "https://api.github.com/", getenv(ward.APIHostsEnv)); err != nil {
		return gitHub{}, ward.Errorf(ward.EINVALID, "integrations.github.%s", ward.ErrorMessage(err))
	}
	c := github.Config{Repository: cfg.Repository, APIURL: cfg.APIURL, AppID: cfg.AppID, InstallationID: cfg.InstallationID,
		Labels: cfg.Labels, Logins: cfg.Logins, PublicURL: publicURL, HTTPClient: hc}
	var err error
	if !cfg.Token.IsZero() {
		if c.Token, err = cfg.Token.Resolve(getenv, readFile); err != nil {
			return gitHub{}, invalidGitHub("token", err)
		}
	}
	if !cfg.PrivateKey.IsZero() {
		key, err := cfg.PrivateKey.Resolve(getenv, readFile)
		if err != nil {
			return gitHub{}, invalidGitHub("private_key", err)
		}
		c.PrivateKey = []byte(key)
	}
	if cfg.Template != "" {
		b, err := readFile(cfg.Template)
		if err != nil {
			return gitHub{}, invalidGitHub("template", err)
		}
		c.Template = string(b)
	}
	g := gitHub{}
	if g.client, err = github.New(c); err != nil {
		return gitHub{}, invalidGitHub("", err)
	}
	if !cfg.WebhookSecret.IsZero() {
		if g.webhookSecret, err = cfg.WebhookSecret.Resolve(getenv, readFile); err != nil {
			return gitHub{}, invalidGitHub("webhook_secret", err)
		}
	}
	return g, nil
}

// invalidConfig is an EINVALID error about a field of the team file,
// whose message is safe to show and whose cause stays reachable with
// errors.Is and errors.As.
type invalidConfig struct {
	safe  *ward.Error
	cause error
}

func (e *invalidConfig) Error() string   { return e.safe.Error() }
func (e *invalidConfig) Unwrap() []error { return []error{e.safe, e.cause} }

// invalidGitHub says that integrations.github's field ("" for the whole)
// is wrong, because of err: the safe message of a *ward.Error, or the
// text of any other, which here never holds a secret (SecretRef.Resolve
// and github.New never quote one; a file's error names its path).
func invalidGitHub(field string, err error) error {
	name, msg := "integrations.github", err.Error()
	if field != "" {
		name += "." + field
	}
	if e, ok := errors.AsType[*ward.Error](err); ok {
		msg = e.Message
	}
	return &invalidConfig{safe: ward.Errorf(ward.EINVALID, "%s: %s", name, msg), cause: err}
}

// outboundClient is the HTTP client of a service's calls (GitHub,
// HackerOne): outbound's policy (retries, rate limits, the circuit), with
// timeout bounding each attempt (zero: outbound's default). One per
// service and process, so that the circuit outlives a call.
func outboundClient(service string, timeout time.Duration) *http.Client {
	return &http.Client{Transport: outbound.New(outbound.Config{Name: service, Timeout: timeout})}
}

// loadGitHub reads the team's GitHub integration from the store.
func loadGitHub(ctx context.Context, in ward.IntegrationService, publicURL string) (gitHub, error) {
	integrations, err := in.Integrations(ctx)
	if err != nil {
		return gitHub{}, err
	}
	return newGitHub(integrations.GitHub, publicURL, outboundClient("GitHub", 0), os.Getenv, os.ReadFile)
}

// pullRequests is the brief's source of open pull requests: nil without
// GitHub, so that the brief has none rather than a typed nil.
func (g gitHub) pullRequests() ward.PullRequestSource {
	if g.client == nil {
		return nil
	}
	return g.client
}

// issueTracker is track's tracker, nil without GitHub.
func (g gitHub) issueTracker() ward.IssueTracker {
	if g.client == nil {
		return nil
	}
	return g.client
}
