package fix

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
)

// echoingRegistry fails every registration with a message quoting the request's environment, as a
// validation error might: the message must be scrubbed before it reaches the journal, Out or the report.
type echoingRegistry struct{ ecsAPI }

func (echoingRegistry) RegisterTaskDefinition(_ context.Context, in *ecs.RegisterTaskDefinitionInput, _ ...func(*ecs.Options)) (*ecs.RegisterTaskDefinitionOutput, error) {
	env := in.ContainerDefinitions[0].Environment
	return nil, fmt.Errorf("ClientException: invalid environment %s=%s", *env[0].Name, *env[0].Value)
}

func TestSecretsNeverPrinted(t *testing.T) {
	t.Parallel()
	e := seed(t)
	p := e.makePlan(t)
	var out, logs bytes.Buffer
	o := opts(t, &out)
	o.Regions = []string{e.cfg.Region}
	o.Log = newTestLogger(&logs)
	cl := sdkClients(e.cfg, 3)
	real := cl.ecs
	cl.ecs = func(region string) ecsAPI { return echoingRegistry{real(region)} }
	rep, err := apply(context.Background(), cl, p, o)
	if !errors.Is(err, ErrIncomplete) {
		t.Fatalf("err = %v, want ErrIncomplete", err)
	}
	a1 := rep.Action("a1")
	if a1.Status != StatusFailed {
		t.Fatalf("a1 = %+v, want failed", a1)
	}
	noSecret(t, "the report", a1.Error, fmt.Sprint(rep))
	noSecret(t, "the error", err.Error())
	noSecret(t, "the journal", readFile(t, o.JournalPath))
	noSecret(t, "Out", out.String())
	noSecret(t, "the log", logs.String())
	if rep.Action("a2").Status != StatusNotRun {
		t.Errorf("a2 = %+v, want not run (its registration failed)", rep.Action("a2"))
	}
}
