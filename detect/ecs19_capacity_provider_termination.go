package detect

import (
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// ECS19 — ecs-capacity-provider-termination-check: a capacity provider with an Auto Scaling group provider
// whose managedTerminationProtection is not ENABLED (DISABLED or absent) fails. Capacity providers without
// an Auto Scaling group (FARGATE, FARGATE_SPOT, managed instances) are NOT_APPLICABLE.
func ECS19() Control {
	return Control{
		ID:               ECS19ID,
		Title:            "ECS capacity providers should have managed termination protection enabled",
		Severity:         SeverityMedium,
		ResourceType:     TypeCapacityProvider,
		CapacityProvider: evalECS19,
	}
}

func evalECS19(cp *ecstypes.CapacityProvider, _ *Settings) Verdict {
	asg := cp.AutoScalingGroupProvider
	if asg == nil {
		return NA("the capacity provider has no Auto Scaling group provider (" + deref(cp.Name) + ")")
	}
	if v := checkEnum("autoScalingGroupProvider.managedTerminationProtection", asg.ManagedTerminationProtection); v != nil {
		return *v
	}
	if asg.ManagedTerminationProtection == ecstypes.ManagedTerminationProtectionEnabled {
		return Pass("managed termination protection is ENABLED")
	}
	state := string(asg.ManagedTerminationProtection)
	if state == "" {
		state = "absent"
	}
	return Fail("autoScalingGroupProvider.managedTerminationProtection is "+state,
		Offender{Field: "autoScalingGroupProvider.managedTerminationProtection", Detail: state})
}
