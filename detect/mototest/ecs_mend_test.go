// This file holds the test of the launcher's ECS UpdateService deployment mend.

package mototest

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// The launcher's mend: UpdateService to another task definition or platform version starts a new PRIMARY
// deployment of it (COMPLETED at once, moto runs no tasks), as on AWS; an update that changes nothing the
// tasks run keeps the deployment. Through the SDK's real requests, with the revision named by family:revision.
func TestUpdateServiceDeploymentMend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := ecs.NewFromConfig(Config(t, MaxAttempts(1)))
	if _, err := c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	var revs []string
	for _, image := range []string{"web:1", "web:2"} {
		out, err := c.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("web"),
			ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("web"), Image: aws.String(image), Memory: aws.Int32(128)}}})
		if err != nil {
			t.Fatal(err)
		}
		revs = append(revs, aws.ToString(out.TaskDefinition.TaskDefinitionArn))
	}
	if _, err := c.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("prod"), ServiceName: aws.String("web"),
		TaskDefinition: aws.String(revs[0]), DesiredCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	primary := func(when string) types.Deployment {
		t.Helper()
		out, err := c.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{"web"}})
		if err != nil || len(out.Services) != 1 {
			t.Fatalf("%s: DescribeServices: %v", when, err)
		}
		s := out.Services[0]
		var p []types.Deployment
		for _, d := range s.Deployments {
			if aws.ToString(d.Status) == "PRIMARY" {
				p = append(p, d)
			}
		}
		if len(p) != 1 {
			t.Fatalf("%s: %d PRIMARY deployments, want 1", when, len(p))
		}
		if got, want := aws.ToString(p[0].TaskDefinition), aws.ToString(s.TaskDefinition); got != want {
			t.Errorf("%s: the PRIMARY deployment runs %s, the service %s", when, got, want)
		}
		return p[0]
	}
	first := primary("created")

	if _, err := c.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String("prod"), Service: aws.String("web"),
		TaskDefinition: aws.String("web:2")}); err != nil {
		t.Fatal(err)
	}
	moved := primary("moved to web:2")
	if aws.ToString(moved.TaskDefinition) != revs[1] || aws.ToString(moved.Id) == aws.ToString(first.Id) || moved.RolloutState != types.DeploymentRolloutStateCompleted {
		t.Errorf("after the move: deployment %s runs %s (%s), want a new COMPLETED deployment of %s",
			aws.ToString(moved.Id), aws.ToString(moved.TaskDefinition), moved.RolloutState, revs[1])
	}

	if _, err := c.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String("prod"), Service: aws.String("web"),
		DesiredCount: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	if same := primary("scaled"); aws.ToString(same.Id) != aws.ToString(moved.Id) {
		t.Errorf("a desired-count change started deployment %s", aws.ToString(same.Id))
	}
}
