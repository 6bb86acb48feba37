package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecsfix/ecsfix/fix"
	"github.com/ecsfix/ecsfix/internal/textsafe"
	"github.com/ecsfix/ecsfix/plan"
)

type applyOptions struct {
	g                 *globalOptions
	auto              bool
	dryRun            bool
	journal           string
	out               string
	wait              bool
	rollbackOnFailure bool
	accounts          accountOptions
	findings          string // --findings (with --auto)
	updateFindings    bool   // --update-findings, or securityhub.update_findings
}

func newCmdApply(g *globalOptions) *cobra.Command {
	o := &applyOptions{g: g, accounts: accountOptions{verb: "apply"}}
	cmd := &cobra.Command{
		Use:   "apply [FILE | --auto]",
		Short: "Apply a saved plan, or (--auto) scan, plan and apply the unattended-risk fixes",
		Long: `apply FILE applies a saved plan as a whole. It first re-reads every resource the plan touches and
refuses a stale plan (anything changed since planning) naming what changed; it refuses a plan with an
action above the unattended risk (fix.unattended_risk, default low) without enough approvals that count
(approvals.*: signed by allowed signers, a quorum of distinct signers, maximum plan and approval ages),
and a plan for another account or region. Then it applies in dependency order, recording every step in a
journal, so that running it again after an interruption resumes where it stopped.

apply FILE --dry-run makes the same checks, prints every call it would make and changes nothing. It works
on a plan nobody approved yet: after the calls it says what an apply would need approved (the actions,
their risks, the quorum) and exits 0; apply without --dry-run still refuses that plan (exit 6).

apply --auto scans the live estate, plans, and applies only the actions at or below the unattended risk,
without approval; it prints what it did and what it left for approval. A service's fixes are separate
actions by risk (platform version, revision move, network), so a low-risk one is applied even when the
service's others need approval. Meant for a schedule. With --findings (securityhub, a file, or - for
stdin) it acts only on the actions that resolve those findings' live ones, as plan --findings does.

--update-findings (securityhub.update_findings) then updates, in the caller's Security Hub, each finding
the plan's actions name: RESOLVED with a note (what was done, the plan's content hash, who approved) when
all its actions succeeded; NOTIFIED with a note naming what waits when apply --auto left some for
approval; a note alone, status unchanged, when one failed. Never SUPPRESSED. Each update is journalled,
so a resumed apply does not update a finding twice; with --dry-run it prints the updates it would make.`,
		Example: `  ecsfix apply plan.json --dry-run
  ecsfix apply plan.json --journal plan.journal --wait --rollback-on-failure
  stamp=$(date -u +%FT%H%M%S)  # one journal and one plan per run: rollback needs both
  ecsfix apply --auto --journal "/var/log/ecsfix/$stamp.journal" --out "/var/log/ecsfix/$stamp.plan.json"
  ecsfix apply --auto --findings securityhub --update-findings --out "$stamp.plan.json"`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			regionFlags := cmd.Flags().Changed("region") || cmd.Flags().Changed("all-regions")
			switch {
			case o.auto && len(args) > 0:
				return usageErrorf("give either a plan FILE or --auto, not both")
			case o.auto:
				return applyAuto(cmd.Context(), o, regionFlags)
			case len(args) == 0:
				return usageErrorf("apply needs a plan FILE (from ecsfix plan --out FILE), or --auto")
			case o.out != "":
				return usageErrorf("--out goes with --auto")
			case o.findings != "":
				return usageErrorf("--findings goes with --auto (a saved plan records the findings it resolves: plan --findings)")
			}
			return applyFile(cmd.Context(), o, args[0])
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.auto, "auto", false, "scan, plan and apply only the actions at or below the unattended risk")
	f.BoolVar(&o.dryRun, "dry-run", false, "check everything and print each API call it would make, and what needs approval, changing nothing")
	f.StringVar(&o.journal, "journal", "", "journal file (default: FILE.journal; with --auto: ecsfix-auto-TIME.journal)")
	f.StringVar(&o.out, "out", "", "with --auto: also save the plan it applied (rollback needs it: without it the run cannot be rolled back)")
	f.BoolVar(&o.wait, "wait", false, "wait for updated services to reach a steady state (fix.wait_timeout)")
	f.BoolVar(&o.rollbackOnFailure, "rollback-on-failure", false, "with --wait: return a service whose deployment failed to its previous revision")
	addFindingsFlag(f, &o.findings)
	f.BoolVar(&o.updateFindings, "update-findings", false, "update the Security Hub findings the plan's actions resolve: RESOLVED, NOTIFIED or a note (default: securityhub.update_findings)")
	o.accounts.addFlags(f, true)
	return cmd
}

