package plan

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/ecsfix/ecsfix/detect"
)

// fixUser sets the configured non-root user (ECS.20, Linux: fix.linux_user) or non-administrator user
// (ECS.21, Windows: fix.windows_user) on every container that has none or runs as root/administrator. A
// task definition without operatingSystemFamily runs Linux: it gets the Linux user, which also satisfies
// ECS.21's reading of it. Nothing is guessed: with no user configured, the finding is skipped.
func fixUser(ctx *revisionContext, in *ecs.RegisterTaskDefinitionInput) fixOutcome {
	family := osFamilyOf(in)
	windows := isWindows(family)
	control, user, key := detect.ECS20ID, ctx.opts.LinuxUser, "fix.linux_user"
	if windows {
		control, user, key = detect.ECS21ID, ctx.opts.WindowsUser, "fix.windows_user"
	} else if family != "" && family != "LINUX" {
		return fixOutcome{}
	}
	var failing []int
	for i := range in.ContainerDefinitions {
		u := aws.ToString(in.ContainerDefinitions[i].User)
		switch {
		case u == "":
		case windows && strings.EqualFold(u, "containeradministrator"):
		case !windows && (u == "root" || u == "0"):
		case family == "" && strings.EqualFold(u, "containeradministrator"):
		default:
			continue
		}
		failing = append(failing, i)
	}
	if len(failing) == 0 {
		return fixOutcome{}
	}
	if user == "" {
		// Name the setting that fixes this revision: the one its operating system family reads.
		// fix.windows_user is for Windows revisions only; a revision that names no family runs Linux,
		// and fix.linux_user answers ECS.21's reading of it too.
		switch {
		case windows:
			return fixOutcome{Skip: fmt.Sprintf("no non-administrator Windows user is configured: set %s (e.g. ContainerUser) to the user the containers should run as (the task definition's operatingSystemFamily is %s)", key, family)}
		case family == "":
			return fixOutcome{Skip: fmt.Sprintf("no non-root Linux user is configured: set %s (e.g. 1000:1000) to the user the containers should run as; the task definition names no operatingSystemFamily, so it runs Linux and %s fixes ECS.20 and ECS.21 alike (fix.windows_user is for Windows task definitions only)", key, key)}
		}
		return fixOutcome{Skip: fmt.Sprintf("no non-root Linux user is configured: set %s (e.g. 1000:1000) to the user the containers should run as", key)}
	}
	var out fixOutcome
	for _, i := range failing {
		c := &in.ContainerDefinitions[i]
		before := aws.ToString(c.User)
		if before == "" {
			before = "absent"
		} else {
			before = fmt.Sprintf("%q", before)
		}
		c.User = aws.String(user)
		out.Edits = append(out.Edits, Edit{
			Control: control,
			Path:    "containerDefinitions[" + containerLabel(c, i) + "].user",
			Change:  fmt.Sprintf("set user to %q (was %s)", user, before),
		})
	}
	out.Notes = append(out.Notes, fmt.Sprintf("the containers now run as %q: files the image writes to, and ports below 1024, must be usable by that user", user))
	return out
}
