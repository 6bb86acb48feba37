package filepatch_test

// Task-definition files spelled in PascalCase (CloudFormation, some tools), which the snapshot reader
// reads as it reads camelCase: the patch masks their values and edits their members as spelled.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/detect/snapshot"
	"github.com/ecsfix/ecsfix/plan"
	"github.com/ecsfix/ecsfix/plan/filepatch"
)

const (
	pascalSecret1 = "hunter2-db-secret"
	pascalSecret2 = "key-secret-4242"
	pascalSecret3 = "wrapped-secret-77"
	pascalSecret4 = "mixed-secret-1234"
)

var pascalFiles = map[string]string{
	"bare.json": "{\n  \"Family\": \"web\",\n  \"NetworkMode\": \"awsvpc\",\n  \"ContainerDefinitions\": [\n    {\n      \"Name\": \"app\",\n      \"Image\": \"example/app:1\",\n      \"User\": \"1000\",\n" +
		"      \"LogConfiguration\": {\"LogDriver\": \"awslogs\", \"Options\": {\"awslogs-group\": \"/ecs/web\"}},\n" +
		"      \"Environment\": [{\"Name\": \"DB_PASSWORD\", \"Value\": \"" + pascalSecret1 + "\"}],\n      \"ReadonlyRootFilesystem\": false,\n      \"Privileged\": true\n    }\n  ]\n}\n",
	"containers.json": "[\n  {\n    \"Name\": \"side\",\n    \"Image\": \"example/side:1\",\n    \"User\": \"1000\",\n    \"ReadonlyRootFilesystem\": true,\n" +
		"    \"LogConfiguration\": {\"LogDriver\": \"awslogs\", \"Options\": {\"awslogs-group\": \"/ecs/side\"}},\n" +
		"    \"Environment\": [{\"Name\": \"API_KEY\", \"Value\": \"" + pascalSecret2 + "\"}],\n    \"Privileged\": true\n  }\n]\n",
	// camelCase but for the environment entries: the edits next to them are made as they always were
	"mixed.json": "{\n  \"family\": \"mix\",\n  \"networkMode\": \"awsvpc\",\n  \"containerDefinitions\": [\n    {\n      \"name\": \"m\",\n      \"image\": \"example/m:1\",\n      \"user\": \"1000\",\n      \"readonlyRootFilesystem\": true,\n" +
		"      \"logConfiguration\": {\"logDriver\": \"awslogs\", \"options\": {\"awslogs-group\": \"/ecs/m\"}},\n" +
		"      \"Environment\": [\n        {\"Name\": \"DB_PASSWORD\", \"Value\": \"" + pascalSecret4 + "\"}\n      ],\n      \"privileged\": true\n    }\n  ]\n}\n",
	"described.json": "{\"TaskDefinition\": {\n  \"Family\": \"job\",\n  \"NetworkMode\": \"awsvpc\",\n  \"ContainerDefinitions\": [{\n    \"Name\": \"j\",\n    \"Image\": \"example/j:1\",\n    \"User\": \"1000\",\n    \"ReadonlyRootFilesystem\": true,\n" +
		"    \"LogConfiguration\": {\"LogDriver\": \"awslogs\", \"Options\": {\"awslogs-group\": \"/ecs/j\"}},\n" +
		"    \"Environment\": [{\"Name\": \"TOKEN\", \"Value\": \"" + pascalSecret3 + "\"}], \"Privileged\": true}]\n}}\n",
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func noSecret(t *testing.T, what, s string) {
	t.Helper()
	for _, v := range []string{pascalSecret1, pascalSecret2, pascalSecret3, pascalSecret4} {
		if strings.Contains(s, v) {
			t.Errorf("%s prints the value %s:\n%s", what, v, s)
		}
	}
}

func TestPascalCaseFilesMaskedAndFixed(t *testing.T) {
	dir := writeFiles(t, pascalFiles)
	in, err := snapshot.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	before := failing(in)
	for _, td := range in.TaskDefinitions {
		if td.Source.File == "bare.json" {
			if l := filepatch.Locate([]byte(pascalFiles["bare.json"]), td.Source, "app", "privileged"); l != 12 {
				t.Errorf("Locate of Privileged in bare.json = line %d, want 12", l)
			}
		}
	}
	p, err := plan.Build(in, evaluate(in), options())
	if err != nil {
		t.Fatal(err)
	}
	pt, err := filepatch.Build(p, in, func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, name)) })
	if err != nil {
		t.Fatal(err)
	}
	text := pt.Unified(func(s string) string { return s })
	t.Log(text)
	noSecret(t, "the patch", text)
	for _, f := range pt.Files {
		reps, _ := f.Replacements()
		for _, r := range reps {
			noSecret(t, "a SARIF replacement of "+f.Name, r.Inserted)
		}
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.New, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// the patched files re-read (no member twice) and the controls fixed pass
	after, err := snapshot.Load(dir)
	if err != nil {
		t.Fatalf("the patched files do not read: %v", err)
	}
	now := failing(after)
	fixed := map[string]bool{}
	for _, f := range pt.Files {
		for _, fx := range f.Fixes {
			for _, c := range fx.Controls {
				fixed[c+" "+fx.TaskDefinition] = true
				if now[c+" "+fx.TaskDefinition] {
					t.Errorf("%s still FAILS on %s after the patch", c, fx.TaskDefinition)
				}
			}
		}
	}
	for _, want := range []string{"ECS.4 file:bare.json:1:task-definition/web", "ECS.5 file:bare.json:1:task-definition/web", "ECS.4 file:containers.json:1", "ECS.4 file:described.json:1:task-definition/job", "ECS.4 file:mixed.json:1:task-definition/mix"} {
		found := false
		for k := range fixed {
			found = found || strings.HasPrefix(k, want)
		}
		if !found {
			t.Errorf("%s is not fixed (failing before: %v; fixed: %v)", want, before, fixed)
		}
	}
	for _, f := range pt.Files {
		b, _ := os.ReadFile(filepath.Join(dir, f.Name))
		for _, m := range []string{`"privileged"`, `"readonlyrootfilesystem"`, `"user"`} {
			if strings.Count(strings.ToLower(string(b)), m) > 1 {
				t.Errorf("%s holds %s twice (in different cases):\n%s", f.Name, m, b)
			}
		}
	}
}

