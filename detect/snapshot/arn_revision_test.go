package snapshot

// Tests for a task definition file that carries a taskDefinitionArn but leaves out its revision or status.

import (
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/detect"
)

func TestARNFileWithoutRevisionOrStatus(t *testing.T) {
	const arn = "arn:aws:ecs:eu-west-1:111122223333:task-definition/web:3"
	doc := `{"taskDefinitionArn": "` + arn + `", "containerDefinitions": [{"name": "app", "image": "x", "privileged": true}]}`
	in, err := Parse("web.json", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	td := in.TaskDefinitions[0]
	if td.Revision != 3 || td.Family == nil || *td.Family != "web" {
		t.Errorf("revision %d family %v, want the ARN's (3, web)", td.Revision, td.Family)
	}
	var found bool
	for _, r := range detect.Evaluate(in, &detect.Settings{Controls: []string{"ECS.4"}}) {
		if r.ResourceArn == arn {
			found = true
			if r.Status != detect.Failed || !strings.Contains(r.Reason, "status is unknown") {
				t.Errorf("ECS.4 on a file with an ARN and no status: %s %q, want FAILED noting the unknown status", r.Status, r.Reason)
			}
		}
	}
	if !found {
		t.Error("no ECS.4 result for the file")
	}
	bad := strings.Replace(doc, `"containerDefinitions"`, `"revision": 4, "containerDefinitions"`, 1)
	if _, err := Parse("web.json", []byte(bad)); err == nil || !strings.Contains(err.Error(), "web.json: revision: 4 does not match the ARN's revision 3") {
		t.Errorf("contradicting revision: %v", err)
	}
	huge := strings.Replace(doc, "web:3", "web:4294967297", 1)
	if _, err := Parse("web.json", []byte(huge)); err == nil || !strings.Contains(err.Error(), "web.json: taskDefinitionArn: the revision 4294967297 is out of range") {
		t.Errorf("revision out of range: %v", err)
	}
}
