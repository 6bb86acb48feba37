package detect

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// dropInventory: families whose revisions are latest, superseded, INACTIVE, run by a service, a
// deployment or a task set, newer than a run one, without a status, or kept as a file.
func dropInventory() *Inventory {
	body := func(td *TaskDefinition) {
		td.ContainerDefinitions = []ecstypes.ContainerDefinition{ctr("app", privileged(true), readonlyRoot(false))}
		td.Volumes = []ecstypes.Volume{{Name: aws.String("v")}}
		td.RequiresCompatibilities = []ecstypes.Compatibility{ecstypes.CompatibilityFargate}
		td.RuntimePlatform = &ecstypes.RuntimePlatform{OperatingSystemFamily: ecstypes.OSFamilyLinux}
		td.ExecutionRoleArn = aws.String("arn:aws:iam::123456789012:role/exec")
	}
	inactive := tdStatus(ecstypes.TaskDefinitionStatusInactive)
	noStatus := tdStatus("")
	file := taskDef("filed", 1, body)
	file.TaskDefinitionArn, file.Source = nil, &FileSource{File: "td.json", Line: 1}
	dep := service("dep", runs(tdARN("dep", 3)))
	dep.Deployments = []ecstypes.Deployment{{TaskDefinition: aws.String(tdARN("dep", 1))}}
	withSet := service("withset")
	withSet.TaskSets = []ecstypes.TaskSet{{TaskSetArn: aws.String("ts-1"), TaskDefinition: aws.String(tdARN("set", 1))}}
	return &Inventory{
		TaskDefinitions: []TaskDefinition{
			taskDef("web", 1, body), taskDef("web", 2, body, inactive), taskDef("web", 3, body), // 1, 2 trimmed
			taskDef("api", 1, body), taskDef("api", 2, body), taskDef("api", 3, body), taskDef("api", 4, body, inactive), taskDef("api", 5, body),
			taskDef("dep", 1, body), taskDef("dep", 2, body, inactive), taskDef("dep", 3, body),
			taskDef("set", 1, body), taskDef("set", 2, body),
			taskDef("loose", 1, body, noStatus), taskDef("loose", 2, body),
			file,
		},
		Services: []ecstypes.Service{service("api", runs(tdARN("api", 2))), dep, withSet},
		TaskSets: []ecstypes.TaskSet{{TaskSetArn: aws.String("ts-2"), TaskDefinition: aws.String(tdARN("loose", 2))}},
	}
}

func TestDropUnread(t *testing.T) {
	in := dropInventory()
	before, err := json.Marshal(Evaluate(in, &Settings{}))
	if err != nil {
		t.Fatal(err)
	}
	trimmed := map[string]bool{
		tdARN("web", 1): true, tdARN("web", 2): true, // superseded, INACTIVE; nothing runs them
		tdARN("api", 1): true, // older than the revision the service runs
		tdARN("api", 4): true, // newer than it, but INACTIVE (never a fix an earlier plan registered)
		tdARN("dep", 2): true, // between the deployment's and the service's: INACTIVE
	}
	// kept: latest ACTIVE revisions; api:2 (run), api:3 (ACTIVE, newer than api:2: the planner may reuse
	// it); dep:1 (a deployment runs it); set:1 (a task set of a service runs it); loose:1 (no status:
	// scored); the file.
	if n := in.DropUnread(); n != len(trimmed) {
		t.Errorf("DropUnread() = %d, want %d", n, len(trimmed))
	}
	for i := range in.TaskDefinitions {
		td := &in.TaskDefinitions[i]
		if td.Trimmed != trimmed[td.ARN()] {
			t.Errorf("%s: trimmed %v, want %v", td.ARN(), td.Trimmed, trimmed[td.ARN()])
		}
		if td.Trimmed {
			if td.ContainerDefinitions != nil || td.Volumes != nil || td.RequiresCompatibilities != nil || td.RuntimePlatform != nil {
				t.Errorf("%s: trimmed but kept its body", td.ARN())
			}
			if td.Family == nil || td.Revision == 0 || td.Status == "" || aws.ToString(td.ExecutionRoleArn) == "" {
				t.Errorf("%s: trimmed past its identity: %+v", td.ARN(), td.TaskDefinition)
			}
		} else if len(td.ContainerDefinitions) != 1 || len(td.Volumes) != 1 {
			t.Errorf("%s: kept, yet its body changed", td.ARN())
		}
	}
	after, err := json.Marshal(Evaluate(in, &Settings{}))
	if err != nil {
		t.Fatal(err)
	}
	if string(after) != string(before) {
		t.Errorf("Evaluate differs after DropUnread:\n%s\nwant\n%s", after, before)
	}
	if n := in.DropUnread(); n != 0 {
		t.Errorf("DropUnread() again = %d, want 0", n)
	}
	// a trimmed revision is never scored from what is left of it
	td, _ := in.TaskDefinition(tdARN("web", 1))
	if r := EvaluateRevision(ECS4(), td, nil); r.Status != NotEvaluated {
		t.Errorf("EvaluateRevision on a trimmed revision: %s %q, want NOT_EVALUATED", r.Status, r.Reason)
	}
}

// TestFamilyOfIsFamilyKey: the index's family key (familyOf, which allocates nothing) groups ARNs
// exactly as FamilyKey does, and refuses what it refuses.
func TestFamilyOfIsFamilyKey(t *testing.T) {
	arns := []string{
		"arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1",
		"arn:aws:ecs:eu-west-1:123456789012:task-definition/web:12",
		"arn:aws:ecs:eu-west-1:123456789012:task-definition/web:+3",
		"arn:aws:ecs:eu-west-1:123456789012:task-definition/web:0",
		"arn:aws:ecs:eu-west-1:123456789012:task-definition/web:-1",
		"arn:aws:ecs:eu-west-1:123456789012:task-definition/web:x",
		"arn:aws:ecs:eu-west-1:123456789012:task-definition/web",
		"arn:aws:ecs:eu-west-1:123456789012:task-definition/:1",
		"arn:aws:ecs:eu-west-1:123456789012:task-definition/a:b:2",
		"arn:aws:ecs:eu-west-1:123456789012:task-definition/a:b:3",
		"arn:aws:ecs:eu-west-2:123456789012:task-definition/web:1",
		"arn:aws:ecs:eu-west-1:210987654321:task-definition/web:1",
		"arn:aws-cn:ecs:eu-west-1:123456789012:task-definition/web:1",
		"arn:aws:ecs:eu-west-1:123456789012:service/web:1",
		"arn:aws:ecs2:eu-west-1:123456789012:task-definition/web:1",
		"arn:aws:ecs:eu-west-1:task-definition/web:1",
		"arn::ecs:::task-definition/web:1",
		"arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1:2",
		"nar:aws:ecs:eu-west-1:123456789012:task-definition/web:1",
		"web:1", "", "arn:", "arn:aws:ecs:",
		"file:td.json:1:task-definition/web",
	}
	for _, a := range arns {
		if (familyOf(a) == "") != (FamilyKey(a) == "") {
			t.Errorf("%q: familyOf %q, FamilyKey %q", a, familyOf(a), FamilyKey(a))
		}
		for _, b := range arns {
			if FamilyKey(a) == "" || FamilyKey(b) == "" {
				continue
			}
			if (familyOf(a) == familyOf(b)) != (FamilyKey(a) == FamilyKey(b)) {
				t.Errorf("%q and %q: familyOf %q, %q; FamilyKey %q, %q", a, b, familyOf(a), familyOf(b), FamilyKey(a), FamilyKey(b))
			}
		}
	}
}
