// Unit tests of the scope (scope.go) on in-memory fakes: what a scan narrowed to named resources reads,
// keeps and skips, and that each region is paced on its own.

package live

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsclient"
)

// scopeEstate is two clusters, 40 families, and services running some of them: c0/web runs fam01:1
// (fam01's latest is :2), c0/api and c1/worker run fam01:2, c1/other runs fam02:1, c1/batch runs fam03:1.
func scopeEstate() *fakes {
	f := newFakes()
	f.ecs.clusters = []string{"c0", "c1"}
	for i := range 40 {
		f.ecs.addFamily(fmt.Sprintf("fam%02d", i), active)
	}
	f.ecs.revs["fam01"] = nil
	f.ecs.addFamily("fam01", active, active)
	f.ecs.addService("c0", "web", tdArnOf("fam01", 1))
	f.ecs.addService("c0", "api", tdArnOf("fam01", 2))
	f.ecs.addService("c1", "worker", tdArnOf("fam01", 2))
	f.ecs.addService("c1", "other", tdArnOf("fam02", 1))
	f.ecs.addService("c1", "batch", tdArnOf("fam03", 1))
	return f
}

func scopedRun(t *testing.T, f *fakes, n *Names) *detect.Inventory {
	t.Helper()
	return runFakes(t, f, Options{Scope: Scope{{Region: "us-east-1"}: n}})
}

func svcArns(inv *detect.Inventory) []string {
	return ids(inv.Services, func(s ecstypes.Service) string { return aws.ToString(s.ServiceArn) })
}

// TestScopeFamily: a family named reads its latest ACTIVE revision by name, and the services running any
// of its revisions with those revisions; no other family is listed or described.
func TestScopeFamily(t *testing.T) {
	f := scopeEstate()
	inv := scopedRun(t, f, &Names{Families: []string{"fam01"}})
	if got, want := tdArns(inv), []string{tdArnOf("fam01", 1), tdArnOf("fam01", 2)}; !slices.Equal(got, want) {
		t.Errorf("revisions %v, want %v", got, want)
	}
	if got, want := svcArns(inv), []string{serviceArn("c0", "api"), serviceArn("c0", "web"), serviceArn("c1", "worker")}; !slices.Equal(got, want) {
		t.Errorf("services %v, want %v", got, want)
	}
	if got := len(inv.Clusters); got != 2 {
		t.Errorf("%d clusters, want the 2 of the services kept", got)
	}
	if n := f.rec.count("ListTaskDefinitionFamilies"); n != 0 {
		t.Errorf("ListTaskDefinitionFamilies called %d times", n)
	}
	// fam01 by name (its latest, fam01:2) and fam01:1, which web runs
	if n := f.rec.count("DescribeTaskDefinition"); n != 2 {
		t.Errorf("DescribeTaskDefinition called %d times, want 2", n)
	}
	if n := f.rec.count("DescribeCapacityProviders"); n != 0 {
		t.Errorf("DescribeCapacityProviders called %d times, want none (none named)", n)
	}
	if len(inv.Errors) != 0 {
		t.Errorf("errors: %v", inv.Errors)
	}

	// The same resources, read whole, evaluate the same.
	whole := runFakes(t, scopeEstate(), Options{})
	for _, arn := range []string{tdArnOf("fam01", 2), tdArnOf("fam01", 1), serviceArn("c0", "web")} {
		if a, b := resultsOf(detect.Evaluate(inv, nil), arn), resultsOf(detect.Evaluate(whole, nil), arn); !slices.Equal(a, b) {
			t.Errorf("%s: scoped %v, whole %v", arn, a, b)
		}
	}
}

func resultsOf(rs []detect.Result, arn string) []string {
	var out []string
	for _, r := range rs {
		if r.ResourceArn == arn {
			out = append(out, r.Control+" "+string(r.Status))
		}
	}
	return out
}

// TestScopeService: a service named is read with the revision it runs, its family's latest, and the
// other services running that family (a fix of the revision moves them too).
func TestScopeService(t *testing.T) {
	f := scopeEstate()
	inv := scopedRun(t, f, &Names{Services: []string{serviceArn("c1", "other")}})
	if got, want := svcArns(inv), []string{serviceArn("c1", "other")}; !slices.Equal(got, want) {
		t.Errorf("services %v, want %v", got, want)
	}
	if got, want := tdArns(inv), []string{tdArnOf("fam02", 1)}; !slices.Equal(got, want) {
		t.Errorf("revisions %v, want %v", got, want)
	}
	if got := ids(inv.Clusters, func(c ecstypes.Cluster) string { return aws.ToString(c.ClusterArn) }); !slices.Equal(got, []string{clusterArn("c1")}) {
		t.Errorf("clusters %v", got)
	}

	f = scopeEstate()
	inv = scopedRun(t, f, &Names{Services: []string{serviceArn("c0", "web")}})
	if got, want := svcArns(inv), []string{serviceArn("c0", "api"), serviceArn("c0", "web"), serviceArn("c1", "worker")}; !slices.Equal(got, want) {
		t.Errorf("services %v, want %v (the family web runs)", got, want)
	}
}

