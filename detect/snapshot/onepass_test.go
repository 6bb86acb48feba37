package snapshot

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// onePassSeeds are documents on which the single-pass decoding (decodeGuessed) must agree with the
// two-pass reading (checkDocument): the same part, or the same error.
var onePassSeeds = []string{
	tdWeb1, svcA,
	`{"taskDefinition": {"taskDefinitionArn": "arn:aws:ecs:eu-west-1:1:task-definition/a:1", "family": "a"}, "tags": [], "x": 1}`,
	// mixed outputs, the first member naming one of them
	`{"taskDefinition": {"taskDefinitionArn": "arn:aws:ecs:eu-west-1:1:task-definition/a:1"}, "services": []}`,
	`{"taskDefinition": {"taskDefinitionArn": "arn:aws:ecs:eu-west-1:1:task-definition/a:1"}, "containerDefinitions": []}`,
	`{"services": [], "clusters": []}`,
	`{"findings": [], "services": []}`,
	`{"findings": [], "ContainerDefinitions": []}`,
	`{"UserDetailList": [], "RoleDetailList": [], "taskDefinition": null}`,
	// malformed after what decoding would refuse first
	`{"services": [{"serviceArn": ""}], "failures": [}`,
	`{"services": [{"serviceArn": "a"}]} x`,
	`{"taskDefinition": {"taskDefinitionArn": "arn:aws:ecs:eu-west-1:1:task-definition/a:1", "revision": 2}, "tags": [1,]}`,
	`{"taskDefinition": {"taskDefinitionArn": "arn:aws:ecs:eu-west-1:1:task-definition/a:1", "containerDefinitions": [` +
		strings.Repeat(`{"name": "a", "image": "b"}, `, 11) + `{"name": "a", "image": "b"}]}, "tags": "`,
	`{"taskDefinition": {"taskDefinitionArn": "arn:aws:ecs:eu-west-1:1:task-definition/a:1"}, "taskDefinition": {}}`,
	`{"TaskDefinition": {"taskDefinitionArn": "arn:aws:ecs:eu-west-1:1:task-definition/a:1"}, "taskdefinition": null}`,
	`{"taskDefinition": null}`, `{"Role": null}`, `{"services": 1}`, `{}`, `[]`, `{"services": [`,
	`{"clusters": [{"clusterArn": "arn:aws:ecs:eu-west-1:1:cluster/c"}], "failures": [{"arn": "x", "reason": "AccessDenied"}]}`,
	`{"SecurityGroups": [{"GroupId": "sg-1"}], "NextToken": "t"}`,
	`{"RoleDetailList": [{"RoleName": "r", "Arn": "arn:aws:iam::1:role/r", "AssumeRolePolicyDocument": {"Statement": []}}], "Policies": []}`,
	"\xef\xbb\xbf{\"services\": []}",
}

// onePassAgrees fails t when parseDocument and checkDocument read data differently.
func onePassAgrees(t *testing.T, data []byte) {
	t.Helper()
	one, err1 := parseDocument("f.json", "f.json", bytes.NewReader(data), int64(len(data)), nil)
	two, err2 := checkDocument("f.json", "f.json", bytes.NewReader(data), int64(len(data)), nil)
	if fmt.Sprint(err1) != fmt.Sprint(err2) {
		t.Fatalf("%.200q: errors differ:\none pass: %v\ntwo passes: %v", data, err1, err2)
	}
	if !reflect.DeepEqual(one, two) {
		t.Fatalf("%.200q: parts differ:\none pass: %+v\ntwo passes: %+v", data, one, two)
	}
}

func TestOnePassAgreesWithTwo(t *testing.T) {
	for _, s := range onePassSeeds {
		onePassAgrees(t, []byte(s))
	}
	// and the documents are decoded in one pass when they are what their first member says
	for _, s := range []string{tdWeb1, svcA} {
		if _, ok := decodeGuessed("f.json", "f.json", strings.NewReader(s), int64(len(s)), nil); !ok {
			t.Errorf("%.80q: not decoded in one pass", s)
		}
	}
	for _, s := range onePassSeeds[3:9] {
		if _, ok := decodeGuessed("f.json", "f.json", strings.NewReader(s), int64(len(s)), nil); ok {
			t.Errorf("%.80q: mixed outputs decoded in one pass", s)
		}
	}
}

func FuzzOnePassAgreesWithTwo(f *testing.F) {
	for _, s := range onePassSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(onePassAgrees)
}
