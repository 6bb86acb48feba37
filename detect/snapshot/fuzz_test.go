package snapshot

import (
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/detect"
)

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		tdWeb1, svcA,
		`{"clusters": [{"clusterArn": "arn:aws:ecs:eu-west-1:1:cluster/c", "settings": [{"name": "containerInsights", "value": "enabled"}]}], "failures": [{"arn": "x", "reason": "AccessDenied"}]}`,
		`{"SecurityGroups": [{"GroupId": "sg-1", "IpPermissions": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}`,
		`{"RoleDetailList": [{"RoleName": "r", "Arn": "arn:aws:iam::1:role/r", "AssumeRolePolicyDocument": {"Statement": []}}], "Policies": []}`,
		`{"services": [{"serviceArn": "a", "createdAt": 1716280191.907, "deploymentConfiguration": {"lifecycleHooks": [{"hookDetails": [1, {"a": null}]}]}}]}`,
		`{"taskDefinition": {"taskDefinitionArn": "arn:aws:ecs:eu-west-1:1:task-definition/a:1", "containerDefinitions": [{"resourceRequirements": [{"type": "GPU", "value": "1", "sharingStrategy": {"nvidiaMps": {}}}]}]}}`,
		`{"services": [`, `[]`, `null`, `{"Role": null}`,
		`{"family": "f", "status": "ACTIVE", "containerDefinitions": [{"name": "a", "image": "b", "x": 1}], "tags": [{"key": "k"}]}`,
		`[{"name": "a", "image": "b", "privileged": true}, {"name": "c", "image": "d", "y": [1]}]`,
		"\xff\xfe{\x00}\x00", "\xfe\xff\x00[\x00]", "\xff\xfe\x00\xd8",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := Parse("fuzz.json", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.json") {
				t.Errorf("error does not name the file: %v", err)
			}
			return
		}
		// A parsed inventory is usable: lookups and evaluation work on it.
		_ = in.Count()
		_ = in.Regions()
		for i := range in.TaskDefinitions {
			td := &in.TaskDefinitions[i]
			if _, ok := in.TaskDefinition(td.ARN()); !ok {
				t.Errorf("task definition %s not found by its ARN", td.ARN())
			}
			in.IsLatestActive(td)
		}
		for _, s := range in.Services {
			if _, ok := in.Service(*s.ServiceArn); !ok {
				t.Errorf("service %s not found by its ARN", *s.ServiceArn)
			}
		}
		_ = detect.Evaluate(in, &detect.Settings{})
	})
}
