package detect

import (
	"fmt"
	"strings"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// ECS1 — ecs-task-definition-user-for-host-mode-check. A task definition in host network mode fails when
// any container is neither privileged nor run as a non-root user. Retired by Security Hub in 2026 in favour
// of ECS.4/17/20/21; the Config rule still evaluates it. A templated user (a placeholder) is not judged;
// a containers-only file has no networkMode: NOT_EVALUATED unless no container could fail in host mode.
func ECS1() Control {
	return Control{
		ID:             ECS1ID,
		Title:          "Amazon ECS task definitions should have secure networking modes and user definitions.",
		Severity:       SeverityHigh,
		ResourceType:   TypeTaskDefinition,
		TaskDefinition: evalECS1,
	}
}

func evalECS1(td *TaskDefinition, _ *Settings) Verdict {
	if v := checkEnum("networkMode", td.NetworkMode); v != nil {
		return *v
	}
	if td.NetworkMode != ecstypes.NetworkModeHost && !containersOnly(td) {
		return Pass("networkMode is not host")
	}
	var offs []Offender
	var unjudged []string
	for i := range td.ContainerDefinitions {
		c := &td.ContainerDefinitions[i]
		if c.Privileged != nil && *c.Privileged {
			continue
		}
		if p, ok := userPlaceholder(deref(c.User)); ok {
			unjudged = append(unjudged, fmt.Sprintf("container %q user is %s", containerName(c, i), placeholderText(deref(c.User), p)))
			continue
		}
		if !isRootUserHostMode(c.User) {
			continue
		}
		user := "absent"
		if c.User != nil {
			user = `"` + *c.User + `"`
		}
		offs = append(offs, Offender{
			Container: containerName(c, i), Field: "user",
			Detail: "host network mode with user " + user + " (root) and privileged " + boolState(c.Privileged),
		})
	}
	if containersOnly(td) {
		// The verdict needs networkMode unless no container could fail in host mode.
		if len(offs) == 0 && len(unjudged) == 0 {
			return Pass("every container is privileged or runs as a non-root user, which passes whatever the networkMode (not in the file, which holds only containerDefinitions)")
		}
		v := *taskLevelUnknown(td, "networkMode")
		if len(offs) > 0 {
			v.Reason += "; in host network mode it would fail: " + failAll(offs).Reason
		}
		return v
	}
	return decideContainers(offs, unjudged, Pass("host network mode, but every container is privileged or runs as a non-root user"))
}

// isRootUserHostMode is ECS.1's notion of root: user absent, "root", "0", or a "0:" / "root:" user:group.
func isRootUserHostMode(u *string) bool {
	if u == nil {
		return true
	}
	s := *u
	return s == "" || s == "root" || s == "0" || strings.HasPrefix(s, "0:") || strings.HasPrefix(s, "root:")
}
