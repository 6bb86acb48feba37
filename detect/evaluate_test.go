package detect

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestRegistry(t *testing.T) {
	want := []string{"ECS.1", "ECS.2", "ECS.3", "ECS.4", "ECS.5", "ECS.8", "ECS.9", "ECS.10", "ECS.12", "ECS.13", "ECS.14",
		"ECS.15", "ECS.16", "ECS.17", "ECS.18", "ECS.19", "ECS.20", "ECS.21",
		"EXPOSURE.privileged", "EXPOSURE.admin-task-role", "EXPOSURE.host-path-volume", "EXPOSURE.host-pid",
		"EXPOSURE.host-network", "EXPOSURE.plaintext-credentials", "EXPOSURE.open-security-group", "EXPOSURE.public-ip",
		"EXPOSURE.assumable-role", "EXPOSURE.vulnerabilities"}
	if got := IDs(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("IDs() = %v\nwant %v", got, want)
	}
	for _, c := range All() {
		t.Run(c.ID, func(t *testing.T) {
			if c.Title == "" || c.Severity == "" || c.ResourceType == "" {
				t.Errorf("missing title, severity or resource type: %+v", c)
			}
			set := 0
			for _, f := range []bool{c.TaskDefinition != nil, c.Service != nil, c.Cluster != nil, c.TaskSet != nil, c.CapacityProvider != nil} {
				if f {
					set++
				}
			}
			if set != 1 {
				t.Errorf("%d evaluation functions set, want 1", set)
			}
			wantType := map[bool]string{true: TypeTaskDefinition}[c.TaskDefinition != nil] +
				map[bool]string{true: TypeService}[c.Service != nil] +
				map[bool]string{true: TypeCluster}[c.Cluster != nil] +
				map[bool]string{true: TypeTaskSet}[c.TaskSet != nil] +
				map[bool]string{true: TypeCapacityProvider}[c.CapacityProvider != nil]
			if c.ResourceType != wantType {
				t.Errorf("ResourceType %s, evaluation function for %s", c.ResourceType, wantType)
			}
			if c.Exposure != strings.HasPrefix(c.ID, "EXPOSURE.") {
				t.Errorf("Exposure flag %v does not match the id", c.Exposure)
			}
			if c.Exposure && c.ResourceType != TypeService {
				t.Errorf("exposure trait on %s", c.ResourceType)
			}
		})
	}
	if c, ok := Lookup("ecs.5"); !ok || c.ID != "ECS.5" {
		t.Errorf("Lookup is not case-insensitive")
	}
}

// byControlAndArn indexes results.
func byControlAndArn(rs []Result) map[string]Result {
	m := map[string]Result{}
	for _, r := range rs {
		m[r.Control+" "+r.ResourceArn] = r
	}
	return m
}

func TestEvaluateScoresOnlyLatestActiveRevision(t *testing.T) {
	inv := &Inventory{TaskDefinitions: []TaskDefinition{
		taskDef("web", 1, containers(ctr("web", privileged(true)))),
		taskDef("web", 2, containers(ctr("web", privileged(true)))),
		taskDef("web", 3, tdStatus(ecstypes.TaskDefinitionStatusInactive), containers(ctr("web"))),
	}}
	rs := byControlAndArn(Evaluate(inv, &Settings{Controls: []string{"ECS.4"}}))
	if len(rs) != 3 {
		t.Fatalf("got %d results, want 3: %v", len(rs), rs)
	}
	for _, tc := range []struct {
		rev       int
		want      Status
		reasonHas string
	}{
		{1, NotApplicable, "superseded by revision 2"},
		{2, Failed, `container "web": privileged is true`},
		{3, NotApplicable, "INACTIVE"},
	} {
		r := rs["ECS.4 "+tdARN("web", tc.rev)]
		if r.Status != tc.want || !strings.Contains(r.Reason, tc.reasonHas) {
			t.Errorf("revision %d: %s %q, want %s containing %q", tc.rev, r.Status, r.Reason, tc.want, tc.reasonHas)
		}
	}
}

