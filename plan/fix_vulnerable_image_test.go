package plan

// The opt-in vulnerabilities remedy: a container whose image has CRITICAL/HIGH or network-exploitable
// findings moves to the newest newer image of its repository that Inspector reports, scanned, without
// CRITICAL or HIGH findings, pinned by digest (high risk, why given); none clean, or the remedy off, is
// "Not fixed" with why. At apply time the pick is re-derived from what the applier reads again: a plan
// edited to another image, a candidate that gained findings, or an applier that did not opt in or did not
// read the images is refused.

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

const (
	vulnRepo = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/app"
	vulnRef  = vulnRepo + ":1.0"
)

func vDigest(c string) string { return "sha256:" + strings.Repeat(c, 64) }

// vulnInventory is service web running web:1, whose container runs vulnRef with a CRITICAL finding;
// newer lists the newer images read.
func vulnInventory(newer []detect.ImageCandidate) *detect.Inventory {
	td := bTD("web", 1, ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.Image = aws.String(vulnRef) }))
	in := bInventory([]detect.TaskDefinition{td}, []ecstypes.Service{bSvc("web", bTDArn("web", 1))})
	v := detect.ImageVulnerabilities{Image: vulnRef, Repository: "shop/app", Registry: "123456789012", Region: "eu-west-1",
		Digest: vDigest("1"), PushedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Source: detect.VulnSourceInspector, Newer: newer}
	v.Add(detect.VulnFinding{ID: "CVE-2024-1", Severity: "CRITICAL", NetworkExploitable: true, FixAvailable: true})
	in.Vulnerabilities = map[string]detect.ImageVulnerabilities{vulnRef: v}
	return in
}

func candidate(d string, day int, status string, counts map[string]int) detect.ImageCandidate {
	return detect.ImageCandidate{Digest: vDigest(d), PushedAt: time.Date(2026, 2, day, 0, 0, 0, 0, time.UTC), ScanStatus: status, Counts: counts, Tags: []string{"1." + d},
		MediaType: "application/vnd.docker.distribution.manifest.v2+json", ArtifactMediaType: "application/vnd.docker.container.image.v1+json", Platforms: []string{"linux/amd64"}}
}

// newest first, as the scan reads them: 4 has a HIGH finding, 3 was never scanned, 2 and 1 are clean.
var vulnCandidates = []detect.ImageCandidate{
	candidate("4", 4, "ACTIVE", map[string]int{"HIGH": 1}),
	candidate("3", 3, "", map[string]int{}),
	candidate("2", 2, "ACTIVE", map[string]int{"MEDIUM": 2}),
	candidate("1", 1, "COMPLETE", map[string]int{}),
}

func vulnOpts(on bool) func(*Options) {
	return func(o *Options) {
		o.Fix = []string{detect.ExposureVulnerabilitiesID}
		o.UpgradeVulnerableImages = on
	}
}

func skippedReasonOf(p *Plan, control string) string {
	for _, s := range p.Skipped {
		if s.Control == control {
			return s.Reason
		}
	}
	return ""
}

