// Tests that a value outside a field's enum (a template placeholder) makes every control that reads the
// field NOT_EVALUATED with a reason naming the field and the value, never PASSED or FAILED.

package detect

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// placeholders are values a template leaves behind.
var placeholders = []string{"${NETWORK_MODE}", "<mode>", "HOST", "{{ .Mode }}"}

func TestOutsideEnum(t *testing.T) {
	for v, want := range map[ecstypes.NetworkMode]bool{"": false, "host": false, "awsvpc": false, "HOST": true, "${NETWORK_MODE}": true} {
		if got := OutsideEnum(v); got != want {
			t.Errorf("OutsideEnum(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestTaskDefinitionControlsOnUnknownEnum(t *testing.T) {
	// Each task-definition control, with a revision that would otherwise FAIL it (or PASS it), and the
	// field it reads set to a placeholder.
	for _, ph := range placeholders {
		tests := []struct {
			control Control
			field   string
			td      TaskDefinition
		}{
			// host mode with a root user would fail ECS.1; a placeholder could be host or not.
			{ECS1(), "networkMode", taskDef("a", 1, networkMode(ecstypes.NetworkMode(ph)), containers(ctr("web")))},
			{ECS17(), "networkMode", taskDef("a", 1, networkMode(ecstypes.NetworkMode(ph)))},
			{ECS3(), "pidMode", taskDef("a", 1, pidMode(ecstypes.PidMode(ph)))},
			{ECS5(), "runtimePlatform.operatingSystemFamily", taskDef("a", 1, osFamilyOpt(ecstypes.OSFamily(ph)), containers(ctr("web")))},
			{ECS20(), "runtimePlatform.operatingSystemFamily", taskDef("a", 1, osFamilyOpt(ecstypes.OSFamily(ph)), containers(ctr("web")))},
			{ECS21(), "runtimePlatform.operatingSystemFamily", taskDef("a", 1, osFamilyOpt(ecstypes.OSFamily(ph)), containers(ctr("web")))},
			{ECS9(), `container "web" logConfiguration.logDriver`, taskDef("a", 1, containers(ctr("web", logDriver(ecstypes.LogDriver(ph)))))},
			{ECS18(), "volumes.data.efsVolumeConfiguration.transitEncryption", taskDef("a", 1, volumes(
				ecstypes.Volume{Name: aws.String("logs"), EfsVolumeConfiguration: &ecstypes.EFSVolumeConfiguration{FileSystemId: aws.String("fs-1"), TransitEncryption: ecstypes.EFSTransitEncryptionDisabled}},
				ecstypes.Volume{Name: aws.String("data"), EfsVolumeConfiguration: &ecstypes.EFSVolumeConfiguration{FileSystemId: aws.String("fs-2"), TransitEncryption: ecstypes.EFSTransitEncryption(ph)}},
			))},
		}
		for _, tt := range tests {
			t.Run(tt.control.ID+"/"+ph, func(t *testing.T) {
				checkVerdict(t, tt.control.TaskDefinition(&tt.td, &Settings{}), NotEvaluated, tt.field, `"`+ph+`"`, "not a value AWS defines")
			})
		}
	}
}

func TestServiceControlsOnUnknownEnum(t *testing.T) {
	const ph = "${ASSIGN_PUBLIC_IP}"
	hostNet := exposureInv(taskDef("net", 1, networkMode("${NETWORK_MODE}")), taskDef("pid", 1, pidMode("<pid>")))
	for _, tt := range []struct {
		control Control
		svc     ecstypes.Service
		inv     *Inventory
		has     []string
	}{
		{ECS2(), service("web", vpcConfig(ph, nil, "sg-1")), nil, []string{"assignPublicIp", ph}},
		{ExposurePublicIP(), service("web", vpcConfig(ph, nil, "sg-1")), nil, []string{"assignPublicIp", ph}},
		{ExposureHostNetwork(), service("web", runs(tdARN("net", 1))), hostNet, []string{"networkMode", "${NETWORK_MODE}"}},
		{ExposureHostPID(), service("web", runs(tdARN("pid", 1))), hostNet, []string{"pidMode", "<pid>"}},
		{ECS10(), service("web", launchType("${LAUNCH_TYPE}"), platform("1.3.0", "")), nil, []string{"launchType", "${LAUNCH_TYPE}"}},
		{ECS10(), service("web", launchType(ecstypes.LaunchTypeFargate), platform("${PLATFORM_VERSION}", "")), nil, []string{"platformVersion", "${PLATFORM_VERSION}"}},
		{ECS10(), service("web", launchType(ecstypes.LaunchTypeFargate), platform("latest-ish", "")), nil, []string{"platformVersion", "latest-ish"}},
	} {
		t.Run(tt.control.ID, func(t *testing.T) {
			in := tt.inv
			if in == nil {
				in = &Inventory{}
			}
			checkVerdict(t, tt.control.Service(&tt.svc, in, &Settings{}), NotEvaluated, tt.has...)
		})
	}
}

func TestOtherControlsOnUnknownEnum(t *testing.T) {
	ts := ecstypes.TaskSet{TaskSetArn: aws.String("arn:aws:ecs:eu-west-1:123456789012:task-set/prod/web/ecs-svc-1"),
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{AssignPublicIp: "<ip>"}}}
	checkVerdict(t, ECS16().TaskSet(&ts, &Settings{}), NotEvaluated, "assignPublicIp", `"<ip>"`)

	cp := ecstypes.CapacityProvider{Name: aws.String("cp"),
		AutoScalingGroupProvider: &ecstypes.AutoScalingGroupProvider{AutoScalingGroupArn: aws.String("arn:asg"), ManagedTerminationProtection: "${MTP}"}}
	checkVerdict(t, ECS19().CapacityProvider(&cp, &Settings{}), NotEvaluated, "managedTerminationProtection", `"${MTP}"`)

	for value, want := range map[string]Status{"${INSIGHTS}": NotEvaluated, "on": NotEvaluated, "Enabled": Passed, "DISABLED": Failed} {
		cl := ecstypes.Cluster{ClusterArn: aws.String("arn:aws:ecs:eu-west-1:123456789012:cluster/prod"),
			Settings: []ecstypes.ClusterSetting{{Name: ecstypes.ClusterSettingNameContainerInsights, Value: aws.String(value)}}}
		t.Run("ECS.12/"+value, func(t *testing.T) {
			checkVerdict(t, ECS12().Cluster(&cl, &Settings{}), want, value)
		})
	}
}
