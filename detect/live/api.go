package live

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/inspector2"

	"github.com/ecsfix/ecsfix/detect/awsclient"
)

// The operations the scan uses, declared where they are consumed so that unit tests can pass fakes.
// The embedded paginator interfaces let the SDK's paginators accept them.

type ecsAPI interface {
	ecs.ListClustersAPIClient
	ecs.ListServicesAPIClient
	ecs.ListTaskDefinitionFamiliesAPIClient
	ecs.ListTaskDefinitionsAPIClient
	DescribeClusters(context.Context, *ecs.DescribeClustersInput, ...func(*ecs.Options)) (*ecs.DescribeClustersOutput, error)
	DescribeServices(context.Context, *ecs.DescribeServicesInput, ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
	DescribeTaskSets(context.Context, *ecs.DescribeTaskSetsInput, ...func(*ecs.Options)) (*ecs.DescribeTaskSetsOutput, error)
	DescribeTaskDefinition(context.Context, *ecs.DescribeTaskDefinitionInput, ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error)
	DescribeCapacityProviders(context.Context, *ecs.DescribeCapacityProvidersInput, ...func(*ecs.Options)) (*ecs.DescribeCapacityProvidersOutput, error)
}

type ec2API interface {
	ec2.DescribeSecurityGroupsAPIClient
	ec2.DescribeSubnetsAPIClient
	ec2.DescribeRouteTablesAPIClient
	ec2.DescribeVpcEndpointsAPIClient
	ec2.DescribeNetworkInterfacesAPIClient
}

type elbAPI interface {
	elb.DescribeTargetGroupsAPIClient
	elb.DescribeLoadBalancersAPIClient
}

type iamAPI interface {
	iam.ListRolePoliciesAPIClient
	iam.ListAttachedRolePoliciesAPIClient
	GetRole(context.Context, *iam.GetRoleInput, ...func(*iam.Options)) (*iam.GetRoleOutput, error)
	GetRolePolicy(context.Context, *iam.GetRolePolicyInput, ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error)
	GetPolicy(context.Context, *iam.GetPolicyInput, ...func(*iam.Options)) (*iam.GetPolicyOutput, error)
	GetPolicyVersion(context.Context, *iam.GetPolicyVersionInput, ...func(*iam.Options)) (*iam.GetPolicyVersionOutput, error)
}

// regionClients are the regional clients of one region.
type regionClients struct {
	ecs ecsAPI
	ec2 ec2API
	elb elbAPI
	// ecr reads image configurations (images.go), http fetches their blobs; nil ecr reads none.
	ecr  ImageAPI
	http aws.HTTPClient
	// asg reads the capacity providers' Auto Scaling groups (autoscaling.go); nil reads none.
	asg autoscalingAPI
	// vulnECR and inspector read the findings of the images the services run (vulnerabilities.go); nil
	// leaves them unread.
	vulnECR   ECRVulnAPI
	inspector InspectorAPI
}

// clientFactory builds the clients a scan uses; tests replace it with fakes.
type clientFactory struct {
	region func(region string) regionClients
	iam    func() iamAPI
}

// sdkClients builds real SDK clients from cfg, with ecsfix's retryer, the call counter and opts.Pacer
// (keyed by the account of cfg's credentials).
func sdkClients(cfg aws.Config, opts Options, counter *awsclient.Counter, iamRegion string) clientFactory {
	base := awsclient.ConfigureWith(cfg, awsclient.Options{MaxAttempts: opts.MaxAttempts, MaxBackoff: opts.MaxBackoff,
		Counter: counter, Pacer: opts.Pacer})
	forRegion := func(region string) aws.Config {
		c := base.Copy()
		c.Region = region
		return c
	}
	return clientFactory{
		region: func(region string) regionClients {
			c := forRegion(region)
			return regionClients{ecs: ecs.NewFromConfig(c), ec2: ec2.NewFromConfig(c), elb: elb.NewFromConfig(c),
				ecr: ecr.NewFromConfig(c), http: c.HTTPClient, asg: autoscaling.NewFromConfig(c),
				vulnECR: ecr.NewFromConfig(c), inspector: inspector2.NewFromConfig(c)}
		},
		iam: func() iamAPI { return iam.NewFromConfig(forRegion(iamRegion)) },
	}
}
