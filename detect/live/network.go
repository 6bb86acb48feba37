package live

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"

	"github.com/ecsfix/ecsfix/detect"
)

const (
	// filterValuesBatch is the most values one EC2 filter accepts.
	filterValuesBatch = 200
	// elbBatch is the most ARNs DescribeLoadBalancers (and, to be safe, DescribeTargetGroups) accepts.
	elbBatch = 20
)

// networkRefs lists the security groups and subnets of the services' and task sets' awsvpc
// configurations.
func (r *regionScan) networkRefs() (groups, subnets []string) {
	add := func(nc *ecstypes.NetworkConfiguration) {
		if nc == nil || nc.AwsvpcConfiguration == nil {
			return
		}
		groups = append(groups, nc.AwsvpcConfiguration.SecurityGroups...)
		subnets = append(subnets, nc.AwsvpcConfiguration.Subnets...)
	}
	for i := range r.svcs {
		add(r.svcs[i].NetworkConfiguration)
		for _, d := range r.svcs[i].Deployments {
			add(d.NetworkConfiguration)
		}
	}
	for i := range r.taskSets {
		add(r.taskSets[i].NetworkConfiguration)
	}
	return uniq(groups), uniq(subnets)
}

// securityGroups reads the services' and their load balancers' security groups, by group-id filter (a
// filter, unlike GroupIds, does not fail the whole call for one deleted group). A group referenced but not
// found is an error: what it allowed is unknown.
func (r *regionScan) securityGroups(ctx context.Context) {
	groups, _ := r.networkRefs()
	groups = uniq(append(groups, r.lbSGs...))
	found := r.ec2Filtered(ctx, "group-id", groups, detect.TypeSecurityGroup, "DescribeSecurityGroups",
		func(ctx context.Context, f []ec2types.Filter) ([]string, error) {
			var ids []string
			p := ec2.NewDescribeSecurityGroupsPaginator(r.c.ec2, &ec2.DescribeSecurityGroupsInput{Filters: f})
			if err := pages(ctx, r, p.HasMorePages, p.NextPage, func(out *ec2.DescribeSecurityGroupsOutput) {
				for _, g := range out.SecurityGroups {
					ids = append(ids, aws.ToString(g.GroupId))
				}
				r.s.add(len(out.SecurityGroups), func(in *detect.Inventory) { in.SecurityGroups = append(in.SecurityGroups, out.SecurityGroups...) })
			}); err != nil {
				return ids, err
			}
			return ids, nil
		})
	r.notFound(groups, found, detect.TypeSecurityGroup, "DescribeSecurityGroups")
}

// subnetsAndRoutes reads the services' subnets, then the route tables that govern them: those
// associated with the subnets and the main route tables of their VPCs.
func (r *regionScan) subnetsAndRoutes(ctx context.Context) {
	_, subnets := r.networkRefs()
	if len(subnets) == 0 {
		return
	}
	var mu sync.Mutex
	var vpcs []string
	found := r.ec2Filtered(ctx, "subnet-id", subnets, detect.TypeSubnet, "DescribeSubnets",
		func(ctx context.Context, f []ec2types.Filter) ([]string, error) {
			var ids []string
			p := ec2.NewDescribeSubnetsPaginator(r.c.ec2, &ec2.DescribeSubnetsInput{Filters: f})
			if err := pages(ctx, r, p.HasMorePages, p.NextPage, func(out *ec2.DescribeSubnetsOutput) {
				mu.Lock()
				for _, sn := range out.Subnets {
					ids = append(ids, aws.ToString(sn.SubnetId))
					vpcs = append(vpcs, aws.ToString(sn.VpcId))
				}
				mu.Unlock()
				r.s.add(len(out.Subnets), func(in *detect.Inventory) { in.Subnets = append(in.Subnets, out.Subnets...) })
			}); err != nil {
				return ids, err
			}
			return ids, nil
		})
	r.notFound(subnets, found, detect.TypeSubnet, "DescribeSubnets")

	seen := map[string]bool{}
	routes := func(ctx context.Context, f []ec2types.Filter) ([]string, error) {
		p := ec2.NewDescribeRouteTablesPaginator(r.c.ec2, &ec2.DescribeRouteTablesInput{Filters: f})
		if err := pages(ctx, r, p.HasMorePages, p.NextPage, func(out *ec2.DescribeRouteTablesOutput) {
			mu.Lock()
			fresh := unseen(seen, out.RouteTables, func(rt ec2types.RouteTable) *string { return rt.RouteTableId })
			for _, rt := range fresh {
				vpcs = append(vpcs, aws.ToString(rt.VpcId))
			}
			mu.Unlock()
			r.s.add(len(fresh), func(in *detect.Inventory) { in.RouteTables = append(in.RouteTables, fresh...) })
		}); err != nil {
			return nil, err
		}
		return nil, nil
	}
	subnetVPCs := uniq(vpcs)
	var wg sync.WaitGroup
	wg.Go(func() {
		r.ec2Filtered(ctx, "association.subnet-id", subnets, detect.TypeRouteTable, "DescribeRouteTables", routes)
	})
	wg.Go(func() {
		r.ec2Filtered(ctx, "vpc-id", subnetVPCs, detect.TypeRouteTable, "DescribeRouteTables",
			func(ctx context.Context, f []ec2types.Filter) ([]string, error) {
				return routes(ctx, append(f, ec2types.Filter{Name: aws.String("association.main"), Values: []string{"true"}}))
			})
	})
	wg.Wait()
	// the VPCs of the subnets read, and of the route tables associated with subnets not read
	r.vpcEndpoints(ctx, uniq(vpcs))
}

