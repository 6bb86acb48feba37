package plan

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// Risk from content: the Risk label of a plan file does not decide approval.

func TestEffectiveRisk(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(p *Plan)
		overrides map[string]Risk
		id        string
		want      Risk
	}{
		{"registration relabelled low keeps its controls' risk", func(p *Plan) { p.Actions[0].Risk = RiskLow }, nil, "a1", RiskMedium},
		{"high registration relabelled low", func(p *Plan) { p.Actions[1].Risk = RiskLow }, nil, "a2", RiskHigh},
		{"override lowers the floor", func(p *Plan) { p.Actions[0].Risk = RiskLow }, map[string]Risk{"ECS.5": RiskLow}, "a1", RiskLow},
		{"override never lowers the label", nil, map[string]Risk{"ECS.5": RiskLow}, "a1", RiskMedium},
		{"an edit's control counts", func(p *Plan) {
			p.Actions[0].Risk = RiskLow
			p.Actions[0].RegisterTaskDefinition.Edits = append(p.Actions[0].RegisterTaskDefinition.Edits, Edit{Control: "ECS.4", Path: "x", Change: "y"})
		}, map[string]Risk{"ECS.5": RiskLow}, "a1", RiskHigh},
		{"registration without controls", func(p *Plan) {
			p.Actions[0].Risk, p.Actions[0].Controls, p.Actions[0].RegisterTaskDefinition.Edits = RiskLow, nil, nil
		}, nil, "a1", RiskHigh},
		{"registration with an unknown control", func(p *Plan) {
			p.Actions[0].Risk, p.Actions[0].Controls, p.Actions[0].RegisterTaskDefinition.Edits = RiskLow, []string{"ECS.99"}, nil
		}, nil, "a1", RiskHigh},
		{"service update takes its registration's risk", func(p *Plan) {
			p.Actions[0].Risk, p.Actions[2].Risk = RiskLow, RiskLow
		}, nil, "a3", RiskMedium},
		{"service update to a revision the plan does not register", func(p *Plan) {
			p.Actions[2].Risk, p.Actions[2].UpdateService.TaskDefinitionFrom, p.Actions[2].DependsOn = RiskLow, "", nil
		}, nil, "a3", RiskHigh},
		{"service update from a registration that is not in the plan", func(p *Plan) {
			p.Actions[2].Risk, p.Actions[2].UpdateService.TaskDefinitionFrom = RiskLow, "a9"
		}, nil, "a3", RiskHigh},
		{"platform LATEST is ECS.10's risk", nil, nil, "a4", RiskLow},
		{"platform LATEST with ECS.10 overridden", nil, map[string]Risk{"ecs.10": RiskMedium}, "a4", RiskMedium},
		{"platform other than LATEST", func(p *Plan) { p.Actions[3].UpdateService.After.PlatformVersion = "1.3.0" }, nil, "a4", RiskHigh},
		{"revision and platform: at least ECS.10's", func(p *Plan) {
			p.Actions[0].Risk, p.Actions[2].Risk = RiskLow, RiskLow
			p.Actions[2].UpdateService.After.PlatformVersion = "LATEST"
		}, map[string]Risk{"ECS.5": RiskLow, "ECS.10": RiskMedium}, "a3", RiskMedium},
		{"container insights enabled", nil, nil, "a5", RiskLow},
		{"container insights enhanced", func(p *Plan) { p.Actions[4].UpdateClusterSettings.After[0].Value = "enhanced" }, nil, "a5", RiskLow},
		{"container insights disabled", func(p *Plan) { p.Actions[4].UpdateClusterSettings.After[0].Value = "disabled" }, nil, "a5", RiskHigh},
		{"another cluster setting", func(p *Plan) {
			p.Actions[4].UpdateClusterSettings.After = append(p.Actions[4].UpdateClusterSettings.After, ClusterSetting{Name: "other", Value: "x"})
		}, nil, "a5", RiskHigh},
		{"unknown type", func(p *Plan) { p.Actions[4].Type = "delete-cluster" }, nil, "a5", RiskHigh},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := renderFixture(t)
			if tt.edit != nil {
				tt.edit(p)
			}
			for _, a := range p.Actions {
				if a.ID == tt.id {
					if got := p.EffectiveRisk(a, tt.overrides); got != tt.want {
						t.Errorf("EffectiveRisk(%s) = %s, want %s", a.ID, got, tt.want)
					}
				}
			}
		})
	}
}

