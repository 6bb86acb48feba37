package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/ecsfix/ecsfix/detect/mototest"
)

type scanDoc struct {
	Summary struct{ Failed, Passed, Errors int }
	Results []struct {
		Control, ResourceArn, Status, Reason string
	}
	Errors []struct{ Operation, Message, ResourceType string }
}

func (d *scanDoc) status(control, arnSuffix string) string {
	for _, r := range d.Results {
		if r.Control == control && strings.HasSuffix(r.ResourceArn, arnSuffix) {
			return r.Status
		}
	}
	return "(none)"
}

// liveEnv points the CLI's default AWS chain at the emulator, in cfg's account.
func liveEnv(t *testing.T, cfg aws.Config) {
	for _, kv := range mototest.Env(t, cfg) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Setenv("ECSFIX_SCAN_MAX_ATTEMPTS", "2") // moto answers some calls with 500: do not wait on retries
}

// buildSmallEstate creates, in cfg's emulated account, a cluster without Container Insights, a privileged
// task definition with a planted AWS secret key and an admin task role, a FARGATE service "web" on
// platform 1.3.0 with a public IP behind a world-open security group, and a FARGATE service "api" whose
// only finding is its platform version.
func buildSmallEstate(t *testing.T, ctx context.Context, cfg aws.Config) {
	t.Helper()
	e2, cs, im := ec2.NewFromConfig(cfg), ecs.NewFromConfig(cfg), iam.NewFromConfig(cfg)
	role, err := im.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("web-task"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := im.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("web-task"), PolicyName: aws.String("all"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}

	subnets, err := e2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	if err != nil || len(subnets.Subnets) == 0 {
		t.Fatalf("default subnets: %v", err)
	}
	sg, err := e2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("web"), VpcId: subnets.Subnets[0].VpcId})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8080), ToPort: aws.Int32(8080), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}},
	}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("web"), TaskRoleArn: role.Role.Arn, NetworkMode: ecstypes.NetworkModeAwsvpc, Cpu: aws.String("256"), Memory: aws.String("512"),
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
		ContainerDefinitions: []ecstypes.ContainerDefinition{{
			Name: aws.String("web"), Image: aws.String("nginx"), Privileged: aws.Bool(true),
			Environment: []ecstypes.KeyValuePair{{Name: aws.String("AWS_SECRET_ACCESS_KEY"), Value: aws.String("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")}},
		}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster: aws.String("prod"), ServiceName: aws.String("web"), TaskDefinition: aws.String("web"), DesiredCount: aws.Int32(1),
		LaunchType: ecstypes.LaunchTypeFargate, PlatformVersion: aws.String("1.3.0"),
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: []string{aws.ToString(subnets.Subnets[0].SubnetId)}, SecurityGroups: []string{aws.ToString(sg.GroupId)},
			AssignPublicIp: ecstypes.AssignPublicIpEnabled,
		}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("api"), NetworkMode: ecstypes.NetworkModeAwsvpc, Cpu: aws.String("256"), Memory: aws.String("512"),
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
		ContainerDefinitions: []ecstypes.ContainerDefinition{{
			Name: aws.String("api"), Image: aws.String("api:1"), User: aws.String("1000"), ReadonlyRootFilesystem: aws.Bool(true),
			LogConfiguration: &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs, Options: map[string]string{"awslogs-group": "/ecs/api"}},
		}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster: aws.String("prod"), ServiceName: aws.String("api"), TaskDefinition: aws.String("api"), DesiredCount: aws.Int32(1),
		LaunchType: ecstypes.LaunchTypeFargate, PlatformVersion: aws.String("1.3.0"),
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: []string{aws.ToString(subnets.Subnets[0].SubnetId)}, SecurityGroups: []string{aws.ToString(sg.GroupId)},
		}},
	}); err != nil {
		t.Fatal(err)
	}
}

func TestScanLive(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	buildSmallEstate(t, ctx, cfg)
	liveEnv(t, cfg)

	out, errOut, code := runCLI(t, "scan", "--format", "json")
	var doc scanDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("stdout is not JSON (%v): %s\nstderr: %s", err, out, errOut)
	}
	// Everything could be read: the scan is complete.
	if code != exitOK || len(doc.Errors) != 0 {
		t.Errorf("exit %d with read errors %+v; want %d and none\nstderr:\n%s", code, doc.Errors, exitOK, errOut)
	}
	for control, suffix := range map[string]string{
		"ECS.12": "cluster/prod", "ECS.4": "task-definition/web:1", "ECS.8": "task-definition/web:1",
		"ECS.2": "service/prod/web", "ECS.10": "service/prod/web", "EXPOSURE.open-security-group": "service/prod/web",
		"EXPOSURE.admin-task-role": "service/prod/web",
	} {
		if got := doc.status(control, suffix); got != "FAILED" {
			t.Errorf("%s on %s = %s, want FAILED", control, suffix, got)
		}
	}
	if !strings.Contains(errOut, "scan finished") || !strings.Contains(errOut, "apiCalls=") {
		t.Errorf("stderr lacks the summary line:\n%s", errOut)
	}
	if strings.Contains(out+errOut, "wJalrXUtnFEMI") {
		t.Error("a planted secret value was printed")
	}
}

func TestScanLiveUnreachableFailsClosed(t *testing.T) {
	liveEnv(t, mototest.Config(t))
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1") // nothing listens there
	t.Setenv("ECSFIX_SCAN_MAX_ATTEMPTS", "1")
	out, errOut, code := runCLI(t, "scan", "--format", "json")
	if code == exitOK {
		t.Fatalf("exit 0 for an unreachable endpoint; stderr:\n%s", errOut)
	}
	if strings.Contains(out, `"PASSED"`) {
		t.Errorf("an unreachable API produced PASSED verdicts:\n%s", out)
	}
	if !strings.Contains(out+errOut, "127.0.0.1:1") {
		t.Errorf("the error should name the endpoint; stdout:\n%s\nstderr:\n%s", out, errOut)
	}
}
