package detect

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestECS2ServicePublicIP(t *testing.T) {
	runServiceCases(t, ECS2(), []svcCase{
		{name: "enabled fails", svc: service("web", vpcConfig(ecstypes.AssignPublicIpEnabled, nil, "sg-1")), want: Failed, reasonHas: []string{"assignPublicIp is ENABLED"}},
		{name: "disabled passes", svc: service("web", vpcConfig(ecstypes.AssignPublicIpDisabled, nil, "sg-1")), want: Passed},
		{name: "no network configuration passes", svc: service("web"), want: Passed},
	})
}

func TestECS10FargatePlatformVersion(t *testing.T) {
	fargate := launchType(ecstypes.LaunchTypeFargate)
	runServiceCases(t, ECS10(), []svcCase{
		{name: "linux LATEST passes", svc: service("web", fargate, platform("LATEST", "Linux")), want: Passed},
		{name: "linux 1.4.0 passes", svc: service("web", fargate, platform("1.4.0", "Linux")), want: Passed},
		{name: "linux 1.3.0 fails", svc: service("web", fargate, platform("1.3.0", "Linux")), want: Failed, reasonHas: []string{"platformVersion is 1.3.0", "Linux is 1.4.0"}},
		{name: "no platform family means linux", svc: service("web", fargate, platform("1.3.0", "")), want: Failed, reasonHas: []string{"1.4.0"}},
		{name: "absent platformVersion is LATEST", svc: service("web", fargate), want: Passed, reasonHas: []string{"treats as LATEST"}},
		{name: "windows 1.0.0 passes", svc: service("web", fargate, platform("1.0.0", "WINDOWS_SERVER_2019_CORE")), want: Passed, reasonHas: []string{"Windows"}},
		{name: "windows 1.4.0 fails", svc: service("web", fargate, platform("1.4.0", "WINDOWS_SERVER_2022_FULL")), want: Failed, reasonHas: []string{"Windows is 1.0.0"}},
		{name: "linux 1.0.0 fails", svc: service("web", fargate, platform("1.0.0", "Linux")), want: Failed},
		{name: "EC2 not applicable", svc: service("web", launchType(ecstypes.LaunchTypeEc2)), want: NotApplicable, reasonHas: []string{"EC2"}},
		{name: "EXTERNAL not applicable", svc: service("web", launchType(ecstypes.LaunchTypeExternal)), want: NotApplicable},
		{name: "capacity provider strategy not applicable", svc: service("web", platform("1.3.0", ""), func(s *ecstypes.Service) {
			s.CapacityProviderStrategy = []ecstypes.CapacityProviderStrategyItem{{CapacityProvider: aws.String("FARGATE_SPOT"), Weight: 1}}
		}), want: NotApplicable, reasonHas: []string{"capacity provider strategy", "launchType"}},
	})
}

func TestECS12ContainerInsights(t *testing.T) {
	cluster := func(value *string) ecstypes.Cluster {
		c := ecstypes.Cluster{ClusterArn: aws.String("arn:aws:ecs:eu-west-1:123456789012:cluster/prod")}
		if value != nil {
			c.Settings = []ecstypes.ClusterSetting{{Name: ecstypes.ClusterSettingNameContainerInsights, Value: value}}
		}
		return c
	}
	tests := []struct {
		name      string
		cluster   ecstypes.Cluster
		want      Status
		reasonHas string
	}{
		{"enabled passes", cluster(aws.String("enabled")), Passed, "enabled"},
		{"enhanced passes", cluster(aws.String("enhanced")), Passed, "enhanced"},
		{"disabled fails", cluster(aws.String("disabled")), Failed, "containerInsights is disabled"},
		{"no setting fails", cluster(nil), Failed, "no containerInsights setting"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkVerdict(t, ECS12().Cluster(&tc.cluster, &Settings{}), tc.want, tc.reasonHas)
		})
	}
}

