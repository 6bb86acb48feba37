package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ecsfix/ecsfix/fix"
	"github.com/ecsfix/ecsfix/internal/textsafe"
	"github.com/ecsfix/ecsfix/plan"
)

func newCmdRollback(g *globalOptions) *cobra.Command {
	var dryRun, updateFindings bool
	var planFile string
	acct := accountOptions{verb: "rollback"} // the role that reaches the plan's other accounts
	cmd := &cobra.Command{
		Use:   "rollback [--plan PLAN] JOURNAL",
		Short: "Return services and clusters to the state recorded in an apply journal",
		Long: `rollback reads the journal of an apply and returns each service it changed to its previous revision
and settings, and each cluster to its previous settings. It never deletes or deregisters anything (new
task-definition revisions stay registered). It is journalled itself, and running it again converges.

It acts only on states the plan itself recorded: it needs the plan the journal applied (--plan, by default
the plan path the journal's header names), which must be the journal's plan (same content hash), valid
and approved as an apply of the reversed changes would require (undoing a change is rated like making
the reverse change; approvals valid at the apply or now count); a step whose journalled state before
differs from the plan's is refused and not run (the others are). A journal that fails its chain (edited,
reordered, pieced together) is refused whole, and a journal another apply or rollback is using is
refused at once.

A rollback whose writes take 5 seconds or more under AWS's documented API limits says first, on stderr,
how long it takes at least; on a terminal it draws a bar of its steps with the least time left.

--update-findings (securityhub.update_findings) sets the Security Hub findings the apply had RESOLVED,
and whose actions were rolled back, back to NEW with a note naming the plan; it is journalled too.`,
		Example: `  ecsfix rollback plan.json.journal
  ecsfix rollback --plan plan.json plan.json.journal --dry-run`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			journal := args[0]
			// The journal first: a missing, empty or wrong file is said before anything else is read.
			recs, err := fix.ReadJournal(journal)
			if err != nil {
				return applyError(err)
			}
			file := planFile
			if file == "" {
				if file = recs[0].PlanPath; file == "" {
					return usageErrorf("journal %s does not name its plan (apply --auto saves its plan only with --out): give it with --plan", journal)
				}
			}
			p, err := plan.ReadFile(file)
			if err != nil {
				if planFile == "" {
					return fmt.Errorf("rollback needs the plan the journal applied, which its header names: %w (give the plan with --plan FILE)", err)
				}
				return fmt.Errorf("--plan: rollback needs the plan the journal applied: %w", err)
			}
			if err := acct.checkForPlan(g.cfg); err != nil {
				return err
			}
			awsCfg, err := g.awsConfig(cmd.Context())
			if err != nil {
				return err
			}
			approvals, err := g.cfg.ApprovalPolicy()
			if err != nil {
				return err
			}
			opts := fix.Options{
				DryRun: dryRun, Out: textsafe.NewWriter(g.io.Out), Log: g.log, Concurrency: g.cfg.Fix.Concurrency, MaxAttempts: g.cfg.Scan.MaxAttempts,
				Pacer: g.pacer(), RoleName: acct.roleName, ExternalID: acct.externalID, // the plan's other accounts: filled from accounts.* by checkForPlan
				Regions: g.cfg.Regions, UnattendedRisk: g.cfg.UnattendedRisk(), RiskOverrides: g.cfg.PlanOptions().Risk, Approvals: approvals,
			}
			if g.cfg.AllRegions {
				opts.Regions = actionRegions(p)
			}
			g.announceRollback(p, recs, dryRun)
			prog := g.newRollbackProgress(p, recs, dryRun)
			prog.options(&opts)
			rep, err := fix.Rollback(cmd.Context(), awsCfg, p, journal, opts)
			prog.finish()
			if (updateFindings || g.cfg.SecurityHub.UpdateFindings) && rep != nil && len(rep.Actions) > 0 &&
				(err == nil || errors.Is(err, fix.ErrIncomplete)) {
				if ferr := g.reopenFindings(cmd.Context(), p, rep, journal, dryRun); ferr != nil && err == nil {
					return ferr
				}
			}
			return rollbackError(rep, err)
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the calls it would make, changing nothing")
	cmd.Flags().BoolVar(&updateFindings, "update-findings", false, "set the Security Hub findings the apply resolved back to NEW (default: securityhub.update_findings)")
	cmd.Flags().StringVar(&planFile, "plan", "", "the plan the journal applied (default: the plan path its header names)")
	acct.addFlags(cmd.Flags(), false)
	return cmd
}

// rollbackError is applyError in the rollback's own words when steps were refused or failed (exit 1):
// the applier's error says "the apply is incomplete", which reads wrong after a rollback.
func rollbackError(rep *fix.Report, err error) error {
	if !errors.Is(err, fix.ErrIncomplete) || rep == nil || rep.DryRun {
		return applyError(err)
	}
	var left []string
	for _, a := range rep.Actions {
		if a.Status == fix.StatusFailed || a.Status == fix.StatusNotRun {
			left = append(left, a.ID)
		}
	}
	if len(left) == 0 {
		return applyError(err)
	}
	return &exitCodeError{code: exitError, err: fmt.Errorf("the rollback is incomplete: %s not rolled back (each is listed above with why; "+
		"the other steps were rolled back): return a resource changed since the apply by hand, or run rollback again once what "+
		"stopped a step is resolved", strings.Join(left, ", "))}
}