func TestEvaluateControlFilter(t *testing.T) {
	inv := &Inventory{
		TaskDefinitions: []TaskDefinition{taskDef("web", 1, containers(ctr("web")))},
		Services:        []ecstypes.Service{service("web", runs(tdARN("web", 1)))},
	}
	rs := Evaluate(inv, &Settings{Controls: []string{"ecs.5", "EXPOSURE.host-pid"}})
	if len(rs) != 2 || rs[0].Control != "ECS.5" || rs[1].Control != "EXPOSURE.host-pid" {
		t.Fatalf("filtered results = %+v", rs)
	}
	if rs[0].Title == "" || rs[0].Severity != SeverityHigh || rs[0].Region != "eu-west-1" {
		t.Errorf("result metadata not filled: %+v", rs[0])
	}
}

func TestEvaluateTagControlsOffWithoutKeys(t *testing.T) {
	inv := &Inventory{
		TaskDefinitions: []TaskDefinition{taskDef("web", 1)},
		Services:        []ecstypes.Service{service("web")},
	}
	for _, r := range Evaluate(inv, nil) {
		switch r.Control {
		case "ECS.13", "ECS.14", "ECS.15":
			t.Errorf("%s evaluated without required tag keys", r.Control)
		}
	}
	rs := Evaluate(inv, &Settings{RequiredTags: map[string][]string{TypeService: {"owner"}}})
	var got []string
	for _, r := range rs {
		if r.Control == "ECS.13" || r.Control == "ECS.14" || r.Control == "ECS.15" {
			got = append(got, r.Control+" "+string(r.Status))
		}
	}
	if strings.Join(got, ",") != "ECS.13 FAILED" {
		t.Errorf("tag results = %v, want [ECS.13 FAILED]", got)
	}
}

func TestEvaluateExemptions(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	inv := func() *Inventory {
		return &Inventory{TaskDefinitions: []TaskDefinition{
			taskDef("a", 1, pidMode(ecstypes.PidModeHost)),
			taskDef("b", 1, pidMode(ecstypes.PidModeHost), tdTags("ecsfix:exempt", "monitoring")),
			taskDef("c", 1),
		}}
	}
	tests := []struct {
		name       string
		exemption  Exemption
		suppressed map[string]bool // family -> suppressed
	}{
		{"by arn", Exemption{Control: "ECS.3", Arn: tdARN("a", 1), Reason: "agent"}, map[string]bool{"a": true}},
		{"by arn, any control", Exemption{Arn: tdARN("a", 1)}, map[string]bool{"a": true}},
		{"by arn, other control", Exemption{Control: "ECS.4", Arn: tdARN("a", 1)}, map[string]bool{}},
		{"by tag key", Exemption{Control: "ECS.3", TagKey: "ecsfix:exempt"}, map[string]bool{"b": true}},
		{"by tag key and value", Exemption{Control: "ecs.3", TagKey: "ecsfix:exempt", TagValue: "monitoring"}, map[string]bool{"b": true}},
		{"by tag, other value", Exemption{Control: "ECS.3", TagKey: "ecsfix:exempt", TagValue: "other"}, map[string]bool{}},
		{"not yet expired", Exemption{Arn: tdARN("a", 1), Expires: now.Add(time.Hour)}, map[string]bool{"a": true}},
		{"expired is not applied", Exemption{Arn: tdARN("a", 1), Expires: now.Add(-time.Hour)}, map[string]bool{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs := Evaluate(inv(), &Settings{Controls: []string{"ECS.3"}, Exemptions: []Exemption{tc.exemption}, Now: now})
			if len(rs) != 3 {
				t.Fatalf("got %d results", len(rs))
			}
			for _, r := range rs {
				fam := strings.TrimSuffix(strings.TrimPrefix(r.ResourceArn, "arn:aws:ecs:eu-west-1:"+testAccount+":task-definition/"), ":1")
				if got := r.Suppressed != nil; got != tc.suppressed[fam] {
					t.Errorf("%s (%s): suppressed = %v, want %v", fam, r.Status, got, tc.suppressed[fam])
				}
				if fam == "c" && r.Status != Passed {
					t.Errorf("c: %s", r.Status)
				}
			}
		})
	}
}

