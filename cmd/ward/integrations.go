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
	cmd := &cobra.Command{Use: "integrations", Short: "The team's outside connections: notification channels, HackerOne"}
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
		Short: "Check each notification channel: its secrets are set, a Slack bot token works; with --send-test, each webhook answers a signed test delivery",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if timeout <= 0 || timeout > 10*time.Second {
				return ward.Errorf(ward.EINVALID, "--timeout %s: want more than 0 and at most 10s, which ward serve's senders allow", timeout)
			}
			return e.withStore(cmd.Context(), func(db *store.DB) error {
				channels, err := db.NotifyChannels(cmd.Context())
				if err != nil {
					return err
				}
				failed := 0
				if !e.checkHackerOne(cmd.Context(), db, timeout) {
					failed++
				}
				if len(channels) == 0 {
					fmt.Fprintln(e.stdout, "no notification channels: add them under notifications.channels in the team file (docs/notifications.md)")
					if failed > 0 {
						return ward.Errorf(ward.EINVALID, "HackerOne cannot be used as configured")
					}
					return nil
				}
				check := &notify.Channels{Store: db, Getenv: os.Getenv, ReadFile: os.ReadFile}
				for _, ch := range channels {
					ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
					err := check.Check(ctx, ch, send)
					cancel()
					if err != nil {
						failed++
						fmt.Fprintf(e.stdout, "%s (%s): %v\n", ch.Name, ch.Kind, err)
						continue
					}
					fmt.Fprintf(e.stdout, "%s (%s): ok\n", ch.Name, ch.Kind)
				}
				if failed > 0 {
					return ward.Errorf(ward.EINVALID, "%d of %d channels cannot be used as configured", failed, len(channels))
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&send, "send-test", false, "send each webhook a signed delivery of the event \"check\"")
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Second, "how long each channel may take to answer")
	return cmd
}

// checkHackerOne checks the HackerOne integration, if the team file has
// one: its token can be read, and with it the programme reached. It
// prints the outcome and reports whether it passed.
func (e *env) checkHackerOne(ctx context.Context, db *store.DB, timeout time.Duration) bool {
	c, err := hackeroneClient(ctx, db)
	if c == nil && err == nil {
		return true
	}
	if err == nil {
		cctx, cancel := context.WithTimeout(ctx, timeout)
		err = c.Check(cctx)
		cancel()
	}
	if err != nil {
		fmt.Fprintf(e.stdout, "hackerone: %s\n", strings.TrimPrefix(err.Error(), "hackerone: "))
		return false
	}
	fmt.Fprintf(e.stdout, "hackerone (%s): ok\n", c.Program())
	return true
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
				c, err := hackeroneClient(cmd.Context(), db)
				if err != nil {
					return err
				}
				if c == nil {
					return ward.Errorf(ward.EINVALID, "HackerOne is not configured: add integrations.hackerone to the team file (docs/integrations.md)")
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
