package live

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/ecsfix/ecsfix/detect/mototest"
)

// estate is what seedEstate created in an emulated account.
type estate struct {
	account                    string
	vpc, subnetA, subnetB      string
	webSG, lbSG, taskSetSG     string
	routeTable, mainRouteTable string
	s3Endpoint, logsEndpoint   string // in vpc; another VPC's endpoint is not read
	tg, lb                     string
	webENI                     string // another resource's interface carrying webSG (read); none carries lbSG
	taskRole, execRole         string
	prod, xprod                string
	web, api, worker, ext      string
	taskSet                    string
	capacityProvider           string
	sharedPolicy               string
}

const trustECSTasks = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// must panics on a seeding error; seed functions recover it into t.Fatal.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func recoverSeed(t testing.TB) {
	if r := recover(); r != nil {
		t.Fatalf("seed: %v", r)
	}
}

// seedEstate creates, with the SDK, an estate exercising every read path:
//   - clusters prod (containerInsights enabled) and xprod (whose name contains "prod": the emulator's
//     ListServices on prod also lists xprod's services);
//   - family web 1..3 with 3 deregistered (INACTIVE highest), service web runs web:2 (awsvpc, behind an
//     ALB, in subnets A (explicit route table) and B (main route table)); the VPC has an S3 gateway
//     endpoint (on A's route table) and a logs interface endpoint; another VPC's endpoint is not read;
//   - family api 1..2, service api pinned to api:1; family solo:1 run by worker in xprod (bridge);
//   - family gone:1 deregistered (no ACTIVE revision: skipped); family batch:1 run by a task set of the
//     EXTERNAL service ext;
//   - a service deleted from prod (still listed by the emulator);
//   - roles task (AdministratorAccess + an inline policy + a shared customer policy) and exec (the shared
//     policy);
//   - a capacity provider.
func seedEstate(t testing.TB, cfg aws.Config) estate {
	t.Helper()
	defer recoverSeed(t)
	ctx := context.Background()
	e := estate{account: mototest.AccountID(cfg)}
	ec2c, ecsc, elbc, iamc := ec2.NewFromConfig(cfg), ecs.NewFromConfig(cfg), elb.NewFromConfig(cfg), iam.NewFromConfig(cfg)

	vpcs := must(ec2c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: aws.String("isDefault"), Values: []string{"true"}}}}))
	e.vpc = aws.ToString(vpcs.Vpcs[0].VpcId)
	subnets := must(ec2c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{e.vpc}}}}))
	e.subnetA, e.subnetB = aws.ToString(subnets.Subnets[0].SubnetId), aws.ToString(subnets.Subnets[1].SubnetId)
	mains := must(ec2c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{e.vpc}}, {Name: aws.String("association.main"), Values: []string{"true"}}}}))
	e.mainRouteTable = aws.ToString(mains.RouteTables[0].RouteTableId)
	rt := must(ec2c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(e.vpc)}))
	e.routeTable = aws.ToString(rt.RouteTable.RouteTableId)
	must(ec2c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String(e.routeTable), SubnetId: aws.String(e.subnetA)}))
	endpoint := func(vpc, svc string, typ ec2types.VpcEndpointType, routeTables, subnets []string) string {
		out := must(ec2c.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: aws.String(vpc), ServiceName: aws.String("com.amazonaws.us-east-1." + svc),
			VpcEndpointType: typ, RouteTableIds: routeTables, SubnetIds: subnets, PrivateDnsEnabled: aws.Bool(typ == ec2types.VpcEndpointTypeInterface)}))
		return aws.ToString(out.VpcEndpoint.VpcEndpointId)
	}
	e.s3Endpoint = endpoint(e.vpc, "s3", ec2types.VpcEndpointTypeGateway, []string{e.routeTable}, nil)
	e.logsEndpoint = endpoint(e.vpc, "logs", ec2types.VpcEndpointTypeInterface, nil, []string{e.subnetA})
	other := must(ec2c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.99.0.0/16")}))
	endpoint(aws.ToString(other.Vpc.VpcId), "logs", ec2types.VpcEndpointTypeInterface, nil, nil)
	sg := func(name string) string {
		out := must(ec2c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(name), VpcId: aws.String(e.vpc)}))
		return aws.ToString(out.GroupId)
	}
	e.webSG, e.lbSG, e.taskSetSG = sg("web"), sg("lb"), sg("taskset")
	eni := must(ec2c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(e.subnetA), Groups: []string{e.webSG},
		Description: aws.String("bastion")}))
	e.webENI = aws.ToString(eni.NetworkInterface.NetworkInterfaceId)
	must(ec2c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(e.subnetB), Groups: []string{e.lbSG}, Description: aws.String("not read")}))
	must(ec2c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(e.webSG), IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}}))

	tg := must(elbc.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("web"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
		VpcId: aws.String(e.vpc), TargetType: elbtypes.TargetTypeEnumIp}))
	e.tg = aws.ToString(tg.TargetGroups[0].TargetGroupArn)
	lb := must(elbc.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("web"), Subnets: []string{e.subnetA, e.subnetB}, SecurityGroups: []string{e.lbSG}}))
	e.lb = aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)
	must(elbc.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(e.lb), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(e.tg)}}}))

	shared := must(iamc.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("logs"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:*","Resource":"*"}]}`)}))
	e.sharedPolicy = aws.ToString(shared.Policy.Arn)
	role := func(name string, policies ...string) string {
		out := must(iamc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trustECSTasks)}))
		for _, p := range policies {
			must(iamc.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(p)}))
		}
		return aws.ToString(out.Role.Arn)
	}
	e.taskRole = role("task", "arn:aws:iam::aws:policy/AdministratorAccess", e.sharedPolicy)
	must(iamc.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("task"), PolicyName: aws.String("s3"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)}))
	e.execRole = role("exec", e.sharedPolicy)

	prod := must(ecsc.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("prod"),
		Settings: []ecstypes.ClusterSetting{{Name: ecstypes.ClusterSettingNameContainerInsights, Value: aws.String("enabled")}},
		Tags:     []ecstypes.Tag{{Key: aws.String("team"), Value: aws.String("core")}}}))
	e.prod = aws.ToString(prod.Cluster.ClusterArn)
	xprod := must(ecsc.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("xprod")}))
	e.xprod = aws.ToString(xprod.Cluster.ClusterArn)

	register := func(family string, n int) {
		for i := 1; i <= n; i++ {
			must(ecsc.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
				Family: aws.String(family), NetworkMode: ecstypes.NetworkModeAwsvpc,
				TaskRoleArn: aws.String(e.taskRole), ExecutionRoleArn: aws.String(e.execRole),
				Cpu: aws.String("256"), Memory: aws.String("512"),
				ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("app"), Image: aws.String(fmt.Sprintf("nginx:%d", i)), Memory: aws.Int32(256)}},
				Tags:                 []ecstypes.Tag{{Key: aws.String("rev"), Value: aws.String(fmt.Sprint(i))}},
			}))
		}
	}
	register("web", 3)
	register("api", 2)
	register("solo", 1)
	register("gone", 1)
	register("batch", 1)
	for _, td := range []string{"web:3", "gone:1"} {
		must(ecsc.DeregisterTaskDefinition(ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String(td)}))
	}

	awsvpc := func(sgs ...string) *ecstypes.NetworkConfiguration {
		return &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: []string{e.subnetA, e.subnetB}, SecurityGroups: sgs, AssignPublicIp: ecstypes.AssignPublicIpEnabled}}
	}
	svc := func(in *ecs.CreateServiceInput) string {
		return aws.ToString(must(ecsc.CreateService(ctx, in)).Service.ServiceArn)
	}
	e.web = svc(&ecs.CreateServiceInput{Cluster: aws.String("prod"), ServiceName: aws.String("web"), TaskDefinition: aws.String("web:2"),
		DesiredCount: aws.Int32(1), LaunchType: ecstypes.LaunchTypeFargate, NetworkConfiguration: awsvpc(e.webSG),
		LoadBalancers: []ecstypes.LoadBalancer{{TargetGroupArn: aws.String(e.tg), ContainerName: aws.String("app"), ContainerPort: aws.Int32(80)}}})
	e.api = svc(&ecs.CreateServiceInput{Cluster: aws.String("prod"), ServiceName: aws.String("api"), TaskDefinition: aws.String("api:1"),
		DesiredCount: aws.Int32(1), LaunchType: ecstypes.LaunchTypeFargate, NetworkConfiguration: awsvpc(e.webSG)})
	e.worker = svc(&ecs.CreateServiceInput{Cluster: aws.String("xprod"), ServiceName: aws.String("worker"), TaskDefinition: aws.String("solo:1"),
		DesiredCount: aws.Int32(1), LaunchType: ecstypes.LaunchTypeEc2})
	svc(&ecs.CreateServiceInput{Cluster: aws.String("prod"), ServiceName: aws.String("old"), TaskDefinition: aws.String("solo:1"), DesiredCount: aws.Int32(0)})
	must(ecsc.DeleteService(ctx, &ecs.DeleteServiceInput{Cluster: aws.String("prod"), Service: aws.String("old"), Force: aws.Bool(true)}))
	e.ext = svc(&ecs.CreateServiceInput{Cluster: aws.String("prod"), ServiceName: aws.String("ext"), DesiredCount: aws.Int32(1),
		DeploymentController: &ecstypes.DeploymentController{Type: ecstypes.DeploymentControllerTypeExternal}})
	ts := must(ecsc.CreateTaskSet(ctx, &ecs.CreateTaskSetInput{Cluster: aws.String("prod"), Service: aws.String("ext"), TaskDefinition: aws.String("batch:1"),
		LaunchType: ecstypes.LaunchTypeFargate, NetworkConfiguration: awsvpc(e.taskSetSG)}))
	e.taskSet = aws.ToString(ts.TaskSet.TaskSetArn)

	cp := must(ecsc.CreateCapacityProvider(ctx, &ecs.CreateCapacityProviderInput{Name: aws.String("asg"),
		AutoScalingGroupProvider: &ecstypes.AutoScalingGroupProvider{
			AutoScalingGroupArn:          aws.String("arn:aws:autoscaling:us-east-1:" + e.account + ":autoScalingGroup:uuid:autoScalingGroupName/asg"),
			ManagedTerminationProtection: ecstypes.ManagedTerminationProtectionDisabled}}))
	e.capacityProvider = aws.ToString(cp.CapacityProvider.CapacityProviderArn)
	must(ecsc.PutClusterCapacityProviders(ctx, &ecs.PutClusterCapacityProvidersInput{Cluster: aws.String("xprod"),
		CapacityProviders: []string{"asg"}, DefaultCapacityProviderStrategy: []ecstypes.CapacityProviderStrategyItem{}}))
	return e
}
