package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecsfix/ecsfix/detect/report"
	"github.com/ecsfix/ecsfix/plan"
)

type planOptions struct {
	g        *globalOptions
	snapshot string
	out      string
	controls []string
	findings string
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
fixed. The configuration's fix.controls narrows what is fixed among the findings.`,
		Example: `  ecsfix plan --snapshot testdata/demo
  ecsfix plan --out plan.json
  ecsfix plan --control ECS.5 --control ECS.12 --out plan.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return planRun(cmd.Context(), o, cmd.Flags().Changed("region") || cmd.Flags().Changed("all-regions"))
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.snapshot, "snapshot", "", "plan from a snapshot (a file or folder of AWS CLI JSON output) instead of the live API")
	f.StringVar(&o.out, "out", "", "write the plan file here")
	f.StringArrayVar(&o.controls, "control", nil, "evaluate, and so fix, only this control id (repeatable), as scan --control does")
	addFindingsFlag(f, &o.findings)
	o.accounts.addFlags(f, true)
	return cmd
}

func planRun(ctx context.Context, o *planOptions, regionFlags bool) error {
	if err := validateControls(o.controls); err != nil {
		return err
	}
	o.g.warnOffControls(o.controls)
	fs, err := o.g.readFindings(ctx, o.findings)
	if err != nil {
		return err
	}
	p, rep, err := o.g.makePlan(ctx, source{snapshot: o.snapshot, regionFlags: regionFlags, accounts: &o.accounts}, o.controls)
	if err != nil {
		return err
	}
	if p, err = o.g.limitToFindings(p, rep, fs, o.controls); err != nil {
		return err
	}
	ropts := plan.RenderOptions{Color: o.g.io.colorOut(), UnattendedRisk: o.g.cfg.UnattendedRisk(), RiskOverrides: o.g.cfg.PlanOptions().Risk}
	if err := plan.RenderText(o.g.io.Out, p, ropts); err != nil {
		return fmt.Errorf("write output: %w", err)
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
	rep, inv, err := g.inventory(ctx, src, controls)
	if err != nil {
		return nil, nil, err
	}
	opts := g.cfg.PlanOptions()
	opts.ToolVersion = toolVersion()
	opts.Now = time.Now().UTC()
	opts.Source = plan.Source{Kind: rep.Source.Kind, Path: rep.Source.Path, Regions: rep.Source.Regions}
	settings := g.cfg.Settings()
	if len(controls) > 0 {
		settings.Controls = controls
	}
	opts.Settings = &settings // exemptions (and --control) apply to the revisions services run, too
	p, err := plan.Build(inv, rep.Results, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("plan: %w", err)
	}
	return p, rep, nil
}

// writePlanFile writes a plan atomically (a temporary file renamed over the target), so that an
// interrupted write never leaves a truncated plan.
func writePlanFile(path string, p *plan.Plan) error {
	var buf bytes.Buffer
	if err := plan.Write(&buf, p); err != nil {
		return fmt.Errorf("write plan %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ecsfix-plan-*")
	if err != nil {
		return fmt.Errorf("write plan %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(buf.Bytes()); err != nil {
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
