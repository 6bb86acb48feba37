package detect

import (
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// ExposureHostPID — the service runs a revision with pidMode host.
func ExposureHostPID() Control {
	return Control{
		ID:           ExposureHostPIDID,
		Title:        "The Amazon ECS service uses a task definition configured to share a host's process namespace",
		Severity:     SeverityHigh,
		ResourceType: TypeService,
		Exposure:     true,
		Service: exposureOnRevision(func(td *TaskDefinition) Verdict {
			if v := checkEnum("pidMode", td.PidMode); v != nil {
				return *v
			}
			if td.PidMode == ecstypes.PidModeHost {
				return Fail("pidMode is host", Offender{Field: "pidMode", Detail: "pidMode is host"})
			}
			return Pass("pidMode is not host")
		}),
	}
}
