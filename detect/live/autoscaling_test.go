package live

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// fakeASG answers DescribeAutoScalingGroups with a group for each name asked (but those in missing), one
// page per two groups, and fails a batch that holds fail.
type fakeASG struct {
	mu      sync.Mutex
	batches [][]string
	missing map[string]bool
	fail    string
}

func (f *fakeASG) DescribeAutoScalingGroups(_ context.Context, in *autoscaling.DescribeAutoScalingGroupsInput, _ ...func(*autoscaling.Options)) (*autoscaling.DescribeAutoScalingGroupsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if in.NextToken == nil {
		f.batches = append(f.batches, in.AutoScalingGroupNames)
	}
	var groups []astypes.AutoScalingGroup
	for _, n := range in.AutoScalingGroupNames {
		if n == f.fail {
			return nil, apiErr("Throttling")
		}
		if !f.missing[n] {
			groups = append(groups, astypes.AutoScalingGroup{AutoScalingGroupName: aws.String(n),
				AutoScalingGroupARN: aws.String("arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:u:autoScalingGroupName/" + n)})
		}
	}
	items, next := page(groups, in.NextToken, 2)
	return &autoscaling.DescribeAutoScalingGroupsOutput{AutoScalingGroups: items, NextToken: next}, nil
}

// The groups of the region's capacity providers are read by name, 50 a call, each once, following pages;
// providers of another region or without a group are not asked about; a group that does not exist is
// absent; a failed call is a read error naming the groups of its batch.
func TestAutoScalingGroupsOfCapacityProviders(t *testing.T) {
	var cps []ecstypes.CapacityProvider
	for i := range 120 {
		cps = append(cps, ecstypes.CapacityProvider{CapacityProviderArn: aws.String(fmt.Sprintf("arn:aws:ecs:us-east-1:123456789012:capacity-provider/p%d", i)),
			AutoScalingGroupProvider: &ecstypes.AutoScalingGroupProvider{AutoScalingGroupArn: aws.String(fmt.Sprintf(
				"arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:u:autoScalingGroupName/g%d", i/2))}}) // two providers per group
	}
	cps = append(cps,
		ecstypes.CapacityProvider{CapacityProviderArn: aws.String("arn:aws:ecs:eu-west-1:123456789012:capacity-provider/far"),
			AutoScalingGroupProvider: &ecstypes.AutoScalingGroupProvider{AutoScalingGroupArn: aws.String("far-group")}},
		ecstypes.CapacityProvider{CapacityProviderArn: aws.String("arn:aws:ecs:us-east-1:123456789012:capacity-provider/FARGATE")},
		ecstypes.CapacityProvider{CapacityProviderArn: aws.String("arn:aws:ecs:us-east-1:123456789012:capacity-provider/byname"),
			AutoScalingGroupProvider: &ecstypes.AutoScalingGroupProvider{AutoScalingGroupArn: aws.String("named-group")}})
	f := &fakeASG{missing: map[string]bool{"g7": true}}
	s := &scanner{inv: &detect.Inventory{CapacityProviders: cps}, cancel: func(error) {}}
	r := &regionScan{s: s, lane: newLane(2), region: "us-east-1", c: regionClients{asg: f}}
	r.autoScalingGroups(context.Background())

	asked := map[string]int{}
	for _, b := range f.batches {
		if len(b) > describeAutoScalingGroupsBatch {
			t.Errorf("a call asked for %d groups", len(b))
		}
		for _, n := range b {
			asked[n]++
		}
	}
	if len(f.batches) != 2 || len(asked) != 61 || asked["named-group"] != 1 || asked["far-group"] != 0 {
		t.Errorf("%d calls asked for %d groups: %v", len(f.batches), len(asked), asked)
	}
	for n, c := range asked {
		if c != 1 {
			t.Errorf("group %s asked %d times", n, c)
		}
	}
	if got := len(s.inv.AutoScalingGroups); got != 60 || len(s.inv.Errors) != 0 {
		t.Errorf("%d groups read (want 60: g7 does not exist), errors %v", got, s.inv.Errors)
	}
	if _, ok := s.inv.AutoScalingGroup("arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:u:autoScalingGroupName/g3", "arn:aws:ecs:us-east-1:123456789012:capacity-provider/p3"); !ok {
		t.Error("group g3 is not found by its ARN")
	}
	if _, ok := s.inv.AutoScalingGroup("named-group", "arn:aws:ecs:us-east-1:123456789012:capacity-provider/byname"); !ok {
		t.Error("group named-group is not found by its name in its region")
	}

	f2 := &fakeASG{fail: "g1"}
	s2 := &scanner{inv: &detect.Inventory{CapacityProviders: cps[:4]}, cancel: func(error) {}}
	(&regionScan{s: s2, lane: newLane(2), region: "us-east-1", c: regionClients{asg: f2}}).autoScalingGroups(context.Background())
	if len(s2.inv.Errors) != 1 || s2.inv.Errors[0].Operation != "DescribeAutoScalingGroups" || s2.inv.Errors[0].ResourceType != detect.TypeAutoScalingGroup ||
		!strings.Contains(s2.inv.Errors[0].Resource, "g1") || len(s2.inv.AutoScalingGroups) != 0 {
		t.Errorf("a failed call: errors %+v, groups %d", s2.inv.Errors, len(s2.inv.AutoScalingGroups))
	}
}
