package plan

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

const (
	tExecRole  = "arn:aws:iam::111122223333:role/exec"
	tAccessKey = "AKIAIOSFODNN7EXAMPLE"
	tSecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	tDBPass    = "db-pass-hunter2-XYZ"
)

func withExecRole(td *detect.TaskDefinition) { td.ExecutionRoleArn = aws.String(tExecRole) }

func withEnv(kv ...string) tdMod {
	return ctrMod(0, func(c *ecstypes.ContainerDefinition) {
		for i := 0; i+1 < len(kv); i += 2 {
			c.Environment = append(c.Environment, ecstypes.KeyValuePair{Name: aws.String(kv[i]), Value: aws.String(kv[i+1])})
		}
	})
}

func credEnv() tdMod {
	return withEnv("AWS_ACCESS_KEY_ID", tAccessKey, "LOG_LEVEL", "info", "AWS_SECRET_ACCESS_KEY", tSecretKey, "DB_PASSWORD", tDBPass)
}

func execRoleOf(inline ...detect.PolicyDocument) detect.Role {
	return detect.Role{Arn: tExecRole, Name: "exec", PoliciesKnown: true, Inline: inline}
}

func planText(t *testing.T, p *Plan) string {
	t.Helper()
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var text, md bytes.Buffer
	if err := RenderText(&text, p, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := RenderMarkdown(&md, p, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	return string(raw) + text.String() + md.String()
}

func TestSecretsFix(t *testing.T) {
	tests := []struct {
		name  string
		tds   []detect.TaskDefinition
		svcs  []ecstypes.Service
		roles []detect.Role
		opts  func(*Options)
		check func(t *testing.T, p *Plan)
	}{
		{
			name:  "only the credentials move, one JSON secret",
			tds:   []detect.TaskDefinition{bTD("web", 1, withExecRole, credEnv())},
			svcs:  []ecstypes.Service{bSvc("web", bTDArn("web", 1))},
			roles: []detect.Role{execRoleOf()},
			check: func(t *testing.T, p *Plan) {
				cs := actionsOf(p, CreateSecret)
				if len(cs) != 1 || cs[0].CreateSecret.Name != "ecsfix/web/app" || !cs[0].CreateSecret.JSON {
					t.Fatalf("create-secret %+v", cs)
				}
				var keys []string
				for _, v := range cs[0].CreateSecret.Values {
					keys = append(keys, v.Key)
				}
				if strings.Join(keys, ",") != "AWS_ACCESS_KEY_ID,AWS_SECRET_ACCESS_KEY,DB_PASSWORD" {
					t.Errorf("keys %v", keys)
				}
				if v := cs[0].CreateSecret.Values[2]; v.SourcePath != "containerDefinitions[0].environment[3].value" {
					t.Errorf("value %+v", v)
				}
				if cs[0].CreateSecret.Tags[TagPrefix+"source"] != bTDArn("web", 1) || cs[0].CreateSecret.Tags[TagPrefix+"container"] != "app" {
					t.Errorf("tags %v", cs[0].CreateSecret.Tags)
				}
				reg := actionsOf(p, RegisterTaskDefinition)[0]
				after := afterInput(t, reg)
				c := after.ContainerDefinitions[0]
				if len(c.Environment) != 1 || aws.ToString(c.Environment[0].Name) != "LOG_LEVEL" || len(c.Secrets) != 3 {
					t.Errorf("env %+v secrets %+v", c.Environment, c.Secrets)
				}
				if aws.ToString(c.Secrets[0].ValueFrom) != "(secret from "+cs[0].ID+")" || len(reg.RegisterTaskDefinition.SecretRefs) != 3 ||
					reg.RegisterTaskDefinition.SecretRefs[1].Key != "AWS_SECRET_ACCESS_KEY" {
					t.Errorf("refs %+v", reg.RegisterTaskDefinition.SecretRefs)
				}
				rp := actionsOf(p, PutRolePolicy)
				if len(rp) != 1 || rp[0].PutRolePolicy.Role != tExecRole || len(rp[0].PutRolePolicy.Statements) != 1 ||
					rp[0].PutRolePolicy.Statements[0].ResourcesFrom[0] != cs[0].ID || rp[0].Risk != RiskMedium {
					t.Fatalf("put-role-policy %+v", rp)
				}
				if strings.Join(reg.DependsOn, ",") != cs[0].ID+","+rp[0].ID || strings.Join(rp[0].DependsOn, ",") != cs[0].ID {
					t.Errorf("dependencies: registration %v, policy %v", reg.DependsOn, rp[0].DependsOn)
				}
				if !strings.Contains(joinNotes(cs[0]), "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY held an AWS access key") {
					t.Errorf("no rotation note: %v", cs[0].Notes)
				}
				if f := stateOf(p, tExecRole); f == nil || f.Facts[FactOwnedPolicy] != "" {
					t.Errorf("role fingerprint %+v", f)
				}
			},
		},
		{
			name: "per variable, KMS statement",
			tds:  []detect.TaskDefinition{bTD("web", 1, withExecRole, credEnv())},
			svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1))},
			opts: func(o *Options) {
				o.Secrets.PerVariable, o.Secrets.KmsKeyID, o.Secrets.NamePrefix = true, "arn:aws:kms:eu-west-1:111122223333:key/k1", "team"
			},
			check: func(t *testing.T, p *Plan) {
				cs := actionsOf(p, CreateSecret)
				if len(cs) != 3 || cs[2].CreateSecret.Name != "team/web/app/DB_PASSWORD" || cs[2].CreateSecret.JSON || cs[2].CreateSecret.KmsKeyID == "" {
					t.Fatalf("create-secret %+v", cs)
				}
				for _, r := range actionsOf(p, RegisterTaskDefinition)[0].RegisterTaskDefinition.SecretRefs {
					if r.Key != "" {
						t.Errorf("a plain secret's ref has key %q", r.Key)
					}
				}
				st := actionsOf(p, PutRolePolicy)[0].PutRolePolicy.Statements
				if len(st) != 2 || len(st[0].ResourcesFrom) != 3 || st[1].Sid != SidDecryptSecrets || st[1].Resources[0] != "arn:aws:kms:eu-west-1:111122223333:key/k1" {
					t.Errorf("statements %+v", st)
				}
				if n := actionsOf(p, PutRolePolicy)[0].Notes; !strings.Contains(strings.Join(n, " "), "was not known") {
					t.Errorf("a role outside the inventory is not noted: %v", n)
				}
			},
		},
		{
			name: "a running older revision and the latest with the same values share one secret",
			tds:  []detect.TaskDefinition{bTD("web", 1, withExecRole, credEnv()), bTD("web", 2, withExecRole, credEnv(), ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.Image = aws.String("x:2") }))},
			svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1))},
			check: func(t *testing.T, p *Plan) {
				cs := actionsOf(p, CreateSecret)
				if len(cs) != 1 || cs[0].CreateSecret.Name != "ecsfix/web/app" {
					t.Fatalf("create-secret %+v", cs)
				}
				for _, r := range actionsOf(p, RegisterTaskDefinition) {
					if r.RegisterTaskDefinition.SecretRefs[0].From != cs[0].ID {
						t.Errorf("%s refers to %+v", r.ID, r.RegisterTaskDefinition.SecretRefs)
					}
				}
			},
		},
		{
			name: "different values: the older revision's secret gets -rev<N>",
			tds: []detect.TaskDefinition{bTD("web", 1, withExecRole, withEnv("AWS_SECRET_ACCESS_KEY", "old-pass-1")),
				bTD("web", 2, withExecRole, withEnv("AWS_SECRET_ACCESS_KEY", "new-pass-2"))},
			svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1))},
			check: func(t *testing.T, p *Plan) {
				cs := actionsOf(p, CreateSecret)
				if len(cs) != 2 || cs[0].CreateSecret.Name != "ecsfix/web/app" || cs[1].CreateSecret.Name != "ecsfix/web/app-rev1" {
					t.Fatalf("create-secret %+v", cs)
				}
			},
		},
		{
			name: "no execution role: skipped",
			tds:  []detect.TaskDefinition{bTD("web", 1, credEnv())},
			svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1))},
			check: func(t *testing.T, p *Plan) {
				if len(p.Actions) != 0 || !hasSkipped(p, "ECS.8", bTDArn("web", 1), "needs an execution role to read secrets: set fix.secrets.execution_role") {
					t.Errorf("actions %+v skipped %+v", p.Actions, p.Skipped)
				}
			},
		},
		{
			name: "no execution role: the configured one",
			tds:  []detect.TaskDefinition{bTD("web", 1, credEnv())},
			svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1))},
			opts: func(o *Options) { o.Secrets.ExecutionRole = "exec" },
			check: func(t *testing.T, p *Plan) {
				reg := actionsOf(p, RegisterTaskDefinition)[0]
				if aws.ToString(afterInput(t, reg).ExecutionRoleArn) != tExecRole || !strings.Contains(strings.Join(editPaths(reg), ","), "ECS.8 executionRoleArn") {
					t.Errorf("edits %v", editPaths(reg))
				}
			},
		},
		{
			name: "deregister the old revisions not run after the plan",
			tds:  []detect.TaskDefinition{bTD("web", 1, withExecRole, credEnv()), bTD("web", 2, withExecRole, withEnv("AWS_SECRET_ACCESS_KEY", "other-pass"))},
			svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1))},
			opts: func(o *Options) { o.Secrets.DeregisterOld = true },
			check: func(t *testing.T, p *Plan) {
				d := actionsOf(p, DeregisterTaskDefinition)
				if len(d) != 1 || strings.Join(d[0].DeregisterTaskDefinition.TaskDefinitions, ",") != bTDArn("web", 1)+","+bTDArn("web", 2) || d[0].Risk != RiskHigh {
					t.Fatalf("deregister %+v", d)
				}
				if last := p.Actions[len(p.Actions)-1]; last.ID != d[0].ID {
					t.Errorf("deregistration is not last")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := bInventory(tt.tds, tt.svcs)
			in.Roles = tt.roles
			o := bOptions()
			if tt.opts != nil {
				tt.opts(&o)
			}
			p := buildPlan(t, in, o)
			tt.check(t, p)
			out := planText(t, p)
			for _, s := range []string{tAccessKey, tSecretKey, tDBPass, "old-pass-1", "new-pass-2", "other-pass"} {
				if strings.Contains(out, s) {
					t.Errorf("a secret value appears in the plan or its rendering")
				}
			}
			var b bytes.Buffer
			if err := Write(&b, p); err != nil {
				t.Fatal(err)
			}
			if _, err := Read("p.json", b.Bytes()); err != nil {
				t.Fatal(err)
			}
			assertConverges(t, in, p, o)
		})
	}
}

