package fix

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smithymw "github.com/aws/smithy-go/middleware"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsjson"
	"github.com/ecsfix/ecsfix/detect/awsread"
	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/plan"
)

// Values planted in the app's environment. The three credentials move to Secrets Manager; none of them
// may appear in a journal, Out, a log, a report or an error.
const (
	plantedKeyID  = "AKIAZZPLANTED0KEY1X2"
	plantedSecret = "PlantedSecretAccessKey/0123456789+abcdEFGH"
	logLevel      = "debug"
	secretName    = "ecsfix/app/app"
	logGroup      = "/ecs/app"
)

var plantedValues = []string{plantedKeyID, plantedSecret, planted}

// secretsEstate is an app whose container holds credentials in its environment and has no
// logConfiguration, its execution role, and a service running it.
type secretsEstate struct {
	*estate
	iam    *iam.Client
	sm     *secretsmanager.Client
	logs   *cloudwatchlogs.Client
	role   string // ARN of the execution role app-exec
	src    string // app:1
	svcArn string // ARN of service app
}

// seedSecrets builds the estate; prior, when set, is a document the role's owned policy holds already.
func seedSecrets(t *testing.T, prior string) *secretsEstate {
	t.Helper()
	cfg := mototest.Config(t, mototest.MaxAttempts(3))
	ctx := context.Background()
	e := &secretsEstate{estate: &estate{cfg: cfg, api: ecs.NewFromConfig(cfg), account: mototest.AccountID(cfg)},
		iam: iam.NewFromConfig(cfg), sm: secretsmanager.NewFromConfig(cfg), logs: cloudwatchlogs.NewFromConfig(cfg)}
	role, err := e.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("app-exec"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	e.role = aws.ToString(role.Role.Arn)
	if _, err := e.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("app-exec"),
		PolicyArn: aws.String("arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")}); err != nil {
		t.Fatal(err)
	}
	if prior != "" {
		if _, err := e.iam.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("app-exec"), PolicyName: aws.String(plan.OwnedPolicyName),
			PolicyDocument: aws.String(prior)}); err != nil {
			t.Fatal(err)
		}
	}
	cl, err := e.api.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("prod")})
	if err != nil {
		t.Fatal(err)
	}
	e.cluster = aws.ToString(cl.Cluster.ClusterArn)
	td, err := e.api.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("app"), NetworkMode: ecstypes.NetworkModeBridge, ExecutionRoleArn: aws.String(e.role),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{
			Name: aws.String("app"), Image: aws.String("app:1"), Memory: aws.Int32(256), Essential: aws.Bool(true),
			Environment: []ecstypes.KeyValuePair{
				{Name: aws.String("AWS_ACCESS_KEY_ID"), Value: aws.String(plantedKeyID)},
				{Name: aws.String("AWS_SECRET_ACCESS_KEY"), Value: aws.String(plantedSecret)},
				{Name: aws.String("DB_PASSWORD"), Value: aws.String(planted)},
				{Name: aws.String("LOG_LEVEL"), Value: aws.String(logLevel)},
			},
		}},
		Tags: []ecstypes.Tag{{Key: aws.String("team"), Value: aws.String("payments")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.src = aws.ToString(td.TaskDefinition.TaskDefinitionArn)
	svc, err := e.api.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("prod"), ServiceName: aws.String("app"),
		TaskDefinition: aws.String(e.src), DesiredCount: aws.Int32(1), LaunchType: ecstypes.LaunchTypeEc2})
	if err != nil {
		t.Fatal(err)
	}
	e.svcArn = aws.ToString(svc.Service.ServiceArn)
	return e
}

// ownedPolicy returns the role's owned policy document ("" when none).
func (e *secretsEstate) ownedPolicy(t *testing.T) string {
	t.Helper()
	out, err := e.iam.GetRolePolicy(context.Background(), &iam.GetRolePolicyInput{RoleName: aws.String("app-exec"), PolicyName: aws.String(plan.OwnedPolicyName)})
	if err != nil {
		if strings.Contains(err.Error(), "NoSuchEntity") {
			return ""
		}
		t.Fatal(err)
	}
	doc := aws.ToString(out.PolicyDocument)
	if strings.HasPrefix(doc, "%") {
		doc, _ = url.PathUnescape(doc)
	}
	return doc
}

func (e *secretsEstate) roleFingerprint(t *testing.T) plan.Fingerprint {
	role := &detect.Role{Arn: e.role, Name: "app-exec"}
	if doc := e.ownedPolicy(t); doc != "" {
		role.Inline = []detect.PolicyDocument{{Name: plan.OwnedPolicyName, Document: doc}}
	}
	return plan.Fingerprint{Resource: e.role, ResourceType: detect.TypeRole, Region: mototest.Region, Facts: plan.RoleFacts(role)}
}

