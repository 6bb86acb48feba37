package findings

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/detect"
)

const (
	tdArn  = "arn:aws:ecs:eu-west-1:123456789012:task-definition/api:2"
	svcArn = "arn:aws:ecs:eu-west-1:123456789012:service/prod/api"
	cluArn = "arn:aws:ecs:eu-west-1:123456789012:cluster/prod"
)

func finding(id, control, rtype, arn string) Finding {
	return Finding{Format: ASFF, ID: id, Account: "123456789012", Region: "eu-west-1", Control: control,
		Compliance: "FAILED", RecordState: "ACTIVE", Workflow: "NEW", Resources: []Resource{{Type: rtype, ID: arn}}}
}

func TestVerify(t *testing.T) {
	results := []detect.Result{
		{ControlInfo: &detect.ControlInfo{Control: detect.ECS5ID}, ResourceArn: tdArn, Status: detect.Failed},
		{ControlInfo: &detect.ControlInfo{Control: detect.ECS9ID}, ResourceArn: tdArn, Status: detect.Passed},
		{ControlInfo: &detect.ControlInfo{Control: detect.ECS12ID}, ResourceArn: cluArn, Status: detect.Passed},
		{ControlInfo: &detect.ControlInfo{Control: detect.ECS8ID}, ResourceArn: tdArn, Status: detect.NotEvaluated, Reason: "no environment read"},
		{ControlInfo: &detect.ControlInfo{Control: detect.ECS2ID}, ResourceArn: svcArn, Status: detect.Failed, Suppressed: &detect.Suppressed{By: "exemption for tag public=yes"}},
		{ControlInfo: &detect.ControlInfo{Control: detect.ExposurePrivilegedID}, ResourceArn: svcArn, Status: detect.Failed},
		{ControlInfo: &detect.ControlInfo{Control: detect.ExposurePublicIPID}, ResourceArn: svcArn, Status: detect.Failed},
		{ControlInfo: &detect.ControlInfo{Control: detect.ExposureHostPIDID}, ResourceArn: svcArn, Status: detect.Passed},
	}
	exposure := func(id, arn string) Finding {
		f := finding(id, "", "AwsEcsService", arn)
		f.Format, f.Exposure, f.Compliance, f.RecordState = OCSF, true, "", ""
		return f
	}
	with := func(f Finding, edit func(*Finding)) Finding { edit(&f); return f }
	cases := []struct {
		name    string
		f       Finding
		scope   Scope
		outcome Outcome
		matches []Match
		reason  string
	}{
		{"failing control", finding("a", "ECS.5", "AwsEcsTaskDefinition", tdArn), Scope{}, Live,
			[]Match{{detect.ECS5ID, tdArn}}, ""},
		{"control id in lower case", finding("a", "ecs.5", "AwsEcsTaskDefinition", tdArn), Scope{}, Live,
			[]Match{{detect.ECS5ID, tdArn}}, ""},
		{"passing control", finding("b", "ECS.9", "AwsEcsTaskDefinition", tdArn), Scope{}, Stale, nil, "ECS.9 PASSED"},
		{"passing cluster", finding("c", "ECS.12", "AwsEcsCluster", cluArn), Scope{}, Stale, nil, "PASSED on " + cluArn},
		{"resource gone", finding("d", "ECS.5", "AwsEcsTaskDefinition", tdArn+"0"), Scope{}, Stale, nil, "found no " + tdArn + "0"},
		{"unknown control", finding("e", "ECS.7", "AwsEcsCluster", cluArn), Scope{}, Unsupported, nil, "does not evaluate control ECS.7"},
		{"no control", finding("e2", "", "AwsEcsCluster", cluArn), Scope{}, Unsupported, nil, "control absent"},
		{"exposure id as a control", finding("e3", detect.ExposurePrivilegedID, "AwsEcsService", svcArn), Scope{}, Unsupported, nil, "does not evaluate"},
		{"not an ECS resource", finding("f", "ECS.5", "AwsEc2Instance", tdArn), Scope{}, Unsupported, nil, "no ECS resource"},
		{"not evaluated", finding("g", "ECS.8", "AwsEcsTaskDefinition", tdArn), Scope{}, Unverified, nil, "no environment read"},
		{"control not selected", finding("h", "ECS.5", "AwsEcsTaskDefinition", tdArn), Scope{Controls: []string{"ECS.9"}}, Unverified, nil, "not among the selected"},
		{"region not read", finding("i", "ECS.5", "AwsEcsTaskDefinition", tdArn), Scope{Regions: []string{"us-east-1"}}, Unverified, nil, "region eu-west-1 was not read"},
		{"account not read", finding("i3", "ECS.5", "AwsEcsTaskDefinition", tdArn), Scope{Accounts: []string{"210987654321"}}, Unverified, nil, "account 123456789012 was not read"},
		{"account read", finding("i4", "ECS.5", "AwsEcsTaskDefinition", tdArn), Scope{Accounts: AccountsOf(results)}, Live, []Match{{detect.ECS5ID, tdArn}}, ""},
		{"region read", finding("i2", "ECS.5", "AwsEcsTaskDefinition", tdArn), Scope{Regions: []string{"us-east-1", "eu-west-1"}}, Live, []Match{{detect.ECS5ID, tdArn}}, ""},
		{"exempt", finding("j", "ECS.2", "AwsEcsService", svcArn), Scope{}, Exempt, nil, "exemption for tag public=yes"},
		{"resolved", with(finding("k", "ECS.5", "AwsEcsTaskDefinition", tdArn), func(f *Finding) { f.Workflow = "RESOLVED" }), Scope{}, Closed, nil, "RESOLVED"},
		{"suppressed", with(finding("k2", "ECS.5", "AwsEcsTaskDefinition", tdArn), func(f *Finding) { f.Workflow = "SUPPRESSED" }), Scope{}, Closed, nil, "SUPPRESSED"},
		{"archived", with(finding("l", "ECS.5", "AwsEcsTaskDefinition", tdArn), func(f *Finding) { f.RecordState = "ARCHIVED" }), Scope{}, Closed, nil, "ARCHIVED"},
		{"passed in Security Hub", with(finding("m", "ECS.5", "AwsEcsTaskDefinition", tdArn), func(f *Finding) { f.Compliance = "PASSED" }), Scope{}, Closed, nil, "PASSED"},
		{"exposure", exposure("n", svcArn), Scope{}, Live,
			[]Match{{detect.ExposurePrivilegedID, svcArn}, {detect.ExposurePublicIPID, svcArn}}, ""},
		{"exposure gone", exposure("o", cluArn), Scope{}, Stale, nil, "no exposure trait"},
		{"exposure titled as one trait", with(exposure("t1", svcArn), func(f *Finding) { f.Trait = detect.ExposurePublicIPID }), Scope{}, Live,
			[]Match{{detect.ExposurePublicIPID, svcArn}}, ""},
		{"exposure titled as a passing trait", with(exposure("t2", svcArn), func(f *Finding) { f.Trait = detect.ExposureHostPIDID }), Scope{}, Stale, nil, "PASSED"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vs := Verify([]Finding{c.f}, results, c.scope)
			if len(vs) != 1 {
				t.Fatalf("got %d verdicts", len(vs))
			}
			v := vs[0]
			if v.Outcome != c.outcome {
				t.Errorf("outcome = %s (%s), want %s", v.Outcome, v.Reason, c.outcome)
			}
			if !reflect.DeepEqual(v.Matches, c.matches) {
				t.Errorf("matches = %v, want %v", v.Matches, c.matches)
			}
			if !strings.Contains(v.Reason, c.reason) {
				t.Errorf("reason %q lacks %q", v.Reason, c.reason)
			}
		})
	}
}

