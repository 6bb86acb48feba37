package detect

import "fmt"

// ECS9 — ecs-task-definition-log-configuration: any container without logConfiguration, or with an empty
// logDriver, fails. Any driver AWS defines counts; a logDriver outside them (a template placeholder) is
// NOT_EVALUATED. A FireLens router (firelensConfiguration set) is a container like
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
	for i := range td.ContainerDefinitions {
		if c := &td.ContainerDefinitions[i]; c.LogConfiguration != nil {
			if v := checkEnum(fmt.Sprintf("container %q logConfiguration.logDriver", containerName(c, i)), c.LogConfiguration.LogDriver); v != nil {
				return *v
			}
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
		return failAll(offs)
	}
	return Pass("every container has a log driver")
}
