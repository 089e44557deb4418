package main

import (
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/wardsec/ward"
	"github.com/wardsec/ward/store"
)

func (e *env) tokenCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Create, list and revoke API tokens"}
	cmd.AddCommand(e.tokenCreateCmd(), e.tokenListCmd(), e.tokenRevokeCmd())
	return cmd
}

func (e *env) tokenCreateCmd() *cobra.Command {
	var email, name string
	var expires time.Duration
	cmd := &cobra.Command{
		Use:   "create --user EMAIL [--name NAME] [--expires DURATION]",
		Short: "Create an API token and print it, alone, on stdout; it is shown only this once",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withStore(cmd.Context(), func(db *store.DB) error {
				var exp *time.Time
				if expires < 0 {
					return ward.Errorf(ward.EINVALID, "--expires: must be positive")
				}
				if expires > 0 {
					t := time.Now().Add(expires)
					exp = &t
				}
				_, secret, err := db.CreateToken(cliContext(cmd.Context()), email, name, exp)
				if err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, secret)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&email, "user", "", "email of the member who owns the token")
	cmd.Flags().StringVar(&name, "name", "cli", "what the token is for")
	cmd.Flags().DurationVar(&expires, "expires", 0, "lifetime, such as 720h; 0 for a token that does not expire")
	_ = cmd.MarkFlagRequired("user") // cannot fail: the flag exists
	return cmd
}

func (e *env) tokenListCmd() *cobra.Command {
	var email string
	cmd := &cobra.Command{
		Use:   "list [--user EMAIL]",
		Short: "List tokens (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withStore(cmd.Context(), func(db *store.DB) error {
				tokens, err := db.FindTokens(cmd.Context(), email)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tMEMBER\tNAME\tCREATED\tEXPIRES\tLAST USED\tREVOKED")
				for _, t := range tokens {
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Member, t.Name, stamp(&t.CreatedAt), stamp(t.ExpiresAt), stamp(t.LastUsedAt), stamp(t.RevokedAt))
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().StringVar(&email, "user", "", "only this member's tokens")
	return cmd
}

func stamp(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func (e *env) tokenRevokeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a token; running servers refuse it within a second",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return ward.Errorf(ward.EINVALID, "token id %q: want the number that `ward token list` shows", args[0])
			}
			return e.withStore(cmd.Context(), func(db *store.DB) error {
				t, err := db.RevokeToken(cliContext(cmd.Context()), id)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "token/%d of %s revoked\n", t.ID, t.Member)
				return nil
			})
		},
	}
}
