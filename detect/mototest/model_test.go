// This file holds the tests of the launcher's throttle and latency model (ECSFIX_MOTO_MODEL), through the
// SDK.

package mototest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/inspector2"
	"github.com/aws/smithy-go"
)

// testModel has buckets that refill too slowly to matter within a test (a token in 1,000 s).
var testModel = Model{
	Quotas: []Bucket{
		{Service: "ecs", Group: "cluster-read", Actions: []string{"DescribeClusters", "ListClusters"}, Burst: 3, Rate: 0.001},
		{Service: "ec2", Group: "security-group-read", Actions: []string{"DescribeSecurityGroups"}, Burst: 2, Rate: 0.001},
		{Service: "iam", Group: "all", Burst: 2, Rate: 0.001, Global: true},
		{Service: "elbv2", Group: "describe", Actions: []string{"DescribeLoadBalancers"}, Burst: 1, Rate: 0.001},
		{Service: "inspector2", Group: "list", Actions: []string{"ListFindings"}, Burst: 1, Rate: 0.001},
	},
	Fail: []string{"ecs:DescribeCapacityProviders"},
}

// wantAPIError fails t unless err is the API error code with the HTTP status.
func wantAPIError(t *testing.T, what string, err error, code string, status int) {
	t.Helper()
	var ae smithy.APIError
	var re *awshttp.ResponseError
	switch {
	case err == nil:
		t.Errorf("%s: no error, want %s", what, code)
	case !errors.As(err, &ae) || ae.ErrorCode() != code:
		t.Errorf("%s: %v, want %s", what, err, code)
	case !errors.As(err, &re) || re.HTTPStatusCode() != status:
		t.Errorf("%s: %v, want HTTP status %d", what, err, status)
	}
}

func describeClusters(cfg aws.Config) error {
	_, err := ecs.NewFromConfig(cfg).DescribeClusters(context.Background(), &ecs.DescribeClustersInput{Clusters: []string{"default"}})
	return err
}

// A bucket of burst 3 answers the 4th call of its group with ECS's ThrottlingException; other accounts and
// regions have buckets of their own; the model counts what it saw; a reset refills the account's buckets.
func TestModelThrottlesECS(t *testing.T) {
	t.Parallel()
	cfg := Modelled(t, testModel, MaxAttempts(1))
	for i := range 3 {
		if err := describeClusters(cfg); err != nil {
			t.Fatalf("call %d within the burst: %v", i+1, err)
		}
	}
	wantAPIError(t, "4th DescribeClusters", describeClusters(cfg), "ThrottlingException", 400)
	_, err := ecs.NewFromConfig(cfg).ListClusters(context.Background(), &ecs.ListClustersInput{})
	wantAPIError(t, "ListClusters (same group)", err, "ThrottlingException", 400)
	// A group without a bucket is not throttled.
	if _, err := ecs.NewFromConfig(cfg).ListServices(context.Background(), &ecs.ListServicesInput{}); err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) && ae.ErrorCode() == "ThrottlingException" {
			t.Errorf("ListServices: %v", err)
		}
	}

	other := cfg.Copy()
	other.Region = "eu-west-1"
	if err := describeClusters(other); err != nil {
		t.Errorf("another region: %v", err)
	}
	if err := describeClusters(Modelled(t, testModel, MaxAttempts(1))); err != nil {
		t.Errorf("another account: %v", err)
	}
	// Bypassed requests are neither throttled nor counted.
	if err := describeClusters(Bypass(cfg)); err != nil {
		t.Errorf("bypassed: %v", err)
	}

	st := ModelStats(t, cfg)
	if st.Requests != 7 || st.Throttled != 2 || st.Failed != 0 || st.PerOperation["ecs:DescribeClusters"] != 5 ||
		st.PerOperation["ecs:ListClusters"] != 1 || st.ThrottledPerOperation["ecs:DescribeClusters"] != 1 ||
		st.ThrottledPerOperation["ecs:ListClusters"] != 1 {
		t.Errorf("stats = %+v, want 7 requests (5 DescribeClusters, 1 ListClusters, 1 ListServices), 2 throttled", st)
	}
	if got := st.ThrottledShare(); got != 2.0/7 {
		t.Errorf("throttled share %v, want 2/7", got)
	}

	ResetModel(t, cfg)
	if st := ModelStats(t, cfg); st.Requests != 0 || st.Throttled != 0 {
		t.Errorf("stats after reset = %+v", st)
	}
	if err := describeClusters(cfg); err != nil {
		t.Errorf("after reset: %v", err)
	}
}

// EC2 answers RequestLimitExceeded; an operation no bucket names is never throttled.
func TestModelThrottlesEC2(t *testing.T) {
	t.Parallel()
	cfg := Modelled(t, testModel, MaxAttempts(1))
	c := ec2.NewFromConfig(cfg)
	ctx := context.Background()
	for i := range 2 {
		if _, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{}); err != nil {
			t.Fatalf("call %d within the burst: %v", i+1, err)
		}
	}
	_, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{})
	wantAPIError(t, "3rd DescribeSecurityGroups", err, "RequestLimitExceeded", 503)
	for range 3 {
		if _, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{}); err != nil {
			t.Errorf("DescribeSubnets (no bucket): %v", err)
		}
	}
	if st := ModelStats(t, cfg); st.Throttled != 1 || st.PerOperation["ec2:DescribeSubnets"] != 3 {
		t.Errorf("stats = %+v", st)
	}
}

