// End-to-end tests of the handler on the emulator: a Security Hub findings event and a scheduled event
// run ecsfix apply --auto --update-findings in-process (the resources fixed, the findings RESOLVED), the
// run's plan and journal come back from the log, and a refused event changes nothing.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/fix"
	"github.com/ecsfix/ecsfix/internal/cli"
	"github.com/ecsfix/ecsfix/plan"
)

const productArn = "arn:aws:securityhub:us-east-1::product/aws/securityhub"

// estate is an emulated account with clusters prod and other without Container Insights (ECS.12 fails,
// a low-risk fix) and ok with it, and a Security Hub finding on each (the one on ok is stale); the CLI's
// AWS chain and configuration point at it.
type estate struct {
	cfg     aws.Config
	account string
}

func newEstate(t *testing.T) *estate {
	t.Helper()
	ctx := context.Background()
	cfg := mototest.Config(t)
	e := &estate{cfg: cfg, account: mototest.AccountID(cfg)}
	c := ecs.NewFromConfig(cfg)
	for name, insights := range map[string]string{"prod": "disabled", "other": "disabled", "ok": "enabled"} {
		if _, err := c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String(name),
			Settings: []ecstypes.ClusterSetting{{Name: ecstypes.ClusterSettingNameContainerInsights, Value: aws.String(insights)}}}); err != nil {
			t.Fatal(err)
		}
	}
	in := &securityhub.BatchImportFindingsInput{}
	for _, name := range []string{"prod", "other", "ok"} {
		in.Findings = append(in.Findings, shtypes.AwsSecurityFinding{
			Id: aws.String("ecs12-" + name), ProductArn: aws.String(productArn), AwsAccountId: aws.String(e.account),
			Region: aws.String(mototest.Region), GeneratorId: aws.String("security-control/ECS.12"), SchemaVersion: aws.String("2018-10-08"),
			Title: aws.String("t"), Description: aws.String("d"), CreatedAt: aws.String("2026-11-01T00:00:00.000Z"),
			UpdatedAt: aws.String("2026-11-01T00:00:00.000Z"), Types: []string{"Software and Configuration Checks"},
			Severity:    &shtypes.Severity{Label: shtypes.SeverityLabelMedium},
			Workflow:    &shtypes.Workflow{Status: shtypes.WorkflowStatusNew},
			RecordState: shtypes.RecordStateActive,
			Compliance:  &shtypes.Compliance{Status: shtypes.ComplianceStatusFailed, SecurityControlId: aws.String("ECS.12")},
			Resources:   []shtypes.Resource{{Type: aws.String("AwsEcsCluster"), Id: aws.String(e.clusterARN(name)), Region: aws.String(mototest.Region)}},
		})
	}
	out, err := securityhub.NewFromConfig(cfg).BatchImportFindings(ctx, in)
	if err != nil || aws.ToInt32(out.FailedCount) != 0 {
		t.Fatalf("BatchImportFindings: %v %+v", err, out)
	}
	for _, kv := range mototest.Env(t, cfg) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Setenv("ECSFIX_SCAN_MAX_ATTEMPTS", "2") // moto answers some calls with 500: do not wait on retries
	t.Setenv("ECSFIX_CONFIG", "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	return e
}

func (e *estate) clusterARN(name string) string {
	return "arn:aws:ecs:us-east-1:" + e.account + ":cluster/" + name
}

