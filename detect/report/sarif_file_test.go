package report

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/ecsfix/ecsfix/detect"
)

// A result of a task definition kept as a file is located at its FileFinding's line, before the snapshot
// origin, and carries its fix as SARIF artifact changes; a suppressed one carries no fix.
func TestSARIFFileFindingLocationAndFix(t *testing.T) {
	const id = "file:deploy/td.json:1:task-definition/web"
	rep := &Report{
		ToolVersion: "test",
		Results: []detect.Result{
			{ControlInfo: &detect.ControlInfo{Control: "ECS.4", Severity: detect.SeverityHigh}, ResourceArn: id, Status: detect.Failed, Reason: "privileged"},
			{ControlInfo: &detect.ControlInfo{Control: "ECS.5", Severity: detect.SeverityHigh}, ResourceArn: id, Status: detect.Failed, Reason: "rw", Suppressed: &detect.Suppressed{By: "exemption"}},
		},
		Origins: map[string]Origin{id: {File: "deploy/td.json", Line: 1}},
		FileFindings: map[string]FileFinding{
			FileFindingKey("ECS.4", id): {File: "deploy/td.json", Line: 9, Fix: &FileFix{Description: "drop privileged",
				Replacements: []Replacement{{StartLine: 9, EndLine: 10, Inserted: ""}, {StartLine: 12, EndLine: 12, Inserted: "  \"user\": \"1000\",\n"}}}},
			FileFindingKey("ECS.5", id): {File: "deploy/td.json", Line: 7, Fix: &FileFix{Description: "x", Replacements: []Replacement{{StartLine: 7, EndLine: 8}}}},
		},
	}
	var b bytes.Buffer
	if err := SARIF(&b, rep); err != nil {
		t.Fatal(err)
	}
	type region struct{ StartLine, EndLine, StartColumn, EndColumn int }
	var doc struct {
		Runs []struct {
			Results []struct {
				RuleID    string
				Locations []struct {
					PhysicalLocation struct{ Region region }
				}
				Fixes []struct {
					Description     struct{ Text string }
					ArtifactChanges []struct {
						ArtifactLocation struct{ URI string }
						Replacements     []struct {
							DeletedRegion   region
							InsertedContent struct{ Text string }
						}
					}
				}
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, r := range doc.Runs[0].Results {
		switch r.RuleID {
		case "ECS.4":
			if l := r.Locations[0].PhysicalLocation.Region.StartLine; l != 9 {
				t.Errorf("ECS.4 at line %d, want 9", l)
			}
			if len(r.Fixes) != 1 || r.Fixes[0].Description.Text != "drop privileged" || len(r.Fixes[0].ArtifactChanges) != 1 {
				t.Fatalf("ECS.4 fixes: %+v", r.Fixes)
			}
			ch := r.Fixes[0].ArtifactChanges[0]
			if ch.ArtifactLocation.URI != "deploy/td.json" || len(ch.Replacements) != 2 ||
				ch.Replacements[0].DeletedRegion != (region{9, 10, 1, 1}) || ch.Replacements[1].InsertedContent.Text != "  \"user\": \"1000\",\n" {
				t.Errorf("ECS.4 artifact change: %+v", ch)
			}
		case "ECS.5":
			if l := r.Locations[0].PhysicalLocation.Region.StartLine; l != 7 {
				t.Errorf("ECS.5 at line %d, want 7", l)
			}
			if len(r.Fixes) != 0 {
				t.Errorf("a suppressed result carries a fix: %+v", r.Fixes)
			}
		}
	}
}
