package plan

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

func TestForFindings(t *testing.T) {
	key := func(control, arn string) string { return control + "\x00" + arn }
	tests := []struct {
		name      string
		targets   map[string][]string
		kept      []string
		findings  map[string][]string // action id -> ids recorded
		keptState []string
	}{
		{"none", map[string][]string{}, nil, nil, nil},
		{"a cluster setting", map[string][]string{key("ECS.12", fxCluster): {"f-12"}},
			[]string{"a5"}, map[string][]string{"a5": {"f-12"}}, []string{fxCluster}},
		{"a service update brings its registration", map[string][]string{key("ECS.5", fxWebSvc): {"f-5"}},
			[]string{"a1", "a3"}, map[string][]string{"a3": {"f-5"}}, []string{fxWeb3, fxWebSvc, fxCluster}}, // a service update touches its cluster
		{"a deregistration brings what it depends on, transitively", map[string][]string{key("ECS.8", fxWeb3): {"f-8b", "f-8a"}},
			[]string{"a1", "a3", "a9"}, map[string][]string{"a9": {"f-8a", "f-8b"}}, []string{fxWeb3, fxWebSvc, fxCluster}}, // a service update touches its cluster
		{"one finding on two actions", map[string][]string{key("ECS.5", fxWeb3): {"f-5"}, key("ECS.5", fxWebSvc): {"f-5"}},
			[]string{"a1", "a3"}, map[string][]string{"a1": {"f-5"}, "a3": {"f-5"}}, []string{fxWeb3, fxWebSvc, fxCluster}}, // a service update touches its cluster
		{"a control the action does not fix", map[string][]string{key("ECS.4", fxWeb3): {"f-4"}}, nil, nil, nil},
		{"another resource", map[string][]string{key("ECS.12", fxCluster+"2"): {"f-12"}}, nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := renderFixture(t)
			p.Approvals = []Approval{{By: "x", PlanHash: "sha256:00"}}
			k := p.ForFindings(tt.targets)
			if got := ids(k.Actions); !reflect.DeepEqual(got, tt.kept) {
				t.Errorf("kept %v, want %v", got, tt.kept)
			}
			for _, a := range k.Actions {
				if want := tt.findings[a.ID]; !reflect.DeepEqual(a.Findings, want) {
					t.Errorf("%s records findings %v, want %v", a.ID, a.Findings, want)
				}
			}
			if got := resources(k.State); !reflect.DeepEqual(got, tt.keptState) {
				t.Errorf("state %v, want %v", got, tt.keptState)
			}
			if k.Approvals != nil {
				t.Error("the limited plan kept the approvals of the whole plan")
			}
			for _, a := range p.Actions {
				if a.Findings != nil {
					t.Errorf("ForFindings changed the original plan's %s", a.ID)
				}
			}
			if err := k.Validate(); err != nil {
				t.Errorf("limited plan is invalid: %v", err)
			}
		})
	}
}

func TestForFindingsKeepsAFamilyTogether(t *testing.T) {
	p := renderFixture(t)
	// A second registration of web (from an older revision) after a1: a finding on the older revision
	// keeps both, so that the family's newest ACTIVE revision is not the fixed old code.
	older := p.Actions[0]
	older.ID = "a12"
	older.Resource = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:2"
	rc := *older.RegisterTaskDefinition
	rc.SourceArn = older.Resource
	older.RegisterTaskDefinition = &rc
	p.Actions = append(p.Actions, older)
	k := p.ForFindings(map[string][]string{"ECS.5\x00" + older.Resource: {"f"}})
	if got := ids(k.Actions); !reflect.DeepEqual(got, []string{"a1", "a12"}) {
		t.Errorf("kept %v, want the family's registrations a1 and a12", got)
	}
}