// makeSecretsPlan plans, by hand, what the planner would for ECS.8 and ECS.9 on app:1: a1 create the
// secret (one JSON secret, the three credentials), a2 grant the execution role read access to it and
// write access to the log group, a3 create the log group, a4 register app:2 (secrets from a1, LOG_LEVEL
// kept in the environment, awslogs), a5 move service app to it. deregister adds a6, deregistering app:1.
func (e *secretsEstate) makeSecretsPlan(t *testing.T, deregister bool) *plan.Plan {
	t.Helper()
	src := e.taskDef(t, e.src)
	svc := e.service(t, "app")
	region := mototest.Region
	act := func(id string, typ plan.ActionType, resource string, controls ...string) plan.Action {
		return plan.Action{ID: id, Type: typ, Account: e.account, Region: region, Resource: resource,
			Controls: controls, Risk: plan.RiskMedium, Summary: id}
	}
	moved := []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "DB_PASSWORD"}

	a1 := act("a1", plan.CreateSecret, fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s", region, e.account, secretName), "ECS.8")
	a1.CreateSecret = &plan.CreateSecretChange{Name: secretName, JSON: true,
		Tags: map[string]string{"ecsfix:source": e.src, "ecsfix:container": "app"}}
	for i, name := range moved {
		a1.CreateSecret.Values = append(a1.CreateSecret.Values, plan.SecretValueSource{Key: name, SourceArn: e.src,
			SourcePath: fmt.Sprintf("containerDefinitions[0].environment[%d].value", i)})
	}
	logArn := fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", region, e.account, logGroup)
	a2 := act("a2", plan.PutRolePolicy, e.role, "ECS.8", "ECS.9")
	a2.DependsOn = []string{"a1"}
	a2.PutRolePolicy = &plan.PutRolePolicyChange{Role: e.role, PolicyName: plan.OwnedPolicyName, Before: e.ownedPolicy(t),
		Statements: []plan.PolicyStatement{
			{Sid: "EcsfixReadSecrets", Actions: []string{"secretsmanager:GetSecretValue"}, ResourcesFrom: []string{"a1"}},
			{Sid: "EcsfixWriteLogs", Actions: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resources: []string{logArn + ":*"}},
		}}
	a3 := act("a3", plan.EnsureLogGroup, logArn, "ECS.9")
	a3.EnsureLogGroup = &plan.EnsureLogGroupChange{Name: logGroup, RetentionDays: 30}

	// a4: the registration. Before is the source, every environment value masked; After moves the three
	// credentials to secrets entries whose valueFrom are placeholders, and adds awslogs.
	before := plan.RegisterInput(src)
	var masked []plan.Masked
	for i := range before.ContainerDefinitions[0].Environment {
		before.ContainerDefinitions[0].Environment[i].Value = aws.String(plan.MaskedValue)
	}
	after := plan.RegisterInput(src)
	c := &after.ContainerDefinitions[0]
	var refs []plan.SecretRef
	var env []ecstypes.KeyValuePair
	for i, kv := range c.Environment {
		name := aws.ToString(kv.Name)
		if slices.Contains(moved, name) {
			refs = append(refs, plan.SecretRef{Path: fmt.Sprintf("containerDefinitions[0].secrets[%d].valueFrom", len(c.Secrets)), From: "a1", Key: name})
			c.Secrets = append(c.Secrets, ecstypes.Secret{Name: aws.String(name), ValueFrom: aws.String("(secret from a1)")})
			continue
		}
		masked = append(masked, plan.Masked{Path: fmt.Sprintf("containerDefinitions[0].environment[%d].value", len(env)),
			SourcePath: fmt.Sprintf("containerDefinitions[0].environment[%d].value", i)})
		env = append(env, ecstypes.KeyValuePair{Name: kv.Name, Value: aws.String(plan.MaskedValue)})
	}
	c.Environment = env
	c.LogConfiguration = &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs, Options: map[string]string{
		"awslogs-group": logGroup, "awslogs-region": region, "awslogs-stream-prefix": "app"}}
	b, err := awsjson.Marshal(before)
	if err != nil {
		t.Fatal(err)
	}
	a, err := awsjson.Marshal(after)
	if err != nil {
		t.Fatal(err)
	}
	a4 := act("a4", plan.RegisterTaskDefinition, e.src, "ECS.8", "ECS.9")
	a4.DependsOn = []string{"a2", "a3"}
	a4.RegisterTaskDefinition = &plan.RegisterTaskDefinitionChange{SourceArn: e.src, Family: "app", Before: b, After: a, Masked: masked, SecretRefs: refs,
		Edits: []plan.Edit{
			{Control: "ECS.8", Path: "containerDefinitions[app].environment", Change: "moved AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, DB_PASSWORD to secret " + secretName},
			{Control: "ECS.9", Path: "containerDefinitions[app].logConfiguration", Change: "awslogs to " + logGroup},
		}}
	a5 := act("a5", plan.UpdateService, e.svcArn, "ECS.8", "ECS.9")
	a5.DependsOn = []string{"a4"}
	a5.UpdateService = &plan.UpdateServiceChange{Cluster: "prod", Service: "app", TaskDefinitionFrom: "a4",
		Before: plan.ServiceSettings{TaskDefinition: e.src}, After: plan.ServiceSettings{TaskDefinition: strings.TrimSuffix(e.src, ":1") + ":2"}}
	p := &plan.Plan{
		FormatVersion: plan.FormatVersion,
		Tool:          plan.Tool{Name: "ecsfix", Version: "test"},
		CreatedAt:     time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		Source:        plan.Source{Kind: "live", Regions: []string{region}},
		Actions:       []plan.Action{a1, a2, a3, a4, a5},
		State: []plan.Fingerprint{
			{Resource: e.src, ResourceType: detect.TypeTaskDefinition, Region: region, Facts: plan.TaskDefinitionFacts(src, e.src)},
			{Resource: e.svcArn, ResourceType: detect.TypeService, Region: region, Facts: plan.ServiceFacts(&svc)},
			e.roleFingerprint(t),
		},
		Skipped: []plan.Skipped{},
	}
	if deregister {
		a6 := act("a6", plan.DeregisterTaskDefinition, e.src, "ECS.8")
		a6.Risk = plan.RiskHigh
		a6.DependsOn = []string{"a5"}
		a6.DeregisterTaskDefinition = &plan.DeregisterTaskDefinitionChange{TaskDefinitions: []string{e.src}}
		p.Actions = append(p.Actions, a6)
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("the hand-made plan is invalid: %v", err)
	}
	return p
}

