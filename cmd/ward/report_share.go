package main

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/wardsec/ward"
	"github.com/wardsec/ward/reports"
	"github.com/wardsec/ward/store"
)

// reportID reads a report id argument.
func reportID(arg string) (int64, error) {
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil {
		return 0, ward.Errorf(ward.EINVALID, "report id %q: want the number that `ward report list` shows", arg)
	}
	return id, nil
}

func (e *env) reportLinkCmd() *cobra.Command {
	var publicURL string
	cmd := &cobra.Command{
		Use:   "link ID",
		Short: "Make a new private link for the report's reporter; the one before stops working",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := reportID(args[0])
			if err != nil {
				return err
			}
			return e.withStore(cmd.Context(), func(db *store.DB) error {
				secret, err := db.IssueReporterKey(cliContext(cmd.Context()), id)
				if err != nil {
					return err
				}
				if publicURL == "" {
					// A made-up host would be a link that a triager might
					// send on as it is; a path cannot be mistaken for one.
					fmt.Fprintln(e.stderr, "ward's public URL is not set (--public-url or WARD_PUBLIC_URL): put it before this path")
				}
				fmt.Fprintf(e.stdout, "%s/r/%s\n", strings.TrimSuffix(publicURL, "/"), secret)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&publicURL, "public-url", envOr("WARD_PUBLIC_URL", ""), "where reporters reach ward, such as https://ward.example.org (env WARD_PUBLIC_URL)")
	return cmd
}

func (e *env) reportExportCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "export ID",
		Short: "Print a disclosed report as it may be published: redactions applied, no team-only comments",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := reportID(args[0])
			if err != nil {
				return err
			}
			if format != "markdown" && format != "json" {
				return ward.Errorf(ward.EINVALID, "format: %q is not markdown or json", format)
			}
			return e.withStore(cmd.Context(), func(db *store.DB) error {
				x, err := reports.New(db, db, db, db, time.Now).Export(cliContext(cmd.Context()), id)
				if err != nil {
					return err
				}
				if format == "json" {
					return printJSON(e.stdout, x)
				}
				_, err = fmt.Fprint(e.stdout, x.Markdown())
				return err
			})
		},
	}
	cmd.Flags().StringVar(&format, "format", "markdown", "markdown or json")
	return cmd
}

func (e *env) filterCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "filter", Short: "The team's saved report filters, for `ward report list --filter NAME` and ?filter=NAME"}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the saved filters",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withStore(cmd.Context(), func(db *store.DB) error {
				filters, err := db.FindFilters(cmd.Context())
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tQUERY\tOWNER")
				for _, f := range filters {
					fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Name, f.Query, f.Owner)
				}
				return tw.Flush()
			})
		},
	}
	save := &cobra.Command{
		Use:   "save NAME QUERY",
		Short: "Save a filter, such as: ward filter save crit-h1 'view=triage&severity=critical&source=hackerone'",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withStore(cmd.Context(), func(db *store.DB) error {
				f := ward.SavedFilter{Name: args[0], Query: args[1]}
				if _, err := db.SaveFilter(cliContext(cmd.Context()), &f); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "saved %s: %s\n", f.Name, f.Query)
				return nil
			})
		},
	}
	del := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a saved filter",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withStore(cmd.Context(), func(db *store.DB) error {
				return db.DeleteFilter(cliContext(cmd.Context()), args[0])
			})
		},
	}
	cmd.AddCommand(list, save, del)
	return cmd
}
