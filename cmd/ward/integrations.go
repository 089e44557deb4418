package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/hackerone"
	"github.com/wardsec/ward/notify"
	"github.com/wardsec/ward/store"
)

func (e *env) integrationsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "integrations", Short: "The team's outside connections: notification channels, GitHub and HackerOne"}
	cmd.AddCommand(e.integrationsCheckCmd(), e.integrationsSyncCmd())
	return cmd
}

// integrationsCheckCmd checks each notification channel of the team file
// as `ward serve` would use it, with this process's environment and
// files, and says what is wrong; it fails when any is.
func (e *env) integrationsCheckCmd() *cobra.Command {
	var send bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "check [--send-test]",
		Short: "Check each notification channel (its secrets are set, a Slack bot token works; with --send-test, each webhook answers a signed test delivery) GitHub (its secrets, the private repository, the webhook secret) and HackerOne (its token reaches the programme)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if timeout <= 0 || timeout > 10*time.Second {
				return ward.Errorf(ward.EINVALID, "--timeout %s: want more than 0 and at most 10s, which ward serve's senders allow", timeout)
			}
			return e.withStore(cmd.Context(), func(db *store.DB) error {
				failed, checked, err := e.checkChannels(cmd.Context(), db, send, timeout)
				if err != nil {
					return err
				}
				in, err := db.Integrations(cmd.Context())
				if err != nil {
					return err
				}
				for _, check := range []func(context.Context, ward.Integrations, time.Duration) (int, int){e.checkGitHub, e.checkHackerOne} {
					f, c := check(cmd.Context(), in, timeout)
					failed, checked = failed+f, checked+c
				}
				if failed > 0 {
					return ward.Errorf(ward.EINVALID, "%d of %d integrations and channels cannot be used as configured", failed, checked)
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&send, "send-test", false, "send each webhook a signed delivery of the event \"check\"")
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Second, "how long each channel may take to answer")
	return cmd
}

// checkChannels checks each notification channel and says how it is; it
// returns how many failed of how many.
func (e *env) checkChannels(ctx context.Context, db *store.DB, send bool, timeout time.Duration) (failed, checked int, err error) {
	channels, err := db.NotifyChannels(ctx)
	if err != nil {
		return 0, 0, err
	}
	if len(channels) == 0 {
		fmt.Fprintln(e.stdout, "no notification channels: add them under notifications.channels in the team file (docs/notifications.md)")
		return 0, 0, nil
	}
	check := &notify.Channels{Store: db, Getenv: os.Getenv, ReadFile: os.ReadFile}
	for _, ch := range channels {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		err := check.Check(ctx, ch, send)
		cancel()
		if err != nil {
			failed++
			fmt.Fprintf(e.stdout, "%s (%s): %v\n", ch.Name, ch.Kind, err)
			continue
		}
		fmt.Fprintf(e.stdout, "%s (%s): ok\n", ch.Name, ch.Kind)
	}
	return failed, len(channels), nil
}

// checkGitHub checks the GitHub integration as ward serve would use it:
// its secrets can be read, the repository is private and the identity
// may file issues in it, and the webhook has its secret. It returns
// whether it failed, after saying why, and whether there was one to check.
func (e *env) checkGitHub(ctx context.Context, in ward.Integrations, timeout time.Duration) (failed, checked int) {
	if in.GitHub == nil {
		fmt.Fprintln(e.stdout, "github: not configured (integrations.github in the team file; docs/integrations.md)")
		return 0, 0
	}
	name := "github (" + in.GitHub.Repository + ")"
	gh, err := newGitHub(in.GitHub, "", outboundClient("GitHub", timeout), os.Getenv, os.ReadFile)
	if err != nil {
		fmt.Fprintf(e.stdout, "%s: %s\n", name, ward.ErrorMessage(err))
		return 1, 1
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := gh.client.Check(ctx); err != nil {
		fmt.Fprintf(e.stdout, "%s: %v\n", name, err)
		return 1, 1
	}
	if gh.webhookSecret == "" {
		fmt.Fprintf(e.stdout, "%s: no webhook_secret_env or webhook_secret_file: the issues' state cannot come back to ward\n", name)
		return 1, 1
	}
	fmt.Fprintf(e.stdout, "%s: ok\n", name)
	return 0, 1
}

// checkHackerOne checks the HackerOne integration, if the team file has
// one: its token can be read, and with it the programme reached. It
// returns whether it failed, after saying why, and whether there was one
// to check.
func (e *env) checkHackerOne(ctx context.Context, in ward.Integrations, timeout time.Duration) (failed, checked int) {
	if in.HackerOne == nil {
		fmt.Fprintln(e.stdout, "hackerone: not configured (integrations.hackerone in the team file; docs/integrations.md)")
		return 0, 0
	}
	name := "hackerone (" + in.HackerOne.Program + ")"
	c, err := hackeroneClient(in.HackerOne, outboundClient("HackerOne", timeout), os.Getenv, os.ReadFile)
	if err == nil {
		cctx, cancel := context.WithTimeout(ctx, timeout)
		err = c.Check(cctx)
		cancel()
	}
	if err != nil {
		msg := err.Error()
		if ward.ErrorCode(err) != ward.EINTERNAL {
			msg = ward.ErrorMessage(err) // without "ward: invalid: "
		}
		fmt.Fprintf(e.stdout, "%s: %s\n", name, strings.TrimPrefix(msg, "hackerone: "))
		return 1, 1
	}
	fmt.Fprintf(e.stdout, "%s: ok\n", name)
	return 0, 1
}

// integrationsSyncCmd pulls from a platform now, as the scheduled sync
// does.
func (e *env) integrationsSyncCmd() *cobra.Command {
	return &cobra.Command{
		Use:       "sync hackerone",
		Short:     "Pull the HackerOne programme's reports with activity since the last sync, now",
		Args:      cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		ValidArgs: []string{"hackerone"},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withStore(cmd.Context(), func(db *store.DB) error {
				in, err := db.Integrations(cmd.Context())
				if err != nil {
					return err
				}
				if in.HackerOne == nil {
					return ward.Errorf(ward.EINVALID, "HackerOne is not configured: add integrations.hackerone to the team file (docs/integrations.md)")
				}
				c, err := hackeroneClient(in.HackerOne, outboundClient("HackerOne", 0), os.Getenv, os.ReadFile)
				if err != nil {
					return err
				}
				ctx := cliContext(cmd.Context())
				res, err := (&hackerone.Syncer{Client: c, Store: db}).Sync(ctx)
				fmt.Fprintf(e.stdout, "hackerone (%s): %d new, %d updated, %d events, %d conflicts\n",
					c.Program(), res.Created, res.Updated, res.Events, res.Conflicts)
				return err
			})
		},
	}
}
