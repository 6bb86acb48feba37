// This file tests task definitions kept as files without an ARN: each is its own, never superseded and
// never superseding a registered revision of its family.

package detect

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func fileTaskDef(file, family string, status ecstypes.TaskDefinitionStatus, opts ...tdOpt) TaskDefinition {
	td := TaskDefinition{
		TaskDefinition: ecstypes.TaskDefinition{Family: aws.String(family), Status: status},
		Source:         &FileSource{File: file, Line: 1},
	}
	for _, o := range opts {
		o(&td)
	}
	return td
}

func TestFileTaskDefinitionsFollowNoLatestActiveRule(t *testing.T) {
	readonly := func(c *ecstypes.ContainerDefinition) { c.ReadonlyRootFilesystem = aws.Bool(true) }
	in := &Inventory{TaskDefinitions: []TaskDefinition{
		taskDef("api", 4, containers(ctr("api", readonly))),
		// a register-task-definition input: no status, no revision
		fileTaskDef("deploy/staging/task-definition.json", "api", "", containers(ctr("api"))),
		// a copy of describe output with its ARN taken out: ACTIVE, revision 9
		fileTaskDef("deploy/production/task-definition.json", "api", ecstypes.TaskDefinitionStatusActive,
			containers(ctr("api", readonly)), func(td *TaskDefinition) { td.Revision = 9 }),
		fileTaskDef("old/task-definition.json", "api", ecstypes.TaskDefinitionStatusInactive, containers(ctr("api"))),
	}}
	staging := in.TaskDefinitions[1].ARN()
	production := in.TaskDefinitions[2].ARN()
	old := in.TaskDefinitions[3].ARN()
	if staging != "file:deploy/staging/task-definition.json:1:task-definition/api" {
		t.Fatalf("ARN() = %q", staging)
	}
	latest, ok := in.LatestActive(tdARN("api", 4))
	if !ok || latest.ARN() != tdARN("api", 4) {
		t.Errorf("latest ACTIVE api revision = %v, %v; a file's task definition must not supersede a registered one", latest, ok)
	}
	for _, id := range []string{staging, production, old} {
		td, ok := in.TaskDefinition(id)
		if !ok || !td.FileOnly() {
			t.Fatalf("%s: not found by its FileID, or not file only", id)
		}
		if in.IsLatestActive(td) {
			t.Errorf("%s: IsLatestActive", id)
		}
		if _, ok := in.LatestActive(id); ok {
			t.Errorf("%s: LatestActive found a revision for a FileID", id)
		}
	}
	got := map[string]Status{}
	for _, r := range Evaluate(in, &Settings{}) {
		if r.Control == ECS5ID {
			got[r.ResourceArn] = r.Status
		}
	}
	want := map[string]Status{tdARN("api", 4): Passed, staging: Failed, production: Passed, old: Failed}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("ECS.5 %s: %s, want %s", id, got[id], w)
		}
	}
}