// secretsOpts are opts with every risk applied unattended (the deregistration is high).
func secretsOpts(t *testing.T, buf *bytes.Buffer) Options {
	o := opts(t, buf)
	o.UnattendedRisk = plan.RiskHigh
	return o
}

// noValues fails when any planted value appears in any of the texts.
func noValues(t *testing.T, where string, texts ...string) {
	t.Helper()
	for _, s := range texts {
		for _, v := range plantedValues {
			if strings.Contains(s, v) {
				t.Errorf("%s holds the planted value %.6s…", where, v)
			}
			if b, _ := json.Marshal(v); strings.Contains(s, string(b[1:len(b)-1])) {
				t.Errorf("%s holds the planted value %.6s… (JSON-escaped)", where, v)
			}
		}
	}
}

// anyWrites returns the write calls among calls (anything but Describe, Get and List).
func anyWrites(calls map[string]int) map[string]int {
	out := map[string]int{}
	for op, n := range calls {
		name := op[strings.IndexByte(op, ':')+1:]
		if !strings.HasPrefix(name, "Describe") && !strings.HasPrefix(name, "Get") && !strings.HasPrefix(name, "List") {
			out[op] = n
		}
	}
	return out
}

func (e *secretsEstate) appRevisions(t *testing.T) []string {
	t.Helper()
	out, err := e.api.ListTaskDefinitions(context.Background(), &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("app"), Status: ecstypes.TaskDefinitionStatusActive})
	if err != nil {
		t.Fatal(err)
	}
	return out.TaskDefinitionArns
}

func (e *secretsEstate) secretValue(t *testing.T) (arn string, values map[string]string) {
	t.Helper()
	out, err := e.sm.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretName)})
	if err != nil {
		t.Fatalf("get secret %s: %v", secretName, err)
	}
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &values); err != nil {
		t.Fatalf("the secret is not a JSON object: %v", err)
	}
	return aws.ToString(out.ARN), values
}

func (e *secretsEstate) secretCount(t *testing.T) int {
	t.Helper()
	out, err := e.sm.ListSecrets(context.Background(), &secretsmanager.ListSecretsInput{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range out.SecretList {
		if aws.ToString(s.Name) == secretName {
			n++
		}
	}
	return n
}

func (e *secretsEstate) logRetention(t *testing.T) (exists bool, days int32) {
	t.Helper()
	out, err := e.logs.DescribeLogGroups(context.Background(), &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(logGroup)})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range out.LogGroups {
		if aws.ToString(g.LogGroupName) == logGroup {
			return true, aws.ToInt32(g.RetentionInDays)
		}
	}
	return false, 0
}

// statement returns the statement with sid in doc (nil when absent).
func statement(t *testing.T, doc, sid string) map[string]any {
	t.Helper()
	var d struct{ Statement []map[string]any }
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatalf("policy document: %v", err)
	}
	for _, s := range d.Statement {
		if s["Sid"] == sid {
			return s
		}
	}
	return nil
}

func strs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	return nil
}

