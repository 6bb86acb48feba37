package detect

// ECS4 — ecs-containers-nonprivileged: any container with privileged true fails. Added Linux capabilities
// do not fail it.
func ECS4() Control {
	return Control{
		ID:             ECS4ID,
		Title:          "ECS containers should run as non-privileged",
		Severity:       SeverityHigh,
		ResourceType:   TypeTaskDefinition,
		TaskDefinition: evalECS4,
	}
}

func evalECS4(td *TaskDefinition, _ *Settings) Verdict {
	if offs := privilegedContainers(td); len(offs) > 0 {
		return failAll(offs)
	}
	return Pass("no container is privileged")
}

// privilegedContainers lists the containers with privileged true (shared with the privileged exposure trait).
func privilegedContainers(td *TaskDefinition) []Offender {
	var offs []Offender
	for i := range td.ContainerDefinitions {
		c := &td.ContainerDefinitions[i]
		if c.Privileged != nil && *c.Privileged {
			offs = append(offs, Offender{Container: containerName(c, i), Field: "privileged", Detail: "privileged is true"})
		}
	}
	return offs
}
