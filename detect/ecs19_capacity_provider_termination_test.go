package detect

// ECS.19 pinned whole: NOT_APPLICABLE without an Auto Scaling group, FAILED unless protection is ENABLED.

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestECS19Verdicts(t *testing.T) {
	withASG := func(p ecstypes.ManagedTerminationProtection) ecstypes.CapacityProvider {
		return ecstypes.CapacityProvider{Name: aws.String("cp"), AutoScalingGroupProvider: &ecstypes.AutoScalingGroupProvider{ManagedTerminationProtection: p}}
	}
	off := func(state string) []Offender {
		return []Offender{{Field: "autoScalingGroupProvider.managedTerminationProtection", Detail: state}}
	}
	for _, tc := range []struct {
		name string
		cp   ecstypes.CapacityProvider
		want Verdict
	}{
		{"enabled", withASG(ecstypes.ManagedTerminationProtectionEnabled), Pass("managed termination protection is ENABLED")},
		{"disabled", withASG(ecstypes.ManagedTerminationProtectionDisabled), Verdict{Status: Failed, Reason: "autoScalingGroupProvider.managedTerminationProtection is DISABLED", Offenders: off("DISABLED")}},
		{"absent", withASG(""), Verdict{Status: Failed, Reason: "autoScalingGroupProvider.managedTerminationProtection is absent", Offenders: off("absent")}},
		{"no Auto Scaling group", ecstypes.CapacityProvider{Name: aws.String("FARGATE")}, NA("the capacity provider has no Auto Scaling group provider (FARGATE)")},
	} {
		t.Run(tc.name, func(t *testing.T) { checkExactVerdict(t, ECS19().CapacityProvider(&tc.cp, &Settings{}), tc.want) })
	}
}
