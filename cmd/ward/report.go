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

func (e *env) reportCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "report", Short: "List and show vulnerability reports"}
	cmd.AddCommand(e.reportListCmd(), e.reportShowCmd())
	return cmd
}

func (e *env) reportListCmd() *cobra.Command {
	var f ward.ReportFilter
	var output string
	cmd := &cobra.Command{
		Use:   "list [--state STATE] [--source SOURCE]",
		Short: "List reports, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withStore(cmd.Context(), func(db *store.DB) error {
				f.IncludeSpam = f.State == "spam" // the command line acts as an admin
				reports, err := db.FindReports(cmd.Context(), f)
				if err != nil {
					return err
				}
				if output == "json" {
					return printJSON(e.stdout, reports)
				}
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tSTATE\tSOURCE\tCREATED\tTITLE")
				for _, r := range reports {
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", r.ID, r.State, r.Source, r.CreatedAt.Format(time.DateOnly), r.Title)
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().StringVar(&f.State, "state", "", "only reports in this state")
	cmd.Flags().StringVar(&f.Source, "source", "", "only reports from this source: email, hackerone, web, api")
	cmd.Flags().IntVar(&f.Limit, "limit", 50, "how many, at most 500")
	cmd.Flags().StringVarP(&output, "output", "o", "table", "table or json")
	return cmd
}

func (e *env) reportShowCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show a report and its timeline",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return ward.Errorf(ward.EINVALID, "report id %q: want the number that `ward report list` shows", args[0])
			}
			return e.withStore(cmd.Context(), func(db *store.DB) error {
				r, err := db.FindReportByID(cmd.Context(), id)
				if err != nil {
					return err
				}
				events, err := db.FindTimeline(cmd.Context(), id)
				if err != nil {
					return err
				}
				if output == "json" {
					return printJSON(e.stdout, struct {
						*ward.Report
						Timeline []*ward.TimelineEvent `json:"timeline"`
					}{r, events})
				}
				fmt.Fprintf(e.stdout, "#%d %s\nstate:    %s\nsource:   %s %s %s\nreporter: %s <%s>\ncreated:  %s\n\n%s\n\ntimeline:\n",
					r.ID, r.Title, r.State, r.Source, r.ExternalID, r.ExternalURL, r.ReporterName, r.ReporterEmail,
					r.CreatedAt.Format(time.RFC3339), r.Body)
				for _, ev := range events {
					fmt.Fprintf(e.stdout, "  %s  %-8s %s %s→%s %s\n", ev.At.Format(time.RFC3339), ev.Visibility, ev.Action, ev.FromState, ev.ToState, ev.Actor)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "text or json")
	return cmd
}
