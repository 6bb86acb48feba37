package detect

// Exemptions pinned: in a list, each exemption that does not apply is skipped and the first that does
// applies; only FAILED results are suppressed; expiry is exclusive and read against Settings.Now (the
// clock when unset); and every resource type passes its tags.

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestExemptionListsTakeTheFirstThatApplies(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	later := now.Add(time.Hour)
	inv := func() *Inventory {
		return &Inventory{TaskDefinitions: []TaskDefinition{
			taskDef("a", 1, pidMode(ecstypes.PidModeHost), tdTags("team", "core")),
			taskDef("c", 1, tdTags("team", "core")),
		}}
	}
	a := tdARN("a", 1)
	tests := []struct {
		name       string
		exemptions []Exemption
		want       *Suppressed // of a; c passes and is never suppressed
	}{
		{"other control first", []Exemption{{Control: "ECS.4", Arn: a, Reason: "x"}, {Control: "ECS.3", Arn: a, Reason: "y"}},
			&Suppressed{By: "exemption for " + a, Reason: "y"}},
		{"expired first", []Exemption{{Arn: a, Reason: "old", Expires: now.Add(-time.Minute)}, {TagKey: "team", Reason: "new", Expires: later}},
			&Suppressed{By: "exemption for tag team", Reason: "new", Expires: &later}},
		{"other resource first", []Exemption{{Arn: tdARN("c", 1), Reason: "c"}, {TagKey: "team", TagValue: "core", Reason: "team"}},
			&Suppressed{By: "exemption for tag team=core", Reason: "team"}},
		{"other tag value first", []Exemption{{TagKey: "team", TagValue: "edge"}, {TagKey: "team", TagValue: "core", Reason: "core"}},
			&Suppressed{By: "exemption for tag team=core", Reason: "core"}},
		{"the first that applies wins", []Exemption{{Arn: a, Reason: "first"}, {Arn: a, Reason: "second"}},
			&Suppressed{By: "exemption for " + a, Reason: "first"}},
		{"ARN described before tag", []Exemption{{Arn: a, TagKey: "team", Reason: "both"}},
			&Suppressed{By: "exemption for " + a, Reason: "both"}},
		{"tag applies when the ARN does not", []Exemption{{Arn: tdARN("z", 9), TagKey: "team", Reason: "tag"}},
			&Suppressed{By: "exemption for " + tdARN("z", 9), Reason: "tag"}},
		{"ARN applies when the tag does not", []Exemption{{Arn: a, TagKey: "owner", Reason: "arn"}},
			&Suppressed{By: "exemption for " + a, Reason: "arn"}},
		{"expires exactly now", []Exemption{{Arn: a, Expires: now}}, nil},
		{"none applies", []Exemption{{Control: "ECS.4"}, {Arn: tdARN("c", 1)}, {TagKey: "owner"}, {TagKey: "team", TagValue: "Core"}}, nil},
		{"an exemption naming no resource applies to none", []Exemption{{Reason: "all"}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs := byControlAndArn(Evaluate(inv(), &Settings{Controls: []string{"ECS.3"}, Exemptions: tc.exemptions, Now: now}))
			if r := rs["ECS.3 "+tdARN("c", 1)]; r.Status != Passed || r.Suppressed != nil {
				t.Errorf("c: %s suppressed %+v, want PASSED and not suppressed", r.Status, r.Suppressed)
			}
			r := rs["ECS.3 "+a]
			if r.Status != Failed {
				t.Fatalf("a: %s", r.Status)
			}
			checkSuppressed(t, r.Suppressed, tc.want)
		})
	}
}

func checkSuppressed(t *testing.T, got, want *Suppressed) {
	t.Helper()
	switch {
	case got == nil && want == nil:
		return
	case got == nil || want == nil:
		t.Fatalf("suppressed = %+v, want %+v", got, want)
	}
	if got.By != want.By || got.Reason != want.Reason {
		t.Errorf("suppressed by %q (%q), want by %q (%q)", got.By, got.Reason, want.By, want.Reason)
	}
	if (got.Expires == nil) != (want.Expires == nil) || (got.Expires != nil && !got.Expires.Equal(*want.Expires)) {
		t.Errorf("suppressed until %v, want %v", got.Expires, want.Expires)
	}
}

func TestExemptionExpiryUsesTheClockWhenNowIsUnset(t *testing.T) {
	inv := &Inventory{TaskDefinitions: []TaskDefinition{taskDef("a", 1, pidMode(ecstypes.PidModeHost))}}
	for _, tc := range []struct {
		name       string
		expires    time.Time
		suppressed bool
	}{
		{"expired an hour ago", time.Now().Add(-time.Hour), false},
		{"expires in an hour", time.Now().Add(time.Hour), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs := Evaluate(inv, &Settings{Controls: []string{"ECS.3"}, Exemptions: []Exemption{{Arn: tdARN("a", 1), Expires: tc.expires}}})
			if len(rs) != 1 || (rs[0].Suppressed != nil) != tc.suppressed {
				t.Errorf("results %+v, want suppressed %v", rs, tc.suppressed)
			}
		})
	}
}

func TestExemptionByTagOnEveryResourceType(t *testing.T) {
	tags := ecsTagList("ecsfix:exempt", "yes")
	inv := &Inventory{
		TaskDefinitions: []TaskDefinition{taskDef("a", 1, pidMode(ecstypes.PidModeHost), tdTags("ecsfix:exempt", "yes"))},
		Services:        []ecstypes.Service{service("web", vpcConfig(ecstypes.AssignPublicIpEnabled, nil), svcTags("ecsfix:exempt", "yes"))},
		Clusters:        []ecstypes.Cluster{{ClusterArn: aws.String("arn:aws:ecs:eu-west-1:123456789012:cluster/prod"), Tags: tags}},
		TaskSets: []ecstypes.TaskSet{{TaskSetArn: aws.String("arn:aws:ecs:eu-west-1:123456789012:task-set/prod/web/ecs-svc-1"), Tags: tags,
			NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{AssignPublicIp: ecstypes.AssignPublicIpEnabled}}}},
		CapacityProviders: []ecstypes.CapacityProvider{{CapacityProviderArn: aws.String("arn:aws:ecs:eu-west-1:123456789012:capacity-provider/cp"), Name: aws.String("cp"), Tags: tags,
			AutoScalingGroupProvider: &ecstypes.AutoScalingGroupProvider{}}},
	}
	rs := Evaluate(inv, &Settings{Controls: []string{"ECS.3", "ECS.2", "ECS.12", "ECS.16", "ECS.19"}, Exemptions: []Exemption{{TagKey: "ecsfix:exempt", TagValue: "yes"}}})
	if len(rs) != 5 {
		t.Fatalf("got %d results: %+v", len(rs), rs)
	}
	for _, r := range rs {
		if r.Status != Failed || r.Suppressed == nil {
			t.Errorf("%s %s: %s, suppressed %+v; want FAILED and suppressed", r.Control, r.ResourceArn, r.Status, r.Suppressed)
		}
	}
}