func TestECS13And14Tags(t *testing.T) {
	s := &Settings{RequiredTags: map[string][]string{TypeService: {"owner"}, TypeCluster: {"cost-center"}}}
	runServiceCases(t, ECS13(), []svcCase{
		{name: "service tagged passes", svc: service("web", svcTags("owner", "me")), settings: s, want: Passed},
		{name: "service untagged fails", svc: service("web", svcTags("other", "x")), settings: s, want: Failed, reasonHas: []string{`"owner"`}},
	})
	for _, tc := range []struct {
		name string
		tags []ecstypes.Tag
		want Status
	}{
		{"cluster tagged passes", ecsTagList("cost-center", "42"), Passed},
		{"cluster untagged fails", nil, Failed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ecstypes.Cluster{ClusterArn: aws.String("arn:aws:ecs:eu-west-1:123456789012:cluster/prod"), Tags: tc.tags}
			checkVerdict(t, ECS14().Cluster(&c, s), tc.want)
		})
	}
	for _, c := range []Control{ECS13(), ECS14(), ECS15()} {
		if c.Enabled(&Settings{}) {
			t.Errorf("%s enabled without required tag keys", c.ID)
		}
		if c.Enabled(&Settings{RequiredTags: map[string][]string{TypeTaskSet: {"x"}}}) {
			t.Errorf("%s enabled by another type's keys", c.ID)
		}
		if !c.Enabled(&Settings{RequiredTags: map[string][]string{c.ResourceType: {"x"}}}) {
			t.Errorf("%s not enabled with keys for %s", c.ID, c.ResourceType)
		}
	}
}

func TestECS16TaskSetPublicIP(t *testing.T) {
	ts := func(public ecstypes.AssignPublicIp) ecstypes.TaskSet {
		t := ecstypes.TaskSet{TaskSetArn: aws.String("arn:aws:ecs:eu-west-1:123456789012:task-set/prod/web/ecs-svc-1")}
		if public != "" {
			t.NetworkConfiguration = &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{AssignPublicIp: public}}
		}
		return t
	}
	for _, tc := range []struct {
		name string
		ts   ecstypes.TaskSet
		want Status
	}{
		{"enabled fails", ts(ecstypes.AssignPublicIpEnabled), Failed},
		{"disabled passes", ts(ecstypes.AssignPublicIpDisabled), Passed},
		{"no network configuration passes", ts(""), Passed},
	} {
		t.Run(tc.name, func(t *testing.T) { checkVerdict(t, ECS16().TaskSet(&tc.ts, &Settings{}), tc.want) })
	}
}

func TestECS19CapacityProviderTermination(t *testing.T) {
	asg := func(p ecstypes.ManagedTerminationProtection) ecstypes.CapacityProvider {
		return ecstypes.CapacityProvider{
			CapacityProviderArn:      aws.String("arn:aws:ecs:eu-west-1:123456789012:capacity-provider/cp"),
			Name:                     aws.String("cp"),
			AutoScalingGroupProvider: &ecstypes.AutoScalingGroupProvider{AutoScalingGroupArn: aws.String("arn:asg"), ManagedTerminationProtection: p},
		}
	}
	for _, tc := range []struct {
		name      string
		cp        ecstypes.CapacityProvider
		want      Status
		reasonHas string
	}{
		{"enabled passes", asg(ecstypes.ManagedTerminationProtectionEnabled), Passed, "ENABLED"},
		{"disabled fails", asg(ecstypes.ManagedTerminationProtectionDisabled), Failed, "DISABLED"},
		{"absent fails", asg(""), Failed, "absent"},
		{"FARGATE not applicable", ecstypes.CapacityProvider{Name: aws.String("FARGATE")}, NotApplicable, "FARGATE"},
		{"FARGATE_SPOT not applicable", ecstypes.CapacityProvider{Name: aws.String("FARGATE_SPOT")}, NotApplicable, "FARGATE_SPOT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkVerdict(t, ECS19().CapacityProvider(&tc.cp, &Settings{}), tc.want, tc.reasonHas)
		})
	}
}