// A value the plan masks that the file does not hold where the plan says (the file is not what was
// read): the task definition is left out whole, none of its text printed.
func TestMaskedValueNotFoundLeavesTheTaskDefinitionOut(t *testing.T) {
	files := map[string]string{"td.json": "{\n  \"family\": \"web\",\n  \"containerDefinitions\": [\n    {\n      \"name\": \"app\",\n      \"image\": \"example/app:1\",\n      \"user\": \"1000\",\n      \"readonlyRootFilesystem\": true,\n      \"environment\": [{\"name\": \"A\", \"value\": \"x\"}],\n      \"privileged\": true\n    }\n  ]\n}\n"}
	in := readInventory(t, files)
	p, err := plan.Build(in, evaluate(in), options())
	if err != nil {
		t.Fatal(err)
	}
	// the text given to Build holds its environment under a name the reader would not read as one
	text := strings.Replace(files["td.json"], `"environment": [{"name": "A", "value": "x"}]`, `"environmentList": [{"name": "A", "value": "`+pascalSecret1+`"}]`, 1)
	pt, err := filepatch.Build(p, in, func(string) ([]byte, error) { return []byte(text), nil })
	if err != nil {
		t.Fatal(err)
	}
	out := pt.Unified(func(s string) string { return s })
	noSecret(t, "the patch", out)
	if len(pt.Files) != 0 || !strings.Contains(out, "is not where the file should hold it") {
		t.Errorf("the task definition is not left out:\n%s", out)
	}
}
