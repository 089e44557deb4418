package ward

import (
	"context"
	"net"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"
)

// SecretRef says where a secret is kept: an environment variable or a
// file of the serving process, never the team file, which lives in git.
// At most one is set.
type SecretRef struct {
	Env  string `json:"env,omitempty"`
	File string `json:"file,omitempty"`
}

// IsZero reports whether the secret is not configured at all.
func (s SecretRef) IsZero() bool { return s.Env == "" && s.File == "" }

// String names where the secret is, never what it is.
func (s SecretRef) String() string {
	if s.Env != "" {
		return "the environment variable " + s.Env
	}
	if s.File != "" {
		return "the file " + s.File
	}
	return "nowhere"
}

// check validates the reference for the team file's key (such as token,
// spelt token_env and token_file there).
func (s SecretRef) check(key string, required bool) error {
	switch {
	case s.Env != "" && s.File != "":
		return Errorf(EINVALID, "%s: give one of %[1]s_env and %[1]s_file, not both", key)
	case s.IsZero() && required:
		return Errorf(EINVALID, "%s: required, from %[1]s_env (an environment variable's name) or %[1]s_file (a path); never the secret itself", key)
	case s.Env != "" && !envName.MatchString(s.Env):
		return Errorf(EINVALID, "%s_env: %q is not an environment variable's name such as WARD_GITHUB_TOKEN", key, s.Env)
	}
	return nil
}

// Resolve reads the secret with the serving process's getenv and readFile
// (os.Getenv and os.ReadFile, or a test's). A file's trailing newline is
// dropped, as editors add one. An unset variable, an unreadable or empty
// file is EINVALID, and the message names where it looked, never a value.
func (s SecretRef) Resolve(getenv func(string) string, readFile func(string) ([]byte, error)) (string, error) {
	var v string
	switch {
	case s.Env != "":
		v = getenv(s.Env)
	case s.File != "":
		b, err := readFile(s.File)
		if err != nil {
			if os.IsNotExist(err) {
				return "", Errorf(EINVALID, "%s does not exist", s)
			}
			return "", Errorf(EINVALID, "%s cannot be read: %s", s, strings.TrimPrefix(err.Error(), "open "+s.File+": "))
		}
		v = strings.TrimRight(string(b), "\r\n")
	default:
		return "", Errorf(EINVALID, "no secret is configured")
	}
	if strings.TrimSpace(v) == "" {
		return "", Errorf(EINVALID, "%s is not set or empty", s)
	}
	return v, nil
}

// Integrations are the team's connections to the services it already
// works in, from the team file's integrations key. A nil one is not
// configured.
type Integrations struct {
	GitHub    *GitHubConfig    `json:"github,omitempty"`
	HackerOne *HackerOneConfig `json:"hackerone,omitempty"`
}

// IntegrationService reads the integrations the team file declared.
type IntegrationService interface {
	Integrations(ctx context.Context) (Integrations, error)
}

// GitHubConfig is where ward files tracking issues, and how it signs in:
// with a token, or as a GitHub App installation.
type GitHubConfig struct {
	Repository string    `json:"repository"`        // owner/name, a private repository
	APIURL     string    `json:"api_url,omitempty"` // GitHub Enterprise's API; https://api.github.com/ when empty
	Token      SecretRef `json:"token,omitzero"`
	// AppID, InstallationID and PrivateKey sign in as a GitHub App
	// instead of with a token.
	AppID          int64     `json:"app_id,omitempty"`
	InstallationID int64     `json:"installation_id,omitempty"`
	PrivateKey     SecretRef `json:"private_key,omitzero"`
	// WebhookSecret verifies what GitHub sends back; without it the
	// webhook endpoint is off.
	WebhookSecret SecretRef `json:"webhook_secret,omitzero"`
	Labels        []string  `json:"labels,omitempty"` // put on every tracking issue
	// Logins maps members' emails to their GitHub logins, to assign
	// tracking issues.
	Logins map[string]string `json:"logins,omitempty"`
	// Template is the path of a text/template file for tracking issues
	// (package github, DefaultTemplate), read by ward serve; ward's own
	// template when empty.
	Template string `json:"template,omitempty"`
}

var (
	githubRepository = regexp.MustCompile(`\A[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}\z`)
	githubLogin      = regexp.MustCompile(`\A[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\z`)
)

// Validate checks the configuration, with an EINVALID error whose message
// names the field and is meant to follow "integrations.github: ".
func (c *GitHubConfig) Validate() error {
	if !githubRepository.MatchString(c.Repository) {
		return Errorf(EINVALID, "repository: %q is not owner/name, such as example-org/security-disclosures", c.Repository)
	}
	if err := checkAPIURL(c.APIURL); err != nil {
		return err
	}
	app := c.AppID != 0 || c.InstallationID != 0 || !c.PrivateKey.IsZero()
	switch {
	case app && !c.Token.IsZero():
		return Errorf(EINVALID, "give a token, or app_id, installation_id and private_key for a GitHub App, not both")
	case app && (c.AppID <= 0 || c.InstallationID <= 0):
		return Errorf(EINVALID, "a GitHub App needs app_id and installation_id, both positive")
	case app:
		if err := c.PrivateKey.check("private_key", true); err != nil {
			return err
		}
	default:
		if err := c.Token.check("token", true); err != nil {
			return Errorf(EINVALID, "%s, or app_id, installation_id and private_key for a GitHub App", ErrorMessage(err))
		}
	}
	if err := c.WebhookSecret.check("webhook_secret", false); err != nil {
		return err
	}
	for _, l := range c.Labels {
		if strings.TrimSpace(l) == "" || len(l) > 50 {
			return Errorf(EINVALID, "labels: %q is not a GitHub label (1 to 50 characters)", l)
		}
	}
	for email, login := range c.Logins {
		if normal, err := NormalizeEmail(email); err != nil || normal != email {
			return Errorf(EINVALID, "logins: %q is not a member's email", email)
		}
		if !githubLogin.MatchString(login) {
			return Errorf(EINVALID, "logins: %q is not a GitHub login", login)
		}
	}
	return nil
}