func TestRemedyVulnerableImagePicksNewestClean(t *testing.T) {
	in := vulnInventory(vulnCandidates)
	p := buildPlan(t, in, bOptions(vulnOpts(true)))
	regs := actionsOf(p, RegisterTaskDefinition)
	if len(regs) != 1 {
		t.Fatalf("registrations: %+v (skipped %+v)", regs, p.Skipped)
	}
	a := regs[0]
	want := vulnRepo + "@" + vDigest("2")
	if got := aws.ToString(afterInput(t, a).ContainerDefinitions[0].Image); got != want {
		t.Errorf("image %s, want the newest clean, pinned: %s", got, want)
	}
	e := a.RegisterTaskDefinition.Edits
	if len(e) != 1 || e[0].Control != detect.ExposureVulnerabilitiesID || e[0].Path != "containerDefinitions[app].image" || e[0].Risk != RiskHigh ||
		!strings.Contains(e[0].Why, "another build") || !strings.Contains(e[0].Change, "1 CRITICAL") || !strings.Contains(e[0].Change, "Amazon Inspector: 2 MEDIUM") {
		t.Errorf("edits %+v", e)
	}
	if a.Risk != RiskHigh || !strings.Contains(joinNotes(a), "test that build before applying") {
		t.Errorf("risk %s, notes %q", a.Risk, a.Notes)
	}
	if len(actionsOf(p, UpdateService)) != 1 {
		t.Errorf("the service does not move to the new revision: %+v", p.Actions)
	}

	// Re-derived at apply time from what the applier reads again.
	src := in.TaskDefinitions[0]
	st := func(images map[string]detect.ImageVulnerabilities, on bool) *ReadState {
		return &ReadState{TaskDefinitions: map[string]*detect.TaskDefinition{src.ARN(): &src}, ImageFindings: images,
			Config: &ConfiguredValues{UpgradeVulnerableImages: on}}
	}
	if err := p.Rederive(&a, st(in.Vulnerabilities, true)); err != nil {
		t.Fatalf("the plan as made is refused: %v", err)
	}
	var re *RederiveError
	// An edited plan naming another image of the repository (the scanned-never 3) is refused.
	tampered := a
	tampered.RegisterTaskDefinition = new(RegisterTaskDefinitionChange)
	*tampered.RegisterTaskDefinition = *a.RegisterTaskDefinition
	tampered.RegisterTaskDefinition.After = []byte(strings.ReplaceAll(string(a.RegisterTaskDefinition.After), vDigest("2"), vDigest("3")))
	if err := p.Rederive(&tampered, st(in.Vulnerabilities, true)); !errors.As(err, &re) || !strings.Contains(err.Error(), "image") {
		t.Errorf("a plan edited to another image: %v", err)
	}
	// Checked again right before the write, without the state: only an image of the same repository
	// pinned by digest passes; another repository's, or a tag, is refused.
	if err := p.RebuildRegistration(&tampered, &src); err != nil {
		t.Errorf("same repository by digest, without the state: %v", err)
	}
	for _, other := range []string{"123456789012.dkr.ecr.eu-west-1.amazonaws.com/evil@" + vDigest("2"), vulnRepo + ":latest", "evil/app@" + vDigest("2")} {
		forged := tampered
		forged.RegisterTaskDefinition = new(RegisterTaskDefinitionChange)
		*forged.RegisterTaskDefinition = *a.RegisterTaskDefinition
		forged.RegisterTaskDefinition.After = []byte(strings.ReplaceAll(string(a.RegisterTaskDefinition.After), want, other))
		if err := p.RebuildRegistration(&forged, &src); !errors.As(err, &re) || re.Path != "containerDefinitions[app].image" {
			t.Errorf("image %s without the state: %v", other, err)
		}
	}
	// The candidate gained a HIGH finding since the plan: the next clean one is picked now, refused.
	gained := vulnInventory([]detect.ImageCandidate{vulnCandidates[0], vulnCandidates[1], candidate("2", 2, "ACTIVE", map[string]int{"HIGH": 1}), vulnCandidates[3]})
	if err := p.Rederive(&a, st(gained.Vulnerabilities, true)); !errors.As(err, &re) {
		t.Errorf("a candidate that gained a HIGH finding: %v", err)
	}
	// The applier did not opt in, did not read the image, or has no configuration.
	if err := p.Rederive(&a, st(in.Vulnerabilities, false)); !errors.As(err, &re) || !strings.Contains(err.Error(), "fix.vulnerabilities.upgrade_image") {
		t.Errorf("applier not opted in: %v", err)
	}
	if err := p.Rederive(&a, st(nil, true)); !errors.As(err, &re) || !strings.Contains(err.Error(), "was not read at apply time") {
		t.Errorf("images not read: %v", err)
	}
	noCfg := st(in.Vulnerabilities, true)
	noCfg.Config = nil
	if err := p.Rederive(&a, noCfg); !errors.As(err, &re) {
		t.Errorf("no configuration: %v", err)
	}
}