// checkFixed asserts the end state of a complete apply: the secret resolves to the original values, the
// role may read exactly it and write to the log group, the log group exists with its retention, the new
// revision references the secret and holds no plaintext, and the service runs it.
func (e *secretsEstate) checkFixed(t *testing.T, newArn string) {
	t.Helper()
	arn, values := e.secretValue(t)
	want := map[string]string{"AWS_ACCESS_KEY_ID": plantedKeyID, "AWS_SECRET_ACCESS_KEY": plantedSecret, "DB_PASSWORD": planted}
	if len(values) != len(want) {
		t.Errorf("the secret holds keys %v, want %d keys", mapsKeys(values), len(want))
	}
	for k, v := range want {
		if values[k] != v {
			t.Errorf("the secret's key %s does not resolve to the original value", k)
		}
	}
	doc := e.ownedPolicy(t)
	read := statement(t, doc, "EcsfixReadSecrets")
	if read == nil || read["Effect"] != "Allow" || !slices.Equal(strs(read["Action"]), []string{"secretsmanager:GetSecretValue"}) || !slices.Equal(strs(read["Resource"]), []string{arn}) {
		t.Errorf("EcsfixReadSecrets = %v, want GetSecretValue on exactly %s", read, arn)
	}
	logs := statement(t, doc, "EcsfixWriteLogs")
	if logs == nil || !slices.Contains(strs(logs["Action"]), "logs:PutLogEvents") || !strings.Contains(strings.Join(strs(logs["Resource"]), ","), "log-group:"+logGroup) {
		t.Errorf("EcsfixWriteLogs = %v, want logs on the group", logs)
	}
	if ok, days := e.logRetention(t); !ok || days != 30 {
		t.Errorf("log group %s: exists %v, retention %d, want 30", logGroup, ok, days)
	}
	td := e.taskDef(t, newArn)
	c := td.ContainerDefinitions[0]
	got := map[string]string{}
	for _, s := range c.Secrets {
		got[aws.ToString(s.Name)] = aws.ToString(s.ValueFrom)
	}
	for k := range want {
		if got[k] != arn+":"+k+"::" {
			t.Errorf("secrets[%s].valueFrom = %q, want %s:%s::", k, got[k], arn, k)
		}
	}
	for _, kv := range c.Environment {
		if _, moved := want[aws.ToString(kv.Name)]; moved {
			t.Errorf("the new revision's environment still holds %s", aws.ToString(kv.Name))
		}
	}
	if len(c.Environment) != 1 || aws.ToString(c.Environment[0].Value) != logLevel {
		t.Errorf("the new revision's environment = %v, want LOG_LEVEL kept", c.Environment)
	}
	b, _ := json.Marshal(td)
	noValues(t, "the new revision", string(b))
	if c.LogConfiguration == nil || c.LogConfiguration.LogDriver != ecstypes.LogDriverAwslogs || c.LogConfiguration.Options["awslogs-group"] != logGroup {
		t.Errorf("logConfiguration = %+v, want awslogs to %s", c.LogConfiguration, logGroup)
	}
	if aws.ToString(td.ExecutionRoleArn) != e.role {
		t.Errorf("executionRoleArn = %s", aws.ToString(td.ExecutionRoleArn))
	}
	if s := e.service(t, "app"); aws.ToString(s.TaskDefinition) != newArn {
		t.Errorf("service app runs %s, want %s", aws.ToString(s.TaskDefinition), newArn)
	}
}

func mapsKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestSecretsApply(t *testing.T) {
	t.Parallel()
	e := seedSecrets(t, "")
	p := e.makeSecretsPlan(t, false)
	var out, logs bytes.Buffer
	o := secretsOpts(t, &out)
	o.Log = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	rep, err := Apply(context.Background(), e.cfg, p, o)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, out.String())
	}
	for _, a := range rep.Actions {
		if a.Status != StatusDone {
			t.Errorf("%s: %s (%s), want done", a.ID, a.Status, a.Error)
		}
	}
	newArn := rep.Action("a4").TaskDefinitionArn
	if !strings.HasSuffix(newArn, ":task-definition/app:2") {
		t.Fatalf("registered %q, want app:2", newArn)
	}
	e.checkFixed(t, newArn)
	arn, _ := e.secretValue(t)
	if rep.Action("a1").SecretArn != arn {
		t.Errorf("a1 reports secret %q, want %s", rep.Action("a1").SecretArn, arn)
	}
	// The secret carries the plan's tags and the provenance tags.
	d, err := e.sm.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(secretName)})
	if err != nil {
		t.Fatal(err)
	}
	tags := map[string]string{}
	for _, tg := range d.Tags {
		tags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	if tags[TagPlan] != shortHash(p.ContentHash()) || tags[TagAction] != "a1" || tags["ecsfix:source"] != e.src {
		t.Errorf("secret tags = %v", tags)
	}

	// The journal: the secret's ARN, the policy's previous state (none), the log group created.
	recs, err := ReadJournal(o.JournalPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		switch {
		case r.Type == RecDone && r.Action == "a1":
			if r.Result == nil || r.Result.SecretArn != arn || r.Result.Reused {
				t.Errorf("a1 done = %+v, want the secret's ARN, created", r.Result)
			}
		case r.Type == RecStarted && r.Action == "a2":
			if r.Before == nil || r.Before.PolicyExists == nil || *r.Before.PolicyExists || r.Before.PolicyDocument != "" {
				t.Errorf("a2 before = %+v, want no policy", r.Before)
			}
		case r.Type == RecDone && r.Action == "a3":
			if r.Result == nil || r.Result.Created == nil || !*r.Result.Created || r.Result.RetentionDays != 30 {
				t.Errorf("a3 done = %+v, want created with retention 30", r.Result)
			}
		}
	}
	noValues(t, "the journal", readFile(t, o.JournalPath))
	noValues(t, "Out", out.String())
	noValues(t, "the log", logs.String())
	noValues(t, "the report", fmt.Sprintf("%+v", rep))

	// Applying again changes nothing.
	out.Reset()
	rep, err = Apply(context.Background(), e.cfg, p, o)
	if err != nil {
		t.Fatalf("apply again: %v\n%s", err, out.String())
	}
	for _, a := range rep.Actions {
		if a.Status != StatusSkipped {
			t.Errorf("again: %s: %s, want skipped", a.ID, a.Status)
		}
	}
	if w := anyWrites(rep.Calls); len(w) != 0 {
		t.Errorf("applying again wrote: %v", w)
	}
}

