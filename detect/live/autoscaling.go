package live

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"

	"github.com/ecsfix/ecsfix/detect"
)

// The Auto Scaling groups of the capacity providers read (ECS.19's fix turns on their scale-in protection
// of new instances before the provider's managed termination protection, and needs to know whether
// it is on).

// autoscalingAPI is the Auto Scaling read the scan uses.
type autoscalingAPI interface {
	DescribeAutoScalingGroups(context.Context, *autoscaling.DescribeAutoScalingGroupsInput, ...func(*autoscaling.Options)) (*autoscaling.DescribeAutoScalingGroupsOutput, error)
}

// describeAutoScalingGroupsBatch is how many names DescribeAutoScalingGroups takes at a time (by
// default; more need MaxRecords).
const describeAutoScalingGroupsBatch = 50

// autoScalingGroups reads the Auto Scaling groups of the region's capacity providers in the inventory,
// by name, 50 a call (following pages). A group that does not exist is absent; a failed call is
// recorded. Without an Auto Scaling client (fakes that give none) nothing is read.
func (r *regionScan) autoScalingGroups(ctx context.Context) {
	if r.c.asg == nil {
		return
	}
	var names []string
	r.s.mu.Lock()
	for _, cp := range r.s.inv.CapacityProviders {
		if detect.RegionOf(aws.ToString(cp.CapacityProviderArn)) != r.region || cp.AutoScalingGroupProvider == nil {
			continue
		}
		if name := detect.AutoScalingGroupName(aws.ToString(cp.AutoScalingGroupProvider.AutoScalingGroupArn)); name != "" {
			names = append(names, name)
		}
	}
	r.s.mu.Unlock()
	for _, batch := range chunks(uniq(names), describeAutoScalingGroupsBatch) {
		var got []astypes.AutoScalingGroup
		in := &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: batch}
		for {
			var out *autoscaling.DescribeAutoScalingGroupsOutput
			err := r.call(ctx, func(ctx context.Context) (err error) {
				out, err = r.c.asg.DescribeAutoScalingGroups(ctx, in)
				return err
			})
			if err != nil {
				r.s.fail(ctx, r.region, detect.TypeAutoScalingGroup, strings.Join(batch, ","), "DescribeAutoScalingGroups", err)
				got = nil
				break
			}
			got = append(got, out.AutoScalingGroups...)
			if aws.ToString(out.NextToken) == "" || aws.ToString(out.NextToken) == aws.ToString(in.NextToken) {
				break
			}
			next := *in
			next.NextToken = out.NextToken
			in = &next
		}
		r.s.add(len(got), func(inv *detect.Inventory) { inv.AutoScalingGroups = append(inv.AutoScalingGroups, got...) })
	}
}