// TestNoSecretValueInResults plants credentials in every place a control reads and checks that no value
// reaches the results (reasons, offenders, titles), marshalled as the scan's JSON output is.
func TestNoSecretValueInResults(t *testing.T) {
	planted := []string{fakeAccessKeyID, fakeSessionKey, fakeSecretKey, fakePEM, fakeGitHub, fakeGitHubPAT, fakeSlack,
		fakeStripe, fakeGoogle, fakeJWT, fakeURL, fakePassword, "s3cretPassw0rd", "hunter2-not-in-output"}
	td := taskDef("leaky", 1, networkMode(ecstypes.NetworkModeHost), containers(
		ctr("web", env(
			"AWS_ACCESS_KEY_ID", fakeAccessKeyID,
			"AWS_SECRET_ACCESS_KEY", fakeSecretKey,
			"ECS_ENGINE_AUTH_DATA", fakePassword,
			"TLS_KEY", fakePEM,
			"GH", fakeGitHub,
			"GH2", fakeGitHubPAT,
			"SLACK", fakeSlack,
			"STRIPE", fakeStripe,
			"MAPS", fakeGoogle,
			"SESSION", fakeJWT,
			"DATABASE_URL", fakeURL,
			"DB_PASSWORD", "hunter2-not-in-output",
		)),
		ctr("worker", env("KEY", fakeSessionKey, "SIG", fakeSecretKey)),
	))
	inv := &Inventory{
		TaskDefinitions: []TaskDefinition{td},
		Services:        []ecstypes.Service{service("leaky", runs(td.ARN()))},
	}
	rs := Evaluate(inv, &Settings{})
	out, err := json.Marshal(rs)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range planted {
		for _, piece := range strings.Split(secret, "\n") {
			if len(piece) >= 8 && strings.Contains(string(out), piece) {
				t.Errorf("a planted secret value appears in the results")
			}
		}
	}
	// And the trait did find them all: 12 in web, 2 in worker.
	for _, r := range rs {
		if r.Control == "EXPOSURE.plaintext-credentials" {
			if r.Status != Failed || len(r.Offenders) != 14 {
				t.Errorf("plaintext credentials: %s with %d offenders: %+v", r.Status, len(r.Offenders), r.Offenders)
			}
		}
		if r.Control == "ECS.8" && (r.Status != Failed || len(r.Offenders) != 3) {
			t.Errorf("ECS.8: %s with %d offenders", r.Status, len(r.Offenders))
		}
	}
}

func TestRoleLookupByShortName(t *testing.T) {
	in := &Inventory{Roles: []Role{
		{Arn: "arn:aws:iam::111111111111:role/app", Name: "app"},
		{Arn: "arn:aws:iam::111111111111:role/shared", Name: "shared"},
		{Arn: "arn:aws:iam::222222222222:role/shared", Name: "shared"},
	}}
	tests := []struct {
		ref  string
		want string
	}{
		{"arn:aws:iam::111111111111:role/app", "arn:aws:iam::111111111111:role/app"},
		{"app", "arn:aws:iam::111111111111:role/app"},
		{"shared", ""}, // ambiguous across accounts
		{"arn:aws:iam::333333333333:role/app", ""},
		{"missing", ""},
	}
	for _, tt := range tests {
		r, ok := in.Role(tt.ref)
		if got := ""; ok {
			got = r.Arn
			if got != tt.want {
				t.Errorf("Role(%q) = %q, want %q", tt.ref, got, tt.want)
			}
		} else if tt.want != "" {
			t.Errorf("Role(%q) not found, want %q", tt.ref, tt.want)
		}
	}
}

func TestParsePolicy(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		want    int
		wantErr bool
	}{
		{"one statement object", `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`, 1, false},
		{"a list with Not forms and a condition", `{"Statement":[{"Sid":"a","Effect":"Deny","NotAction":["iam:*"],"Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}},{"Effect":"Allow","Action":["ec2:Describe*"],"NotResource":"arn:aws:s3:::x"}]}`, 2, false},
		{"no statement", `{"Version":"2012-10-17"}`, 0, false},
		{"malformed JSON", `{"Statement":`, 0, true},
		{"Action of the wrong type", `{"Statement":{"Effect":"Allow","Action":7,"Resource":"*"}}`, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePolicy(tt.doc)
			if (err != nil) != tt.wantErr || len(got) != tt.want {
				t.Fatalf("ParsePolicy = %+v, %v; want %d statements, error %v", got, err, tt.want, tt.wantErr)
			}
			if tt.name == "a list with Not forms and a condition" {
				if s := got[0]; s.Sid != "a" || s.Effect != "Deny" || len(s.NotAction) != 1 || !s.Condition || got[1].NotResource[0] != "arn:aws:s3:::x" {
					t.Errorf("statements = %+v", got)
				}
			}
		})
	}
}

