package main

import (
	"github.com/spf13/cobra"

	"github.com/ecsfix/ecsfix/fix"
	"github.com/ecsfix/ecsfix/internal/textsafe"
)

func newCmdRollback(g *globalOptions) *cobra.Command {
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "rollback JOURNAL",
		Short: "Return services and clusters to the state recorded in an apply journal",
		Long: `rollback reads the journal of an apply and returns each service it changed to its previous revision
and settings, and each cluster to its previous settings. It never deletes or deregisters anything (new
task-definition revisions stay registered). It is journalled itself, and running it again converges.`,
		Example: `  ecsfix rollback plan.json.journal
  ecsfix rollback plan.json.journal --dry-run`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			awsCfg, err := awsConfig(cmd.Context())
			if err != nil {
				return err
			}
			_, err = fix.Rollback(cmd.Context(), awsCfg, args[0], fix.Options{
				DryRun: dryRun, Out: textsafe.NewWriter(g.io.Out), Log: g.log, Concurrency: g.cfg.Fix.Concurrency, MaxAttempts: g.cfg.Scan.MaxAttempts,
			})
			return err
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the calls it would make, changing nothing")
	return cmd
}