// TestScopeClusterOnly: a cluster named alone is described by name; no service, family or capacity
// provider is read.
func TestScopeClusterOnly(t *testing.T) {
	f := scopeEstate()
	inv := scopedRun(t, f, &Names{Clusters: []string{clusterArn("c1")}})
	if len(inv.Clusters) != 1 || aws.ToString(inv.Clusters[0].ClusterArn) != clusterArn("c1") || len(inv.Services) != 0 || len(inv.TaskDefinitions) != 0 {
		t.Fatalf("got %d clusters, %d services, %d revisions", len(inv.Clusters), len(inv.Services), len(inv.TaskDefinitions))
	}
	for _, op := range []string{"ListClusters", "ListServices", "DescribeServices", "ListTaskDefinitionFamilies", "DescribeTaskDefinition", "DescribeCapacityProviders"} {
		if n := f.rec.count(op); n != 0 {
			t.Errorf("%s called %d times", op, n)
		}
	}
}

// TestScopeGone: a family or service named that no longer exists is absent, not an error: the finding
// on it is stale.
func TestScopeGone(t *testing.T) {
	f := scopeEstate()
	inv := scopedRun(t, f, &Names{Families: []string{"deleted"}, Services: []string{serviceArn("c0", "gone")}})
	if len(inv.Errors) != 0 {
		t.Errorf("errors: %v", inv.Errors)
	}
	if len(inv.TaskDefinitions) != 0 || len(inv.Services) != 0 {
		t.Errorf("got %v and %v", tdArns(inv), svcArns(inv))
	}
	// Another failure of the family's read is recorded.
	f = scopeEstate()
	f.rec.fail["DescribeTaskDefinition fam05"] = apiErr("AccessDeniedException")
	inv = scopedRun(t, f, &Names{Families: []string{"fam05"}})
	if len(inv.Errors) != 1 || inv.Errors[0].Resource != "fam05" {
		t.Errorf("errors: %v", inv.Errors)
	}
}

// TestScopeRegions: a region the scope does not name is not read; Whole reads one as an unscoped scan.
func TestScopeRegions(t *testing.T) {
	f := scopeEstate()
	var asked []string
	cf := f.factory()
	region := cf.region
	cf.region = func(r string) regionClients { asked = append(asked, r); return region(r) }
	inv, _, err := scan(context.Background(), cf, []string{"us-east-1", "eu-west-1"}, Options{Scope: Scope{{Region: "eu-west-1"}: {Whole: true}}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(asked, []string{"eu-west-1"}) {
		t.Errorf("regions read %v", asked)
	}
	if len(inv.TaskDefinitions) != 41 || len(inv.Services) != 5 || f.rec.count("ListTaskDefinitionFamilies") == 0 {
		t.Errorf("whole: %d revisions, %d services", len(inv.TaskDefinitions), len(inv.Services))
	}
}

// TestConcurrencyPerRegion: the bound on calls in flight is per region: two regions each at the bound
// have twice as many in flight, never more.
func TestConcurrencyPerRegion(t *testing.T) {
	f := newFakes()
	f.rec.delay = 3 * time.Millisecond
	f.ecs.clusters = []string{"c"}
	for i := range 20 {
		f.ecs.addFamily(fmt.Sprint("f", i), active)
	}
	if _, _, err := scan(context.Background(), f.factory(), []string{"us-east-1", "eu-west-1"}, Options{Concurrency: 2}); err != nil {
		t.Fatal(err)
	}
	if got := int(f.rec.maxInflight.Load()); got > 4 || got < 3 {
		t.Errorf("most calls in flight %d across two regions bound at 2 each, want 3 or 4", got)
	}
}

// TestClientsPerRegion: each region gets its own SDK clients, with their own retryer (and so their own
// retry token bucket).
func TestClientsPerRegion(t *testing.T) {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "x", "")}
	cf := sdkClients(cfg, Options{}, awsclient.NewCounter(), "us-east-1")
	a, b := cf.region("us-east-1").ecs.(*ecs.Client), cf.region("eu-west-1").ecs.(*ecs.Client)
	if a == b || a.Options().Region != "us-east-1" || b.Options().Region != "eu-west-1" {
		t.Fatalf("clients %p %p, regions %s %s", a, b, a.Options().Region, b.Options().Region)
	}
	if a.Options().Retryer == nil || a.Options().Retryer == b.Options().Retryer {
		t.Errorf("the regions share a retryer")
	}
}
