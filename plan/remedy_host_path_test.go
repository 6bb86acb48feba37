package plan

// Pins the host-path remedy as the planner applies it, in both modes: read-only (every writable mount of
// a host-path volume becomes readOnly) and remove (the volumes and their mounts go), with the edits'
// wording, notes, skips and the registered revision's volumes and mounts.

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

func pinMount(vol, at string, ro *bool) ecstypes.MountPoint {
	return ecstypes.MountPoint{SourceVolume: aws.String(vol), ContainerPath: aws.String(at), ReadOnly: ro}
}

// pinMounts are each container's mounts in a registration's after-state, "volume@path(ro)" joined by
// commas; "-" for a container whose mountPoints field is absent, "[]" for an empty one.
func pinMounts(t *testing.T, a Action) []string {
	t.Helper()
	var out []string
	for _, c := range pinAfterContainers(t, a) {
		mps, ok := c["mountPoints"].([]any)
		switch {
		case !ok:
			out = append(out, "-")
		case len(mps) == 0:
			out = append(out, "[]")
		default:
			var s []string
			for _, m := range mps {
				mp := m.(map[string]any)
				x := mp["sourceVolume"].(string) + "@" + mp["containerPath"].(string)
				if ro, ok := mp["readOnly"]; ok {
					if ro == true {
						x += "(ro)"
					} else {
						x += "(rw)"
					}
				}
				s = append(s, x)
			}
			out = append(out, strings.Join(s, ","))
		}
	}
	return out
}

