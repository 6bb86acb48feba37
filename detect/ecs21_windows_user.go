package detect

import (
	"fmt"
	"strings"
)

// ECS21 — ecs-task-definition-windows-user-non-admin. Evaluated when operatingSystemFamily is
// WINDOWS_SERVER_* or unset; LINUX is NOT_APPLICABLE. Fails when any container's user is absent or the
// default administrator "containeradministrator" (compared case-insensitively, as Windows account names are).
// A user holding a template placeholder is not judged: NOT_EVALUATED unless another container fails.
func ECS21() Control {
	return Control{
		ID:             ECS21ID,
		Title:          "ECS Task Definitions should configure non-administrator users in Windows container definitions",
		Severity:       SeverityMedium,
		ResourceType:   TypeTaskDefinition,
		TaskDefinition: evalECS21,
	}
}

func evalECS21(td *TaskDefinition, s *Settings) Verdict {
	return osFamilyNote(td, evalECS21Containers(td, s))
}

func evalECS21Containers(td *TaskDefinition, _ *Settings) Verdict {
	if v := checkOSFamily(td); v != nil {
		return *v
	}
	if f := osFamily(td); f != "" && !isWindowsFamily(f) {
		return NA("operatingSystemFamily is " + f + "; ECS.21 evaluates Windows task definitions")
	}
	var offs []Offender
	var unjudged []string
	for i := range td.ContainerDefinitions {
		c := &td.ContainerDefinitions[i]
		name := containerName(c, i)
		u := deref(c.User)
		if p, ok := userPlaceholder(u); ok {
			unjudged = append(unjudged, fmt.Sprintf("container %q user is %s", name, placeholderText(u, p)))
			continue
		}
		switch {
		case u == "":
			offs = append(offs, Offender{Container: name, Field: "user", Detail: "user is absent"})
		case strings.EqualFold(u, "containeradministrator"):
			offs = append(offs, Offender{Container: name, Field: "user", Detail: fmt.Sprintf("user is %q", u)})
		}
	}
	return decideContainers(offs, unjudged, Pass("every container sets a non-administrator user"))
}
