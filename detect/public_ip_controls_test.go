package detect

// The public-IP controls pinned whole: ECS.2 (services), ECS.16 (task sets) and the public-IP exposure
// trait, with and without an awsvpc configuration.

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestPublicIPControlsVerdicts(t *testing.T) {
	enabled := Verdict{Status: Failed, Reason: "networkConfiguration.awsvpcConfiguration.assignPublicIp is ENABLED",
		Offenders: []Offender{{Field: "networkConfiguration.awsvpcConfiguration.assignPublicIp", Detail: "ENABLED"}}}
	notEnabled := Pass("assignPublicIp is not ENABLED")
	runExactServiceCases(t, ECS2(), []exactSvcCase{
		{name: "enabled", svc: service("a", vpcConfig(ecstypes.AssignPublicIpEnabled, nil)), want: enabled},
		{name: "disabled", svc: service("a", vpcConfig(ecstypes.AssignPublicIpDisabled, nil)), want: notEnabled},
		{name: "absent", svc: service("a", vpcConfig("", nil)), want: notEnabled},
		{name: "network configuration without awsvpc", svc: service("a", func(s *ecstypes.Service) { s.NetworkConfiguration = &ecstypes.NetworkConfiguration{} }),
			want: Pass("no awsvpc network configuration")},
	})
	runExactServiceCases(t, ExposurePublicIP(), []exactSvcCase{
		{name: "enabled", svc: service("a", vpcConfig(ecstypes.AssignPublicIpEnabled, nil)), want: enabled},
		{name: "absent", svc: service("a", vpcConfig("", nil)), want: notEnabled},
		{name: "no awsvpc", svc: service("a"), want: NA("no awsvpc network configuration: tasks use the container instances' network interfaces")},
	})
	for _, tc := range []struct {
		name string
		nc   *ecstypes.NetworkConfiguration
		want Verdict
	}{
		{"enabled", &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{AssignPublicIp: ecstypes.AssignPublicIpEnabled}}, enabled},
		{"disabled", &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{AssignPublicIp: ecstypes.AssignPublicIpDisabled}}, notEnabled},
		{"no awsvpc", &ecstypes.NetworkConfiguration{}, notEnabled},
		{"no network configuration", nil, notEnabled},
	} {
		t.Run("ECS.16 "+tc.name, func(t *testing.T) {
			ts := ecstypes.TaskSet{TaskSetArn: aws.String("arn:aws:ecs:eu-west-1:123456789012:task-set/prod/web/ecs-svc-1"), NetworkConfiguration: tc.nc}
			checkExactVerdict(t, ECS16().TaskSet(&ts, &Settings{}), tc.want)
		})
	}
}
