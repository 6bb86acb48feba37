package plan

// The secrets and logging fixes grant the revision's execution role access to what they create; a role
// that is not one IAM could name (a template placeholder, an unrendered account, a name IAM refuses)
// leaves both fixes undone with the reason, and no action names it. A plan file naming such a role in a
// put-role-policy action is refused.

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/snapshot"
)

func TestRoleGrantRefusesRolesIAMCannotName(t *testing.T) {
	role := func(r string) tdMod { return func(td *detect.TaskDefinition) { td.ExecutionRoleArn = aws.String(r) } }
	tests := []struct {
		name    string
		td      detect.TaskDefinition
		control string
		role    string // the text no action may carry ("" when the fix is planned)
		reason  []string
		granted string // the role a put-role-policy action grants, when the fix is planned
	}{
		{name: "ECS.8, an account not filled in", control: detect.ECS8ID,
			td:   bTD("web", 1, credEnv(), role("arn:aws:iam::ACCOUNT_ID:role/ecsTaskExecutionRole")),
			role: "ACCOUNT_ID",
			reason: []string{`the execution role "arn:aws:iam::ACCOUNT_ID:role/ecsTaskExecutionRole" is not an IAM role ARN`,
				"secretsmanager:GetSecretValue", "could not start its tasks without that grant", "grant the role yourself"}},
		{name: "ECS.8, a name IAM does not allow", control: detect.ECS8ID,
			td:     bTD("web", 1, credEnv(), role("arn:aws:iam::111122223333:role/task execution role")),
			role:   "task execution role",
			reason: []string{"is not an IAM role ARN", "a name of 1 to 64 letters, digits and +=,.@_-"}},
		{name: "ECS.9, a bare name IAM does not allow", control: detect.ECS9ID,
			td:     bTD("web", 1, noLogs, role("exec role!")),
			role:   "exec role!",
			reason: []string{`the execution role "arn:aws:iam::111122223333:role/exec role!" is not an IAM role ARN`, "logs:CreateLogStream and logs:PutLogEvents"}},
		{name: "ECS.9, a name longer than 64", control: detect.ECS9ID,
			td:     bTD("web", 1, noLogs, role("arn:aws:iam::111122223333:role/"+strings.Repeat("r", 65))),
			role:   strings.Repeat("r", 65),
			reason: []string{"is not an IAM role ARN"}},
		{name: "ECS.8, a bare role name is planned in the revision's account", control: detect.ECS8ID,
			td: bTD("web", 1, credEnv(), role("ecsTaskExecutionRole")), granted: "arn:aws:iam::111122223333:role/ecsTaskExecutionRole"},
		{name: "ECS.9, a role with a path is planned", control: detect.ECS9ID,
			td: bTD("web", 1, noLogs, role("arn:aws:iam::111122223333:role/service-role/ecs-exec")), granted: "arn:aws:iam::111122223333:role/service-role/ecs-exec"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := bInventory([]detect.TaskDefinition{tt.td}, []ecstypes.Service{bSvc("web", tt.td.ARN())})
			p := remedyBuild(t, in, nil)
			var reason string
			for _, s := range p.Skipped {
				if s.Control == tt.control && s.Resource == tt.td.ARN() {
					reason = s.Reason
				}
			}
			var grants []string
			for _, a := range p.Actions {
				if a.PutRolePolicy != nil {
					grants = append(grants, a.PutRolePolicy.Role)
				}
			}
			if tt.granted != "" {
				if reason != "" || len(grants) != 1 || grants[0] != tt.granted {
					t.Fatalf("want a grant to %s; grants %v, %s not fixed: %q", tt.granted, grants, tt.control, reason)
				}
				return
			}
			if reason == "" {
				t.Fatalf("%s is not in Not fixed; skipped: %+v", tt.control, p.Skipped)
			}
			for _, h := range tt.reason {
				if !strings.Contains(reason, h) {
					t.Errorf("reason %q does not say %q", reason, h)
				}
			}
			for _, a := range p.Actions {
				raw, _ := json.Marshal(a)
				if a.PutRolePolicy != nil || strings.Contains(string(raw), tt.role) {
					t.Errorf("action %s (%s) grants or names the role: %s", a.ID, a.Type, raw)
				}
				for _, e := range editsOf(a) {
					if e.Control == tt.control {
						t.Errorf("action %s still edits for %s: %+v", a.ID, tt.control, e)
					}
				}
			}
		})
	}
}

