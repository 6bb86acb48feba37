package cli

// Plans edited by hand where an earlier version of the applier took a value on trust, on the emulator:
// the source group of a replacement ingress rule (another load balancer's group of the same VPC) and the
// revision a service moves to when an earlier plan registered it (a planted revision of the family).
// Each is refused, nothing changed; the untouched plan applies.

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/plan"
)

// approveAndApply writes p to a new plan file named name, approves it (unsigned) and applies it.
func approveAndApply(t *testing.T, dir, name string, p *plan.Plan) (stdout, stderr string, code int) {
	t.Helper()
	f := filepath.Join(dir, name+".json")
	if err := writePlanFile(f, p); err != nil {
		t.Fatalf("write %s: %v", name, err)
	}
	if out, errOut, code := runCLI(t, "approve", f, "--by", "alice"); code != 0 {
		t.Fatalf("approve %s: exit %d\n%s%s", name, code, out, errOut)
	}
	return runCLI(t, "apply", f, "--journal", filepath.Join(dir, name+".journal"))
}

// TestEditedReplacementSourceRefused: service web is behind load balancer "web" (group alb); load
// balancer "other" (group other) of the same VPC is in front of nothing of web's. A plan edited so that
// the rule replacing web's world-open one comes from group other is refused, naming the action and the
// field; so is the plan with the services the action protects removed (a plan made before ecsfix named
// them). The untouched plan replaces the rule by one from group alb.
func TestEditedReplacementSourceRefused(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	e2, cs, lb := ec2.NewFromConfig(cfg), ecs.NewFromConfig(cfg), elb.NewFromConfig(cfg)
	subnets, err := e2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	if err != nil || len(subnets.Subnets) < 2 {
		t.Fatalf("default subnets: %v", err)
	}
	vpc := subnets.Subnets[0].VpcId
	sn := []string{aws.ToString(subnets.Subnets[0].SubnetId), aws.ToString(subnets.Subnets[1].SubnetId)}
	group := func(name string) string {
		out, err := e2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(name), VpcId: vpc})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.GroupId)
	}
	alb, other, tasks := group("alb"), group("other"), group("tasks")
	if _, err := e2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(tasks), IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8080), ToPort: aws.Int32(8080), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}},
	}}}); err != nil {
		t.Fatal(err)
	}
	balancer := func(name, sg string) string {
		b, err := lb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String(name), Subnets: sn, SecurityGroups: []string{sg}})
		if err != nil {
			t.Fatal(err)
		}
		tg, err := lb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String(name), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(8080),
			VpcId: vpc, TargetType: elbtypes.TargetTypeEnumIp})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := lb.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: b.LoadBalancers[0].LoadBalancerArn, Port: aws.Int32(80),
			Protocol: elbtypes.ProtocolEnumHttp, DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tg.TargetGroups[0].TargetGroupArn}}}); err != nil {
			t.Fatal(err)
		}
		return aws.ToString(tg.TargetGroups[0].TargetGroupArn)
	}
	webTG := balancer("web", alb)
	balancer("other", other)
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
		LoadBalancers: []ecstypes.LoadBalancer{{TargetGroupArn: aws.String(webTG), ContainerName: aws.String("web"), ContainerPort: aws.Int32(8080)}},
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: sn, SecurityGroups: []string{tasks}, AssignPublicIp: ecstypes.AssignPublicIpDisabled}}}); err != nil {
		t.Fatal(err)
	}
	liveEnv(t, cfg)
	dir := t.TempDir()
	planFile := filepath.Join(dir, "plan.json")
	before := ingressOf(t, e2, tasks)
	if _, errOut, code := runCLI(t, "plan", "--out", planFile); code != exitOK {
		t.Fatalf("plan: exit %d\n%s", code, errOut)
	}
	base, err := plan.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	a := firstOf(t, base, plan.UpdateSecurityGroupIngress, "")
	if u := a.UpdateSecurityGroupIngress; len(u.Services) != 1 || !strings.HasSuffix(u.Services[0].Service, "service/prod/web") || len(u.Authorize) != 1 || u.Authorize[0].SourceGroup != alb {
		t.Fatalf("the plan's ingress update: %+v", u)
	}

	for _, tt := range []struct {
		name       string
		edit       func(u *plan.UpdateSecurityGroupIngressChange)
		field, why string
	}{
		{"another load balancer's group of the VPC", func(u *plan.UpdateSecurityGroupIngressChange) { u.Authorize[0].SourceGroup = other },
			"updateSecurityGroupIngress.authorize[0]", "is from security group " + other + ", which is not the group of a load balancer in front of service prod/web"},
		{"no service named (an old plan)", func(u *plan.UpdateSecurityGroupIngressChange) { u.Services = nil },
			"updateSecurityGroupIngress.services", "make the plan again"},
	} {
		p, err := plan.ReadFile(planFile)
		if err != nil {
			t.Fatal(err)
		}
		tt.edit(firstOf(t, p, plan.UpdateSecurityGroupIngress, "").UpdateSecurityGroupIngress)
		out, errOut, code := approveAndApply(t, dir, strings.ReplaceAll(tt.name, " ", "-"), p)
		if code != exitError || !strings.Contains(errOut, "action "+a.ID+":") || !strings.Contains(errOut, tt.field) || !strings.Contains(errOut, tt.why) {
			t.Errorf("%s: exit %d, want %d naming action %s, %s and %q\nstdout:\n%s\nstderr:\n%s", tt.name, code, exitError, a.ID, tt.field, tt.why, out, errOut)
		}
		if got := ingressOf(t, e2, tasks); strings.Join(got, " ") != strings.Join(before, " ") {
			t.Errorf("%s: the task group's ingress is %v, was %v", tt.name, got, before)
		}
	}

	if out, errOut, code := approveAndApply(t, dir, "untouched", base); code != exitOK {
		t.Fatalf("the untouched plan: exit %d\n%s\n%s", code, out, errOut)
	}
	if got := ingressOf(t, e2, tasks); strings.Join(got, " ") != "tcp/8080/"+alb {
		t.Errorf("the task group's ingress after apply = %v, want exactly the load balancer's group %s", got, alb)
	}
}

