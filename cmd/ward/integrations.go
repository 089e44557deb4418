package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/notify"
	"github.com/wardsec/ward/store"
)

func (e *env) integrationsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "integrations", Short: "The team's outside connections: notification channels"}
	cmd.AddCommand(e.integrationsCheckCmd())
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
				if len(channels) == 0 {
					fmt.Fprintln(e.stdout, "no notification channels: add them under notifications.channels in the team file (docs/notifications.md)")
					return nil
				}
				check := &notify.Channels{Store: db, Getenv: os.Getenv, ReadFile: os.ReadFile}
				failed := 0
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