// Repository files: a task definition kept in a repository (as `aws ecs describe-task-definition`
// exported it, so with an ARN; or without one) whose execution role is a template placeholder, with
// plaintext credentials: ECS.8 is not fixed, with why, and no action grants or names the role.
func TestRepoFilePlaceholderExecutionRole(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "detect", "snapshot", "testdata", "repofiles", "aws", "worker-described.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		role, reason string
		keepArn      bool
	}{
		{"<YOUR_TASK_EXECUTION_ROLE>", `executionRoleArn is "<YOUR_TASK_EXECUTION_ROLE>", a template placeholder (<…>)`, true},
		{"arn:aws:iam::${AWS_ACCOUNT_ID}:role/${ROLE}", "which holds the template placeholder ${AWS_ACCOUNT_ID}", true},
		{"{{ exec_role }}", `executionRoleArn is "{{ exec_role }}", a template placeholder ({{…}})`, true},
		{"arn:aws:iam::ACCOUNT_ID:role/ecsTaskExecutionRole", "is not an IAM role ARN", true},
		{"<YOUR_TASK_EXECUTION_ROLE>", "a task definition kept as a file", false},
	} {
		t.Run(tt.role, func(t *testing.T) {
			var td map[string]any
			if err := json.Unmarshal(src, &td); err != nil {
				t.Fatal(err)
			}
			td["executionRoleArn"] = tt.role
			if !tt.keepArn {
				delete(td, "taskDefinitionArn")
			}
			ctr := td["containerDefinitions"].([]any)[0].(map[string]any)
			ctr["environment"] = []map[string]string{{"name": "AWS_ACCESS_KEY_ID", "value": tAccessKey}, {"name": "AWS_SECRET_ACCESS_KEY", "value": tSecretKey}}
			dir := t.TempDir()
			raw, _ := json.MarshalIndent(td, "", "  ")
			if err := os.WriteFile(filepath.Join(dir, "task-definition.json"), raw, 0o644); err != nil {
				t.Fatal(err)
			}
			in, err := snapshot.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			results := evaluateEach(in)
			failed := false
			for _, r := range results {
				failed = failed || r.Control == detect.ECS8ID && r.Status == detect.Failed
			}
			if !failed {
				t.Fatalf("ECS.8 does not fail: the case tests nothing (%d results)", len(results))
			}
			p, err := Build(in, results, bOptions())
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Validate(); err != nil {
				t.Fatal(err)
			}
			var reason string
			for _, s := range p.Skipped {
				if s.Control == detect.ECS8ID {
					reason = s.Reason
				}
			}
			if !strings.Contains(reason, tt.reason) {
				t.Errorf("ECS.8 not fixed because %q, want it to say %q", reason, tt.reason)
			}
			// Other fixes of the revision (ECS.20 here) may be planned: the new revision keeps the role as
			// the file has it. Nothing grants it, and nothing moves the credentials.
			for _, a := range p.Actions {
				raw, _ := json.Marshal(a)
				if a.Type != RegisterTaskDefinition && (a.Type == PutRolePolicy || a.Type == CreateSecret || strings.Contains(string(raw), tt.role)) {
					t.Errorf("action %s (%s) grants, creates a secret or names the role: %s", a.ID, a.Type, raw)
				}
				for _, e := range editsOf(a) {
					if e.Control == detect.ECS8ID {
						t.Errorf("action %s still edits for ECS.8: %+v", a.ID, e)
					}
				}
			}
		})
	}
}

// A plan file whose put-role-policy names a role IAM could not name is refused when read, naming it.
func TestForgedPlaceholderRoleRefused(t *testing.T) {
	for _, role := range []string{"<YOUR_TASK_EXECUTION_ROLE>", "arn:aws:iam::${AWS_ACCOUNT_ID}:role/${ROLE}", "arn:aws:iam::123456789012:role/a b"} {
		p := renderFixture(t)
		found := false
		for i := range p.Actions {
			if c := p.Actions[i].PutRolePolicy; c != nil {
				c.Role, p.Actions[i].Resource, found = role, role, true
			}
		}
		if !found {
			t.Fatal("the fixture has no put-role-policy action")
		}
		var b bytes.Buffer
		if err := Write(&b, p); err == nil {
			t.Errorf("Write accepted a grant to %q", role)
		}
		forged, err := canonicalPlan(p, true) // as an editor would write it, bypassing Write's check
		if err != nil {
			t.Fatal(err)
		}
		_, err = Read("forged.json", forged)
		if err == nil || !strings.Contains(err.Error(), "putRolePolicy: role: ") || !strings.Contains(err.Error(), role) {
			t.Errorf("Read of a grant to %q: %v", role, err)
		}
	}
}

// The admin task-role fix names its role from the task definition: a placeholder there is not a role to
// detach anything from, and the finding says so.
func TestAdminTaskRolePlaceholder(t *testing.T) {
	tds := []detect.TaskDefinition{bTD("web", 1, withTaskRole(tTaskRole))}
	svcs := []ecstypes.Service{bSvc("web", bTDArn("web", 1))}
	evaluated := bInventory(tds, svcs)
	evaluated.Roles = []detect.Role{taskRole(attached(tAdminArn, ""))}
	results := detect.Evaluate(evaluated, bSettings())
	const placeholder = "arn:aws:iam::${AWS_ACCOUNT_ID}:role/app-task"
	in := bInventory([]detect.TaskDefinition{bTD("web", 1, withTaskRole(placeholder))}, svcs)
	in.Roles = []detect.Role{taskRole(attached(tAdminArn, ""))}
	p, err := Build(in, results, bOptions(detachAdmin))
	if err != nil {
		t.Fatal(err)
	}
	want := `the taskRoleArn of task definition web:1 is "` + placeholder + `", which holds the template placeholder ${AWS_ACCOUNT_ID}`
	if len(p.Actions) != 0 || !hasSkipped(p, detect.ExposureAdminTaskRoleID, bSvcArn("web"), want) {
		t.Fatalf("actions %+v skipped %+v", p.Actions, p.Skipped)
	}
}
