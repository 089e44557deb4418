package main

import (
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/wardsec/ward"
	"github.com/wardsec/ward/reports"
	"github.com/wardsec/ward/store"
)

func (e *env) handoffCmd() *cobra.Command {
	// Accepting and declining are the new commander's own acknowledgement:
	// the command line, which acts as an admin, cannot give it for them;
	// they answer on the desk or with their own API token.
	cmd := &cobra.Command{Use: "handoff", Short: "Hand off incident command: ask, list, cancel (the member it is to accepts on the desk or through the API)"}
	cmd.AddCommand(e.handoffListCmd(), e.handoffRequestCmd(), e.handoffCancelCmd())
	return cmd
}

func handoffID(arg string) (int64, error) {
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || id < 1 {
		return 0, ward.Errorf(ward.EINVALID, "handoff id %q: want the number that `ward handoff list` shows", arg)
	}
	return id, nil
}

func (e *env) handoffListCmd() *cobra.Command {
	var f ward.HandoffFilter
	var output string
	cmd := &cobra.Command{
		Use:   "list [--pending] [--to EMAIL] [--from EMAIL]",
		Short: "List handoffs, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, email := range []*string{&f.To, &f.From} {
				if *email == "" {
					continue
				}
				var err error
				if *email, err = ward.NormalizeEmail(*email); err != nil {
					return err
				}
			}
			return e.withStore(cmd.Context(), func(db *store.DB) error {
				handoffs, err := reports.New(db, db, db, db, time.Now).Handoffs(cliContext(cmd.Context()), f)
				if err != nil {
					return err
				}
				if output == "json" {
					return printJSON(e.stdout, handoffs)
				}
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tREPORT\tSTATE\tFROM\tTO\tASKED")
				for _, h := range handoffs {
					fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\n", h.ID, h.Report, h.State, h.From, h.To, h.CreatedAt.Format(time.DateTime))
				}
				return tw.Flush()
			})
		},
	}
	flags := cmd.Flags()
	flags.BoolVar(&f.Pending, "pending", false, "only handoffs not yet answered")
	flags.StringVar(&f.To, "to", "", "only handoffs to this email")
	flags.StringVar(&f.From, "from", "", "only handoffs from this email")
	flags.IntVar(&f.Limit, "limit", 50, "how many, at most 500")
	flags.StringVarP(&output, "output", "o", "table", "table or json")
	return cmd
}

func (e *env) handoffRequestCmd() *cobra.Command {
	var in reports.HandoffInput
	cmd := &cobra.Command{
		Use:   "request REPORT --to EMAIL --open-questions TEXT --decisions TEXT --pending-actions TEXT [--tracking-updated]",
		Short: "Ask a member to take a report's incident command; the commander keeps it until they accept",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := reportID(args[0])
			if err != nil {
				return err
			}
			return e.withStore(cmd.Context(), func(db *store.DB) error {
				h, err := reports.New(db, db, db, db, time.Now).RequestHandoff(cliContext(cmd.Context()), id, in)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "handoff/%d of report/%d: %s → %s, pending until %s accepts\n", h.ID, h.Report, h.From, h.To, h.To)
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.To, "to", "", "the member to take command: a responder or above")
	f.StringVar(&in.OpenQuestions, "open-questions", "", "the open questions (required)")
	f.StringVar(&in.Decisions, "decisions", "", "the decisions made and still to make (required)")
	f.StringVar(&in.PendingActions, "pending-actions", "", "the pending action items (required)")
	f.BoolVar(&in.TrackingUpdated, "tracking-updated", false, "confirm the tracking issue is up to date (required when the report has one)")
	return cmd
}

// handoffCancelCmd cancels a pending handoff, as an admin may.
func (e *env) handoffCancelCmd() *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "cancel ID [--reason TEXT]",
		Short: "Cancel a pending handoff; the commander stays",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := handoffID(args[0])
			if err != nil {
				return err
			}
			return e.withStore(cmd.Context(), func(db *store.DB) error {
				h, err := reports.New(db, db, db, db, time.Now).AnswerStep(cliContext(cmd.Context()), id, reports.StepCancel, reason)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "handoff/%d of report/%d: %s\n", h.ID, h.Report, h.State)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why")
	return cmd
}
