package plan

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// The read-only-root fix (ECS.5) re-derived at apply time: its writable paths and its edits' risks come
// from the image table, the images read then and the applier's fix.writable_paths, never from the plan.

// ecs5Plan plans ECS.5 alone for one revision whose container runs image, with the writable paths given.
func ecs5Plan(t *testing.T, image string, images map[string]detect.ImageConfig, paths ...string) (*Plan, *Action, *detect.TaskDefinition, Options) {
	t.Helper()
	td := bTD("web", 1, ctrMod(0, func(c *ecstypes.ContainerDefinition) {
		c.Image, c.ReadonlyRootFilesystem = aws.String(image), nil
	}))
	in := bInventory([]detect.TaskDefinition{td}, nil)
	in.Images = images
	o := bOptions(func(o *Options) { o.Fix, o.WritablePaths = []string{detect.ECS5ID}, paths })
	p := buildPlan(t, in, o)
	regs := actionsOf(p, RegisterTaskDefinition)
	if len(regs) != 1 {
		t.Fatalf("registrations %+v (skipped %+v)", regs, p.Skipped)
	}
	for i := range p.Actions {
		if p.Actions[i].ID == regs[0].ID {
			return p, &p.Actions[i], &in.TaskDefinitions[0], o
		}
	}
	t.Fatal("no registration")
	return nil, nil, nil, o
}

// cloneReg copies a registration action deeply enough to edit its edits and After.
func cloneReg(a *Action) *Action {
	b := *a
	c := *a.RegisterTaskDefinition
	c.Edits = append([]Edit(nil), c.Edits...)
	c.After = append([]byte(nil), c.After...)
	b.RegisterTaskDefinition = &c
	return &b
}

// stripRisks removes the edits' own risks (an edited plan passing a high-risk edit for ECS.5's default).
func stripRisks(edits []Edit) {
	for i := range edits {
		edits[i].Risk, edits[i].Why = "", ""
	}
}

// mountScratch adds to After (and the edits) an empty task volume mounted read-write at p in container 0.
func mountScratch(t *testing.T, a *Action, p string) {
	t.Helper()
	c := a.RegisterTaskDefinition
	var after map[string]any
	if err := json.Unmarshal(c.After, &after); err != nil {
		t.Fatal(err)
	}
	cds := after["containerDefinitions"].([]any)
	c0 := cds[0].(map[string]any)
	name := c0["name"].(string)
	vol := "ecsfix-" + name + "-" + strings.Trim(p, "/")
	mps, _ := c0["mountPoints"].([]any)
	c0["mountPoints"] = append(mps, map[string]any{"sourceVolume": vol, "containerPath": p, "readOnly": false})
	vols, _ := after["volumes"].([]any)
	after["volumes"] = append(vols, map[string]any{"name": vol})
	b, err := json.Marshal(after)
	if err != nil {
		t.Fatal(err)
	}
	c.After = b
	c.Edits = append(c.Edits,
		Edit{Control: detect.ECS5ID, Path: "volumes[" + vol + "]", Change: "add task volume " + vol},
		Edit{Control: detect.ECS5ID, Path: "containerDefinitions[" + name + "].mountPoints[" + p + "]", Change: "mount volume " + vol + " read-write at " + p})
}

