package detect

import (
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// ECS3 — ecs-task-definition-pid-mode-check: pidMode host fails; task or absent passes. ipcMode is not
// part of it. A containers-only file has no pidMode: NOT_EVALUATED.
func ECS3() Control {
	return Control{
		ID:             ECS3ID,
		Title:          "ECS task definitions should not share the host's process namespace",
		Severity:       SeverityHigh,
		ResourceType:   TypeTaskDefinition,
		TaskDefinition: evalECS3,
	}
}

func evalECS3(td *TaskDefinition, _ *Settings) Verdict {
	if v := taskLevelUnknown(td, "pidMode"); v != nil {
		return *v
	}
	if v := checkEnum("pidMode", td.PidMode); v != nil {
		return *v
	}
	if td.PidMode == ecstypes.PidModeHost {
		return Fail("pidMode is host", Offender{Field: "pidMode", Detail: "pidMode is host"})
	}
	return Pass("pidMode is not host")
}
