package fix

// Attacks on a plan's new task definition: each edited plan, re-approved, is refused before anything is
// written, naming the action and the first differing field; so is a plan whose state was emptied.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/ecsfix/ecsfix/detect/awsjson"
	"github.com/ecsfix/ecsfix/plan"
)

// editAfter rewrites the After of the plan's registration (a1).
func editAfter(t *testing.T, p *plan.Plan, edit func(in *ecs.RegisterTaskDefinitionInput)) {
	t.Helper()
	c := p.Actions[0].RegisterTaskDefinition
	var in ecs.RegisterTaskDefinitionInput
	if err := awsjson.Unmarshal("after", c.After, &in); err != nil {
		t.Fatal(err)
	}
	edit(&in)
	b, err := awsjson.Marshal(&in)
	if err != nil {
		t.Fatal(err)
	}
	c.After = json.RawMessage(b)
}

func TestApplyRefusesWhatItCannotRederive(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(t *testing.T, p *plan.Plan)
		want   error
		field  string // the field the error names
	}{
		{"image changed", func(t *testing.T, p *plan.Plan) {
			editAfter(t, p, func(in *ecs.RegisterTaskDefinitionInput) {
				in.ContainerDefinitions[0].Image = aws.String("attacker.example/backdoor")
			})
		}, ErrInvalidPlan, "containerDefinitions[0].image"},
		{"privileged added", func(t *testing.T, p *plan.Plan) {
			editAfter(t, p, func(in *ecs.RegisterTaskDefinitionInput) {
				in.ContainerDefinitions[0].Privileged = aws.Bool(true)
			})
		}, ErrInvalidPlan, "containerDefinitions[0].privileged"},
		{"task role changed", func(t *testing.T, p *plan.Plan) {
			editAfter(t, p, func(in *ecs.RegisterTaskDefinitionInput) {
				in.TaskRoleArn = aws.String("arn:aws:iam::123456789012:role/admin")
			})
		}, ErrInvalidPlan, "taskRoleArn"},
		{"edit relabelled with a low-risk control", func(t *testing.T, p *plan.Plan) {
			// The read-only root (ECS.5, medium) labelled ECS.18: no ECS.18 fix makes it.
			for i := range p.Actions[0].RegisterTaskDefinition.Edits {
				p.Actions[0].RegisterTaskDefinition.Edits[i].Control = "ECS.18"
			}
			p.Actions[0].Controls = []string{"ECS.18"}
			p.Actions[1].Controls = []string{"ECS.18"}
			p.Actions[0].Risk = plan.RiskMedium
		}, ErrInvalidPlan, "containerDefinitions[0].mountPoints"},
		{"an added edit", func(t *testing.T, p *plan.Plan) {
			c := p.Actions[0].RegisterTaskDefinition
			c.Edits = append(c.Edits, plan.Edit{Control: "ECS.5", Path: "containerDefinitions[web].user", Change: "run as root"})
			editAfter(t, p, func(in *ecs.RegisterTaskDefinitionInput) {
				in.ContainerDefinitions[0].User = aws.String("root")
			})
		}, ErrInvalidPlan, "containerDefinitions[0].user"},
		{"empty state", func(t *testing.T, p *plan.Plan) {
			p.State = nil
		}, ErrInvalidPlan, "state has no fingerprint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := seed(t)
			p := e.makePlan(t)
			tt.change(t, p)
			if err := p.Approve("mallory", "T-1", p.CreatedAt); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			o := opts(t, &out)
			before := e.webRevisions(t)
			web := e.service(t, "web")
			rep, err := Apply(context.Background(), e.cfg, p, o)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.field) {
				t.Errorf("the error does not name %s: %v", tt.field, err)
			}
			if tt.name != "empty state" && !strings.Contains(err.Error(), "action a1") {
				t.Errorf("the error does not name the action: %v", err)
			}
			if rep != nil {
				if w := writes(rep.Calls); len(w) != 0 {
					t.Errorf("a refused plan wrote: %v", w)
				}
			}
			if readJournalExists(o.JournalPath) {
				t.Errorf("a refused plan wrote a journal")
			}
			if got := e.webRevisions(t); len(got) != len(before) {
				t.Errorf("a revision was registered: %v", got)
			}
			if got := e.service(t, "web"); aws.ToString(got.TaskDefinition) != aws.ToString(web.TaskDefinition) {
				t.Errorf("service web moved")
			}
			noSecret(t, "the error", err.Error())
		})
	}
}
