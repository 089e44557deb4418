package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/wardsec/ward"
	"github.com/wardsec/ward/store"
)

func (e *env) userCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Add, list and disable team members"}
	cmd.AddCommand(e.userAddCmd(), e.userListCmd(), e.userDisableCmd(), e.userPasswdCmd(), e.userLinkCmd(), e.userTOTPCmd())
	return cmd
}

func (e *env) userAddCmd() *cobra.Command {
	var m ward.Member
	var role string
	cmd := &cobra.Command{
		Use:   "add --email EMAIL --name NAME --role ROLE [--timezone TZ]",
		Short: "Add a member",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withStore(cmd.Context(), func(db *store.DB) error {
				m.Role = ward.Role(role)
				if err := db.CreateMember(cliContext(cmd.Context()), &m); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "member/%s created (%s, %s, %s)\n", m.Email, m.Role, m.TimeZone, m.WorkHours)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&m.Email, "email", "", "email address (unique)")
	cmd.Flags().StringVar(&m.Name, "name", "", "full name")
	cmd.Flags().StringVar(&role, "role", "responder", "admin, responder, triager or viewer")
	cmd.Flags().StringVar(&m.TimeZone, "timezone", "UTC", "IANA time zone, such as Europe/Berlin")
	cmd.Flags().StringVar(&m.WorkHours, "workhours", ward.DefaultWorkHours, "working hours in local time")
	cmd.Flags().StringVar(&m.Holidays, "holidays", "", "public-holiday calendar, such as US, DE or DE-BY")
	_ = cmd.MarkFlagRequired("email") // cannot fail: the flags exist
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

func (e *env) userListCmd() *cobra.Command {
	var all bool
	var output string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List members",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withStore(cmd.Context(), func(db *store.DB) error {
				members, err := db.FindMembers(cmd.Context(), ward.MemberFilter{IncludeDisabled: all})
				if err != nil {
					return err
				}
				switch output {
				case "json":
					return printJSON(e.stdout, members)
				case "table":
					tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "EMAIL\tNAME\tROLE\tTIMEZONE\tWORKHOURS\tHOLIDAYS\tDISABLED")
					for _, m := range members {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%t\n", m.Email, m.Name, m.Role, m.TimeZone, m.WorkHours, m.Holidays, m.Disabled)
					}
					return tw.Flush()
				default:
					return ward.Errorf(ward.EINVALID, "-o %q: want table or json", output)
				}
			})
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "include disabled members")
	cmd.Flags().StringVarP(&output, "output", "o", "table", "table or json")
	return cmd
}

func (e *env) userDisableCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "disable EMAIL",
		Short: "Disable a member: their tokens stop working, their history stays",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withStore(cmd.Context(), func(db *store.DB) error {
				yes := true
				m, err := db.UpdateMember(cliContext(cmd.Context()), args[0], ward.MemberUpdate{Disabled: &yes})
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "member/%s disabled\n", m.Email)
				return nil
			})
		},
	}
}
