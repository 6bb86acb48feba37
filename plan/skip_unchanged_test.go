package plan

// Tests that a remedy which skips leaves the revision's registration input as it was (issue: a skipped
// ECS.5 left readonlyRootFilesystem set on the registration another fix created).

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

func TestSkippedRemedyLeavesInputUnchanged(t *testing.T) {
	writableRoot := ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.ReadonlyRootFilesystem = aws.Bool(false) })
	windows := func(td *detect.TaskDefinition) {
		td.RuntimePlatform = &ecstypes.RuntimePlatform{OperatingSystemFamily: ecstypes.OSFamilyWindowsServer2019Core}
	}
	placeholderMount := func(td *detect.TaskDefinition) {
		td.Volumes = append(td.Volumes, ecstypes.Volume{Name: aws.String("data")})
		td.ContainerDefinitions[0].MountPoints = append(td.ContainerDefinitions[0].MountPoints,
			ecstypes.MountPoint{SourceVolume: aws.String("data"), ContainerPath: aws.String("${DATA_PATH}")})
	}
	hostNetwork := func(td *detect.TaskDefinition) { td.NetworkMode = ecstypes.NetworkModeHost }
	readOnlyHostPath := func(td *detect.TaskDefinition) {
		td.Volumes = append(td.Volumes, ecstypes.Volume{Name: aws.String("logs"), Host: &ecstypes.HostVolumeProperties{SourcePath: aws.String("/var/log")}})
		td.ContainerDefinitions[0].MountPoints = append(td.ContainerDefinitions[0].MountPoints,
			ecstypes.MountPoint{SourceVolume: aws.String("logs"), ContainerPath: aws.String("/logs"), ReadOnly: aws.Bool(true)})
	}
	twiceSecret := ctrMod(0, func(c *ecstypes.ContainerDefinition) {
		c.Environment = []ecstypes.KeyValuePair{{Name: aws.String("DB_PASSWORD"), Value: aws.String("a")}, {Name: aws.String("DB_PASSWORD"), Value: aws.String("b")}}
	})
	rootUser := ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.User = nil })
	noUser := func(o *Options) { o.LinuxUser, o.WindowsUser = "", "" }
	tests := []struct {
		name, fix string
		td        detect.TaskDefinition
		opts      []func(*Options)
		skip      string
	}{
		{"ECS.5 Windows", detect.ECS5ID, bTD("web", 3, writableRoot, windows), nil, "Windows"},
		{"ECS.5 templated mount path", detect.ECS5ID, bTD("web", 3, writableRoot, placeholderMount), nil, "DATA_PATH"},
		{"ECS.17 host network on FARGATE", detect.ECS17ID, bTD("web", 3, hostNetwork), nil, "FARGATE"},
		{"ECS.20 no user configured", detect.ECS20ID, bTD("web", 3, rootUser), []func(*Options){noUser}, "no non-root Linux user"},
		{"host path mounted read-only", detect.ExposureHostPathVolumeID, bTD("web", 3, readOnlyHostPath), nil, "already mounted read-only"},
		{"ECS.8 variable twice", detect.ECS8ID, bTD("web", 3, twiceSecret), nil, "twice"},
		{"ECS.9 no execution role", detect.ECS9ID, bTD("web", 3, noLogsAt(0)), nil, "execution_role"},
		{"vulnerable image, remedy off", detect.ExposureVulnerabilitiesID, bTD("web", 3), nil, "fix.vulnerabilities.upgrade_image"},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fix remedy
			for _, r := range remedies() {
				if r.ID == tt.fix {
					fix = r
				}
			}
			if fix.Apply == nil {
				t.Fatalf("no revision remedy %s", tt.fix)
			}
			seen[fix.ID] = true
			in := bInventory([]detect.TaskDefinition{tt.td}, nil)
			ctx := &revisionContext{inv: in, source: &in.TaskDefinitions[0], opts: bOptions(tt.opts...)}
			before := RegisterInput(&in.TaskDefinitions[0])
			w := &revisionWork{ctx: ctx}
			out, err := w.apply(fix)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.Skip, tt.skip) {
				t.Fatalf("skip = %q, want it to name %q (edits %+v)", out.Skip, tt.skip, out.Edits)
			}
			kept, err := w.input()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(kept, before) {
				t.Errorf("a skipped %s changed the registration input:\nbefore %+v\nafter  %+v", fix.ID, before, kept)
			}
		})
	}
	// every revision remedy that can skip is covered (ECS.3, ECS.4 and ECS.18 never skip)
	for _, r := range remedies() {
		if r.Edits == editsRevision && !seen[r.ID] && r.ID != detect.ECS3ID && r.ID != detect.ECS4ID && r.ID != detect.ECS18ID {
			t.Errorf("remedy %s has no skip case", r.ID)
		}
	}
}

// fixECS5 itself refuses before its first change (a templated mount path).
func TestECS5RefusesBeforeChanging(t *testing.T) {
	td := bTD("web", 3, ctrMod(0, func(c *ecstypes.ContainerDefinition) {
		c.ReadonlyRootFilesystem = aws.Bool(false)
		c.MountPoints = []ecstypes.MountPoint{{SourceVolume: aws.String("data"), ContainerPath: aws.String("${DATA_PATH}")}}
	}))
	td.Volumes = []ecstypes.Volume{{Name: aws.String("data")}}
	ctx := &revisionContext{inv: bInventory([]detect.TaskDefinition{td}, nil), source: &td, opts: bOptions()}
	input := RegisterInput(&td)
	before := deepCopy(input)
	if out := fixECS5(ctx, input); out.Skip == "" {
		t.Fatalf("fixECS5 did not skip: %+v", out.Edits)
	}
	if !reflect.DeepEqual(input, before) {
		t.Errorf("fixECS5 changed the input before skipping: %+v", input.ContainerDefinitions[0])
	}
}

