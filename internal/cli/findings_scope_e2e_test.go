// End-to-end tests of the read narrowed to findings (--findings on a live command) on the emulator: the
// same findings give the same verdicts and the same plan whether the estate is read whole or only what
// they name, and what the findings do not name is not read.

package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/config"
	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/findings"
	"github.com/ecsfix/ecsfix/plan"
)

// buildNoisyEstate adds to buildSmallEstate a second revision of web (the latest; service web still runs
// web:1), a cluster "noise" whose service "n-web" runs web:2, and 25 privileged families "noise00".. of
// which three run as services of "noise": what the findings below do not name.
func buildNoisyEstate(t *testing.T, ctx context.Context, cfg aws.Config) {
	t.Helper()
	buildSmallEstate(t, ctx, cfg)
	cs, e2 := ecs.NewFromConfig(cfg), ec2.NewFromConfig(cfg)
	web, err := cs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("web:1")})
	if err != nil {
		t.Fatal(err)
	}
	td := web.TaskDefinition
	if _, err := cs.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: td.Family, TaskRoleArn: td.TaskRoleArn, NetworkMode: td.NetworkMode, Cpu: td.Cpu, Memory: td.Memory,
		RequiresCompatibilities: td.RequiresCompatibilities, ContainerDefinitions: td.ContainerDefinitions,
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("noise")}); err != nil {
		t.Fatal(err)
	}
	svc, err := cs.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{"web"}})
	if err != nil || len(svc.Services) != 1 {
		t.Fatalf("describe web: %v", err)
	}
	if _, err := cs.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster: aws.String("noise"), ServiceName: aws.String("n-web"), TaskDefinition: aws.String("web:2"), DesiredCount: aws.Int32(1),
		LaunchType: ecstypes.LaunchTypeFargate, PlatformVersion: aws.String("LATEST"),
		NetworkConfiguration: svc.Services[0].NetworkConfiguration,
	}); err != nil {
		t.Fatal(err)
	}
	subnets, err := e2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	if err != nil || len(subnets.Subnets) == 0 {
		t.Fatalf("default subnets: %v", err)
	}
	for i := range 25 {
		fam := fmt.Sprintf("noise%02d", i)
		if _, err := cs.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
			Family: aws.String(fam), ContainerDefinitions: []ecstypes.ContainerDefinition{{
				Name: aws.String("c"), Image: aws.String("busybox"), Memory: aws.Int32(128), Privileged: aws.Bool(true),
			}},
		}); err != nil {
			t.Fatal(err)
		}
		if i < 3 {
			if _, err := cs.CreateService(ctx, &ecs.CreateServiceInput{
				Cluster: aws.String("noise"), ServiceName: aws.String("n" + fam), TaskDefinition: aws.String(fam), DesiredCount: aws.Int32(1),
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// asffFinding is one ASFF control finding in the JSON of get-findings.
func asffFinding(id, account, region, control, rtype, arn string) string {
	return `{"Id":"` + id + `","ProductArn":"arn:aws:securityhub:` + region + `::product/aws/securityhub","AwsAccountId":"` + account +
		`","Region":"` + region + `","Compliance":{"Status":"FAILED","SecurityControlId":"` + control +
		`"},"RecordState":"ACTIVE","Workflow":{"Status":"NEW"},"Resources":[{"Type":"` + rtype + `","Id":"` + arn + `"}]}`
}

// testGlobals are the command's globals as the root command sets them up, with the default configuration
// and the environment's.
func testGlobals(t *testing.T) (*globalOptions, *bytes.Buffer) {
	t.Helper()
	t.Setenv("ECSFIX_CONFIG", "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	var errOut bytes.Buffer
	g := &globalOptions{io: &streams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &errOut}, viper: config.New()}
	cfg, _, err := config.LoadFrom(g.viper, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	g.cfg, g.log = cfg, newLogger(g.io, cfg)
	return g, &errOut
}

// planFor reads the estate (whole, or narrowed to the findings when narrow is set), verifies the findings
// against it and plans their fixes, as plan --findings does.
func planFor(t *testing.T, ctx context.Context, file string, narrow bool) ([]findings.Verdict, *plan.Plan, []string) {
	t.Helper()
	g, errOut := testGlobals(t)
	fs, err := findings.ReadFrom(file, mustOpen(t, file))
	if err != nil {
		t.Fatal(err)
	}
	if narrow {
		if fs, err = g.readFindings(ctx, file); err != nil {
			t.Fatal(err)
		}
	}
	p, rep, err := g.makePlan(ctx, source{accounts: &accountOptions{verb: "plan"}, keepResults: true}, nil)
	if err != nil {
		t.Fatalf("plan: %v\n%s", err, errOut)
	}
	if len(rep.Errors) > 0 {
		t.Fatalf("read errors: %v", rep.Errors)
	}
	vs := g.verifyFindings(fs, rep, nil)
	limited, err := g.limitToFindings(p, rep, fs, nil)
	if err != nil {
		t.Fatal(err)
	}
	var resources []string
	for _, r := range rep.Results {
		resources = append(resources, r.ResourceArn)
	}
	return vs, limited, resources
}

func mustOpen(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// actionIDRe matches a plan action id (a1, a2, …) as a whole word.
var actionIDRe = regexp.MustCompile(`\ba[0-9]+\b`)

// comparable renders a plan's actions, state and skipped findings as JSON, each action id replaced by its
// type and resource: two plans of the same actions, numbered differently, render the same.
func comparable(t *testing.T, p *plan.Plan) string {
	t.Helper()
	names := map[string]string{}
	for _, a := range p.Actions {
		names[a.ID] = fmt.Sprintf("<%s %s %s>", a.Type, a.Resource, strings.Join(a.Controls, "+"))
	}
	b, err := json.MarshalIndent(struct {
		Actions []plan.Action
		State   []plan.Fingerprint
		Skipped []plan.Skipped
	}{p.Actions, p.State, p.Skipped}, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return actionIDRe.ReplaceAllStringFunc(string(b), func(id string) string {
		if n, ok := names[id]; ok {
			return n
		}
		return id
	})
}

// TestFindingsNarrowReadMatchesWholeRead: the findings' verdicts and the plan made for them are the same
// when ecsfix reads only what the findings name as when it reads the whole estate; the narrowed read
// does not read the families, services and clusters no finding needs.
func TestFindingsNarrowReadMatchesWholeRead(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	buildNoisyEstate(t, ctx, cfg)
	liveEnv(t, cfg)
	account, region := mototest.AccountID(cfg), mototest.Region
	arn := func(rest string) string { return "arn:aws:ecs:" + region + ":" + account + ":" + rest }
	here := func(id, control, rtype, res string) string {
		return asffFinding(id, account, region, control, rtype, arn(res))
	}
	doc := `{"Findings":[` + strings.Join([]string{
		here("live-ecs4-web2", "ECS.4", "AwsEcsTaskDefinition", "task-definition/web:2"),
		here("live-ecs8-web2", "ECS.8", "AwsEcsTaskDefinition", "task-definition/web:2"),
		here("stale-ecs4-web1", "ECS.4", "AwsEcsTaskDefinition", "task-definition/web:1"), // not the latest
		here("stale-ecs5-api1", "ECS.5", "AwsEcsTaskDefinition", "task-definition/api:1"),
		here("live-ecs12-prod", "ECS.12", "AwsEcsCluster", "cluster/prod"),
		here("live-ecs10-api", "ECS.10", "AwsEcsService", "service/prod/api"),
		here("stale-gone-family", "ECS.4", "AwsEcsTaskDefinition", "task-definition/deleted:1"),
		here("stale-gone-service", "ECS.10", "AwsEcsService", "service/prod/gone"),
		here("stale-gone-cluster", "ECS.12", "AwsEcsCluster", "cluster/gone"),
	}, ",") + `]}`
	file := filepath.Join(t.TempDir(), "findings.json")
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}

	wholeV, wholeP, wholeRes := planFor(t, ctx, file, false)
	narrowV, narrowP, narrowRes := planFor(t, ctx, file, true)

	verdicts := func(vs []findings.Verdict) map[string]string {
		out := map[string]string{}
		for _, v := range vs {
			out[v.Finding.ID] = fmt.Sprintf("%s %q %v", v.Outcome, v.Reason, v.Matches)
		}
		return out
	}
	w, n := verdicts(wholeV), verdicts(narrowV)
	for id, want := range w {
		if n[id] != want {
			t.Errorf("finding %s: narrowed read %s, whole read %s", id, n[id], want)
		}
	}
	for id, want := range map[string]findings.Outcome{
		"live-ecs4-web2": findings.Live, "live-ecs8-web2": findings.Live, "live-ecs12-prod": findings.Live, "live-ecs10-api": findings.Live,
		"stale-ecs4-web1": findings.Stale, "stale-ecs5-api1": findings.Stale, "stale-gone-family": findings.Stale,
		"stale-gone-service": findings.Stale, "stale-gone-cluster": findings.Stale,
	} {
		if !strings.HasPrefix(n[id], string(want)+" ") {
			t.Errorf("finding %s: %s, want %s", id, n[id], want)
		}
	}
	t.Logf("verdicts: %v", n)
	t.Logf("plan: %d actions, %d fingerprints, %d skipped; results read: %d whole, %d narrowed",
		len(wholeP.Actions), len(wholeP.State), len(wholeP.Skipped), len(wholeRes), len(narrowRes))
	for _, a := range narrowP.Actions {
		t.Logf("action %s %s %s %v", a.Type, a.Resource, strings.Join(a.Controls, "+"), a.Findings)
	}
	if len(wholeP.Actions) == 0 {
		t.Fatal("the whole read plans nothing for the live findings")
	}
	if a, b := comparable(t, narrowP), comparable(t, wholeP); a != b {
		t.Errorf("the plans differ:\nnarrowed read:\n%s\nwhole read:\n%s", a, b)
	}

	// What no finding needs was not read: the noise families and the services that run them; n-web,
	// which runs web:2 (a fix of web moves it too), was.
	for _, r := range narrowRes {
		if strings.Contains(r, "task-definition/noise") || strings.Contains(r, "service/noise/nnoise") {
			t.Errorf("the narrowed read evaluated %s", r)
		}
	}
	if !slices.Contains(narrowRes, arn("service/noise/n-web")) {
		t.Errorf("the narrowed read did not read service n-web, which runs web:2")
	}
	if !slices.Contains(wholeRes, arn("task-definition/noise00:1")) {
		t.Errorf("the whole read did not read noise00: the estate is not what the test expects")
	}
}

// TestFindingsNarrowReadAccountsAndRegions: a live command given --findings reads the regions the
// findings name (not the configured region alone); --region restricts it, and a finding of another
// account than the caller's is unverified, saying why, unless --accounts or --org choose that account.
func TestFindingsNarrowReadAccountsAndRegions(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	buildSmallEstate(t, ctx, cfg)
	liveEnv(t, cfg)
	account := mototest.AccountID(cfg)
	other := "210987654321"
	if account == other {
		other = "210987654322"
	}
	doc := `{"Findings":[` + strings.Join([]string{
		asffFinding("here", account, mototest.Region, "ECS.12", "AwsEcsCluster", "arn:aws:ecs:"+mototest.Region+":"+account+":cluster/prod"),
		asffFinding("west", account, "us-west-2", "ECS.12", "AwsEcsCluster", "arn:aws:ecs:us-west-2:"+account+":cluster/prod"),
		asffFinding("elsewhere", other, mototest.Region, "ECS.12", "AwsEcsCluster", "arn:aws:ecs:"+mototest.Region+":"+other+":cluster/prod"),
	}, ",") + `]}`
	file := filepath.Join(t.TempDir(), "findings.json")
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runCLI(t, "scan", "--findings", file, "--format", "json")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, w := range []string{
		// us-west-2 was read (the emulator's us-west-2 of the account has no cluster prod)
		"finding stale: ECS.12 finding west (account " + account + ", us-west-2): ecsfix found no arn:aws:ecs:us-west-2:" + account + ":cluster/prod",
		"finding unverified: ECS.12 finding elsewhere (account " + other + ", " + mototest.Region + "): account " + other + " in " + mototest.Region +
			" was not read: it is not the caller's account (" + account + "), and only --accounts or --org choose other accounts to act in",
		"findings: 3 read in 3 account-region(s); 1 live, 1 stale, 1 unverified",
	} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr)
		}
	}
	_, stderr, _ = runCLI(t, "scan", "--findings", file, "--region", mototest.Region, "--format", "json")
	if w := "finding unverified: ECS.12 finding west (account " + account + ", us-west-2): account " + account +
		" in us-west-2 was not read: region us-west-2 is not among the regions read"; !strings.Contains(stderr, w) {
		t.Errorf("with --region, stderr lacks %q:\n%s", w, stderr)
	}
	// A role does not widen it: without --accounts or --org, a finding never sends ecsfix into another account.
	_, stderr, _ = runCLI(t, "scan", "--findings", file, "--role-name", "ecsfix-member", "--format", "json")
	if w := "finding unverified: ECS.12 finding elsewhere (account " + other + ", " + mototest.Region + "): account " + other + " in " +
		mototest.Region + " was not read: it is not the caller's account"; !strings.Contains(stderr, w) || strings.Contains(stderr, "AssumeRole") {
		t.Errorf("with --role-name and no --org, stderr lacks %q or names AssumeRole:\n%s", w, stderr)
	}
	// --accounts restricts too; --exclude-account leaves an account out, saying so.
	_, stderr, _ = runCLI(t, "scan", "--findings", file, "--accounts", account+","+other, "--exclude-account", other, "--format", "json")
	if w := "account " + other + " in " + mototest.Region + " was not read: account " + other + " is left out by --exclude-account"; !strings.Contains(stderr, w) {
		t.Errorf("with --exclude-account, stderr lacks %q:\n%s", w, stderr)
	}
}
