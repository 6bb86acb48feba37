package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/ecsfix/ecsfix/config"
	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/live"
	"github.com/ecsfix/ecsfix/detect/report"
)

type scanOptions struct {
	g        *globalOptions
	snapshot string
	format   string
	all      bool
	controls []string
	exitCode int
	findings string
	accounts accountOptions
}

func newCmdScan(g *globalOptions) *cobra.Command {
	o := &scanOptions{g: g, accounts: accountOptions{verb: "scan"}}
	cmd := &cobra.Command{
		Use:   "scan",
		Short: "Evaluate ECS controls and exposure traits, live or from a snapshot",
		Long: `scan evaluates every ECS control and exposure trait as Security Hub does.

Without --snapshot it reads the live estate through the AWS SDK's standard configuration
(AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, ...). With --snapshot it reads a file or a folder of
AWS CLI JSON output instead and needs no AWS account.`,
		Example: `  ecsfix scan --snapshot testdata/demo
  ecsfix scan --region eu-west-1 --region us-east-1 --format json
  ecsfix scan --snapshot export/ --format sarif > ecsfix.sarif
  ecsfix scan --control ECS.5 --control ECS.8 --exit-code 4`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return scanRun(cmd.Context(), o, cmd.Flags().Changed("region") || cmd.Flags().Changed("all-regions"))
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.snapshot, "snapshot", "", "read a snapshot (a file or folder of AWS CLI JSON output or task-definition files) instead of the live API")
	f.StringVar(&o.format, "format", "text", "output format: text, json or sarif")
	f.BoolVar(&o.all, "all", false, "text format: show every verdict, not only failures")
	f.StringArrayVar(&o.controls, "control", nil, "evaluate only this control id (repeatable), e.g. ECS.5")
	f.IntVar(&o.exitCode, "exit-code", 0, "exit with this code when there are unsuppressed FAILED results")
	addFindingsFlag(f, &o.findings)
	o.accounts.addFlags(f, true)
	return cmd
}

func scanRun(ctx context.Context, o *scanOptions, regionFlags bool) error {
	switch o.format {
	case "text", "json", "sarif":
	default:
		return usageErrorf("--format: %q is not one of text, json, sarif", o.format)
	}
	if o.exitCode < 0 || o.exitCode > 125 {
		return usageErrorf("--exit-code: %d is outside 0..125", o.exitCode)
	}
	if err := validateControls(o.controls); err != nil {
		return err
	}
	o.g.warnOffControls(o.controls)
	fs, err := o.g.readFindings(ctx, o.findings)
	if err != nil {
		return err
	}
	rep, inv, err := o.g.inventory(ctx, source{snapshot: o.snapshot, regionFlags: regionFlags, accounts: &o.accounts, origins: o.format == "sarif"}, o.controls)
	if err != nil {
		return err
	}
	if o.format == "sarif" && o.snapshot != "" {
		o.g.addFileFindings(rep, inv, o.snapshot, o.controls) // patch.go: locations and fixes in task-definition files
	}
	o.g.verifyFindings(fs, rep, o.controls)
	if err := render(o.g.io.Out, rep, o, o.g.io.colorOut()); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	switch {
	case rep.Incomplete():
		return incompleteError(rep)
	case o.exitCode != 0 && rep.Summary().Failed > 0:
		return &exitCodeError{code: o.exitCode}
	}
	return nil
}

// warnOffControls warns, on stderr, of each control selected by name (--control, else the
// configuration's controls) that evaluates nothing as configured: a tag control (ECS.13, ECS.14, ECS.15)
// whose required_tags list is empty is off, and a scan of it alone would say only "No failing controls.".
func (g *globalOptions) warnOffControls(flag []string) {
	selected := flag
	if len(selected) == 0 {
		selected = g.cfg.Controls
	}
	tags := g.cfg.RequiredTags
	keys := []struct {
		id, key, env string
		set          []string
	}{
		{detect.ECS13ID, "required_tags.service", "ECSFIX_REQUIRED_TAGS_SERVICE", tags.Service},
		{detect.ECS14ID, "required_tags.cluster", "ECSFIX_REQUIRED_TAGS_CLUSTER", tags.Cluster},
		{detect.ECS15ID, "required_tags.task_definition", "ECSFIX_REQUIRED_TAGS_TASK_DEFINITION", tags.TaskDefinition},
	}
	for _, id := range selected {
		for _, k := range keys {
			if strings.EqualFold(id, k.id) && !hasNonEmpty(k.set) {
				fmt.Fprintf(g.io.ErrOut, "warning: %s is off: %s lists no tag key, so it evaluates nothing; set the keys it requires in the configuration (%s: [team]) or the environment (%s=team)\n",
					k.id, k.key, k.key, k.env)
			}
		}
	}
}

func hasNonEmpty(ss []string) bool {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return true
		}
	}
	return false
}

func render(w io.Writer, rep *report.Report, o *scanOptions, color bool) error {
	switch o.format {
	case "json":
		return report.JSON(w, rep)
	case "sarif":
		return report.SARIF(w, rep)
	}
	return report.Text(w, rep, report.TextOptions{All: o.all, Color: color})
}