func TestFindingsInHashValidationAndRender(t *testing.T) {
	p := renderFixture(t)
	before := p.ContentHash()
	p.Actions[4].Findings = []string{"arn:aws:securityhub:eu-west-1:123456789012:security-control/ECS.12/finding/1"}
	if p.ContentHash() == before {
		t.Error("the findings an action resolves are not in the content hash")
	}
	var text bytes.Buffer
	if err := RenderText(&text, p, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "findings:    arn:aws:securityhub:eu-west-1:123456789012:security-control/ECS.12/finding/1") {
		t.Errorf("text render lacks the finding:\n%s", text.String())
	}
	var md bytes.Buffer
	if err := RenderMarkdown(&md, p, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "- **Findings:** arn:aws:securityhub:eu-west-1:123456789012:security-control/ECS.12/finding/1") {
		t.Errorf("markdown render lacks the finding:\n%s", md.String())
	}
	var buf bytes.Buffer
	if err := Write(&buf, p); err != nil {
		t.Fatal(err)
	}
	back, err := Read("plan.json", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Actions[4].Findings, p.Actions[4].Findings) {
		t.Errorf("findings after a round trip: %v", back.Actions[4].Findings)
	}

	many := make([]string, MaxActionFindings+1)
	for i := range many {
		many[i] = strings.Repeat("f", i%7+1) + string(rune('a'+i%26))
	}
	for _, c := range []struct {
		name string
		ids  []string
		want string
	}{
		{"newline", []string{"f\nx"}, "control character"},
		{"escape", []string{"f\x1b[2J"}, "control character"},
		{"bidi", []string{"f\u202ex"}, "control character"},
		{"not UTF-8", []string{"f\xff"}, "not UTF-8"},
		{"empty", []string{""}, "empty id"},
		{"too long", []string{strings.Repeat("x", MaxFindingIDLen+1)}, "at most 512"},
		{"twice", []string{"a", "a"}, "listed twice"},
		{"too many", many, "at most 1000"},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := renderFixture(t)
			q.Actions[4].Findings = c.ids
			err := q.Validate()
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "a5") {
				t.Errorf("Validate = %v, want an error on a5 saying %q", err, c.want)
			}
		})
	}
}

// TestForFindingsPartlyFixed: a finding whose control the plan fixes only in part on a revision (a host
// agent keeps privileged, the task's other container loses it) is not resolved by the registration,
// nor by the move of its service: the new revision still fails the control.
func TestForFindingsPartlyFixed(t *testing.T) {
	privileged := func(c *ecstypes.ContainerDefinition) { c.Privileged = aws.Bool(true) }
	agent := bContainer("agent")
	agent.Image = aws.String("public.ecr.aws/datadog/agent:7")
	agent.Privileged = aws.Bool(true)
	in := imagesRead(bInventory([]detect.TaskDefinition{bTD("web", 1, ctrMod(0, privileged), withContainer(agent))},
		[]ecstypes.Service{bSvc("web", bTDArn("web", 1))}))
	p := buildPlan(t, in, bOptions())
	if len(actionsOf(p, RegisterTaskDefinition)) != 1 || !hasSkipped(p, "ECS.4", bTDArn("web", 1), "agent") {
		t.Fatalf("want the app's privileged dropped and the agent's kept (Not fixed): actions %+v skipped %+v", p.Actions, p.Skipped)
	}
	k := p.ForFindings(map[string][]string{
		"ECS.4\x00" + bTDArn("web", 1):             {"f-4"},
		"EXPOSURE.privileged\x00" + bSvcArn("web"): {"f-priv"},
	})
	for _, a := range k.Actions {
		if len(a.Findings) > 0 {
			t.Errorf("action %s (%s) resolves %v, though the agent stays privileged", a.ID, a.Type, a.Findings)
		}
	}
	// the same plan without the agent resolves both
	in = imagesRead(bInventory([]detect.TaskDefinition{bTD("web", 1, ctrMod(0, privileged))}, []ecstypes.Service{bSvc("web", bTDArn("web", 1))}))
	p = buildPlan(t, in, bOptions())
	k = p.ForFindings(map[string][]string{"ECS.4\x00" + bTDArn("web", 1): {"f-4"}, "EXPOSURE.privileged\x00" + bSvcArn("web"): {"f-priv"}})
	var got []string
	for _, a := range k.Actions {
		got = append(got, a.Findings...)
	}
	if strings.Join(got, ",") != "f-4,f-priv" {
		t.Errorf("findings resolved %v, want f-4 and f-priv", got)
	}
}