func TestRemedyVulnerableImageNotFixed(t *testing.T) {
	for _, tc := range []struct {
		name  string
		newer []detect.ImageCandidate
		on    bool
		want  []string
	}{
		{"off by default", vulnCandidates, false, []string{"fix.vulnerabilities.upgrade_image", "rebuild the image"}},
		{"none clean", []detect.ImageCandidate{vulnCandidates[0], vulnCandidates[1]}, true,
			[]string{`container "app": no tagged image of repository shop/app pushed after ` + vulnRef, vDigest("4") + ": 1 HIGH", vDigest("3") + ": not scanned", "rebuild the image"}},
		{"no newer image", []detect.ImageCandidate{}, true, []string{"(no newer image)"}},
		{"newer images not read", nil, true, []string{"the newer images of repository shop/app were not read"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := buildPlan(t, vulnInventory(tc.newer), bOptions(vulnOpts(tc.on)))
			if len(actionsOf(p, RegisterTaskDefinition)) != 0 {
				t.Fatalf("a registration was planned: %+v", p.Actions)
			}
			reason := skippedReasonOf(p, detect.ExposureVulnerabilitiesID)
			for _, w := range tc.want {
				if !strings.Contains(reason, w) {
					t.Errorf("Not fixed reason %q lacks %q", reason, w)
				}
			}
		})
	}
}

