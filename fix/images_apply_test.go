package fix

// The ECS.20 fix from the image, end to end on the emulator: a live scan reads the image's configuration
// from ECR (pushed with docker's calls), the plan sets the USER it declares (low risk), the applier reads
// the image again and re-derives that user; an edited plan setting another user is refused before
// anything is written.

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsjson"
	"github.com/ecsfix/ecsfix/detect/live"
	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/plan"
)

func TestApplyUserFromImage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := mototest.Config(t, mototest.MaxAttempts(3))
	account := mototest.AccountID(cfg)
	image := account + ".dkr.ecr." + mototest.Region + ".amazonaws.com/app:v1"
	mototest.PushImage(t, ecr.NewFromConfig(cfg), "app", "v1",
		[]byte(`{"architecture":"amd64","os":"linux","config":{"User":"appuser","WorkingDir":"/app"}}`))
	api := ecs.NewFromConfig(cfg)
	if _, err := api.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("app"), NetworkMode: ecstypes.NetworkModeAwsvpc, Cpu: aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("app"), Image: aws.String(image), Essential: aws.Bool(true),
			ReadonlyRootFilesystem: aws.Bool(true),
			LogConfiguration:       &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs, Options: map[string]string{"awslogs-group": "/ecs/app"}}}},
	}); err != nil {
		t.Fatal(err)
	}

	inv, _, err := live.Scan(ctx, cfg, live.Options{MaxAttempts: 3, MaxBackoff: time.Millisecond})
	if err != nil || len(inv.Errors) != 0 {
		t.Fatalf("scan: %v %+v", err, inv.Errors)
	}
	if got, ok := inv.Image(image); !ok || got.User != "appuser" {
		t.Fatalf("image %s read as %+v (%v)", image, got, ok)
	}
	now := time.Now().UTC()
	p, err := plan.Build(inv, detect.Evaluate(inv, &detect.Settings{Now: now}), plan.Options{ToolVersion: "test", Now: now,
		Source: plan.Source{Kind: "live", Regions: []string{mototest.Region}}, Fix: []string{detect.ECS20ID}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Actions) != 1 || p.Actions[0].Type != plan.RegisterTaskDefinition {
		t.Fatalf("actions %+v, skipped %+v", p.Actions, p.Skipped)
	}
	a := p.Actions[0]
	edits := a.RegisterTaskDefinition.Edits
	if len(edits) != 1 || edits[0].Path != "containerDefinitions[app].user" || edits[0].Risk != "" || a.Risk != plan.RiskLow {
		t.Fatalf("edits %+v, risk %s: want the image's user, low risk", edits, a.Risk)
	}

	// An edited plan setting another user is refused, nothing written.
	var in ecs.RegisterTaskDefinitionInput
	if err := awsjson.Unmarshal("after", a.RegisterTaskDefinition.After, &in); err != nil {
		t.Fatal(err)
	}
	in.ContainerDefinitions[0].User = aws.String("0")
	forged := *p
	forged.Actions = []plan.Action{a}
	reg := *a.RegisterTaskDefinition
	if reg.After, err = awsjson.Marshal(&in); err != nil {
		t.Fatal(err)
	}
	forged.Actions[0].RegisterTaskDefinition = &reg
	var out bytes.Buffer
	rep, err := Apply(ctx, cfg, &forged, opts(t, &out))
	var re *plan.RederiveError
	if !errors.Is(err, ErrInvalidPlan) || !errors.As(err, &re) || re.Path != "containerDefinitions[0].user" {
		t.Fatalf("the forged plan: err = %v, want a refusal at containerDefinitions[0].user", err)
	}
	if rep != nil && len(writes(rep.Calls)) != 0 {
		t.Fatalf("the forged plan wrote %v", writes(rep.Calls))
	}

	// The plan as made applies: the applier re-read the image (no user configured on its side).
	out.Reset()
	rep, err = Apply(ctx, cfg, p, opts(t, &out))
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, out.String())
	}
	if rep.Calls["ecr:BatchGetImage"] == 0 {
		t.Errorf("the applier did not read the image again: calls %v", rep.Calls)
	}
	td, err := api.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("app")})
	if err != nil {
		t.Fatal(err)
	}
	if u := aws.ToString(td.TaskDefinition.ContainerDefinitions[0].User); td.TaskDefinition.Revision != 2 || u != "appuser" {
		t.Errorf("registered revision %d with user %q, want 2 with appuser", td.TaskDefinition.Revision, u)
	}
}
