package plan

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// fixUser gives every container that has no user, or runs as root/administrator, a non-root user
// (ECS.20, Linux) or non-administrator user (ECS.21, Windows):
//
//   - the user its image's configuration declares (USER, read from ECR: Inventory.Images), when that
//     user is not root/administrator: the container already runs as that user, so setting it explicitly
//     changes nothing at runtime (the remedy's default risk, low);
//   - otherwise the configured user (fix.linux_user; fix.windows_user for a Windows revision): the
//     container then runs as a user its image does not declare, which may not own the files it writes
//     (the edit is high risk and says why);
//   - otherwise nothing is guessed: the finding is skipped, naming the containers and the setting.
//
// A task definition without operatingSystemFamily runs Linux: it gets the Linux user, which also
// satisfies ECS.21's reading of it.
func fixUser(ctx *revisionContext, in *ecs.RegisterTaskDefinitionInput) fixOutcome {
	d := decideUser(ctx, in)
	if d.decided {
		return fixOutcome{Skip: d.skip}
	}
	var out fixOutcome
	configured := false
	for k, i := range d.failing {
		c := &in.ContainerDefinitions[i]
		if d.users[k] == "" {
			continue // kept (a host agent)
		}
		before := aws.ToString(c.User)
		if before == "" {
			before = "absent"
		} else {
			before = strconv.Quote(before)
		}
		c.User = aws.String(d.users[k])
		e := Edit{
			Control: d.control,
			Path:    "containerDefinitions[" + containerLabel(c, i) + "].user",
			Change:  "set user to " + strconv.Quote(d.users[k]) + " (was " + before + ")",
		}
		if d.fromImage[k] {
			e.Change += ", the user its image declares: nothing changes at runtime"
		} else {
			configured = true
			e.Risk = RiskHigh
			e.Why = fmt.Sprintf("user from configuration (%s): the image declares no non-root user, or is unknown; files the image writes to, and ports below 1024, must be usable by %q", d.key, d.users[k])
		}
		out.Edits = append(out.Edits, e)
	}
	out.NotFixed = d.kept
	if configured {
		out.Notes = append(out.Notes, fmt.Sprintf("the containers now run as %q: files the image writes to, and ports below 1024, must be usable by that user", d.user))
	}
	return out
}

// refuseUser is fixUser's decision alone (remedy.Refuses): why it does not fix the revision, or that it
// has nothing to change, without changing the input.
func refuseUser(ctx *revisionContext, in *ecs.RegisterTaskDefinitionInput) (string, bool) {
	d := decideUser(ctx, in)
	return d.skip, d.decided
}

// userDecision is what fixUser decides before it changes anything: decided, with why it does not fix
// (skip; "" when there is nothing to change), or the user of each failing container ("" for one kept).
type userDecision struct {
	decided            bool
	skip               string
	control, user, key string
	failing            []int
	users              []string
	fromImage          []bool
	kept               []string
}

