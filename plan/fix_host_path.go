package plan

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// fixHostPath answers the host-path exposure: by default (fix.host_path "read-only") every mount point of
// a host-path volume becomes readOnly; with "remove" the host-path volumes and their mount points are
// removed.
func fixHostPath(ctx *revisionContext, in *ecs.RegisterTaskDefinitionInput) fixOutcome {
	hostVols := map[string]bool{}
	var names []string
	for i := range in.Volumes {
		v := &in.Volumes[i]
		if v.Host != nil && aws.ToString(v.Host.SourcePath) != "" {
			hostVols[aws.ToString(v.Name)] = true
			names = append(names, volumeLabel(v, i))
		}
	}
	if len(hostVols) == 0 {
		return fixOutcome{}
	}
	var out fixOutcome
	if ctx.opts.HostPath == HostPathRemove {
		kept := in.Volumes[:0:0]
		for i := range in.Volumes {
			v := in.Volumes[i]
			if v.Host != nil && aws.ToString(v.Host.SourcePath) != "" {
				out.Edits = append(out.Edits, Edit{
					Control: detect.ExposureHostPathVolumeID,
					Path:    "volumes[" + volumeLabel(&v, i) + "]",
					Change:  "remove host-path volume (host " + aws.ToString(v.Host.SourcePath) + ")",
				})
				continue
			}
			kept = append(kept, v)
		}
		in.Volumes = kept
		for i := range in.ContainerDefinitions {
			c := &in.ContainerDefinitions[i]
			var mps []ecstypes.MountPoint
			removed := false
			for _, mp := range c.MountPoints {
				if hostVols[aws.ToString(mp.SourceVolume)] {
					out.Edits = append(out.Edits, Edit{
						Control: detect.ExposureHostPathVolumeID,
						Path:    "containerDefinitions[" + containerLabel(c, i) + "].mountPoints[" + aws.ToString(mp.ContainerPath) + "]",
						Change:  "remove mount of host-path volume " + aws.ToString(mp.SourceVolume),
					})
					removed = true
					continue
				}
				mps = append(mps, mp)
			}
			if removed {
				if mps == nil {
					mps = []ecstypes.MountPoint{}
				}
				c.MountPoints = mps
			}
		}
		out.Notes = append(out.Notes, "the containers lose access to "+strings.Join(names, ", ")+" on the host: anything they read or wrote there (sockets, logs, state) is gone")
		return out
	}
	for i := range in.ContainerDefinitions {
		c := &in.ContainerDefinitions[i]
		for j := range c.MountPoints {
			mp := &c.MountPoints[j]
			if !hostVols[aws.ToString(mp.SourceVolume)] || (mp.ReadOnly != nil && *mp.ReadOnly) {
				continue
			}
			mp.ReadOnly = aws.Bool(true)
			out.Edits = append(out.Edits, Edit{
				Control: detect.ExposureHostPathVolumeID,
				Path:    "containerDefinitions[" + containerLabel(c, i) + "].mountPoints[" + aws.ToString(mp.ContainerPath) + "].readOnly",
				Change:  "set readOnly true on the mount of host-path volume " + aws.ToString(mp.SourceVolume),
			})
		}
	}
	if len(out.Edits) == 0 {
		return fixOutcome{Skip: fmt.Sprintf("host-path volumes (%s) are already mounted read-only or not mounted; set fix.host_path to %q to remove them", strings.Join(names, ", "), HostPathRemove)}
	}
	out.Notes = append(out.Notes, "the containers can still read the host paths but no longer write to them")
	return out
}