// typeVpcEndpoint is the resource type of a VPC endpoint, as AWS Config spells it.
const typeVpcEndpoint = "AWS::EC2::VPCEndpoint"

// vpcEndpoints reads the VPC endpoints of the services' VPCs (a subnet without a NAT route reaches ECR,
// S3 and CloudWatch Logs through them). A failed read leaves the inventory's endpoints unknown
// (Inventory.VpcEndpointsKnown false): "no endpoint" must not be told from "not read".
func (r *regionScan) vpcEndpoints(ctx context.Context, vpcs []string) {
	if len(vpcs) == 0 {
		return
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	r.ec2Filtered(ctx, "vpc-id", vpcs, typeVpcEndpoint, "DescribeVpcEndpoints",
		func(ctx context.Context, f []ec2types.Filter) ([]string, error) {
			p := ec2.NewDescribeVpcEndpointsPaginator(r.c.ec2, &ec2.DescribeVpcEndpointsInput{Filters: f})
			if err := pages(ctx, r, p.HasMorePages, p.NextPage, func(out *ec2.DescribeVpcEndpointsOutput) {
				mu.Lock()
				fresh := unseen(seen, out.VpcEndpoints, func(ep ec2types.VpcEndpoint) *string { return ep.VpcEndpointId })
				mu.Unlock()
				r.s.add(len(fresh), func(in *detect.Inventory) { in.VpcEndpoints = append(in.VpcEndpoints, fresh...) })
			}); err != nil {
				r.s.endpointsUnknown.Store(true)
				return nil, err
			}
			return nil, nil
		})
}

// typeNetworkInterface is the resource type of a network interface, as AWS Config spells it.
const typeNetworkInterface = "AWS::EC2::NetworkInterface"

// networkInterfaces reads the network interfaces that carry the services' and task sets' security
// groups (who else uses a group: the open-security-group fix does not edit a group shared with anything
// but the service). A failed read leaves them unknown (Inventory.NetworkInterfacesKnown false).
func (r *regionScan) networkInterfaces(ctx context.Context) {
	groups, _ := r.networkRefs()
	if len(groups) == 0 {
		return
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	r.ec2Filtered(ctx, "group-id", groups, typeNetworkInterface, "DescribeNetworkInterfaces",
		func(ctx context.Context, f []ec2types.Filter) ([]string, error) {
			p := ec2.NewDescribeNetworkInterfacesPaginator(r.c.ec2, &ec2.DescribeNetworkInterfacesInput{Filters: f})
			if err := pages(ctx, r, p.HasMorePages, p.NextPage, func(out *ec2.DescribeNetworkInterfacesOutput) {
				mu.Lock()
				fresh := unseen(seen, out.NetworkInterfaces, func(ni ec2types.NetworkInterface) *string { return ni.NetworkInterfaceId })
				mu.Unlock()
				r.s.add(len(fresh), func(in *detect.Inventory) { in.NetworkInterfaces = append(in.NetworkInterfaces, fresh...) })
			}); err != nil {
				r.s.interfacesUnknown.Store(true)
				return nil, err
			}
			return nil, nil
		})
}

// unseen returns the items whose id (id) is not in seen yet, in order, and adds their ids to seen.
func unseen[T any](seen map[string]bool, items []T, id func(T) *string) []T {
	var fresh []T
	for _, it := range items {
		if k := aws.ToString(id(it)); !seen[k] {
			seen[k] = true
			fresh = append(fresh, it)
		}
	}
	return fresh
}

// ec2Filtered calls read once per batch of at most 200 values of the filter, concurrently, records the
// errors against every value of the failed batch, and returns the ids read.
func (r *regionScan) ec2Filtered(ctx context.Context, filter string, values []string, resourceType, op string,
	read func(context.Context, []ec2types.Filter) ([]string, error)) map[string]bool {
	found := map[string]bool{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, batch := range chunks(values, filterValuesBatch) {
		wg.Go(func() {
			ids, err := read(ctx, []ec2types.Filter{{Name: aws.String(filter), Values: batch}})
			mu.Lock()
			for _, id := range ids {
				found[id] = true
			}
			mu.Unlock()
			if err != nil {
				r.s.fail(ctx, r.region, resourceType, strings.Join(batch, ","), op, err)
				mu.Lock()
				for _, id := range batch {
					found[id] = true // already reported with the batch
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return found
}

// notFound records, as read errors, the referenced ids that were not returned.
func (r *regionScan) notFound(want []string, found map[string]bool, resourceType, op string) {
	for _, id := range want {
		if !found[id] {
			r.s.failf(r.region, resourceType, id, op, "not found (referenced by a service or task set)")
		}
	}
}

// loadBalancers reads the target groups of the services' load balancers, then the load balancers
// themselves (by ARN, 20 a call), and notes the load balancers' security groups.
func (r *regionScan) loadBalancers(ctx context.Context) {
	var tgArns []string
	for i := range r.svcs {
		for _, lb := range r.svcs[i].LoadBalancers {
			tgArns = append(tgArns, aws.ToString(lb.TargetGroupArn))
		}
	}
	for i := range r.taskSets {
		for _, lb := range r.taskSets[i].LoadBalancers {
			tgArns = append(tgArns, aws.ToString(lb.TargetGroupArn))
		}
	}
	tgArns = uniq(tgArns)
	if len(tgArns) == 0 {
		return
	}
	var mu sync.Mutex
	var lbArns []string
	r.elbBatches(ctx, tgArns, detect.TypeTargetGroup, "DescribeTargetGroups", func(ctx context.Context, batch []string) error {
		p := elb.NewDescribeTargetGroupsPaginator(r.c.elb, &elb.DescribeTargetGroupsInput{TargetGroupArns: batch})
		var got []elbtypes.TargetGroup
		if err := pages(ctx, r, p.HasMorePages, p.NextPage, func(out *elb.DescribeTargetGroupsOutput) {
			got = append(got, out.TargetGroups...)
		}); err != nil {
			return err
		}
		mu.Lock()
		for _, tg := range got {
			lbArns = append(lbArns, tg.LoadBalancerArns...)
		}
		mu.Unlock()
		r.s.add(len(got), func(in *detect.Inventory) { in.TargetGroups = append(in.TargetGroups, got...) })
		return nil
	})
	r.elbBatches(ctx, uniq(lbArns), detect.TypeLoadBalancer, "DescribeLoadBalancers", func(ctx context.Context, batch []string) error {
		p := elb.NewDescribeLoadBalancersPaginator(r.c.elb, &elb.DescribeLoadBalancersInput{LoadBalancerArns: batch})
		var got []elbtypes.LoadBalancer
		if err := pages(ctx, r, p.HasMorePages, p.NextPage, func(out *elb.DescribeLoadBalancersOutput) {
			got = append(got, out.LoadBalancers...)
		}); err != nil {
			return err
		}
		mu.Lock()
		for _, lb := range got {
			r.lbSGs = append(r.lbSGs, lb.SecurityGroups...)
		}
		mu.Unlock()
		r.s.add(len(got), func(in *detect.Inventory) { in.LoadBalancers = append(in.LoadBalancers, got...) })
		return nil
	})
}

// elbBatches describes ARNs 20 at a time, concurrently. A batch that fails because one of its ARNs no
// longer exists is retried one ARN at a time, so that one deleted target group does not hide the others.
func (r *regionScan) elbBatches(ctx context.Context, arns []string, resourceType, op string, read func(context.Context, []string) error) {
	var wg sync.WaitGroup
	for _, batch := range chunks(arns, elbBatch) {
		wg.Go(func() {
			err := read(ctx, batch)
			if err == nil {
				return
			}
			if len(batch) > 1 && isNotFound(err) {
				for _, arn := range batch {
					wg.Go(func() {
						if err := read(ctx, []string{arn}); err != nil {
							r.s.fail(ctx, r.region, resourceType, arn, op, err)
						}
					})
				}
				return
			}
			r.s.fail(ctx, r.region, resourceType, strings.Join(batch, ","), op, err)
		})
	}
	wg.Wait()
}

func isNotFound(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && strings.Contains(ae.ErrorCode(), "NotFound")
}
