// --findings on scan and plan: reading Security Hub findings (a file, stdin, or Security Hub itself),
// re-verifying them against the scan, and limiting a plan to the actions that resolve them.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"github.com/spf13/pflag"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsclient"
	"github.com/ecsfix/ecsfix/detect/live"
	"github.com/ecsfix/ecsfix/detect/report"
	"github.com/ecsfix/ecsfix/findings"
	"github.com/ecsfix/ecsfix/fix"
	"github.com/ecsfix/ecsfix/internal/textsafe"
	"github.com/ecsfix/ecsfix/plan"
)

// findingsSecurityHub is the --findings value that reads Security Hub itself.
const findingsSecurityHub = "securityhub"

// addFindingsFlag registers --findings on a command.
func addFindingsFlag(f *pflag.FlagSet, v *string) {
	f.StringVar(v, "findings", "", "act on these Security Hub findings only: \"securityhub\" (read them from Security Hub), a file of get-findings, get-findings-v2 or EventBridge event JSON, or - for stdin")
}

// findingsRead are the findings --findings read and, once a live read narrowed to them has run, the
// account-regions it read and why it did not read the others.
type findingsRead struct {
	fs      []findings.Finding
	scoped  bool
	read    map[findings.AccountRegion]bool
	notRead map[findings.AccountRegion]string
}

// readFindings reads the findings --findings names; nil when it is empty. A live read that follows
// reads only what they name (findingsInventory).
func (g *globalOptions) readFindings(ctx context.Context, from string) ([]findings.Finding, error) {
	fs, err := g.readFindingsFrom(ctx, from)
	if err == nil && fs != nil {
		g.findings = &findingsRead{fs: fs}
	}
	return fs, err
}

func (g *globalOptions) readFindingsFrom(ctx context.Context, from string) ([]findings.Finding, error) {
	switch from {
	case "":
		return nil, nil
	case findingsSecurityHub:
		return g.securityHubFindings(ctx)
	case "-":
		fs, err := findings.ReadFrom("stdin", g.io.In)
		if err != nil {
			return nil, usageErrorf("--findings: %v", err)
		}
		return fs, nil
	}
	f, err := os.Open(from)
	if err != nil {
		return nil, usageErrorf("--findings: %v", err)
	}
	defer f.Close()
	fs, err := findings.ReadFrom(from, f)
	if err != nil {
		return nil, usageErrorf("--findings: %v", err)
	}
	return fs, nil
}

// The server-side filters of GetFindings: the open ECS control findings, as Security Hub's console lists
// them. Security Hub applies them; ecsfix checks every finding again (Finding.Open, ECSResources).
func getFindingsFilters() *shtypes.AwsSecurityFindingFilters {
	eq := func(vs ...string) []shtypes.StringFilter {
		out := make([]shtypes.StringFilter, len(vs))
		for i, v := range vs {
			out[i] = shtypes.StringFilter{Comparison: shtypes.StringFilterComparisonEquals, Value: aws.String(v)}
		}
		return out
	}
	prefix := func(v string) []shtypes.StringFilter {
		return []shtypes.StringFilter{{Comparison: shtypes.StringFilterComparisonPrefix, Value: aws.String(v)}}
	}
	return &shtypes.AwsSecurityFindingFilters{
		ComplianceSecurityControlId: prefix("ECS."),
		ComplianceStatus:            eq(string(shtypes.ComplianceStatusFailed)),
		RecordState:                 eq(string(shtypes.RecordStateActive)),
		WorkflowStatus:              eq(string(shtypes.WorkflowStatusNew), string(shtypes.WorkflowStatusNotified)),
		ResourceType:                prefix("AwsEcs"),
	}
}

