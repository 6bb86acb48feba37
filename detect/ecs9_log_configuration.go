package detect

import "fmt"

// ECS9 — ecs-task-definition-log-configuration: any container without logConfiguration, or with an empty
// logDriver, fails. Any driver AWS defines counts; a logDriver outside them (a template placeholder) is
// NOT_EVALUATED unless another container fails. A FireLens router (firelensConfiguration set) is a container like
// any other: without its own logConfiguration it fails.
func ECS9() Control {
	return Control{
		ID:             ECS9ID,
		Title:          "ECS task definitions should have a logging configuration",
		Severity:       SeverityHigh,
		ResourceType:   TypeTaskDefinition,
		TaskDefinition: evalECS9,
	}
}

func evalECS9(td *TaskDefinition, _ *Settings) Verdict {
	var unknown *Verdict
	for i := range td.ContainerDefinitions {
		if c := &td.ContainerDefinitions[i]; c.LogConfiguration != nil && unknown == nil {
			unknown = checkEnum(fmt.Sprintf("container %q logConfiguration.logDriver", containerName(c, i)), c.LogConfiguration.LogDriver)
		}
	}
	var offs []Offender
	for i := range td.ContainerDefinitions {
		c := &td.ContainerDefinitions[i]
		var detail string
		switch {
		case c.LogConfiguration == nil:
			detail = "no logConfiguration"
		case c.LogConfiguration.LogDriver == "":
			detail = "logConfiguration has no logDriver"
		default:
			continue
		}
		if c.FirelensConfiguration != nil {
			detail += " (FireLens log router)"
		}
		offs = append(offs, Offender{Container: containerName(c, i), Field: "logConfiguration", Detail: detail})
	}
	if len(offs) > 0 {
		// A container without a log driver fails whatever another container's templated driver is.
		return failAll(offs)
	}
	if unknown != nil {
		return *unknown
	}
	return Pass("every container has a log driver")
}
