package main

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wardsec/ward"
)

func TestOIDCProviderFlags(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	on := serveFlags{oidcIssuer: "https://idp.example", oidcClientID: "ward", publicURL: "https://ward.example.org/"}
	withSecret := func(name string) string {
		if name == "WARD_OIDC_CLIENT_SECRET" {
			return "s3cret"
		}
		return ""
	}
	noEnv := func(string) string { return "" }
	for _, c := range []struct {
		name   string
		change func(*serveFlags)
		getenv func(string) string
		err    string // "" for a provider
	}{
		{"secret from the environment", nil, withSecret, ""},
		{"secret from a file", func(f *serveFlags) { f.oidcSecretFile = secretFile }, noEnv, ""},
		{"secret twice", func(f *serveFlags) { f.oidcSecretFile = secretFile }, withSecret, "given twice"},
		{"no secret", nil, noEnv, "needs the client secret"},
		{"missing secret file", func(f *serveFlags) { f.oidcSecretFile = secretFile + ".none" }, noEnv, "--oidc-client-secret-file"},
		{"no client ID", func(f *serveFlags) { f.oidcClientID = "" }, withSecret, "--oidc-client-id"},
		{"no public URL", func(f *serveFlags) { f.publicURL = "" }, withSecret, "--public-url"},
		{"a public URL without a scheme", func(f *serveFlags) { f.publicURL = "ward.example.org" }, withSecret, "--public-url"},
		{"an issuer that is no URL", func(f *serveFlags) { f.oidcIssuer = "accounts.google.com" }, withSecret, "--oidc-issuer"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := on
			if c.change != nil {
				c.change(&f)
			}
			p, err := oidcProvider(f, c.getenv)
			switch {
			case c.err == "" && (err != nil || p == nil):
				t.Errorf("got %v, want a provider", err)
			case c.err != "" && (ward.ErrorCode(err) != ward.EINVALID || !strings.Contains(err.Error(), c.err)):
				t.Errorf("got %v, want invalid saying %q", err, c.err)
			}
		})
	}
	t.Run("off without an issuer", func(t *testing.T) {
		if p, err := oidcProvider(serveFlags{}, withSecret); p != nil || err != nil {
			t.Errorf("got %v, %v; want nil, nil", p, err)
		}
	})
}

func TestTrustedProxyFlags(t *testing.T) {
	got, err := parseTrustedProxies([]string{"10.1.2.3/8", " 192.0.2.1 ", "fd00::/8", "::ffff:198.51.100.1"})
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.1/32"),
		netip.MustParsePrefix("fd00::/8"), netip.MustParsePrefix("198.51.100.1/32")}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if _, err := parseTrustedProxies([]string{"nginx"}); ward.ErrorCode(err) != ward.EINVALID {
		t.Errorf("a name: %v, want invalid", err)
	}
	if got := splitList(" 10.0.0.0/8, ,fd00::/8,"); !slices.Equal(got, []string{"10.0.0.0/8", "fd00::/8"}) {
		t.Errorf("splitList: %q", got)
	}
}
