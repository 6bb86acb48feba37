// This file tests reading task definitions as teams keep them in their repositories: the corpus in
// testdata/repofiles, each well-formed file evaluated as saved, each broken one named with its reason,
// and the whole folder at once.

package snapshot

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

const repofiles = "testdata/repofiles"

// repoFile is what one well-formed file of the corpus must give.
type repoFile struct {
	file           string // relative to the corpus
	arn            string // "" when it has none (named by its FileID)
	family         string
	line           int    // where the task definition (or the array) opens
	originLine     int    // the line results point at (the ARN's line when it has one)
	pointer        string // JSON pointer to it
	containersOnly bool
	tags           []string // key=value
	unknown        []string // UnknownFields
	containers     []string // container names
	ecs4, ecs5     detect.Status
}

var goodRepoFiles = []repoFile{
	{file: "aws/console-export.json", arn: "arn:aws:ecs:eu-west-1:111122223333:task-definition/billing:7", family: "billing",
		line: 1, originLine: 2, tags: []string{"team=billing"}, containers: []string{"billing"}, ecs4: detect.Passed, ecs5: detect.Passed},
	// worker:2 is superseded by worker:3 when both are read: only revisions with an ARN follow that rule
	{file: "aws/worker-2-with-tags.json", arn: "arn:aws:ecs:eu-west-1:111122223333:task-definition/worker:2", family: "worker",
		line: 2, originLine: 3, pointer: "/taskDefinition", tags: []string{"team=batch"}, containers: []string{"worker"}, ecs4: detect.Failed, ecs5: detect.Failed},
	{file: "aws/worker-described.json", arn: "arn:aws:ecs:eu-west-1:111122223333:task-definition/worker:3", family: "worker",
		line: 1, originLine: 2, containers: []string{"worker"}, ecs4: detect.Passed, ecs5: detect.Passed},
	{file: "deploy/production/task-definition.json", family: "api", line: 1, originLine: 1, containers: []string{"api"}, ecs4: detect.Passed, ecs5: detect.Passed},
	{file: "deploy/staging/task-definition.json", family: "api", line: 1, originLine: 1, containers: []string{"api"}, ecs4: detect.Passed, ecs5: detect.Failed},
	{file: "ecspresso/ecs-task-def.json", family: "reports", line: 1, originLine: 1, tags: []string{"team=finance", "env=production"},
		containers: []string{"reports"}, ecs4: detect.Failed, ecs5: detect.Passed},
	{file: "editor-utf8-bom.json", family: "bom", line: 1, originLine: 1, containers: []string{"bom"}, ecs4: detect.Passed, ecs5: detect.Failed},
	{file: "future-fields.json", family: "future", line: 1, originLine: 1, containers: []string{"app"},
		unknown: []string{"containerDefinitions[0].quantumAcceleration", "carbonAwareScheduling"}, ecs4: detect.Passed, ecs5: detect.Passed},
	{file: "task-definition.json", family: "checkout", line: 1, originLine: 1, containers: []string{"checkout"}, ecs4: detect.Passed, ecs5: detect.Failed},
	{file: "terraform/container-definitions.json", line: 1, originLine: 1, containersOnly: true,
		containers: []string{"frontend", "sidecar"}, ecs4: detect.Passed, ecs5: detect.Failed},
	{file: "windows-utf16be.json", family: "winbe", line: 1, originLine: 1, containers: []string{"winbe"}, ecs4: detect.Passed, ecs5: detect.Passed},
	{file: "windows-utf16le.json", family: "winle", line: 1, originLine: 1, containers: []string{"winle"}, ecs4: detect.Passed, ecs5: detect.Failed},
}

// brokenRepoFiles are the files that cannot be read, and what the error must say (after the file's name).
var brokenRepoFiles = map[string]string{
	"broken/mixed-array.json":    `not a recognised AWS CLI document: the top level is an array, and its element [1] has no "image", so it is not a containerDefinitions array`,
	"broken/no-family.json":      "family: missing family (a task definition kept as a file without a taskDefinitionArn is named by its family)",
	"broken/number-for-cpu.json": "cpu: expected string, got number (line 3, column 10)",
	"broken/odd-utf16.json":      "invalid UTF-16LE text at line 16 (byte offset 694): the file ends in the middle of a character (an odd number of bytes)",
	"broken/package.json":        "not a recognised AWS CLI document (top-level keys: dependencies, name, private, scripts, version)",
	"broken/truncated.json":      "7:1: invalid JSON: unexpected end of input",
}

