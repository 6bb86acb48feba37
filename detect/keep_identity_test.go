package detect

import (
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// TestKeepIdentity: a revision that keeps its identity alone holds nothing else, and the inventory's
// lookups answer as before.
func TestKeepIdentity(t *testing.T) {
	arn := func(r int) *string {
		return aws.String("arn:aws:ecs:eu-west-1:123456789012:task-definition/web:" + string(rune('0'+r)))
	}
	in := &Inventory{}
	for r := 1; r <= 3; r++ {
		td := TaskDefinition{Tags: []ecstypes.Tag{{Key: aws.String("team"), Value: aws.String("a")}}, UnknownFields: []string{"x"}}
		td.TaskDefinitionArn, td.Family, td.Revision, td.Status = arn(r), aws.String("web"), int32(r), ecstypes.TaskDefinitionStatusActive
		td.TaskRoleArn, td.Cpu = aws.String("arn:aws:iam::123456789012:role/r"), aws.String("256")
		td.ContainerDefinitions = []ecstypes.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("nginx")}}
		in.TaskDefinitions = append(in.TaskDefinitions, td)
	}
	latest, _ := in.LatestActive(aws.ToString(arn(1)))
	for i := range in.TaskDefinitions {
		in.TaskDefinitions[i].KeepIdentity()
	}
	for r := 1; r <= 3; r++ {
		td, ok := in.TaskDefinition(aws.ToString(arn(r)))
		if !ok {
			t.Fatalf("revision %d not found", r)
		}
		want := TaskDefinition{Trimmed: true}
		want.TaskDefinitionArn, want.Family, want.Revision, want.Status = arn(r), aws.String("web"), int32(r), ecstypes.TaskDefinitionStatusActive
		if !reflect.DeepEqual(*td, want) {
			t.Errorf("revision %d keeps %+v", r, *td)
		}
	}
	if l, ok := in.LatestActive(aws.ToString(arn(1))); !ok || l.ARN() != latest.ARN() || !in.IsLatestActive(l) {
		t.Errorf("the latest ACTIVE revision is %v, %v; want %s", l, ok, latest.ARN())
	}
}