func (o *applyOptions) fixOptions(journal string) fix.Options {
	cfg := o.g.cfg
	return fix.Options{
		DryRun:            o.dryRun,
		JournalPath:       journal,
		ToolVersion:       toolVersion(),
		Regions:           cfg.Regions,
		Out:               textsafe.NewWriter(o.g.io.Out), // the applier prints names and errors from the plan and AWS
		Log:               o.g.log,
		UnattendedRisk:    cfg.UnattendedRisk(),
		RiskOverrides:     cfg.PlanOptions().Risk,
		Configured:        cfg.ConfiguredValues(),
		Concurrency:       cfg.Fix.Concurrency,
		Wait:              o.wait,
		WaitTimeout:       cfg.Fix.WaitTimeout,
		ResumeWindow:      cfg.Fix.ResumeWindow,
		RollbackOnFailure: o.rollbackOnFailure,
		MaxAttempts:       cfg.Scan.MaxAttempts,
		Pacer:             o.g.pacer(),
		RoleName:          o.accounts.roleName, // filled from accounts.role_name by accountOptions.check
		ExternalID:        o.accounts.externalID,
	}
}

func applyFile(ctx context.Context, o *applyOptions, file string) error {
	if o.rollbackOnFailure && !o.wait {
		return usageErrorf("--rollback-on-failure needs --wait")
	}
	if err := o.accounts.checkForPlan(o.g.cfg); err != nil {
		return err
	}
	p, err := plan.ReadFile(file)
	if err != nil {
		return err
	}
	if files := p.FileTaskDefinitions(); len(files) > 0 {
		return fmt.Errorf("plan %s: its task definitions are files, not revisions in AWS (%s): ecsfix apply has nothing to register them from; fix the files with ecsfix plan --snapshot PATH --format patch", file, strings.Join(files, ", "))
	}
	journal := o.journal
	if journal == "" {
		journal = file + ".journal"
	}
	awsCfg, err := o.g.awsConfig(ctx)
	if err != nil {
		return err
	}
	opts := o.fixOptions(journal)
	opts.PlanPath = file
	if opts.Approvals, err = o.g.cfg.ApprovalPolicy(); err != nil {
		return err
	}
	if opts.Approvals.Signers == nil {
		fmt.Fprintln(o.g.io.ErrOut, "warning: approvals.allowed_signers is not set: approvals are unsigned records, which anyone who can write the plan file can add")
	}
	if o.g.cfg.AllRegions {
		opts.Regions = actionRegions(p) // --all-regions: whatever regions the plan names
	}
	o.g.announceApply(p, o.dryRun)
	prog := o.progress(p)
	prog.options(&opts)
	rep, err := fix.Apply(ctx, awsCfg, p, opts)
	prog.finish()
	if o.updating() && findingsAfter(rep, err) {
		now := time.Now()
		if opts.Now != nil {
			now = opts.Now()
		}
		approvers := fix.ApproverNames(p.CheckApprovals(opts.Approvals, now))
		if rep.NeedsApproval != nil { // a dry run of a plan not approved yet: the notes it prints say so
			approvers = []string{"(not yet: the plan needs approval)"}
		}
		if ferr := o.g.updateFindings(ctx, p, rep, nil, approvers, journal, o.dryRun); ferr != nil && err == nil {
			return ferr
		}
	}
	return deploymentError(applyError(err), rep, "with ecsfix rollback "+journal)
}

// progress is the bar drawn while p is applied (nil for a dry run, which finishes no action, or when
// stderr is not a terminal).
func (o *applyOptions) progress(p *plan.Plan) *applyProgress {
	if o.dryRun {
		return nil
	}
	return o.g.newApplyProgress(p, o.wait)
}

// updating says whether apply updates findings: --update-findings, or securityhub.update_findings.
func (o *applyOptions) updating() bool {
	return o.updateFindings || o.g.cfg.SecurityHub.UpdateFindings
}

// findingsAfter says whether an apply that returned rep and err ran its actions (all, or some failing),
// so that the findings they name are updated; a refused plan (stale, not approved, a journal refused)
// updates nothing.
func findingsAfter(rep *fix.Report, err error) bool {
	return rep != nil && len(rep.Actions) > 0 && (err == nil || errors.Is(err, fix.ErrIncomplete))
}