// TestSecretsApplyExistingPolicy merges into an owned policy the role holds already: other statements
// are kept; rollback keeps the merged document (the registered revision stays ACTIVE and needs it).
func TestSecretsApplyExistingPolicy(t *testing.T) {
	t.Parallel()
	prior := `{"Version":"2012-10-17","Statement":[{"Sid":"Other","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*"}]}`
	e := seedSecrets(t, prior)
	p := e.makeSecretsPlan(t, false)
	var out bytes.Buffer
	o := secretsOpts(t, &out)
	rep, err := Apply(context.Background(), e.cfg, p, o)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, out.String())
	}
	e.checkFixed(t, rep.Action("a4").TaskDefinitionArn)
	if s := statement(t, e.ownedPolicy(t), "Other"); s == nil || !slices.Equal(strs(s["Action"]), []string{"s3:GetObject"}) {
		t.Errorf("the other statement was not kept: %v", s)
	}
	rep, err = Rollback(context.Background(), e.cfg, p, o.JournalPath, o)
	if err != nil {
		t.Fatalf("rollback: %v\n%s", err, out.String())
	}
	if a := rep.Action("a2"); a.Status != StatusSkipped || !strings.HasPrefix(a.Detail, "kept") {
		t.Errorf("a2 = %+v, want kept", a)
	}
	if rep.Calls["iam:PutRolePolicy"]+rep.Calls["iam:DeleteRolePolicy"] != 0 {
		t.Errorf("rollback wrote the role policy: %v", anyWrites(rep.Calls))
	}
	doc := e.ownedPolicy(t)
	if s := statement(t, doc, "Other"); s == nil || !slices.Equal(strs(s["Action"]), []string{"s3:GetObject"}) {
		t.Errorf("the other statement was not kept: %s", doc)
	}
	if statement(t, doc, "EcsfixReadSecrets") == nil || statement(t, doc, "EcsfixWriteLogs") == nil {
		t.Errorf("rollback removed ecsfix's grants: %s", doc)
	}
}

// TestSecretsResume loses the response of each write (AWS made the change, the journal does not record
// it done), then applies again with the same journal: the run converges, finding what the first run made
// (the secret this plan created, checked and reused; the log group it created, given its retention; the
// grant merged again without change), with no duplicate.
func TestSecretsResume(t *testing.T) {
	t.Parallel()
	for _, op := range []string{"CreateSecret", "PutRolePolicy", "CreateLogGroup", "RegisterTaskDefinition", "UpdateService", "DeregisterTaskDefinition"} {
		t.Run(op, func(t *testing.T) {
			t.Parallel()
			e := seedSecrets(t, "")
			p := e.makeSecretsPlan(t, true)
			var out bytes.Buffer
			o := secretsOpts(t, &out)
			f := &fault{n: 1, mode: "after", ops: []string{op}}
			faulty := e.cfg.Copy()
			faulty.APIOptions = append(append([]func(*smithymw.Stack) error{}, faulty.APIOptions...), f.add)
			rep, err := Apply(context.Background(), faulty, p, o)
			if !errors.Is(err, ErrIncomplete) {
				t.Fatalf("err = %v, want ErrIncomplete", err)
			}
			if op == "CreateSecret" {
				if a := rep.Action("a1"); a.Status != StatusFailed {
					t.Fatalf("a1 = %+v, want failed", a)
				}
				if n := len(e.appRevisions(t)); n != 1 {
					t.Fatalf("app has %d revisions after a failed secret, want 1 (nothing registered)", n)
				}
			}

			out.Reset()
			rep, err = Apply(context.Background(), e.cfg, p, o)
			if err != nil {
				t.Fatalf("resume: %v\n%s", err, out.String())
			}
			for _, a := range rep.Actions {
				if a.Status != StatusDone && a.Status != StatusSkipped {
					t.Errorf("resume: %s: %s %s", a.ID, a.Status, a.Error)
				}
			}
			if op == "CreateSecret" {
				if a := rep.Action("a1"); a.Status != StatusDone || !strings.Contains(a.Detail, "reused") {
					t.Errorf("a1 = %+v, want the secret reused", a)
				}
				if rep.Calls["secretsmanager:CreateSecret"] != 0 {
					t.Errorf("the resume called CreateSecret %d time(s)", rep.Calls["secretsmanager:CreateSecret"])
				}
			}
			if n := e.secretCount(t); n != 1 {
				t.Errorf("%d secrets named %s, want 1", n, secretName)
			}
			if n := len(e.appRevisions(t)); n != 1 { // app:2; app:1 deregistered
				t.Errorf("app has ACTIVE revisions %v, want app:2 only", e.appRevisions(t))
			}
			e.checkFixed(t, strings.TrimSuffix(e.src, ":1")+":2")
			noValues(t, "the journal", readFile(t, o.JournalPath))
			noValues(t, "Out", out.String())
		})
	}
}

