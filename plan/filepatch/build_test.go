package filepatch_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsjson"
	"github.com/ecsfix/ecsfix/plan"
	"github.com/ecsfix/ecsfix/plan/filepatch"
)

// The planner on task definitions kept as files, and the patch of its plan: git apply takes it, and the
// patched files re-evaluate PASSED for the controls fixed.

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// taskDefFiles are task-definition files as teams keep them: two of one family (staging and production),
// in different layouts, one in describe-task-definition form, one a containers array.
var taskDefFiles = map[string]string{
	"deploy/staging.json":    "{\n  \"family\": \"web\",\n  \"networkMode\": \"awsvpc\",\n  \"pidMode\": \"host\",\n  \"containerDefinitions\": [\n    {\n      \"name\": \"app\",\n      \"image\": \"example/app:1\",\n      \"essential\": true,\n      \"privileged\": true,\n      \"environment\": [\n        {\"name\": \"API_TOKEN\", \"value\": \"tok-12345678\"}\n      ],\n      \"logConfiguration\": {\"logDriver\": \"awslogs\", \"options\": {\"awslogs-group\": \"/ecs/web\"}}\n    }\n  ]\n}\n",
	"deploy/production.json": "{\r\n\t\"containerDefinitions\": [\r\n\t\t{\r\n\t\t\t\"name\": \"app\",\r\n\t\t\t\"image\": \"example/app:1\",\r\n\t\t\t\"readonlyRootFilesystem\": false,\r\n\t\t\t\"user\": \"0\",\r\n\t\t\t\"logConfiguration\": {\"logDriver\": \"awslogs\", \"options\": {\"awslogs-group\": \"/ecs/web\"}}\r\n\t\t}\r\n\t],\r\n\t\"family\": \"web\",\r\n\t\"networkMode\": \"awsvpc\"\r\n}\r\n",
	"ecs/describe.json":      "\uFEFF{\"taskDefinition\": {\"family\": \"worker\", \"networkMode\": \"awsvpc\", \"containerDefinitions\": [{\"name\": \"w\", \"image\": \"example/w:1\", \"user\": \"1000\", \"readonlyRootFilesystem\": true, \"privileged\": true, \"logConfiguration\": {\"logDriver\": \"awslogs\", \"options\": {\"awslogs-group\": \"/ecs/w\"}}}]}}",
	"tf/containers.json":     "[\n    {\n        \"name\": \"side\",\n        \"image\": \"example/side:1\",\n        \"user\": \"1000\",\n        \"logConfiguration\": {\"logDriver\": \"awslogs\", \"options\": {\"awslogs-group\": \"/ecs/side\"}}\n    }\n]\n",
}

// readInventory decodes each file as the reader does (a stand-in for the snapshot reader, which fills
// Source) and sets Source.
func readInventory(t testing.TB, files map[string]string) *detect.Inventory {
	t.Helper()
	in := &detect.Inventory{}
	for name, text := range files {
		b := bytes.TrimPrefix([]byte(text), []byte("\uFEFF"))
		src := &detect.FileSource{File: name, Line: 1}
		var td ecstypes.TaskDefinition
		switch {
		case strings.HasPrefix(name, "tf/"):
			src.ContainersOnly = true
			if err := awsjson.Unmarshal(name, b, &td.ContainerDefinitions); err != nil {
				t.Fatal(err)
			}
			fam := "side"
			td.Family = &fam
		case strings.Contains(text, "taskDefinition"):
			src.Pointer = "/taskDefinition"
			var doc struct{ TaskDefinition ecstypes.TaskDefinition }
			if err := awsjson.Unmarshal(name, b, &doc); err != nil {
				t.Fatal(err)
			}
			td = doc.TaskDefinition
		default:
			if err := awsjson.Unmarshal(name, b, &td); err != nil {
				t.Fatal(err)
			}
		}
		td.Status = ecstypes.TaskDefinitionStatusActive
		in.TaskDefinitions = append(in.TaskDefinitions, detect.TaskDefinition{TaskDefinition: td, Source: src})
	}
	return in
}

