package findings

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

func readFixture(t *testing.T, name string) []Finding {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := Parse(name, data)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return fs
}

func TestParseGetFindings(t *testing.T) {
	fs := readFixture(t, "get-findings.json")
	if len(fs) != 2 {
		t.Fatalf("got %d findings, want 2", len(fs))
	}
	f := fs[0]
	want := Finding{Format: ASFF,
		ID:      "arn:aws:securityhub:eu-west-1:123456789012:security-control/ECS.5/finding/0b7a9c3e-1d2f-4a5b-8c6d-7e8f9a0b1c2d",
		Product: "arn:aws:securityhub:eu-west-1::product/aws/securityhub", Account: "123456789012", Region: "eu-west-1",
		Control: "ECS.5", Compliance: "FAILED", RecordState: "ACTIVE", Workflow: "NEW",
		Resources: []Resource{{Type: "AwsEcsTaskDefinition", ID: "arn:aws:ecs:eu-west-1:123456789012:task-definition/api:2"}}}
	if fmt.Sprint(f) != fmt.Sprint(want) {
		t.Errorf("finding 0:\n got %+v\nwant %+v", f, want)
	}
	if open, why := f.Open(); !open {
		t.Errorf("finding 0 is not open: %s", why)
	}
	// The second has no SecurityControlId: its GeneratorId names the control. It is PASSED and RESOLVED.
	if fs[1].Control != "ECS.12" {
		t.Errorf("finding 1 control = %q, want ECS.12 (from GeneratorId)", fs[1].Control)
	}
	if open, why := fs[1].Open(); open || !strings.Contains(why, "PASSED") {
		t.Errorf("finding 1 open=%v (%s), want closed for its PASSED status", open, why)
	}
}

func TestParseGetFindingsV2(t *testing.T) {
	fs := readFixture(t, "get-findings-v2.json")
	if len(fs) != 2 {
		t.Fatalf("got %d findings, want 2", len(fs))
	}
	e := fs[0]
	if e.Format != OCSF || !e.Exposure || e.Control != "" || e.Account != "123456789012" || e.Region != "eu-west-1" ||
		e.Product != "arn:aws:securityhub:eu-west-1::productv2/aws/securityhub" || e.Workflow != "NEW" {
		t.Errorf("exposure finding = %+v", e)
	}
	if len(e.Resources) != 1 || e.Resources[0].Type != "AwsEcsService" || e.Resources[0].ID != "arn:aws:ecs:eu-west-1:123456789012:service/prod/api" {
		t.Errorf("exposure resources = %+v, want the service as AwsEcsService", e.Resources)
	}
	if open, why := e.Open(); !open {
		t.Errorf("exposure finding not open: %s", why)
	}
	c := fs[1]
	if c.Exposure || c.Control != "ECS.12" || c.Compliance != "FAILED" || c.Workflow != "NOTIFIED" {
		t.Errorf("control finding = %+v, want ECS.12 FAILED NOTIFIED", c)
	}
	if open, why := c.Open(); !open {
		t.Errorf("OCSF control finding not open: %s", why)
	}
}

func TestParseImportedEvent(t *testing.T) {
	fs := readFixture(t, "imported-event.json")
	if len(fs) != 1 || fs[0].Format != ASFF || fs[0].Control != "ECS.2" || fs[0].Workflow != "NOTIFIED" || fs[0].Account != "123456789012" {
		t.Fatalf("event findings = %+v", fs)
	}
	fs = readFixture(t, "imported-v2-event.json")
	if len(fs) != 1 || fs[0].Format != OCSF || !fs[0].Exposure || fs[0].Resources[0].Type != "AwsEcsService" {
		t.Fatalf("V2 event findings = %+v", fs)
	}
	// An ASFF event's findings are ASFF whatever they hold: a finding_info there does not make one OCSF.
	_, err := Parse("event.json", []byte(`{"source":"aws.securityhub","detail-type":"Security Hub Findings - Imported","detail":{"findings":[{"finding_info":{"uid":"x"}}]}}`))
	if err == nil || !strings.Contains(err.Error(), "Id is required") {
		t.Errorf("an OCSF finding in an ASFF event: %v, want it read as ASFF and refused", err)
	}
}