// liveRegions are the AWS configuration of a live read and the regions it reads: --region's, every region
// enabled for the caller's account (--all-regions; one a member account has not enabled is a read error
// there), or the SDK's configured region.
func (g *globalOptions) liveRegions(ctx context.Context) (aws.Config, []string, error) {
	awsCfg, err := g.awsConfig(ctx)
	if err != nil {
		return aws.Config{}, nil, err
	}
	regions := g.cfg.Regions
	if g.cfg.AllRegions {
		if regions, err = live.EnabledRegions(ctx, awsCfg); err != nil {
			return aws.Config{}, nil, fmt.Errorf("list enabled regions: %w", err)
		}
	}
	if len(regions) == 0 {
		if awsCfg.Region == "" {
			return aws.Config{}, nil, fmt.Errorf("no AWS region: set AWS_REGION, a profile region, or --region")
		}
		regions = []string{awsCfg.Region}
	}
	return awsCfg, regions, nil
}

// liveInventory reads the estate through the AWS API, drawing a progress indicator on a terminal: the
// caller's account, or the accounts --accounts and --org choose (each through its role).
//
// With --findings, only what the findings name is read (findingsInventory).
func (g *globalOptions) liveInventory(ctx context.Context, a *accountOptions) (*detect.Inventory, report.Source, error) {
	if g.findings != nil {
		awsCfg, err := g.awsConfig(ctx)
		if err != nil {
			return nil, report.Source{}, err
		}
		return g.findingsInventory(ctx, a, awsCfg)
	}
	awsCfg, regions, err := g.liveRegions(ctx)
	if err != nil {
		return nil, report.Source{}, err
	}
	// On a terminal, the indicator also counts the calls made and those throttled, and says the least
	// time left at the buckets' pace (each account's and region's buckets their own).
	var watch *callWatch
	if g.io.ErrTTY {
		watch = newCallWatch(g.quotaTable())
		awsCfg = watch.watch(awsCfg)
	}
	opts := g.scanOptions()
	opts.Regions = regions
	if watch != nil && watch.table != nil {
		opts.Expect = watch.expect
	}
	scan := func(opts live.Options) (*detect.Inventory, live.Stats, error) { return live.Scan(ctx, awsCfg, opts) }
	var logAccounts []any
	if a.selected() {
		targets, err := a.targets(ctx, awsCfg)
		if err != nil {
			return nil, report.Source{}, err
		}
		scan = func(opts live.Options) (*detect.Inventory, live.Stats, error) {
			return live.ScanAccounts(ctx, targets, opts)
		}
		logAccounts = []any{"accounts", accountsOf(targets)}
	}
	inv, stats, took, err := g.runScan(opts, watch, scan)
	if err != nil {
		return nil, report.Source{}, err
	}
	g.log.Info("scan finished", append(logAccounts, "regions", regions, "resources", inv.Count(), "apiCalls", stats.Calls,
		"retries", stats.Retries, "throttled", stats.Throttled, "took", took)...)
	return inv, report.Source{Kind: "live", Regions: regions}, nil
}

// scanOptions are a live read's options from the configuration: its bounds, attempts and the roles it
// reads besides the task definitions'.
func (g *globalOptions) scanOptions() live.Options {
	cfg := g.cfg
	return live.Options{
		Concurrency:        cfg.Scan.Concurrency,
		AccountConcurrency: cfg.Accounts.Concurrency,
		MaxAttempts:        cfg.Scan.MaxAttempts,
		Pacer:              g.pacer(),
		Roles:              configuredRoles(cfg),
		Log:                g.log,
	}
}

// runScan runs a live read with opts, drawing its progress on a terminal (with the calls watch counts,
// when set), and says how long it took.
func (g *globalOptions) runScan(opts live.Options, watch *callWatch, scan func(live.Options) (*detect.Inventory, live.Stats, error)) (*detect.Inventory, live.Stats, time.Duration, error) {
	progress, done := progressIndicator(g.io, watch)
	opts.Progress = progress
	start := time.Now()
	inv, stats, err := scan(opts)
	done()
	return inv, stats, time.Since(start).Round(time.Millisecond), err
}

// configuredRoles are the roles the configuration may add to a revision, read with the estate so that a
// plan knows their policies and fingerprints them.
func configuredRoles(cfg *config.Config) []string {
	if r := cfg.Fix.Secrets.ExecutionRole; r != "" {
		return []string{r}
	}
	return nil
}

// progressIndicator returns a callback that shows the resources read so far on stderr, when stderr is a
// terminal, with the calls watch counted (made, throttled, retried), and a function that clears it.
func progressIndicator(io *streams, watch *callWatch) (func(int), func()) {
	if !io.ErrTTY {
		return nil, func() {}
	}
	bar := progressbar.NewOptions(-1,
		progressbar.OptionSetWriter(io.ErrOut),
		progressbar.OptionSetDescription("reading resources"),
		progressbar.OptionShowCount(),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionEnableColorCodes(!io.NoColor),
	)
	var mu sync.Mutex
	describe := func() {
		if calls := watch.describe(); calls != "" {
			bar.Describe("reading resources (" + calls + ")")
		}
	}
	// The calls go on while no resource is added (listing, paging, backing off): redrawn each second.
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				mu.Lock()
				describe()
				_ = bar.RenderBlank()
				mu.Unlock()
			}
		}
	}()
	set := func(n int) {
		mu.Lock()
		defer mu.Unlock()
		describe()
		_ = bar.Set(n)
	}
	return set, func() {
		close(stop)
		<-stopped
		mu.Lock()
		defer mu.Unlock()
		_ = bar.Finish()
	}
}