func options() plan.Options {
	return plan.Options{ToolVersion: "test", Now: now, Source: plan.Source{Kind: "snapshot", Path: "."}, LinuxUser: "1000", WindowsUser: "ContainerUser"}
}

// evaluate scores every task definition on its own: two files of one family are two task definitions
// (the latest-ACTIVE rule is for revisions with an ARN).
func evaluate(in *detect.Inventory) []detect.Result {
	var out []detect.Result
	for _, c := range detect.All() {
		if c.TaskDefinition == nil {
			continue
		}
		for i := range in.TaskDefinitions {
			out = append(out, detect.EvaluateRevision(c, &in.TaskDefinitions[i], &detect.Settings{Now: now}))
		}
	}
	return out
}

func failing(in *detect.Inventory) map[string]bool {
	out := map[string]bool{}
	for _, r := range evaluate(in) {
		if r.Status == detect.Failed {
			out[r.Control+" "+r.ResourceArn] = true
		}
	}
	return out
}

func TestPatchOfFileTaskDefinitionsAppliesAndRescansClean(t *testing.T) {
	in := readInventory(t, taskDefFiles)
	before := failing(in)
	p, err := plan.Build(in, evaluate(in), options())
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("plan does not validate: %v", err)
	}
	// the containers-only file's only failing control is ECS.5, whose fix needs a task volume: not planned
	if got := p.FileTaskDefinitions(); len(got) != 3 {
		t.Errorf("actions on task definitions kept as files = %v, want one for each of the 3 whole task definitions", got)
	}
	pt, err := filepatch.Build(p, in, func(name string) ([]byte, error) { return []byte(taskDefFiles[name]), nil })
	if err != nil {
		t.Fatal(err)
	}
	text := pt.Unified(func(name string) string { return name })
	t.Log(text)
	if strings.Contains(text, "tok-12345678") {
		t.Fatal("the patch prints an environment value")
	}

	dir := t.TempDir()
	git := func(args ...string) (string, error) {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := git("init", "-q"); err != nil {
		t.Fatal(out)
	}
	for name, text := range taskDefFiles {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "fix.patch"), []byte(text), 0o644)
	if out, err := git("apply", "--check", "fix.patch"); err != nil {
		t.Fatalf("git apply --check: %v\n%s", err, out)
	}
	if out, err := git("apply", "fix.patch"); err != nil {
		t.Fatalf("git apply: %v\n%s", err, out)
	}
	patched := map[string]string{}
	for name := range taskDefFiles {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		patched[name] = string(b)
	}
	// the files git apply wrote are the ones Build made (the one --write writes)
	for _, f := range pt.Files {
		if patched[f.Name] != string(f.New) {
			t.Errorf("%s after git apply differs from the patch's new text", f.Name)
		}
	}
	after := failing(readInventory(t, patched))
	fixed := 0
	for _, f := range pt.Files {
		for _, fx := range f.Fixes {
			for _, c := range fx.Controls {
				fixed++
				if after[c+" "+fx.TaskDefinition] {
					t.Errorf("%s still FAILS on %s after the patch", c, fx.TaskDefinition)
				}
				if !before[c+" "+fx.TaskDefinition] {
					t.Errorf("%s did not fail on %s before", c, fx.TaskDefinition)
				}
			}
		}
	}
	if fixed < 8 {
		t.Errorf("%d control fixes in the patch, want the 8 of the three whole task definitions", fixed)
	}
	// the containers-only file's ECS.5 fix needs a task volume, which that file cannot hold
	if !strings.Contains(text, "ECS.5 file:tf/containers.json:1:task-definition/side: the file holds only the containerDefinitions array") {
		t.Error("the containers-only file's fix is not left out with its reason")
	}
	for _, want := range []string{"ECS.3", "ECS.4", "ECS.5", "ECS.20"} {
		if !strings.Contains(text, want) {
			t.Errorf("the patch does not fix %s", want)
		}
	}
	if !strings.Contains(string(patched["ecs/describe.json"]), "\uFEFF") {
		t.Error("the byte-order mark was lost")
	}
}