// TestEvaluateWithoutFilter runs every control: a control that is off (the tag controls without keys)
// is skipped without ending the run, and results come in registry order, then by resource ARN whatever
// the inventory's order.
func TestEvaluateWithoutFilter(t *testing.T) {
	cluster := func(name string) ecstypes.Cluster {
		return ecstypes.Cluster{ClusterArn: aws.String("arn:aws:ecs:eu-west-1:123456789012:cluster/" + name)}
	}
	inv := &Inventory{
		TaskDefinitions: []TaskDefinition{taskDef("zeta", 1), taskDef("alpha", 1), taskDef("mid", 1)},
		Services:        []ecstypes.Service{service("web"), service("api"), service("worker")},
		Clusters:        []ecstypes.Cluster{cluster("prod"), cluster("dev")},
		TaskSets:        []ecstypes.TaskSet{{TaskSetArn: aws.String("arn:aws:ecs:eu-west-1:123456789012:task-set/prod/web/ecs-svc-1")}},
		CapacityProviders: []ecstypes.CapacityProvider{
			{CapacityProviderArn: aws.String("arn:aws:ecs:eu-west-1:123456789012:capacity-provider/b"), Name: aws.String("b")},
			{CapacityProviderArn: aws.String("arn:aws:ecs:eu-west-1:123456789012:capacity-provider/a"), Name: aws.String("a")},
		},
	}
	arns := map[string][]string{}
	for _, td := range inv.TaskDefinitions {
		arns[TypeTaskDefinition] = append(arns[TypeTaskDefinition], td.ARN())
	}
	for _, s := range inv.Services {
		arns[TypeService] = append(arns[TypeService], *s.ServiceArn)
	}
	for _, c := range inv.Clusters {
		arns[TypeCluster] = append(arns[TypeCluster], *c.ClusterArn)
	}
	arns[TypeTaskSet] = []string{*inv.TaskSets[0].TaskSetArn}
	for _, cp := range inv.CapacityProviders {
		arns[TypeCapacityProvider] = append(arns[TypeCapacityProvider], *cp.CapacityProviderArn)
	}
	for _, l := range arns {
		sort.Strings(l)
	}
	expected := func(off ...string) []string {
		var out []string
		for _, c := range All() {
			if slices.Contains(off, c.ID) {
				continue
			}
			for _, arn := range arns[c.ResourceType] {
				out = append(out, c.ID+" "+arn)
			}
		}
		return out
	}
	got := func(rs []Result) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Control+" "+r.ResourceArn)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		s    *Settings
		want []string
	}{
		{"nil settings", nil, expected("ECS.13", "ECS.14", "ECS.15")},
		{"no tag keys", &Settings{}, expected("ECS.13", "ECS.14", "ECS.15")},
		{"task-definition keys only", &Settings{RequiredTags: map[string][]string{TypeTaskDefinition: {"team"}}}, expected("ECS.13", "ECS.14")},
		{"service keys only", &Settings{RequiredTags: map[string][]string{TypeService: {"team"}}}, expected("ECS.14", "ECS.15")},
		{"every tag control on", &Settings{RequiredTags: map[string][]string{TypeService: {"team"}, TypeCluster: {"team"}, TypeTaskDefinition: {"team"}}}, expected()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if g := got(Evaluate(inv, tc.s)); strings.Join(g, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("results:\n%s\nwant:\n%s", strings.Join(g, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestEvaluateRevisionNotLatest(t *testing.T) {
	inv := &Inventory{TaskDefinitions: []TaskDefinition{
		taskDef("web", 1, pidMode(ecstypes.PidModeHost)),
		taskDef("web", 2),
		taskDef("web", 3, tdStatus(ecstypes.TaskDefinitionStatusInactive), pidMode(ecstypes.PidModeHost)),
	}}
	rs := Evaluate(inv, &Settings{Controls: []string{"ECS.3"}})
	want := []Result{
		{ControlInfo: &ControlInfo{Control: "ECS.3"}, ResourceArn: tdARN("web", 1), Status: NotApplicable, Reason: "revision 1 is superseded by revision 2; only the latest ACTIVE revision of a family is evaluated"},
		{ControlInfo: &ControlInfo{Control: "ECS.3"}, ResourceArn: tdARN("web", 2), Status: Passed, Reason: "pidMode is not host"},
		{ControlInfo: &ControlInfo{Control: "ECS.3"}, ResourceArn: tdARN("web", 3), Status: NotApplicable, Reason: "revision 3 is INACTIVE; only the latest ACTIVE revision of a family is evaluated"},
	}
	if len(rs) != len(want) {
		t.Fatalf("got %d results: %+v", len(rs), rs)
	}
	for i, w := range want {
		r := rs[i]
		if r.Control != w.Control || r.ResourceArn != w.ResourceArn || r.Status != w.Status || r.Reason != w.Reason {
			t.Errorf("result %d = %s %s %s %q\nwant       %s %s %s %q", i, r.Control, r.ResourceArn, r.Status, r.Reason, w.Control, w.ResourceArn, w.Status, w.Reason)
		}
	}
}

func TestEvaluateRevision(t *testing.T) {
	old := taskDef("web", 1, pidMode(ecstypes.PidModeHost), tdTags("team", "core"))
	clean := taskDef("web", 2, tdTags("team", "core"))
	exempt := &Settings{Exemptions: []Exemption{{TagKey: "team", Reason: "why"}}}
	tagged := &Settings{RequiredTags: map[string][]string{TypeTaskDefinition: {"owner"}}}
	for _, tc := range []struct {
		name       string
		c          Control
		td         TaskDefinition
		s          *Settings
		status     Status
		reason     string
		suppressed bool
	}{
		{"any revision is evaluated", ECS3(), old, nil, Failed, "pidMode is host", false},
		{"a FAILED result is exempted", ECS3(), old, exempt, Failed, "pidMode is host", true},
		{"a PASSED result is never exempted", ECS3(), clean, exempt, Passed, "pidMode is not host", false},
		{"not a task-definition control", ECS2(), old, nil, NotApplicable, "ECS.2 does not evaluate task definitions", false},
		{"a control off under these settings", ECS15(), old, nil, NotApplicable, "ECS.15 is off under these settings", false},
		{"a control on under these settings", ECS15(), old, tagged, Failed, `missing required tag keys: "owner"`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := EvaluateRevision(tc.c, &tc.td, tc.s)
			if r.Control != tc.c.ID || r.Title != tc.c.Title || r.Severity != tc.c.Severity || r.ResourceType != tc.c.ResourceType ||
				r.ResourceArn != tc.td.ARN() || r.Region != "eu-west-1" {
				t.Errorf("result metadata = %+v", r)
			}
			if r.Status != tc.status || r.Reason != tc.reason || (r.Suppressed != nil) != tc.suppressed {
				t.Errorf("result = %s %q suppressed %+v; want %s %q suppressed %v", r.Status, r.Reason, r.Suppressed, tc.status, tc.reason, tc.suppressed)
			}
			if tc.status == Failed && len(r.Offenders) == 0 {
				t.Errorf("FAILED result without offenders")
			}
		})
	}
}

// TestEvaluateSortIsStable pins that results sharing an ARN (an inventory listing a resource twice) keep
// the inventory's order.
func TestEvaluateSortIsStable(t *testing.T) {
	inv := &Inventory{Services: []ecstypes.Service{
		service("web", vpcConfig(ecstypes.AssignPublicIpEnabled, nil)),
		service("api"),
		service("web", vpcConfig(ecstypes.AssignPublicIpDisabled, nil)),
		service("web"),
	}}
	var got []string
	for _, r := range Evaluate(inv, &Settings{Controls: []string{"ECS.2"}}) {
		got = append(got, strings.TrimPrefix(r.ResourceArn, svcARN(""))+" "+r.Reason)
	}
	want := []string{
		"api no awsvpc network configuration",
		"web networkConfiguration.awsvpcConfiguration.assignPublicIp is ENABLED",
		"web assignPublicIp is not ENABLED",
		"web no awsvpc network configuration",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("results:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