func applyAuto(ctx context.Context, o *applyOptions, regionFlags bool) error {
	if o.rollbackOnFailure && !o.wait {
		return usageErrorf("--rollback-on-failure needs --wait")
	}
	fs, err := o.g.readFindings(ctx, o.findings)
	if err != nil {
		return err
	}
	full, rep, err := o.g.makePlan(ctx, source{regionFlags: regionFlags, accounts: &o.accounts, keepResults: fs != nil, releaseInventory: true}, nil)
	if err != nil {
		return err
	}
	if full, err = o.g.limitToFindings(full, rep, fs, nil); err != nil {
		return err
	}
	unattended := o.g.cfg.UnattendedRisk()
	overrides := o.g.cfg.PlanOptions().Risk
	p, left := full.Subset(unattended, overrides)
	leftWhy := full.LeftOut(unattended, overrides)
	for i := range left { // what the list below and the findings' notes say is the risk that counts
		left[i].Risk = full.EffectiveRisk(left[i], overrides)
	}
	if o.out != "" {
		if err := writePlanFile(o.out, p); err != nil {
			return err
		}
	}
	journal := o.journal
	if journal == "" {
		journal = "ecsfix-auto-" + time.Now().UTC().Format("20060102T150405Z") + ".journal"
	}
	fmt.Fprintf(o.g.io.Out, "ecsfix apply --auto: %d action(s) at or below %s risk to apply, %d left for approval.\n", len(p.Actions), unattended, len(left))
	if len(p.Actions) > 0 {
		awsCfg, err := o.g.awsConfig(ctx)
		if err != nil {
			return err
		}
		opts := o.fixOptions(journal)
		opts.Regions = rep.Source.Regions // the regions just scanned
		if o.out != "" {
			opts.PlanPath = o.out
		}
		o.g.announceApply(p, o.dryRun)
		prog := o.progress(p)
		prog.options(&opts)
		frep, err := fix.Apply(ctx, awsCfg, p, opts)
		prog.finish()
		if o.updating() && findingsAfter(frep, err) {
			if ferr := o.g.updateFindings(ctx, p, frep, left, nil, journal, o.dryRun); ferr != nil && err == nil {
				return ferr
			}
		}
		if err != nil {
			undo := "with ecsfix rollback " + journal
			if o.out == "" {
				undo = "by hand (this run saved no plan, which ecsfix rollback needs: give --out next time)"
			}
			return deploymentError(applyError(err), frep, undo)
		}
	}
	if len(p.Actions) == 0 && o.updating() && len(left) > 0 {
		// Nothing applied, so no journal: the findings that wait are marked NOTIFIED, unrecorded.
		if err := o.g.updateFindings(ctx, p, nil, left, nil, "", o.dryRun); err != nil {
			return err
		}
	}
	if len(left) > 0 {
		fmt.Fprintf(o.g.io.Out, "\nLeft for approval (run ecsfix plan --out FILE, then approve and apply it):\n")
		for _, a := range left {
			fmt.Fprintf(o.g.io.Out, "  %-4s %-6s %s  %s\n", textsafe.Line(a.ID), textsafe.Line(string(a.Risk)),
				textsafe.Line(a.Summary), textsafe.Line(a.Resource))
			fmt.Fprintf(o.g.io.Out, "       left for approval: %s\n", textsafe.Line(leftWhy[a.ID]))
		}
	}
	if rep.Incomplete() {
		// Nothing that could not be read was planned or changed; the exit code says the scan was partial.
		for _, e := range rep.Errors {
			o.g.log.Warn("could not read; not planned", "account", e.Account, "resource", e.Resource, "operation", e.Operation, "error", e.Message)
		}
		return incompleteError(rep)
	}
	if len(left) > 0 {
		return &exitCodeError{code: exitLeftForApproval}
	}
	return nil
}

// applyError maps the applier's refusals and outcomes to their exit codes (nil stays nil).
func applyError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, fix.ErrStale):
		return &exitCodeError{code: exitStale, err: err}
	case errors.Is(err, fix.ErrNotApproved):
		return &exitCodeError{code: exitNotApproved, err: err}
	case errors.Is(err, fix.ErrDeploymentFailed):
		return &exitCodeError{code: exitDeploymentFailed, err: err}
	case errors.Is(err, fix.ErrJournalLocked):
		return &exitCodeError{code: exitJournalLocked, err: err}
	case errors.Is(err, fix.ErrJournalMismatch), errors.Is(err, fix.ErrJournalTampered):
		return &exitCodeError{code: exitJournalRefused, err: err}
	}
	return err
}

// actionRegions lists the regions a plan's actions are in.
func actionRegions(p *plan.Plan) []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range p.Actions {
		if !seen[a.Region] {
			seen[a.Region] = true
			out = append(out, a.Region)
		}
	}
	return out
}

// deploymentError adds to a failed deployment (exit 7) what became of each failed service and what to
// do (undo: how to undo the run, "with ecsfix rollback JOURNAL"); any other error is returned as it is.
func deploymentError(err error, rep *fix.Report, undo string) error {
	if !errors.Is(err, fix.ErrDeploymentFailed) || rep == nil {
		return err
	}
	var left, returned []string
	for _, w := range rep.Waits {
		switch {
		case w.Failed && w.RolledBack:
			returned = append(returned, w.Service)
		case w.Failed:
			left = append(left, w.Service)
		}
	}
	msg := err.Error() + " (each service's reason is listed above)"
	if len(returned) > 0 {
		msg += "; returned to its previous revision (--rollback-on-failure): " + strings.Join(returned, ", ")
	}
	if len(left) > 0 {
		msg += "; still updated as the plan says: " + strings.Join(left, ", ") + ": read the service's events, then wait " +
			"longer (fix.wait_timeout) or undo the run " + undo
	}
	return &exitCodeError{code: exitDeploymentFailed, err: errors.New(msg)}
}
