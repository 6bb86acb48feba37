package fix

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ecsfix/ecsfix/detect/awsclient"
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
	calls *awsclient.Counter
}

// sdkClients builds SDK clients from cfg with a standard retryer (throttling ridden out with backoff, no
// client-side retry quota) and a call counter, as the live scanner does.
func sdkClients(cfg aws.Config, maxAttempts int) *clients {
	counter := awsclient.NewCounter()
	base := awsclient.Configure(cfg, maxAttempts, 0, counter)
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
