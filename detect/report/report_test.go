package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/detect"
)

const (
	tdArn  = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3"
	svcArn = "arn:aws:ecs:eu-west-1:123456789012:service/prod/web"
)

func sample() *Report {
	return &Report{
		ToolVersion: "test",
		Source:      Source{Kind: "snapshot", Path: "x"},
		Resources:   2,
		Results: []detect.Result{
			{ControlInfo: &detect.ControlInfo{Control: "ECS.5", Severity: detect.SeverityHigh, ResourceType: detect.TypeTaskDefinition}, ResourceArn: tdArn, Status: detect.Failed, Reason: `container "web": readonlyRootFilesystem is absent`},
			{ControlInfo: &detect.ControlInfo{Control: "ECS.8", Severity: detect.SeverityHigh, ResourceType: detect.TypeTaskDefinition}, ResourceArn: tdArn, Status: detect.Failed, Reason: "x",
				Suppressed: &detect.Suppressed{By: "exemption for " + tdArn, Reason: "vendor"}},
			{ControlInfo: &detect.ControlInfo{Control: "ECS.3", Severity: detect.SeverityHigh, ResourceType: detect.TypeTaskDefinition}, ResourceArn: tdArn, Status: detect.Passed, Reason: "pidMode is not host"},
			{ControlInfo: &detect.ControlInfo{Control: "ECS.10", Severity: detect.SeverityMedium, ResourceType: detect.TypeService}, ResourceArn: svcArn, Status: detect.NotApplicable, Reason: "EC2 launch type"},
			{ControlInfo: &detect.ControlInfo{Control: "EXPOSURE.admin-task-role", Severity: detect.SeverityHigh, ResourceType: detect.TypeService}, ResourceArn: svcArn, Status: detect.NotEvaluated, Reason: "role not in inventory"},
		},
		Errors: []detect.ReadError{{Region: "eu-west-1", ResourceType: detect.TypeRole, Resource: "arn:aws:iam::123456789012:role/r", Operation: "GetRole", Message: "AccessDenied"}},
	}
}

func TestSummary(t *testing.T) {
	got := sample().Summary()
	want := Summary{Resources: 2, Evaluated: 4, Passed: 1, Failed: 1, Suppressed: 1, NotApplicable: 1, NotEvaluated: 1, Errors: 1}
	if got != want {
		t.Errorf("Summary() = %+v, want %+v", got, want)
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		name    string
		opts    TextOptions
		want    []string
		notWant []string
	}{
		{"failures only", TextOptions{}, []string{"FAILED", "SUPPRESSED", "suppressed by exemption", "Not evaluated", "Could not read", "1 failed, 1 suppressed, 1 passed"}, []string{"PASSED ", "N/A", "\x1b["}},
		{"all verdicts", TextOptions{All: true}, []string{"PASSED", "N/A", "EC2 launch type"}, []string{"\x1b["}},
		{"colour", TextOptions{Color: true}, []string{"\x1b[31m"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Text(&b, sample(), tt.opts); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, b.String())
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(b.String(), w) {
					t.Errorf("output has %q:\n%s", w, b.String())
				}
			}
		})
	}
}

func TestTextGroupsClustersServicesThenTaskDefinitions(t *testing.T) {
	var b bytes.Buffer
	if err := Text(&b, sample(), TextOptions{All: true}); err != nil {
		t.Fatal(err)
	}
	if s, d := strings.Index(b.String(), svcArn), strings.Index(b.String(), tdArn); s < 0 || d < 0 || s > d {
		t.Errorf("services should come before task definitions:\n%s", b.String())
	}
}

func TestJSONSplitsNotEvaluated(t *testing.T) {
	var b bytes.Buffer
	if err := JSON(&b, sample()); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		FormatVersion int
		Results       []map[string]any
		NotEvaluated  []map[string]any
		Errors        []map[string]any
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.FormatVersion != FormatVersion || len(doc.Results) != 4 || len(doc.NotEvaluated) != 1 || len(doc.Errors) != 1 {
		t.Fatalf("document = %s", b.String())
	}
	for _, r := range doc.Results {
		switch r["status"] {
		case "PASSED", "FAILED", "NOT_APPLICABLE":
		default:
			t.Errorf("results holds status %v", r["status"])
		}
		for _, k := range []string{"control", "resourceType", "resourceArn", "status", "reason", "region", "severity"} {
			if _, ok := r[k]; !ok && k != "region" {
				t.Errorf("result lacks %q: %v", k, r)
			}
		}
	}
}

func TestSARIF(t *testing.T) {
	rep := sample()
	rep.Origins = map[string]Origin{tdArn: {File: "ecs/web.json", Line: 4}}
	var b bytes.Buffer
	if err := SARIF(&b, rep); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version string
		Runs    []struct {
			Results []struct {
				RuleID       string `json:"ruleId"`
				Level        string
				Suppressions []any
				Locations    []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "2.1.0" || len(doc.Runs) != 1 {
		t.Fatalf("sarif = %s", b.String())
	}
	res := doc.Runs[0].Results
	if len(res) != 2 {
		t.Fatalf("want the 2 FAILED results, got %d", len(res))
	}
	if res[0].RuleID != "ECS.5" || res[0].Level != "error" || len(res[0].Suppressions) != 0 {
		t.Errorf("first result = %+v", res[0])
	}
	if loc := res[0].Locations[0].PhysicalLocation; loc.ArtifactLocation.URI != "ecs/web.json" || loc.Region.StartLine != 4 {
		t.Errorf("location = %+v", loc)
	}
	if len(res[1].Suppressions) != 1 {
		t.Errorf("suppressed failure should carry a suppression: %+v", res[1])
	}
}
