// Tests of FindPlaceholder in both directions (template placeholders found, real values containing "$",
// braces or angle brackets not), of the controls on placeholder values, and of the controls on a task
// definition read from a file holding only its containerDefinitions.

package detect

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestFindPlaceholder(t *testing.T) {
	for _, tt := range []struct {
		value, text, syntax string
		whole               bool
	}{
		{"${APP_USER}", "${APP_USER}", "${…}", true},
		{"${APP_USER:-1000}", "${APP_USER:-1000}", "${…}", true},
		{"${var.image}", "${var.image}", "${…}", true},
		{"arn:aws:iam::${AWS::AccountId}:role/app", "${AWS::AccountId}", "${…}", false},
		{"123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:${TAG}", "${TAG}", "${…}", false},
		{"${{ secrets.ROLE_ARN }}", "${{ secrets.ROLE_ARN }}", "${{…}}", true},
		{`{{ must_env "EXECUTION_ROLE_ARN" }}`, `{{ must_env "EXECUTION_ROLE_ARN" }}`, "{{…}}", true},
		{"{{ .mode }}", "{{ .mode }}", "{{…}}", true},
		{"{{resolve:ssm:/app/user}}", "{{resolve:ssm:/app/user}}", "{{…}}", true},
		{"<YOUR_TASK_EXECUTION_ROLE>", "<YOUR_TASK_EXECUTION_ROLE>", "<…>", true},
		{"arn:aws:iam::<account-id>:role/ecsTaskExecutionRole", "<account-id>", "<…>", false},
		{"<aws_account_id>.dkr.ecr.<region>.amazonaws.com/web:latest", "<aws_account_id>", "<…>", false},
		{"#{Octopus.Action.Package.FeedUri}", "#{Octopus.Action.Package.FeedUri}", "#{…}", true},
		{"#{ExecutionRole}#", "#{ExecutionRole}#", "#{…}", true},
		{"%{ if prod }awsvpc%{ endif }", "%{ if prod }", "%{…}", false},
		{"$$NETWORK_MODE$$", "$$NETWORK_MODE$$", "$$…$$", true},
		{"$(Build.BuildId)", "$(Build.BuildId)", "$(…)", true},
		{"app:__IMAGE_TAG__", "__IMAGE_TAG__", "__…__", false},
		{"$APP_USER", "$APP_USER", "$NAME", true},
		{"arn:aws:iam::$ACCOUNT_ID:role/app", "$ACCOUNT_ID", "$NAME", false},
	} {
		p, ok := FindPlaceholder(tt.value)
		if !ok {
			t.Errorf("FindPlaceholder(%q): none found, want %s", tt.value, tt.text)
			continue
		}
		if p.Text != tt.text || p.Syntax != tt.syntax || p.Whole != tt.whole {
			t.Errorf("FindPlaceholder(%q) = %q %s whole=%v, want %q %s whole=%v", tt.value, p.Text, p.Syntax, p.Whole, tt.text, tt.syntax, tt.whole)
		}
		if p.Tools == "" {
			t.Errorf("FindPlaceholder(%q): form %s names no tool", tt.value, p.Syntax)
		}
	}
}

func TestFindPlaceholderRealValues(t *testing.T) {
	// Values a task definition really holds: none is a placeholder.
	for _, v := range []string{
		"", "root", "0", "1000:1000", "nginx", "ContainerUser", "host", "awsvpc",
		"public.ecr.aws/nginx/nginx:1.27-alpine", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:0123abcd",
		"arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
		"pa$$word", "Xy$ABC1!", "$ecret", "cost is $5", "a$b", "$", "$$", "$1",
		`{"feature":{"enabled":true},"list":[{"a":1}]}`, `{"a":"b"}`, "{}", "{x}", "{family}",
		"a < b > c", "x<y", "<>", "<1>", "< spaced>",
		"__init__", "__", "____", "_private_", "#{}", "${}", "%{}", "$()", "$(date +%s)",
		"/ecs/web", "s3://bucket/key", "postgres://user@db:5432/app", "user@example.com",
	} {
		if p, ok := FindPlaceholder(v); ok {
			t.Errorf("FindPlaceholder(%q) = %q (%s), want none", v, p.Text, p.Syntax)
		}
	}
}

func TestPlaceholderFormsListed(t *testing.T) {
	got := strings.Join(PlaceholderForms(), " ")
	for _, want := range []string{"<…>", "${…}", "{{…}}", "$$…$$", "#{…}", "%{…}"} {
		if !strings.Contains(got, want) {
			t.Errorf("PlaceholderForms() = %s, lacks %s", got, want)
		}
	}
}

