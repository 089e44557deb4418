package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/wardsec/ward"
	"github.com/wardsec/ward/oncall"
	"github.com/wardsec/ward/store"
)

// parseWhen reads a time flag: RFC 3339, or a date, taken as midnight UTC.
func parseWhen(flag, v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	return time.Time{}, ward.Errorf(ward.EINVALID, "--%s %q: want an RFC 3339 time such as 2026-01-05T09:00:00Z, or a date", flag, v)
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (e *env) oncallCmd() *cobra.Command {
	var name, at, output string
	cmd := &cobra.Command{
		Use:   "oncall [--rotation NAME] [--at TIME]",
		Short: "Show who is on call now, or at a time, and whether they are on duty",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			when := time.Now()
			if at != "" {
				var err error
				if when, err = parseWhen("at", at); err != nil {
					return err
				}
			}
			return e.withStore(cmd.Context(), func(db *store.DB) error {
				names := []string{name}
				if name == "" {
					rotations, err := db.FindRotations(cmd.Context())
					if err != nil {
						return err
					}
					names = names[:0]
					for _, r := range rotations {
						names = append(names, r.Name)
					}
				}
				svc := oncall.New(db, time.Now)
				var answers []*oncall.OnCall
				for _, n := range names {
					oc, err := svc.OnCall(cmd.Context(), n, when)
					if err != nil {
						return err
					}
					answers = append(answers, oc)
				}
				if output == "json" {
					return printJSON(e.stdout, answers)
				}
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ROTATION\tASSIGNEE\tLOCAL TIME\tON DUTY\tNEXT ON DUTY\tSHIFT ENDS")
				for _, oc := range answers {
					next := "-"
					if oc.NextOnDuty != nil {
						next = oc.NextOnDuty.Format(time.RFC3339)
					}
					fmt.Fprintf(tw, "%s\t%s <%s>\t%s\t%t\t%s\t%s\n", oc.Rotation, oc.Assignee.Name, oc.Assignee.Email, oc.Assignee.LocalTime,
						oc.OnDuty, next, oc.End.Format(time.RFC3339))
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().StringVar(&name, "rotation", "", "rotation name; every rotation when left out")
	cmd.Flags().StringVar(&at, "at", "", "when, as RFC 3339; now when left out")
	cmd.Flags().StringVarP(&output, "output", "o", "table", "table or json")
	return cmd
}

func (e *env) shiftsCmd() *cobra.Command {
	var name, from, to, output string
	cmd := &cobra.Command{
		Use:   "shifts --rotation NAME --from TIME --to TIME",
		Short: "List who holds a rotation over a range, overrides included",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := parseWhen("from", from)
			if err != nil {
				return err
			}
			t, err := parseWhen("to", to)
			if err != nil {
				return err
			}
			return e.withStore(cmd.Context(), func(db *store.DB) error {
				shifts, err := oncall.New(db, time.Now).Shifts(cmd.Context(), name, f, t)
				if err != nil {
					return err
				}
				if output == "json" {
					return printJSON(e.stdout, shifts)
				}
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "SHIFT\tSTART\tEND\tASSIGNEE\tOVERRIDE")
				for _, s := range shifts {
					override := "-"
					if s.Override != 0 {
						override = fmt.Sprint(s.Override)
					}
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s <%s>\t%s\n", s.Index, s.Start.Format(time.RFC3339), s.End.Format(time.RFC3339), s.Assignee.Name, s.Assignee.Email, override)
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().StringVar(&name, "rotation", "", "rotation name")
	cmd.Flags().StringVar(&from, "from", "", "start of the range, RFC 3339 or a date")
	cmd.Flags().StringVar(&to, "to", "", "end of the range, RFC 3339 or a date")
	cmd.Flags().StringVarP(&output, "output", "o", "table", "table or json")
	for _, f := range []string{"rotation", "from", "to"} {
		_ = cmd.MarkFlagRequired(f) // cannot fail: the flags exist
	}
	return cmd
}