// insights reads each cluster's Container Insights setting.
func (e *estate) insights(t *testing.T) map[string]string {
	t.Helper()
	out, err := ecs.NewFromConfig(e.cfg).DescribeClusters(context.Background(), &ecs.DescribeClustersInput{
		Clusters: []string{"prod", "other", "ok"}, Include: []ecstypes.ClusterField{ecstypes.ClusterFieldSettings}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range out.Clusters {
		for _, s := range c.Settings {
			if s.Name == ecstypes.ClusterSettingNameContainerInsights {
				got[aws.ToString(c.ClusterName)] = aws.ToString(s.Value)
			}
		}
	}
	return got
}

// findings reads each finding's workflow status and note (with who wrote it).
func (e *estate) findings(t *testing.T) map[string][2]string {
	t.Helper()
	out, err := securityhub.NewFromConfig(e.cfg).GetFindings(context.Background(), &securityhub.GetFindingsInput{MaxResults: aws.Int32(100)})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][2]string{}
	for _, f := range out.Findings {
		note := ""
		if f.Note != nil {
			note = aws.ToString(f.Note.Text) + " (by " + aws.ToString(f.Note.UpdatedBy) + ")"
		}
		got[aws.ToString(f.Id)] = [2]string{string(f.Workflow.Status), note}
	}
	return got
}

// untouched fails t unless every cluster and finding is as newEstate made it.
func (e *estate) untouched(t *testing.T) {
	t.Helper()
	if got, want := e.insights(t), map[string]string{"prod": "disabled", "other": "disabled", "ok": "enabled"}; !mapsEqual(got, want) {
		t.Errorf("clusters changed: %v, want %v", got, want)
	}
	for id, s := range e.findings(t) {
		if s != [2]string{"NEW", ""} {
			t.Errorf("finding %s changed: %v", id, s)
		}
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// findingsEvent is a "Security Hub Findings - Imported" event holding the ASFF finding on cluster name,
// as Security Hub sends it.
func (e *estate) findingsEvent(name string) []byte {
	return []byte(`{"version":"0","id":"11111111-2222-3333-4444-555555555555","detail-type":"Security Hub Findings - Imported",` +
		`"source":"aws.securityhub","account":"` + e.account + `","time":"2026-12-02T08:00:00Z","region":"us-east-1",` +
		`"resources":["` + productArn + `/ecs12-` + name + `"],"detail":{"findings":[{"SchemaVersion":"2018-10-08",` +
		`"Id":"ecs12-` + name + `","ProductArn":"` + productArn + `","GeneratorId":"security-control/ECS.12",` +
		`"AwsAccountId":"` + e.account + `","Region":"us-east-1","Types":["Software and Configuration Checks"],` +
		`"Title":"ECS clusters should use Container Insights","Severity":{"Label":"MEDIUM"},` +
		`"Compliance":{"Status":"FAILED","SecurityControlId":"ECS.12"},"RecordState":"ACTIVE","Workflow":{"Status":"NEW"},` +
		`"Resources":[{"Type":"AwsEcsCluster","Id":"` + e.clusterARN(name) + `","Region":"us-east-1"}]}]}}`)
}

// scheduledEvent is the event of an EventBridge rule with a schedule expression.
func (e *estate) scheduledEvent() []byte {
	return []byte(`{"version":"0","id":"66666666-7777-8888-9999-000000000000","detail-type":"Scheduled Event","source":"aws.events",` +
		`"account":"` + e.account + `","time":"2026-12-02T08:00:00Z","region":"us-east-1",` +
		`"resources":["arn:aws:events:us-east-1:` + e.account + `:rule/ecsfix-schedule"],"detail":{}}`)
}

// testHandler is the handler on in-memory logs; runs counts the commands it ran.
type testHandler struct {
	*Handler
	out, errOut bytes.Buffer
	tmp         string
	runs        [][]string
}

func newTestHandler(t *testing.T) *testHandler {
	th := &testHandler{tmp: t.TempDir()}
	th.Handler = &Handler{
		Run: func(ctx context.Context, args []string, io *cli.Streams) int {
			th.runs = append(th.runs, args)
			return cli.Run(ctx, args, io)
		},
		Out: &th.out, ErrOut: &th.errOut, TempDir: th.tmp, Environ: os.Environ,
		Now: func() time.Time { return time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC) },
	}
	return th
}

// invoke invokes the handler as Lambda does, with a request id in the context.
func (th *testHandler) invoke(t *testing.T, payload []byte) (Result, error) {
	t.Helper()
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	out, err := th.Invoke(ctx, payload)
	var res Result
	if out != nil {
		if jerr := json.Unmarshal(out, &res); jerr != nil {
			t.Fatalf("the handler's result %q: %v", out, jerr)
		}
	}
	return res, err
}

func (th *testHandler) logs() string {
	return "stdout:\n" + th.out.String() + "\nstderr:\n" + th.errOut.String()
}

// records gives back, from the log, the files of run's record by kind.
func (th *testHandler) records(t *testing.T, run string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	sc := bufio.NewScanner(bytes.NewReader(th.out.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r Record
		if !strings.HasPrefix(sc.Text(), `{"ecsfixRecord"`) {
			continue
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("record line %q: %v", sc.Text(), err)
		}
		if r.Run == run {
			files[r.Kind] = append(files[r.Kind], r.Text...)
		}
	}
	return files
}

// A Security Hub findings event naming the failing cluster prod: the handler runs apply --auto on that
// finding only (stdin), prod gets Container Insights and its finding is RESOLVED with a note; the
// cluster and finding the event does not name are left alone; the plan and journal come back from the
// log and read as ecsfix's, and nothing is left in the temporary folder.
func TestFindingsEventFixesAndResolves(t *testing.T) {
	e := newEstate(t)
	th := newTestHandler(t)
	res, err := th.invoke(t, e.findingsEvent("prod"))
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("invoke: %+v, %v\n%s", res, err, th.logs())
	}
	if len(th.runs) != 1 || !slices.Equal(th.runs[0][:3], []string{"apply", "--auto", "--update-findings"}) ||
		!slices.Contains(th.runs[0], "-") {
		t.Errorf("ran %q, want one apply --auto --update-findings --findings -", th.runs)
	}
	if got := e.insights(t); got["prod"] != "enabled" || got["other"] != "disabled" {
		t.Errorf("Container Insights: %v, want prod enabled (the event's), other disabled (not in the event)", got)
	}
	st := e.findings(t)
	if s := st["ecs12-prod"]; s[0] != "RESOLVED" || !strings.Contains(s[1], "unattended") || !strings.HasSuffix(s[1], "(by ecsfix)") {
		t.Errorf("finding ecs12-prod = %v, want RESOLVED with ecsfix's note", s)
	}
	for _, id := range []string{"ecs12-other", "ecs12-ok"} {
		if st[id] != [2]string{"NEW", ""} {
			t.Errorf("finding %s, not in the event, was updated: %v", id, st[id])
		}
	}

	run := "20261202T080000Z-req-1"
	if res.Run != run || !strings.Contains(th.errOut.String(), "ecsfix-lambda: run "+run+`: event "11111111-2222-3333-4444-555555555555"`) {
		t.Errorf("run %q; the log does not name the run and the event:\n%s", res.Run, th.logs())
	}
	rec := th.records(t, run)
	dir := t.TempDir()
	planFile, journal := filepath.Join(dir, run+".plan.json"), filepath.Join(dir, run+".journal")
	if err := os.WriteFile(planFile, rec["plan"], 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(journal, rec["journal"], 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := plan.ReadFile(planFile)
	if err != nil || len(p.Actions) != 1 || !slices.Contains(p.Actions[0].Findings, "ecs12-prod") {
		t.Fatalf("the plan from the log: %v, %+v", err, p)
	}
	recs, err := fix.ReadJournal(journal)
	if err != nil || len(recs) < 2 || recs[0].PlanHash != p.ContentHash() {
		t.Fatalf("the journal from the log: %v, %d records", err, len(recs))
	}
	if left, _ := os.ReadDir(th.tmp); len(left) != 0 {
		t.Errorf("the run left %d file(s) in the temporary folder", len(left))
	}
}

// A scheduled event: the handler reads the findings from Security Hub, fixes both failing clusters and
// resolves their findings; the stale finding (cluster ok has Container Insights) is left as it was.
func TestScheduledEventReadsSecurityHub(t *testing.T) {
	e := newEstate(t)
	th := newTestHandler(t)
	res, err := th.invoke(t, e.scheduledEvent())
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("invoke: %+v, %v\n%s", res, err, th.logs())
	}
	if len(th.runs) != 1 || !slices.Contains(th.runs[0], "securityhub") {
		t.Errorf("ran %q, want apply --auto --findings securityhub", th.runs)
	}
	if got, want := e.insights(t), map[string]string{"prod": "enabled", "other": "enabled", "ok": "enabled"}; !mapsEqual(got, want) {
		t.Errorf("Container Insights: %v, want %v", got, want)
	}
	st := e.findings(t)
	for _, id := range []string{"ecs12-prod", "ecs12-other"} {
		if s := st[id]; s[0] != "RESOLVED" || !strings.Contains(s[1], "unattended") {
			t.Errorf("finding %s = %v, want RESOLVED with a note", id, s)
		}
	}
	if st["ecs12-ok"] != [2]string{"NEW", ""} {
		t.Errorf("the stale finding was updated: %v", st["ecs12-ok"])
	}
	if rec := th.records(t, res.Run); len(rec["plan"]) == 0 || len(rec["journal"]) == 0 {
		t.Errorf("the log lacks the run's plan or journal:\n%s", th.logs())
	}
}

// Events the function does not take, and variables it does not know, are refused naming the event or the
// variable: nothing runs and nothing changes. A findings event whose finding ecsfix refuses runs the
// command, which refuses it (exit 2): a failed invocation, and nothing changes either.
func TestBadEventsRefused(t *testing.T) {
	e := newEstate(t)
	event := func(source, detailType string) []byte {
		return []byte(fmt.Sprintf(`{"version":"0","id":"ev-1","detail-type":%q,"source":%q,"account":"%s","region":"us-east-1","detail":{"findings":[]}}`,
			detailType, source, e.account))
	}
	big := append(e.findingsEvent("prod")[:0:0], e.findingsEvent("prod")...)
	big = append(big[:len(big)-1], []byte(`,"pad":"`+strings.Repeat("x", MaxEventBytes)+`"}`)...)
	for _, c := range []struct {
		name    string
		payload []byte
		env     map[string]string
		want    string
	}{
		{"malformed JSON", []byte(`{"source":"aws.securityhub",`), nil, "event of 28 bytes: not a JSON object: unexpected EOF"},
		{"a JSON list", []byte(`[1,2]`), nil, "not a JSON object"},
		{"null", []byte(`null`), nil, "not a JSON object"},
		{"data after the event", append(e.scheduledEvent(), []byte(` {}`)...), nil, "data after the JSON value"},
		{"oversized", big, nil, "larger than 1024 KiB"},
		{"another source", event("aws.guardduty", "GuardDuty Finding"), nil, `event "ev-1" (source "aws.guardduty", detail-type "GuardDuty Finding"): not a`},
		{"a custom action", event("aws.securityhub", "Security Hub Findings - Custom Action"), nil, `detail-type "Security Hub Findings - Custom Action"): not a`},
		{"a findings type from another source", event("aws.securityhub.fake", "Security Hub Findings - Imported"), nil, `source "aws.securityhub.fake"`},
		{"a schedule from another source", event("custom.app", "Scheduled Event"), nil, `source "custom.app"`},
		{"no source", []byte(`{"id":"ev-2","detail-type":"Scheduled Event"}`), nil, `event "ev-2" (source "", detail-type "Scheduled Event"): not a`},
		{"a detail-type that is not a string", []byte(`{"id":"ev-3","source":"aws.events","detail-type":["Scheduled Event"]}`), nil, `event "ev-3"`},
		{"a control character in the id", []byte(`{"id":"ev\u001b[2J","source":"x","detail-type":"y"}`), nil, `event "ev\x1b[2J"`},
		{"an unknown variable", e.scheduledEvent(), map[string]string{"ECSFIXFN_ORGS": "true"}, "environment variable ECSFIXFN_ORGS is not one of the function's"},
		{"a variable that is not a boolean", e.scheduledEvent(), map[string]string{"ECSFIXFN_ORG": "yes please"}, `environment variable ECSFIXFN_ORG: "yes please" is not true or false`},
	} {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			th := newTestHandler(t)
			res, err := th.invoke(t, c.payload)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasSuffix(err.Error(), "nothing was run") {
				t.Errorf("error %v, want one saying %q and that nothing was run", err, c.want)
			}
			if res != (Result{}) || len(th.runs) != 0 || th.out.Len() != 0 {
				t.Errorf("a refused event ran: %+v, %q\n%s", res, th.runs, th.logs())
			}
			if !strings.Contains(th.errOut.String(), c.want) {
				t.Errorf("the log does not say why:\n%s", th.logs())
			}
		})
	}

	t.Run("a finding ecsfix refuses", func(t *testing.T) {
		th := newTestHandler(t)
		bad := bytes.Replace(e.findingsEvent("prod"), []byte(`"AwsAccountId":"`+e.account+`"`), []byte(`"AwsAccountId":"12"`), 1)
		res, err := th.invoke(t, bad)
		var ee *ExitError
		if !errorsAs(err, &ee) || ee.Code != 2 || res.ExitCode != 2 || len(th.runs) != 1 {
			t.Errorf("result %+v, error %v, want exit 2 as a failed invocation\n%s", res, err, th.logs())
		}
		if !strings.Contains(th.errOut.String(), "findings stdin: finding 0") {
			t.Errorf("the log does not name the finding:\n%s", th.logs())
		}
	})
	e.untouched(t)
}
