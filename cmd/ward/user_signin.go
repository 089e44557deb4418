package main

import (
	"bufio"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/wardsec/ward"
	"github.com/wardsec/ward/auth"
	"github.com/wardsec/ward/store"
	"golang.org/x/term"
)

func (e *env) userPasswdCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "passwd EMAIL",
		Short: "Set a member's web desk password, read from standard input; their sessions end",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			password, err := e.readNewPassword()
			if err != nil {
				return err
			}
			hash, err := auth.HashPassword(password, rand.Reader, auth.DefaultParams)
			if err != nil {
				return err
			}
			return e.withStore(cmd.Context(), func(db *store.DB) error {
				if err := db.SetPassword(cliContext(cmd.Context()), args[0], hash); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "member/%s: password set; their sessions have ended\n", strings.ToLower(args[0]))
				return nil
			})
		},
	}
}

// readNewPassword reads the password without echo, twice, from a terminal,
// or else one line of standard input, for scripts.
func (e *env) readNewPassword() (string, error) {
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		read := func(prompt string) (string, error) {
			fmt.Fprint(e.stderr, prompt)
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(e.stderr)
			if err != nil {
				return "", fmt.Errorf("read the password: %w", err)
			}
			return string(b), nil
		}
		first, err := read("New password: ")
		if err != nil {
			return "", err
		}
		second, err := read("The same again: ")
		if err != nil {
			return "", err
		}
		if first != second {
			return "", ward.Errorf(ward.EINVALID, "the two passwords differ")
		}
		return first, nil
	}
	line, err := bufio.NewReader(io.LimitReader(e.stdin, auth.MaxPasswordBytes+2)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read the password: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func (e *env) userLinkCmd() *cobra.Command {
	var publicURL string
	cmd := &cobra.Command{
		Use:   "link EMAIL",
		Short: "Print a one-time sign-in link to the web desk for the member, good for 15 minutes",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withStore(cmd.Context(), func(db *store.DB) error {
				secret, err := db.CreateSignInLink(cliContext(cmd.Context()), args[0])
				if err != nil {
					return err
				}
				if publicURL == "" {
					fmt.Fprintln(e.stderr, "ward's public URL is not set (--public-url or WARD_PUBLIC_URL): put it before this path")
				}
				fmt.Fprintf(e.stdout, "%s/login/link/%s\n", strings.TrimSuffix(publicURL, "/"), secret)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&publicURL, "public-url", envOr("WARD_PUBLIC_URL", ""), "where people reach ward, such as https://ward.example.org (env WARD_PUBLIC_URL)")
	return cmd
}

func (e *env) userTOTPCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "totp", Short: "Manage members' authenticator apps"}
	cmd.AddCommand(&cobra.Command{
		Use:   "disable EMAIL",
		Short: "Turn a member's authenticator app off, for a member who lost it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withStore(cmd.Context(), func(db *store.DB) error {
				if err := db.DisableTOTP(cliContext(cmd.Context()), args[0]); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "member/%s: signing in no longer asks for a code\n", strings.ToLower(args[0]))
				return nil
			})
		},
	})
	return cmd
}
