package cli

// Plans edited by hand, then signed by an allowed approver, on the emulator: apply re-derives every
// action from what it reads and refuses each edited plan before writing anything, naming the action and
// the field; the untouched plan still goes through plan → show → approve --key → apply → rollback.

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsjson"
	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/plan"
)

// firstOf is the first action of type typ (and, when resource is set, of that resource's short name).
func firstOf(t *testing.T, p *plan.Plan, typ plan.ActionType, short string) *plan.Action {
	t.Helper()
	for i := range p.Actions {
		if a := &p.Actions[i]; a.Type == typ && (short == "" || strings.Contains(a.Resource, short)) {
			return a
		}
	}
	t.Fatalf("the plan has no %s action", typ)
	return nil
}

// editRegistration rewrites the After of registration a.
func editRegistration(t *testing.T, a *plan.Action, edit func(in *ecs.RegisterTaskDefinitionInput)) {
	t.Helper()
	var in ecs.RegisterTaskDefinitionInput
	if err := awsjson.Unmarshal("after", a.RegisterTaskDefinition.After, &in); err != nil {
		t.Fatal(err)
	}
	edit(&in)
	b, err := awsjson.Marshal(&in)
	if err != nil {
		t.Fatal(err)
	}
	a.RegisterTaskDefinition.After = json.RawMessage(b)
}

