package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/plan"
)

// plan --format patch and --write on a folder of task-definition files, checked with the real git apply
// and by scanning the patched files again.

// patchFiles are describe-task-definition outputs laid out in three ways: 2-space, tabs with CRLF, one
// compact line with a byte-order mark.
var patchFiles = map[string]string{
	"web.json":         "{\n  \"taskDefinition\": {\n    \"taskDefinitionArn\": \"arn:aws:ecs:eu-west-1:111122223333:task-definition/web:3\",\n    \"family\": \"web\",\n    \"revision\": 3,\n    \"status\": \"ACTIVE\",\n    \"networkMode\": \"awsvpc\",\n    \"pidMode\": \"host\",\n    \"containerDefinitions\": [\n      {\n        \"name\": \"app\",\n        \"image\": \"example/app:1\",\n        \"privileged\": true,\n        \"environment\": [\n          {\"name\": \"GREETING\", \"value\": \"hello-from-the-file\"}\n        ],\n        \"logConfiguration\": {\"logDriver\": \"awslogs\", \"options\": {\"awslogs-group\": \"/ecs/web\"}}\n      }\n    ]\n  }\n}\n",
	"jobs/worker.json": "{\r\n\t\"taskDefinition\": {\r\n\t\t\"containerDefinitions\": [\r\n\t\t\t{\r\n\t\t\t\t\"name\": \"w\",\r\n\t\t\t\t\"image\": \"example/w:1\",\r\n\t\t\t\t\"user\": \"0\",\r\n\t\t\t\t\"readonlyRootFilesystem\": true,\r\n\t\t\t\t\"logConfiguration\": {\"logDriver\": \"awslogs\", \"options\": {\"awslogs-group\": \"/ecs/w\"}}\r\n\t\t\t}\r\n\t\t],\r\n\t\t\"status\": \"ACTIVE\",\r\n\t\t\"revision\": 7,\r\n\t\t\"family\": \"worker\",\r\n\t\t\"taskDefinitionArn\": \"arn:aws:ecs:eu-west-1:111122223333:task-definition/worker:7\"\r\n\t}\r\n}\r\n",
	"batch.json":       "\uFEFF{\"taskDefinition\":{\"taskDefinitionArn\":\"arn:aws:ecs:eu-west-1:111122223333:task-definition/batch:1\",\"family\":\"batch\",\"revision\":1,\"status\":\"ACTIVE\",\"networkMode\":\"awsvpc\",\"containerDefinitions\":[{\"name\":\"b\",\"image\":\"example/b:1\",\"user\":\"1000\",\"readonlyRootFilesystem\":true,\"privileged\":true,\"logConfiguration\":{\"logDriver\":\"awslogs\",\"options\":{\"awslogs-group\":\"/ecs/b\"}}}]}}",
}

