package plan

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// The secrets and logging fixes and the roles they rely on: the execution role, Fargate, Deny statements,
// KMS aliases, log options, texts.

func ec2Only(td *detect.TaskDefinition) {
	td.RequiresCompatibilities = []ecstypes.Compatibility{ecstypes.CompatibilityEc2}
	td.Compatibilities = []ecstypes.Compatibility{ecstypes.CompatibilityEc2}
}

func ec2Service(s *ecstypes.Service) { s.LaunchType = ecstypes.LaunchTypeEc2 }

func noLogsAt(i int) tdMod {
	return ctrMod(i, func(c *ecstypes.ContainerDefinition) { c.LogConfiguration = nil })
}

func planOf(t *testing.T, tds []detect.TaskDefinition, svcs []ecstypes.Service, roles []detect.Role, mods ...func(*Options)) (*detect.Inventory, *Plan) {
	t.Helper()
	in := bInventory(tds, svcs)
	in.Roles = roles
	o := bOptions(mods...)
	p := buildPlan(t, in, o)
	planText(t, p)
	assertConverges(t, in, p, o)
	return in, p
}

func preconditionsOf(p *Plan) string {
	var out []string
	for _, a := range p.Actions {
		for _, c := range a.Preconditions {
			out = append(out, c.Check+": "+c.Result)
		}
	}
	return strings.Join(out, "\n")
}

func notesOf(p *Plan) string {
	var out []string
	for _, a := range p.Actions {
		out = append(out, a.Notes...)
	}
	return strings.Join(out, "\n")
}

// 1. An EC2-only revision without an execution role does not get one: the agent would use it instead of
// the instance role for awslogs and ECR pulls.
func TestEC2RevisionGetsNoExecutionRole(t *testing.T) {
	configured := func(o *Options) { o.Secrets.ExecutionRole = "exec" }
	_, p := planOf(t, []detect.TaskDefinition{bTD("web", 1, ec2Only, credEnv())},
		[]ecstypes.Service{bSvc("web", bTDArn("web", 1), ec2Service)}, []detect.Role{execRoleOf()}, configured)
	if len(p.Actions) != 0 || !hasSkipped(p, "ECS.8", bTDArn("web", 1), "adding an execution role changes how this EC2 task definition's logs and image pulls are authorised: give it an execution role with AmazonECSTaskExecutionRolePolicy (or equivalent) yourself, then re-plan") {
		t.Errorf("actions %+v skipped %+v", p.Actions, p.Skipped)
	}

	// logs on EC2 without a role: awslogs is added, the instance role noted, no role added
	_, p = planOf(t, []detect.TaskDefinition{bTD("web", 1, ec2Only, noLogsAt(0))},
		[]ecstypes.Service{bSvc("web", bTDArn("web", 1), ec2Service)}, nil, configured)
	reg := actionsOf(p, RegisterTaskDefinition)
	if len(reg) != 1 || aws.ToString(afterInput(t, reg[0]).ExecutionRoleArn) != "" || !strings.Contains(joinNotes(reg[0]), "container instance role") {
		t.Errorf("actions %+v", p.Actions)
	}
}

// 1. The instance-role note is only for a revision that ends up without an execution role.
func TestInstanceRoleNoteOnlyWithoutExecutionRole(t *testing.T) {
	_, p := planOf(t, []detect.TaskDefinition{bTD("web", 1, ec2Only, withExecRole, noLogsAt(0))},
		[]ecstypes.Service{bSvc("web", bTDArn("web", 1), ec2Service)}, []detect.Role{execRoleOf()})
	reg := actionsOf(p, RegisterTaskDefinition)
	if len(reg) != 1 || strings.Contains(joinNotes(reg[0]), "container instance role") {
		t.Errorf("notes %v", reg)
	}
	if rp := actionsOf(p, PutRolePolicy); len(rp) != 1 || rp[0].PutRolePolicy.Statements[0].Sid != SidWriteLogs {
		t.Errorf("the execution role writes the logs on EC2 too: %+v", rp)
	}
}

