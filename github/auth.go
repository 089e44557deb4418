package github

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	gh "github.com/google/go-github/v93/github"
)

// A GitHub App acts on a repository through an installation token, which
// it gets by sending a JWT signed with its private key to
// POST /app/installations/{id}/access_tokens; the token lasts an hour
// (https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/authenticating-as-a-github-app-installation).
const (
	// tokenMargin: a token is replaced this long before it expires, so
	// that a request (with its retries) never carries one that lapses on
	// the way.
	tokenMargin = 5 * time.Minute
	// jwtLife is the JWT's life: GitHub takes at most ten minutes. It is
	// issued a minute in the past, as GitHub advises, against clock drift.
	jwtLife = 9 * time.Minute
)

// installationTokens mints and keeps the App installation's token.
type installationTokens struct {
	appID, installation int64
	key                 *rsa.PrivateKey
	httpClient          *http.Client
	apiURL              string
	now                 func() time.Time

	// minting is held by the one caller that mints a token; the others
	// wait for it, or for their context to end, whichever comes first.
	minting chan struct{}

	mu      sync.Mutex // guards the token and what is known of it
	token   string
	expires time.Time
	issues  string // the token's issues permission: read, write or ""
}

func newInstallationTokens(cfg Config, hc *http.Client, apiURL string) (*installationTokens, error) {
	key, err := parsePrivateKey(cfg.PrivateKey)
	if err != nil {
		return nil, err
	}
	return &installationTokens{appID: cfg.AppID, installation: cfg.InstallationID, key: key, httpClient: hc, apiURL: apiURL, now: cfg.Now,
		minting: make(chan struct{}, 1)}, nil
}

// parsePrivateKey reads the App's private key: PEM, PKCS#1 as GitHub
// gives it, or PKCS#8. Its errors never quote the key.
func parsePrivateKey(data []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("github: private_key: not a PEM block")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, errors.New("github: private_key: neither a PKCS#1 nor a PKCS#8 RSA key")
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("github: private_key: not an RSA key, which GitHub Apps use")
	}
	return rk, nil
}

// get returns a token valid for tokenMargin at least, minting a new one
// when the kept one is older. Concurrent callers wait for one mint, each
// giving up when its own context ends.
func (t *installationTokens) get(ctx context.Context) (string, error) {
	if token, ok := t.valid(); ok {
		return token, nil
	}
	select {
	case t.minting <- struct{}{}:
	case <-ctx.Done():
		return "", fmt.Errorf("github: wait for the App's installation token: %w", ctx.Err())
	}
	defer func() { <-t.minting }()
	if token, ok := t.valid(); ok {
		return token, nil // minted while this caller waited
	}
	signed, err := t.jwt()
	if err != nil {
		return "", err
	}
	api, err := newAPIClient(t.apiURL, gh.WithHTTPClient(t.httpClient), gh.WithAuthToken(signed))
	if err != nil {
		return "", err
	}
	tok, _, err := api.Apps.CreateInstallationToken(ctx, t.installation, nil)
	if err != nil {
		return "", apiError(fmt.Sprintf("get a token for the App's installation %d", t.installation), err)
	}
	if tok.GetToken() == "" || tok.ExpiresAt == nil {
		return "", fmt.Errorf("github: the installation token's answer holds no token or no expiry")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.token, t.expires = tok.GetToken(), tok.ExpiresAt.Time
	t.issues = tok.GetPermissions().GetIssues()
	return t.token, nil
}

// valid returns the kept token if it is good for tokenMargin more.
func (t *installationTokens) valid() (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.token, t.token != "" && t.now().Add(tokenMargin).Before(t.expires)
}

// jwt is the App's JWT, now.
func (t *installationTokens) jwt() (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: t.key}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", fmt.Errorf("github: sign the App's JWT: %w", err)
	}
	now := t.now()
	s, err := jwt.Signed(signer).Claims(jwt.Claims{
		Issuer:   strconv.FormatInt(t.appID, 10),
		IssuedAt: jwt.NewNumericDate(now.Add(-time.Minute)),
		Expiry:   jwt.NewNumericDate(now.Add(jwtLife)),
	}).Serialize()
	if err != nil {
		return "", fmt.Errorf("github: sign the App's JWT: %w", err)
	}
	return s, nil
}

// appTransport sends each request to the API's origin with the
// installation's token; requests elsewhere go without it.
type appTransport struct {
	base   http.RoundTripper
	tokens *installationTokens
	origin *url.URL
}

func (a *appTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.EqualFold(req.URL.Scheme, a.origin.Scheme) || !strings.EqualFold(req.URL.Host, a.origin.Host) {
		return a.base.RoundTrip(req)
	}
	token, err := a.tokens.get(req.Context())
	if err != nil {
		if req.Body != nil {
			req.Body.Close() // a RoundTripper closes the body, even on error
		}
		return nil, err
	}
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+token)
	return a.base.RoundTrip(req)
}
