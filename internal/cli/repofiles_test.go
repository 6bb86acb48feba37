// This file tests `scan --snapshot` on a folder of task-definition files as repositories keep them: the
// good files are evaluated and reported by file (and line), each file that cannot be read is named on
// stderr with why, the unknown fields are warnings, and the scan exits 3 (incomplete).

package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

var repoFilesCorpus = filepath.Join("..", "..", "detect", "snapshot", "testdata", "repofiles")

func TestScanRepoFiles(t *testing.T) {
	out, errOut, code := runCLI(t, "scan", "--snapshot", repoFilesCorpus, "--format", "json")
	if code != exitIncomplete {
		t.Errorf("exit %d, want %d (incomplete); stderr:\n%s", code, exitIncomplete, errOut)
	}
	corpus := filepath.ToSlash(repoFilesCorpus)
	for _, want := range []string{
		"file=" + corpus + "/broken/truncated.json error=\"7:1: invalid JSON: unexpected end of input",
		"file=" + corpus + "/broken/package.json error=\"not a recognised AWS CLI document (top-level keys: dependencies, name, private, scripts, version)",
		"file=" + corpus + "/broken/number-for-cpu.json error=\"cpu: expected string, got number (line 3, column 10)\"",
		"file=" + corpus + "/broken/no-family.json error=\"family: missing family",
		"file=" + corpus + "/broken/mixed-array.json error=\"not a recognised AWS CLI document: the top level is an array, and its element [1] has no \\\"image\\\"",
		"file=" + corpus + "/broken/odd-utf16.json error=\"invalid UTF-16LE text at line 16 (byte offset 694): the file ends in the middle of a character",
		"unknown field in a task-definition file; evaluated without it file=" + corpus + "/future-fields.json line=8 column=7 field=containerDefinitions[0].quantumAcceleration",
		"unknown field in a task-definition file; evaluated without it file=" + corpus + "/future-fields.json line=15 column=3 field=carbonAwareScheduling",
		"scan incomplete: 6 snapshot file(s) could not be read",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q; stderr:\n%s", want, errOut)
		}
	}
	if n := strings.Count(errOut, "snapshot file not read"); n != 6 {
		t.Errorf("%d unreadable files logged, want 6", n)
	}

	var rep struct {
		Results []struct {
			Control     string `json:"control"`
			ResourceArn string `json:"resourceArn"`
			Status      string `json:"status"`
		} `json:"results"`
		Errors []struct {
			ResourceType string `json:"resourceType"`
			Resource     string `json:"resource"`
			Message      string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("stdout is not the JSON report: %v\n%s", err, out)
	}
	status := map[string]string{}
	for _, r := range rep.Results {
		status[r.Control+" "+r.ResourceArn] = r.Status
	}
	// Every good file is evaluated, named by its ARN or, without one, by its file, line and family.
	for id, want := range map[string]string{
		"ECS.5 file:task-definition.json:1:task-definition/checkout":              "FAILED",
		"ECS.5 file:deploy/staging/task-definition.json:1:task-definition/api":    "FAILED",
		"ECS.5 file:deploy/production/task-definition.json:1:task-definition/api": "PASSED",
		"ECS.4 file:ecspresso/ecs-task-def.json:1:task-definition/reports":        "FAILED",
		"ECS.5 file:editor-utf8-bom.json:1:task-definition/bom":                   "FAILED",
		"ECS.5 file:windows-utf16le.json:1:task-definition/winle":                 "FAILED",
		"ECS.5 file:windows-utf16be.json:1:task-definition/winbe":                 "PASSED",
		"ECS.5 file:future-fields.json:1:task-definition/future":                  "PASSED",
		"ECS.5 file:terraform/container-definitions.json:1:task-definition/":      "FAILED",
		"ECS.5 arn:aws:ecs:eu-west-1:111122223333:task-definition/worker:3":       "PASSED",
		"ECS.4 arn:aws:ecs:eu-west-1:111122223333:task-definition/worker:2":       "NOT_APPLICABLE", // superseded by worker:3
		"ECS.5 arn:aws:ecs:eu-west-1:111122223333:task-definition/billing:7":      "PASSED",
		"ECS.4 file:deploy/staging/task-definition.json:1:task-definition/api":    "PASSED",
		"ECS.4 file:terraform/container-definitions.json:1:task-definition/":      "PASSED",
		"ECS.4 arn:aws:ecs:eu-west-1:111122223333:task-definition/billing:7":      "PASSED",
	} {
		if got := status[id]; got != want {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}
	if len(rep.Errors) != 6 {
		t.Errorf("%d read errors in the report, want 6: %+v", len(rep.Errors), rep.Errors)
	}
	for _, e := range rep.Errors {
		if e.ResourceType != "File" || !strings.Contains(filepath.ToSlash(e.Resource), "/broken/") || e.Message == "" {
			t.Errorf("read error %+v", e)
		}
	}

	// SARIF locates a result of a file without an ARN in that file, at the line its task definition opens.
	sarif, _, code := runCLI(t, "scan", "--snapshot", repoFilesCorpus, "--format", "sarif")
	if code != exitIncomplete || !strings.Contains(sarif, corpus+"/deploy/staging/task-definition.json") {
		t.Errorf("SARIF (exit %d) does not locate the staging file:\n%.2000s", code, sarif)
	}
}

// TestScanRepoFileAlone: one broken file given alone is bad input (exit 1) naming it; one good file is
// scanned as it is saved.
func TestScanRepoFileAlone(t *testing.T) {
	bad := filepath.Join(repoFilesCorpus, "broken", "package.json")
	out, errOut, code := runCLI(t, "scan", "--snapshot", bad)
	if code != exitError || !strings.Contains(errOut, bad+": not a recognised AWS CLI document") || out != "" {
		t.Errorf("exit %d, stdout %q, stderr:\n%s", code, out, errOut)
	}
	good := filepath.Join(repoFilesCorpus, "deploy", "staging", "task-definition.json")
	out, errOut, code = runCLI(t, "scan", "--snapshot", good, "--control", "ECS.5", "--exit-code", "4")
	if code != 4 || !strings.Contains(out, "file:"+good+":1:task-definition/api") || !strings.Contains(out, `container "api": readonlyRootFilesystem is false`) {
		t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}