// TestSecretsForeignSecret: a secret of the planned name that ecsfix did not create is never touched;
// the action fails and nothing that depends on it runs.
func TestSecretsForeignSecret(t *testing.T) {
	t.Parallel()
	e := seedSecrets(t, "")
	p := e.makeSecretsPlan(t, false)
	if _, err := e.sm.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{Name: aws.String(secretName), SecretString: aws.String("someone-elses")}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	o := secretsOpts(t, &out)
	rep, err := Apply(context.Background(), e.cfg, p, o)
	if !errors.Is(err, ErrIncomplete) {
		t.Fatalf("err = %v, want ErrIncomplete", err)
	}
	if a := rep.Action("a1"); a.Status != StatusFailed || !strings.Contains(a.Error, "a secret named "+secretName+" exists") ||
		!strings.Contains(a.Error, "not created by ecsfix for family app container app with these values") ||
		!strings.Contains(a.Error, "fix.secrets.name_prefix") || strings.Contains(a.Error, "this plan") {
		t.Errorf("a1 = %+v, want failed: not created by ecsfix for family app container app", a)
	}
	for _, id := range []string{"a2", "a4", "a5"} {
		if a := rep.Action(id); a.Status != StatusNotRun {
			t.Errorf("%s = %+v, want not run", id, a)
		}
	}
	if n := len(e.appRevisions(t)); n != 1 {
		t.Errorf("app has %d revisions, want 1 (nothing registered)", n)
	}
	if doc := e.ownedPolicy(t); doc != "" {
		t.Errorf("the role got a policy: %s", doc)
	}
	got, err := e.sm.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretName)})
	if err != nil || aws.ToString(got.SecretString) != "someone-elses" {
		t.Errorf("the foreign secret was changed (%v)", err)
	}
	if rep.Calls["secretsmanager:CreateSecret"] != 0 {
		t.Errorf("CreateSecret was called")
	}
}

