package plan

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// fileTD is a task definition kept as a file: no ARN, a Source.
func fileTD(file string, mods ...tdMod) detect.TaskDefinition {
	td := bTD("web", 1, mods...)
	td.TaskDefinitionArn = nil
	td.Source = &detect.FileSource{File: file, Line: 1}
	return td
}

func evaluateEach(in *detect.Inventory) []detect.Result {
	var out []detect.Result
	for _, c := range detect.All() {
		if c.TaskDefinition == nil {
			continue
		}
		for i := range in.TaskDefinitions {
			out = append(out, detect.EvaluateRevision(c, &in.TaskDefinitions[i], bSettings()))
		}
	}
	return out
}

// Two files of one family are two task definitions: each gets its own fix, none stands for the other,
// none is ordered after the other, and neither carries AWS preconditions.
func TestPlanFileTaskDefinitionsOfOneFamily(t *testing.T) {
	priv := ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.Privileged = aws.Bool(true) })
	in := bInventory([]detect.TaskDefinition{fileTD("staging.json", priv), fileTD("production.json", priv)}, nil)
	p, err := Build(in, evaluateEach(in), bOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(p.Actions) != 2 {
		t.Fatalf("%d actions, want one registration per file: %+v", len(p.Actions), p.Actions)
	}
	for _, a := range p.Actions {
		if !detect.IsFileID(a.Resource) || len(a.DependsOn) > 0 || a.Account != "" || a.Region != "" {
			t.Errorf("action %s on %s: dependsOn %v, account %q, region %q", a.ID, a.Resource, a.DependsOn, a.Account, a.Region)
		}
		for _, pc := range a.Preconditions {
			if strings.Contains(pc.Check, "latest ACTIVE") || strings.Contains(pc.Check, "status") {
				t.Errorf("action %s has the AWS precondition %q", a.ID, pc.Check)
			}
		}
		if !strings.Contains(a.Summary, "in file ") {
			t.Errorf("summary %q does not name the file", a.Summary)
		}
	}
	if got := p.FileTaskDefinitions(); len(got) != 2 {
		t.Errorf("FileTaskDefinitions = %v", got)
	}
}

// The secrets and logging fixes need AWS resources a file cannot name: skipped with the reason, and the
// task definition's other fixes are still planned.
func TestPlanFileTaskDefinitionSkipsSecretsAndLogs(t *testing.T) {
	td := fileTD("td.json", ctrMod(0, func(c *ecstypes.ContainerDefinition) {
		c.Privileged = aws.Bool(true)
		c.LogConfiguration = nil
		c.Environment = []ecstypes.KeyValuePair{{Name: aws.String("AWS_SECRET_ACCESS_KEY"), Value: aws.String("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")}}
	}))
	in := bInventory([]detect.TaskDefinition{td}, nil)
	p, err := Build(in, evaluateEach(in), bOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Actions) != 1 || p.Actions[0].Type != RegisterTaskDefinition || !containsString(p.Actions[0].Controls, "ECS.4") {
		t.Fatalf("actions: %+v", p.Actions)
	}
	reasons := map[string]string{}
	for _, s := range p.Skipped {
		reasons[s.Control] = s.Reason
	}
	if !strings.Contains(reasons["ECS.8"], "kept as a file") || !strings.Contains(reasons["ECS.9"], "kept as a file") {
		t.Errorf("skipped: %+v", p.Skipped)
	}
}

func containsString(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}
