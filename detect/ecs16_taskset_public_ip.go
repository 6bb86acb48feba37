package detect

import (
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// ECS16 — ecs-taskset-assign-public-ip-disabled: a task set whose awsvpcConfiguration.assignPublicIp is
// ENABLED fails.
func ECS16() Control {
	return Control{
		ID:           ECS16ID,
		Title:        "ECS task sets should not automatically assign public IP addresses",
		Severity:     SeverityHigh,
		ResourceType: TypeTaskSet,
		TaskSet:      evalECS16,
	}
}

func evalECS16(ts *ecstypes.TaskSet, _ *Settings) Verdict {
	vpc := awsvpc(ts.NetworkConfiguration)
	if vpc != nil {
		if v := checkEnum("networkConfiguration.awsvpcConfiguration.assignPublicIp", vpc.AssignPublicIp); v != nil {
			return *v
		}
	}
	if vpc != nil && vpc.AssignPublicIp == ecstypes.AssignPublicIpEnabled {
		return Fail("networkConfiguration.awsvpcConfiguration.assignPublicIp is ENABLED",
			Offender{Field: "networkConfiguration.awsvpcConfiguration.assignPublicIp", Detail: "ENABLED"})
	}
	return Pass("assignPublicIp is not ENABLED")
}
