package live

import (
	"cmp"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/ecsfix/ecsfix/detect"
)

// sortInventory orders every list by ARN or id, so that a scan's output does not depend on the order in
// which concurrent calls returned.
func sortInventory(in *detect.Inventory) {
	sortBy(in.TaskDefinitions, func(t detect.TaskDefinition) string { return t.ARN() })
	sortBy(in.Services, func(s ecstypes.Service) string { return aws.ToString(s.ServiceArn) })
	sortBy(in.Clusters, func(c ecstypes.Cluster) string { return aws.ToString(c.ClusterArn) })
	sortBy(in.TaskSets, func(t ecstypes.TaskSet) string { return aws.ToString(t.TaskSetArn) })
	sortBy(in.CapacityProviders, func(c ecstypes.CapacityProvider) string { return aws.ToString(c.CapacityProviderArn) })
	sortBy(in.SecurityGroups, func(g ec2types.SecurityGroup) string { return aws.ToString(g.GroupId) })
	sortBy(in.Subnets, func(s ec2types.Subnet) string { return aws.ToString(s.SubnetId) })
	sortBy(in.RouteTables, func(r ec2types.RouteTable) string { return aws.ToString(r.RouteTableId) })
	sortBy(in.LoadBalancers, func(l elbtypes.LoadBalancer) string { return aws.ToString(l.LoadBalancerArn) })
	sortBy(in.TargetGroups, func(t elbtypes.TargetGroup) string { return aws.ToString(t.TargetGroupArn) })
	sortBy(in.VpcEndpoints, func(e ec2types.VpcEndpoint) string { return aws.ToString(e.VpcEndpointId) })
	sortBy(in.NetworkInterfaces, func(n ec2types.NetworkInterface) string { return aws.ToString(n.NetworkInterfaceId) })
	sortBy(in.Roles, func(r detect.Role) string { return r.Arn })
	sortBy(in.AutoScalingGroups, func(g astypes.AutoScalingGroup) string { return aws.ToString(g.AutoScalingGroupARN) })
	slices.SortStableFunc(in.Errors, func(a, b detect.ReadError) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Region, b.Region), cmp.Compare(a.ResourceType, b.ResourceType),
			cmp.Compare(a.Resource, b.Resource), cmp.Compare(a.Operation, b.Operation), cmp.Compare(a.Message, b.Message))
	})
}

func sortBy[T any](s []T, key func(T) string) {
	slices.SortStableFunc(s, func(a, b T) int { return cmp.Compare(key(a), key(b)) })
}
