package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/plan"
)

const shProductArn = "arn:aws:securityhub:us-east-1::product/aws/securityhub"

// shFinding is an ASFF finding to import: control ("" for none), generator, resource type and ARN,
// compliance and workflow status.
type shFinding struct {
	id, control, generator, rtype, arn string
	compliance                         shtypes.ComplianceStatus
	workflow                           shtypes.WorkflowStatus
}

func importSH(t *testing.T, ctx context.Context, cfg aws.Config, fs ...shFinding) {
	t.Helper()
	c := securityhub.NewFromConfig(cfg)
	account := mototest.AccountID(cfg)
	if account == "" { // a config of the IAM-enforcing server's one account
		account = mototest.IAMAccount
	}
	for start := 0; start < len(fs); start += 100 {
		in := &securityhub.BatchImportFindingsInput{}
		for _, f := range fs[start:min(start+100, len(fs))] {
			gen := f.generator
			if gen == "" {
				gen = "security-control/" + f.control
			}
			a := shtypes.AwsSecurityFinding{
				Id: aws.String(f.id), ProductArn: aws.String(shProductArn), AwsAccountId: aws.String(account),
				Region: aws.String(mototest.Region), GeneratorId: aws.String(gen), SchemaVersion: aws.String("2018-10-08"),
				Title: aws.String("t"), Description: aws.String("d"), CreatedAt: aws.String("2026-11-01T00:00:00.000Z"),
				UpdatedAt: aws.String("2026-11-01T00:00:00.000Z"), Types: []string{"Software and Configuration Checks"},
				Severity:    &shtypes.Severity{Label: shtypes.SeverityLabelMedium},
				Workflow:    &shtypes.Workflow{Status: f.workflow},
				RecordState: shtypes.RecordStateActive,
				Resources:   []shtypes.Resource{{Type: aws.String(f.rtype), Id: aws.String(f.arn), Region: aws.String(mototest.Region)}},
			}
			if f.control != "" {
				a.Compliance = &shtypes.Compliance{Status: f.compliance, SecurityControlId: aws.String(f.control)}
			}
			in.Findings = append(in.Findings, a)
		}
		out, err := c.BatchImportFindings(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToInt32(out.FailedCount) != 0 {
			t.Fatalf("BatchImportFindings: %+v", out.FailedFindings)
		}
	}
}

// bodies records the JSON body of every request, by operation, as the SDK sent it.
type bodies struct {
	mu  sync.Mutex
	ops map[string][]map[string]any
}

func (b *bodies) capture(stack *middleware.Stack) error {
	return stack.Build.Add(middleware.BuildMiddlewareFunc("ecsfixCaptureBody", func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
		req, ok := in.Request.(*smithyhttp.Request)
		if !ok {
			return next.HandleBuild(ctx, in)
		}
		var raw []byte
		if s := req.GetStream(); s != nil {
			var err error
			if raw, err = io.ReadAll(s); err != nil {
				return middleware.BuildOutput{}, middleware.Metadata{}, err
			}
			r, err := req.SetStream(bytes.NewReader(raw))
			if err != nil {
				return middleware.BuildOutput{}, middleware.Metadata{}, err
			}
			in.Request = r
		}
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil {
			return middleware.BuildOutput{}, middleware.Metadata{}, fmt.Errorf("request body is not JSON: %w", err)
		}
		b.mu.Lock()
		b.ops[awsmiddleware.GetOperationName(ctx)] = append(b.ops[awsmiddleware.GetOperationName(ctx)], doc)
		b.mu.Unlock()
		return next.HandleBuild(ctx, in)
	}), middleware.After)
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// readSecurityHub sends the server-side filters (as the SDK serializes them on the wire), pages through
// GetFindings, and filters again on its side, since the emulator ignores the filters.
func TestSecurityHubFiltersSentAndApplied(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	account := mototest.AccountID(cfg)
	td := "arn:aws:ecs:us-east-1:" + account + ":task-definition/web:1"
	var fs []shFinding
	for i := range 104 { // more than a page of 100
		fs = append(fs, shFinding{id: fmt.Sprintf("open-%03d", i), control: "ECS.5", rtype: "AwsEcsTaskDefinition", arn: td,
			compliance: shtypes.ComplianceStatusFailed, workflow: shtypes.WorkflowStatusNew})
	}
	fs = append(fs,
		shFinding{id: "notified", control: "ECS.4", rtype: "AwsEcsTaskDefinition", arn: td, compliance: shtypes.ComplianceStatusFailed, workflow: shtypes.WorkflowStatusNotified},
		shFinding{id: "resolved", control: "ECS.4", rtype: "AwsEcsTaskDefinition", arn: td, compliance: shtypes.ComplianceStatusFailed, workflow: shtypes.WorkflowStatusResolved},
		shFinding{id: "suppressed", control: "ECS.4", rtype: "AwsEcsTaskDefinition", arn: td, compliance: shtypes.ComplianceStatusFailed, workflow: shtypes.WorkflowStatusSuppressed},
		shFinding{id: "passed", control: "ECS.4", rtype: "AwsEcsTaskDefinition", arn: td, compliance: shtypes.ComplianceStatusPassed, workflow: shtypes.WorkflowStatusNew},
		shFinding{id: "s3", control: "S3.1", rtype: "AwsS3Bucket", arn: "arn:aws:s3:::b", compliance: shtypes.ComplianceStatusFailed, workflow: shtypes.WorkflowStatusNew},
		shFinding{id: "ec2-resource", control: "ECS.2", rtype: "AwsEc2Instance", arn: "arn:aws:ec2:us-east-1:" + account + ":instance/i-1", compliance: shtypes.ComplianceStatusFailed, workflow: shtypes.WorkflowStatusNew},
		shFinding{id: "exposure", generator: "security-hub/Exposure", rtype: "AwsEcsService", arn: "arn:aws:ecs:us-east-1:" + account + ":service/prod/web", workflow: shtypes.WorkflowStatusNew},
	)
	importSH(t, ctx, cfg, fs...)

	sent := &bodies{ops: map[string][]map[string]any{}}
	client := securityhub.NewFromConfig(cfg, func(o *securityhub.Options) { o.APIOptions = append(o.APIOptions, sent.capture) })
	got, err := readSecurityHub(ctx, client)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range got {
		if !strings.HasPrefix(f.ID, "open-") {
			ids = append(ids, fmt.Sprintf("%s:%s", f.ID, f.Format))
		}
	}
	sort.Strings(ids)
	if want := "exposure:ocsf,notified:asff"; strings.Join(ids, ",") != want || len(got) != 106 {
		t.Errorf("read %d findings, the others %v; want the 104 open ones and %s", len(got), ids, want)
	}

	gf := sent.ops["GetFindings"]
	if len(gf) != 2 {
		t.Fatalf("%d GetFindings requests, want 2 pages", len(gf))
	}
	if gf[0]["NextToken"] != nil || gf[1]["NextToken"] == nil || jsonOf(t, gf[0]["MaxResults"]) != "100" {
		t.Errorf("paging: first %v, second %v", gf[0], gf[1])
	}
	for i, req := range gf {
		filters, _ := req["Filters"].(map[string]any)
		for field, want := range map[string]string{
			"ComplianceSecurityControlId": `[{"Comparison":"PREFIX","Value":"ECS."}]`,
			"ComplianceStatus":            `[{"Comparison":"EQUALS","Value":"FAILED"}]`,
			"RecordState":                 `[{"Comparison":"EQUALS","Value":"ACTIVE"}]`,
			"WorkflowStatus":              `[{"Comparison":"EQUALS","Value":"NEW"},{"Comparison":"EQUALS","Value":"NOTIFIED"}]`,
			"ResourceType":                `[{"Comparison":"PREFIX","Value":"AwsEcs"}]`,
		} {
			if got := jsonOf(t, filters[field]); got != want {
				t.Errorf("GetFindings request %d: Filters.%s = %s, want %s", i+1, field, got, want)
			}
		}
	}
	v2 := sent.ops["GetFindingsV2"]
	// The emulator ignores the filters and answers all 111 findings in OCSF: two pages.
	if len(v2) != 2 || v2[1]["NextToken"] == nil {
		t.Fatalf("%d GetFindingsV2 requests, want 2 pages", len(v2))
	}
	filters := jsonOf(t, v2[1]["Filters"])
	for _, want := range []string{
		`{"FieldName":"finding_info.analytic.name","Filter":{"Comparison":"EQUALS","Value":"Exposure"}}`,
		`{"FieldName":"status","Filter":{"Comparison":"EQUALS","Value":"New"}}`,
		`{"FieldName":"status","Filter":{"Comparison":"EQUALS","Value":"In Progress"}}`,
		`{"FieldName":"resources.type","Filter":{"Comparison":"PREFIX","Value":"AwsEcs"}}`,
		`"CompositeOperator":"AND"`,
	} {
		if !strings.Contains(filters, want) {
			t.Errorf("GetFindingsV2 Filters %s lack %s", filters, want)
		}
	}
}

// plan --findings securityhub plans exactly the fixes of the live findings, each action recording the
// findings it resolves, and reports the stale and the unsupported ones.
func TestPlanFromSecurityHubFindings(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	buildSmallEstate(t, ctx, cfg)
	account := mototest.AccountID(cfg)
	arn := func(rest string) string { return "arn:aws:ecs:us-east-1:" + account + ":" + rest }
	failedNew := func(id, control, rtype, res string) shFinding {
		return shFinding{id: id, control: control, rtype: rtype, arn: res, compliance: shtypes.ComplianceStatusFailed, workflow: shtypes.WorkflowStatusNew}
	}
	importSH(t, ctx, cfg,
		failedNew("live-ecs12", "ECS.12", "AwsEcsCluster", arn("cluster/prod")),
		failedNew("live-ecs10", "ECS.10", "AwsEcsService", arn("service/prod/api")),
		failedNew("stale-ecs5", "ECS.5", "AwsEcsTaskDefinition", arn("task-definition/api:1")), // api is read-only
		failedNew("unsupported-ecs7", "ECS.7", "AwsEcsCluster", arn("cluster/prod")),
		shFinding{id: "stale-exposure", generator: "security-hub/Exposure", rtype: "AwsEcsService", arn: arn("service/prod/gone"), workflow: shtypes.WorkflowStatusNew},
		shFinding{id: "resolved-ecs4", control: "ECS.4", rtype: "AwsEcsTaskDefinition", arn: arn("task-definition/web:1"),
			compliance: shtypes.ComplianceStatusFailed, workflow: shtypes.WorkflowStatusResolved},
	)
	liveEnv(t, cfg)
	out := filepath.Join(t.TempDir(), "plan.json")
	stdout, stderr, code := runCLI(t, "plan", "--findings", "securityhub", "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	p, err := plan.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range p.Actions {
		got = append(got, fmt.Sprintf("%s %s %s %v", a.Type, strings.TrimPrefix(a.Resource, arn("")), strings.Join(a.Controls, "+"), a.Findings))
	}
	want := []string{
		"update-service service/prod/api ECS.10 [live-ecs10]",
		"update-cluster-settings cluster/prod ECS.12 [live-ecs12]",
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("plan actions:\n%s\nwant:\n%s\nstderr:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), stderr)
	}
	for _, w := range []string{
		"finding stale: ECS.5 finding stale-ecs5 (account " + account + ", us-east-1): ecsfix finds ECS.5 PASSED on " + arn("task-definition/api:1"),
		"finding unsupported: ECS.7 finding unsupported-ecs7",
		"finding stale: exposure finding stale-exposure",
		"findings: 5 read in 1 account-region(s); 2 live, 2 stale, 1 unsupported",
	} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr)
		}
	}
	if strings.Contains(stderr+stdout, "resolved-ecs4") {
		t.Errorf("the RESOLVED finding was acted on or reported:\n%s", stderr)
	}
	if !strings.Contains(stdout, "findings:    live-ecs12") {
		t.Errorf("the plan's text does not show the finding an action resolves:\n%s", stdout)
	}

	// The limited plan is a plan like any other: approved, it applies, and fixes only what the live
	// findings name (web, failing ECS.10 too but named by no finding, is left as it is).
	webTD, webPV := describeService(t, cfg)
	if _, errOut, code := runCLI(t, "approve", out, "--by", "alice"); code != exitOK {
		t.Fatalf("approve: exit %d\n%s", code, errOut)
	}
	if stdout, errOut, code := runCLI(t, "apply", out); code != exitOK {
		t.Fatalf("apply: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, errOut)
	}
	if got := insights(t, cfg); got != "enabled" {
		t.Errorf("cluster prod Container Insights = %q after the apply, want enabled", got)
	}
	if _, pv := describeServiceNamed(t, cfg, "api"); pv == "1.3.0" {
		t.Errorf("service api still on platform %s after the apply", pv)
	}
	if td, pv := describeService(t, cfg); td != webTD || pv != webPV {
		t.Errorf("service web changed (%s %s → %s %s) though no finding named it", webTD, webPV, td, pv)
	}
}