func decideUser(ctx *revisionContext, in *ecs.RegisterTaskDefinitionInput) userDecision {
	family := osFamilyOf(in)
	windows := isWindows(family)
	control, user, key := detect.ECS20ID, ctx.opts.LinuxUser, "fix.linux_user"
	if windows {
		control, user, key = detect.ECS21ID, ctx.opts.WindowsUser, "fix.windows_user"
	} else if family != "" && family != "LINUX" {
		return userDecision{decided: true}
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
		return userDecision{decided: true}
	}
	// Each failing container's user: its image's, else the configured one.
	users := make([]string, len(failing))
	fromImage := make([]bool, len(failing))
	var unknown, kept []string
	for k, i := range failing {
		c := &in.ContainerDefinitions[i]
		if u, ok := imageUser(ctx.inv, in, aws.ToString(c.Image), windows); ok {
			users[k], fromImage[k] = u, true
			continue
		}
		if keep, why := keepUser(ctx, in, i); keep {
			// A host agent runs as root by design (the host's /proc, sockets and logs): the configured
			// user would stop it.
			kept = append(kept, "container "+strconv.Quote(containerLabel(c, i))+" keeps its user: it is "+why+
				", which usually needs to run as root (to read the host's processes, sockets and logs); "+key+" would stop it: "+
				"list it in fix.workloads.not_agents to set the user anyway")
			users[k] = ""
			continue
		}
		if user == "" {
			unknown = append(unknown, containerLabel(c, i))
			continue
		}
		users[k] = user
	}
	if len(unknown) > 0 {
		why := fmt.Sprintf(" (the image of container(s) %s declares no non-root user, or is unknown: only images in the account's ECR are read)", strings.Join(unknown, ", "))
		if windows {
			why = fmt.Sprintf(" (the image of container(s) %s declares no non-administrator user, or is unknown: only images in the account's ECR are read)", strings.Join(unknown, ", "))
		}
		// Name the setting that fixes this revision: the one its operating system family reads.
		// fix.windows_user is for Windows revisions only; a revision that names no family runs Linux,
		// and fix.linux_user answers ECS.21's reading of it too.
		switch {
		case windows:
			return userDecision{decided: true, skip: fmt.Sprintf("no non-administrator Windows user is configured: set %s (e.g. ContainerUser) to the user the containers should run as (the task definition's operatingSystemFamily is %s)%s", key, family, why)}
		case family == "":
			return userDecision{decided: true, skip: fmt.Sprintf("no non-root Linux user is configured: set %s (e.g. 1000:1000) to the user the containers should run as; the task definition names no operatingSystemFamily, so it runs Linux and %s fixes ECS.20 and ECS.21 alike (fix.windows_user is for Windows task definitions only)%s", key, key, why)}
		}
		return userDecision{decided: true, skip: fmt.Sprintf("no non-root Linux user is configured: set %s (e.g. 1000:1000) to the user the containers should run as%s", key, why)}
	}
	set := false
	for _, u := range users {
		set = set || u != ""
	}
	if !set { // every failing container is kept: nothing to change
		return userDecision{decided: true, skip: strings.Join(kept, "; ")}
	}
	return userDecision{control: control, user: user, key: key, failing: failing, users: users, fromImage: fromImage, kept: kept}
}

// keepUser reports whether container i keeps its root user rather than take the configured one, and why:
// at plan time when it is a host agent or privileged workload (workload.go); when re-derived, when the
// plan's after-state keeps it.
func keepUser(ctx *revisionContext, in *ecs.RegisterTaskDefinitionInput, i int) (bool, string) {
	if h := ctx.opts.rebuild; h != nil {
		return h.rootUser[containerLabel(&in.ContainerDefinitions[i], i)], "kept as it is by the plan"
	}
	w := recogniseWorkload(ctx, in, i)
	if !w.Kept() {
		return false, ""
	}
	return true, w.What() + ": " + w.Why
}

// IsRootUser reports whether an image's Linux USER (name, uid, user:group) runs as root: the user part
// empty (":GROUP" runs as the default user, root), root, or a uid that is 0 read as a number the way the
// runtime reads it (strconv.Atoi, as runc does: 0, 00, +0, -0). Any other name is taken as not root.
func IsRootUser(u string) bool {
	name, _, _ := strings.Cut(strings.TrimSpace(u), ":")
	if name == "" || name == "root" {
		return true
	}
	uid, err := strconv.Atoi(name)
	return err == nil && uid == 0
}

// imageUser is the user image's configuration declares (Inventory.Images), when it is known, of the
// task definition's platform, and not root (Linux) or ContainerAdministrator (Windows).
func imageUser(inv *detect.Inventory, in *ecs.RegisterTaskDefinitionInput, image string, windows bool) (string, bool) {
	if inv == nil || image == "" {
		return "", false
	}
	c, ok := inv.Image(image)
	if !ok {
		return "", false
	}
	os, arch := platformOf(in)
	if (c.OS != "" && c.OS != os) || (c.Architecture != "" && c.Architecture != arch) {
		return "", false
	}
	u := strings.TrimSpace(c.User)
	if windows {
		if u == "" || strings.EqualFold(u, "containeradministrator") {
			return "", false
		}
		return u, true
	}
	if IsRootUser(u) {
		return "", false
	}
	return u, true
}

// platformOf is the platform the task definition runs on, as an image configuration names it (linux/
// amd64 when it names none).
func platformOf(in *ecs.RegisterTaskDefinitionInput) (os, arch string) {
	os, arch = "linux", "amd64"
	if rp := in.RuntimePlatform; rp != nil {
		if rp.CpuArchitecture == ecstypes.CPUArchitectureArm64 {
			arch = "arm64"
		}
		if isWindows(rp.OperatingSystemFamily) {
			os = "windows"
		}
	}
	return os, arch
}