// getFindingsV2Filters select the open exposure findings of ECS resources.
func getFindingsV2Filters() *shtypes.OcsfFindingFilters {
	str := func(field shtypes.OcsfStringField, cmp shtypes.StringFilterComparison, v string) shtypes.OcsfStringFilter {
		return shtypes.OcsfStringFilter{FieldName: field, Filter: &shtypes.StringFilter{Comparison: cmp, Value: aws.String(v)}}
	}
	return &shtypes.OcsfFindingFilters{
		CompositeOperator: shtypes.AllowedOperatorsAnd,
		CompositeFilters: []shtypes.CompositeFilter{
			{Operator: shtypes.AllowedOperatorsAnd, StringFilters: []shtypes.OcsfStringFilter{
				str(shtypes.OcsfStringFieldFindingInfoAnalyticName, shtypes.StringFilterComparisonEquals, "Exposure"),
			}},
			{Operator: shtypes.AllowedOperatorsOr, StringFilters: []shtypes.OcsfStringFilter{
				str(shtypes.OcsfStringFieldStatus, shtypes.StringFilterComparisonEquals, "New"),
				str(shtypes.OcsfStringFieldStatus, shtypes.StringFilterComparisonEquals, "In Progress"),
			}},
			{Operator: shtypes.AllowedOperatorsOr, StringFilters: []shtypes.OcsfStringFilter{
				str(shtypes.OcsfStringFieldResourcesType, shtypes.StringFilterComparisonPrefix, "AwsEcs"),
				str(shtypes.OcsfStringFieldResourcesType, shtypes.StringFilterComparisonPrefix, "AWS::ECS::"),
			}},
		},
	}
}

// maxFindingPages bounds the pages read from each of GetFindings and GetFindingsV2 (100 findings each).
const maxFindingPages = 1000

// securityHubFindings reads the open ECS findings from Security Hub in the caller's account and region
// (the administrator account, or the aggregation region): control findings with GetFindings, exposure
// findings with GetFindingsV2.
func (g *globalOptions) securityHubFindings(ctx context.Context) ([]findings.Finding, error) {
	sh, err := g.securityHubClient(ctx, "--findings securityhub")
	if err != nil {
		return nil, err
	}
	return readSecurityHub(ctx, sh)
}

// securityHubClient is the Security Hub client of the caller's account and region (the administrator
// account, or the aggregation region): where findings are read and updated. what names the flag that
// needs it, in errors.
func (g *globalOptions) securityHubClient(ctx context.Context, what string) (*securityhub.Client, error) {
	awsCfg, err := g.awsConfig(ctx)
	if err != nil {
		return nil, err
	}
	if awsCfg.Region == "" {
		if len(g.cfg.Regions) == 0 {
			return nil, fmt.Errorf("%s: no AWS region: set AWS_REGION or a profile region (Security Hub's administrator or aggregation region)", what)
		}
		awsCfg.Region = g.cfg.Regions[0]
	}
	awsCfg = awsclient.ConfigureWith(awsCfg, awsclient.Options{MaxAttempts: g.cfg.Scan.MaxAttempts, Counter: awsclient.NewCounter(), Pacer: g.pacer()})
	return securityhub.NewFromConfig(awsCfg), nil
}

// updateFindings is apply's --update-findings: the findings the actions of p name (and of left, the
// actions apply --auto left for approval) are updated in the caller's Security Hub from what the apply
// did (rep), and the updates journalled in journal. approvers are the names of the approvals that
// counted. With dryRun it prints the updates and makes none.
func (g *globalOptions) updateFindings(ctx context.Context, p *plan.Plan, rep *fix.Report, left []plan.Action, approvers []string, journal string, dryRun bool) error {
	updates := fix.ApplyFindingUpdates(p, rep, left, approvers)
	if len(updates) == 0 {
		fmt.Fprintln(g.io.Out, "--update-findings: the plan's actions name no Security Hub finding (plan --findings records them); none to update")
		return nil
	}
	sh, err := g.securityHubClient(ctx, "--update-findings")
	if err != nil {
		return err
	}
	out := textsafe.NewWriter(g.io.Out)
	fmt.Fprintf(out, "\nSecurity Hub findings (%d):\n", len(updates))
	frep, err := fix.UpdateFindings(ctx, sh, updates, fix.FindingsOptions{DryRun: dryRun, JournalPath: journal, Out: out, Approvers: approvers})
	if frep != nil && len(frep.Already) > 0 {
		fmt.Fprintf(out, "%d finding(s) updated by an earlier run of this journal, not updated again\n", len(frep.Already))
	}
	return findingsError(err)
}