// TestSecretsRollback returns the service; the owned policy's grants (which the registered revision,
// still ACTIVE and the family's newest, needs), the secret and the log group are kept.
func TestSecretsRollback(t *testing.T) {
	t.Parallel()
	e := seedSecrets(t, "")
	p := e.makeSecretsPlan(t, false)
	var out bytes.Buffer
	o := secretsOpts(t, &out)
	if _, err := Apply(context.Background(), e.cfg, p, o); err != nil {
		t.Fatalf("apply: %v\n%s", err, out.String())
	}
	out.Reset()
	dry := o
	dry.DryRun = true
	rep, err := Rollback(context.Background(), e.cfg, p, o.JournalPath, dry)
	if err != nil {
		t.Fatalf("rollback dry run: %v", err)
	}
	if w := anyWrites(rep.Calls); len(w) != 0 {
		t.Errorf("a rollback dry run wrote: %v", w)
	}
	if !strings.Contains(out.String(), "a2: policy ecsfix of role "+e.role+" kept") || strings.Contains(out.String(), "RolePolicy") {
		t.Errorf("the rollback dry run does not say the policy is kept:\n%s", out.String())
	}

	out.Reset()
	rep, err = Rollback(context.Background(), e.cfg, p, o.JournalPath, o)
	if err != nil {
		t.Fatalf("rollback: %v\n%s", err, out.String())
	}
	want := map[string]Status{"a1": StatusSkipped, "a2": StatusSkipped, "a3": StatusSkipped, "a4": StatusSkipped, "a5": StatusRolledBack}
	for _, a := range rep.Actions {
		if a.Status != want[a.ID] {
			t.Errorf("%s: %s (%s %s), want %s", a.ID, a.Status, a.Detail, a.Error, want[a.ID])
		}
	}
	for _, id := range []string{"a1", "a2", "a3"} {
		if !strings.HasPrefix(rep.Action(id).Detail, "kept") {
			t.Errorf("%s = %+v: want kept", id, rep.Action(id))
		}
	}
	if w := anyWrites(rep.Calls); len(w) != 1 || w["ecs:UpdateService"] != 1 {
		t.Errorf("rollback wrote %v, want the service's update only", w)
	}
	// The revision the plan registered stays ACTIVE, the family's newest: what deploys by family name
	// still starts it, and its execution role may still read its secret.
	arn, _ := e.secretValue(t)
	if read := statement(t, e.ownedPolicy(t), "EcsfixReadSecrets"); read == nil || !slices.Equal(strs(read["Resource"]), []string{arn}) {
		t.Errorf("the grant to read %s was not kept: %s", arn, e.ownedPolicy(t))
	}
	if lt, err := awsread.LatestActive(context.Background(), e.api, "app", awsread.LatestOptions{}); err != nil || lt == nil || lt.Revision != 2 {
		t.Errorf("the family's latest ACTIVE revision = %v (%v), want app:2", lt, err)
	}
	if s := e.service(t, "app"); aws.ToString(s.TaskDefinition) != e.src {
		t.Errorf("service app runs %s, want %s", aws.ToString(s.TaskDefinition), e.src)
	}
	if n := e.secretCount(t); n != 1 {
		t.Errorf("the secret was not kept")
	}
	if ok, _ := e.logRetention(t); !ok {
		t.Errorf("the log group was not kept")
	}
	// Again: a no-op.
	rep, err = Rollback(context.Background(), e.cfg, p, o.JournalPath, o)
	if err != nil {
		t.Fatalf("rollback again: %v", err)
	}
	if w := anyWrites(rep.Calls); len(w) != 0 {
		t.Errorf("rolling back again wrote: %v", w)
	}
	noValues(t, "the journal", readFile(t, o.JournalPath))
}

// TestSecretsStale: the owned policy changed after planning.
func TestSecretsStale(t *testing.T) {
	t.Parallel()
	e := seedSecrets(t, "")
	p := e.makeSecretsPlan(t, false)
	if _, err := e.iam.PutRolePolicy(context.Background(), &iam.PutRolePolicyInput{RoleName: aws.String("app-exec"), PolicyName: aws.String(plan.OwnedPolicyName),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"X","Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	o := secretsOpts(t, &out)
	rep, err := Apply(context.Background(), e.cfg, p, o)
	var se *StaleError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a *StaleError", err)
	}
	found := false
	for _, c := range se.Changes {
		if c.Resource == e.role {
			found = true
		}
	}
	if !found {
		t.Errorf("the stale error does not name the role: %v", err)
	}
	if rep != nil {
		if w := anyWrites(rep.Calls); len(w) != 0 {
			t.Errorf("a stale plan wrote: %v", w)
		}
	}
	if e.secretCount(t) != 0 {
		t.Errorf("a stale plan created the secret")
	}
}

func TestSecretsDryRun(t *testing.T) {
	t.Parallel()
	e := seedSecrets(t, "")
	p := e.makeSecretsPlan(t, true)
	var out bytes.Buffer
	o := secretsOpts(t, &out)
	o.DryRun = true
	rep, err := Apply(context.Background(), e.cfg, p, o)
	if err != nil {
		t.Fatal(err)
	}
	if w := anyWrites(rep.Calls); len(w) != 0 {
		t.Errorf("a dry run wrote: %v", w)
	}
	for _, want := range []string{
		`would call secretsmanager:CreateSecret {"name":"` + secretName + `","tags":{`, `"ecsfix:action":"a1"`,
		"SecretString: (3 keys, from " + e.src + ")",
		`would call iam:PutRolePolicy {"policyName":"ecsfix","roleName":"app-exec"}`, "(the secret a1 creates)",
		`would call logs:CreateLogGroup {"logGroupName":"/ecs/app"`, `"retentionInDays":30`,
		"would call ecs:RegisterTaskDefinition", `"valueFrom": "(secret from a1)"`,
		`would call ecs:DeregisterTaskDefinition {"taskDefinition":"` + e.src + `"}`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the dry run does not print %s:\n%s", want, out.String())
		}
	}
	noValues(t, "Out", out.String())
	if e.secretCount(t) != 0 || e.ownedPolicy(t) != "" || len(e.appRevisions(t)) != 1 {
		t.Errorf("a dry run changed something")
	}
	if ok, _ := e.logRetention(t); ok {
		t.Errorf("a dry run created the log group")
	}
}