func TestUserPlaceholder(t *testing.T) {
	for u, want := range map[string]bool{
		"${APP_USER}": true, "{{ .user }}": true, "<uid>:<gid>": true, "${UID}:1000": true, "$APP_USER": true,
		// the user is literal, only the group is templated: judged as written
		"1000:${GID}": false, "0:$GID": false, "root:{{ .group }}": false,
		"1000": false, "": false,
	} {
		if _, got := userPlaceholder(u); got != want {
			t.Errorf("userPlaceholder(%q) = %v, want %v", u, got, want)
		}
	}
}

func TestControlsOnPlaceholderUser(t *testing.T) {
	const ph = "${APP_USER}"
	for _, tt := range []struct {
		name string
		c    Control
		td   TaskDefinition
		want Status
		has  []string
	}{
		{"ECS.20 only placeholder", ECS20(), taskDef("a", 1, containers(ctr("web", user(ph)))), NotEvaluated,
			[]string{`container "web" user is "${APP_USER}", a template placeholder (${…})`, "once the template is rendered"}},
		{"ECS.20 placeholder beside a root container", ECS20(), taskDef("a", 1, containers(ctr("web", user(ph)), ctr("side", user("root")))), Failed,
			[]string{`container "side": user is "root"`, `not judged: container "web" user is "${APP_USER}"`}},
		{"ECS.20 placeholder beside a non-root container", ECS20(), taskDef("a", 1, containers(ctr("web", user(ph)), ctr("side", user("1000")))), NotEvaluated,
			[]string{`container "web"`}},
		{"ECS.20 templated group only", ECS20(), taskDef("a", 1, containers(ctr("web", user("1000:${GID}")))), Passed, nil},
		{"ECS.20 root with templated group", ECS20(), taskDef("a", 1, containers(ctr("web", user("0:${GID}")))), Passed, []string{"still runs as root"}},
		{"ECS.21 placeholder", ECS21(), taskDef("a", 1, osFamilyOpt(ecstypes.OSFamilyWindowsServer2022Core), containers(ctr("web", user("<windows-user>")))), NotEvaluated,
			[]string{`"<windows-user>", a template placeholder (<…>)`}},
		{"ECS.21 placeholder beside administrator", ECS21(), taskDef("a", 1, osFamilyOpt(ecstypes.OSFamilyWindowsServer2022Core),
			containers(ctr("web", user("<windows-user>")), ctr("side", user("ContainerAdministrator")))), Failed, []string{`container "side"`}},
		{"ECS.1 host mode placeholder", ECS1(), taskDef("a", 1, networkMode(ecstypes.NetworkModeHost), containers(ctr("web", user(ph)))), NotEvaluated,
			[]string{`container "web" user is "${APP_USER}"`}},
		{"ECS.1 host mode placeholder but privileged", ECS1(), taskDef("a", 1, networkMode(ecstypes.NetworkModeHost), containers(ctr("web", user(ph), privileged(true)))), Passed, nil},
		{"ECS.1 host mode placeholder beside root", ECS1(), taskDef("a", 1, networkMode(ecstypes.NetworkModeHost), containers(ctr("web", user(ph)), ctr("side"))), Failed,
			[]string{`container "side"`, "not judged"}},
		{"ECS.1 host mode root with templated group", ECS1(), taskDef("a", 1, networkMode(ecstypes.NetworkModeHost), containers(ctr("web", user("0:${GID}")))), Failed, nil},
		{"ECS.1 awsvpc placeholder user", ECS1(), taskDef("a", 1, networkMode(ecstypes.NetworkModeAwsvpc), containers(ctr("web", user(ph)))), Passed, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			checkVerdict(t, EvaluateRevision(tt.c, &tt.td, nil).verdict(), tt.want, tt.has...)
		})
	}
}

// verdict is a result's verdict, for checkVerdict.
func (r Result) verdict() Verdict {
	return Verdict{Status: r.Status, Reason: r.Reason, Offenders: r.Offenders}
}

func TestEnumPlaceholderReason(t *testing.T) {
	td := taskDef("a", 1, networkMode("{{ .mode }}"))
	checkVerdict(t, evalECS17(&td, nil), NotEvaluated, `networkMode is "{{ .mode }}", a template placeholder ({{…}}), not a value AWS defines`, "once the template is rendered")
	td = taskDef("a", 1, pidMode("${PID_MODE}"))
	checkVerdict(t, evalECS3(&td, nil), NotEvaluated, `pidMode is "${PID_MODE}", a template placeholder`)
	// Not a placeholder: the reason does not call it one.
	td = taskDef("a", 1, networkMode("HOST"))
	v := evalECS17(&td, nil)
	checkVerdict(t, v, NotEvaluated, `networkMode is "HOST", which is not a value AWS defines`)
	if strings.Contains(v.Reason, "placeholder") {
		t.Errorf("HOST is called a placeholder: %s", v.Reason)
	}
}

