package detect

import (
	"fmt"
	"strings"
)

// ECS20 — ecs-task-definition-linux-user-non-root. Evaluated when operatingSystemFamily is LINUX or unset;
// any other family is NOT_APPLICABLE. Fails when any container's user is absent, "root" or "0".
//
// Decision: "0:0", "root:root" and other user:group forms PASS this control. The Security Hub page for
// ECS.20 says "The default root users for LINUX containers are "root" and "0"", and the Config rule page
// (docs.aws.amazon.com/config/latest/developerguide/ecs-task-definition-linux-user-non-root.html) says only
// "NON_COMPLIANT if root user is specified or user configuration is absent"; third-party re-implementations
// of ECS.20 (for example HashiCorp's policy for it) match exactly ["root", "0"]. ecsfix reproduces that
// verdict, and its pass reason points out containers that still run with uid 0 through a user:group form
// (ECS.1's notion of root, which does catch them, is stricter).
//
// A user holding a template placeholder is not judged (userPlaceholder): the control is NOT_EVALUATED
// unless another container fails it.
func ECS20() Control {
	return Control{
		ID:             ECS20ID,
		Title:          "ECS Task Definitions should configure non-root users in Linux container definitions",
		Severity:       SeverityMedium,
		ResourceType:   TypeTaskDefinition,
		TaskDefinition: evalECS20,
	}
}

func evalECS20(td *TaskDefinition, s *Settings) Verdict {
	return osFamilyNote(td, evalECS20Containers(td, s))
}

func evalECS20Containers(td *TaskDefinition, _ *Settings) Verdict {
	if v := checkOSFamily(td); v != nil {
		return *v
	}
	if f := osFamily(td); f != "" && f != "LINUX" {
		return NA("operatingSystemFamily is " + f + "; ECS.20 evaluates Linux task definitions")
	}
	var offs []Offender
	var rootGroupForms, unjudged []string
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
			offs = append(offs, Offender{Container: name, Field: "user", Detail: "user is absent (runs as root)"})
		case u == "root" || u == "0":
			offs = append(offs, Offender{Container: name, Field: "user", Detail: fmt.Sprintf("user is %q", u)})
		case strings.HasPrefix(u, "0:") || strings.HasPrefix(u, "root:"):
			rootGroupForms = append(rootGroupForms, fmt.Sprintf("container %q user %q", name, u))
		}
	}
	if len(offs) > 0 || len(unjudged) > 0 {
		return decideContainers(offs, unjudged, Verdict{})
	}
	if len(rootGroupForms) > 0 {
		return Pass("no container's user is absent, \"root\" or \"0\" (note: " + strings.Join(rootGroupForms, ", ") +
			" still runs as root; Security Hub matches only \"root\" and \"0\")")
	}
	return Pass("every container sets a non-root user")
}