// checkRepoFile checks the task definition read from one corpus file; name is its Source.File.
func checkRepoFile(t *testing.T, want repoFile, name string, snap *Snapshot) {
	t.Helper()
	in := snap.Inventory
	var td *detect.TaskDefinition
	for i := range in.TaskDefinitions {
		if s := in.TaskDefinitions[i].Source; s != nil && s.File == name {
			td = &in.TaskDefinitions[i]
		}
	}
	if td == nil {
		t.Fatalf("%s: no task definition read from it", name)
	}
	src := *td.Source
	if src.Line != want.line || src.Pointer != want.pointer || src.ContainersOnly != want.containersOnly {
		t.Errorf("%s: Source = %+v, want line %d, pointer %q, containers only %v", name, src, want.line, want.pointer, want.containersOnly)
	}
	id := want.arn
	if id == "" {
		id = detect.FileID(src, want.family)
	}
	if td.ARN() != id || (want.arn == "") != td.FileOnly() {
		t.Errorf("%s: ARN() = %q (file only %v), want %q", name, td.ARN(), td.FileOnly(), id)
	}
	if str(td.Family) != want.family {
		t.Errorf("%s: family %q, want %q", name, str(td.Family), want.family)
	}
	var tags []string
	for _, tg := range td.Tags {
		tags = append(tags, str(tg.Key)+"="+str(tg.Value))
	}
	if !slices.Equal(tags, want.tags) {
		t.Errorf("%s: tags %v, want %v", name, tags, want.tags)
	}
	if !slices.Equal(td.UnknownFields, want.unknown) {
		t.Errorf("%s: unknown fields %q, want %q", name, td.UnknownFields, want.unknown)
	}
	var names []string
	for _, c := range td.ContainerDefinitions {
		names = append(names, str(c.Name))
	}
	if td.Trimmed { // superseded in the folder, and run by nothing: its body is not kept (DropUnread)
		if len(names) > 0 || td.Volumes != nil {
			t.Errorf("%s: trimmed, yet it holds containers %v or volumes", name, names)
		}
	} else if !slices.Equal(names, want.containers) {
		t.Errorf("%s: containers %v, want %v", name, names, want.containers)
	}
	if o := snap.Origins[id]; !strings.HasSuffix(filepath.ToSlash(o.File), name) || o.Line != want.originLine {
		t.Errorf("%s: origin %+v, want the file at line %d", name, o, want.originLine)
	}
}

// verdicts evaluates the inventory: control + " " + resource -> status.
func verdicts(in *detect.Inventory) map[string]detect.Status {
	out := map[string]detect.Status{}
	for _, r := range detect.Evaluate(in, &detect.Settings{}) {
		out[r.Control+" "+r.ResourceArn] = r.Status
	}
	return out
}

// TestRepoFilesEachAsSaved: each well-formed file, given alone, is read and evaluated as it is saved.
func TestRepoFilesEachAsSaved(t *testing.T) {
	for _, want := range goodRepoFiles {
		t.Run(want.file, func(t *testing.T) {
			path := filepath.Join(repofiles, filepath.FromSlash(want.file))
			snap, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(snap.Inventory.TaskDefinitions) != 1 || len(snap.Inventory.Errors) != 0 {
				t.Fatalf("%d task definitions, errors %v", len(snap.Inventory.TaskDefinitions), snap.Inventory.Errors)
			}
			checkRepoFile(t, want, path, snap)
			id := snap.Inventory.TaskDefinitions[0].ARN()
			v := verdicts(snap.Inventory)
			// alone, worker:2 is its family's latest ACTIVE revision
			if got := v["ECS.4 "+id]; got != want.ecs4 {
				t.Errorf("ECS.4 %s: %s, want %s", id, got, want.ecs4)
			}
			if got := v["ECS.5 "+id]; got != want.ecs5 {
				t.Errorf("ECS.5 %s: %s, want %s", id, got, want.ecs5)
			}
		})
	}
}