func TestRederiveECS5RiskAndPaths(t *testing.T) {
	const unknown = "ghcr.io/acme/billing:1"
	p, a, src, o := ecs5Plan(t, unknown, nil)
	st := func(cfg *ConfiguredValues, images map[string]detect.ImageConfig) *ReadState {
		return &ReadState{TaskDefinitions: map[string]*detect.TaskDefinition{src.ARN(): src}, Config: cfg, Images: images}
	}
	if p.EffectiveRisk(*a, nil) != RiskHigh {
		t.Fatalf("an unknown image's read-only root is %s, want high", p.EffectiveRisk(*a, nil))
	}
	if err := p.Rederive(a, st(o.ConfiguredValues(), nil)); err != nil {
		t.Fatalf("the plan as made is refused: %v", err)
	}

	// The edit's risk and why removed: the action would pass for ECS.5's medium. Refused.
	stripped := cloneReg(a)
	stripRisks(stripped.RegisterTaskDefinition.Edits)
	stripped.Risk = RiskMedium
	wantRefused(t, p.Rederive(stripped, st(o.ConfiguredValues(), nil)), a.ID, "containerDefinitions[app].readonlyRootFilesystem", "the paths image "+unknown+" writes are unknown")

	// An empty task volume mounted over /etc (which would hide the image's files), with edits saying
	// so: the writable paths are not the plan's to give. Refused.
	forged := cloneReg(a)
	mountScratch(t, forged, "/etc")
	var re *RederiveError
	if err := p.Rederive(forged, st(o.ConfiguredValues(), nil)); err == nil || !strings.Contains(err.Error(), "differs") {
		t.Errorf("a scratch volume over /etc: %v", err)
	} else if !asRederive(err, &re) || !strings.Contains(re.Path, "mountPoints") && !strings.Contains(re.Path, "volumes") {
		t.Errorf("a scratch volume over /etc refused at %v", err)
	}

	// The applier's fix.writable_paths decide: the plan's /var/cache/app is refused by an applier
	// configured with the default, and by one with no configuration; accepted by one configured alike.
	p2, a2, src2, o2 := ecs5Plan(t, unknown, nil, "/tmp", "/var/cache/app")
	st2 := func(cfg *ConfiguredValues) *ReadState {
		return &ReadState{TaskDefinitions: map[string]*detect.TaskDefinition{src2.ARN(): src2}, Config: cfg}
	}
	if err := p2.Rederive(a2, st2(o2.ConfiguredValues())); err != nil {
		t.Errorf("configured alike: %v", err)
	}
	if err := p2.Rederive(a2, st2(o.ConfiguredValues())); err == nil {
		t.Error("a plan keeping /var/cache/app writable passes an applier configured with /tmp alone")
	}
	if err := p2.Rederive(a2, st2(nil)); err == nil {
		t.Error("a plan keeping /var/cache/app writable passes an applier with no configuration")
	}
	if got := o2.ConfiguredValues().WritablePaths; strings.Join(got, ",") != "/tmp,/var/cache/app" {
		t.Errorf("ConfiguredValues().WritablePaths = %v", got)
	}
}

// An image whose configuration was read from ECR when planning (a declared VOLUME) is re-derived from
// the configuration read at apply time: unread now, the edit is an unknown image's (high), which a plan
// rating it low does not pass; read now with another VOLUME, the paths differ.
func TestRederiveECS5ImagesReadAtApply(t *testing.T) {
	const image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1"
	read := map[string]detect.ImageConfig{image: {Image: image, Digest: "sha256:" + strings.Repeat("0", 64), OS: "linux", Architecture: "amd64", Volumes: []string{"/data"}}}
	p, a, src, o := ecs5Plan(t, image, read)
	if p.EffectiveRisk(*a, nil) == RiskHigh {
		t.Fatalf("a read image's read-only root is high: %+v", a.RegisterTaskDefinition.Edits)
	}
	if !strings.Contains(string(a.RegisterTaskDefinition.After), `"/data"`) {
		t.Fatalf("the declared VOLUME is not kept writable: %s", a.RegisterTaskDefinition.After)
	}
	st := func(images map[string]detect.ImageConfig) *ReadState {
		return &ReadState{TaskDefinitions: map[string]*detect.TaskDefinition{src.ARN(): src}, Config: o.ConfiguredValues(), Images: images}
	}
	if err := p.Rederive(a, st(read)); err != nil {
		t.Fatalf("the image read alike: %v", err)
	}
	if err := p.Rederive(a, st(nil)); err == nil {
		t.Error("the image unread at apply time: the plan's low-risk edit passes")
	}
	other := map[string]detect.ImageConfig{image: read[image]}
	cfg := other[image]
	cfg.Volumes = []string{"/srv"}
	other[image] = cfg
	if err := p.Rederive(a, st(other)); err == nil {
		t.Error("the image now declares another VOLUME: the plan's paths pass")
	}
}