// reopenFindings is rollback's --update-findings: the findings the apply resolved and whose actions were
// rolled back (rep) are set back to NEW in the caller's Security Hub, journalled in journal.
func (g *globalOptions) reopenFindings(ctx context.Context, p *plan.Plan, rep *fix.Report, journal string, dryRun bool) error {
	sh, err := g.securityHubClient(ctx, "--update-findings")
	if err != nil {
		return err
	}
	out := textsafe.NewWriter(g.io.Out)
	frep, err := fix.ReopenFindings(ctx, sh, p, rep, fix.FindingsOptions{DryRun: dryRun, JournalPath: journal, Out: out})
	if err == nil && frep != nil && len(frep.Updates) == 0 {
		fmt.Fprintln(out, "--update-findings: no finding this journal resolved to set back to NEW")
	}
	return findingsError(err)
}

// findingsError gives findings not updated exit 1, saying that the changes themselves were made.
func findingsError(err error) error {
	if errors.Is(err, fix.ErrFindingsNotUpdated) {
		return &exitCodeError{code: exitError, err: fmt.Errorf("%w; the changes themselves were made: run the same command again to retry the updates", err)}
	}
	return err
}

// securityHubAPI is what readSecurityHub calls.
type securityHubAPI interface {
	GetFindings(context.Context, *securityhub.GetFindingsInput, ...func(*securityhub.Options)) (*securityhub.GetFindingsOutput, error)
	GetFindingsV2(context.Context, *securityhub.GetFindingsV2Input, ...func(*securityhub.Options)) (*securityhub.GetFindingsV2Output, error)
}

func readSecurityHub(ctx context.Context, sh securityHubAPI) ([]findings.Finding, error) {
	p1 := securityhub.NewGetFindingsPaginator(sh, &securityhub.GetFindingsInput{
		Filters: getFindingsFilters(), MaxResults: aws.Int32(100)})
	out, err := findingPages(ctx, "GetFindings", p1.HasMorePages, p1.NextPage,
		func(o *securityhub.GetFindingsOutput) ([]findings.Finding, error) {
			return findings.FromASFF(o.Findings)
		},
		wanted)
	if err != nil {
		return nil, err
	}
	p2 := securityhub.NewGetFindingsV2Paginator(sh, &securityhub.GetFindingsV2Input{
		Filters: getFindingsV2Filters(), MaxResults: aws.Int32(100)})
	exposure, err := findingPages(ctx, "GetFindingsV2", p2.HasMorePages, p2.NextPage,
		func(o *securityhub.GetFindingsV2Output) ([]findings.Finding, error) {
			return findings.FromOCSF(o.Findings)
		},
		func(f findings.Finding) bool { return f.Exposure && wanted(f) }) // control findings come from GetFindings, in ASFF
	if err != nil {
		return nil, err
	}
	return append(out, exposure...), nil
}