// relabelled writes the fixture with every risk edited to low and reads it back, as a tampered plan file.
func relabelled(t *testing.T) *Plan {
	t.Helper()
	p := renderFixture(t)
	for i := range p.Actions {
		p.Actions[i].Risk = RiskLow
	}
	var b bytes.Buffer
	if err := Write(&b, p); err != nil {
		t.Fatal(err)
	}
	read, err := Read("tampered.json", b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return read
}

func TestRelabelledPlanStillNeedsApproval(t *testing.T) {
	p := relabelled(t)
	if got := ids(p.NeedsApproval(RiskLow, nil)); !reflect.DeepEqual(got, []string{"a1", "a2", "a3", "a6", "a7", "a8", "a9", "a10", "a11"}) {
		t.Errorf("NeedsApproval(low) = %v, want [a1 a2 a3 a6 a7 a8 a9 a10 a11]", got)
	}
	if got := ids(p.NeedsApproval(RiskMedium, nil)); !reflect.DeepEqual(got, []string{"a2", "a9", "a10", "a11"}) {
		t.Errorf("NeedsApproval(medium) = %v, want [a2 a9 a10 a11]", got)
	}
	if got := ids(p.NeedsApproval(RiskLow, map[string]Risk{"ECS.5": RiskLow})); !reflect.DeepEqual(got, []string{"a2", "a6", "a7", "a8", "a9", "a10", "a11"}) {
		t.Errorf("NeedsApproval(low, ECS.5 low) = %v, want [a2 a6 a7 a8 a9 a10 a11]", got)
	}
	kept, left := p.Subset(RiskLow, nil)
	if got := ids(kept.Actions); !reflect.DeepEqual(got, []string{"a4", "a5"}) {
		t.Errorf("Subset(low) kept %v (left %v), want [a4 a5]", got, ids(left))
	}
	// the renderers show the effective risk
	var b bytes.Buffer
	if err := RenderText(&b, p, RenderOptions{UnattendedRisk: RiskLow}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "risk:        high (needs approval)") || !strings.Contains(b.String(), "4 high-risk and 5 medium-risk actions need approval") {
		t.Errorf("text rendering:\n%s", b.String())
	}
}

func TestValidateControlsMatchType(t *testing.T) {
	tests := []struct {
		name string
		edit func(p *Plan)
		want string
	}{
		{"registration labelled with a service control", func(p *Plan) { p.Actions[0].Controls = []string{"ECS.10"} }, `action 1 (a1): controls: "ECS.10"`},
		{"registration without controls", func(p *Plan) { p.Actions[1].Controls = nil }, "action 2 (a2): controls: an action fixes at least one control"},
		{"registration edit with an unknown control", func(p *Plan) { p.Actions[1].RegisterTaskDefinition.Edits[0].Control = "ECS.12" }, `action 2 (a2): registerTaskDefinition: edit 1: control "ECS.12"`},
		{"cluster update labelled ECS.5", func(p *Plan) { p.Actions[4].Controls = []string{"ECS.5"} }, `action 5 (a5): controls: "ECS.5" is not a control that a cluster settings update fixes`},
		{"service update labelled with a control its registration does not fix", func(p *Plan) { p.Actions[2].Controls = []string{"ECS.4"} },
			`action 3 (a3): controls: "ECS.4" is not among the controls of registration a1`},
		{"platform update labelled ECS.5", func(p *Plan) { p.Actions[3].Controls = []string{"ECS.5"} }, `action 4 (a4): controls: "ECS.5" is not fixed by a service update that does not change the task definition`},
		{"ECS.10 without a platform version", func(p *Plan) { p.Actions[2].Controls = []string{"ECS.5", "ECS.10"} }, "action 3 (a3): controls: ECS.10 is fixed by setting the platform version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := renderFixture(t)
			if err := p.Validate(); err != nil {
				t.Fatalf("the fixture does not validate: %v", err)
			}
			tt.edit(p)
			b, err := canonicalPlan(p, true)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Read("edited.json", b)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Read = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// Subset keeps a family's registrations together.
func TestSubsetKeepsFamilyWhole(t *testing.T) {
	writableRoot := func(c *ecstypes.ContainerDefinition) { c.ReadonlyRootFilesystem = nil }
	privileged := func(c *ecstypes.ContainerDefinition) { c.Privileged = aws.Bool(true) }
	in := bInventory([]detect.TaskDefinition{
		bTD("web", 1, ctrMod(0, writableRoot)), // medium: ECS.5
		bTD("web", 2, ctrMod(0, privileged)),   // the latest, high: ECS.4
		bTD("api", 1, ctrMod(0, writableRoot)), // another family, medium
	}, []ecstypes.Service{bSvc("web", bTDArn("web", 1)), bSvc("front", bTDArn("web", 2)), bSvc("api", bTDArn("api", 1))},
		bClusterOf("disabled"))
	p := buildPlan(t, in, bOptions())
	kept, left := p.Subset(RiskMedium, nil)
	for _, a := range kept.Actions {
		if a.Type == RegisterTaskDefinition && a.RegisterTaskDefinition.Family == "web" {
			t.Errorf("kept registration %s of %s while the family's latest is left out", a.ID, a.Resource)
		}
		if a.Type == UpdateService && a.Resource != bSvcArn("api") {
			t.Errorf("kept %s %s", a.ID, a.Summary)
		}
	}
	var keptTypes []string
	for _, a := range kept.Actions {
		keptTypes = append(keptTypes, string(a.Type)+" "+a.Resource)
	}
	want := []string{"register-task-definition " + bTDArn("api", 1), "update-service " + bSvcArn("api"), "update-cluster-settings " + bCluster}
	if !reflect.DeepEqual(keptTypes, want) {
		t.Errorf("kept %v, want %v", keptTypes, want)
	}
	if len(kept.Actions)+len(left) != len(p.Actions) {
		t.Errorf("kept %d + left %d != %d", len(kept.Actions), len(left), len(p.Actions))
	}
	var b bytes.Buffer
	if err := Write(&b, kept); err != nil {
		t.Errorf("the subset is not a valid plan: %v", err)
	}
	// the subset applied leaves no family whose newest revision is older code
	after := applyPlan(t, in, kept)
	latest, _ := after.LatestActive(bTDArn("web", 1))
	if latest.ARN() != bTDArn("web", 2) {
		t.Errorf("web's newest revision is %s", latest.ARN())
	}
}

// Exemptions apply to the older revision a service runs.
func TestExemptionOnRunningRevision(t *testing.T) {
	writableRoot := func(c *ecstypes.ContainerDefinition) { c.ReadonlyRootFilesystem = nil }
	tests := []struct {
		name      string
		tags      []string
		exemption detect.Exemption
		exempted  bool
	}{
		{"by ARN", nil, detect.Exemption{Control: "ECS.5", Arn: bTDArn("web", 1), Reason: "legacy image"}, true},
		{"by tag", []string{"security-exempt", "ecs5"}, detect.Exemption{Control: "ECS.5", TagKey: "security-exempt", TagValue: "ecs5", Reason: "legacy image"}, true},
		{"expired", nil, detect.Exemption{Control: "ECS.5", Arn: bTDArn("web", 1), Reason: "legacy image", Expires: bNow.Add(-time.Hour)}, false},
		{"another control", nil, detect.Exemption{Control: "ECS.4", Arn: bTDArn("web", 1)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := bInventory([]detect.TaskDefinition{
				bTD("web", 1, ctrMod(0, writableRoot), withTags(tt.tags...)),
				bTD("web", 2),
			}, []ecstypes.Service{bSvc("web", bTDArn("web", 1))})
			s := bSettings()
			s.Exemptions = []detect.Exemption{tt.exemption}
			o := bOptions(func(o *Options) { o.Settings = s })
			p, err := Build(in, detect.Evaluate(in, s), o)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.exempted {
				if len(actionsOf(p, RegisterTaskDefinition)) == 0 {
					t.Errorf("not exempted, but nothing registered: %+v", p.Skipped)
				}
				return
			}
			if len(p.Actions) != 0 {
				t.Errorf("actions %+v", p.Actions)
			}
			if !hasSkipped(p, "ECS.5", bTDArn("web", 1), "suppressed by exemption for ") || !hasSkipped(p, "ECS.5", bTDArn("web", 1), ": legacy image") {
				t.Errorf("skipped %+v", p.Skipped)
			}
		})
	}

	// EvaluateRevision scores a superseded revision, and applies the exemption
	c, _ := detect.Lookup("ECS.5")
	td := bTD("web", 1, ctrMod(0, writableRoot))
	if r := detect.EvaluateRevision(c, &td, nil); r.Status != detect.Failed || r.Suppressed != nil || r.ResourceArn != td.ARN() {
		t.Errorf("EvaluateRevision without settings = %+v", r)
	}
	s := bSettings()
	s.Exemptions = []detect.Exemption{{Arn: td.ARN()}}
	if r := detect.EvaluateRevision(c, &td, s); r.Status != detect.Failed || r.Suppressed == nil {
		t.Errorf("EvaluateRevision with an exemption = %+v", r)
	}
	svcControl, _ := detect.Lookup("ECS.10")
	if r := detect.EvaluateRevision(svcControl, &td, s); r.Status != detect.NotApplicable {
		t.Errorf("EvaluateRevision of a service control = %+v", r)
	}
}

// No duplicate registration when the fix is already registered with ecsfix's provenance tags (after an
// apply and a rollback).
func TestAlreadyRegisteredWithProvenanceTags(t *testing.T) {
	in := bInventory([]detect.TaskDefinition{
		bTD("web", 1, ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.ReadonlyRootFilesystem = nil }), withTags("team", "a")),
	}, []ecstypes.Service{bSvc("web", bTDArn("web", 1))})
	o := bOptions()
	p := buildPlan(t, in, o)
	if len(actionsOf(p, RegisterTaskDefinition)) != 1 {
		t.Fatalf("actions %+v", p.Actions)
	}
	applied := applyPlan(t, in, p)
	// the applier tags what it registers; the rollback moves the service back to web:1
	var fixed *detect.TaskDefinition
	for i := range applied.TaskDefinitions {
		if applied.TaskDefinitions[i].Revision == 2 {
			fixed = &applied.TaskDefinitions[i]
		}
	}
	fixed.Tags = append(fixed.Tags, bTags(TagPrefix+"plan", "abc123", TagPrefix+"action", "a1")...)
	applied.Services[0].TaskDefinition = aws.String(bTDArn("web", 1))

	again := buildPlan(t, applied, o)
	if len(again.Actions) != 1 || again.Actions[0].Type != UpdateService {
		t.Fatalf("re-plan after rollback: %+v", again.Actions)
	}
	u := again.Actions[0].UpdateService
	if u.After.TaskDefinition != bTDArn("web", 2) || u.TaskDefinitionFrom != "" || again.Actions[0].Risk != RiskHigh {
		t.Errorf("service update %+v risk %s", u, again.Actions[0].Risk)
	}

	// ecsfix tags of a source revision are not carried to a new registration
	for _, tg := range RegisterInput(fixed).Tags {
		if strings.HasPrefix(aws.ToString(tg.Key), TagPrefix) {
			t.Errorf("RegisterInput carries %s", aws.ToString(tg.Key))
		}
	}
}

// Secrets in command, entryPoint, health check, labels and log options never reach the plan.
func TestSecretsMaskedUnconditionally(t *testing.T) {
	secrets := []string{"Hunter2Secret99", "Sup3rS3cretPG", "LabelSecretValue77", "k3yAPIsecret555", "LogOptSecret321", "FirelensSecret888"}
	td := bTD("web", 1, ctrMod(0, func(c *ecstypes.ContainerDefinition) {
		c.ReadonlyRootFilesystem = nil
		c.Command = []string{"--db-password", secrets[0]}
		c.EntryPoint = []string{"sh", "-c", "PGPASSWORD=" + secrets[1] + " psql -h db"}
		c.DockerLabels = map[string]string{"db.pass": secrets[2]}
		c.HealthCheck = &ecstypes.HealthCheck{Command: []string{"CMD-SHELL", "curl -H 'X-Api-Key: " + secrets[3] + "' localhost"}}
		c.LogConfiguration.Options["x-opt"] = secrets[4]
		c.FirelensConfiguration = &ecstypes.FirelensConfiguration{Type: ecstypes.FirelensConfigurationTypeFluentbit, Options: map[string]string{"config": secrets[5]}}
		c.RepositoryCredentials = &ecstypes.RepositoryCredentials{CredentialsParameter: aws.String("arn:aws:secretsmanager:eu-west-1:111122223333:secret:registry")}
	}))
	in := bInventory([]detect.TaskDefinition{td}, []ecstypes.Service{bSvc("web", bTDArn("web", 1))})
	p := buildPlan(t, in, bOptions())
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var text, md bytes.Buffer
	if err := RenderText(&text, p, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := RenderMarkdown(&md, p, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		for what, out := range map[string]string{"plan JSON": string(raw), "text": text.String(), "markdown": md.String()} {
			if strings.Contains(out, s) {
				t.Errorf("secret %q appears in the %s", s, what)
			}
		}
	}
	if !strings.Contains(text.String(), `"(masked)"`) || !strings.Contains(text.String(), "readonlyRootFilesystem") {
		t.Errorf("the text diff does not show the change with masked values:\n%s", text.String())
	}
	if !strings.Contains(string(raw), "secret:registry") {
		t.Error("the repository credentials ARN was masked")
	}
	reg := actionsOf(p, RegisterTaskDefinition)[0].RegisterTaskDefinition
	got, err := reg.Input(&in.TaskDefinitions[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	c, src := got.ContainerDefinitions[0], in.TaskDefinitions[0].ContainerDefinitions[0]
	if !reflect.DeepEqual(c.Command, src.Command) || !reflect.DeepEqual(c.EntryPoint, src.EntryPoint) ||
		!reflect.DeepEqual(c.DockerLabels, src.DockerLabels) || !reflect.DeepEqual(c.HealthCheck.Command, src.HealthCheck.Command) ||
		!reflect.DeepEqual(c.LogConfiguration.Options, src.LogConfiguration.Options) ||
		!reflect.DeepEqual(c.FirelensConfiguration.Options, src.FirelensConfiguration.Options) {
		t.Errorf("Input did not restore the values: %+v", c)
	}
}

// Fixes of older revisions are skipped when the family's latest is owned by infrastructure as code.
func TestOwnedLatestSkipsOlderFixes(t *testing.T) {
	writableRoot := func(c *ecstypes.ContainerDefinition) { c.ReadonlyRootFilesystem = nil }
	for _, latestFails := range []bool{true, false} {
		name := "the latest needs a fix too"
		var mods []tdMod
		if latestFails {
			mods = append(mods, ctrMod(0, writableRoot))
		} else {
			name = "the latest is clean"
		}
		t.Run(name, func(t *testing.T) {
			in := bInventory([]detect.TaskDefinition{
				bTD("web", 1, ctrMod(0, writableRoot)),
				bTD("web", 2, append(mods, withTags("aws:cloudformation:stack-name", "shop"))...),
			}, []ecstypes.Service{bSvc("web", bTDArn("web", 1))})
			p := buildPlan(t, in, bOptions())
			if len(p.Actions) != 0 {
				t.Errorf("actions %+v", p.Actions)
			}
			if !hasSkipped(p, "ECS.5", bTDArn("web", 1), "the family's latest ACTIVE revision web:2 is owned by CloudFormation stack shop") {
				t.Errorf("skipped %+v", p.Skipped)
			}
		})
	}
}

// ECS.5 does not count a read-only mount as keeping a path writable, and never doubles a mount.
func TestECS5ReadOnlyMount(t *testing.T) {
	td := bTD("web", 1, ctrMod(0, func(c *ecstypes.ContainerDefinition) {
		c.ReadonlyRootFilesystem = nil
		c.MountPoints = []ecstypes.MountPoint{{SourceVolume: aws.String("scratch"), ContainerPath: aws.String("/tmp"), ReadOnly: aws.Bool(true)}}
	}), withContainer(func() ecstypes.ContainerDefinition {
		c := bContainer("side")
		c.ReadonlyRootFilesystem = aws.Bool(false)
		c.MountPoints = []ecstypes.MountPoint{{SourceVolume: aws.String("shared"), ContainerPath: aws.String("/tmp"), ReadOnly: aws.Bool(true)}}
		return c
	}()), func(td *detect.TaskDefinition) {
		td.Volumes = []ecstypes.Volume{
			{Name: aws.String("scratch")},
			{Name: aws.String("shared"), DockerVolumeConfiguration: &ecstypes.DockerVolumeConfiguration{Scope: ecstypes.ScopeShared, Driver: aws.String("local")}},
		}
	})
	in := bInventory([]detect.TaskDefinition{td}, []ecstypes.Service{bSvc("web", bTDArn("web", 1))})
	o := bOptions()
	p := buildPlan(t, in, o)
	reg := actionsOf(p, RegisterTaskDefinition)[0]
	after := afterInput(t, reg)
	if len(after.Volumes) != 2 {
		t.Errorf("volumes %+v", after.Volumes)
	}
	app, side := after.ContainerDefinitions[0], after.ContainerDefinitions[1]
	if len(app.MountPoints) != 1 || aws.ToBool(app.MountPoints[0].ReadOnly) || aws.ToString(app.MountPoints[0].SourceVolume) != "scratch" {
		t.Errorf("app mounts %+v", app.MountPoints)
	}
	if len(side.MountPoints) != 1 || !aws.ToBool(side.MountPoints[0].ReadOnly) {
		t.Errorf("side mounts %+v", side.MountPoints)
	}
	want := "ECS.5 containerDefinitions[app].readonlyRootFilesystem,ECS.5 containerDefinitions[side].readonlyRootFilesystem,ECS.5 containerDefinitions[app].mountPoints[/tmp]"
	if got := strings.Join(editPaths(reg), ","); got != want {
		t.Errorf("edits\n%s\nwant\n%s", got, want)
	}
	if !strings.Contains(joinNotes(reg), "container side mounts volume shared read-only at /tmp") || !strings.Contains(joinNotes(reg), "stays read-only") {
		t.Errorf("notes %v", reg.Notes)
	}
	assertConverges(t, in, p, o)
}
