package plan

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// readOnlySafeHostPaths are host paths a host agent reads and does not write: the host's processes,
// kernel, devices, root and container runtime. A host agent's mount of any other host path (its
// positions or state files under /var/log or /var/lib, the sockets it creates under /var/run) is left
// writable: ecsfix cannot tell which of its writes the agent needs.
var readOnlySafeHostPaths = []string{"/proc", "/sys", "/dev", "/lib/modules", "/var/lib/docker", "/var/run/docker.sock", "/run/docker.sock",
	"/run/containerd/containerd.sock", "/var/run/containerd/containerd.sock"}

// fixHostPath answers the host-path exposure: by default (fix.host_path "read-only") every mount point of
// a host-path volume becomes readOnly; with "remove" the host-path volumes and their mount points are
// removed. A host agent or privileged workload (workload.go, which counts a container mounting the
// host's /proc, /sys, Docker socket… as one: it needs them) keeps the host paths it may write
// (read-only mode: every path but those it only reads, readOnlySafeHostPaths; remove mode: every volume
// it mounts), listed under "Not fixed" with why. A read-only mount of a socket (the Docker socket) does
// not stop the container from using it: the plan says so.
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
		// the host-path volumes a host agent mounts stay, with all their mounts
		keptVol := map[string]string{}
		for i := range in.ContainerDefinitions {
			c := &in.ContainerDefinitions[i]
			for _, mp := range c.MountPoints {
				vol := aws.ToString(mp.SourceVolume)
				if !hostVols[vol] || keptVol[vol] != "" {
					continue
				}
				if h := ctx.opts.rebuild; h != nil {
					if h.hostVolumes[vol] {
						keptVol[vol] = "kept by the plan"
					}
					continue
				}
				if why := imageWrites(ctx, c, aws.ToString(mp.ContainerPath)); why != "" {
					keptVol[vol] = fmt.Sprintf("host-path volume %s (host %s) is kept: container %q keeps its data at %s there (%s); removing it would lose that data or, with a read-only root filesystem, stop the container: "+
						"move the data to a task volume or EFS yourself", vol, hostSourceOf(in, vol), containerLabel(c, i), aws.ToString(mp.ContainerPath), why)
					continue
				}
				if w := recogniseWorkload(ctx, in, i); w.Kept() {
					keptVol[vol] = fmt.Sprintf("host-path volume %s (host %s) is kept: container %q mounts it and is %s (%s), which may need to write there or read it; "+
						"ecsfix cannot tell which: make its mount readOnly yourself where it only reads", vol, hostSourceOf(in, vol), containerLabel(c, i), w.What(), w.Why)
				}
			}
		}
		kept := in.Volumes[:0:0]
		for i := range in.Volumes {
			v := in.Volumes[i]
			if v.Host != nil && aws.ToString(v.Host.SourcePath) != "" && keptVol[aws.ToString(v.Name)] == "" {
				out.Edits = append(out.Edits, Edit{
					Control: detect.ExposureHostPathVolumeID,
					Path:    "volumes[" + volumeLabel(&v, i) + "]",
					Change:  "remove host-path volume (host " + aws.ToString(v.Host.SourcePath) + ")",
				})
				continue
			}
			kept = append(kept, v)
		}
		for _, vol := range names {
			if why := keptVol[vol]; why != "" && ctx.opts.rebuild == nil {
				out.NotFixed = append(out.NotFixed, why)
			}
		}
		if len(out.Edits) == 0 {
			return fixOutcome{Skip: strings.Join(out.NotFixed, "; ")}
		}
		in.Volumes = kept
		var removedNames []string
		for i := range in.ContainerDefinitions {
			c := &in.ContainerDefinitions[i]
			var mps []ecstypes.MountPoint
			removed := false
			for _, mp := range c.MountPoints {
				if vol := aws.ToString(mp.SourceVolume); hostVols[vol] && keptVol[vol] == "" {
					out.Edits = append(out.Edits, Edit{
						Control: detect.ExposureHostPathVolumeID,
						Path:    "containerDefinitions[" + containerLabel(c, i) + "].mountPoints[" + aws.ToString(mp.ContainerPath) + "]",
						Change:  "remove mount of host-path volume " + vol,
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
		for _, n := range names {
			if keptVol[n] == "" {
				removedNames = append(removedNames, n)
			}
		}
		out.Notes = append(out.Notes, "the containers lose access to "+strings.Join(removedNames, ", ")+" on the host: anything they read or wrote there (sockets, logs, state) is gone")
		return out
	}
	var sockets []string
	for i := range in.ContainerDefinitions {
		c := &in.ContainerDefinitions[i]
		label := containerLabel(c, i)
		var w *workload
		for j := range c.MountPoints {
			mp := &c.MountPoints[j]
			vol := aws.ToString(mp.SourceVolume)
			if !hostVols[vol] || (mp.ReadOnly != nil && *mp.ReadOnly) {
				continue
			}
			src := path.Clean(hostSourceOf(in, vol))
			if h := ctx.opts.rebuild; h != nil {
				if h.hostMounts[label+"\x00"+aws.ToString(mp.ContainerPath)] {
					continue
				}
			} else if why := imageWrites(ctx, c, aws.ToString(mp.ContainerPath)); why != "" {
				out.NotFixed = append(out.NotFixed, fmt.Sprintf("container %q keeps its mount of host path %s (volume %s) at %s writable: %s, so a read-only mount would stop it; "+
					"move that data to a task volume or EFS yourself", label, src, vol, aws.ToString(mp.ContainerPath), why))
				continue
			} else if !readOnlySafe(src) {
				if w == nil {
					rw := recogniseWorkload(ctx, in, i)
					w = &rw
				}
				if w.Kept() {
					out.NotFixed = append(out.NotFixed, fmt.Sprintf("container %q keeps its mount of host path %s (volume %s) at %s writable: it is %s (%s), which may write there (its positions, state or sockets), "+
						"and ecsfix cannot tell which writes it needs; make the mount readOnly yourself if it only reads it", label, src, vol, aws.ToString(mp.ContainerPath), w.What(), w.Why))
					continue
				}
			}
			mp.ReadOnly = aws.Bool(true)
			out.Edits = append(out.Edits, Edit{
				Control: detect.ExposureHostPathVolumeID,
				Path:    "containerDefinitions[" + label + "].mountPoints[" + aws.ToString(mp.ContainerPath) + "].readOnly",
				Change:  "set readOnly true on the mount of host-path volume " + vol,
			})
			if s := fmt.Sprintf("%q (%s)", label, src); strings.HasSuffix(src, ".sock") && !slices.Contains(sockets, s) {
				sockets = append(sockets, s)
			}
		}
	}
	if len(out.Edits) == 0 {
		if len(out.NotFixed) > 0 {
			return fixOutcome{Skip: strings.Join(out.NotFixed, "; ")}
		}
		var agents []string
		for i := range in.ContainerDefinitions {
			if w := recogniseWorkload(ctx, in, i); w.Kept() && mountsAny(&in.ContainerDefinitions[i], hostVols) {
				agents = append(agents, fmt.Sprintf("%q", containerLabel(&in.ContainerDefinitions[i], i)))
			}
		}
		if len(agents) > 0 {
			return fixOutcome{Skip: fmt.Sprintf("host-path volumes (%s) are already mounted read-only or not mounted; container %s is a host agent or privileged workload, whose host-path volumes stay whatever fix.host_path says: exempt this task definition from the trait, or remove them yourself", strings.Join(names, ", "), strings.Join(agents, ", "))}
		}
		return fixOutcome{Skip: fmt.Sprintf("host-path volumes (%s) are already mounted read-only or not mounted; set fix.host_path to %q to remove them", strings.Join(names, ", "), HostPathRemove)}
	}
	out.Notes = append(out.Notes, "the containers can still read the host paths but no longer write to them")
	if len(sockets) > 0 {
		out.Notes = append(out.Notes, "a read-only mount of a socket does not stop container "+strings.Join(sockets, ", ")+
			" from using it (connecting to a socket is no write to the file system): through the Docker socket it can still start containers on the host; "+
			"remove the volume (fix.host_path remove) unless the container needs it")
	}
	return out
}

// readOnlySafe reports whether a host path is one a host agent only reads (readOnlySafeHostPaths, or
// the host's whole root).
func readOnlySafe(p string) bool {
	if p == "/" {
		return true
	}
	return slices.ContainsFunc(readOnlySafeHostPaths, func(s string) bool { return p == s || strings.HasPrefix(p, s+"/") })
}

// imageWrites says why container c writes at container path p ("" when nothing says so): p is, or lies
// under, a path its well-known image writes (writable_paths.go) or a VOLUME its image declares (read
// from ECR).
func imageWrites(ctx *revisionContext, c *ecstypes.ContainerDefinition, p string) string {
	if ctx.opts.rebuild != nil || p == "" {
		return ""
	}
	p = path.Clean(p)
	under := func(dir string) bool {
		dir = path.Clean(dir)
		return dir != "/" && (p == dir || strings.HasPrefix(p, dir+"/"))
	}
	image := aws.ToString(c.Image)
	if e := knownImagePaths(image); e != nil {
		for _, w := range e.Paths {
			if w != "/tmp" && under(w) {
				return "the " + e.Name + " image writes " + w + " (" + e.Source + ")"
			}
		}
	}
	if ctx.inv != nil {
		if cfg, ok := ctx.inv.Image(image); ok {
			for _, v := range cfg.Volumes {
				if under(v) {
					return "its image declares VOLUME " + v + " (its configuration, read from ECR)"
				}
			}
		}
	}
	return ""
}

// mountsAny reports whether a container mounts one of the named volumes.
func mountsAny(c *ecstypes.ContainerDefinition, vols map[string]bool) bool {
	for _, mp := range c.MountPoints {
		if vols[aws.ToString(mp.SourceVolume)] {
			return true
		}
	}
	return false
}