func TestVerifyOnceEachAndTargets(t *testing.T) {
	results := []detect.Result{{ControlInfo: &detect.ControlInfo{Control: detect.ECS5ID}, ResourceArn: tdArn, Status: detect.Failed}}
	a := finding("a", "ECS.5", "AwsEcsTaskDefinition", tdArn)
	b := finding("b", "ECS.5", "AwsEcsTaskDefinition", tdArn) // another product's finding of the same failure
	vs := Verify([]Finding{b, a, a, finding("c", "ECS.7", "AwsEcsCluster", cluArn)}, results, Scope{})
	if len(vs) != 3 {
		t.Fatalf("got %d verdicts, want 3 (the repeated finding once)", len(vs))
	}
	got := Targets(vs)
	want := map[string][]string{detect.ECS5ID + "\x00" + tdArn: {"a", "b"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Targets = %q, want %q", got, want)
	}
}

func TestByAccountRegion(t *testing.T) {
	f := func(id, acct, region string) Finding { return Finding{ID: id, Account: acct, Region: region} }
	gs := ByAccountRegion([]Finding{f("1", "222222222222", "eu-west-1"), f("2", "111111111111", "us-east-1"),
		f("3", "222222222222", "eu-west-1"), f("4", "111111111111", "eu-west-1")})
	var got []string
	for _, g := range gs {
		ids := []string{}
		for _, x := range g.Findings {
			ids = append(ids, x.ID)
		}
		got = append(got, g.Account+"/"+g.Region+":"+strings.Join(ids, ","))
	}
	want := []string{"111111111111/eu-west-1:4", "111111111111/us-east-1:2", "222222222222/eu-west-1:1,3"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("groups = %v, want %v", got, want)
	}
}
