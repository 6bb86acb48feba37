package detect

import (
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// ECS17 — ecs-task-definition-network-mode-not-host: networkMode host fails. A containers-only file has
// no networkMode: NOT_EVALUATED.
func ECS17() Control {
	return Control{
		ID:             ECS17ID,
		Title:          "ECS task definitions should not use host network mode",
		Severity:       SeverityMedium,
		ResourceType:   TypeTaskDefinition,
		TaskDefinition: evalECS17,
	}
}

func evalECS17(td *TaskDefinition, _ *Settings) Verdict {
	if v := taskLevelUnknown(td, "networkMode"); v != nil {
		return *v
	}
	if v := checkEnum("networkMode", td.NetworkMode); v != nil {
		return *v
	}
	if td.NetworkMode == ecstypes.NetworkModeHost {
		return Fail("networkMode is host", Offender{Field: "networkMode", Detail: "networkMode is host"})
	}
	return Pass("networkMode is not host")
}
