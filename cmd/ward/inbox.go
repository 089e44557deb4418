package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/wardsec/ward"
	"github.com/wardsec/ward/inbox"
	"github.com/wardsec/ward/store"
)

// cliInbox is the inbox as the command line uses it: it sends no
// acknowledgements, so importing an archive answers nobody.
func cliInbox(db *store.DB) *inbox.Service {
	return inbox.New(db, db, db, inbox.Config{}, time.Now, rand.Reader)
}

func (e *env) importCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "import", Short: "Import mail into the inbox: an mbox archive or .eml files"}
	cmd.AddCommand(&cobra.Command{
		Use:   "mbox FILE",
		Short: "Import every message of an mbox archive (- for standard input); messages stored before are skipped",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withStore(cmd.Context(), func(db *store.DB) error {
				f, err := e.openInput(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				st, err := cliInbox(db).ImportMbox(cliContext(cmd.Context()), f, args[0])
				e.printImport(st)
				return err
			})
		},
	}, &cobra.Command{
		Use:   "eml FILE...",
		Short: "Import messages saved one per file; messages stored before are skipped",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withStore(cmd.Context(), func(db *store.DB) error {
				svc, st := cliInbox(db), inbox.ImportStats{}
				defer func() { e.printImport(st) }()
				for _, name := range args {
					if err := e.importFile(cliContext(cmd.Context()), svc, name, &st); err != nil {
						return err
					}
				}
				return nil
			})
		},
	})
	return cmd
}

func (e *env) importFile(ctx context.Context, svc *inbox.Service, name string, st *inbox.ImportStats) error {
	f, err := e.openInput(name)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := svc.ImportMessage(ctx, f, st); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func (e *env) openInput(name string) (io.ReadCloser, error) {
	if name == "-" {
		return io.NopCloser(e.stdin), nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, ward.Errorf(ward.EINVALID, "%v", err)
	}
	return f, nil
}

// printImport tells what an import did, also when it stopped early.
func (e *env) printImport(st inbox.ImportStats) {
	fmt.Fprintf(e.stdout, "imported %d messages (%d flagged: kept as received, not fully read); %d were stored already\n", st.Created, st.Flagged, st.Skipped)
}

func (e *env) inboxCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "inbox", Short: "The team's mail: list threads, show one"}
	var status, assignee, output string
	var limit int
	list := &cobra.Command{
		Use:   "list [--status STATUS] [--assignee EMAIL]",
		Short: "List threads, newest first (spam only with --status spam)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withExistingStore(cmd.Context(), func(db *store.DB) error {
				threads, err := cliInbox(db).List(cliContext(cmd.Context()), ward.ThreadFilter{Status: status, Assignee: assignee, Limit: limit})
				if err != nil {
					return err
				}
				if output == "json" {
					return printJSON(e.stdout, threads)
				}
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tSTATUS\tASSIGNEE\tMESSAGES\tFROM\tSUBJECT")
				for _, t := range threads {
					fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\n", t.ID, t.Status, t.Assignee, t.Messages, t.Correspondent, t.Subject)
				}
				return tw.Flush()
			})
		},
	}
	list.Flags().StringVar(&status, "status", "", "only threads in this status: open, actionable, unactionable, completed, spam")
	list.Flags().StringVar(&assignee, "assignee", "", "only threads assigned to this email")
	list.Flags().IntVar(&limit, "limit", 50, "how many, at most 200")
	list.Flags().StringVarP(&output, "output", "o", "table", "table or json")
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show a thread's messages as text, oldest first",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return ward.Errorf(ward.EINVALID, "thread: %q is not a number", args[0])
			}
			return e.withExistingStore(cmd.Context(), func(db *store.DB) error {
				t, msgs, err := cliInbox(db).Conversation(cliContext(cmd.Context()), id)
				if err != nil {
					return err
				}
				if output == "json" {
					return printJSON(e.stdout, map[string]any{"thread": t, "messages": msgs})
				}
				fmt.Fprintf(e.stdout, "Thread %d: %s\nStatus: %s  Assignee: %s  Report: %d\n", t.ID, t.Subject, t.Status, t.Assignee, t.Report)
				for _, m := range msgs {
					fmt.Fprintf(e.stdout, "\n--- %d  %s  %s", m.ID, m.ReceivedAt.Format(time.RFC3339), m.From)
					if m.Delivery != "" {
						fmt.Fprintf(e.stdout, "  (%s)", m.Delivery)
					}
					fmt.Fprintln(e.stdout)
					for _, p := range m.Problems {
						fmt.Fprintf(e.stdout, "! %s\n", p)
					}
					for _, a := range m.Attachments {
						fmt.Fprintf(e.stdout, "attachment: %s (%s, %d bytes)\n", a.Filename, a.ContentType, a.Size)
					}
					fmt.Fprintf(e.stdout, "\n%s\n", m.Text)
				}
				return nil
			})
		},
	}
	show.Flags().StringVarP(&output, "output", "o", "text", "text or json")
	cmd.AddCommand(list, show)
	return cmd
}
