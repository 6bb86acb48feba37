package detect

import (
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// ECS2 — ecs-service-assign-public-ip-disabled: a service whose awsvpcConfiguration.assignPublicIp is
// ENABLED fails; DISABLED or no network configuration passes.
func ECS2() Control {
	return Control{
		ID:           ECS2ID,
		Title:        "ECS services should not have public IP addresses assigned to them automatically",
		Severity:     SeverityHigh,
		ResourceType: TypeService,
		Service:      evalECS2,
	}
}

func evalECS2(svc *ecstypes.Service, _ *Inventory, _ *Settings) Verdict {
	vpc := awsvpc(svc.NetworkConfiguration)
	if vpc == nil {
		return Pass("no awsvpc network configuration")
	}
	if v := checkEnum("networkConfiguration.awsvpcConfiguration.assignPublicIp", vpc.AssignPublicIp); v != nil {
		return *v
	}
	if vpc.AssignPublicIp == ecstypes.AssignPublicIpEnabled {
		return Fail("networkConfiguration.awsvpcConfiguration.assignPublicIp is ENABLED",
			Offender{Field: "networkConfiguration.awsvpcConfiguration.assignPublicIp", Detail: "ENABLED"})
	}
	return Pass("assignPublicIp is not ENABLED")
}