// TestRepoFilesBroken: each broken file, given alone, is an error naming it and why.
func TestRepoFilesBroken(t *testing.T) {
	for file, why := range brokenRepoFiles {
		t.Run(file, func(t *testing.T) {
			path := filepath.Join(repofiles, filepath.FromSlash(file))
			_, err := Open(path)
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), why) {
				t.Errorf("error = %v\nwant it to name %s and say %q", err, path, why)
			}
		})
	}
}

// TestRepoFilesFolder: the whole corpus at once: every good file is evaluated, each broken one is a read
// error naming it, and the unknown fields are warnings.
func TestRepoFilesFolder(t *testing.T) {
	snap, err := Open(repofiles)
	if err != nil {
		t.Fatal(err)
	}
	in := snap.Inventory
	if len(in.TaskDefinitions) != len(goodRepoFiles) {
		t.Errorf("%d task definitions read, want %d", len(in.TaskDefinitions), len(goodRepoFiles))
	}
	v := verdicts(in)
	for _, want := range goodRepoFiles {
		checkRepoFile(t, want, want.file, snap)
		id := want.arn
		if id == "" {
			id = detect.FileID(detect.FileSource{File: want.file, Line: want.line}, want.family)
		}
		ecs4, ecs5 := want.ecs4, want.ecs5
		if want.file == "aws/worker-2-with-tags.json" { // superseded by worker:3, read too
			ecs4, ecs5 = detect.NotApplicable, detect.NotApplicable
			if td, ok := in.TaskDefinition(id); !ok || !td.Trimmed {
				t.Errorf("%s: superseded and run by nothing, yet not trimmed", id)
			}
		}
		if v["ECS.4 "+id] != ecs4 || v["ECS.5 "+id] != ecs5 {
			t.Errorf("%s: ECS.4 %s, ECS.5 %s; want %s, %s", id, v["ECS.4 "+id], v["ECS.5 "+id], ecs4, ecs5)
		}
	}
	// The staging and production variants of one family are two task definitions, each evaluated.
	if staging, production := "file:deploy/staging/task-definition.json:1:task-definition/api", "file:deploy/production/task-definition.json:1:task-definition/api"; v["ECS.5 "+staging] != detect.Failed || v["ECS.5 "+production] != detect.Passed {
		t.Errorf("staging %s, production %s", v["ECS.5 "+staging], v["ECS.5 "+production])
	}

	var got []string
	for _, e := range in.Errors {
		if e.ResourceType != ResourceTypeFile || e.Operation != OperationReadFile {
			t.Errorf("read error %+v is not a file's", e)
		}
		got = append(got, e.Resource)
		rel, _ := filepath.Rel(repofiles, e.Resource)
		if why, ok := brokenRepoFiles[filepath.ToSlash(rel)]; !ok || !strings.HasPrefix(e.Message, why) {
			t.Errorf("%s: %q, want %q", e.Resource, e.Message, why)
		}
	}
	if len(got) != len(brokenRepoFiles) {
		t.Errorf("read errors for %v, want one for each of %d broken files", got, len(brokenRepoFiles))
	}

	var warned []string
	for _, w := range snap.Warnings {
		warned = append(warned, w.String())
	}
	wantWarnings := []string{
		filepath.Join(repofiles, "future-fields.json") + ":8:7: containerDefinitions[0].quantumAcceleration: " + unknownFieldMessage,
		filepath.Join(repofiles, "future-fields.json") + ":15:3: carbonAwareScheduling: " + unknownFieldMessage,
	}
	if !slices.Equal(warned, wantWarnings) {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(warned, "\n"), strings.Join(wantWarnings, "\n"))
	}
}

// TestRepoFilesUTF16Text: a UTF-16 file's strings are transcoded whole (non-ASCII letters, and a
// character outside the basic plane written as a surrogate pair), the same as the UTF-8 file's.
func TestRepoFilesUTF16Text(t *testing.T) {
	for _, f := range []string{"windows-utf16le.json", "windows-utf16be.json", "editor-utf8-bom.json"} {
		in, err := Load(filepath.Join(repofiles, f))
		if err != nil {
			t.Fatal(err)
		}
		env := in.TaskDefinitions[0].ContainerDefinitions[0].Environment
		if len(env) != 1 || str(env[0].Value) != "grüß dich 👋" {
			t.Errorf("%s: environment %+v", f, env)
		}
	}
}