// --findings FILE and - read untrusted JSON: a malformed finding is a usage error naming the input and
// the finding, escaped, and nothing is planned.
func TestPlanFindingsFileRefusesHostileInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "findings.json")
	if err := os.WriteFile(bad, []byte(`{"Findings":[{"Id":"ok-looking\nfinding live: forged","ProductArn":"p","AwsAccountId":"123456789012","Region":"eu-west-1","Resources":[{"Type":"AwsEcsCluster","Id":"c"}]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "plan.json")
	stdout, stderr, code := runCLI(t, "plan", "--snapshot", "../../testdata/demo", "--findings", bad, "--out", out)
	if code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
	if !strings.Contains(stderr, bad) || !strings.Contains(stderr, `finding 0`) || !strings.Contains(stderr, `ok-looking\nfinding live: forged`) {
		t.Errorf("stderr does not name the input and the finding, escaped:\n%s", stderr)
	}
	if strings.Contains(stdout+stderr, "\nfinding live: forged") {
		t.Errorf("the finding's newline reached the output:\n%s%s", stdout, stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a plan was written: %v", err)
	}
}

// --findings with the output of get-findings, from a file, against a snapshot: no AWS needed.
func TestPlanFindingsFileOnSnapshot(t *testing.T) {
	dir := t.TempDir()
	doc := `{"Findings":[` +
		`{"Id":"f-ecs12","ProductArn":"arn:aws:securityhub:eu-west-1::product/aws/securityhub","AwsAccountId":"123456789012","Region":"eu-west-1","Compliance":{"Status":"FAILED","SecurityControlId":"ECS.12"},"RecordState":"ACTIVE","Workflow":{"Status":"NEW"},"Resources":[{"Type":"AwsEcsCluster","Id":"arn:aws:ecs:eu-west-1:123456789012:cluster/ops-ec2"}]},` +
		`{"Id":"f-stale","ProductArn":"arn:aws:securityhub:eu-west-1::product/aws/securityhub","AwsAccountId":"123456789012","Region":"eu-west-1","Compliance":{"Status":"FAILED","SecurityControlId":"ECS.12"},"RecordState":"ACTIVE","Workflow":{"Status":"NOTIFIED"},"Resources":[{"Type":"AwsEcsCluster","Id":"arn:aws:ecs:eu-west-1:123456789012:cluster/storefront-prod"}]}]}`
	file := filepath.Join(dir, "findings.json")
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "plan.json")
	_, stderr, code := runCLI(t, "plan", "--snapshot", "../../testdata/demo", "--findings", file, "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	p, err := plan.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Actions) != 1 || p.Actions[0].Type != plan.UpdateClusterSettings || strings.Join(p.Actions[0].Findings, ",") != "f-ecs12" {
		t.Errorf("actions %+v, want the one cluster-settings update resolving f-ecs12", p.Actions)
	}
	if !strings.Contains(stderr, "finding stale: ECS.12 finding f-stale") {
		t.Errorf("stderr lacks the stale finding:\n%s", stderr)
	}
	// scan --findings reports the same, and leaves the scan's output as it is.
	_, stderr, _ = runCLI(t, "scan", "--snapshot", "../../testdata/demo", "--findings", file, "--format", "json")
	if !strings.Contains(stderr, "findings: 2 read in 1 account-region(s); 1 live, 1 stale") {
		t.Errorf("scan stderr:\n%s", stderr)
	}
}

// --findings - reads stdin, bounded, and names it in errors.
func TestFindingsFromStdin(t *testing.T) {
	t.Setenv("ECSFIX_CONFIG", "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	for _, c := range []struct {
		name, in string
		code     int
		want     string
	}{
		{"event", `{"source":"aws.securityhub","detail-type":"Security Hub Findings - Imported","detail":{"findings":[` +
			`{"Id":"f-ecs12","ProductArn":"p","AwsAccountId":"123456789012","Region":"eu-west-1","Compliance":{"Status":"FAILED","SecurityControlId":"ECS.12"},"RecordState":"ACTIVE","Workflow":{"Status":"NEW"},"Resources":[{"Type":"AwsEcsCluster","Id":"arn:aws:ecs:eu-west-1:123456789012:cluster/ops-ec2"}]}]}}`,
			exitOK, "findings: 1 read in 1 account-region(s); 1 live"},
		{"deep", strings.Repeat("[", 100), exitUsage, "--findings: findings stdin: JSON nested deeper than 64 levels"},
		{"empty", "", exitUsage, "--findings: findings stdin: not a JSON object"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), []string{"plan", "--snapshot", "../../testdata/demo", "--findings", "-"},
				&streams{In: strings.NewReader(c.in), Out: &out, ErrOut: &errOut})
			if code != c.code || !strings.Contains(errOut.String(), c.want) {
				t.Errorf("exit %d, want %d; stderr lacks %q:\n%s", code, c.code, c.want, errOut.String())
			}
			if c.code == exitOK && (!strings.Contains(out.String(), "findings:    f-ecs12") || strings.Count(out.String(), "\n# a") != 1) {
				t.Errorf("the plan is not the one action resolving f-ecs12:\n%s", out.String())
			}
		})
	}
}
