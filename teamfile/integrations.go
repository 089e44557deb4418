package teamfile

import (
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/wardsec/ward"
)

var (
	integrationKeys = []string{"github", "hackerone"}
	githubKeys      = []string{"repository", "api_url", "token_env", "token_file", "app_id", "installation_id",
		"private_key_env", "private_key_file", "webhook_secret_env", "webhook_secret_file", "labels", "logins", "template"}
	hackeroneKeys = []string{"program", "api_url", "username", "token_env", "token_file", "interval", "currency"}
)

// integrations returns the team's integrations, never nil when the key
// is there (an empty mapping removes them all), nil when it is not.
func (p *parser) integrations(n *yaml.Node, path string) *ward.Integrations {
	n = p.resolve(n, path)
	if n == nil {
		return nil
	}
	in := &ward.Integrations{}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return in
	}
	if n.Kind != yaml.MappingNode {
		p.errorf(n.Line, path, "want a mapping with the keys %s, got %s", strings.Join(integrationKeys, ", "), describe(n))
		return nil
	}
	p.mapping(n, path, integrationKeys, func(key string, v *yaml.Node) {
		fpath := path + "." + key
		switch key {
		case "github":
			if v = p.entry(v, fpath, githubKeys); v != nil {
				in.GitHub = p.github(v, fpath)
			}
		case "hackerone":
			if v = p.entry(v, fpath, hackeroneKeys); v != nil {
				in.HackerOne = p.hackerone(v, fpath)
			}
		}
	})
	return in
}

func (p *parser) github(n *yaml.Node, path string) *ward.GitHubConfig {
	c := &ward.GitHubConfig{}
	fields := map[string]*string{"repository": &c.Repository, "api_url": &c.APIURL,
		"token_env": &c.Token.Env, "token_file": &c.Token.File,
		"private_key_env": &c.PrivateKey.Env, "private_key_file": &c.PrivateKey.File,
		"webhook_secret_env": &c.WebhookSecret.Env, "webhook_secret_file": &c.WebhookSecret.File, "template": &c.Template}
	p.mapping(n, path, githubKeys, func(key string, v *yaml.Node) {
		fpath := path + "." + key
		switch key {
		case "app_id":
			c.AppID = p.id(v, fpath)
		case "installation_id":
			c.InstallationID = p.id(v, fpath)
		case "labels":
			c.Labels = p.strings(v, fpath)
		case "logins":
			c.Logins = p.logins(v, fpath)
		default:
			if value, ok := p.str(v, fpath); ok {
				*fields[key] = value
			}
		}
	})
	p.check(n, path, c.Validate())
	return c
}

func (p *parser) hackerone(n *yaml.Node, path string) *ward.HackerOneConfig {
	c := &ward.HackerOneConfig{}
	fields := map[string]*string{"program": &c.Program, "api_url": &c.APIURL, "username": &c.Username,
		"token_env": &c.Token.Env, "token_file": &c.Token.File}
	p.mapping(n, path, hackeroneKeys, func(key string, v *yaml.Node) {
		fpath := path + "." + key
		switch key {
		case "interval":
			if value, ok := p.str(v, fpath); ok {
				d, err := time.ParseDuration(value)
				if err != nil {
					p.errorf(v.Line, fpath, "%q is not a duration such as 5m", value)
				}
				c.Interval = d
			}
		case "currency":
			if code := p.currency(v, fpath); code != nil {
				c.Currency = *code
			}
		default:
			if value, ok := p.str(v, fpath); ok {
				*fields[key] = value
			}
		}
	})
	p.check(n, path, c.Validate())
	return c
}

// check reports what Validate found, on the mapping's line.
func (p *parser) check(n *yaml.Node, path string, err error) {
	if err != nil {
		p.errorf(n.Line, path, "%s", checkerMessage(err))
	}
}

// id returns a positive integer, such as a GitHub App's id.
func (p *parser) id(n *yaml.Node, path string) int64 {
	n = p.resolve(n, path)
	if n == nil {
		return 0
	}
	id, err := strconv.ParseInt(n.Value, 10, 64)
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || err != nil || id <= 0 {
		p.errorf(n.Line, path, "want a positive whole number, got %s", describe(n))
		return 0
	}
	return id
}

// logins returns a mapping of members' emails to GitHub logins.
func (p *parser) logins(n *yaml.Node, path string) map[string]string {
	n = p.resolve(n, path)
	if n == nil {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		p.errorf(n.Line, path, "want a mapping of members' emails to GitHub logins, got %s", describe(n))
		return nil
	}
	logins := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		email, ok := p.str(k, path)
		if !ok {
			continue
		}
		if _, dup := logins[email]; dup {
			p.errorf(k.Line, path, "%s given twice", email)
			continue
		}
		if login, ok := p.str(v, path+"."+email); ok {
			logins[email] = login
		}
	}
	return logins
}