func stateOf(p *Plan, resource string) *Fingerprint {
	for i := range p.State {
		if p.State[i].Resource == resource {
			return &p.State[i]
		}
	}
	return nil
}

func TestLogsFix(t *testing.T) {
	noLogs := func(c *ecstypes.ContainerDefinition) { c.LogConfiguration = nil }
	router := func() ecstypes.ContainerDefinition {
		c := bContainer("log-router")
		c.LogConfiguration = nil
		c.FirelensConfiguration = &ecstypes.FirelensConfiguration{Type: ecstypes.FirelensConfigurationTypeFluentbit}
		return c
	}()
	logsAllowed := detect.PolicyDocument{Name: "logs", Document: `{"Statement":[{"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}`}
	tests := []struct {
		name  string
		tds   []detect.TaskDefinition
		roles []detect.Role
		opts  func(*Options)
		svc   svcMod
		check func(t *testing.T, p *Plan)
	}{
		{
			name:  "awslogs added, log group ensured, role granted; the FireLens router too",
			tds:   []detect.TaskDefinition{bTD("web", 1, withExecRole, ctrMod(0, noLogs), withContainer(router))},
			roles: []detect.Role{execRoleOf()},
			opts:  func(o *Options) { o.Logs.RetentionDays = 30 },
			check: func(t *testing.T, p *Plan) {
				g := actionsOf(p, EnsureLogGroup)
				if len(g) != 1 || g[0].EnsureLogGroup.Name != "/ecs/web" || g[0].EnsureLogGroup.RetentionDays != 30 {
					t.Fatalf("log groups %+v", g)
				}
				after := afterInput(t, actionsOf(p, RegisterTaskDefinition)[0])
				for _, c := range after.ContainerDefinitions {
					lc := c.LogConfiguration
					if lc == nil || lc.LogDriver != ecstypes.LogDriverAwslogs || lc.Options["awslogs-group"] != "/ecs/web" ||
						lc.Options["awslogs-region"] != bRegion || lc.Options["awslogs-stream-prefix"] != aws.ToString(c.Name) {
						t.Errorf("container %s: %+v", aws.ToString(c.Name), lc)
					}
				}
				st := actionsOf(p, PutRolePolicy)[0].PutRolePolicy.Statements
				if len(st) != 1 || st[0].Sid != SidWriteLogs || st[0].Resources[0] != "arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/web:*" {
					t.Errorf("statements %+v", st)
				}
			},
		},
		{
			name:  "a role that may write already gets no statement",
			tds:   []detect.TaskDefinition{bTD("web", 1, withExecRole, ctrMod(0, noLogs))},
			roles: []detect.Role{execRoleOf(logsAllowed)},
			check: func(t *testing.T, p *Plan) {
				if len(actionsOf(p, PutRolePolicy)) != 0 {
					t.Errorf("put-role-policy %+v", actionsOf(p, PutRolePolicy))
				}
				reg := actionsOf(p, RegisterTaskDefinition)[0]
				found := false
				for _, c := range reg.Preconditions {
					found = found || strings.Contains(c.Result, "allowed by inline policy logs")
				}
				if !found {
					t.Errorf("preconditions %+v", reg.Preconditions)
				}
			},
		},
		{
			name:  "the AWS managed execution policy counts",
			tds:   []detect.TaskDefinition{bTD("web", 1, withExecRole, ctrMod(0, noLogs))},
			roles: []detect.Role{{Arn: tExecRole, Name: "exec", PoliciesKnown: true, Attached: []detect.AttachedPolicy{{Name: "AmazonECSTaskExecutionRolePolicy", Arn: "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"}}}},
			check: func(t *testing.T, p *Plan) {
				if len(actionsOf(p, PutRolePolicy)) != 0 {
					t.Errorf("put-role-policy %+v", actionsOf(p, PutRolePolicy))
				}
			},
		},
		{
			name: "Fargate without execution role: skipped",
			tds:  []detect.TaskDefinition{bTD("web", 1, ctrMod(0, noLogs))},
			check: func(t *testing.T, p *Plan) {
				if len(p.Actions) != 0 || !hasSkipped(p, "ECS.9", bTDArn("web", 1), "fix.secrets.execution_role") {
					t.Errorf("actions %+v skipped %+v", p.Actions, p.Skipped)
				}
			},
		},
		{
			name: "EC2 only without execution role: the instance role is noted",
			tds: []detect.TaskDefinition{bTD("web", 1, ctrMod(0, noLogs), func(td *detect.TaskDefinition) {
				td.RequiresCompatibilities = []ecstypes.Compatibility{ecstypes.CompatibilityEc2}
				td.Compatibilities = []ecstypes.Compatibility{ecstypes.CompatibilityEc2}
			})},
			svc: func(s *ecstypes.Service) { s.LaunchType = ecstypes.LaunchTypeEc2 },
			check: func(t *testing.T, p *Plan) {
				reg := actionsOf(p, RegisterTaskDefinition)
				if len(reg) != 1 || len(actionsOf(p, PutRolePolicy)) != 0 || !strings.Contains(joinNotes(reg[0]), "container instance role") {
					t.Errorf("actions %+v", p.Actions)
				}
			},
		},
		{
			name:  "secrets and logs share one put-role-policy action",
			tds:   []detect.TaskDefinition{bTD("web", 1, withExecRole, ctrMod(0, noLogs), credEnv())},
			roles: []detect.Role{execRoleOf(detect.PolicyDocument{Name: OwnedPolicyName, Document: `{"Version":"2012-10-17","Statement":[{"Sid":"Other","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`})},
			check: func(t *testing.T, p *Plan) {
				rp := actionsOf(p, PutRolePolicy)
				if len(rp) != 1 || len(rp[0].PutRolePolicy.Statements) != 2 || rp[0].PutRolePolicy.Before == "" {
					t.Fatalf("put-role-policy %+v", rp)
				}
				if c := strings.Join(rp[0].Controls, ","); !strings.Contains(c, "ECS.8") || !strings.Contains(c, "ECS.9") {
					t.Errorf("controls %v", rp[0].Controls)
				}
				doc, err := rp[0].PutRolePolicy.Document(rp[0].PutRolePolicy.Before, map[string]string{actionsOf(p, CreateSecret)[0].ID: "arn:x"})
				if err != nil || !strings.Contains(doc, `"Sid": "Other"`) || !strings.Contains(doc, "arn:x") {
					t.Errorf("Document = %s, %v", doc, err)
				}
				if f := stateOf(p, tExecRole); f == nil || f.Facts[FactOwnedPolicy] == "" {
					t.Errorf("role fingerprint %+v", f)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mods []svcMod
			if tt.svc != nil {
				mods = append(mods, tt.svc)
			}
			in := bInventory(tt.tds, []ecstypes.Service{bSvc("web", bTDArn("web", 1), mods...)})
			in.Roles = tt.roles
			o := bOptions()
			if tt.opts != nil {
				tt.opts(&o)
			}
			p := buildPlan(t, in, o)
			tt.check(t, p)
			planText(t, p)
			assertConverges(t, in, p, o)
		})
	}
}

// Input fills the secret refs, and fails on a missing ARN; SecretString checks every hash.
func TestSecretRefsAndSecretString(t *testing.T) {
	in := bInventory([]detect.TaskDefinition{bTD("web", 1, withExecRole, credEnv())}, []ecstypes.Service{bSvc("web", bTDArn("web", 1))})
	p := buildPlan(t, in, bOptions())
	cs := actionsOf(p, CreateSecret)[0]
	reg := actionsOf(p, RegisterTaskDefinition)[0].RegisterTaskDefinition
	src := &in.TaskDefinitions[0]
	got, err := reg.Input(src, map[string]string{cs.ID: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:ecsfix/web/app-AbCdEf"})
	if err != nil {
		t.Fatal(err)
	}
	c := got.ContainerDefinitions[0]
	if aws.ToString(c.Secrets[2].ValueFrom) != "arn:aws:secretsmanager:eu-west-1:111122223333:secret:ecsfix/web/app-AbCdEf:DB_PASSWORD::" ||
		len(c.Environment) != 1 || aws.ToString(c.Environment[0].Value) != "info" {
		t.Errorf("input %+v %+v", c.Secrets, c.Environment)
	}
	if _, err := reg.Input(src, nil); err == nil || !strings.Contains(err.Error(), "no ARN for the secret of action "+cs.ID) {
		t.Errorf("missing ARN: %v", err)
	}

	s, err := cs.CreateSecret.SecretString(map[string]*detect.TaskDefinition{src.ARN(): src})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"AWS_ACCESS_KEY_ID":"` + tAccessKey + `","AWS_SECRET_ACCESS_KEY":"` + strings.ReplaceAll(tSecretKey, "/", "/") + `","DB_PASSWORD":"` + tDBPass + `"}`
	if s != want {
		t.Errorf("SecretString = %d bytes, not the sorted JSON object", len(s))
	}
	// a value taken from another variable than its key (a plan edited to move one value into another
	// key) is refused, and the error carries no value
	swapped := *cs.CreateSecret
	swapped.Values = append([]SecretValueSource(nil), cs.CreateSecret.Values...)
	swapped.Values[2].SourcePath = "containerDefinitions[0].environment[0].value"
	_, err = swapped.SecretString(map[string]*detect.TaskDefinition{src.ARN(): src})
	if err == nil || !strings.Contains(err.Error(), "key DB_PASSWORD") || !strings.Contains(err.Error(), "environment[0] in source revision") || strings.Contains(err.Error(), tAccessKey) {
		t.Errorf("value of another variable: %v", err)
	}
	swapped.Values[2].SourcePath = "containerDefinitions[0].image"
	if _, err = swapped.SecretString(map[string]*detect.TaskDefinition{src.ARN(): src}); err == nil || !strings.Contains(err.Error(), "is not the value of an environment entry") {
		t.Errorf("value not from the environment: %v", err)
	}
	other := bTD("web", 2, withExecRole, withEnv("AWS_ACCESS_KEY_ID", tAccessKey, "LOG_LEVEL", "info", "AWS_SECRET_ACCESS_KEY", tSecretKey, "DB_PASSWORD", tDBPass))
	if _, err = cs.CreateSecret.SecretString(map[string]*detect.TaskDefinition{src.ARN(): &other}); err == nil || !strings.Contains(err.Error(), "the revision read is "+other.ARN()) {
		t.Errorf("another revision: %v", err)
	}
	if _, err := cs.CreateSecret.SecretString(nil); err == nil {
		t.Error("no sources: no error")
	}
	plain := &CreateSecretChange{Name: "x", Values: cs.CreateSecret.Values[2:]}
	if s, err := plain.SecretString(map[string]*detect.TaskDefinition{src.ARN(): src}); err != nil || s != tDBPass {
		t.Errorf("plain SecretString: %v", err)
	}
}

func TestValidateNewTypes(t *testing.T) {
	in := bInventory([]detect.TaskDefinition{bTD("web", 1, withExecRole, credEnv(), ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.LogConfiguration = nil }))},
		[]ecstypes.Service{bSvc("web", bTDArn("web", 1))})
	base := buildPlan(t, in, bOptions(func(o *Options) { o.Secrets.DeregisterOld = true }))
	idx := func(p *Plan, typ ActionType) int {
		for i, a := range p.Actions {
			if a.Type == typ {
				return i
			}
		}
		t.Fatalf("no %s", typ)
		return -1
	}
	tests := []struct {
		name string
		edit func(p *Plan)
		want string
	}{
		{"create-secret labelled ECS.9", func(p *Plan) { p.Actions[idx(p, CreateSecret)].Controls = []string{"ECS.9"} }, `"ECS.9" is not a control that a create-secret action fixes`},
		{"plain secret with two values", func(p *Plan) { p.Actions[idx(p, CreateSecret)].CreateSecret.JSON = false }, "a plain-text secret (json false) holds one value"},
		{"ensure-log-group labelled ECS.8", func(p *Plan) { p.Actions[idx(p, EnsureLogGroup)].Controls = []string{"ECS.8"} }, "only ECS.9"},
		{"put-role-policy on another policy", func(p *Plan) { p.Actions[idx(p, PutRolePolicy)].PutRolePolicy.PolicyName = "admin" }, "ecsfix writes only its own policy"},
		{"resourcesFrom not a create-secret", func(p *Plan) {
			p.Actions[idx(p, PutRolePolicy)].PutRolePolicy.Statements[0].ResourcesFrom = []string{p.Actions[idx(p, EnsureLogGroup)].ID}
		}, "is not an earlier create-secret action"},
		{"secret ref from a non-secret", func(p *Plan) {
			p.Actions[idx(p, RegisterTaskDefinition)].RegisterTaskDefinition.SecretRefs[0].From = p.Actions[idx(p, EnsureLogGroup)].ID
		}, "is not an earlier create-secret action"},
		{"secret ref to no placeholder", func(p *Plan) {
			p.Actions[idx(p, RegisterTaskDefinition)].RegisterTaskDefinition.SecretRefs[0].Path = "containerDefinitions[0].image"
		}, "after does not hold the placeholder"},
		{"secret ref with an unknown key", func(p *Plan) {
			p.Actions[idx(p, RegisterTaskDefinition)].RegisterTaskDefinition.SecretRefs[0].Key = "NOPE"
		}, `key "NOPE" is not a key`},
		{"two payloads", func(p *Plan) {
			p.Actions[idx(p, EnsureLogGroup)].DeregisterTaskDefinition = &DeregisterTaskDefinitionChange{}
		}, "may carry only its ensureLogGroup payload"},
		{"deregister labelled ECS.9", func(p *Plan) { p.Actions[idx(p, DeregisterTaskDefinition)].Controls = []string{"ECS.9"} }, "deregister-task-definition action fixes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, base); err != nil {
				t.Fatal(err)
			}
			p, err := Read("p.json", b.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			tt.edit(p)
			if err := p.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestEffectiveRiskNewTypes(t *testing.T) {
	p := renderFixture(t)
	get := func(id string) Action {
		for _, a := range p.Actions {
			if a.ID == id {
				a.Risk = RiskLow
				return a
			}
		}
		t.Fatalf("no %s", id)
		return Action{}
	}
	tests := []struct {
		name      string
		a         Action
		edit      func(a *Action)
		overrides map[string]Risk
		want      Risk
	}{
		{"create-secret is ECS.8's", get("a6"), nil, nil, RiskMedium},
		{"create-secret with ECS.8 low", get("a6"), nil, map[string]Risk{"ECS.8": RiskLow}, RiskLow},
		{"create-secret labelled ECS.4", get("a6"), func(a *Action) { a.Controls = []string{"ECS.4"} }, nil, RiskHigh},
		{"ensure-log-group is ECS.9's", get("a7"), nil, nil, RiskMedium},
		{"ensure-log-group with ECS.9 low", get("a7"), nil, map[string]Risk{"ECS.9": RiskLow}, RiskLow},
		{"put-role-policy within ecsfix's grants", get("a8"), nil, map[string]Risk{"ECS.8": RiskLow, "ECS.9": RiskLow}, RiskMedium},
		{"put-role-policy granting more", get("a8"), func(a *Action) {
			c := *a.PutRolePolicy
			c.Statements = append([]PolicyStatement(nil), c.Statements...)
			c.Statements[0].Actions = []string{"secretsmanager:*"}
			a.PutRolePolicy = &c
		}, nil, RiskHigh},
		{"put-role-policy with a foreign Sid", get("a8"), func(a *Action) {
			c := *a.PutRolePolicy
			c.Statements = append([]PolicyStatement(nil), c.Statements...)
			c.Statements[0].Sid = "Admin"
			a.PutRolePolicy = &c
		}, nil, RiskHigh},
		{"deregister is high", get("a9"), nil, map[string]Risk{"ECS.8": RiskLow}, RiskHigh},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.a
			if tt.edit != nil {
				tt.edit(&a)
			}
			if got := p.EffectiveRisk(a, tt.overrides); got != tt.want {
				t.Errorf("EffectiveRisk = %s, want %s", got, tt.want)
			}
		})
	}
}

// A revision a service still runs after the plan (deployed by an external controller) is not deregistered.
func TestDeregisterKeepsRunningRevisions(t *testing.T) {
	in := bInventory([]detect.TaskDefinition{bTD("web", 1, withExecRole, credEnv()), bTD("web", 2, withExecRole, withEnv("AWS_SECRET_ACCESS_KEY", "other-pass"))},
		[]ecstypes.Service{bSvc("web", bTDArn("web", 1)), bSvc("legacy", bTDArn("web", 1), func(s *ecstypes.Service) {
			s.DeploymentController = &ecstypes.DeploymentController{Type: ecstypes.DeploymentControllerTypeExternal}
		})})
	p := buildPlan(t, in, bOptions(func(o *Options) { o.Secrets.DeregisterOld = true }))
	d := actionsOf(p, DeregisterTaskDefinition)
	if len(d) != 1 || strings.Join(d[0].DeregisterTaskDefinition.TaskDefinitions, ",") != bTDArn("web", 2) {
		t.Fatalf("deregister %+v", d)
	}
}