// HackerOneConfig is the bug bounty programme ward syncs with, through
// HackerOne's API v1 and an API token.
type HackerOneConfig struct {
	Program  string        `json:"program"`           // the programme's handle, as in hackerone.com/<handle>
	APIURL   string        `json:"api_url,omitempty"` // https://api.hackerone.com/v1/ when empty
	Username string        `json:"username"`          // the API token's identifier
	Token    SecretRef     `json:"token"`
	Interval time.Duration `json:"interval,omitempty"` // between syncs; DefaultSyncInterval when 0
	// Currency is the programme's bounty currency (ISO 4217), USD when
	// empty: HackerOne awards bounties in the programme's currency, which
	// its API does not say, so ward refuses to push a bounty in another.
	Currency string `json:"currency,omitempty"`
}

// DefaultSyncInterval is how often reports are pulled from HackerOne when
// the team file does not say.
const DefaultSyncInterval = 5 * time.Minute

var hackeroneHandle = regexp.MustCompile(`\A[A-Za-z0-9_-]{1,100}\z`)

// Validate checks the configuration, with an EINVALID error whose message
// names the field and is meant to follow "integrations.hackerone: ".
func (c *HackerOneConfig) Validate() error {
	if !hackeroneHandle.MatchString(c.Program) {
		return Errorf(EINVALID, "program: %q is not a programme's handle, such as kubernetes", c.Program)
	}
	if err := checkAPIURL(c.APIURL); err != nil {
		return err
	}
	if strings.TrimSpace(c.Username) == "" || strings.ContainsAny(c.Username, ": \t\r\n") {
		return Errorf(EINVALID, "username: the API token's identifier is required, without spaces or ':'")
	}
	if err := c.Token.check("token", true); err != nil {
		return err
	}
	if c.Interval != 0 && (c.Interval < time.Minute || c.Interval > 24*time.Hour) {
		return Errorf(EINVALID, "interval: %s is not between 1m and 24h", c.Interval)
	}
	if c.Currency != "" && !currencyCode.MatchString(c.Currency) {
		return Errorf(EINVALID, "currency: %q is not a currency code such as USD", c.Currency)
	}
	return nil
}

var currencyCode = regexp.MustCompile(`\A[A-Z]{3}\z`)

// SyncInterval returns how often to pull from HackerOne.
func (c *HackerOneConfig) SyncInterval() time.Duration {
	if c.Interval == 0 {
		return DefaultSyncInterval
	}
	return c.Interval
}

// APIHostsEnv names the serving process's environment variable that
// allows API hosts other than GitHub's and HackerOne's own, as a
// comma-separated list of host[:port], such as ghe.example.org for GitHub
// Enterprise. The team file alone cannot: whoever may change it (it lives
// in git) must not be able to send ward's tokens to a host of theirs.
const APIHostsEnv = "WARD_API_HOSTS"

// CheckAPIHost refuses the api_url of an integration when its host is
// neither that of the service's own defaultURL nor one that allowed (the
// value of APIHostsEnv) names. Plain http is for loopback only, as a
// test's server is.
func CheckAPIHost(apiURL, defaultURL, allowed string) error {
	if apiURL == "" {
		return nil
	}
	u, err := url.Parse(apiURL)
	if err != nil {
		return Errorf(EINVALID, "api_url: %q is not a URL", apiURL)
	}
	d, _ := url.Parse(defaultURL)
	ok := strings.EqualFold(u.Host, d.Host)
	for _, h := range strings.Split(allowed, ",") {
		ok = ok || strings.TrimSpace(h) != "" && strings.EqualFold(strings.TrimSpace(h), u.Host)
	}
	if !ok {
		return Errorf(EINVALID, "api_url: %s is not %s; the operator allows another host by naming it in %s", u.Host, d.Host, APIHostsEnv)
	}
	if u.Scheme != "https" {
		if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return Errorf(EINVALID, "api_url: want https, not %s, for %s", u.Scheme, u.Host)
		}
	}
	return nil
}

// checkAPIURL refuses an API address that is not absolute http(s), or
// that carries credentials, which belong in the secrets.
func checkAPIURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return Errorf(EINVALID, "api_url: %q is not an http or https URL", s)
	}
	if u.User != nil {
		return Errorf(EINVALID, "api_url: credentials belong in the secret, not the URL")
	}
	return nil
}

// Validate checks each integration, naming it.
func (in Integrations) Validate() error {
	if in.GitHub != nil {
		if err := in.GitHub.Validate(); err != nil {
			return Errorf(EINVALID, "github: %s", ErrorMessage(err))
		}
	}
	if in.HackerOne != nil {
		if err := in.HackerOne.Validate(); err != nil {
			return Errorf(EINVALID, "hackerone: %s", ErrorMessage(err))
		}
	}
	return nil
}
