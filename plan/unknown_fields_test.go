package plan

// A revision read from the API that holds fields this build does not know gets no new revision: its
// findings are "Not fixed" with the fields named; an older revision of its family is held back too; a
// revision read from a file is planned; the applier's re-derivation refuses such a source.

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

const unknownField = "taskDefinition.containerDefinitions[0].futureField"

// writableRoot makes container 0's root filesystem writable (ECS.5 fails).
func writableRoot() tdMod {
	return ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.ReadonlyRootFilesystem = aws.Bool(false) })
}

func unknownFields(f ...string) tdMod {
	return func(td *detect.TaskDefinition) { td.UnknownFields = f }
}

func fromFile() tdMod {
	return func(td *detect.TaskDefinition) {
		td.Source = &detect.FileSource{File: "ecs/task-definitions/web-1.json", Line: 2, Pointer: "/taskDefinition"}
	}
}

func registrations(p *Plan) map[string]bool {
	got := map[string]bool{}
	for _, a := range p.Actions {
		if a.Type == RegisterTaskDefinition {
			got[a.RegisterTaskDefinition.SourceArn] = true
		}
	}
	return got
}

func skippedFor(p *Plan, resource string) []Skipped {
	var out []Skipped
	for _, s := range p.Skipped {
		if s.Resource == resource {
			out = append(out, s)
		}
	}
	return out
}

func TestUnknownFieldsNotFixed(t *testing.T) {
	t.Parallel()
	web1 := bTDArn("web", 1)
	svcs := []ecstypes.Service{bSvc("web", web1)}

	// Without the field: the ECS.5 fix is planned and the service moved (the skip below is the field's).
	p := buildPlan(t, bInventory([]detect.TaskDefinition{bTD("web", 1, writableRoot())}, svcs), bOptions())
	if !registrations(p)[web1] || len(skippedFor(p, web1)) != 0 {
		t.Fatalf("without unknown fields: registrations %v, skipped %v", registrations(p), p.Skipped)
	}

	// Read from the API with a field the SDK lacks: no registration, no move, "Not fixed" names it.
	inv := bInventory([]detect.TaskDefinition{bTD("web", 1, writableRoot(), unknownFields(unknownField))}, svcs)
	p = buildPlan(t, inv, bOptions())
	if len(registrations(p)) != 0 {
		t.Errorf("registrations %v, want none", registrations(p))
	}
	for _, a := range p.Actions {
		if a.Type == UpdateService && a.UpdateService.After.TaskDefinition != a.UpdateService.Before.TaskDefinition {
			t.Errorf("service moved: %s", a.Summary)
		}
	}
	want := Skipped{Control: "ECS.5", Resource: web1, Reason: "a new revision would lose " + unknownField + "; update ecsfix"}
	if got := skippedFor(p, web1); len(got) != 1 || got[0] != want {
		t.Errorf("skipped %+v, want %+v", got, want)
	}
	var out bytes.Buffer
	if err := RenderText(&out, p, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, "Not fixed") || !strings.Contains(s, "would lose "+unknownField+"; update ecsfix") {
		t.Errorf("the text plan does not say it:\n%s", s)
	}

	// Read from a file: fixed in the file's text, which keeps the field; planned.
	inv = bInventory([]detect.TaskDefinition{bTD("web", 1, writableRoot(), unknownFields(unknownField), fromFile())}, svcs)
	p = buildPlan(t, inv, bOptions())
	if !registrations(p)[web1] {
		t.Errorf("a revision read from a file: registrations %v, skipped %v", registrations(p), p.Skipped)
	}
}

// An older revision a service runs, whose family's latest holds an unknown field: the older one's fix
// would become the family's newest revision, and the latest cannot be registered again after it.
func TestUnknownFieldsOnTheLatestHoldBackOlderRevisions(t *testing.T) {
	t.Parallel()
	web1, web2 := bTDArn("web", 1), bTDArn("web", 2)
	svcs := []ecstypes.Service{bSvc("web", web1)}
	latest := bTD("web", 2, unknownFields("taskDefinition.futureA", "tags[0].futureB"))

	// The control: with a latest the build knows, web:1 is fixed and web:2 registered again after it.
	p := buildPlan(t, bInventory([]detect.TaskDefinition{bTD("web", 1, writableRoot()), bTD("web", 2)}, svcs), bOptions())
	if r := registrations(p); !r[web1] || !r[web2] {
		t.Fatalf("control: registrations %v", r)
	}

	p = buildPlan(t, bInventory([]detect.TaskDefinition{bTD("web", 1, writableRoot()), latest}, svcs), bOptions())
	if r := registrations(p); len(r) != 0 {
		t.Errorf("registrations %v, want none", r)
	}
	got := skippedFor(p, web1)
	if len(got) != 1 || got[0].Control != "ECS.5" ||
		!strings.Contains(got[0].Reason, "latest ACTIVE revision web:2") ||
		!strings.Contains(got[0].Reason, "would lose taskDefinition.futureA and tags[0].futureB; update ecsfix") {
		t.Errorf("skipped %+v", got)
	}
}

func TestRebuildRegistrationRefusesUnknownFields(t *testing.T) {
	t.Parallel()
	src := bTD("web", 1, writableRoot())
	p := buildPlan(t, bInventory([]detect.TaskDefinition{src}, []ecstypes.Service{bSvc("web", src.ARN())}), bOptions())
	var reg *Action
	for i := range p.Actions {
		if p.Actions[i].Type == RegisterTaskDefinition {
			reg = &p.Actions[i]
		}
	}
	if reg == nil {
		t.Fatal("no registration planned")
	}
	// As read at apply time, AWS now returns a field this build does not know.
	read := src
	read.UnknownFields = []string{unknownField}
	err := p.RebuildRegistration(reg, &read)
	var ue *UnknownFieldsError
	if !errors.As(err, &ue) || ue.Action != reg.ID || ue.Revision != src.ARN() {
		t.Fatalf("err = %v, want an UnknownFieldsError", err)
	}
	for _, s := range []string{reg.ID, src.ARN(), "would lose " + unknownField, "update ecsfix"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("%q does not say %q", err, s)
		}
	}
	// Through the applier's entry point too.
	st := &ReadState{TaskDefinitions: map[string]*detect.TaskDefinition{src.ARN(): &read}}
	if err := p.Rederive(reg, st); !errors.As(err, &ue) {
		t.Errorf("Rederive: %v", err)
	}
	// The same revision read from a file is the file's fix: not refused.
	read.Source = &detect.FileSource{File: "web.json", Line: 1}
	if err := p.RebuildRegistration(reg, &read); err != nil {
		t.Errorf("a source read from a file: %v", err)
	}
}

func TestFieldList(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   []string
		want string
	}{
		{[]string{"a"}, "a"},
		{[]string{"a", "b"}, "a and b"},
		{[]string{"a", "b", "c"}, "a, b and c"},
		{[]string{"a", "b", "c", "d", "e", "f", "g"}, "a, b, c, d, e and 2 more"},
	} {
		if got := fieldList(tt.in); got != tt.want {
			t.Errorf("fieldList(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