// 1. An added execution role (Fargate) is granted writing to the log groups the revision already uses,
// and must be able to pull the revision's private ECR images.
func TestAddedExecutionRoleKeepsLogsAndPulls(t *testing.T) {
	configured := func(o *Options) { o.Secrets.ExecutionRole = "exec" }
	ecr := ctrMod(0, func(c *ecstypes.ContainerDefinition) {
		c.Image = aws.String("111122223333.dkr.ecr.eu-west-1.amazonaws.com/team/web:1")
		c.LogConfiguration.Options["awslogs-region"] = "eu-central-1"
	})
	td := func() detect.TaskDefinition { return bTD("web", 1, credEnv(), ecr) }
	svcs := []ecstypes.Service{bSvc("web", bTDArn("web", 1))}

	// policies not known: planned, with the ECR precondition, and the existing group granted
	_, p := planOf(t, []detect.TaskDefinition{td()}, svcs, nil, configured)
	rp := actionsOf(p, PutRolePolicy)
	if len(rp) != 1 {
		t.Fatalf("put-role-policy %+v", p.Actions)
	}
	var logs *PolicyStatement
	for i, st := range rp[0].PutRolePolicy.Statements {
		if st.Sid == SidWriteLogs {
			logs = &rp[0].PutRolePolicy.Statements[i]
		}
	}
	if logs == nil || !slices.Equal(logs.Resources, []string{"arn:aws:logs:eu-central-1:111122223333:log-group:/ecs/app:*"}) {
		t.Errorf("the existing log group is not granted: %+v", rp[0].PutRolePolicy.Statements)
	}
	if len(actionsOf(p, EnsureLogGroup)) != 0 {
		t.Errorf("an existing log group gets an ensure-log-group action")
	}
	if pre := preconditionsOf(p); !strings.Contains(pre, "ecr:GetAuthorizationToken") || !strings.Contains(pre, "arn:aws:ecr:eu-west-1:111122223333:repository/team/web") {
		t.Errorf("no ECR precondition: %s", pre)
	}
	if p.EffectiveRisk(rp[0], nil) != RiskMedium {
		t.Errorf("risk %s", p.EffectiveRisk(rp[0], nil))
	}

	// known policies without ECR access: skipped, naming what it lacks
	_, p = planOf(t, []detect.TaskDefinition{td()}, svcs, []detect.Role{execRoleOf()}, configured)
	if len(p.Actions) != 0 || !hasSkipped(p, "ECS.8", bTDArn("web", 1), "ecr:GetAuthorizationToken on *; ecr:BatchGetImage and ecr:GetDownloadUrlForLayer on arn:aws:ecr:eu-west-1:111122223333:repository/team/web") {
		t.Errorf("actions %+v skipped %+v", p.Actions, p.Skipped)
	}

	// the managed execution policy allows the pulls
	managed := detect.Role{Arn: tExecRole, Name: "exec", PoliciesKnown: true, Attached: []detect.AttachedPolicy{{Name: "AmazonECSTaskExecutionRolePolicy", Arn: taskExecPolicyArn}}}
	_, p = planOf(t, []detect.TaskDefinition{td()}, svcs, []detect.Role{managed}, configured)
	if len(actionsOf(p, RegisterTaskDefinition)) != 1 || !strings.Contains(preconditionsOf(p), "allowed by managed policy "+taskExecPolicyArn) {
		t.Errorf("actions %+v skipped %+v", p.Actions, p.Skipped)
	}
}

// 2. Fargate: compatibilities, capacity providers, and the cluster's default strategy count.
func TestRunsOnFargate(t *testing.T) {
	noReq := func(td *detect.TaskDefinition) { td.RequiresCompatibilities = nil; td.Compatibilities = nil }
	tests := []struct {
		name string
		td   detect.TaskDefinition
		svc  svcMod
		want bool
	}{
		{"requires FARGATE", bTD("web", 1, noReq, func(td *detect.TaskDefinition) {
			td.RequiresCompatibilities = []ecstypes.Compatibility{ecstypes.CompatibilityFargate}
		}), ec2Service, true},
		{"compatible with FARGATE", bTD("web", 1, noReq, func(td *detect.TaskDefinition) {
			td.Compatibilities = []ecstypes.Compatibility{ecstypes.CompatibilityEc2, ecstypes.CompatibilityFargate}
		}), ec2Service, true},
		{"FARGATE_SPOT capacity provider", bTD("web", 1, noReq), func(s *ecstypes.Service) {
			s.LaunchType = ""
			s.CapacityProviderStrategy = []ecstypes.CapacityProviderStrategyItem{{CapacityProvider: aws.String("FARGATE_SPOT")}}
		}, true},
		{"the cluster's default strategy", bTD("web", 1, noReq), func(s *ecstypes.Service) { s.LaunchType = "" }, true},
		{"EC2 capacity provider", bTD("web", 1, noReq), func(s *ecstypes.Service) {
			s.LaunchType = ""
			s.CapacityProviderStrategy = []ecstypes.CapacityProviderStrategyItem{{CapacityProvider: aws.String("my-asg")}}
		}, false},
		{"EC2 launch type", bTD("web", 1, noReq), ec2Service, false},
		{"EC2-only compatibilities", bTD("web", 1, ec2Only), func(s *ecstypes.Service) { s.LaunchType = "" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := bSvc("web", bTDArn("web", 1), tt.svc)
			ctx := &revisionContext{inv: bInventory([]detect.TaskDefinition{tt.td}, []ecstypes.Service{svc}), source: &tt.td, services: []*ecstypes.Service{&svc}, opts: bOptions()}
			if got := runsOnFargate(ctx, RegisterInput(&tt.td)); got != tt.want {
				t.Errorf("runsOnFargate = %v, want %v", got, tt.want)
			}
		})
	}
	// end to end: a FARGATE-compatible revision run by an EC2 service still needs an execution role for awslogs
	compat := func(td *detect.TaskDefinition) {
		td.RequiresCompatibilities = nil
		td.Compatibilities = []ecstypes.Compatibility{ecstypes.CompatibilityEc2, ecstypes.CompatibilityFargate}
	}
	_, p := planOf(t, []detect.TaskDefinition{bTD("web", 1, compat, noLogsAt(0))}, []ecstypes.Service{bSvc("web", bTDArn("web", 1), ec2Service)}, nil)
	if len(p.Actions) != 0 || !hasSkipped(p, "ECS.9", bTDArn("web", 1), "fix.secrets.execution_role") {
		t.Errorf("actions %+v skipped %+v", p.Actions, p.Skipped)
	}
}

