package main

import (
	"fmt"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/wardsec/ward"
	"github.com/wardsec/ward/reports"
	"github.com/wardsec/ward/store"
)

func (e *env) reportCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "report", Short: "List and show vulnerability reports"}
	cmd.AddCommand(e.reportListCmd(), e.reportShowCmd(), e.reportActCmd(), e.reportSimilarCmd(), e.reportLinkCmd(), e.reportExportCmd())
	return cmd
}

func (e *env) reportListCmd() *cobra.Command {
	var me, output, filter string
	var limit int
	cmd := &cobra.Command{
		Use:   "list [--filter NAME] [--view VIEW] [--state STATE] [--source SOURCE] [--search TEXT]",
		Short: "List reports, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withStore(cmd.Context(), func(db *store.DB) error {
				// The flags are the API's query parameters, read by the
				// same parser, on top of a saved filter as ?filter= does.
				over := url.Values{}
				for flag, key := range reportListFlags {
					if cmd.Flags().Changed(flag) {
						v, _ := cmd.Flags().GetString(flag) // registered as a string below
						over.Set(key, v)
					}
				}
				saved := ""
				if filter != "" {
					sf, err := db.FindFilterByName(cmd.Context(), filter)
					if err != nil {
						return err
					}
					saved = sf.Query
				}
				f, err := ward.ParseSavedReportQuery(saved, over)
				if err != nil {
					return err
				}
				f.Me, f.Limit = me, limit
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
	flags := cmd.Flags()
	flags.String("view", "", "a named queue: "+strings.Join(ward.ReportViews, ", ")+" (mine needs --me)")
	flags.String("assignee", "", "only reports assigned to this email")
	flags.String("label", "", "only reports with this label")
	flags.String("severity", "", "only reports of this rating: critical, high, medium, low, none")
	flags.String("state", "", "only reports in this state")
	flags.String("search", "", "only reports whose title, body or reporter name hold every one of these words")
	flags.String("source", "", "only reports from this source: email, hackerone, web, api")
	flags.StringVar(&me, "me", "", "your email, for --view mine")
	flags.StringVar(&filter, "filter", "", "a saved filter (ward filter list); the other flags given replace its own")
	flags.IntVar(&limit, "limit", 50, "how many, at most 500")
	flags.StringVarP(&output, "output", "o", "table", "table or json")
	return cmd
}

// reportListFlags are the flags of `ward report list` that select, with the
// API's query parameter each stands for.
var reportListFlags = map[string]string{"view": "view", "assignee": "assignee", "label": "label", "severity": "severity",
	"state": "state", "source": "source", "search": "q"}

func (e *env) reportShowCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show a report and its timeline",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := reportID(args[0])
			if err != nil {
				return err
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

func (e *env) reportSimilarCmd() *cobra.Command {
	var limit int
	var output string
	cmd := &cobra.Command{
		Use:   "similar ID",
		Short: "List reports that may be about the same problem, likeliest first",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := reportID(args[0])
			if err != nil {
				return err
			}
			if limit < 1 || limit > 20 {
				return ward.Errorf(ward.EINVALID, "--limit: want an integer from 1 to 20")
			}
			return e.withStore(cmd.Context(), func(db *store.DB) error {
				similar, err := reports.New(db, db, db, db, time.Now).Similar(cliContext(cmd.Context()), id, limit)
				if err != nil {
					return err
				}
				if output == "json" {
					return printJSON(e.stdout, similar)
				}
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tSCORE\tSTATE\tTITLE\tREASONS")
				for _, s := range similar {
					fmt.Fprintf(tw, "%d\t%.2f\t%s\t%s\t%s\n", s.Report.ID, s.Score, s.Report.State, s.Report.Title, strings.Join(s.Reasons, "; "))
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 5, "how many, at most 20")
	cmd.Flags().StringVarP(&output, "output", "o", "table", "table or json")
	return cmd
}

func (e *env) reportActCmd() *cobra.Command {
	var in reports.Action
	var cve, attribution string
	cmd := &cobra.Command{
		Use:   "act ID ACTION [flags]",
		Short: "Take an action on a report, as the API's POST /api/v1/reports/{id}/actions does",
		Long: `Take an action on a report: triage, set_severity, propose_bounty, approve_bounty,
track, update_tracking, resolve, request_disclosure, disclose, comment, and the others
the API lists.
The command line acts as an admin, recorded as cli:<os user>; approving a bounty
needs a second person, so do that through the API with your own token.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := reportID(args[0])
			if err != nil {
				return err
			}
			in.Action = args[1]
			// A flag given empty clears the field, as "" does in the API;
			// one left out leaves it.
			if cmd.Flags().Changed("cve") {
				in.CVE = &cve
			}
			if cmd.Flags().Changed("attribution") {
				in.Attribution = &attribution
			}
			return e.withStore(cmd.Context(), func(db *store.DB) error {
				svc := reports.New(db, db, db, db, time.Now)
				if in.Action == "track" && in.URL == "" {
					// ward serve's own: the issue links back to its public URL.
					gh, err := loadGitHub(cmd.Context(), db, os.Getenv("WARD_PUBLIC_URL"))
					if err != nil {
						return err
					}
					svc = svc.WithIssueTracker(gh.issueTracker())
				}
				r, ev, err := svc.Act(cliContext(cmd.Context()), id, in)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "report/%d %s: %s → %s\n", r.ID, ev.Action, ev.FromState, ev.ToState)
				for _, c := range ev.Changes {
					fmt.Fprintf(e.stdout, "  %s: %s → %s\n", c.Field, c.From, c.To)
				}
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.Comment, "comment", "", "the comment; required for comment, request_info, answer and resolve")
	f.StringVar(&in.Visibility, "visibility", "", "of the comment: team or reporter")
	f.StringVar(&in.Vector, "vector", "", "CVSS vector, for triage and set_severity")
	f.StringVar(&in.Tier, "tier", "", "tier, for triage and set_severity")
	f.Int64Var(&in.Amount, "amount", 0, "bounty in minor units, for propose_bounty")
	f.StringVar(&in.Currency, "currency", "", "bounty currency, for propose_bounty")
	f.StringVar(&in.Reason, "reason", "", "why a bounty is off the table, why an admin discloses early, or moves a fix status back")
	f.Int64Var(&in.Of, "of", 0, "the original, for mark_duplicate")
	f.StringVar(&in.Member, "member", "", "email, for assign and set_commander")
	f.StringVar(&in.URL, "url", "", "the tracking issue, for track; without it, track files the issue on GitHub when the team file configures GitHub")
	f.StringVar(&in.Kind, "kind", "", "full or redacted, for request_disclosure")
	f.StringSliceVar(&in.Redactions, "redact", nil, "a passage to redact, for request_disclosure of kind redacted (repeat)")
	f.StringVar(&in.Justification, "justification", "", "why not, for do_not_disclose")
	f.StringVar(&in.Label, "label", "", "the label, for label")
	f.BoolVar(&in.RemoveLabel, "remove", false, "remove the label rather than add it")
	f.StringVar(&cve, "cve", "", `the CVE id, for update_tracking; "" clears it`)
	f.StringVar(&attribution, "attribution", "", `how the reporter wants to be credited, for update_tracking; "" clears it`)
	f.StringVar(&in.FixStatus, "fix-status", "", "planning, development, embargo, released or published, for update_tracking")
	return cmd
}
