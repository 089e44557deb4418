package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/wardsec/ward/cvss"
)

func (e *env) cvssCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "cvss VECTOR",
		Short: "Print the score and rating of a CVSS 3.0, 3.1 or 4.0 vector, such as 9.8 Critical",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := cvss.Parse(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%.1f %s\n", s.Score, s.Rating)
			return nil
		},
	}
}