func TestTamperedPlansRefused(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	buildSmallEstate(t, ctx, cfg)
	liveEnv(t, cfg)
	cs, im := ecs.NewFromConfig(cfg), iam.NewFromConfig(cfg)
	dir := t.TempDir()
	planFile := filepath.Join(dir, "plan.json")
	if _, errOut, code := runCLI(t, "plan", "--out", planFile); code != exitOK {
		t.Fatalf("plan: exit %d\n%s", code, errOut)
	}
	aliceKey, alicePub := writeKey(t, dir, "alice", "")
	signers := filepath.Join(dir, "allowed_signers")
	if err := os.WriteFile(signers, []byte("alice "+alicePub+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ECSFIX_APPROVALS_ALLOWED_SIGNERS", signers)

	revisions := func() int {
		out, err := cs.ListTaskDefinitions(ctx, &ecs.ListTaskDefinitionsInput{})
		if err != nil {
			t.Fatal(err)
		}
		return len(out.TaskDefinitionArns)
	}
	ownedPolicy := func() string {
		out, err := im.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("web-task")})
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(out.PolicyNames, ",")
	}
	nRevs, policies := revisions(), ownedPolicy()
	tdBefore, pvBefore := describeService(t, cfg)
	apiBefore, _ := describeServiceNamed(t, cfg, "api")
	unchanged := func(what string) {
		t.Helper()
		if n := revisions(); n != nRevs {
			t.Errorf("%s: %d revisions, was %d", what, n, nRevs)
		}
		if td, pv := describeService(t, cfg); td != tdBefore || pv != pvBefore {
			t.Errorf("%s: service web moved to %s (%s)", what, td, pv)
		}
		if td, _ := describeServiceNamed(t, cfg, "api"); td != apiBefore {
			t.Errorf("%s: service api moved to %s", what, td)
		}
		if insights(t, cfg) == "enabled" {
			t.Errorf("%s: the cluster's settings changed", what)
		}
		if p := ownedPolicy(); p != policies {
			t.Errorf("%s: the role's inline policies are %q, were %q", what, p, policies)
		}
	}
	base, err := plan.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	webRole := ""
	if r, err := im.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("web-task")}); err == nil {
		webRole = aws.ToString(r.Role.Arn)
	} else {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		name   string
		edit   func(t *testing.T, p *plan.Plan)
		action func(p *plan.Plan) string // the action the error names
		field  string
	}{
		{"registration: image", func(t *testing.T, p *plan.Plan) {
			editRegistration(t, firstOf(t, p, plan.RegisterTaskDefinition, "web"), func(in *ecs.RegisterTaskDefinitionInput) {
				in.ContainerDefinitions[0].Image = aws.String("attacker.example/backdoor")
			})
		}, nil, "containerDefinitions[0].image"},
		{"registration: privileged", func(t *testing.T, p *plan.Plan) {
			editRegistration(t, firstOf(t, p, plan.RegisterTaskDefinition, "web"), func(in *ecs.RegisterTaskDefinitionInput) {
				in.ContainerDefinitions[0].Privileged = aws.Bool(true)
			})
		}, nil, "containerDefinitions[0].privileged"},
		{"registration: task role", func(t *testing.T, p *plan.Plan) {
			editRegistration(t, firstOf(t, p, plan.RegisterTaskDefinition, "web"), func(in *ecs.RegisterTaskDefinitionInput) {
				in.TaskRoleArn = aws.String(strings.Replace(webRole, "web-task", "admin", 1))
			})
		}, nil, "taskRoleArn"},
		{"registration: an edit relabelled with a low-risk control", func(t *testing.T, p *plan.Plan) {
			a := firstOf(t, p, plan.RegisterTaskDefinition, "web")
			for i := range a.RegisterTaskDefinition.Edits {
				a.RegisterTaskDefinition.Edits[i].Control = "ECS.18"
			}
			a.Controls, a.Risk = []string{"ECS.18"}, plan.RiskLow
			for i := range p.Actions {
				if u := p.Actions[i].UpdateService; u != nil && u.TaskDefinitionFrom == a.ID {
					p.Actions[i].Controls = []string{"ECS.18"}
				}
			}
		}, nil, "containerDefinitions[0]."},
		{"update-service: a revision the plan does not register", func(t *testing.T, p *plan.Plan) {
			a := firstOf(t, p, plan.UpdateService, "web")
			a.UpdateService.After.TaskDefinition, a.UpdateService.TaskDefinitionFrom = apiBefore, ""
			a.DependsOn, a.Controls = nil, []string{"ECS.10"}
			// What a move to a revision an earlier plan registered carries: edits, and the fingerprint of
			// the revision (without it the plan is refused for its state before anything is re-derived).
			a.UpdateService.Edits = firstOf(t, p, plan.RegisterTaskDefinition, "web").RegisterTaskDefinition.Edits
			p.State = append(p.State, plan.Fingerprint{Resource: apiBefore, ResourceType: detect.TypeTaskDefinition, Region: mototest.Region,
				Facts: map[string]string{plan.FactStatus: "ACTIVE"}})
		}, func(p *plan.Plan) string { return firstOf(t, p, plan.UpdateService, "web").ID }, "updateService.after.taskDefinition"},
		{"update-service: another network", func(t *testing.T, p *plan.Plan) {
			a := firstOf(t, p, plan.UpdateService, "web")
			svc, err := cs.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{"web"}})
			if err != nil {
				t.Fatal(err)
			}
			vpc := svc.Services[0].NetworkConfiguration.AwsvpcConfiguration
			a.UpdateService.Before.Network = &plan.AwsVpcSettings{Subnets: vpc.Subnets, SecurityGroups: vpc.SecurityGroups, AssignPublicIp: string(vpc.AssignPublicIp)}
			a.UpdateService.After.Network = &plan.AwsVpcSettings{Subnets: vpc.Subnets, SecurityGroups: []string{"sg-0a77ac4e7000000ff"}, AssignPublicIp: "ENABLED"}
		}, func(p *plan.Plan) string { return firstOf(t, p, plan.UpdateService, "web").ID }, "updateService.after.network.securityGroups"},
		{"put-role-policy: Action *", func(t *testing.T, p *plan.Plan) {
			id := "a99"
			p.Actions = append(p.Actions, plan.Action{ID: id, Type: plan.PutRolePolicy, Account: detect.AccountOf(webRole), Region: mototest.Region,
				Resource: webRole, Controls: []string{"ECS.9"}, Risk: plan.RiskMedium, Summary: "grant the execution role its log group",
				PutRolePolicy: &plan.PutRolePolicyChange{Role: webRole, PolicyName: plan.OwnedPolicyName,
					Statements: []plan.PolicyStatement{{Sid: plan.SidWriteLogs, Actions: []string{"*"}, Resources: []string{"*"}}}}})
			p.State = append(p.State, plan.Fingerprint{Resource: webRole, ResourceType: detect.TypeRole, Facts: plan.RoleFacts(&detect.Role{Arn: webRole})})
		}, func(*plan.Plan) string { return "a99" }, "putRolePolicy."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := plan.ReadFile(planFile)
			if err != nil {
				t.Fatal(err)
			}
			tt.edit(t, p)
			f := filepath.Join(dir, strings.NewReplacer(" ", "-", ":", "", "*", "star").Replace(tt.name)+".json")
			if err := writePlanFile(f, p); err != nil {
				t.Fatalf("write the edited plan: %v", err)
			}
			if out, errOut, code := runCLI(t, "approve", f, "--by", "alice", "--ticket", "OPS-7", "--key", aliceKey); code != 0 {
				t.Fatalf("approve: exit %d\n%s%s", code, out, errOut)
			}
			id := firstOf(t, p, plan.RegisterTaskDefinition, "web").ID
			if tt.action != nil {
				id = tt.action(p)
			}
			out, errOut, code := runCLI(t, "apply", f)
			if code == exitOK || !strings.Contains(errOut, "action "+id+":") || !strings.Contains(errOut, tt.field) {
				t.Errorf("apply: exit %d, want an error naming action %s and %q\nstdout:\n%s\nstderr:\n%s", code, id, tt.field, out, errOut)
			}
			if strings.Contains(out, "journal:") {
				t.Errorf("apply opened a journal:\n%s", out)
			}
			unchanged(tt.name)
		})
	}

	// An ingress update authorizing the world, signed, is refused as well (validation names it).
	{
		p := base
		sg := ""
		for _, f := range p.State {
			if f.ResourceType == detect.TypeSecurityGroup {
				sg = f.Resource
			}
		}
		if sg == "" {
			svc, err := cs.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{"web"}})
			if err != nil {
				t.Fatal(err)
			}
			sg = svc.Services[0].NetworkConfiguration.AwsvpcConfiguration.SecurityGroups[0]
		}
		world := plan.IngressRule{Protocol: "tcp", FromPort: 22, ToPort: 22, CidrIPv4: "0.0.0.0/0"}
		p.Actions = append(p.Actions, plan.Action{ID: "a98", Type: plan.UpdateSecurityGroupIngress, Account: detect.AccountOf(webRole), Region: mototest.Region,
			Resource: sg, Controls: []string{"EXPOSURE.open-security-group"}, Risk: plan.RiskHigh, Summary: "open ssh",
			UpdateSecurityGroupIngress: &plan.UpdateSecurityGroupIngressChange{GroupID: sg, VpcID: "vpc-0123456789abcdef0",
				Authorize: []plan.IngressRule{world}, Revoke: []plan.IngressRule{{Protocol: "tcp", FromPort: 8080, ToPort: 8080, CidrIPv4: "0.0.0.0/0"}}}})
		f := filepath.Join(dir, "ingress.json")
		if err := writePlanFile(f, p); err == nil {
			if out, errOut, code := runCLI(t, "approve", f, "--by", "alice", "--key", aliceKey); code == 0 {
				out, errOut, code = runCLI(t, "apply", f)
				if code == exitOK || !strings.Contains(errOut, "a98") || !strings.Contains(errOut, "authorize") {
					t.Errorf("apply ingress to the world: exit %d\n%s%s", code, out, errOut)
				}
			} else if !strings.Contains(errOut, "a98") || !strings.Contains(errOut, "authorize") {
				t.Errorf("approve ingress to the world: exit %d\n%s%s", code, out, errOut)
			}
		} else if !strings.Contains(err.Error(), "a98") || !strings.Contains(err.Error(), "authorize") {
			t.Errorf("writing an ingress to the world: %v", err)
		}
		unchanged("an ingress update to the world")
	}

	// The untouched plan: shown, signed, applied, rolled back.
	if out, errOut, code := runCLI(t, "show", planFile); code != 0 {
		t.Fatalf("show: exit %d\n%s%s", code, out, errOut)
	}
	if out, errOut, code := runCLI(t, "approve", planFile, "--by", "alice", "--ticket", "OPS-7", "--key", aliceKey); code != 0 {
		t.Fatalf("approve: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code := runCLI(t, "apply", planFile)
	if code != 0 || !strings.Contains(out, "re-derived from the state read and the plan's edits, as planned") {
		t.Fatalf("apply: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if td, pv := describeService(t, cfg); td == tdBefore || pv != "LATEST" {
		t.Fatalf("after apply: service on %s (%s)", td, pv)
	}
	if out, errOut, code := runCLI(t, "rollback", planFile+".journal"); code != 0 {
		t.Fatalf("rollback: exit %d\n%s%s", code, out, errOut)
	}
	if td, pv := describeService(t, cfg); td != tdBefore || pv != pvBefore {
		t.Errorf("after rollback the service runs %s on %s", td, pv)
	}
}
