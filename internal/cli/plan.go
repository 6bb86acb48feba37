package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/report"
	"github.com/ecsfix/ecsfix/detect/snapshot"
	"github.com/ecsfix/ecsfix/plan"
)

type planOptions struct {
	g        *globalOptions
	snapshot string
	out      string
	controls []string
	findings string
	format   string
	write    bool
	accounts accountOptions
}

func newCmdPlan(g *globalOptions) *cobra.Command {
	o := &planOptions{g: g, accounts: accountOptions{verb: "plan"}}
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show the changes that would fix the findings, and save them as a plan file",
		Long: `plan scans (live, or from --snapshot), decides how to fix each finding, and prints the changes like
terraform plan: a unified diff of every new task-definition revision and of every service and cluster
update, each labelled with the controls it fixes, its risk and the preconditions checked. Nothing is
changed. With --out the plan is saved for review (ecsfix show), approval (ecsfix approve) and
ecsfix apply.

--control means what it means on scan: only those controls are evaluated, so only their findings are
fixed. The configuration's fix.controls narrows what is fixed among the findings.

--format patch prints, instead, the fixes of the task definitions read from files (--snapshot) as a
unified diff of those files that git apply takes: the same edits as a new revision would get, written
into each file with its layout kept. Its header lists the changes AWS needs first (a log group, a role
grant) and the fixes left out, with why. --write makes the edits in the files themselves.`,
		Example: `  ecsfix plan --snapshot testdata/demo
  ecsfix plan --snapshot deploy/ --format patch > fix.patch && git apply fix.patch
  ecsfix plan --snapshot deploy/ --format patch --write
  ecsfix plan --out plan.json
  ecsfix plan --control ECS.5 --control ECS.12 --out plan.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return planRun(cmd.Context(), o, cmd.Flags().Changed("region") || cmd.Flags().Changed("all-regions"))
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.snapshot, "snapshot", "", "plan from a snapshot (a file or folder of AWS CLI JSON output or task-definition files) instead of the live API")
	f.StringVar(&o.out, "out", "", "write the plan file here")
	f.StringArrayVar(&o.controls, "control", nil, "evaluate, and so fix, only this control id (repeatable), as scan --control does")
	f.StringVar(&o.format, "format", "text", "output format: text (the plan) or patch (a diff of the task-definition files read with --snapshot)")
	f.BoolVar(&o.write, "write", false, "with --format patch: make the edits in the files themselves")
	addFindingsFlag(f, &o.findings)
	o.accounts.addFlags(f, true)
	return cmd
}

func planRun(ctx context.Context, o *planOptions, regionFlags bool) error {
	if err := validateControls(o.controls); err != nil {
		return err
	}
	switch {
	case o.format != "text" && o.format != "patch":
		return usageErrorf("--format: %q is not text or patch", o.format)
	case o.write && o.format != "patch":
		return usageErrorf("--write goes with --format patch")
	case o.format == "patch" && o.snapshot == "":
		return usageErrorf("--format patch edits task-definition files: give them with --snapshot")
	}
	o.g.warnOffControls(o.controls)
	fs, err := o.g.readFindings(ctx, o.findings)
	if err != nil {
		return err
	}
	p, rep, inv, err := o.g.makePlanOf(ctx, source{snapshot: o.snapshot, regionFlags: regionFlags, accounts: &o.accounts,
		keepResults: fs != nil, releaseInventory: o.format != "patch"}, o.controls)
	if err != nil {
		return err
	}
	if p, err = o.g.limitToFindings(p, rep, fs, o.controls); err != nil {
		return err
	}
	// From here on only the plan is needed (and the report's read errors, the inventory for a patch): the
	// results go, so that a large snapshot's are collected while the plan is printed.
	rep.Results = nil
	if o.format != "patch" {
		inv = nil // a patch is made of the inventory; nothing else reads it from here on
	}
	// The inventory (unless a patch is made of it) and the planner's work are garbage now: collected
	// here, the collector's pace for the printing (memlimit.go) is set from what the plan alone holds, not
	// from what the planning held.
	runtime.GC()
	if o.format == "patch" {
		if err := o.patch(p, inv); err != nil {
			return err
		}
	} else {
		if err := plan.RenderText(o.g.io.Out, p, o.g.renderOptions(o.g.io.colorOut())); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
	}
	if o.out != "" {
		if err := writePlanFile(o.out, p); err != nil {
			return err
		}
		o.g.log.Info("plan written", "file", o.out, "actions", len(p.Actions), "hash", p.ContentHash())
	}
	if rep.Incomplete() {
		// The plan holds actions only for resources that were read; what could not be read is neither
		// passed nor fixed, and the exit code says the picture is partial.
		for _, e := range rep.Errors {
			if e.ResourceType == snapshot.ResourceTypeFile {
				continue // the snapshot's reader has already logged the file and why
			}
			o.g.log.Warn("could not read; not planned", "account", e.Account, "resource", e.Resource, "operation", e.Operation, "error", e.Message)
		}
		return incompleteError(rep)
	}
	return nil
}

// makePlan reads and evaluates the estate, then plans its fixes. controls (--control), when set, are the
// only controls evaluated, as for scan: in the scan and in the planner's own evaluation of the
// revisions services run; fix.controls then narrows what is fixed among their findings.
func (g *globalOptions) makePlan(ctx context.Context, src source, controls []string) (*plan.Plan, *report.Report, error) {
	p, rep, _, err := g.makePlanOf(ctx, src, controls)
	return p, rep, err
}

// makePlanOf is makePlan that also returns the inventory planned from.
func (g *globalOptions) makePlanOf(ctx context.Context, src source, controls []string) (*plan.Plan, *report.Report, *detect.Inventory, error) {
	rep, inv, err := g.inventory(ctx, src, controls)
	if err != nil {
		return nil, nil, nil, err
	}
	results := rep.Results
	var evaluated []string
	if !src.keepResults {
		// Nothing reads the results after the plan (plan and apply --auto print no scan report, and
		// read the results only to verify --findings, with keepResults): the planner gets the failed
		// ones and is told which controls were evaluated; the rest go before the plan is built, and the
		// failed ones once the planner has routed them (the report keeps none).
		results, evaluated = plan.ForPlanning(rep.Results)
		rep.Results = nil
	}
	p, err := g.planResults(inv, rep, results, controls, evaluated, src.releaseInventory)
	if err != nil {
		return nil, nil, nil, err
	}
	return p, rep, inv, nil
}

// planOf plans the fixes of an inventory read and evaluated; evaluated, when rep's results were narrowed
// to the failed ones (plan.ForPlanning), are the controls evaluated.
func (g *globalOptions) planOf(inv *detect.Inventory, rep *report.Report, controls, evaluated []string) (*plan.Plan, error) {
	return g.planResults(inv, rep, rep.Results, controls, evaluated, false)
}

// planResults is planOf planning from results rather than rep's (rep gives the source); release gives the
// inventory up to the planner (plan.Options.ReleaseInventory): the caller must read nothing of it after.
func (g *globalOptions) planResults(inv *detect.Inventory, rep *report.Report, results []detect.Result, controls, evaluated []string, release bool) (*plan.Plan, error) {
	opts := g.cfg.PlanOptions()
	opts.ToolVersion = toolVersion()
	opts.Now = time.Now().UTC()
	opts.Source = plan.Source{Kind: rep.Source.Kind, Path: rep.Source.Path, Regions: rep.Source.Regions}
	settings := g.cfg.Settings()
	if len(controls) > 0 {
		settings.Controls = controls
	}
	opts.Settings = &settings // exemptions (and --control) apply to the revisions services run, too
	opts.Evaluated = evaluated
	opts.ReleaseInventory = release
	p, err := plan.Build(inv, results, opts)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	return p, nil
}

// writePlanFile writes a plan atomically (a temporary file renamed over the target), so that an
// interrupted write never leaves a truncated plan.
func writePlanFile(path string, p *plan.Plan) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ecsfix-plan-*")
	if err != nil {
		return fmt.Errorf("write plan %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := plan.Write(tmp, p); err != nil { // plan.Write buffers its own writes
		tmp.Close()
		return fmt.Errorf("write plan %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write plan %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write plan %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write plan %s: %w", path, err)
	}
	return nil
}
