// Package oidc signs members in through an OpenID Connect provider: the
// authorization code flow with PKCE (S256), a state and a nonce, on
// github.com/coreos/go-oidc and golang.org/x/oauth2. It answers with the
// verified email of whoever signed in; which member that is, and whether
// they may come in, is the server's business.
package oidc

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/http"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/wardsec/ward"
)

// Config is one provider and ward's client registration with it.
type Config struct {
	Issuer       string // such as https://accounts.google.com; discovery is read from Issuer/.well-known/openid-configuration
	ClientID     string // the ID tokens' required audience
	ClientSecret string
	RedirectURL  string // <public URL>/login/oidc/callback, as registered with the provider
	// Now is the clock ID tokens' expiry is checked against; time.Now
	// when nil.
	Now func() time.Time
	// HTTPClient talks to the provider; one with a 10-second timeout when
	// nil.
	HTTPClient *http.Client
}

// Provider is an OpenID Connect provider. It reads the provider's
// discovery document on first use, not when made, so that ward starts
// while the provider is down; a failed read is tried again on the next
// use, a successful one kept.
type Provider struct {
	cfg Config

	mu       sync.Mutex
	oauth    *oauth2.Config          // nil until discovered
	verifier *gooidc.IDTokenVerifier // nil until discovered
}

// New returns a provider for cfg; it does not talk to the provider yet.
func New(cfg Config) *Provider {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	return &Provider{cfg: cfg}
}

var errUnavailable = ward.Errorf(ward.EUNAVAILABLE, "The identity provider does not answer. Please try again in a minute, or sign in with your password.")

// Discover reads the provider's discovery document and keys' location,
// unless it has been read already. EUNAVAILABLE when the provider cannot
// be reached or its document is unusable; the cause is in the chain.
func (p *Provider) Discover(ctx context.Context) error {
	_, _, err := p.discovered(ctx)
	return err
}

func (p *Provider) discovered(ctx context.Context) (*oauth2.Config, *gooidc.IDTokenVerifier, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.oauth != nil {
		return p.oauth, p.verifier, nil
	}
	ctx = gooidc.ClientContext(ctx, p.cfg.HTTPClient)
	provider, err := gooidc.NewProvider(ctx, p.cfg.Issuer)
	if err != nil {
		return nil, nil, fmt.Errorf("%w (discover %s: %w)", errUnavailable, p.cfg.Issuer, err)
	}
	p.oauth = &oauth2.Config{ClientID: p.cfg.ClientID, ClientSecret: p.cfg.ClientSecret, RedirectURL: p.cfg.RedirectURL,
		Endpoint: provider.Endpoint(), Scopes: []string{gooidc.ScopeOpenID, "email"}}
	// The keys are fetched with the provider's client, never the
	// request's context: go-oidc keeps this one for later fetches.
	p.verifier = provider.VerifierContext(gooidc.ClientContext(context.Background(), p.cfg.HTTPClient),
		&gooidc.Config{ClientID: p.cfg.ClientID, Now: p.cfg.Now})
	return p.oauth, p.verifier, nil
}

// AuthCodeURL is where to send the browser to sign in: the provider's
// authorization endpoint with the state, the nonce, and the S256
// challenge of the PKCE verifier. EUNAVAILABLE when the provider cannot be
// discovered.
func (p *Provider) AuthCodeURL(ctx context.Context, state, nonce, verifier string) (string, error) {
	oc, _, err := p.discovered(ctx)
	if err != nil {
		return "", err
	}
	return oc.AuthCodeURL(state, gooidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), nil
}

var errNotVerified = ward.Errorf(ward.EUNAUTHORIZED, "The identity provider's answer could not be verified. Please start signing in again.")

// Exchange trades the code for tokens, with the PKCE verifier, and returns
// the email of the ID token. The ID token must be signed by the provider's
// keys, be issued by it, for this client, unexpired, and carry the nonce:
// EUNAUTHORIZED otherwise. Its email must be present and verified
// (email_verified true): EFORBIDDEN otherwise. EUNAVAILABLE when the
// provider cannot be reached.
func (p *Provider) Exchange(ctx context.Context, code, verifier, nonce string) (string, error) {
	oc, v, err := p.discovered(ctx)
	if err != nil {
		return "", err
	}
	tok, err := oc.Exchange(context.WithValue(ctx, oauth2.HTTPClient, p.cfg.HTTPClient), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return "", fmt.Errorf("%w (exchange the code: %w)", errNotVerified, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return "", fmt.Errorf("%w (the token answer has no id_token)", errNotVerified)
	}
	idt, err := v.Verify(ctx, raw)
	if err != nil {
		return "", fmt.Errorf("%w (verify the ID token: %w)", errNotVerified, err)
	}
	if nonce == "" || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return "", fmt.Errorf("%w (the ID token's nonce is not this sign-in's)", errNotVerified)
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified *bool  `json:"email_verified"`
	}
	if err := idt.Claims(&claims); err != nil {
		return "", fmt.Errorf("%w (read the ID token's claims: %w)", errNotVerified, err)
	}
	if claims.Email == "" {
		return "", ward.Errorf(ward.EFORBIDDEN, "The identity provider gave no email address for your account, so ward cannot tell which member you are. Ask your administrator to release the email claim to ward.")
	}
	if claims.EmailVerified == nil || !*claims.EmailVerified {
		return "", ward.Errorf(ward.EFORBIDDEN, "The identity provider has not verified the email address %s, so ward cannot sign you in with it. Verify it with the provider first.", claims.Email)
	}
	return claims.Email, nil
}
