package plan

// Pins the ECS.5 remedy (read-only root filesystem) as the planner applies it: which containers change,
// how writable paths are kept (new task volumes, reused ones, existing mounts made read-write or left with
// a note), the volume names it picks, the Windows skip, and the ECS Exec preconditions and notes.

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

func TestRemedyECS5ReadonlyRoot(t *testing.T) {
	ro, rw := aws.Bool(true), aws.Bool(false)
	root := func(v *bool, mounts ...ecstypes.MountPoint) func(*ecstypes.ContainerDefinition) {
		return func(c *ecstypes.ContainerDefinition) { c.ReadonlyRootFilesystem, c.MountPoints = v, mounts }
	}
	ctr := func(name string, f func(*ecstypes.ContainerDefinition)) tdMod {
		c := bContainer(name)
		f(&c)
		return withContainer(c)
	}
	vols := func(vs ...ecstypes.Volume) tdMod {
		return func(td *detect.TaskDefinition) { td.Volumes = vs }
	}
	plain := func(name string) ecstypes.Volume { return ecstypes.Volume{Name: aws.String(name)} }
	hostVol := func(name string) ecstypes.Volume {
		return ecstypes.Volume{Name: aws.String(name), Host: &ecstypes.HostVolumeProperties{SourcePath: aws.String("/srv/" + name)}}
	}
	const e5 = "ECS.5 containerDefinitions["
	setRO := func(name, was string, writable ...string) string {
		if len(writable) == 0 {
			writable = []string{"/tmp (default)"}
		}
		return e5 + name + "].readonlyRootFilesystem: set readonlyRootFilesystem to true (was " + was + "); stays writable: " + strings.Join(writable, ", ")
	}
	addVol := func(ctr, name, p string) string {
		return "ECS.5 volumes[" + name + "]: add task volume " + name + " (task storage, no host path) to keep " + p + " writable in container " + ctr + " alone"
	}
	mount := func(ctr, name, p, why string) string {
		return e5 + ctr + "].mountPoints[" + p + "]: mount volume " + name + " read-write at " + p + ": " + why
	}
	makeRW := func(ctr, vol, p string) string {
		return e5 + ctr + "].mountPoints[" + p + "]: make the mount of volume " + vol + " at " + p + " read-write (was read-only): default"
	}
	stays := func(ctr, vol, p string) string {
		return "container " + ctr + " mounts volume " + vol + " read-only at " + p + ", and the volume is not task storage: ecsfix leaves that mount as it is, so " + p + " stays read-only in that container"
	}
	const general = "with a read-only root filesystem a container can write only to its volumes: an application writing elsewhere fails; add such paths to fix.writable_paths"
	const cfg = "fix.writable_paths"
	tests := []struct {
		name    string
		mods    []tdMod
		paths   []string
		edits   []string
		notes   []string
		volumes []string
		mounts  []string
	}{
		{
			name: "only containers not read-only already: absent and false, after a read-only one; one volume each, never shared",
			mods: []tdMod{ctr("b", root(nil)), ctr("c", root(rw))},
			edits: []string{setRO("b", "absent"), setRO("c", "false"),
				addVol("b", "ecsfix-b-tmp", "/tmp"), mount("b", "ecsfix-b-tmp", "/tmp", "default"),
				addVol("c", "ecsfix-c-tmp", "/tmp"), mount("c", "ecsfix-c-tmp", "/tmp", "default")},
			notes:   []string{general},
			volumes: []string{"ecsfix-b-tmp", "ecsfix-c-tmp"},
			mounts:  []string{"-", "ecsfix-b-tmp@/tmp(rw)", "ecsfix-c-tmp@/tmp(rw)"},
		},
		{
			name: "existing mounts at /tmp: task storage made writable, other volumes noted, writable ones kept (a shared one stays shared)",
			mods: []tdMod{
				vols(hostVol("sock"), plain("scratch"), plain("scratch2")),
				ctrMod(0, root(nil, pinMount("scratch", "/tmp", ro))),
				ctr("b", root(nil, pinMount("sock", "/tmp/", ro))),
				ctr("c", root(nil, pinMount("scratch", "/tmp", rw))),
				ctr("d", root(nil, pinMount("scratch", "/tmp", ro), pinMount("scratch2", "/tmp", rw))),
				ctr("e", root(nil, pinMount("sock", "/tmp", ro), pinMount("scratch2", "/tmp", ro))),
				ctr("f", root(nil, pinMount("ghost", "/tmp", ro))),
				ctr("g", root(nil, pinMount("scratch", "/tmp", nil))),
			},
			edits: []string{setRO("app", "absent"), setRO("b", "absent"), setRO("c", "absent"), setRO("d", "absent"), setRO("e", "absent"),
				setRO("f", "absent"), setRO("g", "absent"), makeRW("app", "scratch", "/tmp")},
			notes:   []string{stays("b", "sock", "/tmp"), stays("e", "sock", "/tmp"), stays("f", "ghost", "/tmp"), general},
			volumes: []string{"sock", "scratch", "scratch2"},
			mounts: []string{"scratch@/tmp(rw)", "sock@/tmp/(ro)", "scratch@/tmp(rw)", "scratch@/tmp(ro),scratch2@/tmp(rw)",
				"sock@/tmp(ro),scratch2@/tmp(ro)", "ghost@/tmp(ro)", "scratch@/tmp"},
		},
		{
			name:    "several paths: one already writable, the next still kept",
			mods:    []tdMod{vols(plain("scratch")), ctrMod(0, root(nil, pinMount("scratch", "/tmp", rw)))},
			paths:   []string{"/tmp", "/var/cache/"},
			edits:   []string{setRO("app", "absent", "/tmp (fix.writable_paths)", "/var/cache (fix.writable_paths)"), addVol("app", "ecsfix-app-var-cache", "/var/cache"), mount("app", "ecsfix-app-var-cache", "/var/cache", cfg)},
			notes:   []string{general},
			volumes: []string{"scratch", "ecsfix-app-var-cache"},
			mounts:  []string{"scratch@/tmp(rw),ecsfix-app-var-cache@/var/cache(rw)"},
		},
		{
			name:    "a plain volume of the name is reused",
			mods:    []tdMod{vols(plain("ecsfix-app-tmp")), ctrMod(0, root(nil))},
			edits:   []string{setRO("app", "absent"), mount("app", "ecsfix-app-tmp", "/tmp", "default")},
			notes:   []string{general},
			volumes: []string{"ecsfix-app-tmp"},
			mounts:  []string{"ecsfix-app-tmp@/tmp(rw)"},
		},
		{
			name: "a host volume without source path is plain, reused",
			mods: []tdMod{vols(plain("x"), ecstypes.Volume{Name: aws.String("ecsfix-app-tmp"), Host: &ecstypes.HostVolumeProperties{}}),
				ctrMod(0, root(nil))},
			edits:   []string{setRO("app", "absent"), mount("app", "ecsfix-app-tmp", "/tmp", "default")},
			notes:   []string{general},
			volumes: []string{"x", "ecsfix-app-tmp"},
			mounts:  []string{"ecsfix-app-tmp@/tmp(rw)"},
		},
		{
			name:    "a host-path volume of the name: the next name",
			mods:    []tdMod{vols(hostVol("ecsfix-app-tmp")), ctrMod(0, root(nil))},
			edits:   []string{setRO("app", "absent"), addVol("app", "ecsfix-app-tmp-2", "/tmp"), mount("app", "ecsfix-app-tmp-2", "/tmp", "default")},
			notes:   []string{general},
			volumes: []string{"ecsfix-app-tmp", "ecsfix-app-tmp-2"},
			mounts:  []string{"ecsfix-app-tmp-2@/tmp(rw)"},
		},
		{
			name: "EFS, Docker, FSx and configured-at-launch volumes of the names are not plain",
			mods: []tdMod{vols(
				ecstypes.Volume{Name: aws.String("ecsfix-app-tmp"), EfsVolumeConfiguration: &ecstypes.EFSVolumeConfiguration{FileSystemId: aws.String("fs-1"), TransitEncryption: ecstypes.EFSTransitEncryptionEnabled}},
				ecstypes.Volume{Name: aws.String("ecsfix-app-tmp-2"), DockerVolumeConfiguration: &ecstypes.DockerVolumeConfiguration{Driver: aws.String("local")}},
				ecstypes.Volume{Name: aws.String("ecsfix-app-tmp-3"), FsxWindowsFileServerVolumeConfiguration: &ecstypes.FSxWindowsFileServerVolumeConfiguration{FileSystemId: aws.String("fs-2"), RootDirectory: aws.String(`\`)}},
				ecstypes.Volume{Name: aws.String("ecsfix-app-tmp-4"), ConfiguredAtLaunch: aws.Bool(true)},
			), ctrMod(0, root(nil))},
			edits:   []string{setRO("app", "absent"), addVol("app", "ecsfix-app-tmp-5", "/tmp"), mount("app", "ecsfix-app-tmp-5", "/tmp", "default")},
			notes:   []string{general},
			volumes: []string{"ecsfix-app-tmp", "ecsfix-app-tmp-2", "ecsfix-app-tmp-3", "ecsfix-app-tmp-4", "ecsfix-app-tmp-5"},
			mounts:  []string{"ecsfix-app-tmp-5@/tmp(rw)"},
		},
		{
			name:  "volume names from container and path: letters, digits, _ and - kept, others replaced; / is never a mount path",
			mods:  []tdMod{pinFamily(ecstypes.OSFamilyLinux), ctrMod(0, root(nil))},
			paths: []string{"/", "/az-AZ_09", "/`{@[:/x"},
			edits: []string{setRO("app", "absent", "/az-AZ_09 ("+cfg+")", "/`{@[:/x ("+cfg+")"),
				addVol("app", "ecsfix-app-az-AZ_09", "/az-AZ_09"), mount("app", "ecsfix-app-az-AZ_09", "/az-AZ_09", cfg),
				addVol("app", "ecsfix-app-------x", "/`{@[:/x"), mount("app", "ecsfix-app-------x", "/`{@[:/x", cfg)},
			notes:   []string{general},
			volumes: []string{"ecsfix-app-az-AZ_09", "ecsfix-app-------x"},
			mounts:  []string{"ecsfix-app-az-AZ_09@/az-AZ_09(rw),ecsfix-app-------x@/`{@[:/x(rw)"},
		},
		{
			name:    "a long path's volume name is cut at 200 characters",
			mods:    []tdMod{ctrMod(0, root(nil))},
			paths:   []string{"/" + strings.Repeat("a", 150) + "/" + strings.Repeat("b", 60)},
			edits:   nil, // checked below
			volumes: []string{"ecsfix-app-" + strings.Repeat("a", 150) + "-" + strings.Repeat("b", 45)},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := pinPlan(t, []detect.TaskDefinition{bTD("web", 1, tc.mods...)}, func(o *Options) { o.WritablePaths = tc.paths })
			a := pinOnlyRegistration(t, p)
			var vols []string
			for _, v := range afterInput(t, a).Volumes {
				vols = append(vols, aws.ToString(v.Name))
			}
			pinSameLines(t, "volumes after", vols, tc.volumes)
			if tc.edits == nil {
				return
			}
			pinSameLines(t, "edits", pinEdits(a), tc.edits)
			pinSameLines(t, "notes", a.Notes, tc.notes)
			pinSameLines(t, "mounts after", pinMounts(t, a), tc.mounts)
			// the fixture's images (example/NAME) are unknown: each read-only-root edit says so, high
			for _, e := range a.RegisterTaskDefinition.Edits {
				if strings.HasSuffix(e.Path, ".readonlyRootFilesystem") != (e.Risk == RiskHigh && strings.Contains(e.Why, "are unknown (not a well-known image")) {
					t.Errorf("edit %s: risk %q why %q", e.Path, e.Risk, e.Why)
				}
			}
			for i, c := range afterInput(t, a).ContainerDefinitions {
				if !aws.ToBool(c.ReadonlyRootFilesystem) {
					t.Errorf("container %d root not read-only after", i)
				}
			}
		})
	}
}

func TestRemedyECS5Windows(t *testing.T) {
	for _, f := range []ecstypes.OSFamily{ecstypes.OSFamilyWindowsServer2022Core, ecstypes.OSFamilyWindowsServer2019Full} {
		t.Run(string(f), func(t *testing.T) {
			// the detector does not evaluate ECS.5 on Windows: the result is forged
			in := bInventory([]detect.TaskDefinition{bTD("web", 1, pinFamily(f), ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.ReadonlyRootFilesystem = nil }))}, nil)
			p, err := Build(in, pinResults(in, "ECS.5", bTDArn("web", 1)), bOptions())
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Actions) != 0 {
				t.Errorf("actions %+v", p.Actions)
			}
			want := "operatingSystemFamily is " + string(f) + ": Windows containers do not support readonlyRootFilesystem"
			found := false
			for _, s := range p.Skipped {
				found = found || (s.Control == "ECS.5" && s.Resource == bTDArn("web", 1) && s.Reason == want)
			}
			if !found {
				t.Errorf("skipped %+v", p.Skipped)
			}
		})
	}
}

// TestRemedyECS5Services pins what ECS.5 records about the services that run the revision: one
// precondition each on enableExecuteCommand, and a note for each that has ECS Exec on.
func TestRemedyECS5Services(t *testing.T) {
	td := bTD("web", 1, ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.ReadonlyRootFilesystem = aws.Bool(false) }))
	exec := func(s *ecstypes.Service) { s.EnableExecuteCommand = true }
	in := bInventory([]detect.TaskDefinition{td}, []ecstypes.Service{bSvc("api", td.ARN(), exec), bSvc("web", td.ARN()), bSvc("zed", td.ARN(), exec)})
	p := buildPlan(t, in, bOptions())
	regs := actionsOf(p, RegisterTaskDefinition)
	if len(regs) != 1 {
		t.Fatalf("actions %+v", p.Actions)
	}
	a := regs[0]
	var pre []string
	for _, pc := range a.Preconditions {
		if strings.HasSuffix(pc.Check, "enableExecuteCommand") {
			pre = append(pre, pc.Check+"="+pc.Result)
		}
	}
	pinSameLines(t, "preconditions", pre, []string{"service api enableExecuteCommand=true", "service web enableExecuteCommand=false", "service zed enableExecuteCommand=true"})
	var notes []string
	for _, n := range a.Notes {
		if strings.Contains(n, "ECS Exec") {
			notes = append(notes, n)
		}
	}
	execNote := func(svc string) string {
		return "service " + svc + " has ECS Exec enabled (enableExecuteCommand): ECS Exec needs a writable root filesystem, so `aws ecs execute-command` stops working on its tasks"
	}
	pinSameLines(t, "ECS Exec notes", notes, []string{execNote("api"), execNote("zed")})
}
