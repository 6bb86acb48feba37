package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsclient"
	"github.com/ecsfix/ecsfix/detect/report"
	"github.com/ecsfix/ecsfix/detect/snapshot"
)

// source is where a command reads the estate from: a snapshot path, or the live API.
type source struct {
	snapshot    string
	regionFlags bool            // --region or --all-regions given on the command line
	accounts    *accountOptions // --accounts, --org and the member role (accounts.go)
	// keepResults keeps every result in the report of a plan (makePlanOf): its caller reads them after
	// the plan (--findings verifies each finding against them). Otherwise only the failed ones are kept.
	keepResults bool
	// origins finds where each resource of a snapshot is in its file (report.Report.Origins), which only
	// SARIF shows; without it the load spares the reading of each file again that finds them.
	origins bool
	// releaseInventory gives the inventory up to the planner (plan.Options.ReleaseInventory): its caller
	// reads nothing of it after the plan (no patch is made of it), so a large estate's revisions go as
	// the planner is done with them rather than being held beside the plan.
	releaseInventory bool
}

// inventory reads the estate and evaluates it: the shared first half of scan, plan and apply --auto.
func (g *globalOptions) inventory(ctx context.Context, src source, controls []string) (*report.Report, *detect.Inventory, error) {
	if src.snapshot != "" && src.regionFlags {
		return nil, nil, usageErrorf("--region and --all-regions apply to live scans, not to --snapshot")
	}
	if err := src.checkAccounts(g.cfg); err != nil {
		return nil, nil, err
	}
	for _, e := range g.cfg.ExpiredExemptions(time.Now()) {
		g.log.Warn("exemption has expired and no longer applies", "control", e.Control, "arn", e.ARN, "tag", e.Tag, "expired", e.Expires)
	}
	rep := &report.Report{ToolVersion: toolVersion()}
	var inv *detect.Inventory
	if src.snapshot != "" {
		start := time.Now()
		// The load and the evaluation run under a soft memory limit derived from the snapshot's size;
		// once the results are in, the limit is lifted and the collector paced to the same budget for the
		// rest of the command (memlimit.go), until run releases it.
		g.memory.release() // a bound of an earlier read (a test's, a benchmark's)
		g.memory = nil
		defer func() { g.memory.loaded() }()
		open := snapshot.OpenUnlocated
		if src.origins {
			open = snapshot.OpenSized
		}
		snap, err := open(src.snapshot, snapshot.Limits{
			MaxFileBytes: g.cfg.Snapshot.MaxFileBytes, MaxFiles: g.cfg.Snapshot.MaxFiles, MaxTotalBytes: g.cfg.Snapshot.MaxTotalBytes,
		}, func(size int64) { g.memory = boundMemory(size) })
		if err != nil {
			return nil, nil, err
		}
		inv = snap.Inventory
		rep.Source = report.Source{Kind: "snapshot", Path: src.snapshot, Regions: inv.Regions()}
		if snap.Origins != nil {
			rep.Origins = make(map[string]report.Origin, len(snap.Origins))
			for arn, at := range snap.Origins {
				rep.Origins[arn] = report.Origin{File: filepath.ToSlash(at.File), Line: at.Line}
			}
		}
		g.log.Info("snapshot read", "path", src.snapshot, "resources", inv.Count(), "took", time.Since(start).Round(time.Millisecond))
		g.logSnapshotProblems(snap)
	} else {
		var err error
		if inv, rep.Source, err = g.liveInventory(ctx, src.accounts); err != nil {
			return nil, nil, err
		}
		for _, td := range inv.TaskDefinitions {
			if len(td.UnknownFields) > 0 {
				g.log.Warn("AWS returned fields this build of ecsfix does not know; evaluated without them, and no new revision is planned from it (update ecsfix)",
					"taskDefinition", td.ARN(), "fields", strings.Join(td.UnknownFields[:min(len(td.UnknownFields), 5)], ","), "count", len(td.UnknownFields))
			}
		}
	}
	settings := g.cfg.Settings()
	if len(controls) > 0 {
		settings.Controls = controls
	}
	rep.Results = detect.Evaluate(inv, &settings)
	rep.Errors = inv.Errors
	rep.Resources = inv.Count()
	return rep, inv, nil
}

// logSnapshotProblems says, on stderr, which files of a snapshot could not be read (each is also a read
// error of the report, and the scan is incomplete) and which fields of task-definition files this build
// does not know (the task definitions are evaluated without them).
func (g *globalOptions) logSnapshotProblems(snap *snapshot.Snapshot) {
	for _, e := range snap.Inventory.Errors {
		if e.ResourceType == snapshot.ResourceTypeFile {
			g.log.Error("snapshot file not read; the scan is incomplete", "file", filepath.ToSlash(e.Resource), "error", e.Message)
		}
	}
	for _, w := range snap.Warnings {
		if w.Field == "" {
			g.log.Warn(w.Message, "file", filepath.ToSlash(w.File))
			continue
		}
		g.log.Warn("unknown field in a task-definition file; evaluated without it", "file", filepath.ToSlash(w.File), "line", w.Line, "column", w.Column, "field", w.Field)
	}
}

func validateControls(ids []string) error {
	for _, id := range ids {
		if _, ok := detect.Lookup(id); !ok {
			return usageErrorf("--control: unknown control id %q", id)
		}
	}
	return nil
}

// incompleteError is exit code 3, saying how many snapshot files and how many resources could not be read.
func incompleteError(rep *report.Report) error {
	files := 0
	for _, e := range rep.Errors {
		if e.ResourceType == snapshot.ResourceTypeFile {
			files++
		}
	}
	var err error
	switch {
	case files == 0:
		err = fmt.Errorf("scan incomplete: %d resource(s) could not be read", len(rep.Errors))
	case files == len(rep.Errors):
		err = fmt.Errorf("scan incomplete: %d snapshot file(s) could not be read", files)
	default:
		err = fmt.Errorf("scan incomplete: %d snapshot file(s) and %d resource(s) could not be read", files, len(rep.Errors)-files)
	}
	return &exitCodeError{code: exitIncomplete, err: err}
}

// awsConfig loads the SDK's standard configuration (environment, profile, SSO, instance role, …), then
// makes the first call (awsclient.Reach) in the first configured region (see withRegions), so that an
// endpoint that cannot be reached, or refuses the credentials, fails within seconds with one clear error
// rather than after every read's retries. Every client built from the configuration it returns is paced
// by the run's pacer and retries by ecsfix's budgets, the one-off calls too (the caller's identity, the
// enabled regions, the organization's accounts, the roles assumed in member accounts): the scan's and
// the apply's own clients add their counters to it.
func (g *globalOptions) awsConfig(ctx context.Context) (aws.Config, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return cfg, fmt.Errorf("load AWS configuration: %w", err)
	}
	cfg = awsclient.ConfigureWith(cfg, awsclient.Options{MaxAttempts: g.cfg.Scan.MaxAttempts, Pacer: g.pacer()})
	region := cfg.Region
	if rs, _ := ctx.Value(regionsKey{}).([]string); len(rs) > 0 {
		region = rs[0]
	}
	if region == "" {
		return cfg, nil // the command says that a region is needed
	}
	if _, err := awsclient.Reach(ctx, cfg, region); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// regionsKey holds, in a command's context, the regions the configuration names (--region, regions).
type regionsKey struct{}

// withRegions records the configured regions for awsConfig's first call.
func withRegions(ctx context.Context, regions []string) context.Context {
	return context.WithValue(ctx, regionsKey{}, regions)
}