// 3. A Deny in the role's known policies makes the grant useless: skipped, naming the statement.
func TestDenyStatementsSkip(t *testing.T) {
	deny := func(doc string) detect.Role {
		return execRoleOf(detect.PolicyDocument{Name: "guard", Document: doc})
	}
	tests := []struct {
		name    string
		td      detect.TaskDefinition
		role    detect.Role
		opts    func(*Options)
		control string
		want    string
	}{
		{"GetSecretValue on *", bTD("web", 1, withExecRole, credEnv()),
			deny(`{"Statement":[{"Sid":"NoSecrets","Effect":"Deny","Action":"secretsmanager:*","Resource":"*"}]}`), nil,
			"ECS.8", "inline policy guard, statement NoSecrets denies secretsmanager:GetSecretValue"},
		{"GetSecretValue on the planned names", bTD("web", 1, withExecRole, credEnv()),
			deny(`{"Statement":{"Effect":"Deny","Action":["secretsmanager:GetSecretValue"],"Resource":"arn:aws:secretsmanager:eu-west-1:111122223333:secret:ecsfix/*"}}`), nil,
			"ECS.8", "inline policy guard, statement 1 denies"},
		{"kms:Decrypt on the key", bTD("web", 1, withExecRole, credEnv()),
			deny(`{"Statement":[{"Sid":"NoKms","Effect":"Deny","NotAction":"s3:*","Resource":"arn:aws:kms:*"}]}`),
			func(o *Options) { o.Secrets.KmsKeyID = "k1" },
			"ECS.8", "inline policy guard, statement NoKms denies kms:Decrypt on arn:aws:kms:eu-west-1:111122223333:key/k1"},
		{"logs on the group", bTD("web", 1, withExecRole, noLogsAt(0)),
			deny(`{"Statement":[{"Sid":"NoLogs","Effect":"Deny","Action":"logs:PutLogEvents","Resource":"arn:aws:logs:*:*:log-group:/ecs/*"}]}`), nil,
			"ECS.9", "inline policy guard, statement NoLogs (logs:PutLogEvents)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mods []func(*Options)
			if tt.opts != nil {
				mods = append(mods, tt.opts)
			}
			_, p := planOf(t, []detect.TaskDefinition{tt.td}, []ecstypes.Service{bSvc("web", bTDArn("web", 1))}, []detect.Role{tt.role}, mods...)
			if len(p.Actions) != 0 || !hasSkipped(p, tt.control, bTDArn("web", 1), tt.want) {
				t.Errorf("actions %+v skipped %+v", p.Actions, p.Skipped)
			}
		})
	}
	// a Deny of something else does not stop the fix
	_, p := planOf(t, []detect.TaskDefinition{bTD("web", 1, withExecRole, credEnv())}, []ecstypes.Service{bSvc("web", bTDArn("web", 1))},
		[]detect.Role{deny(`{"Statement":[{"Effect":"Deny","Action":"secretsmanager:DeleteSecret","Resource":"*"}]}`)})
	if len(actionsOf(p, CreateSecret)) != 1 {
		t.Errorf("skipped %+v", p.Skipped)
	}
}