func TestRemedyHostPath(t *testing.T) {
	scratch := ecstypes.Volume{Name: aws.String("scratch")}
	sock := ecstypes.Volume{Name: aws.String("sock"), Host: &ecstypes.HostVolumeProperties{SourcePath: aws.String("/srv/run/app.sock")}}
	logs := ecstypes.Volume{Name: aws.String("logs"), Host: &ecstypes.HostVolumeProperties{SourcePath: aws.String("/srv/log")}}
	dockerSock := ecstypes.Volume{Name: aws.String("dsock"), Host: &ecstypes.HostVolumeProperties{SourcePath: aws.String("/var/run/docker.sock")}}
	varLog := ecstypes.Volume{Name: aws.String("varlog"), Host: &ecstypes.HostVolumeProperties{SourcePath: aws.String("/var/log")}}
	proc := ecstypes.Volume{Name: aws.String("proc"), Host: &ecstypes.HostVolumeProperties{SourcePath: aws.String("/proc")}}
	sockNote := func(ctrs string) string {
		return "a read-only mount of a socket does not stop container " + ctrs + " from using it (connecting to a socket is no write to the file system): " +
			"through the Docker socket it can still start containers on the host; remove the volume (fix.host_path remove) unless the container needs it"
	}
	// docker is a host volume without a source path: Docker manages it, it is no host path.
	docker := ecstypes.Volume{Name: aws.String("docker"), Host: &ecstypes.HostVolumeProperties{}}
	ro, rw := aws.Bool(true), aws.Bool(false)
	with := func(vols []ecstypes.Volume, mounts ...[]ecstypes.MountPoint) detect.TaskDefinition {
		return bTD("web", 1, func(td *detect.TaskDefinition) {
			td.Volumes = vols
			for i, m := range mounts {
				if i > 0 {
					td.ContainerDefinitions = append(td.ContainerDefinitions, bContainer(string(rune('a'+i))))
				}
				td.ContainerDefinitions[i].MountPoints = m
			}
		})
	}
	const (
		roNote   = "the containers can still read the host paths but no longer write to them"
		roChange = "set readOnly true on the mount of host-path volume "
	)
	hp := "EXPOSURE.host-path-volume "
	tests := []struct {
		name   string
		td     detect.TaskDefinition
		remove bool
		edits  []string
		notes  []string
		// volumes are the registered revision's volume names, mounts each container's mounts (pinMounts).
		volumes []string
		mounts  []string
	}{
		{
			name: "read-only: writable mounts of host paths, not the first container's nor other volumes'",
			td: with([]ecstypes.Volume{scratch, docker, sock},
				[]ecstypes.MountPoint{pinMount("scratch", "/data", nil), pinMount("docker", "/d", nil)},
				[]ecstypes.MountPoint{pinMount("sock", "/s1", ro), pinMount("sock", "/s2", rw), pinMount("scratch", "/x", nil), pinMount("sock", "/s3", nil)}),
			edits: []string{
				hp + "containerDefinitions[b].mountPoints[/s2].readOnly: " + roChange + "sock",
				hp + "containerDefinitions[b].mountPoints[/s3].readOnly: " + roChange + "sock",
			},
			notes:   []string{roNote, sockNote(`"b" (/srv/run/app.sock)`)},
			volumes: []string{"scratch", "docker", "sock"},
			mounts:  []string{"scratch@/data,docker@/d", "sock@/s1(ro),sock@/s2(ro),scratch@/x,sock@/s3(ro)"},
		},
		{
			name: "read-only: two host volumes in two containers",
			td: with([]ecstypes.Volume{sock, logs},
				[]ecstypes.MountPoint{pinMount("logs", "/l", nil)},
				[]ecstypes.MountPoint{pinMount("sock", "/s", rw)}),
			edits: []string{
				hp + "containerDefinitions[app].mountPoints[/l].readOnly: " + roChange + "logs",
				hp + "containerDefinitions[b].mountPoints[/s].readOnly: " + roChange + "sock",
			},
			notes:   []string{roNote, sockNote(`"b" (/srv/run/app.sock)`)},
			volumes: []string{"sock", "logs"},
			mounts:  []string{"logs@/l(ro)", "sock@/s(ro)"},
		},
		{
			name: "remove: host volumes and their mounts; other volumes and mounts kept",
			td: with([]ecstypes.Volume{scratch, sock, docker, logs},
				[]ecstypes.MountPoint{pinMount("scratch", "/data", nil)},
				[]ecstypes.MountPoint{pinMount("sock", "/s", ro), pinMount("scratch", "/tmp2", rw), pinMount("logs", "/l", nil)},
				nil,
				[]ecstypes.MountPoint{pinMount("logs", "/l", nil)}),
			remove: true,
			edits: []string{
				hp + "volumes[sock]: remove host-path volume (host /srv/run/app.sock)",
				hp + "volumes[logs]: remove host-path volume (host /srv/log)",
				hp + "containerDefinitions[b].mountPoints[/s]: remove mount of host-path volume sock",
				hp + "containerDefinitions[b].mountPoints[/l]: remove mount of host-path volume logs",
				hp + "containerDefinitions[d].mountPoints[/l]: remove mount of host-path volume logs",
			},
			notes:   []string{"the containers lose access to sock, logs on the host: anything they read or wrote there (sockets, logs, state) is gone"},
			volumes: []string{"scratch", "docker"},
			mounts:  []string{"scratch@/data", "scratch@/tmp2(rw)", "-", "[]"},
		},
		{
			name: "remove: a host volume mounted nowhere",
			td: with([]ecstypes.Volume{logs, scratch},
				[]ecstypes.MountPoint{pinMount("scratch", "/data", nil)}),
			remove:  true,
			edits:   []string{hp + "volumes[logs]: remove host-path volume (host /srv/log)"},
			notes:   []string{"the containers lose access to logs on the host: anything they read or wrote there (sockets, logs, state) is gone"},
			volumes: []string{"scratch"},
			mounts:  []string{"scratch@/data"},
		},
		{
			name: "read-only: host agents (they mount the host's /var/log, /proc) keep their writable mounts of /var/log (Not fixed); what they only read becomes read-only",
			td: with([]ecstypes.Volume{varLog, proc, dockerSock},
				[]ecstypes.MountPoint{pinMount("varlog", "/l", nil)},
				[]ecstypes.MountPoint{pinMount("varlog", "/var/log", nil), pinMount("proc", "/host/proc", nil), pinMount("dsock", "/var/run/docker.sock", nil)}),
			edits: []string{
				hp + "containerDefinitions[b].mountPoints[/host/proc].readOnly: " + roChange + "proc",
				hp + "containerDefinitions[b].mountPoints[/var/run/docker.sock].readOnly: " + roChange + "dsock",
			},
			notes:   []string{roNote, sockNote(`"b" (/var/run/docker.sock)`)},
			volumes: []string{"varlog", "proc", "dsock"},
			mounts:  []string{"varlog@/l", "varlog@/var/log,proc@/host/proc(ro),dsock@/var/run/docker.sock(ro)"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var mods []func(*Options)
			if tc.remove {
				mods = append(mods, func(o *Options) { o.HostPath = HostPathRemove })
			}
			_, a := pinServedPlan(t, tc.td, mods...)
			pinSameLines(t, "edits", pinEdits(a), tc.edits)
			pinSameLines(t, "notes", a.Notes, tc.notes)
			if a.Risk != RiskHigh {
				t.Errorf("risk %s", a.Risk)
			}
			var vols []string
			for _, v := range afterInput(t, a).Volumes {
				vols = append(vols, aws.ToString(v.Name))
			}
			pinSameLines(t, "volumes after", vols, tc.volumes)
			pinSameLines(t, "mounts after", pinMounts(t, a), tc.mounts)
		})
	}
}

