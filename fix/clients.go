package fix

import (
	"context"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
)

// ecsAPI is the ECS operations the applier uses, declared here so that tests can pass fakes for what the
// emulator cannot do (deployments that roll over or fail).
type ecsAPI interface {
	ecs.DescribeServicesAPIClient
	ecs.ListTaskDefinitionsAPIClient
	DescribeClusters(context.Context, *ecs.DescribeClustersInput, ...func(*ecs.Options)) (*ecs.DescribeClustersOutput, error)
	DescribeTaskDefinition(context.Context, *ecs.DescribeTaskDefinitionInput, ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error)
	RegisterTaskDefinition(context.Context, *ecs.RegisterTaskDefinitionInput, ...func(*ecs.Options)) (*ecs.RegisterTaskDefinitionOutput, error)
	UpdateService(context.Context, *ecs.UpdateServiceInput, ...func(*ecs.Options)) (*ecs.UpdateServiceOutput, error)
	UpdateCluster(context.Context, *ecs.UpdateClusterInput, ...func(*ecs.Options)) (*ecs.UpdateClusterOutput, error)
}

type stsAPI interface {
	GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// clients builds the API clients of a run; tests wrap them.
type clients struct {
	ecs func(region string) ecsAPI
	sts func() stsAPI
	// calls counts the calls made through SDK clients.
	calls *callCounter
}

// sdkClients builds SDK clients from cfg with a standard retryer (throttling ridden out with backoff, no
// client-side retry quota) and a call counter, as the live scanner does.
func sdkClients(cfg aws.Config, maxAttempts int) *clients {
	attempts := maxAttempts
	if attempts <= 0 {
		attempts = cfg.RetryMaxAttempts
	}
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	counter := newCallCounter()
	base := cfg.Copy()
	base.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			o.RateLimiter = ratelimit.None
		})
	}
	base.RetryMaxAttempts = 0
	base.RetryMode = ""
	base.APIOptions = append(append([]func(*middleware.Stack) error{}, cfg.APIOptions...), counter.add)
	var mu sync.Mutex
	byRegion := map[string]ecsAPI{}
	return &clients{
		ecs: func(region string) ecsAPI {
			mu.Lock()
			defer mu.Unlock()
			if c, ok := byRegion[region]; ok {
				return c
			}
			rc := base.Copy()
			rc.Region = region
			c := ecs.NewFromConfig(rc)
			byRegion[region] = c
			return c
		},
		sts:   func() stsAPI { return sts.NewFromConfig(base) },
		calls: counter,
	}
}

// callCounter counts operations with a middleware around the retry loop.
type callCounter struct {
	mu    sync.Mutex
	perOp map[string]int
}

func newCallCounter() *callCounter { return &callCounter{perOp: map[string]int{}} }

func (c *callCounter) add(stack *middleware.Stack) error {
	return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("ecsfixFixCallCounter",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleFinalize(ctx, in)
			op := strings.ToLower(strings.ReplaceAll(awsmiddleware.GetServiceID(ctx), " ", "")) + ":" + awsmiddleware.GetOperationName(ctx)
			c.mu.Lock()
			c.perOp[op]++
			c.mu.Unlock()
			return out, md, err
		}), middleware.Before)
}

func (c *callCounter) snapshot() map[string]int {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.perOp))
	for k, v := range c.perOp {
		out[k] = v
	}
	return out
}