// 5. A KMS alias cannot be granted kms:Decrypt on: refused.
func TestKMSAliasRefused(t *testing.T) {
	for _, k := range []string{"alias/app", "arn:aws:kms:eu-west-1:111122223333:alias/app"} {
		_, p := planOf(t, []detect.TaskDefinition{bTD("web", 1, withExecRole, credEnv())}, []ecstypes.Service{bSvc("web", bTDArn("web", 1))}, nil,
			func(o *Options) { o.Secrets.KmsKeyID = k })
		if len(p.Actions) != 0 || !hasSkipped(p, "ECS.8", bTDArn("web", 1), "fix.secrets.kms_key_id must be a key id or key ARN, not an alias") {
			t.Errorf("%s: actions %+v skipped %+v", k, p.Actions, p.Skipped)
		}
	}
	_, p := planOf(t, []detect.TaskDefinition{bTD("web", 1, withExecRole, credEnv())}, []ecstypes.Service{bSvc("web", bTDArn("web", 1))}, nil,
		func(o *Options) { o.Secrets.KmsKeyID = "k1" })
	rp := actionsOf(p, PutRolePolicy)
	if len(rp) != 1 || rp[0].PutRolePolicy.Statements[1].Resources[0] != "arn:aws:kms:eu-west-1:111122223333:key/k1" || p.EffectiveRisk(rp[0], nil) != RiskMedium {
		t.Errorf("put-role-policy %+v", rp)
	}
}

// 6. Log options that are not secrets stay visible (and are not scrubbed); the others are masked.
func TestLogOptionsMasking(t *testing.T) {
	td := bTD("web", 1, ctrMod(0, func(c *ecstypes.ContainerDefinition) {
		c.LogConfiguration = &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverSplunk, Options: map[string]string{
			"awslogs-group": "/ecs/web", "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "web", "awslogs-create-group": "true",
			"awslogs-datetime-format": "%Y-%m-%d", "awslogs-multiline-pattern": "^INFO", "mode": "non-blocking", "max-buffer-size": "25m",
			"splunk-token": "splunk-tok-value-1", "splunk-url": "https://splunk.example:8088",
		}}
	}))
	got := SecretValues(&td)
	for _, v := range []string{"/ecs/web", "eu-west-1", "web", "true", "%Y-%m-%d", "^INFO", "non-blocking", "25m"} {
		if slices.Contains(got, v) {
			t.Errorf("%q is scrubbed", v)
		}
	}
	for _, v := range []string{"splunk-tok-value-1", "https://splunk.example:8088"} {
		if !slices.Contains(got, v) {
			t.Errorf("%q is not scrubbed", v)
		}
	}
	var paths []string
	for _, m := range findSecrets(RegisterInput(&td), classifyFlagged) {
		paths = append(paths, m.path)
	}
	if strings.Join(paths, ",") != "containerDefinitions[0].logConfiguration.options.splunk-token,containerDefinitions[0].logConfiguration.options.splunk-url" {
		t.Errorf("masked %v", paths)
	}
	// the ClassifyEnv rule still applies to a visible option
	td2 := bTD("web", 1, ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.LogConfiguration.Options["awslogs-group"] = tAccessKey }))
	if !slices.Contains(SecretValues(&td2), tAccessKey) {
		t.Errorf("an access key in awslogs-group is not masked")
	}
}

// 7. The plan says what the applier does with an existing secret, and what valueFrom holds.
func TestSecretTexts(t *testing.T) {
	_, p := planOf(t, []detect.TaskDefinition{bTD("web", 1, withExecRole, credEnv())}, []ecstypes.Service{bSvc("web", bTDArn("web", 1))}, nil)
	if pre := preconditionsOf(p); !strings.Contains(pre, "an existing secret of that name is reused only when ecsfix created it (ecsfix tags) for the same revision and container and it holds exactly these values; any other secret of that name makes the action fail, changing nothing") {
		t.Errorf("preconditions %s", pre)
	}
	if n := notesOf(p); !strings.Contains(n, "valueFrom is the secret's ARN followed by :KEY::") {
		t.Errorf("notes %s", n)
	}
	_, p = planOf(t, []detect.TaskDefinition{bTD("web", 1, withExecRole, credEnv())}, []ecstypes.Service{bSvc("web", bTDArn("web", 1))}, nil,
		func(o *Options) { o.Secrets.PerVariable = true })
	if n := notesOf(p); !strings.Contains(n, "valueFrom is the bare ARN of its secret") {
		t.Errorf("notes %s", n)
	}
	if s := planText(t, p); !strings.Contains(s, "the bare ARN of the secret created by") {
		t.Errorf("the rendered secret refs do not say the ARN is bare")
	}
}

const taskExecPolicyArn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
