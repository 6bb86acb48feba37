package cli

// A value the configuration supplies, edited in the plan: a security group's world-open rule planned to
// be replaced by one from the trusted CIDR (fix.network.trusted_cidrs) is edited to come from another
// CIDR and re-approved; apply refuses it (exit 1, nothing changed), naming the action and the field,
// because the applier checks the value against its own configuration. The unedited plan applies.

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect/mototest"
)

func TestEditedTrustedCIDRRefused(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	e2, cs := ec2.NewFromConfig(cfg), ecs.NewFromConfig(cfg)
	subnets, err := e2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	if err != nil || len(subnets.Subnets) < 1 {
		t.Fatalf("default subnets: %v", err)
	}
	sg, err := e2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("tasks"), Description: aws.String("tasks"), VpcId: subnets.Subnets[0].VpcId})
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
		Family: aws.String("web"), NetworkMode: ecstypes.NetworkModeAwsvpc, Cpu: aws.String("256"), Memory: aws.String("512"),
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("web"), Image: aws.String("web:1"), User: aws.String("1000"),
			ReadonlyRootFilesystem: aws.Bool(true), PortMappings: []ecstypes.PortMapping{{ContainerPort: aws.Int32(8080)}},
			LogConfiguration: &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs, Options: map[string]string{"awslogs-group": "/ecs/web"}}}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("prod"), ServiceName: aws.String("web"), TaskDefinition: aws.String("web"),
		DesiredCount: aws.Int32(1), LaunchType: ecstypes.LaunchTypeFargate,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: []string{aws.ToString(subnets.Subnets[0].SubnetId)}, SecurityGroups: []string{aws.ToString(sg.GroupId)}, AssignPublicIp: ecstypes.AssignPublicIpDisabled}}}); err != nil {
		t.Fatal(err)
	}
	liveEnv(t, cfg)
	dir := t.TempDir()
	conf := filepath.Join(dir, "ecsfix.yaml")
	if err := os.WriteFile(conf, []byte("fix:\n  network:\n    trusted_cidrs: [10.0.0.0/8]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	planFile := filepath.Join(dir, "plan.json")
	if out, errOut, code := runCLI(t, "--config", conf, "plan", "--out", planFile); code != exitOK || !strings.Contains(out, "10.0.0.0/8") {
		t.Fatalf("plan: exit %d; the plan should replace the open rule by one from 10.0.0.0/8:\n%s\n%s", code, out, errOut)
	}
	good, err := os.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	before := ingressOf(t, e2, aws.ToString(sg.GroupId))

	edited := filepath.Join(dir, "edited.json")
	if err := os.WriteFile(edited, []byte(strings.ReplaceAll(string(good), "10.0.0.0/8", "203.0.113.0/24")), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runCLI(t, "--config", conf, "approve", edited, "--by", "mallory"); code != 0 {
		t.Fatalf("approve: %s", errOut)
	}
	out, errOut, code := runCLI(t, "--config", conf, "apply", edited, "--journal", filepath.Join(dir, "edited.journal"))
	if code != exitError {
		t.Fatalf("apply of the edited plan: exit %d, want %d\n%s\n%s", code, exitError, out, errOut)
	}
	for _, want := range []string{"action a", "updateSecurityGroupIngress.authorize[0]", "203.0.113.0/24", "fix.network.trusted_cidrs"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("the refusal does not name %s:\n%s", want, errOut)
		}
	}
	if got := ingressOf(t, e2, aws.ToString(sg.GroupId)); strings.Join(got, " ") != strings.Join(before, " ") {
		t.Errorf("the group changed: %v, want %v", got, before)
	}

	if _, errOut, code := runCLI(t, "--config", conf, "approve", planFile, "--by", "alice"); code != 0 {
		t.Fatalf("approve: %s", errOut)
	}
	if out, errOut, code := runCLI(t, "--config", conf, "apply", planFile, "--journal", filepath.Join(dir, "plan.journal")); code != 0 {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, errOut)
	}
	if got := ingressOf(t, e2, aws.ToString(sg.GroupId)); strings.Join(got, " ") != "tcp/8080/10.0.0.0/8" {
		t.Errorf("the group's ingress after apply = %v, want only tcp/8080/10.0.0.0/8", got)
	}
}
