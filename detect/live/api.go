package live

import (
	"context"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go/middleware"
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
}

// clientFactory builds the clients a scan uses; tests replace it with fakes.
type clientFactory struct {
	region func(region string) regionClients
	iam    func() iamAPI
}

// sdkClients builds real SDK clients from cfg, with the scan's retryer and the call counter.
func sdkClients(cfg aws.Config, opts Options, counter *callCounter, iamRegion string) clientFactory {
	attempts := opts.MaxAttempts
	if attempts <= 0 {
		attempts = cfg.RetryMaxAttempts
	}
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	base := cfg.Copy()
	base.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			o.RateLimiter = ratelimit.None
			if opts.MaxBackoff > 0 {
				o.MaxBackoff = opts.MaxBackoff
			}
		})
	}
	// The retryer above already carries the attempts: keep the SDK from wrapping it again.
	base.RetryMaxAttempts = 0
	base.RetryMode = ""
	base.APIOptions = append(append([]func(*middleware.Stack) error{}, cfg.APIOptions...), counter.add)
	forRegion := func(region string) aws.Config {
		c := base.Copy()
		c.Region = region
		return c
	}
	return clientFactory{
		region: func(region string) regionClients {
			c := forRegion(region)
			return regionClients{ecs: ecs.NewFromConfig(c), ec2: ec2.NewFromConfig(c), elb: elb.NewFromConfig(c)}
		},
		iam: func() iamAPI { return iam.NewFromConfig(forRegion(iamRegion)) },
	}
}

// callCounter counts operations and attempts with a middleware that wraps the retry loop.
type callCounter struct {
	mu      sync.Mutex
	calls   int
	retries int
	perOp   map[string]int
}

func newCallCounter() *callCounter { return &callCounter{perOp: map[string]int{}} }

func (c *callCounter) add(stack *middleware.Stack) error {
	return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("ecsfixCallCounter",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleFinalize(ctx, in)
			attempts := 1
			if r, ok := retry.GetAttemptResults(md); ok && len(r.Results) > 0 {
				attempts = len(r.Results)
			}
			c.record(shortService(awsmiddleware.GetServiceID(ctx))+":"+awsmiddleware.GetOperationName(ctx), attempts)
			return out, md, err
		}), middleware.Before)
}

func (c *callCounter) record(op string, attempts int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	c.retries += attempts - 1
	c.perOp[op]++
}

func (c *callCounter) fill(st *Stats) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st.Calls, st.Retries = c.calls, c.retries
	st.PerOperation = make(map[string]int, len(c.perOp))
	for k, v := range c.perOp {
		st.PerOperation[k] = v
	}
}

func shortService(id string) string {
	switch id {
	case "Elastic Load Balancing v2":
		return "elbv2"
	default:
		return strings.ToLower(strings.ReplaceAll(id, " ", ""))
	}
}
