package cli

import (
	"context"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/ecsfix/ecsfix/detect/mototest"
)

// ingressOf lists a group's ingress rules as "proto/port/source", sorted.
func ingressOf(t *testing.T, e2 *ec2.Client, id string) []string {
	t.Helper()
	out, err := e2.DescribeSecurityGroups(context.Background(), &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	if err != nil || len(out.SecurityGroups) != 1 {
		t.Fatalf("describe %s: %v", id, err)
	}
	var rules []string
	for _, p := range out.SecurityGroups[0].IpPermissions {
		port := aws.ToString(p.IpProtocol) + "/" + strconv.Itoa(int(aws.ToInt32(p.FromPort)))
		for _, r := range p.IpRanges {
			rules = append(rules, port+"/"+aws.ToString(r.CidrIp))
		}
		for _, r := range p.UserIdGroupPairs {
			rules = append(rules, port+"/"+aws.ToString(r.GroupId))
		}
	}
	sort.Strings(rules)
	return rules
}

// TestNetworkFixesEndToEnd: a service behind a load balancer whose task group is open to the world gets
// that rule replaced by one from the load balancer's group (the balancer keeps reaching the port, nothing
// else can), and rollback restores the rule; a service with a public IP in subnets without NAT or
// endpoints is left unchanged.
func TestNetworkFixesEndToEnd(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	e2, cs, lb := ec2.NewFromConfig(cfg), ecs.NewFromConfig(cfg), elb.NewFromConfig(cfg)
	subnets, err := e2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	if err != nil || len(subnets.Subnets) < 2 {
		t.Fatalf("default subnets: %v", err)
	}
	vpc := subnets.Subnets[0].VpcId
	sn := []string{aws.ToString(subnets.Subnets[0].SubnetId), aws.ToString(subnets.Subnets[1].SubnetId)}
	albSG, err := e2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("alb"), Description: aws.String("alb"), VpcId: vpc})
	if err != nil {
		t.Fatal(err)
	}
	tasksSG, err := e2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("tasks"), Description: aws.String("tasks"), VpcId: vpc})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: tasksSG.GroupId, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8080), ToPort: aws.Int32(8080), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}},
	}}}); err != nil {
		t.Fatal(err)
	}
	pubSG, err := e2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("pub"), Description: aws.String("pub"), VpcId: vpc})
	if err != nil {
		t.Fatal(err)
	}
	balancer, err := lb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("web"), Subnets: sn, SecurityGroups: []string{aws.ToString(albSG.GroupId)}})
	if err != nil {
		t.Fatal(err)
	}
	tg, err := lb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("web"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(8080),
		VpcId: vpc, TargetType: elbtypes.TargetTypeEnumIp})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lb.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: balancer.LoadBalancers[0].LoadBalancerArn, Port: aws.Int32(80),
		Protocol: elbtypes.ProtocolEnumHttp, DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tg.TargetGroups[0].TargetGroupArn}}}); err != nil {
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
	for _, svc := range []struct {
		name string
		sg   *string
		pub  ecstypes.AssignPublicIp
		lbs  []ecstypes.LoadBalancer
	}{
		{"web", tasksSG.GroupId, ecstypes.AssignPublicIpDisabled, []ecstypes.LoadBalancer{{TargetGroupArn: tg.TargetGroups[0].TargetGroupArn, ContainerName: aws.String("web"), ContainerPort: aws.Int32(8080)}}},
		{"pub", pubSG.GroupId, ecstypes.AssignPublicIpEnabled, nil},
	} {
		if _, err := cs.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("prod"), ServiceName: aws.String(svc.name), TaskDefinition: aws.String("web"),
			DesiredCount: aws.Int32(1), LaunchType: ecstypes.LaunchTypeFargate, LoadBalancers: svc.lbs,
			NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
				Subnets: sn, SecurityGroups: []string{aws.ToString(svc.sg)}, AssignPublicIp: svc.pub}}}); err != nil {
			t.Fatal(err)
		}
	}
	liveEnv(t, cfg)
	dir := t.TempDir()
	planFile, journal := filepath.Join(dir, "plan.json"), filepath.Join(dir, "plan.journal")
	before := ingressOf(t, e2, aws.ToString(tasksSG.GroupId))

	out, errOut, code := runCLI(t, "plan", "--out", planFile)
	if code != exitOK {
		t.Fatalf("plan: exit %d\n%s", code, errOut)
	}
	if !strings.Contains(out, "update-security-group-ingress") {
		t.Fatalf("the plan does not narrow the task group in place:\n%s", out)
	}
	if _, errOut, code := runCLI(t, "approve", planFile, "--by", "alice"); code != 0 {
		t.Fatalf("approve: %s", errOut)
	}
	if out, errOut, code := runCLI(t, "apply", planFile, "--journal", journal); code != 0 {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, errOut)
	}
	got := ingressOf(t, e2, aws.ToString(tasksSG.GroupId))
	want := []string{"tcp/8080/" + aws.ToString(albSG.GroupId)}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("task group ingress after apply = %v, want exactly %v (the balancer's group, nothing else)", got, want)
	}
	if pub := describeServiceNetwork(t, cs, "pub"); pub != ecstypes.AssignPublicIpEnabled {
		t.Errorf("service pub (public subnets without NAT or endpoints) was changed: assignPublicIp %s", pub)
	}
	if out, errOut, code := runCLI(t, "rollback", journal); code != 0 {
		t.Fatalf("rollback: exit %d\n%s\n%s", code, out, errOut)
	}
	if got := ingressOf(t, e2, aws.ToString(tasksSG.GroupId)); strings.Join(got, " ") != strings.Join(before, " ") {
		t.Errorf("task group ingress after rollback = %v, want %v", got, before)
	}
}

func describeServiceNetwork(t *testing.T, cs *ecs.Client, name string) ecstypes.AssignPublicIp {
	t.Helper()
	out, err := cs.DescribeServices(context.Background(), &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{name}})
	if err != nil || len(out.Services) != 1 || out.Services[0].NetworkConfiguration == nil {
		t.Fatalf("describe %s: %v", name, err)
	}
	return out.Services[0].NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp
}