// ECS.4 and ECS.5 asked together on a revision whose mount path is templated: the registration ECS.4
// creates carries no ECS.5 change, the plan validates and re-derives.
func TestECS4WithSkippedECS5(t *testing.T) {
	td := bTD("web", 3, ctrMod(0, func(c *ecstypes.ContainerDefinition) {
		c.Privileged = aws.Bool(true)
		c.ReadonlyRootFilesystem = aws.Bool(false)
		c.MountPoints = []ecstypes.MountPoint{{SourceVolume: aws.String("data"), ContainerPath: aws.String("${DATA_PATH}")}}
	}))
	td.Volumes = []ecstypes.Volume{{Name: aws.String("data")}}
	in := bInventory([]detect.TaskDefinition{td}, []ecstypes.Service{bSvc("web", bTDArn("web", 3))})
	p := buildPlan(t, in, bOptions(func(o *Options) { o.Fix = []string{detect.ECS4ID, detect.ECS5ID} }))
	if !hasSkipped(p, detect.ECS5ID, bTDArn("web", 3), "DATA_PATH") {
		t.Errorf("ECS.5 not skipped for the templated mount path: %+v", p.Skipped)
	}
	var reg *Action
	for i := range p.Actions {
		if p.Actions[i].Type == RegisterTaskDefinition {
			reg = &p.Actions[i]
		}
	}
	if reg == nil {
		t.Fatalf("no registration: %+v", p.Actions)
	}
	after := afterInput(t, *reg)
	c := after.ContainerDefinitions[0]
	if aws.ToBool(c.Privileged) {
		t.Errorf("ECS.4 not applied: privileged %v", aws.ToBool(c.Privileged))
	}
	if aws.ToBool(c.ReadonlyRootFilesystem) || len(after.Volumes) != 1 {
		t.Errorf("the skipped ECS.5 changed the registration: readonlyRootFilesystem %v, volumes %d", aws.ToBool(c.ReadonlyRootFilesystem), len(after.Volumes))
	}
	for _, e := range reg.RegisterTaskDefinition.Edits {
		if e.Control == detect.ECS5ID {
			t.Errorf("ECS.5 edit in the registration: %+v", e)
		}
	}
}

// A remedy that changes the input and then skips (or reports no edit) leaves nothing in the revision:
// revisionWork makes the input again from the source with the remedies kept so far, whose edits stay.
func TestRevisionWorkDropsHalfEdits(t *testing.T) {
	td := bTD("web", 3)
	in := bInventory([]detect.TaskDefinition{td}, nil)
	ctx := &revisionContext{inv: in, source: &in.TaskDefinitions[0], opts: bOptions()}
	setCPU := func(cpu string) remedy {
		return remedy{ID: "set-" + cpu, Apply: func(_ *revisionContext, in *ecs.RegisterTaskDefinitionInput) fixOutcome {
			in.Cpu = aws.String(cpu)
			return fixOutcome{Edits: []Edit{{Control: "X", Path: "cpu", Change: cpu}}}
		}}
	}
	halfThenSkip := remedy{ID: "half", Apply: func(_ *revisionContext, in *ecs.RegisterTaskDefinitionInput) fixOutcome {
		in.Memory = aws.String("999")
		in.ContainerDefinitions[0].Image = aws.String("changed")
		return fixOutcome{Skip: "changed its mind"}
	}}
	halfNoEdit := remedy{ID: "quiet", Apply: func(_ *revisionContext, in *ecs.RegisterTaskDefinitionInput) fixOutcome {
		in.PidMode = ecstypes.PidModeHost
		return fixOutcome{}
	}}
	w := &revisionWork{ctx: ctx}
	for _, r := range []remedy{setCPU("256"), halfThenSkip, setCPU("512"), halfNoEdit} {
		if _, err := w.apply(r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := w.input()
	if err != nil {
		t.Fatal(err)
	}
	want := RegisterInput(&in.TaskDefinitions[0])
	want.Cpu = aws.String("512")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the input holds what a remedy that did not fix changed:\ngot  %+v\nwant %+v", got, want)
	}

	// a remedy that, applied again, makes other edits is an error, not a silently different revision
	calls := 0
	drifting := remedy{ID: "drifting", Apply: func(_ *revisionContext, in *ecs.RegisterTaskDefinitionInput) fixOutcome {
		calls++
		in.Cpu = aws.String("1024")
		return fixOutcome{Edits: []Edit{{Control: "X", Path: "cpu", Change: strings.Repeat("again ", calls)}}}
	}}
	w = &revisionWork{ctx: ctx}
	for _, r := range []remedy{drifting, halfThenSkip} {
		if _, err := w.apply(r); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.input(); err == nil || !strings.Contains(err.Error(), "drifting") {
		t.Errorf("a remedy making other edits when applied again: err = %v", err)
	}
}