func TestRemedyHostPathSkipped(t *testing.T) {
	sock := ecstypes.Volume{Name: aws.String("sock"), Host: &ecstypes.HostVolumeProperties{SourcePath: aws.String("/var/run/docker.sock")}}
	logs := ecstypes.Volume{Name: aws.String("logs"), Host: &ecstypes.HostVolumeProperties{SourcePath: aws.String("/var/log")}}
	td := bTD("web", 1, func(td *detect.TaskDefinition) {
		td.Volumes = []ecstypes.Volume{sock, {Name: aws.String("scratch")}, logs}
		td.ContainerDefinitions[0].MountPoints = []ecstypes.MountPoint{pinMount("scratch", "/x", nil), pinMount("sock", "/s", aws.Bool(true))}
	})
	p := buildPlan(t, bInventory([]detect.TaskDefinition{td}, []ecstypes.Service{bSvc("web", td.ARN())}), bOptions())
	if len(p.Actions) != 0 {
		t.Errorf("actions %+v", p.Actions)
	}
	// the container mounts the Docker socket: a host agent, whose host-path volumes stay in remove mode too
	want := `host-path volumes (sock, logs) are already mounted read-only or not mounted; container "app" is a host agent or privileged workload, whose host-path volumes stay whatever fix.host_path says`
	if !hasSkipped(p, "EXPOSURE.host-path-volume", "", want) {
		t.Errorf("skipped %+v", p.Skipped)
	}

	data := ecstypes.Volume{Name: aws.String("data"), Host: &ecstypes.HostVolumeProperties{SourcePath: aws.String("/srv/data")}}
	td = bTD("web", 1, func(td *detect.TaskDefinition) {
		td.Volumes = []ecstypes.Volume{data}
		td.ContainerDefinitions[0].MountPoints = []ecstypes.MountPoint{pinMount("data", "/data", aws.Bool(true))}
	})
	p = buildPlan(t, bInventory([]detect.TaskDefinition{td}, []ecstypes.Service{bSvc("web", td.ARN())}), bOptions())
	want = `host-path volumes (data) are already mounted read-only or not mounted; set fix.host_path to "remove" to remove them`
	if len(p.Actions) != 0 || !hasSkipped(p, "EXPOSURE.host-path-volume", "", want) {
		t.Errorf("actions %+v skipped %+v", p.Actions, p.Skipped)
	}
}
