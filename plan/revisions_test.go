package plan

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// The revision plan: the revisions services run, and fixes already registered.

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
	in := imagesRead(bInventory([]detect.TaskDefinition{
		bTD("web", 1, ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.ReadonlyRootFilesystem = nil }), withTags("team", "a")),
	}, []ecstypes.Service{bSvc("web", bTDArn("web", 1))}))
	o := bOptions()
	p := buildPlan(t, in, o)
	if len(actionsOf(p, RegisterTaskDefinition)) != 1 {
		t.Fatalf("actions %+v", p.Actions)
	}
	applied := imagesRead(applyPlan(t, in, p))
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
	// The move carries the edits of the fix (those the first plan's registration made), and its risk is
	// theirs: the applier re-derives web:2 from web:1 with them.
	reg := actionsOf(p, RegisterTaskDefinition)[0]
	if u.After.TaskDefinition != bTDArn("web", 2) || u.TaskDefinitionFrom != "" || again.Actions[0].Risk != reg.Risk || reg.Risk == RiskHigh {
		t.Errorf("service update %+v risk %s, want the registration's %s", u, again.Actions[0].Risk, reg.Risk)
	}
	if !reflect.DeepEqual(u.Edits, reg.RegisterTaskDefinition.Edits) || len(u.Edits) == 0 {
		t.Errorf("service update edits %+v, want the registration's %+v", u.Edits, reg.RegisterTaskDefinition.Edits)
	}
	if err := again.CheckStateCoverage(); err != nil {
		t.Errorf("state coverage: %v", err)
	}

	// ecsfix tags of a source revision are not carried to a new registration
	for _, tg := range RegisterInput(fixed).Tags {
		if strings.HasPrefix(aws.ToString(tg.Key), TagPrefix) {
			t.Errorf("RegisterInput carries %s", aws.ToString(tg.Key))
		}
	}
}
