package ward

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
)

func TestSecretRefResolve(t *testing.T) {
	env := map[string]string{"SET": "s3cret", "BLANK": "  "}
	files := map[string]string{"/run/key": "s3cret\n", "/run/empty": "\n"}
	getenv := func(k string) string { return env[k] }
	readFile := func(p string) ([]byte, error) {
		if p == "/run/locked" {
			return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrPermission}
		}
		v, ok := files[p]
		if !ok {
			return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
		}
		return []byte(v), nil
	}
	for _, tt := range []struct {
		ref     SecretRef
		want    string
		wantErr string
	}{
		{SecretRef{Env: "SET"}, "s3cret", ""},
		{SecretRef{File: "/run/key"}, "s3cret", ""},
		{SecretRef{Env: "UNSET"}, "", "the environment variable UNSET is not set or empty"},
		{SecretRef{Env: "BLANK"}, "", "the environment variable BLANK is not set or empty"},
		{SecretRef{File: "/run/empty"}, "", "the file /run/empty is not set or empty"},
		{SecretRef{File: "/run/missing"}, "", "the file /run/missing does not exist"},
		{SecretRef{File: "/run/locked"}, "", "the file /run/locked cannot be read: permission denied"},
		{SecretRef{}, "", "no secret is configured"},
	} {
		got, err := tt.ref.Resolve(getenv, readFile)
		if got != tt.want || (err == nil) != (tt.wantErr == "") || err != nil && ErrorMessage(err) != tt.wantErr {
			t.Errorf("%+v.Resolve() = %q, %v; want %q, %q", tt.ref, got, err, tt.want, tt.wantErr)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%+v: the error %q shows the secret", tt.ref, err)
		}
		var e *Error
		if err != nil && (!errors.As(err, &e) || e.Code != EINVALID) {
			t.Errorf("%+v: error %v is not EINVALID", tt.ref, err)
		}
	}
}

func TestIntegrationsValidate(t *testing.T) {
	token := SecretRef{Env: "WARD_GITHUB_TOKEN"}
	for _, tt := range []struct {
		name    string
		in      Integrations
		wantErr string
	}{
		{"a token", Integrations{GitHub: &GitHubConfig{Repository: "acme/security", Token: token}}, ""},
		{"an app", Integrations{GitHub: &GitHubConfig{Repository: "acme/security", AppID: 1, InstallationID: 2, PrivateKey: SecretRef{File: "/k.pem"}}}, ""},
		{"both", Integrations{GitHub: &GitHubConfig{Repository: "acme/security", Token: token, AppID: 1, InstallationID: 2, PrivateKey: SecretRef{File: "/k.pem"}}},
			"github: give a token, or app_id, installation_id and private_key for a GitHub App, not both"},
		{"neither", Integrations{GitHub: &GitHubConfig{Repository: "acme/security"}},
			"github: token: required, from token_env (an environment variable's name) or token_file (a path); never the secret itself, or app_id, installation_id and private_key for a GitHub App"},
		{"no repository owner", Integrations{GitHub: &GitHubConfig{Repository: "security", Token: token}}, `github: repository: "security" is not owner/name`},
		{"credentials in the URL", Integrations{GitHub: &GitHubConfig{Repository: "a/b", Token: token, APIURL: "https://x:y@ghe.example.org/api/v3/"}},
			"github: api_url: credentials belong in the secret, not the URL"},
		{"a login for a name", Integrations{GitHub: &GitHubConfig{Repository: "a/b", Token: token, Logins: map[string]string{"Ana": "ana"}}}, `github: logins: "Ana" is not a member's email`},
		{"hackerone", Integrations{HackerOne: &HackerOneConfig{Program: "k8s", Username: "bot", Token: SecretRef{File: "/t"}}}, ""},
		{"hackerone every second", Integrations{HackerOne: &HackerOneConfig{Program: "k8s", Username: "bot", Token: SecretRef{File: "/t"}, Interval: 1e9}},
			"hackerone: interval: 1s is not between 1m and 24h"},
		{"hackerone without a user", Integrations{HackerOne: &HackerOneConfig{Program: "k8s", Token: SecretRef{File: "/t"}}},
			"hackerone: username: the API token's identifier is required, without spaces or ':'"},
	} {
		err := tt.in.Validate()
		if (err == nil) != (tt.wantErr == "") || err != nil && !strings.HasPrefix(ErrorMessage(err), tt.wantErr) {
			t.Errorf("%s: Validate() = %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

func TestCheckAPIHost(t *testing.T) {
	const github = "https://api.github.com/"
	for _, tt := range []struct {
		url, allowed string
		wantErr      string
	}{
		{"", "", ""},
		{"https://api.github.com/", "", ""},
		{"https://ghe.example.org/api/v3/", "", "api_url: ghe.example.org is not api.github.com; the operator allows another host by naming it in WARD_API_HOSTS"},
		{"https://ghe.example.org/api/v3/", "other.example.org, GHE.example.org", ""},
		{"https://ghe.example.org:8443/api/v3/", "ghe.example.org", "api_url: ghe.example.org:8443 is not api.github.com"},
		{"http://ghe.example.org/api/v3/", "ghe.example.org", "api_url: want https, not http, for ghe.example.org"},
		{"http://127.0.0.1:4567/", "127.0.0.1:4567", ""},
		{"http://[::1]:4567/", "[::1]:4567", ""},
		{"https://attacker.example/", ",", "api_url: attacker.example is not api.github.com"},
	} {
		err := CheckAPIHost(tt.url, github, tt.allowed)
		if (err == nil) != (tt.wantErr == "") || err != nil && !strings.HasPrefix(ErrorMessage(err), tt.wantErr) {
			t.Errorf("CheckAPIHost(%q, allowed %q) = %v, want %q", tt.url, tt.allowed, err, tt.wantErr)
		}
	}
}
