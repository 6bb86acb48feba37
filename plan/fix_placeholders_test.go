package plan

// Tests that a fix which would have to use a template placeholder (a role to grant, a name built from the
// family or a container, a credential to store, an image or log group to allow, a mount path) is refused
// with the reason, and that no action of the plan carries the placeholder; and that a placeholder in a
// value the fix does not use leaves the fix planned.

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// noLogs removes container 0's logging (ECS.9 fails).
func noLogs(td *detect.TaskDefinition) { td.ContainerDefinitions[0].LogConfiguration = nil }

func TestFixRefusesPlaceholders(t *testing.T) {
	addedRole := func(o *Options) { o.Secrets.ExecutionRole = tExecRole }
	tests := []struct {
		name    string
		td      detect.TaskDefinition
		roles   []detect.Role
		opts    []func(*Options)
		control string
		// placeholder is the text no action may carry; reasonHas what the Skipped reason says.
		placeholder string
		reasonHas   []string
		// secret: the reason must not print the placeholder (an environment value).
		secret bool
	}{
		{name: "ECS.8 templated credential value", control: detect.ECS8ID,
			td:          bTD("web", 1, withExecRole, withEnv("AWS_SECRET_ACCESS_KEY", "${AWS_SECRET_ACCESS_KEY}")),
			roles:       []detect.Role{execRoleOf()},
			placeholder: "${AWS_SECRET_ACCESS_KEY}", secret: true,
			reasonHas: []string{"the value of environment variable AWS_SECRET_ACCESS_KEY of container app holds a template placeholder (${…})",
				"put the credential in Secrets Manager yourself", "only known once the template is rendered"}},
		{name: "ECS.8 templated credential value among real ones", control: detect.ECS8ID,
			td:          bTD("web", 1, withExecRole, withEnv("AWS_ACCESS_KEY_ID", tAccessKey, "AWS_SECRET_ACCESS_KEY", "{{ must_env `AWS_SECRET_ACCESS_KEY` }}")),
			roles:       []detect.Role{execRoleOf()},
			placeholder: "{{ must_env `AWS_SECRET_ACCESS_KEY` }}", secret: true,
			reasonHas: []string{"AWS_SECRET_ACCESS_KEY of container app holds a template placeholder ({{…}})"}},
		{name: "ECS.8 templated execution role", control: detect.ECS8ID,
			td: bTD("web", 1, credEnv(), func(td *detect.TaskDefinition) {
				td.ExecutionRoleArn = aws.String("arn:aws:iam::<account-id>:role/ecsTaskExecutionRole")
			}),
			placeholder: "<account-id>",
			reasonHas: []string{`executionRoleArn is "arn:aws:iam::<account-id>:role/ecsTaskExecutionRole", which holds the template placeholder <account-id>`,
				"as the role granted secretsmanager:GetSecretValue"}},
		{name: "ECS.8 templated container name", control: detect.ECS8ID,
			td:          bTD("web", 1, withExecRole, credEnv(), ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.Name = aws.String("${APP_NAME}") })),
			roles:       []detect.Role{execRoleOf()},
			placeholder: "${APP_NAME}",
			reasonHas:   []string{`the name of container ${APP_NAME} is "${APP_NAME}", a template placeholder (${…})`, "in the name of the secret"}},
		{name: "ECS.8 added role, templated image", control: detect.ECS8ID,
			td: bTD("web", 1, credEnv(), ctrMod(0, func(c *ecstypes.ContainerDefinition) {
				c.Image = aws.String("111122223333.dkr.ecr.eu-west-1.amazonaws.com/${REPO}:latest")
			})),
			roles:       []detect.Role{execRoleOf()},
			opts:        []func(*Options){addedRole},
			placeholder: "${REPO}",
			reasonHas:   []string{"the image of container app", "holds the template placeholder ${REPO}", "must pull it from ECR"}},
		{name: "ECS.8 added role, templated log group", control: detect.ECS8ID,
			td: bTD("web", 1, credEnv(), ctrMod(0, func(c *ecstypes.ContainerDefinition) {
				c.LogConfiguration.Options["awslogs-group"] = "/ecs/#{Environment}/web"
			})),
			roles:       []detect.Role{execRoleOf()},
			opts:        []func(*Options){addedRole},
			placeholder: "#{Environment}",
			reasonHas:   []string{`the awslogs-group of container app is "/ecs/#{Environment}/web", which holds the template placeholder #{Environment}`}},
		{name: "ECS.9 templated execution role", control: detect.ECS9ID,
			td:          bTD("web", 1, noLogs, func(td *detect.TaskDefinition) { td.ExecutionRoleArn = aws.String("<YOUR_TASK_EXECUTION_ROLE>") }),
			placeholder: "<YOUR_TASK_EXECUTION_ROLE>",
			reasonHas:   []string{`executionRoleArn is "<YOUR_TASK_EXECUTION_ROLE>", a template placeholder (<…>)`, "logs:CreateLogStream"}},
		{name: "ECS.9 templated family", control: detect.ECS9ID,
			td:          bTD("web", 1, withExecRole, noLogs, func(td *detect.TaskDefinition) { td.Family = aws.String("__APP__-web") }),
			roles:       []detect.Role{execRoleOf()},
			placeholder: "__APP__",
			reasonHas:   []string{`the family is "__APP__-web", which holds the template placeholder __APP__`, "in the log group name"}},
		{name: "ECS.9 templated container name", control: detect.ECS9ID,
			td:          bTD("web", 1, withExecRole, noLogs, ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.Name = aws.String("$(ContainerName)") })),
			roles:       []detect.Role{execRoleOf()},
			opts:        []func(*Options){func(o *Options) { o.Logs.GroupTemplate = "/ecs/fixed" }},
			placeholder: "$(ContainerName)",
			reasonHas:   []string{`the name of container $(ContainerName)`, "as the awslogs stream prefix"}},
		{name: "ECS.5 templated mount path", control: detect.ECS5ID,
			td: bTD("web", 1, ctrMod(0, func(c *ecstypes.ContainerDefinition) {
				c.ReadonlyRootFilesystem = aws.Bool(false)
				c.MountPoints = []ecstypes.MountPoint{{SourceVolume: aws.String("scratch"), ContainerPath: aws.String("${SCRATCH_DIR}")}}
			}), func(td *detect.TaskDefinition) { td.Volumes = []ecstypes.Volume{{Name: aws.String("scratch")}} }),
			placeholder: "${SCRATCH_DIR}",
			reasonHas:   []string{`the containerPath of a mount point of container app is "${SCRATCH_DIR}"`, "writable path"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := bSvc("web", tt.td.ARN())
			in := bInventory([]detect.TaskDefinition{tt.td}, []ecstypes.Service{svc})
			in.Roles = tt.roles
			results := detect.Evaluate(in, bSettings())
			failed := false
			for _, r := range results {
				failed = failed || (r.Control == tt.control && r.Status == detect.Failed)
			}
			if !failed {
				t.Fatalf("%s does not fail: the case tests nothing", tt.control)
			}
			p := remedyBuild(t, in, results, tt.opts...)
			var reason string
			for _, s := range p.Skipped {
				if s.Control == tt.control && s.Resource == tt.td.ARN() {
					reason = s.Reason
				}
			}
			if reason == "" {
				t.Fatalf("%s is not in Not fixed; skipped: %+v", tt.control, p.Skipped)
			}
			for _, h := range tt.reasonHas {
				if !strings.Contains(reason, h) {
					t.Errorf("reason %q does not say %q", reason, h)
				}
			}
			if tt.secret && strings.Contains(reason, tt.placeholder) {
				t.Errorf("the reason prints the environment value: %s", reason)
			}
			for _, a := range p.Actions {
				raw, err := json.Marshal(a)
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(string(raw), tt.placeholder) {
					t.Errorf("action %s (%s) carries the placeholder %s: %s", a.ID, a.Type, tt.placeholder, raw)
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

// editsOf are the edits of a registration ("" for other actions).
func editsOf(a Action) []Edit {
	if a.RegisterTaskDefinition == nil {
		return nil
	}
	return a.RegisterTaskDefinition.Edits
}

func TestFixUsesNoPlaceholderItDoesNotNeed(t *testing.T) {
	// The image is templated, the execution role is real: ECS.9 is planned, and only the registration,
	// which copies the image untouched, carries it: no log group, grant or secret does.
	const ph = "${IMAGE}"
	td := bTD("web", 1, withExecRole, noLogs, ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.Image = aws.String(ph) }))
	in := bInventory([]detect.TaskDefinition{td}, []ecstypes.Service{bSvc("web", td.ARN())})
	in.Roles = []detect.Role{execRoleOf()}
	p := remedyBuild(t, in, nil)
	for _, s := range p.Skipped {
		if s.Control == detect.ECS9ID {
			t.Fatalf("ECS.9 not fixed: %s", s.Reason)
		}
	}
	types := map[ActionType]bool{}
	for _, a := range p.Actions {
		types[a.Type] = true
		raw, _ := json.Marshal(a)
		if a.Type != RegisterTaskDefinition && strings.Contains(string(raw), ph) {
			t.Errorf("action %s (%s) carries %s: %s", a.ID, a.Type, ph, raw)
		}
	}
	for _, want := range []ActionType{RegisterTaskDefinition, EnsureLogGroup, PutRolePolicy} {
		if !types[want] {
			t.Errorf("no %s action: %v", want, types)
		}
	}
}

// containersOnly makes a revision one read from a file holding only its containerDefinitions array: no
// ARN and no task-level setting.
func containersOnly(td *detect.TaskDefinition) {
	td.TaskDefinition = ecstypes.TaskDefinition{Family: td.Family, Status: ecstypes.TaskDefinitionStatusActive, ContainerDefinitions: td.ContainerDefinitions}
	td.Source = &detect.FileSource{File: "infra/containers.json", Line: 1, ContainersOnly: true}
}

func TestFixRefusesTaskLevelEditsOfContainersOnly(t *testing.T) {
	// ECS.5 (a task volume for /tmp) needs what is kept beside the containers; ECS.8 and ECS.9 are never
	// planned for a task definition kept as a file (fileUnfixable: the secret, the log group and the
	// grants live in an account and region the file does not name).
	td := bTD("web", 1, credEnv(), noLogs, ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.ReadonlyRootFilesystem = nil }), containersOnly)
	in := bInventory([]detect.TaskDefinition{td}, nil)
	results := detect.Evaluate(in, bSettings())
	want := map[string]string{
		detect.ECS5ID: "adds a task volume (volumes) to keep /tmp writable",
		detect.ECS8ID: "needs the secret created in AWS first",
		detect.ECS9ID: "names no account or region for the log group",
	}
	for c := range want {
		failed := false
		for _, r := range results {
			failed = failed || (r.Control == c && r.Status == detect.Failed && r.ResourceArn == td.ARN())
		}
		if !failed {
			t.Fatalf("%s does not fail on the containers-only task definition", c)
		}
	}
	p := remedyBuild(t, in, results)
	if len(p.Actions) != 0 {
		t.Errorf("actions planned: %+v", p.Actions)
	}
	got := map[string]string{}
	for _, s := range p.Skipped {
		if s.Resource == td.ARN() {
			got[s.Control] = s.Reason
		}
	}
	for c, has := range want {
		if !strings.Contains(got[c], has) || (c == detect.ECS5ID && !strings.Contains(got[c], "holds only the containerDefinitions array")) {
			t.Errorf("%s: Not fixed reason %q, want %q", c, got[c], has)
		}
	}
}