// findingPages reads every page of a findings paginator (more and next: its HasMorePages and NextPage),
// at most maxFindingPages, converts each page's findings and keeps those keep accepts; op names the call
// in errors.
func findingPages[Out any](ctx context.Context, op string, more func() bool, next func(context.Context, ...func(*securityhub.Options)) (Out, error),
	convert func(Out) ([]findings.Finding, error), keep func(findings.Finding) bool) ([]findings.Finding, error) {
	var out []findings.Finding
	for page := 0; more(); page++ {
		if page == maxFindingPages {
			return nil, fmt.Errorf("securityhub %s: more than %d pages of findings; narrow them with --findings FILE", op, maxFindingPages)
		}
		o, err := next(ctx)
		if err != nil {
			return nil, fmt.Errorf("securityhub %s: %w", op, err)
		}
		fs, err := convert(o)
		if err != nil {
			return nil, fmt.Errorf("securityhub %s: page %d: %w", op, page+1, err)
		}
		for _, f := range fs {
			if keep(f) {
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// wanted applies the server-side filters again, on ecsfix's side: an emulator, or a Security Hub that
// ignores a filter, must not widen what ecsfix acts on. A finding for a control outside ECS, on no ECS
// resource, or not open (FAILED, ACTIVE, NEW or NOTIFIED) is dropped.
func wanted(f findings.Finding) bool {
	if open, _ := f.Open(); !open || len(f.ECSResources()) == 0 {
		return false
	}
	return f.Exposure || strings.HasPrefix(strings.ToUpper(f.Control), "ECS.")
}

// verifyFindings re-verifies the findings against the scan and reports, on stderr, each that is not
// live; it returns the verdicts. It does nothing when fs is nil.
func (g *globalOptions) verifyFindings(fs []findings.Finding, rep *report.Report, controls []string) []findings.Verdict {
	if fs == nil {
		return nil
	}
	scope := findings.Scope{Accounts: findings.AccountsOf(rep.Results), Regions: rep.Source.Regions, Controls: controls, Errors: rep.Errors}
	if fr := g.findings; fr != nil && fr.scoped {
		scope.Accounts, scope.Regions, scope.Read, scope.NotRead = nil, nil, fr.read, fr.notRead
	}
	vs := findings.Verify(fs, rep.Results, scope)
	counts := map[findings.Outcome]int{}
	for _, v := range vs {
		counts[v.Outcome]++
		if v.Outcome == findings.Live {
			continue
		}
		fmt.Fprintf(g.io.ErrOut, "finding %s: %s (account %s, %s): %s\n", v.Outcome, v.Finding.Label(),
			v.Finding.Account, v.Finding.Region, textsafe.Line(v.Reason))
	}
	var parts []string
	for _, o := range []findings.Outcome{findings.Live, findings.Stale, findings.Unsupported, findings.Unverified, findings.Exempt, findings.Closed} {
		if counts[o] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[o], o))
		}
	}
	if len(parts) == 0 {
		parts = []string{"none to act on"}
	}
	groups := findings.ByAccountRegion(fs)
	fmt.Fprintf(g.io.ErrOut, "findings: %d read in %d account-region(s); %s\n", len(vs), len(groups), strings.Join(parts, ", "))
	return vs
}

// limitToFindings is plan's hook: with --findings (fs not nil), the plan limited to the actions that
// resolve the live findings (and what they depend on), each recording the ids of the findings it
// resolves; without, p as is.
func (g *globalOptions) limitToFindings(p *plan.Plan, rep *report.Report, fs []findings.Finding, controls []string) (*plan.Plan, error) {
	if fs == nil {
		return p, nil
	}
	vs := g.verifyFindings(fs, rep, controls)
	limited := p.ForFindings(findings.Targets(vs))
	resolved := map[string]bool{}
	for _, a := range limited.Actions {
		for _, id := range a.Findings {
			resolved[id] = true
		}
	}
	for _, v := range vs {
		if v.Outcome == findings.Live && !resolved[v.Finding.ID] {
			fmt.Fprintf(g.io.ErrOut, "finding live, no action: %s (account %s, %s): ecsfix fails %s but plans no fix for it (see the plan's skipped findings)\n",
				v.Finding.Label(), v.Finding.Account, v.Finding.Region, textsafe.Line(matchList(v.Matches)))
		}
	}
	if err := limited.Validate(); err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	return limited, nil
}

func matchList(ms []findings.Match) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.Control + " on " + detect.ShortARN(m.Resource)
	}
	return strings.Join(parts, ", ")
}

