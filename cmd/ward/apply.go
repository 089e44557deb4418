package main

import (
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/spf13/cobra"
	"github.com/wardsec/ward"
	"github.com/wardsec/ward/holiday"
	"github.com/wardsec/ward/store"
	"github.com/wardsec/ward/teamfile"
)

func (e *env) applyCmd() *cobra.Command {
	var file, output string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "apply -f FILE",
		Short: "Create or update the team from a YAML file, like kubectl apply",
		Long: `Create or update the team from a YAML file, like kubectl apply.

Applying the same file twice changes nothing. Keys a member leaves out keep
their current value. Members are never deleted: set disabled: true. The whole
file is applied in one transaction: one bad entry and nothing is written.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "text" && output != "json" {
				return ward.Errorf(ward.EINVALID, "-o %q: want text or json", output)
			}
			data, name, err := e.readFile(file)
			if err != nil {
				return err
			}
			spec, err := teamfile.Parse(name, data, holiday.Normalize)
			if err != nil {
				return err
			}
			open := e.withStore
			if dryRun {
				open = e.withExistingStore // a dry run writes nothing, not even a schema
			}
			return open(cmd.Context(), func(db *store.DB) error {
				changes, err := db.ApplyTeam(cliContext(cmd.Context()), spec, dryRun)
				if code := ward.ErrorCode(err); code != "" && code != ward.EINTERNAL {
					return ward.Errorf(code, "%s: %s", name, ward.ErrorMessage(err))
				}
				if err != nil {
					return fmt.Errorf("apply %s: %w", name, err)
				}
				return printChanges(e.stdout, changes, len(spec.Members)+len(spec.Rotations)+len(spec.Tiers), dryRun, output)
			})
		},
	}
	cmd.Flags().StringVarP(&file, "filename", "f", "", "team file to apply; - for standard input")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print what would change and write nothing")
	cmd.Flags().StringVarP(&output, "output", "o", "text", "text or json")
	_ = cmd.MarkFlagRequired("filename") // cannot fail: the flag exists
	return cmd
}

func (e *env) readFile(file string) ([]byte, string, error) {
	if file == "-" {
		data, err := io.ReadAll(e.stdin)
		if err != nil {
			return nil, "", fmt.Errorf("read standard input: %w", err)
		}
		return data, "<stdin>", nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, "", ward.Errorf(ward.EINVALID, "read %s: %v", file, err)
	}
	return data, file, nil
}

// printChanges reports like kubectl: one line per object that changes, with
// what changes, then a count of those left as they were.
func printChanges(w io.Writer, changes []ward.Change, declared int, dryRun bool, output string) error {
	if output == "json" {
		return printJSON(w, struct {
			DryRun  bool          `json:"dry_run"`
			Changes []ward.Change `json:"changes"`
		}{dryRun, changes})
	}
	suffix := ""
	if dryRun {
		suffix = " (dry run)"
	}
	for _, c := range changes {
		verb := "configured"
		if c.Action == "create" {
			verb = "created"
		}
		fmt.Fprintf(w, "%s %s%s\n", c.Object, verb, suffix)
		if c.Action == "update" {
			fields := make([]string, 0, len(c.Diff))
			for f := range c.Diff {
				fields = append(fields, f)
			}
			sort.Strings(fields)
			for _, f := range fields {
				fmt.Fprintf(w, "  %s: %v → %v\n", f, c.Diff[f][0], c.Diff[f][1])
			}
		}
	}
	if n := declared - len(changes); n > 0 {
		fmt.Fprintf(w, "%d unchanged\n", n)
	}
	return nil
}