// A service moved to a revision an earlier plan registered re-derives that revision with the action's
// edits: the same checks hold (an unknown image's edit stripped of its risk is refused).
func TestRederiveECS5MoveToExistingRevision(t *testing.T) {
	td := bTD("web", 1, ctrMod(0, func(c *ecstypes.ContainerDefinition) {
		c.Image, c.ReadonlyRootFilesystem = aws.String("ghcr.io/acme/billing:1"), nil
	}))
	in := bInventory([]detect.TaskDefinition{td}, []ecstypes.Service{bSvc("web", bTDArn("web", 1))})
	o := bOptions(func(o *Options) { o.Fix = []string{detect.ECS5ID} })
	applied := applyPlan(t, in, buildPlan(t, in, o))
	applied.Services[0].TaskDefinition = aws.String(bTDArn("web", 1))
	p := buildPlan(t, applied, o)
	var a *Action
	for i := range p.Actions {
		if p.Actions[i].Type == UpdateService {
			a = &p.Actions[i]
		}
	}
	if a == nil || a.UpdateService.After.TaskDefinition != bTDArn("web", 2) || len(actionsOf(p, RegisterTaskDefinition)) != 0 {
		t.Fatalf("re-plan: %+v", p.Actions)
	}
	st := &ReadState{TaskDefinitions: map[string]*detect.TaskDefinition{}, Services: map[string]ServiceSettings{}, Config: o.ConfiguredValues()}
	for _, s := range applied.Services {
		st.Services[aws.ToString(s.ServiceArn)] = ServiceSettings{TaskDefinition: bTDArn("web", 1), PlatformVersion: aws.ToString(s.PlatformVersion)}
	}
	for _, arn := range []string{bTDArn("web", 1), bTDArn("web", 2)} {
		got, ok := applied.TaskDefinition(arn)
		if !ok {
			t.Fatalf("%s not in the inventory", arn)
		}
		st.TaskDefinitions[arn] = got
	}
	if err := p.Rederive(a, st); err != nil {
		t.Fatalf("the legitimate move: %v", err)
	}
	stripRisks(a.UpdateService.Edits)
	wantRefused(t, p.Rederive(a, st), a.ID, "updateService.after.taskDefinition", "the paths image ghcr.io/acme/billing:1 writes are unknown")
}

func asRederive(err error, re **RederiveError) bool {
	r, ok := err.(*RederiveError)
	if ok {
		*re = r
	}
	return ok
}

// The move to a newer image rates its edit high; a plan whose edit says otherwise is refused.
func TestRederiveImageMoveEditRisk(t *testing.T) {
	in := vulnInventory(vulnCandidates)
	p := buildPlan(t, in, bOptions(vulnOpts(true)))
	regs := actionsOf(p, RegisterTaskDefinition)
	if len(regs) != 1 {
		t.Fatalf("registrations: %+v (skipped %+v)", regs, p.Skipped)
	}
	a := cloneReg(&regs[0])
	src := in.TaskDefinitions[0]
	st := &ReadState{TaskDefinitions: map[string]*detect.TaskDefinition{src.ARN(): &src}, ImageFindings: in.Vulnerabilities,
		Config: &ConfiguredValues{UpgradeVulnerableImages: true}}
	if err := p.Rederive(a, st); err != nil {
		t.Fatalf("the plan as made is refused: %v", err)
	}
	stripRisks(a.RegisterTaskDefinition.Edits)
	wantRefused(t, p.Rederive(a, st), a.ID, "containerDefinitions[app].image", "re-derived from what was read now it is high")
}