func TestECS9PlaceholderDriverBesideMissingLogging(t *testing.T) {
	// A container without logging fails whatever another container's templated driver renders as.
	td := taskDef("a", 1, containers(ctr("web", logDriver("${LOG_DRIVER}")), ctr("side")))
	checkVerdict(t, evalECS9(&td, nil), Failed, `container "side": no logConfiguration`)
	td = taskDef("a", 1, containers(ctr("web", logDriver("${LOG_DRIVER}")), ctr("side", logDriver(ecstypes.LogDriverAwslogs))))
	checkVerdict(t, evalECS9(&td, nil), NotEvaluated, `container "web" logConfiguration.logDriver is "${LOG_DRIVER}", a template placeholder`)
	// Templated awslogs options do not matter to ECS.9.
	c := ctr("web", logDriver(ecstypes.LogDriverAwslogs))
	c.LogConfiguration.Options = map[string]string{"awslogs-group": "/ecs/${FAMILY}", "awslogs-region": "{{ must_env `AWS_REGION` }}"}
	td = taskDef("a", 1, containers(c))
	checkVerdict(t, evalECS9(&td, nil), Passed)
}

func TestECS8Placeholders(t *testing.T) {
	// A templated value is still a plaintext credential once rendered; the value is not printed.
	td := taskDef("a", 1, containers(ctr("web", env("AWS_SECRET_ACCESS_KEY", "${AWS_SECRET_ACCESS_KEY}"))))
	v := evalECS8(&td, nil)
	checkVerdict(t, v, Failed, "environment variable AWS_SECRET_ACCESS_KEY is passed in plaintext", "a template placeholder (${…})")
	if strings.Contains(v.Reason, "${AWS_SECRET_ACCESS_KEY}") || strings.Contains(v.Offenders[0].Detail, "${AWS_SECRET_ACCESS_KEY}") {
		t.Errorf("the value is printed: %s / %s", v.Reason, v.Offenders[0].Detail)
	}
	// A real value is not described as templated.
	td = taskDef("a", 1, containers(ctr("web", env("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"))))
	checkVerdict(t, evalECS8(&td, nil), Failed, "passed in plaintext")
	if strings.Contains(evalECS8(&td, nil).Reason, "placeholder") {
		t.Errorf("a real value is called a placeholder")
	}
	// A templated name may render as one of the three.
	td = taskDef("a", 1, containers(ctr("web", env("{{ .key_name }}", "x", "DB_HOST", "db"))))
	checkVerdict(t, evalECS8(&td, nil), NotEvaluated, `environment variable named "{{ .key_name }}", a template placeholder`)
	// Other variables with templated values are not the control's business.
	td = taskDef("a", 1, containers(ctr("web", env("DB_HOST", "${DB_HOST}", "JSON", `{"a":{"b":1}}`))))
	checkVerdict(t, evalECS8(&td, nil), Passed)
}

func TestECS15PlaceholderTagKey(t *testing.T) {
	s := &Settings{RequiredTags: map[string][]string{TypeTaskDefinition: {"team"}}}
	td := taskDef("a", 1, tdTags("{{ .tag_key }}", "payments"))
	checkVerdict(t, evalECS15(&td, s), NotEvaluated, `missing required tag keys: "team"`, `tag key "{{ .tag_key }}"`)
	td = taskDef("a", 1, tdTags("owner", "${OWNER}"))
	checkVerdict(t, evalECS15(&td, s), Failed, `"team"`)
	td = taskDef("a", 1, tdTags("team", "${TEAM}"))
	checkVerdict(t, evalECS15(&td, s), Passed)
}

// containersOnlyTD is a task definition as read from a file holding only a containerDefinitions array:
// no ARN, no task-level field.
func containersOnlyTD(cs ...ecstypes.ContainerDefinition) TaskDefinition {
	return TaskDefinition{
		TaskDefinition: ecstypes.TaskDefinition{Family: aws.String("web"), Status: ecstypes.TaskDefinitionStatusActive, ContainerDefinitions: cs},
		Source:         &FileSource{File: "infra/containers.json", Line: 1, ContainersOnly: true},
	}
}

