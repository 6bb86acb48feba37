package detect

import (
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// ExposureHostNetwork — the service runs a revision with networkMode host.
func ExposureHostNetwork() Control {
	return Control{
		ID:           ExposureHostNetworkID,
		Title:        "The Amazon ECS service uses a task definition that is configured with host networking mode enabled",
		Severity:     SeverityMedium,
		ResourceType: TypeService,
		Exposure:     true,
		Service: exposureOnRevision(func(td *TaskDefinition) Verdict {
			if v := checkEnum("networkMode", td.NetworkMode); v != nil {
				return *v
			}
			if td.NetworkMode == ecstypes.NetworkModeHost {
				return Fail("networkMode is host", Offender{Field: "networkMode", Detail: "networkMode is host"})
			}
			return Pass("networkMode is not host")
		}),
	}
}
