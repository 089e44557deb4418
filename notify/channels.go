package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	neturl "net/url"
	"strings"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/slack"
	"github.com/wardsec/ward/webhook"
)

// Channels sends dispatches to the team's channels (webhooks, Slack) and
// members' Slack direct messages. It reads a channel's secrets from the
// environment or a file each time it sends, so that a rotated secret
// takes effect without a restart, and never stores them.
type Channels struct {
	Store interface {
		NotifyChannels(context.Context) ([]ward.NotifyChannel, error)
	}
	Getenv   func(string) string
	ReadFile func(string) ([]byte, error)
	HTTP     *http.Client // nil: http.DefaultClient's transport, with the dispatch's timeout
	// SlackAPIURL is Slack's Web API for bot tokens; Slack's own when "".
	SlackAPIURL string
}

// Send sends one webhook or Slack dispatch.
func (c *Channels) Send(ctx context.Context, d *ward.Dispatch) error {
	ch, err := c.channel(ctx, d)
	if err != nil {
		return err
	}
	switch ch.Kind {
	case ward.ChannelWebhook:
		url, secret, err := c.webhook(ch)
		if err != nil {
			return err
		}
		client := webhook.Client{HTTP: c.HTTP}
		return client.Send(ctx, webhook.Delivery{URL: url, Secret: secret, ID: d.Key, Event: d.Kind, Body: []byte(d.Body), At: time.Now()})
	case ward.ChannelSlack:
		client, err := c.slack(ch)
		if err != nil {
			return err
		}
		to := ch.Channel
		if d.Member != "" {
			to = d.Target // a member's Slack ID: a direct message
		}
		return client.Send(ctx, slack.Message{Channel: to, Text: slack.Escape(d.Subject + "\n" + d.Body)})
	}
	return permanentError{fmt.Errorf("channel %s: %q is not a kind ward sends to", ch.Name, ch.Kind)}
}

// Check says whether the channel can be used: its secrets are where the
// team file says, and a Slack bot token is accepted (auth.test). With
// send, a webhook is sent a signed test delivery (event "check"), which a
// receiver should answer 2xx; without it, and for a Slack incoming
// webhook, which Slack offers no way to test short of posting, nothing
// is sent.
func (c *Channels) Check(ctx context.Context, ch ward.NotifyChannel, send bool) error {
	switch ch.Kind {
	case ward.ChannelWebhook:
		url, secret, err := c.webhook(ch)
		if err != nil {
			return err
		}
		if u, err := neturl.Parse(url); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errors.New("the url is not an http or https URL with a host") // which ward serve would refuse for good
		}
		if !send {
			return nil
		}
		now := time.Now()
		id := "check:" + now.UTC().Format(time.RFC3339Nano)
		body, err := json.Marshal(Payload{ID: id, Kind: "check", Text: "ward integrations check", Occurred: now.UTC()})
		if err != nil {
			return err
		}
		client := webhook.Client{HTTP: c.HTTP}
		return client.Send(ctx, webhook.Delivery{URL: url, Secret: secret, ID: id, Event: "check", Body: body, At: now})
	case ward.ChannelSlack:
		client, err := c.slack(ch)
		if err != nil {
			return err
		}
		return client.Check(ctx)
	}
	return fmt.Errorf("%q is not a kind ward sends to", ch.Kind)
}

// webhook returns a webhook channel's URL and signing secret.
func (c *Channels) webhook(ch ward.NotifyChannel) (string, []byte, error) {
	url, err := c.value(ch.URL, ch.URLEnv, "", "url")
	if err != nil {
		return "", nil, err
	}
	secret, err := c.value("", ch.SecretEnv, ch.SecretFile, "secret")
	return url, []byte(secret), err
}

// slack returns a client of a Slack channel: its bot token's, or its
// incoming webhook's.
func (c *Channels) slack(ch ward.NotifyChannel) (*slack.Client, error) {
	cfg := slack.Config{APIURL: c.SlackAPIURL}
	var err error
	if ch.TokenEnv != "" {
		cfg.Token, err = c.value("", ch.TokenEnv, "", "token")
	} else {
		cfg.WebhookURL, err = c.value("", ch.URLEnv, "", "url")
	}
	if err != nil {
		return nil, err
	}
	client, err := slack.New(cfg, c.HTTP)
	if err != nil {
		return nil, permanentError{fmt.Errorf("slack channel %s: %w", ch.Name, err)}
	}
	return client, nil
}

// channel is the team channel a dispatch goes through: the one it names,
// or for a member's Slack message the team's Slack bot (dmVia).
func (c *Channels) channel(ctx context.Context, d *ward.Dispatch) (ward.NotifyChannel, error) {
	all, err := c.Store.NotifyChannels(ctx)
	if err != nil {
		return ward.NotifyChannel{}, err
	}
	name := d.Target
	if d.Member != "" {
		name = dmVia(all)
	}
	for _, ch := range all {
		if ch.Name == name && name != "" {
			return ch, nil
		}
	}
	if d.Member != "" {
		return ward.NotifyChannel{}, permanentError{errors.New("the team file has no Slack channel with a bot token (token_env) to send direct messages through")}
	}
	return ward.NotifyChannel{}, permanentError{fmt.Errorf("channel %s is no longer in the team file", d.Target)}
}

// value returns a setting given in the file, or read from the variable
// or file it names. A missing secret is retried, as the operator may yet
// set it; the error names the variable, never a value.
func (c *Channels) value(inline, env, file, what string) (string, error) {
	switch {
	case inline != "":
		return inline, nil
	case env != "":
		if v := strings.TrimSpace(c.Getenv(env)); v != "" {
			return v, nil
		}
		return "", fmt.Errorf("the %s is to come from the environment variable %s, which ward serve does not have", what, env)
	case file != "":
		b, err := c.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("the %s is to come from %s: %w", what, file, err)
		}
		if v := strings.TrimSpace(string(b)); v != "" {
			return v, nil
		}
		return "", fmt.Errorf("the %s file %s is empty", what, file)
	}
	return "", permanentError{fmt.Errorf("no %s is configured", what)}
}
