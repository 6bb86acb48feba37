package detect

// ECS5 — ecs-containers-readonly-access: any container whose readonlyRootFilesystem is false or absent
// fails. Windows task definitions (operatingSystemFamily WINDOWS_SERVER_*) are NOT_APPLICABLE: Windows
// containers do not support the parameter.
func ECS5() Control {
	return Control{
		ID:             ECS5ID,
		Title:          "ECS task definitions should configure containers to be limited to read-only access to root filesystems",
		Severity:       SeverityHigh,
		ResourceType:   TypeTaskDefinition,
		TaskDefinition: evalECS5,
	}
}

func evalECS5(td *TaskDefinition, s *Settings) Verdict {
	return osFamilyNote(td, evalECS5Containers(td, s))
}

func evalECS5Containers(td *TaskDefinition, _ *Settings) Verdict {
	if v := checkOSFamily(td); v != nil {
		return *v
	}
	if f := osFamily(td); isWindowsFamily(f) {
		return NA("operatingSystemFamily is " + f + "; Windows containers do not support readonlyRootFilesystem")
	}
	var offs []Offender
	for i := range td.ContainerDefinitions {
		c := &td.ContainerDefinitions[i]
		if c.ReadonlyRootFilesystem == nil || !*c.ReadonlyRootFilesystem {
			offs = append(offs, Offender{
				Container: containerName(c, i), Field: "readonlyRootFilesystem",
				Detail: "readonlyRootFilesystem is " + boolState(c.ReadonlyRootFilesystem),
			})
		}
	}
	if len(offs) > 0 {
		return failAll(offs)
	}
	return Pass("every container has a read-only root filesystem")
}
