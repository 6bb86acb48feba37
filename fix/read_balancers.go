package fix

// The reads of the load balancers in front of the services a security-group action names: a replacement
// ingress rule from a security group must come from one of their groups (plan.ReadState.balancerSources
// re-derives them). The services come from the stale check's read (their loadBalancers); the target
// groups and load balancers have no fingerprint in the plan: they are read here, batched by ARN, and the
// allowed sources are derived from what is read.

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/plan"
)

// elbBatch is how many ARNs one describe call names (the API's limit for load balancers).
const elbBatch = 20

// readBalancers reads, for every action replacing a world-open rule by one from a security group, the
// target groups of the services it names (as the stale check read them: st.ServiceTargetGroups) and
// their load balancers, into st.TargetGroups and st.LoadBalancers: one DescribeTargetGroups and one
// DescribeLoadBalancers per region and 20 ARNs. A plan with no such rule reads nothing.
func (r *run) readBalancers(ctx context.Context, st *plan.ReadState) error {
	tgs := map[accountRegion][]string{} // account and region -> target group ARNs, each once
	seen := map[string]bool{}
	for i := range r.p.Actions {
		a := &r.p.Actions[i]
		var services []plan.ProtectedService
		var rules []plan.IngressRule
		if u := a.UpdateSecurityGroupIngress; a.Type == plan.UpdateSecurityGroupIngress && u != nil {
			services, rules = u.Services, u.Authorize
		}
		if c := a.CreateSecurityGroup; a.Type == plan.CreateSecurityGroup && c != nil {
			services, rules = c.Services, c.Ingress
		}
		if !groupSourced(rules) {
			continue
		}
		for _, s := range services {
			for _, tg := range st.ServiceTargetGroups[s.Service] {
				if tg == "" || seen[tg] {
					continue
				}
				seen[tg] = true
				region := firstOf(detect.RegionOf(tg), a.Region)
				k := accountRegion{firstOf(detect.AccountOf(tg), a.Account), region}
				tgs[k] = append(tgs[k], tg)
			}
		}
	}
	if len(tgs) == 0 {
		return nil
	}
	st.TargetGroups, st.LoadBalancers = map[string][]string{}, map[string]plan.LoadBalancerRead{}
	lbs := map[accountRegion][]string{}
	for _, k := range sortedAccountRegions(tgs) {
		region := k.region
		got, err := describeTargetGroups(ctx, r.cl.in(k.account).elb(region), tgs[k])
		if err != nil {
			return fmt.Errorf("read the target groups in front of the services whose security groups the plan narrows (elasticloadbalancing DescribeTargetGroups, %s): %w", region, err)
		}
		for arn, owners := range got {
			st.TargetGroups[arn] = owners
			for _, lb := range owners {
				if !seen[lb] {
					seen[lb] = true
					lbs[k] = append(lbs[k], lb)
				}
			}
		}
	}
	for _, k := range sortedAccountRegions(lbs) {
		region := k.region
		got, err := describeLoadBalancers(ctx, r.cl.in(k.account).elb(region), lbs[k])
		if err != nil {
			return fmt.Errorf("read the load balancers in front of the services whose security groups the plan narrows (elasticloadbalancing DescribeLoadBalancers, %s): %w", region, err)
		}
		maps.Copy(st.LoadBalancers, got)
	}
	return nil
}

// groupSourced reports whether one of rules comes from a security group.
func groupSourced(rules []plan.IngressRule) bool {
	for _, r := range rules {
		if r.SourceGroup != "" {
			return true
		}
	}
	return false
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// describeTargetGroups reads target groups by ARN, 20 a call: by ARN, the ARNs of their load balancers.
// One that does not exist is absent (a batch naming one is read again one ARN at a time, to tell which).
func describeTargetGroups(ctx context.Context, api elbAPI, arns []string) (map[string][]string, error) {
	out := map[string][]string{}
	read := func(batch []string) error {
		var marker *string
		for {
			page, err := api.DescribeTargetGroups(ctx, &elasticloadbalancingv2.DescribeTargetGroupsInput{TargetGroupArns: batch, Marker: marker})
			if err != nil {
				return err
			}
			for _, tg := range page.TargetGroups {
				out[aws.ToString(tg.TargetGroupArn)] = append([]string{}, tg.LoadBalancerArns...)
			}
			if marker = page.NextMarker; aws.ToString(marker) == "" {
				return nil
			}
		}
	}
	var nf *elbtypes.TargetGroupNotFoundException
	return out, inBatches(arns, func(batch []string) error { return read(batch) }, func(err error) bool { return errors.As(err, &nf) })
}

// describeLoadBalancers reads load balancers by ARN, 20 a call: by ARN, their VPC and security groups.
// One that does not exist is absent.
func describeLoadBalancers(ctx context.Context, api elbAPI, arns []string) (map[string]plan.LoadBalancerRead, error) {
	out := map[string]plan.LoadBalancerRead{}
	read := func(batch []string) error {
		var marker *string
		for {
			page, err := api.DescribeLoadBalancers(ctx, &elasticloadbalancingv2.DescribeLoadBalancersInput{LoadBalancerArns: batch, Marker: marker})
			if err != nil {
				return err
			}
			for _, lb := range page.LoadBalancers {
				out[aws.ToString(lb.LoadBalancerArn)] = plan.LoadBalancerRead{VpcID: aws.ToString(lb.VpcId), SecurityGroups: append([]string{}, lb.SecurityGroups...)}
			}
			if marker = page.NextMarker; aws.ToString(marker) == "" {
				return nil
			}
		}
	}
	var nf *elbtypes.LoadBalancerNotFoundException
	return out, inBatches(arns, read, func(err error) bool { return errors.As(err, &nf) })
}

// inBatches calls read on arns, elbBatch at a time. A batch that fails with a not-found error is read
// again one ARN at a time, and an ARN not found is skipped (its absence is what the caller sees).
func inBatches(arns []string, read func([]string) error, notFound func(error) bool) error {
	for start := 0; start < len(arns); start += elbBatch {
		batch := arns[start:min(start+elbBatch, len(arns))]
		err := read(batch)
		if err == nil {
			continue
		}
		if !notFound(err) {
			return err
		}
		if len(batch) == 1 {
			continue
		}
		for _, one := range batch {
			if err := read([]string{one}); err != nil && !notFound(err) {
				return err
			}
		}
	}
	return nil
}
