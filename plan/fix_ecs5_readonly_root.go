package plan

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// DefaultWritablePaths stay writable when ECS.5 makes root filesystems read-only and none are configured.
var DefaultWritablePaths = []string{"/tmp"}

// ecs5OnMove is what a service moving to a read-only-root revision adds: ECS Exec needs a writable root
// filesystem.
func ecs5OnMove(svc *ecstypes.Service) ([]Precondition, []string) {
	pre := []Precondition{{Check: "service enableExecuteCommand", Result: fmt.Sprint(svc.EnableExecuteCommand)}}
	if !svc.EnableExecuteCommand {
		return pre, nil
	}
	return pre, []string{"ECS Exec is enabled on this service: it needs a writable root filesystem, so `aws ecs execute-command` stops working once the root filesystem is read-only"}
}

// fixECS5 makes the root filesystem of every container read-only (ECS.5) and keeps writable, in each
// container, the paths it writes (writablePathsOf): the configured fix.writable_paths (default /tmp), the
// paths of a well-known image (writable_paths.go) and the VOLUMEs the image declares (its configuration
// read from ECR). Each path gets a task volume of that container alone (plain task storage, no host
// path: ecsfix-CONTAINER-PATH), mounted read-write, unless the container already mounts something
// read-write there (a volume it may share with others). A read-only mount at the path is not doubled (ECS
// refuses two mounts at one path): it becomes read-write when its volume is task storage, and is
// otherwise left as it is, with a note that the path stays read-only. A container whose image's paths
// are unknown still gets the change, as a high-risk edit that says so. Windows task definitions are
// skipped (Windows containers do not support it). ECS Exec needs a writable root filesystem: services
// with enableExecuteCommand get a warning.
func fixECS5(ctx *revisionContext, in *ecs.RegisterTaskDefinitionInput) fixOutcome {
	if f := osFamilyOf(in); isWindows(f) {
		return fixOutcome{Skip: "operatingSystemFamily is " + string(f) + ": Windows containers do not support readonlyRootFilesystem"}
	}
	// The containers to change, and every refusal, come before the first change.
	var changed []int
	for i := range in.ContainerDefinitions {
		if c := &in.ContainerDefinitions[i]; c.ReadonlyRootFilesystem == nil || !*c.ReadonlyRootFilesystem {
			changed = append(changed, i)
		}
	}
	if len(changed) == 0 {
		return fixOutcome{}
	}
	// A templated mount path may render as a writable path: a second mount there would be refused.
	for _, i := range changed {
		c := &in.ContainerDefinitions[i]
		for _, mp := range c.MountPoints {
			if r := placeholderRefusal("the containerPath of a mount point of container "+containerLabel(c, i), aws.ToString(mp.ContainerPath),
				"to tell whether the container already mounts a writable path (fix.writable_paths) there"); r != "" {
				return fixOutcome{Skip: r}
			}
		}
	}
	wps := make(map[int]containerPaths, len(changed))
	only := isContainersOnly(ctx)
	for _, i := range changed {
		wps[i] = writablePathsOf(ctx, in, i)
		for _, wp := range wps[i].paths {
			if only && mountAt(&in.ContainerDefinitions[i], wp.path) == nil {
				if r := containersOnlyRefusal(ctx, "adds a task volume (volumes) to keep "+wp.path+" writable"); r != "" {
					return fixOutcome{Skip: r}
				}
			}
		}
	}
	var out fixOutcome
	for _, i := range changed {
		c := &in.ContainerDefinitions[i]
		before := "absent"
		if c.ReadonlyRootFilesystem != nil {
			before = "false"
		}
		c.ReadonlyRootFilesystem = aws.Bool(true)
		cp := wps[i]
		e := Edit{
			Control: detect.ECS5ID,
			Path:    "containerDefinitions[" + containerLabel(c, i) + "].readonlyRootFilesystem",
			Change:  "set readonlyRootFilesystem to true (was " + before + "); stays writable: " + cp.summary(),
		}
		if cp.unknown != "" {
			e.Risk, e.Why = RiskHigh, cp.unknown
		}
		out.Edits = append(out.Edits, e)
		out.Notes = append(out.Notes, cp.notes...)
	}
	for _, i := range changed {
		c := &in.ContainerDefinitions[i]
		label := containerLabel(c, i)
		for _, wp := range wps[i].paths {
			p := wp.path
			mp := mountAt(c, p)
			switch {
			case mp == nil:
			case !aws.ToBool(mp.ReadOnly):
				continue // writable already
			case isTaskStorage(in, aws.ToString(mp.SourceVolume)):
				mp.ReadOnly = aws.Bool(false)
				out.Edits = append(out.Edits, Edit{
					Control: detect.ECS5ID,
					Path:    "containerDefinitions[" + label + "].mountPoints[" + p + "]",
					Change:  "make the mount of volume " + aws.ToString(mp.SourceVolume) + " at " + p + " read-write (was read-only): " + wp.why,
				})
				continue
			default:
				out.Notes = append(out.Notes, fmt.Sprintf("container %s mounts volume %s read-only at %s, and the volume is not task storage: ecsfix leaves that mount as it is, so %s stays read-only in that container",
					label, aws.ToString(mp.SourceVolume), p, p))
				continue
			}
			name, exists := scratchVolume(in, label, p)
			if !exists {
				in.Volumes = append(in.Volumes, ecstypes.Volume{Name: aws.String(name)})
				out.Edits = append(out.Edits, Edit{
					Control: detect.ECS5ID,
					Path:    "volumes[" + name + "]",
					Change:  "add task volume " + name + " (task storage, no host path) to keep " + p + " writable in container " + label + " alone",
				})
			}
			c.MountPoints = append(c.MountPoints, ecstypes.MountPoint{
				SourceVolume: aws.String(name), ContainerPath: aws.String(p), ReadOnly: aws.Bool(false),
			})
			out.Edits = append(out.Edits, Edit{
				Control: detect.ECS5ID,
				Path:    "containerDefinitions[" + label + "].mountPoints[" + p + "]",
				Change:  "mount volume " + name + " read-write at " + p + ": " + wp.why,
			})
		}
	}
	out.Notes = append(out.Notes, "with a read-only root filesystem a container can write only to its volumes: an application writing elsewhere fails; add such paths to fix.writable_paths")
	for _, svc := range ctx.services {
		exec := svc.EnableExecuteCommand
		out.Preconditions = append(out.Preconditions, Precondition{
			Check:  fmt.Sprintf("service %s enableExecuteCommand", aws.ToString(svc.ServiceName)),
			Result: strconv.FormatBool(exec),
		})
		if exec {
			out.Notes = append(out.Notes, fmt.Sprintf("service %s has ECS Exec enabled (enableExecuteCommand): ECS Exec needs a writable root filesystem, so `aws ecs execute-command` stops working on its tasks", aws.ToString(svc.ServiceName)))
		}
	}
	return out
}

