// Tests of Needs (what re-verifying findings needs read) and of the verification scope of a scan
// narrowed to the findings (Scope.Read, NotRead, Errors).

package findings

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/detect"
)

func TestNeeds(t *testing.T) {
	other := func(f Finding, account, region string) Finding { f.Account, f.Region = account, region; return f }
	closed := finding("x1", "ECS.5", "AwsEcsTaskDefinition", tdArn)
	closed.Workflow = "RESOLVED"
	exposure := finding("x2", "", "AwsEcsService", svcArn)
	exposure.Format, exposure.Exposure, exposure.Compliance, exposure.RecordState = OCSF, true, "", ""
	fs := []Finding{
		finding("a", "ECS.5", "AwsEcsTaskDefinition", tdArn),
		finding("b", "ECS.9", "AwsEcsTaskDefinition", "arn:aws:ecs:eu-west-1:123456789012:task-definition/web"),
		finding("c", "ECS.12", "AwsEcsCluster", cluArn),
		finding("d", "ECS.16", "AwsEcsTaskSet", "arn:aws:ecs:eu-west-1:123456789012:task-set/prod/api/ecs-svc/123"),
		finding("e", "ECS.10", "AwsEcsService", svcArn),
		finding("f", "ECS.19", "AwsEcsCapacityProvider", "arn:aws:ecs:eu-west-1:123456789012:capacity-provider/spot"),
		finding("g", "ECS.7", "AwsEcsCluster", cluArn), // unsupported: nothing to read
		finding("h", "ECS.5", "AwsEc2Instance", "i-1"), // no ECS resource
		closed, // closed
		other(finding("i", "ECS.5", "AwsEcsTaskDefinition", tdArn), "210987654321", "us-east-1"),
		other(exposure, "210987654321", "eu-west-1"),
		other(finding("j", "ECS.2", "AwsEcsService", svcArn), "123456789012", "us-west-2"),
		other(finding("k", "ECS.13", "AwsEcsService", "arn:aws:ecs:ap-south-1:123456789012:service/short"), "123456789012", "ap-south-1"),
	}
	got := Needs(fs, nil)
	want := []Need{
		{AccountRegion: AccountRegion{"123456789012", "ap-south-1"}, Whole: true},
		{AccountRegion: AccountRegion{"123456789012", "eu-west-1"}, Families: []string{"api", "web"},
			Services: []string{svcArn}, Clusters: []string{cluArn}, CapacityProviders: []string{"spot"}},
		{AccountRegion: AccountRegion{"123456789012", "us-west-2"}, Whole: true},
		{AccountRegion: AccountRegion{"210987654321", "eu-west-1"}, Whole: true},
		{AccountRegion: AccountRegion{"210987654321", "us-east-1"}, Families: []string{"api"}},
	}
	for i := range got {
		if got[i].Whole != (got[i].Why != "") {
			t.Errorf("%v: Whole %v, Why %q", got[i].AccountRegion, got[i].Whole, got[i].Why)
		}
		got[i].Why = ""
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Needs:\n got %+v\nwant %+v", got, want)
	}
	if got := Needs(fs[:1], []string{"ECS.9"}); len(got) != 0 {
		t.Errorf("a control not selected needs nothing read: %+v", got)
	}
}

func TestVerifyNarrowScope(t *testing.T) {
	results := []detect.Result{{ControlInfo: &detect.ControlInfo{Control: detect.ECS5ID}, ResourceArn: tdArn, Status: detect.Passed}}
	here := AccountRegion{"123456789012", "eu-west-1"}
	gone := finding("gone", "ECS.5", "AwsEcsTaskDefinition", tdArn+"0")
	gone.Resources[0].ID = "arn:aws:ecs:eu-west-1:123456789012:task-definition/old:1"
	svcGone := finding("svc", "ECS.10", "AwsEcsService", svcArn)
	cases := []struct {
		name    string
		f       Finding
		scope   Scope
		outcome Outcome
		reason  string
	}{
		{"read, compliant", finding("a", "ECS.5", "AwsEcsTaskDefinition", tdArn), Scope{Read: map[AccountRegion]bool{here: true}}, Stale, "PASSED"},
		{"read, gone", gone, Scope{Read: map[AccountRegion]bool{here: true}}, Stale, "found no"},
		{"not read, with a reason", gone, Scope{Read: map[AccountRegion]bool{}, NotRead: map[AccountRegion]string{here: "account 123456789012 is excluded by --exclude-account"}},
			Unverified, "was not read: account 123456789012 is excluded"},
		{"not read", gone, Scope{Read: map[AccountRegion]bool{}}, Unverified, "account 123456789012 in eu-west-1 was not read"},
		{"account unreadable", gone, Scope{Errors: []detect.ReadError{{Account: "123456789012", ResourceType: "Account", Resource: "arn:aws:iam::123456789012:role/r", Operation: "sts:AssumeRole", Message: "AccessDenied"}}},
			Unverified, "could not read"},
		{"another account unreadable", gone, Scope{Errors: []detect.ReadError{{Account: "210987654321", ResourceType: "Account", Resource: "x", Operation: "sts:AssumeRole", Message: "AccessDenied"}}},
			Stale, "found no"},
		{"family read failed", gone, Scope{Errors: []detect.ReadError{{Region: "eu-west-1", ResourceType: detect.TypeTaskDefinition, Resource: "old", Operation: "DescribeTaskDefinition", Message: "AccessDenied"}}},
			Unverified, "could not read"},
		{"another family failed", gone, Scope{Errors: []detect.ReadError{{Region: "eu-west-1", ResourceType: detect.TypeTaskDefinition, Resource: "other", Operation: "DescribeTaskDefinition", Message: "AccessDenied"}}},
			Stale, "found no"},
		{"listing failed", gone, Scope{Errors: []detect.ReadError{{Region: "eu-west-1", ResourceType: detect.TypeCluster, Resource: "*", Operation: "ListClusters", Message: "Throttling"}}},
			Unverified, "ListClusters"},
		{"listing failed elsewhere", gone, Scope{Errors: []detect.ReadError{{Region: "us-east-1", ResourceType: detect.TypeCluster, Resource: "*", Operation: "ListClusters", Message: "Throttling"}}},
			Stale, "found no"},
		{"cluster's services not listed", svcGone, Scope{Errors: []detect.ReadError{{Region: "eu-west-1", ResourceType: detect.TypeService, Resource: cluArn + " (services)", Operation: "ListServices", Message: "Throttling"}}},
			Unverified, "ListServices"},
		{"compliant despite an error", finding("a", "ECS.5", "AwsEcsTaskDefinition", tdArn), Scope{Errors: []detect.ReadError{{Region: "eu-west-1", ResourceType: detect.TypeCluster, Resource: "*", Operation: "ListClusters", Message: "Throttling"}}},
			Stale, "PASSED"},
	}
	for _, c := range cases {
		vs := Verify([]Finding{c.f}, results, c.scope)
		if len(vs) != 1 || vs[0].Outcome != c.outcome || !strings.Contains(vs[0].Reason, c.reason) {
			t.Errorf("%s: got %+v, want %s with %q", c.name, vs, c.outcome, c.reason)
		}
	}
}