// TestPlantedRevisionRefused: a first plan registers web:2 (the ECS.5 fix of web:1) and is rolled back,
// which leaves web:2 registered. The next plan moves the service to web:2, the fix already registered,
// with the fix's edits. Someone plants web:3 (web:2 with another image) and edits that plan to move the
// service to web:3 (its fingerprints edited to match): refused, naming the action, the field and the
// image, nothing changed. With web:3 deregistered, the untouched plan moves the service to web:2.
func TestPlantedRevisionRefused(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	e2, cs := ec2.NewFromConfig(cfg), ecs.NewFromConfig(cfg)
	subnets, err := e2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	if err != nil || len(subnets.Subnets) == 0 {
		t.Fatalf("default subnets: %v", err)
	}
	sg, err := e2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("web"), VpcId: subnets.Subnets[0].VpcId})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("prod"),
		Settings: []ecstypes.ClusterSetting{{Name: ecstypes.ClusterSettingNameContainerInsights, Value: aws.String("enabled")}}}); err != nil {
		t.Fatal(err)
	}
	web1, err := cs.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("web"), NetworkMode: ecstypes.NetworkModeAwsvpc, Cpu: aws.String("256"), Memory: aws.String("512"),
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("web"), Image: aws.String("web:1"), User: aws.String("1000"),
			ReadonlyRootFilesystem: aws.Bool(false),
			LogConfiguration:       &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs, Options: map[string]string{"awslogs-group": "/ecs/web"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("prod"), ServiceName: aws.String("web"), TaskDefinition: aws.String("web"),
		DesiredCount: aws.Int32(1), LaunchType: ecstypes.LaunchTypeFargate, PlatformVersion: aws.String("LATEST"),
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: []string{aws.ToString(subnets.Subnets[0].SubnetId)}, SecurityGroups: []string{aws.ToString(sg.GroupId)}, AssignPublicIp: ecstypes.AssignPublicIpDisabled}}}); err != nil {
		t.Fatal(err)
	}
	liveEnv(t, cfg)
	dir := t.TempDir()
	rev1 := aws.ToString(web1.TaskDefinition.TaskDefinitionArn)

	// The earlier plan: registers web:2, moves the service; rolled back, web:2 stays registered.
	first := filepath.Join(dir, "first.json")
	if _, errOut, code := runCLI(t, "plan", "--out", first); code != exitOK {
		t.Fatalf("plan: exit %d\n%s", code, errOut)
	}
	if out, errOut, code := approveAndApply(t, dir, "first", mustRead(t, first)); code != exitOK {
		t.Fatalf("apply the first plan: exit %d\n%s\n%s", code, out, errOut)
	}
	rev2, _ := describeService(t, cfg)
	if rev2 == rev1 {
		t.Fatalf("the first plan did not move the service")
	}
	if out, errOut, code := runCLI(t, "rollback", filepath.Join(dir, "first.journal")); code != exitOK {
		t.Fatalf("rollback: exit %d\n%s\n%s", code, out, errOut)
	}
	// The next plan: the fix is registered already (web:2, the family's latest), the service moves to it.
	second := filepath.Join(dir, "second.json")
	if _, errOut, code := runCLI(t, "plan", "--out", second); code != exitOK {
		t.Fatalf("plan again: exit %d\n%s", code, errOut)
	}
	base := mustRead(t, second)
	move := firstOf(t, base, plan.UpdateService, "web")
	if u := move.UpdateService; u.TaskDefinitionFrom != "" || u.After.TaskDefinition != rev2 || len(u.Edits) == 0 || len(base.Actions) != 1 {
		t.Fatalf("the second plan: %d actions, the move %+v", len(base.Actions), u)
	}

	// The planted revision: web:2 with another image, now the family's latest.
	d, err := cs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(rev2)})
	if err != nil {
		t.Fatal(err)
	}
	in := plan.RegisterInput(&detect.TaskDefinition{TaskDefinition: *d.TaskDefinition})
	in.ContainerDefinitions[0].Image = aws.String("attacker.example/backdoor")
	p3, err := cs.RegisterTaskDefinition(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	rev3 := aws.ToString(p3.TaskDefinition.TaskDefinitionArn)

	// The plan edited to move the service to web:3, its fingerprints edited to match what is there.
	attack := mustRead(t, second)
	firstOf(t, attack, plan.UpdateService, "web").UpdateService.After.TaskDefinition = rev3
	for i := range attack.State {
		f := &attack.State[i]
		if f.Resource == rev2 {
			f.Resource = rev3
		}
		if _, ok := f.Facts[plan.FactLatestActive]; ok {
			f.Facts[plan.FactLatestActive] = rev3
		}
	}
	out, errOut, code := approveAndApply(t, dir, "planted", attack)
	if code != exitError || !strings.Contains(errOut, "action "+move.ID+":") || !strings.Contains(errOut, "updateService.after.taskDefinition") ||
		!strings.Contains(errOut, "containerDefinitions[0].image") {
		t.Errorf("the planted revision: exit %d, want %d naming action %s, updateService.after.taskDefinition and the image\nstdout:\n%s\nstderr:\n%s", code, exitError, move.ID, out, errOut)
	}
	if td, _ := describeService(t, cfg); td != rev1 {
		t.Errorf("after the refusal the service runs %s, want %s", td, rev1)
	}

	// The planted revision removed, the untouched plan applies.
	if _, err := cs.DeregisterTaskDefinition(ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String(rev3)}); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := approveAndApply(t, dir, "second", base); code != exitOK {
		t.Fatalf("the untouched plan: exit %d\n%s\n%s", code, out, errOut)
	}
	if td, _ := describeService(t, cfg); td != rev2 {
		t.Errorf("after apply the service runs %s, want the fix %s", td, rev2)
	}
}

func mustRead(t *testing.T, path string) *plan.Plan {
	t.Helper()
	p, err := plan.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