// A PerAction group gives each of its operations a bucket of its own (as EC2 does): the second
// DescribeVpcs is throttled, the first DescribeRouteTables of the same group is not.
func TestModelPerActionBuckets(t *testing.T) {
	t.Parallel()
	cfg := Modelled(t, Model{Quotas: []Bucket{{Service: "ec2", Group: "describe", Actions: []string{"DescribeVpcs", "DescribeRouteTables"},
		Burst: 1, Rate: 0.001, PerAction: true}}}, MaxAttempts(1))
	c := ec2.NewFromConfig(cfg)
	ctx := context.Background()
	if _, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}); err != nil {
		t.Fatalf("1st DescribeVpcs: %v", err)
	}
	_, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	wantAPIError(t, "2nd DescribeVpcs", err, "RequestLimitExceeded", 503)
	if _, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{}); err != nil {
		t.Errorf("1st DescribeRouteTables, a bucket of its own: %v", err)
	}
	if st := ModelStats(t, cfg); st.Throttled != 1 || st.Requests != 3 {
		t.Errorf("stats = %+v, want 3 requests, 1 throttled", st)
	}
}

// IAM and Elastic Load Balancing (query protocol) answer Throttling, Inspector (REST JSON)
// ThrottlingException with 429; a global bucket (IAM, without actions: every operation) is shared by
// the regions.
func TestModelThrottlesQueryAndRESTServices(t *testing.T) {
	t.Parallel()
	cfg := Modelled(t, testModel, MaxAttempts(1))
	ctx := context.Background()
	if _, err := iam.NewFromConfig(cfg).ListRoles(ctx, &iam.ListRolesInput{}); err != nil {
		t.Fatal(err)
	}
	west := cfg.Copy()
	west.Region = "us-west-2"
	if _, err := iam.NewFromConfig(west).ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Fatal(err)
	}
	_, err := iam.NewFromConfig(west).ListRoles(ctx, &iam.ListRolesInput{})
	wantAPIError(t, "3rd IAM call", err, "Throttling", 400)

	if _, err := elb.NewFromConfig(cfg).DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{}); err != nil {
		t.Fatal(err)
	}
	_, err = elb.NewFromConfig(cfg).DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{})
	wantAPIError(t, "2nd DescribeLoadBalancers", err, "Throttling", 400)

	if _, err := inspector2.NewFromConfig(cfg).ListFindings(ctx, &inspector2.ListFindingsInput{}); err != nil {
		t.Fatal(err)
	}
	_, err = inspector2.NewFromConfig(cfg).ListFindings(ctx, &inspector2.ListFindingsInput{})
	wantAPIError(t, "2nd ListFindings", err, "ThrottlingException", 429)

	st := ModelStats(t, cfg)
	if st.Throttled != 3 || st.PerOperation["iam:ListRoles"] != 2 || st.PerOperation["elbv2:DescribeLoadBalancers"] != 2 ||
		st.PerOperation["inspector2:ListFindings"] != 2 {
		t.Errorf("stats = %+v", st)
	}
}

// An operation of Model.Fail is answered 500 at every attempt: the SDK retries it (its standard three
// attempts) and the model counts each.
func TestModelFailsOperation(t *testing.T) {
	t.Parallel()
	cfg := Modelled(t, testModel, MaxAttempts(3))
	_, err := ecs.NewFromConfig(cfg).DescribeCapacityProviders(context.Background(), &ecs.DescribeCapacityProvidersInput{})
	wantAPIError(t, "DescribeCapacityProviders", err, "InternalFailure", 500)
	if st := ModelStats(t, cfg); st.Failed != 3 || st.Requests != 3 || st.Throttled != 0 {
		t.Errorf("stats = %+v, want 3 failed attempts", st)
	}
}

// The server answers requests concurrently, so that the model's latency overlaps as AWS's does.
func TestModelServesConcurrently(t *testing.T) {
	t.Parallel()
	cfg := Modelled(t, Model{Latency: 300 * time.Millisecond})
	c := ecs.NewFromConfig(cfg)
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			if _, err := c.ListClusters(context.Background(), &ecs.ListClustersInput{}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if st := ModelStats(t, cfg); st.Requests != 6 || st.MaxInFlight < 2 {
		t.Errorf("stats = %+v: want 6 requests, answered several at once", st)
	}
}

// BucketsOf reads a table of another type with the same field names (awsclient.Quota).
func TestBucketsOf(t *testing.T) {
	type quota struct {
		Service, Group string
		Actions        []string
		Burst, Rate    float64
		Global         bool
		Source         string
	}
	got := BucketsOf([]quota{{Service: "iam", Group: "g", Actions: []string{"GetRole"}, Burst: 5, Rate: 2, Global: true, Source: "doc"}})
	if len(got) != 1 || got[0].Service != "iam" || got[0].Group != "g" || got[0].Actions[0] != "GetRole" || got[0].Burst != 5 ||
		got[0].Rate != 2 || !got[0].Global {
		t.Errorf("BucketsOf = %+v", got)
	}
}