// asff builds an ASFF finding as a JSON object, with the fields changed by edit.
func asff(edit func(m map[string]any)) map[string]any {
	m := map[string]any{
		"Id": "f-1", "ProductArn": "arn:aws:securityhub:eu-west-1::product/aws/securityhub",
		"AwsAccountId": "123456789012", "Region": "eu-west-1",
		"Compliance":  map[string]any{"Status": "FAILED", "SecurityControlId": "ECS.5"},
		"RecordState": "ACTIVE", "Workflow": map[string]any{"Status": "NEW"},
		"Resources": []any{map[string]any{"Type": "AwsEcsTaskDefinition", "Id": "arn:aws:ecs:eu-west-1:123456789012:task-definition/api:2"}},
	}
	if edit != nil {
		edit(m)
	}
	return m
}

func doc(t *testing.T, findings ...map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"Findings": findings})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseRefusesHostileInput(t *testing.T) {
	tooMany := make([]any, MaxResources+1)
	for i := range tooMany {
		tooMany[i] = map[string]any{"Type": "AwsEcsCluster", "Id": fmt.Sprint("c", i)}
	}
	cases := []struct {
		name string
		data []byte
		want []string // all in the error
	}{
		{"not JSON", []byte("Findings"), []string{"input.json", "not a JSON object"}},
		{"trailing data", []byte(`{"Findings":[]} {}`), []string{"after the JSON value"}},
		{"neither shape", []byte(`{"findings":[]}`), []string{"no Findings", "no detail"}},
		{"Findings not a list", []byte(`{"Findings":{"Id":"x"}}`), []string{"Findings is not a list"}},
		{"finding not an object", []byte(`{"Findings":[42]}`), []string{"finding 0", "not a JSON object"}},
		{"id of wrong type", doc(t, asff(nil), asff(func(m map[string]any) { m["Id"] = 7 })), []string{"finding 1", "Id", "number"}},
		{"resources of wrong type", doc(t, asff(func(m map[string]any) { m["Resources"] = "x" })), []string{"finding 0", "Resources"}},
		{"no id", doc(t, asff(func(m map[string]any) { delete(m, "Id") })), []string{"finding 0", "Id is required"}},
		{"id with a newline", doc(t, asff(func(m map[string]any) { m["Id"] = "f-1\nfinding live: forged" })), []string{"finding 0", `f-1\nfinding live: forged`, "control character"}},
		{"id with a bidi override", doc(t, asff(func(m map[string]any) { m["Id"] = "f\u202e1" })), []string{"finding 0", "control character"}},
		{"id with an escape sequence", doc(t, asff(func(m map[string]any) { m["Id"] = "f\x1b[2J" })), []string{"finding 0", "control character"}},
		{"id too long", doc(t, asff(func(m map[string]any) { m["Id"] = strings.Repeat("x", MaxIDLen+1) })), []string{"finding 0", "at most 512"}},
		{"resource id with a newline", doc(t, asff(func(m map[string]any) {
			m["Resources"] = []any{map[string]any{"Type": "AwsEcsCluster", "Id": "arn\nx"}}
		})), []string{"finding 0", "f-1", "resource 0 id", `arn\nx`}},
		{"too many resources", doc(t, asff(func(m map[string]any) { m["Resources"] = tooMany })), []string{"finding 0", "33 resources"}},
		{"no resources", doc(t, asff(func(m map[string]any) { m["Resources"] = []any{} })), []string{"finding 0", "no resources"}},
		{"bad account", doc(t, asff(func(m map[string]any) { m["AwsAccountId"] = "12345678901\n" })), []string{"finding 0", `account "12345678901\n"`}},
		{"bad region", doc(t, asff(func(m map[string]any) { m["Region"] = "../../etc" })), []string{"finding 0", "not an AWS region"}},
		{"bad control", doc(t, asff(func(m map[string]any) {
			m["Compliance"] = map[string]any{"Status": "FAILED", "SecurityControlId": "ECS.5 \x07"}
		})), []string{"finding 0", "control"}},
		{"deep nesting", []byte(`{"Findings":[` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `]}`), []string{"nested deeper than 64"}},
		{"too large", append(append([]byte(`{"Findings":[],"x":"`), bytes.Repeat([]byte("a"), MaxInputBytes)...), `"}`...), []string{"larger than 64 MiB"}},
		{"event of another type", []byte(`{"source":"aws.securityhub","detail-type":"Security Hub Insight Results","detail":{"findings":[]}}`), []string{`is not a "Security Hub Findings - Imported" or "Findings Imported V2" event`}},
		{"event without findings", []byte(`{"source":"aws.securityhub","detail-type":"Security Hub Findings - Imported","detail":{}}`), []string{"no findings list"}},
		{"event source of wrong type", []byte(`{"source":1,"detail-type":"Security Hub Findings - Imported","detail":{"findings":[]}}`), []string{"event source is not a string"}},
		{"OCSF without uid", []byte(`{"Findings":[{"finding_info":{},"cloud":{"account":{"uid":"123456789012"},"region":"eu-west-1"}}]}`), []string{"finding 0", "finding_info.uid is required"}},
		{"OCSF resources of wrong type", []byte(`{"Findings":[{"finding_info":{"uid":"u"},"resources":[{"uid":["x"]}]}]}`), []string{"finding 0", "uid"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs, err := Parse("input.json", c.data)
			if err == nil {
				t.Fatalf("Parse accepted it: %+v", fs)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "findings input.json: ") {
				t.Errorf("error %q does not name the input", msg)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			if strings.ContainsAny(msg, "\n\x1b\x07") || strings.Contains(msg, "\u202e") {
				t.Errorf("error %q holds a control character", msg)
			}
			if len(msg) > 600 {
				t.Errorf("error is %d bytes long: the input is quoted, not clipped", len(msg))
			}
		})
	}
}

func TestParseNameIsEscaped(t *testing.T) {
	_, err := Parse("evil\n.json", []byte("x"))
	if err == nil || strings.Contains(err.Error(), "\n") {
		t.Fatalf("error %v: the input's name is printed unescaped", err)
	}
}

func TestReadFromStopsAtTheLimit(t *testing.T) {
	// An endless reader: ReadFrom must stop after MaxInputBytes+1 bytes and refuse.
	_, err := ReadFrom("stdin", endless{})
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("ReadFrom(endless) = %v, want a size error", err)
	}
}

type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

func TestAsffType(t *testing.T) {
	for in, want := range map[string]string{
		"AWS::ECS::Service":        "AwsEcsService",
		"AWS::ECS::TaskDefinition": "AwsEcsTaskDefinition",
		"AwsEcsCluster":            "AwsEcsCluster",
		"AWS::EC2::SecurityGroup":  "AwsEc2SecurityGroup",
		"AWS::::X":                 "AWS::::X",
	} {
		if got := asffType(in); got != want {
			t.Errorf("asffType(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"get-findings.json", "get-findings-v2.json", "imported-event.json", "imported-v2-event.json"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"Findings":[{"Id":"a\u0000"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fs, err := Parse("fuzz", data)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r\x1b") {
				t.Fatalf("error holds a control character: %q", err)
			}
			return
		}
		for i := range fs {
			if err := fs[i].check(); err != nil {
				t.Fatalf("finding %d accepted but invalid: %v", i, err)
			}
			if strings.ContainsAny(fs[i].Label(), "\n\r\x1b") {
				t.Fatalf("label holds a control character: %q", fs[i].Label())
			}
		}
	})
}