// A clean newer image is a candidate only when it is tagged, a container image (not an artifact) and was
// read to serve the task definition's platform; the pick keeps the source's registry host (FIPS). The same
// checks run at apply time: a plan made when a candidate fitted is refused once it is read not to.
func TestRemedyVulnerableImageCandidateFits(t *testing.T) {
	with := func(d string, day int, f func(*detect.ImageCandidate)) detect.ImageCandidate {
		c := candidate(d, day, "ACTIVE", map[string]int{})
		f(&c)
		return c
	}
	untagged := with("9", 9, func(c *detect.ImageCandidate) { c.Tags = nil })
	arm := with("8", 8, func(c *detect.ImageCandidate) {
		c.Platforms, c.PlatformWhy = nil, "linux/amd64: its configuration is for linux/arm64"
	})
	artifact := with("7", 7, func(c *detect.ImageCandidate) { c.ArtifactMediaType = "application/vnd.cncf.helm.config.v1+json" })
	unknownType := with("6", 6, func(c *detect.ImageCandidate) { c.MediaType = "" })
	fit := with("5", 5, func(*detect.ImageCandidate) {})
	index := with("4", 4, func(c *detect.ImageCandidate) {
		c.MediaType, c.ArtifactMediaType, c.Platforms = "application/vnd.oci.image.index.v1+json", "", []string{"linux/amd64", "linux/arm64"}
	})

	in := vulnInventory([]detect.ImageCandidate{untagged, arm, artifact, unknownType, fit})
	p := buildPlan(t, in, bOptions(vulnOpts(true)))
	regs := actionsOf(p, RegisterTaskDefinition)
	if len(regs) != 1 {
		t.Fatalf("registrations: %+v (skipped %+v)", regs, p.Skipped)
	}
	if got, want := aws.ToString(afterInput(t, regs[0]).ContainerDefinitions[0].Image), vulnRepo+"@"+vDigest("5"); got != want {
		t.Errorf("image %s, want the newest tagged image serving linux/amd64: %s", got, want)
	}
	// At apply time the same candidate is read not to serve the platform: refused.
	src := in.TaskDefinitions[0]
	st := func(newer []detect.ImageCandidate) *ReadState {
		return &ReadState{TaskDefinitions: map[string]*detect.TaskDefinition{src.ARN(): &src}, ImageFindings: vulnInventory(newer).Vulnerabilities,
			Config: &ConfiguredValues{UpgradeVulnerableImages: true}}
	}
	if err := p.Rederive(&regs[0], st([]detect.ImageCandidate{untagged, arm, artifact, unknownType, fit})); err != nil {
		t.Fatalf("the plan as made is refused: %v", err)
	}
	armNow := fit
	armNow.Platforms, armNow.PlatformWhy = nil, "linux/amd64: its configuration is for linux/arm64"
	var re *RederiveError
	if err := p.Rederive(&regs[0], st([]detect.ImageCandidate{armNow})); !errors.As(err, &re) {
		t.Errorf("a pick read at apply time not to serve the platform: %v", err)
	}

	// None fits: Not fixed, each candidate with why.
	p = buildPlan(t, vulnInventory([]detect.ImageCandidate{untagged, arm, artifact, unknownType}), bOptions(vulnOpts(true)))
	if len(actionsOf(p, RegisterTaskDefinition)) != 0 {
		t.Fatalf("a registration was planned: %+v", p.Actions)
	}
	reason := skippedReasonOf(p, detect.ExposureVulnerabilitiesID)
	for _, w := range []string{"serving linux/amd64", vDigest("9") + ": no findings; untagged", "its configuration is for linux/arm64",
		`artifact media type "application/vnd.cncf.helm.config.v1+json"`, vDigest("6") + ": no findings; not a container image"} {
		if !strings.Contains(reason, w) {
			t.Errorf("Not fixed reason %q lacks %q", reason, w)
		}
	}

	// An index serving the platform is pinned by the index's digest, on the source's FIPS host.
	fipsRef := "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/shop/app:1.0"
	in = vulnInventory([]detect.ImageCandidate{arm, index})
	v := in.Vulnerabilities[vulnRef]
	v.Image, v.Region = fipsRef, "us-east-1"
	in.Vulnerabilities = map[string]detect.ImageVulnerabilities{fipsRef: v}
	in.TaskDefinitions[0].ContainerDefinitions[0].Image = aws.String(fipsRef)
	p = buildPlan(t, in, bOptions(vulnOpts(true)))
	regs = actionsOf(p, RegisterTaskDefinition)
	if len(regs) != 1 {
		t.Fatalf("registrations: %+v (skipped %+v)", regs, p.Skipped)
	}
	if got, want := aws.ToString(afterInput(t, regs[0]).ContainerDefinitions[0].Image), "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/shop/app@"+vDigest("4"); got != want {
		t.Errorf("image %s, want the index pinned on the FIPS host: %s", got, want)
	}
	// Moved off the FIPS endpoint by an edited plan: refused without the state.
	src = in.TaskDefinitions[0]
	forged := regs[0]
	forged.RegisterTaskDefinition = new(RegisterTaskDefinitionChange)
	*forged.RegisterTaskDefinition = *regs[0].RegisterTaskDefinition
	forged.RegisterTaskDefinition.After = []byte(strings.ReplaceAll(string(regs[0].RegisterTaskDefinition.After), "dkr.ecr-fips.", "dkr.ecr."))
	if err := p.RebuildRegistration(&forged, &src); !errors.As(err, &re) || !strings.Contains(err.Error(), "same registry host") {
		t.Errorf("moved off the FIPS host: %v", err)
	}

	// An arm64 task definition: the index serves it, the amd64-only manifest does not.
	in = vulnInventory([]detect.ImageCandidate{fit, index})
	in.TaskDefinitions[0].RuntimePlatform = &ecstypes.RuntimePlatform{CpuArchitecture: ecstypes.CPUArchitectureArm64, OperatingSystemFamily: ecstypes.OSFamilyLinux}
	p = buildPlan(t, in, bOptions(vulnOpts(true)))
	regs = actionsOf(p, RegisterTaskDefinition)
	if len(regs) != 1 || aws.ToString(afterInput(t, regs[0]).ContainerDefinitions[0].Image) != vulnRepo+"@"+vDigest("4") {
		t.Errorf("arm64: %+v (skipped %+v)", regs, p.Skipped)
	}
}
