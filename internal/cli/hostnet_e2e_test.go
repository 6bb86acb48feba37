package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect/mototest"
)

// TestHostNetworkEndToEnd: a single-container EC2 service in host network mode moves to a bridge revision
// with the same host ports, and rollback returns it to the host-mode revision.
func TestHostNetworkEndToEnd(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	cs := ecs.NewFromConfig(cfg)
	if _, err := cs.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("proxy"), NetworkMode: ecstypes.NetworkModeHost, RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityEc2},
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("proxy"), Image: aws.String("envoy:1"), Memory: aws.Int32(256),
			User: aws.String("1000"), ReadonlyRootFilesystem: aws.Bool(true),
			PortMappings:     []ecstypes.PortMapping{{ContainerPort: aws.Int32(9901)}, {ContainerPort: aws.Int32(10000), HostPort: aws.Int32(10000)}},
			LogConfiguration: &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs, Options: map[string]string{"awslogs-group": "/ecs/proxy"}}}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("prod"), ServiceName: aws.String("proxy"),
		TaskDefinition: aws.String("proxy"), DesiredCount: aws.Int32(1), LaunchType: ecstypes.LaunchTypeEc2}); err != nil {
		t.Fatal(err)
	}
	liveEnv(t, cfg)
	dir := t.TempDir()
	planFile, journal := filepath.Join(dir, "plan.json"), filepath.Join(dir, "plan.journal")
	out, errOut, code := runCLI(t, "plan", "--out", planFile)
	if code != exitOK || !strings.Contains(out, `"networkMode": "bridge"`) {
		t.Fatalf("plan: exit %d; the plan should move proxy to bridge:\n%s\n%s", code, out, errOut)
	}
	if _, errOut, code := runCLI(t, "approve", planFile, "--by", "alice"); code != 0 {
		t.Fatalf("approve: %s", errOut)
	}
	if out, errOut, code := runCLI(t, "apply", planFile, "--journal", journal); code != 0 {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, errOut)
	}
	svc, err := cs.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{"proxy"}})
	if err != nil {
		t.Fatal(err)
	}
	td, err := cs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: svc.Services[0].TaskDefinition})
	if err != nil {
		t.Fatal(err)
	}
	if td.TaskDefinition.NetworkMode != ecstypes.NetworkModeBridge {
		t.Fatalf("the service runs %s in network mode %s, want bridge", aws.ToString(td.TaskDefinition.TaskDefinitionArn), td.TaskDefinition.NetworkMode)
	}
	for _, pm := range td.TaskDefinition.ContainerDefinitions[0].PortMappings {
		if aws.ToInt32(pm.HostPort) != aws.ToInt32(pm.ContainerPort) {
			t.Errorf("port mapping %d → host %d: the host ports must stay the same", aws.ToInt32(pm.ContainerPort), aws.ToInt32(pm.HostPort))
		}
	}
	if out, errOut, code := runCLI(t, "rollback", journal); code != 0 {
		t.Fatalf("rollback: exit %d\n%s\n%s", code, out, errOut)
	}
	svc, err = cs.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{"proxy"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(svc.Services[0].TaskDefinition); !strings.HasSuffix(got, "task-definition/proxy:1") {
		t.Errorf("after rollback the service runs %s, want proxy:1", got)
	}
}