// TestTaskDefinitionShapes: the shapes one at a time, and what is still refused.
func TestTaskDefinitionShapes(t *testing.T) {
	t.Run("tags inside and beside must agree", func(t *testing.T) {
		doc := `{"taskDefinition": {"family": "a", "containerDefinitions": [], "tags": [{"key": "k", "value": "1"}]}, "tags": [{"key": "k", "value": "2"}]}`
		if _, err := Parse("x.json", []byte(doc)); err == nil || !strings.Contains(err.Error(), "x.json: taskDefinition.tags and tags differ") {
			t.Errorf("error = %v", err)
		}
		same := strings.Replace(doc, `"value": "2"`, `"value": "1"`, 1)
		if in, err := Parse("x.json", []byte(same)); err != nil || len(in.TaskDefinitions[0].Tags) != 1 {
			t.Errorf("same tags: %v", err)
		}
	})
	t.Run("tags twice", func(t *testing.T) {
		doc := `{"family": "a", "containerDefinitions": [], "tags": [], "Tags": []}`
		if _, err := Parse("x.json", []byte(doc)); err == nil || !strings.Contains(err.Error(), "x.json: Tags: duplicate field") {
			t.Errorf("error = %v", err)
		}
	})
	t.Run("describe output without an ARN", func(t *testing.T) {
		in, err := Parse("x.json", []byte("{\n \"taskDefinition\":\n  {\"family\": \"a\", \"containerDefinitions\": [], \"newThing\": 1}, \"nextThing\": 2}"))
		if err != nil {
			t.Fatal(err)
		}
		td := in.TaskDefinitions[0]
		if td.ARN() != "file:x.json:3:task-definition/a" || td.Source.Pointer != "/taskDefinition" || !slices.Equal(td.UnknownFields, []string{"newThing"}) {
			t.Errorf("ARN %s, source %+v, unknown %v", td.ARN(), td.Source, td.UnknownFields)
		}
	})
	t.Run("a task definition and a command's output", func(t *testing.T) {
		if _, err := Parse("x.json", []byte(`{"containerDefinitions": [], "services": []}`)); err == nil ||
			!strings.Contains(err.Error(), "mixes the outputs of several commands (aws ecs describe-services; a task definition of its own (containerDefinitions))") {
			t.Errorf("error = %v", err)
		}
	})
	t.Run("empty array", func(t *testing.T) {
		if _, err := Parse("x.json", []byte(`[]`)); err == nil || !strings.Contains(err.Error(), "the top level is an empty array") {
			t.Errorf("error = %v", err)
		}
	})
	t.Run("unknown fields elsewhere stay errors", func(t *testing.T) {
		if _, err := Parse("x.json", []byte(`{"clusters": [{"clusterArn": "a", "newThing": 1}]}`)); err == nil || !strings.Contains(err.Error(), "clusters[0].newThing: unknown field") {
			t.Errorf("error = %v", err)
		}
	})
	t.Run("many unknown fields are bounded", func(t *testing.T) {
		var b strings.Builder
		b.WriteString(`{"family": "a", "containerDefinitions": []`)
		for i := range 250 {
			b.WriteString(`, "x` + strings.Repeat("y", i) + `": 1`)
		}
		b.WriteString(`, "` + strings.Repeat("k", 5000) + `": 1}`)
		p, err := parseDocument("x.json", "x.json", strings.NewReader(b.String()), int64(b.Len()), nil)
		if err != nil {
			t.Fatal(err)
		}
		td := p.taskDefinitions[0].v
		if len(td.UnknownFields) != maxUnknownFields || len(p.warnings) != maxUnknownFields+1 ||
			p.warnings[maxUnknownFields].Message != "and 151 more unknown fields, not listed (the first 100 are)" {
			t.Errorf("%d unknown fields, %d warnings, last %+v", len(td.UnknownFields), len(p.warnings), p.warnings[len(p.warnings)-1])
		}
	})
	t.Run("UTF-16 without a byte-order mark", func(t *testing.T) {
		if _, err := Parse("x.json", []byte("{\x00}\x00")); err == nil || !strings.Contains(err.Error(), "x.json: the file starts with a NUL byte: it looks like UTF-16 without a byte-order mark") {
			t.Errorf("error = %v", err)
		}
	})
	t.Run("unpaired surrogate", func(t *testing.T) {
		doc := []byte{0xFF, 0xFE, '[', 0, '\n', 0, 0x00, 0xDC, ']', 0}
		if _, err := Parse("x.json", doc); err == nil || !strings.Contains(err.Error(), "x.json: invalid UTF-16LE text at line 2 (byte offset 6): a low surrogate without its high half") {
			t.Errorf("error = %v", err)
		}
	})
}