// TestSecretsDeregister deregisters the plaintext revision once the service moved off it, and refuses
// while a service of the plan still runs it.
func TestSecretsDeregister(t *testing.T) {
	t.Parallel()
	t.Run("after the move", func(t *testing.T) {
		t.Parallel()
		e := seedSecrets(t, "")
		p := e.makeSecretsPlan(t, true)
		var out bytes.Buffer
		o := secretsOpts(t, &out)
		rep, err := Apply(context.Background(), e.cfg, p, o)
		if err != nil {
			t.Fatalf("apply: %v\n%s", err, out.String())
		}
		if td := e.taskDef(t, e.src); td.Status != ecstypes.TaskDefinitionStatusInactive {
			t.Errorf("%s is %s, want INACTIVE", e.src, td.Status)
		}
		steps := 0
		recs, _ := ReadJournal(o.JournalPath)
		for _, r := range recs {
			if r.Type == RecStep && r.Action == "a6" && r.Result != nil && r.Result.TaskDefinitionArn == e.src {
				steps++
			}
		}
		if steps != 1 {
			t.Errorf("the journal records %d deregistration step(s), want 1", steps)
		}
		// Rollback keeps it deregistered (the service's own rollback to it is up to ECS: AWS refuses an
		// INACTIVE revision, the emulator does not).
		rep, _ = Rollback(context.Background(), e.cfg, p, o.JournalPath, o)
		if a := rep.Action("a6"); a.Status != StatusSkipped || !strings.Contains(a.Detail, "kept") {
			t.Errorf("a6 = %+v, want kept", a)
		}
	})
	t.Run("refused while running", func(t *testing.T) {
		t.Parallel()
		e := seedSecrets(t, "")
		p := e.makeSecretsPlan(t, true)
		// The service does not move: drop a5 and make a6 depend on a4.
		p.Actions = append(p.Actions[:4], p.Actions[5])
		p.Actions[4].DependsOn = []string{"a4"}
		var out bytes.Buffer
		o := secretsOpts(t, &out)
		rep, err := Apply(context.Background(), e.cfg, p, o)
		if !errors.Is(err, ErrIncomplete) {
			t.Fatalf("err = %v, want ErrIncomplete", err)
		}
		if a := rep.Action("a6"); a.Status != StatusFailed || !strings.Contains(a.Error, "still run by service app") {
			t.Errorf("a6 = %+v, want refused", a)
		}
		if td := e.taskDef(t, e.src); td.Status != ecstypes.TaskDefinitionStatusActive {
			t.Errorf("%s was deregistered while a service runs it", e.src)
		}
		if rep.Calls["ecs:DeregisterTaskDefinition"] != 0 {
			t.Errorf("DeregisterTaskDefinition was called")
		}
	})
}

// echoingSecrets fails CreateSecret with a message quoting the request's SecretString, as a validation
// error might.
type echoingSecrets struct{ secretsAPI }

func (echoingSecrets) CreateSecret(_ context.Context, in *secretsmanager.CreateSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.CreateSecretOutput, error) {
	return nil, fmt.Errorf("ValidationException: invalid SecretString %s (%q)", aws.ToString(in.SecretString), aws.ToString(in.SecretString))
}

// TestSecretsHygiene plants values, makes AWS echo them in an error, and checks the journal, Out, a
// debug-level log, the report and the error.
func TestSecretsHygiene(t *testing.T) {
	t.Parallel()
	e := seedSecrets(t, "")
	p := e.makeSecretsPlan(t, true)
	var out, logs bytes.Buffer
	o := secretsOpts(t, &out)
	o.Regions = []string{e.cfg.Region}
	o.Log = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cl := sdkClients(e.cfg, 3)
	real := cl.secrets
	cl.secrets = func(region string) secretsAPI { return echoingSecrets{real(region)} }
	rep, err := apply(context.Background(), cl, p, o)
	if !errors.Is(err, ErrIncomplete) {
		t.Fatalf("err = %v, want ErrIncomplete", err)
	}
	a1 := rep.Action("a1")
	if a1.Status != StatusFailed || !strings.Contains(a1.Error, "ValidationException") {
		t.Fatalf("a1 = %+v, want the echoed error", a1)
	}
	noValues(t, "the report", a1.Error, fmt.Sprintf("%+v", rep))
	noValues(t, "the error", err.Error())
	noValues(t, "the journal", readFile(t, o.JournalPath))
	noValues(t, "Out", out.String())
	noValues(t, "the log", logs.String())

	// A complete apply, logged at debug level, leaks nothing either.
	e2 := seedSecrets(t, "")
	p2 := e2.makeSecretsPlan(t, true)
	out.Reset()
	logs.Reset()
	o2 := secretsOpts(t, &out)
	o2.Log = o.Log
	rep, err = Apply(context.Background(), e2.cfg, p2, o2)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, out.String())
	}
	rb, err := Rollback(context.Background(), e2.cfg, p2, o2.JournalPath, o2)
	if err != nil {
		t.Fatalf("rollback: %v", err)
	}
	noValues(t, "the report", fmt.Sprintf("%+v %+v", rep, rb))
	noValues(t, "the journal", readFile(t, o2.JournalPath))
	noValues(t, "Out", out.String())
	noValues(t, "the log", logs.String())
}