func TestContainersOnly(t *testing.T) {
	bad := containersOnlyTD(ctr("web")) // root, writable, no logging
	good := containersOnlyTD(ctr("web", user("1000"), readonlyRoot(true), logDriver(ecstypes.LogDriverAwslogs)))
	priv := containersOnlyTD(ctr("web", privileged(true), env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")))
	tags := &Settings{RequiredTags: map[string][]string{TypeTaskDefinition: {"team"}}}
	notInFile := "is not in the file, which holds only the containerDefinitions array"
	for _, tt := range []struct {
		name string
		c    Control
		td   TaskDefinition
		s    *Settings
		want Status
		has  []string
	}{
		// task-level: never PASSED, whatever the containers
		{"ECS.3", ECS3(), good, nil, NotEvaluated, []string{"pidMode " + notInFile}},
		{"ECS.17", ECS17(), good, nil, NotEvaluated, []string{"networkMode " + notInFile}},
		{"ECS.18", ECS18(), good, nil, NotEvaluated, []string{"volumes " + notInFile}},
		{"ECS.15", ECS15(), good, tags, NotEvaluated, []string{"tags " + notInFile}},
		{"ECS.1 root container", ECS1(), bad, nil, NotEvaluated, []string{"networkMode " + notInFile, `in host network mode it would fail: container "web"`}},
		{"ECS.1 placeholder user", ECS1(), containersOnlyTD(ctr("web", user("${U}"))), nil, NotEvaluated, []string{"networkMode " + notInFile}},
		// ECS.1 passes whatever the network mode when no container could fail it
		{"ECS.1 non-root containers", ECS1(), good, nil, Passed, []string{"whatever the networkMode"}},
		// container-level: evaluated
		{"ECS.4 fails", ECS4(), priv, nil, Failed, []string{`container "web": privileged is true`}},
		{"ECS.4 passes", ECS4(), good, nil, Passed, nil},
		{"ECS.5 fails", ECS5(), bad, nil, Failed, []string{"readonlyRootFilesystem is absent", "operatingSystemFamily is not known"}},
		{"ECS.5 passes", ECS5(), good, nil, Passed, []string{"operatingSystemFamily is not known"}},
		{"ECS.8 fails", ECS8(), priv, nil, Failed, []string{"AWS_ACCESS_KEY_ID"}},
		{"ECS.8 passes", ECS8(), good, nil, Passed, nil},
		{"ECS.9 fails", ECS9(), bad, nil, Failed, []string{"no logConfiguration"}},
		{"ECS.9 passes", ECS9(), good, nil, Passed, nil},
		{"ECS.20 fails", ECS20(), bad, nil, Failed, []string{"user is absent"}},
		{"ECS.20 passes", ECS20(), good, nil, Passed, nil},
		{"ECS.21 fails", ECS21(), bad, nil, Failed, []string{"user is absent"}},
		{"ECS.21 passes", ECS21(), good, nil, Passed, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := EvaluateRevision(tt.c, &tt.td, tt.s)
			checkVerdict(t, r.verdict(), tt.want, tt.has...)
		})
	}
	// The same containers in a whole task definition are judged on its task-level fields.
	whole := good
	whole.Source = &FileSource{File: "task-definition.json", Line: 1}
	for _, c := range []Control{ECS3(), ECS17(), ECS18(), ECS1()} {
		if r := EvaluateRevision(c, &whole, nil); r.Status != Passed {
			t.Errorf("%s on a whole task definition file: %s (%s)", c.ID, r.Status, r.Reason)
		}
	}
}

func TestContainersOnlyNeverPassesTaskLevelControls(t *testing.T) {
	// Whatever the containers hold, a task-level control of a containers-only task definition is never
	// PASSED (ECS.1 only when no container could fail it in host mode).
	ctrs := [][]ecstypes.ContainerDefinition{
		nil,
		{ctr("web")},
		{ctr("web", user("1000"), readonlyRoot(true), logDriver(ecstypes.LogDriverAwslogs))},
		{ctr("web", privileged(true)), ctr("side", user("root"))},
	}
	s := &Settings{RequiredTags: map[string][]string{TypeTaskDefinition: {"team"}}}
	for i, cs := range ctrs {
		td := containersOnlyTD(cs...)
		for _, c := range []Control{ECS3(), ECS15(), ECS17(), ECS18()} {
			if r := EvaluateRevision(c, &td, s); r.Status == Passed || r.Status == Failed {
				t.Errorf("case %d: %s = %s (%s), want NOT_EVALUATED", i, c.ID, r.Status, r.Reason)
			}
		}
	}
}