// mountAt returns a container's mount point at p (nil when it mounts nothing there). When several are at
// p, a read-write one is preferred.
func mountAt(c *ecstypes.ContainerDefinition, p string) *ecstypes.MountPoint {
	var found *ecstypes.MountPoint
	for i := range c.MountPoints {
		mp := &c.MountPoints[i]
		if cp := aws.ToString(mp.ContainerPath); cp != "" && path.Clean(cp) == p {
			if !aws.ToBool(mp.ReadOnly) {
				return mp
			}
			if found == nil {
				found = mp
			}
		}
	}
	return found
}

// isTaskStorage reports whether the named volume of the task definition is a task volume without host
// path (plain task storage), which a mount may safely make writable.
func isTaskStorage(in *ecs.RegisterTaskDefinitionInput, name string) bool {
	for i := range in.Volumes {
		if aws.ToString(in.Volumes[i].Name) == name {
			return isPlainVolume(&in.Volumes[i])
		}
	}
	return false
}

// scratchVolume names the task volume of one container for a writable path ("web", "/tmp" →
// "ecsfix-web-tmp"). It reports whether a plain volume (no host path, no other configuration) of that
// name exists already that no container mounts (one this fix made for that container and path, whose
// mount was since removed), and picks the next name ("ecsfix-web-tmp-2") when a volume of that name is
// something else or is mounted already: names may collide ("app" at /cache/tmp and "app-cache" at /tmp,
// or two long names cut alike), and a volume a container mounts, the user's or another container's
// scratch volume, is never shared.
func scratchVolume(in *ecs.RegisterTaskDefinitionInput, container, p string) (string, bool) {
	base := "ecsfix-" + sanitizeVolumeName(container+"-"+strings.Trim(p, "/"))
	for n := 1; ; n++ {
		name := base
		if n > 1 {
			name = fmt.Sprintf("%s-%d", base, n)
		}
		var found *ecstypes.Volume
		for i := range in.Volumes {
			if aws.ToString(in.Volumes[i].Name) == name {
				found = &in.Volumes[i]
			}
		}
		if found == nil {
			return name, false
		}
		if isPlainVolume(found) && !mounted(in, name) {
			return name, true
		}
	}
}

// mounted reports whether a container of the task definition mounts the named volume.
func mounted(in *ecs.RegisterTaskDefinitionInput, name string) bool {
	for i := range in.ContainerDefinitions {
		for _, mp := range in.ContainerDefinitions[i].MountPoints {
			if aws.ToString(mp.SourceVolume) == name {
				return true
			}
		}
	}
	return false
}

func isPlainVolume(v *ecstypes.Volume) bool {
	return (v.Host == nil || aws.ToString(v.Host.SourcePath) == "") && v.EfsVolumeConfiguration == nil &&
		v.DockerVolumeConfiguration == nil && v.FsxWindowsFileServerVolumeConfiguration == nil &&
		v.ConfiguredAtLaunch == nil
}

// sanitizeVolumeName keeps what a volume name may hold (letters, digits, hyphens, underscores).
func sanitizeVolumeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	if b.Len() == 0 {
		return "root"
	}
	out := b.String()
	if len(out) > 200 {
		out = out[:200]
	}
	return out
}
