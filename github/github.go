// Package github is ward's GitHub connection (google/go-github): it files
// reports' tracking issues in the team's private repository, lists the
// repository's open pull requests for the start-of-shift brief, checks the
// configuration, and reads the issue events of GitHub's signed webhook.
//
// It authenticates with a token, or as a GitHub App installation: a JWT
// signed with the App's private key (go-jose, which ward already uses for
// single sign-on) is exchanged for an installation token, kept until
// shortly before it expires. ghinstallation does the same, but its latest
// release pins go-github v88, which would put a second go-github in the
// binary beside this one.
//
// Retries, back-off, rate limits and the circuit breaker are the HTTP
// client's (Config.HTTPClient, package outbound in ward serve): go-github's
// own rate-limit bookkeeping is turned off, so that one policy decides.
package github

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"text/template"
	"time"

	gh "github.com/google/go-github/v93/github"

	"github.com/wardsec/ward"
)

// Config is what the client needs, its secrets already resolved.
type Config struct {
	Repository string // owner/name of the private repository of tracking issues
	// APIURL is GitHub's REST API, https://api.github.com/ when empty; a
	// GitHub Enterprise Server's is https://HOST/api/v3/.
	APIURL string
	// Token authenticates as a user or with a fine-grained token; else
	// AppID, InstallationID and PrivateKey (PEM, PKCS#1 as GitHub gives
	// it, or PKCS#8) as a GitHub App installation.
	Token          string
	AppID          int64
	InstallationID int64
	PrivateKey     []byte
	// Labels go on every tracking issue, with severity/<rating>.
	Labels []string
	// Logins maps members' emails to GitHub logins: a report's commander
	// and assignee are assigned its issue.
	Logins map[string]string
	// Template is a text/template defining "title" and "body", as
	// DefaultTemplate does; DefaultTemplate when empty.
	Template string
	// PublicURL is where people reach ward, for the link back to the
	// report; without it the issue names the report by its number only.
	PublicURL string
	// HTTPClient sends the requests; http.DefaultClient when nil.
	HTTPClient *http.Client
	Now        func() time.Time // time.Now when nil; for the App's JWT
}

// Client talks to GitHub about one repository. It is safe for concurrent
// use.
type Client struct {
	cfg         Config
	owner, repo string
	api         *gh.Client
	tmpl        *template.Template
	app         *installationTokens // nil with a token
}

var _ ward.IssueTracker = (*Client)(nil)
var _ ward.PullRequestSource = (*Client)(nil)

// New checks the configuration, parses the template and returns a client;
// it makes no request.
func New(cfg Config) (*Client, error) {
	owner, repo, ok := strings.Cut(cfg.Repository, "/")
	if !ok || owner == "" || repo == "" || strings.Contains(repo, "/") {
		return nil, fmt.Errorf("github: repository %q: want owner/name", cfg.Repository)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	base, err := url.Parse(cmp.Or(cfg.APIURL, "https://api.github.com/"))
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, fmt.Errorf("github: api_url %q: want an https URL", cfg.APIURL)
	}
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
	}
	apiURL := base.String()
	tmpl, err := parseTemplate(cfg.Template)
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, owner: owner, repo: repo, tmpl: tmpl}
	var opts []gh.ClientOptionsFunc
	switch {
	case cfg.Token != "" && cfg.AppID != 0:
		return nil, errors.New("github: give a token or a GitHub App, not both")
	case cfg.Token != "":
		opts = append(opts, gh.WithHTTPClient(hc), gh.WithAuthToken(cfg.Token))
	case cfg.AppID != 0:
		if cfg.InstallationID == 0 {
			return nil, errors.New("github: a GitHub App needs its installation_id")
		}
		if c.app, err = newInstallationTokens(cfg, hc, apiURL); err != nil {
			return nil, err
		}
		authed := *hc
		authed.Transport = &appTransport{base: cmp.Or[http.RoundTripper](hc.Transport, http.DefaultTransport), tokens: c.app, origin: base}
		opts = append(opts, gh.WithHTTPClient(&authed))
	default:
		return nil, errors.New("github: give a token, or a GitHub App's app_id, installation_id and private_key")
	}
	if c.api, err = newAPIClient(apiURL, opts...); err != nil {
		return nil, err
	}
	return c, nil
}

// newAPIClient is a go-github client of the API at apiURL, with opts for
// its HTTP client and credentials: ward's user agent, and go-github's own
// rate-limit bookkeeping off, since the HTTP client's policy decides.
func newAPIClient(apiURL string, opts ...gh.ClientOptionsFunc) (*gh.Client, error) {
	opts = append([]gh.ClientOptionsFunc{gh.WithURLs(&apiURL, &apiURL), gh.WithDisableRateLimitCheck(), gh.WithUserAgent("ward")}, opts...)
	api, err := gh.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("github: %w", err)
	}
	return api, nil
}

// Tracker names the tracker for people.
func (c *Client) Tracker() string { return "GitHub" }

// Repository is the configured repository, owner/name.
func (c *Client) Repository() string { return c.owner + "/" + c.repo }

// Error is GitHub's answer to a request that failed: what ward was doing,
// the HTTP status (0 when no answer came), and what GitHub said. It never
// holds a token: GitHub's messages do not repeat them, and request URLs,
// which could, are left out.
type Error struct {
	Op      string // what ward was doing, such as "create an issue in org/repo"
	Status  int
	Message string // GitHub's message, with the details of a 422
	// RateLimitReset is when GitHub's rate limit resets, when the answer
	// was that it is exhausted.
	RateLimitReset time.Time
	err            error
}

func (e *Error) Error() string {
	switch {
	case e.Status == 0:
		return fmt.Sprintf("GitHub: %s: %v", e.Op, e.err)
	case !e.RateLimitReset.IsZero():
		return fmt.Sprintf("GitHub: %s: %d %s (the rate limit resets at %s)", e.Op, e.Status, e.Message,
			e.RateLimitReset.UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf("GitHub: %s: %d %s", e.Op, e.Status, e.Message)
}

func (e *Error) Unwrap() error { return e.err }

// apiError turns what go-github returned into an *Error for op.
func apiError(op string, err error) error {
	if inner, ok := errors.AsType[*Error](err); ok {
		return inner // the App's token could not be had: that is the failure
	}
	e := &Error{Op: op, err: err}
	if rl, ok := errors.AsType[*gh.RateLimitError](err); ok {
		e.Status, e.Message = rl.Response.StatusCode, rl.Message
		e.RateLimitReset = rl.Rate.Reset.Time
		return e
	}
	if ab, ok := errors.AsType[*gh.AbuseRateLimitError](err); ok {
		e.Status, e.Message = ab.Response.StatusCode, ab.Message
		return e
	}
	if er, ok := errors.AsType[*gh.ErrorResponse](err); ok && er.Response != nil {
		e.Status, e.Message = er.Response.StatusCode, cmp.Or(er.Message, http.StatusText(er.Response.StatusCode))
		var details []string
		for _, d := range er.Errors {
			details = append(details, strings.TrimSpace(cmp.Or(d.Message, strings.Join(nonEmpty(d.Resource, d.Field, d.Code), " "))))
		}
		if len(details) > 0 {
			e.Message += ": " + strings.Join(details, "; ")
		}
		return e
	}
	if ue, ok := errors.AsType[*url.Error](err); ok {
		e.err = ue.Err // the URL is GitHub's and the repository's: known to the reader
	}
	return e
}

func nonEmpty(s ...string) []string {
	var out []string
	for _, x := range s {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}