// TestIdenticalCopiesAcrossFiles: one revision (with its ARN) in two files is kept once, though the
// copies' Source differ; two versions of it are still a conflict; two files of one family without an
// ARN are two task definitions.
func TestIdenticalCopiesAcrossFiles(t *testing.T) {
	worker, err := os.ReadFile(filepath.Join(repofiles, "aws", "worker-described.json"))
	if err != nil {
		t.Fatal(err)
	}
	api, err := os.ReadFile(filepath.Join(repofiles, "deploy", "staging", "task-definition.json"))
	if err != nil {
		t.Fatal(err)
	}
	in, err := Load(writeTree(t, map[string]string{
		"a/worker.json": string(worker), "b/worker.json": string(worker),
		"a/api.json": string(api), "b/api.json": string(api),
	}))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range in.TaskDefinitions {
		ids = append(ids, in.TaskDefinitions[i].ARN())
	}
	slices.Sort(ids)
	want := []string{"arn:aws:ecs:eu-west-1:111122223333:task-definition/worker:3",
		"file:a/api.json:1:task-definition/api", "file:b/api.json:1:task-definition/api"}
	if !slices.Equal(ids, want) {
		t.Errorf("task definitions %v, want %v", ids, want)
	}
	changed := strings.Replace(string(worker), `"readonlyRootFilesystem": true`, `"readonlyRootFilesystem": false`, 1)
	_, err = Load(writeTree(t, map[string]string{"a/worker.json": string(worker), "b/worker.json": changed}))
	if err == nil || !strings.Contains(err.Error(), "AWS::ECS::TaskDefinition arn:aws:ecs:eu-west-1:111122223333:task-definition/worker:3 differs between") {
		t.Errorf("error = %v", err)
	}
}

// TestRegisterInputFieldsAreTaskDefinitionFields: a task definition of its own is decoded into the SDK's
// TaskDefinition with its tags beside: every other field register-task-definition takes must be one of
// TaskDefinition's, or a file using it would lose it (an SDK upgrade that adds one fails here).
func TestRegisterInputFieldsAreTaskDefinitionFields(t *testing.T) {
	in := reflect.TypeFor[ecs.RegisterTaskDefinitionInput]()
	td := reflect.TypeFor[ecstypes.TaskDefinition]()
	for i := range in.NumField() {
		f := in.Field(i)
		if !f.IsExported() || f.Name == "Tags" {
			continue
		}
		if g, ok := td.FieldByName(f.Name); !ok || g.Type != f.Type {
			t.Errorf("RegisterTaskDefinitionInput.%s (%s) is not a field of TaskDefinition of that type", f.Name, f.Type)
		}
	}
}

// TestHostileFileKeepsOthersErrors: a file whose error would quote a huge member name has a bounded
// message, and the other files' errors are all there.
func TestHostileFileKeepsOthersErrors(t *testing.T) {
	huge := `{"services": [{"serviceArn": "a", "` + strings.Repeat("k", 1<<20) + `": 1}]}`
	dir := writeTree(t, map[string]string{"a.json": huge, "b.json": `{"services": [`, "c.json": svcA})
	in, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Errors) != 2 || len(in.Services) != 1 {
		t.Fatalf("errors %d, services %d", len(in.Errors), len(in.Services))
	}
	if m := in.Errors[0].Message; len(m) > maxReadErrorMessage+len("…") || !strings.HasPrefix(m, "services[0].kkkk") {
		t.Errorf("a.json: message of %d bytes: %.100s", len(m), m)
	}
	if !strings.HasPrefix(in.Errors[1].Message, "1:15: invalid JSON") {
		t.Errorf("b.json: %+v", in.Errors[1])
	}
}