// patchRepo writes the files under dir/deploy in a git repository at dir, with a configuration that
// names the non-root user (ECS.20), and makes dir the working directory.
func patchRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	for name, text := range patchFiles {
		p := filepath.Join(dir, "deploy", filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "ecsfix.yaml"), []byte("fix:\n  linux_user: \"1000\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gitIn(t, dir, "init", "-q")
	return dir
}

func gitIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// failedControls scans the folder and returns its FAILED results as "CONTROL RESOURCE".
func failedControls(t *testing.T, snapshot string) map[string]bool {
	t.Helper()
	stdout, stderr, code := runCLI(t, "scan", "--snapshot", snapshot, "--format", "json")
	if code != 0 {
		t.Fatalf("scan exit %d: %s", code, stderr)
	}
	var doc struct {
		Results []struct{ Control, ResourceArn, Status string }
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("scan output: %v", err)
	}
	out := map[string]bool{}
	for _, r := range doc.Results {
		if r.Status == string(detect.Failed) {
			out[r.Control+" "+r.ResourceArn] = true
		}
	}
	return out
}

func TestPlanFormatPatchAppliesWithGitAndRescansClean(t *testing.T) {
	dir := patchRepo(t)
	before := failedControls(t, "deploy")
	for _, want := range []string{
		"ECS.3 arn:aws:ecs:eu-west-1:111122223333:task-definition/web:3",
		"ECS.4 arn:aws:ecs:eu-west-1:111122223333:task-definition/web:3",
		"ECS.20 arn:aws:ecs:eu-west-1:111122223333:task-definition/worker:7",
		"ECS.4 arn:aws:ecs:eu-west-1:111122223333:task-definition/batch:1",
	} {
		if !before[want] {
			t.Fatalf("before the patch, %s does not fail: %v", want, before)
		}
	}
	stdout, stderr, code := runCLI(t, "plan", "--snapshot", "deploy", "--format", "patch")
	if code != 0 {
		t.Fatalf("plan --format patch exit %d: %s", code, stderr)
	}
	if strings.Contains(stdout, "hello-from-the-file") {
		t.Error("the patch prints an environment value")
	}
	for _, want := range []string{"diff --git a/deploy/web.json b/deploy/web.json", "diff --git a/deploy/jobs/worker.json b/deploy/jobs/worker.json", "diff --git a/deploy/batch.json b/deploy/batch.json"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the patch has no %q:\n%s", want, stdout)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "fix.patch"), []byte(stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	gitIn(t, dir, "apply", "--check", "fix.patch")

	// --write makes the same edits: the files then hold what git apply makes of the originals
	wout, stderr, code := runCLI(t, "plan", "--snapshot", "deploy", "--format", "patch", "--write")
	if code != 0 {
		t.Fatalf("plan --format patch --write exit %d: %s", code, stderr)
	}
	if strings.Contains(wout, "diff --git") || !strings.Contains(wout, "wrote deploy/web.json") {
		t.Errorf("--write output:\n%s", wout)
	}
	written := map[string]string{}
	for name := range patchFiles {
		b, err := os.ReadFile(filepath.Join(dir, "deploy", filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		written[name] = string(b)
	}
	gitIn(t, dir, "apply", "-R", "--check", "fix.patch") // the written files are exactly the patched ones
	if !strings.HasPrefix(written["batch.json"], "\uFEFF") || !strings.Contains(written["jobs/worker.json"], "\t\t\t\t\"user\": \"1000\",\r\n") {
		t.Errorf("a byte-order mark, the tabs or the CRLF were not kept:\n%q\n%q", written["batch.json"], written["jobs/worker.json"])
	}
	after := failedControls(t, "deploy")
	for k := range before {
		if after[k] {
			t.Errorf("%s still FAILS after --write", k)
		}
	}
	// nothing left to fix: the patch is empty
	stdout, _, code = runCLI(t, "plan", "--snapshot", "deploy", "--format", "patch")
	if code != 0 || strings.Contains(stdout, "diff --git") {
		t.Errorf("a second plan --format patch (exit %d) still changes files:\n%s", code, stdout)
	}
}

func TestPlanFormatPatchFlags(t *testing.T) {
	patchRepo(t)
	for _, args := range [][]string{
		{"plan", "--snapshot", "deploy", "--write"},
		{"plan", "--format", "patch"},
		{"plan", "--snapshot", "deploy", "--format", "yaml"},
	} {
		if _, stderr, code := runCLI(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, exitUsage, stderr)
		}
	}
}

// A plan made from task definitions kept as files (no ARN) is refused by apply, which says why and what
// to use instead, before anything else.
func TestApplyRefusesAPlanOfFileTaskDefinitions(t *testing.T) {
	td := detect.TaskDefinition{
		TaskDefinition: ecstypes.TaskDefinition{
			Family: aws.String("web"), Status: ecstypes.TaskDefinitionStatusActive, NetworkMode: ecstypes.NetworkModeAwsvpc,
			ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("x"), Privileged: aws.Bool(true)}},
		},
		Source: &detect.FileSource{File: "task-definition.json", Line: 1},
	}
	in := &detect.Inventory{TaskDefinitions: []detect.TaskDefinition{td}}
	var results []detect.Result
	for _, c := range detect.All() {
		if c.TaskDefinition != nil {
			results = append(results, detect.EvaluateRevision(c, &in.TaskDefinitions[0], nil))
		}
	}
	p, err := plan.Build(in, results, plan.Options{ToolVersion: "test", Now: time.Now().UTC(), Source: plan.Source{Kind: "snapshot"}, LinuxUser: "1000"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Actions) == 0 {
		t.Fatal("no action planned for the file's task definition")
	}
	file := filepath.Join(t.TempDir(), "plan.json")
	if err := writePlanFile(file, p); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runCLI(t, "apply", file)
	if code != exitError || !strings.Contains(stderr, "its task definitions are files") || !strings.Contains(stderr, "--format patch") ||
		!strings.Contains(stderr, "file:task-definition.json:1:task-definition/web") {
		t.Fatalf("apply of a plan of files: exit %d, stderr:\n%s", code, stderr)
	}
}

// SARIF locates a file task definition's result at the field that failed and carries its fix: the
// replacements, applied to the file, make what plan --format patch --write makes.
func TestScanSARIFLocatesAndFixesFileFindings(t *testing.T) {
	dir := patchRepo(t)
	stdout, stderr, code := runCLI(t, "scan", "--snapshot", "deploy", "--format", "sarif")
	if code != 0 {
		t.Fatalf("scan exit %d: %s", code, stderr)
	}
	if strings.Contains(stdout, "hello-from-the-file") {
		t.Error("the SARIF output holds an environment value")
	}
	type region struct{ StartLine, EndLine, StartColumn, EndColumn int }
	var doc struct {
		Runs []struct {
			Results []struct {
				RuleID    string
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           region
					}
				}
				Fixes []struct {
					ArtifactChanges []struct {
						ArtifactLocation struct{ URI string }
						Replacements     []struct {
							DeletedRegion   region
							InsertedContent struct{ Text string }
						}
					}
				}
				Message struct{ Text string }
			}
		}
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range doc.Runs[0].Results {
		if r.RuleID != "ECS.4" || !strings.Contains(r.Message.Text, "task-definition/web:3") {
			continue
		}
		found = true
		pl := r.Locations[0].PhysicalLocation
		if pl.ArtifactLocation.URI != "deploy/web.json" || pl.Region.StartLine != 13 { // the "privileged" line
			t.Errorf("ECS.4 on web:3 is located at %s:%d, want deploy/web.json:13", pl.ArtifactLocation.URI, pl.Region.StartLine)
		}
		if len(r.Fixes) != 1 || len(r.Fixes[0].ArtifactChanges) != 1 {
			t.Fatalf("ECS.4 on web:3 has no fix: %+v", r.Fixes)
		}
		ch := r.Fixes[0].ArtifactChanges[0]
		old, _ := os.ReadFile(filepath.Join(dir, "deploy", "web.json"))
		lines := strings.SplitAfter(string(old), "\n")
		var b strings.Builder
		next := 1
		for _, rp := range ch.Replacements {
			for ; next < rp.DeletedRegion.StartLine; next++ {
				b.WriteString(lines[next-1])
			}
			b.WriteString(rp.InsertedContent.Text)
			next = rp.DeletedRegion.EndLine
		}
		for ; next <= len(lines); next++ {
			b.WriteString(lines[next-1])
		}
		if _, stderr, code := runCLI(t, "plan", "--snapshot", "deploy", "--format", "patch", "--write"); code != 0 {
			t.Fatal(stderr)
		}
		want, _ := os.ReadFile(filepath.Join(dir, "deploy", "web.json"))
		if b.String() != string(want) {
			t.Errorf("the SARIF fix makes\n%s\nplan --format patch --write makes\n%s", b.String(), want)
		}
	}
	if !found {
		t.Fatal("no ECS.4 result for web:3")
	}
}

// --snapshot naming one file: the diff names it as given, and --write edits only it.
func TestPlanFormatPatchOfOneFile(t *testing.T) {
	dir := patchRepo(t)
	stdout, stderr, code := runCLI(t, "plan", "--snapshot", "deploy/web.json", "--format", "patch")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "diff --git a/deploy/web.json b/deploy/web.json") || strings.Contains(stdout, "worker.json") {
		t.Fatalf("patch:\n%s", stdout)
	}
	if err := os.WriteFile(filepath.Join(dir, "one.patch"), []byte(stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	gitIn(t, dir, "apply", "--check", "one.patch")
	if _, stderr, code := runCLI(t, "plan", "--snapshot", "deploy/web.json", "--format", "patch", "--write"); code != 0 {
		t.Fatalf("--write exit %d: %s", code, stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "deploy", "jobs", "worker.json")); string(b) != patchFiles["jobs/worker.json"] {
		t.Error("--write on one file changed another")
	}
	gitIn(t, dir, "apply", "-R", "--check", "one.patch")
}

// utf16LE is s in UTF-16LE with its byte-order mark (s is ASCII).
func utf16LE(s string) []byte {
	out := []byte{0xFF, 0xFE}
	for i := 0; i < len(s); i++ {
		out = append(out, s[i], 0)
	}
	return out
}

// A PascalCase task definition (its secret beside the member fixed), a symbolic link to it, and a
// UTF-16 file: the patch, --write and SARIF never print the secret, fix the PascalCase members as
// spelled, leave the link and the UTF-16 file out with their reasons (every edit listed), give their
// SARIF results no fix, and --write leaves the link a link.
func TestPlanFormatPatchPascalCaseLinksAndUTF16(t *testing.T) {
	const secret = "pascal-secret-value-9"
	dir := patchRepo(t)
	deploy := filepath.Join(dir, "deploy")
	pascal := "{\n  \"Family\": \"pas\",\n  \"NetworkMode\": \"awsvpc\",\n  \"ContainerDefinitions\": [\n    {\n      \"Name\": \"p\",\n      \"Image\": \"example/p:1\",\n      \"User\": \"1000\",\n      \"ReadonlyRootFilesystem\": true,\n" +
		"      \"LogConfiguration\": {\"LogDriver\": \"awslogs\", \"Options\": {\"awslogs-group\": \"/ecs/p\"}},\n" +
		"      \"Environment\": [\n        {\"Name\": \"DB_PASSWORD\", \"Value\": \"" + secret + "\"}\n      ],\n      \"Privileged\": true\n    }\n  ]\n}\n"
	u16 := "{\n  \"family\": \"u16\",\n  \"networkMode\": \"awsvpc\",\n  \"containerDefinitions\": [\n    {\"name\": \"u\", \"image\": \"example/u:1\", \"user\": \"0\", \"readonlyRootFilesystem\": true, \"privileged\": true,\n" +
		"     \"logConfiguration\": {\"logDriver\": \"awslogs\", \"options\": {\"awslogs-group\": \"/ecs/u\"}}}\n  ]\n}\n"
	if err := os.WriteFile(filepath.Join(deploy, "pascal.json"), []byte(pascal), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(deploy, "utf16.json"), utf16LE(u16), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("pascal.json", filepath.Join(deploy, "link.json")); err != nil {
		t.Skip(err)
	}
	before := failedControls(t, "deploy")
	for _, want := range []string{"ECS.4 file:pascal.json:1:task-definition/pas", "ECS.4 file:link.json:1:task-definition/pas", "ECS.4 file:utf16.json:1:task-definition/u16"} {
		if !before[want] {
			t.Fatalf("before the patch, %s does not fail: %v", want, before)
		}
	}

	stdout, stderr, code := runCLI(t, "plan", "--snapshot", "deploy", "--format", "patch")
	if code != 0 {
		t.Fatalf("plan --format patch exit %d: %s", code, stderr)
	}
	if strings.Contains(stdout+stderr, secret) {
		t.Fatalf("the patch prints the environment value:\n%s", stdout)
	}
	for _, want := range []string{
		"link.json: a symbolic link: patch its target",
		"utf16.json: the file is UTF-16: ecsfix patches UTF-8 files; convert it to UTF-8 (iconv -f UTF-16 -t UTF-8) to patch it",
		"file:utf16.json:1:task-definition/u16: ECS.4 containerDefinitions[u].privileged",
		"file:utf16.json:1:task-definition/u16: ECS.20 containerDefinitions[u].user",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the patch does not say %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "diff --git a/deploy/link.json") || strings.Contains(stdout, "diff --git a/deploy/utf16.json") || strings.Contains(stdout, "not JSON") {
		t.Errorf("the patch edits the link or the UTF-16 file:\n%s", stdout)
	}
	if err := os.WriteFile(filepath.Join(dir, "fix.patch"), []byte(stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	gitIn(t, dir, "apply", "--check", "fix.patch")

	sarifOut, stderr, code := runCLI(t, "scan", "--snapshot", "deploy", "--format", "sarif")
	if code != 0 {
		t.Fatalf("scan exit %d: %s", code, stderr)
	}
	if strings.Contains(sarifOut, secret) {
		t.Fatal("the SARIF output holds the environment value")
	}
	var doc struct {
		Runs []struct {
			Results []struct {
				Message struct{ Text string }
				Fixes   []json.RawMessage
			}
		}
	}
	if err := json.Unmarshal([]byte(sarifOut), &doc); err != nil {
		t.Fatal(err)
	}
	for _, r := range doc.Runs[0].Results {
		if (strings.Contains(r.Message.Text, "utf16.json") || strings.Contains(r.Message.Text, "link.json")) && len(r.Fixes) > 0 {
			t.Errorf("a result of the UTF-16 file or the link has a fix: %s", r.Message.Text)
		}
	}

	wout, stderr, code := runCLI(t, "plan", "--snapshot", "deploy", "--format", "patch", "--write")
	if code != 0 {
		t.Fatalf("--write exit %d: %s", code, stderr)
	}
	if strings.Contains(wout+stderr, secret) {
		t.Fatal("--write prints the environment value")
	}
	if st, err := os.Lstat(filepath.Join(deploy, "link.json")); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("--write replaced the symbolic link (%v)", err)
	}
	if b, _ := os.ReadFile(filepath.Join(deploy, "utf16.json")); string(b) != string(utf16LE(u16)) {
		t.Error("--write changed the UTF-16 file")
	}
	b, _ := os.ReadFile(filepath.Join(deploy, "pascal.json"))
	if strings.Contains(strings.ToLower(string(b)), "privileged") {
		t.Errorf("pascal.json still holds Privileged:\n%s", b)
	}
	after := failedControls(t, "deploy") // the patched files read: no member twice
	for _, k := range []string{"ECS.4 file:pascal.json:1:task-definition/pas", "ECS.4 file:link.json:1:task-definition/pas"} {
		if after[k] {
			t.Errorf("%s still FAILS after --write (its target was patched)", k)
		}
	}
}