// findingsInventory is the live read of a command given --findings: the account-regions the findings
// name, each account reached as --accounts reaches it (the caller's own with its credentials, any other
// through the role --role-name), and in each only what the findings name, with what their fixes need
// (findings.Needs, live.Names). --accounts and --org (less --exclude-account) and --region (or the
// configuration's regions) restrict it: a finding outside is unverified, saying why. Without --accounts
// or --org, only the caller's account is read: a finding of another account is unverified, so that a
// findings file or event cannot send ecsfix into an account the operator did not choose.
func (g *globalOptions) findingsInventory(ctx context.Context, a *accountOptions, awsCfg aws.Config) (*detect.Inventory, report.Source, error) {
	if a == nil {
		a = &accountOptions{}
	}
	fr := g.findings
	fr.scoped, fr.read, fr.notRead = true, map[findings.AccountRegion]bool{}, map[findings.AccountRegion]string{}
	needs := findings.Needs(fr.fs, nil)
	empty := &detect.Inventory{VpcEndpointsKnown: true, NetworkInterfacesKnown: true}
	if len(needs) == 0 {
		g.log.Info("scan skipped: no finding to re-verify needs a read", "findings", len(fr.fs))
		return empty, report.Source{Kind: "live"}, nil
	}
	if awsCfg.Region == "" {
		awsCfg.Region = needs[0].Region // STS and IAM need a region; the findings name one
	}
	own, partition, err := caller(ctx, awsCfg)
	if err != nil {
		return nil, report.Source{}, err
	}
	var chosen map[string]bool // nil: any account
	if a.selected() {
		ids, err := a.selectedIDs(ctx, awsCfg)
		if err != nil {
			return nil, report.Source{}, err
		}
		chosen = map[string]bool{}
		for _, id := range ids {
			chosen[id] = true
		}
	}
	var regions map[string]bool // nil: any region
	if len(g.cfg.Regions) > 0 && !g.cfg.AllRegions {
		regions = map[string]bool{}
		for _, r := range g.cfg.Regions {
			regions[r] = true
		}
	}
	scope := live.Scope{}
	targets := map[string]*live.Target{}
	var accounts, readRegions []string
	whole := 0
	for _, n := range needs {
		k := n.AccountRegion
		switch {
		case regions != nil && !regions[n.Region]:
			fr.notRead[k] = "region " + n.Region + " is not among the regions read (--region, or regions in the configuration)"
			continue
		case chosen != nil && slices.Contains(a.exclude, n.Account):
			fr.notRead[k] = "account " + n.Account + " is left out by --exclude-account"
			continue
		case chosen != nil && !chosen[n.Account]:
			fr.notRead[k] = "account " + n.Account + " is not among the accounts --accounts and --org choose"
			continue
		case chosen == nil && n.Account != own:
			// A findings file or event never chooses the accounts ecsfix assumes a role in: the operator does.
			fr.notRead[k] = "it is not the caller's account (" + own + "), and only --accounts or --org choose other accounts to act in"
			continue
		}
		if targets[n.Account] == nil {
			t, err := a.target(awsCfg, own, partition, n.Account)
			if err != nil {
				return nil, report.Source{}, err // --accounts or --org chose it: as without --findings
			}
			targets[n.Account] = &t
			accounts = append(accounts, n.Account)
		}
		targets[n.Account].Regions = append(targets[n.Account].Regions, n.Region)
		readRegions = append(readRegions, n.Region)
		fr.read[k] = true
		if n.Whole {
			whole++
			g.log.Info("reading the account-region whole", "account", n.Account, "region", n.Region, "because", textsafe.Line(n.Why))
		}
		scope[live.AccountRegion{Account: n.Account, Region: n.Region}] = &live.Names{Whole: n.Whole,
			Families: n.Families, Services: n.Services, Clusters: n.Clusters, CapacityProviders: n.CapacityProviders}
	}
	slices.Sort(readRegions)
	readRegions = slices.Compact(readRegions)
	src := report.Source{Kind: "live", Regions: readRegions}
	if len(accounts) == 0 {
		g.log.Info("scan skipped: the findings' accounts and regions are all left out", "findings", len(fr.fs))
		return empty, src, nil
	}
	list := make([]live.Target, len(accounts))
	for i, id := range accounts {
		list[i] = *targets[id]
	}
	opts := g.scanOptions()
	opts.Scope = scope
	inv, stats, took, err := g.runScan(opts, nil, func(opts live.Options) (*detect.Inventory, live.Stats, error) {
		return live.ScanAccounts(ctx, list, opts)
	})
	if err != nil {
		return nil, report.Source{}, err
	}
	g.log.Info("scan finished", "findings", len(fr.fs), "accounts", strings.Join(accounts, ","), "regions", readRegions,
		"accountRegions", len(fr.read), "readWhole", whole, "resources", inv.Count(), "apiCalls", stats.Calls,
		"retries", stats.Retries, "took", took)
	return inv, src, nil
}
