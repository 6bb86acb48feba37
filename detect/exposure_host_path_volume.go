package detect

import (
	"fmt"
	"strings"
)

// ExposureHostPathVolume — the service runs a revision with a volume backed by a host path
// (host.sourcePath non-empty), which gives its containers access to the host's filesystem.
func ExposureHostPathVolume() Control {
	return Control{
		ID:           ExposureHostPathVolumeID,
		Title:        "The Amazon ECS service uses a task definition that allows containers to access the root file systems",
		Aliases:      []string{"The Amazon ECS service uses a task definition that mounts host filesystem paths"},
		Severity:     SeverityHigh,
		ResourceType: TypeService,
		Exposure:     true,
		Service:      exposureOnRevision(hostPathVolumes),
	}
}

func hostPathVolumes(td *TaskDefinition) Verdict {
	var offs []Offender
	for i, vol := range td.Volumes {
		if vol.Host == nil || deref(vol.Host.SourcePath) == "" {
			continue
		}
		name := deref(vol.Name)
		if name == "" {
			name = fmt.Sprintf("#%d", i)
		}
		var users []string
		for j := range td.ContainerDefinitions {
			c := &td.ContainerDefinitions[j]
			for _, mp := range c.MountPoints {
				if deref(mp.SourceVolume) != name {
					continue
				}
				u := fmt.Sprintf("%q at %s", containerName(c, j), deref(mp.ContainerPath))
				if mp.ReadOnly != nil && *mp.ReadOnly {
					u += " (read-only)"
				}
				users = append(users, u)
			}
		}
		mounted := "not mounted by any container"
		if len(users) > 0 {
			mounted = "mounted by container " + strings.Join(users, ", ")
		}
		offs = append(offs, Offender{
			Field:  "volumes." + name + ".host.sourcePath",
			Detail: fmt.Sprintf("volume %q is host path %s, %s", name, *vol.Host.SourcePath, mounted),
		})
	}
	if len(offs) > 0 {
		return failAll(offs)
	}
	return Pass("no host-path volume")
}
