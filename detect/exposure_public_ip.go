package detect

import (
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// ExposurePublicIP — the service's awsvpc configuration assigns public IP addresses to its tasks.
func ExposurePublicIP() Control {
	return Control{
		ID:           ExposurePublicIPID,
		Title:        "The Amazon ECS service has public IP addresses",
		Aliases:      []string{"The Amazon ECS service assigns public IP addresses to its tasks"},
		Severity:     SeverityHigh,
		ResourceType: TypeService,
		Exposure:     true,
		Service: func(svc *ecstypes.Service, _ *Inventory, _ *Settings) Verdict {
			vpc := awsvpc(svc.NetworkConfiguration)
			if vpc == nil {
				return NA("no awsvpc network configuration: tasks use the container instances' network interfaces")
			}
			if v := checkEnum("networkConfiguration.awsvpcConfiguration.assignPublicIp", vpc.AssignPublicIp); v != nil {
				return *v
			}
			if vpc.AssignPublicIp == ecstypes.AssignPublicIpEnabled {
				return Fail("networkConfiguration.awsvpcConfiguration.assignPublicIp is ENABLED",
					Offender{Field: "networkConfiguration.awsvpcConfiguration.assignPublicIp", Detail: "ENABLED"})
			}
			return Pass("assignPublicIp is not ENABLED")
		},
	}
}
