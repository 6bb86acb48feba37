package detect

// The host-path-volume exposure pinned whole: every host-path volume is listed wherever it sits among the
// volumes, with every container mounting it, wherever that mount sits among the container's mounts.

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestHostPathVolumesListsEveryVolumeAndMount(t *testing.T) {
	hostVol := func(name, path string) ecstypes.Volume {
		v := ecstypes.Volume{Host: &ecstypes.HostVolumeProperties{SourcePath: aws.String(path)}}
		if name != "" {
			v.Name = aws.String(name)
		}
		return v
	}
	scratch := ecstypes.Volume{Name: aws.String("scratch")}
	noPath := ecstypes.Volume{Name: aws.String("empty"), Host: &ecstypes.HostVolumeProperties{}}
	mountNoRO := func(volume, path string) ctrOpt {
		return func(c *ecstypes.ContainerDefinition) {
			c.MountPoints = append(c.MountPoints, ecstypes.MountPoint{SourceVolume: aws.String(volume), ContainerPath: aws.String(path)})
		}
	}
	off := func(name, detail string) Offender {
		return Offender{Field: "volumes." + name + ".host.sourcePath", Detail: detail}
	}
	for _, tc := range []struct {
		name string
		td   TaskDefinition
		want Verdict
	}{
		{name: "host volumes after other volumes, mounted after other mounts",
			td: taskDef("a", 1,
				volumes(scratch, noPath, hostVol("sock", "/var/run/docker.sock"), scratch, hostVol("", "/etc")),
				containers(
					ctr("web", mount("scratch", "/tmp", false)),
					ctr("agent", mount("scratch", "/tmp", false), mount("sock", "/var/run/docker.sock", true)),
					ctr("side", mountNoRO("sock", "/sock"), mount("#4", "/host/etc", false)))),
			want: wantFail(
				off("sock", `volume "sock" is host path /var/run/docker.sock, mounted by container "agent" at /var/run/docker.sock (read-only), "side" at /sock`),
				off("#4", `volume "#4" is host path /etc, mounted by container "side" at /host/etc`))},
		{name: "unmounted host volume", td: taskDef("a", 1, volumes(hostVol("logs", "/var/log")), containers(ctr("web", mount("scratch", "/tmp", true)))),
			want: wantFail(off("logs", `volume "logs" is host path /var/log, not mounted by any container`))},
		{name: "no host path", td: taskDef("a", 1, volumes(scratch, noPath), containers(ctr("web", mount("scratch", "/tmp", false)))),
			want: Pass("no host-path volume")},
	} {
		t.Run(tc.name, func(t *testing.T) { checkExactVerdict(t, hostPathVolumes(&tc.td), tc.want) })
	}
}
