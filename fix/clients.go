package fix

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/inspector2"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ecsfix/ecsfix/detect/awsclient"
	"github.com/ecsfix/ecsfix/detect/live"
)

// ecsAPI is the ECS operations the applier uses, declared here so that tests can pass fakes for what the
// emulator cannot do (deployments that roll over or fail).
type ecsAPI interface {
	ecs.DescribeServicesAPIClient
	ecs.ListTaskDefinitionsAPIClient
	DescribeClusters(context.Context, *ecs.DescribeClustersInput, ...func(*ecs.Options)) (*ecs.DescribeClustersOutput, error)
	DescribeTaskDefinition(context.Context, *ecs.DescribeTaskDefinitionInput, ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error)
	RegisterTaskDefinition(context.Context, *ecs.RegisterTaskDefinitionInput, ...func(*ecs.Options)) (*ecs.RegisterTaskDefinitionOutput, error)
	DeregisterTaskDefinition(context.Context, *ecs.DeregisterTaskDefinitionInput, ...func(*ecs.Options)) (*ecs.DeregisterTaskDefinitionOutput, error)
	UpdateService(context.Context, *ecs.UpdateServiceInput, ...func(*ecs.Options)) (*ecs.UpdateServiceOutput, error)
	UpdateCluster(context.Context, *ecs.UpdateClusterInput, ...func(*ecs.Options)) (*ecs.UpdateClusterOutput, error)
	DescribeCapacityProviders(context.Context, *ecs.DescribeCapacityProvidersInput, ...func(*ecs.Options)) (*ecs.DescribeCapacityProvidersOutput, error)
	UpdateCapacityProvider(context.Context, *ecs.UpdateCapacityProviderInput, ...func(*ecs.Options)) (*ecs.UpdateCapacityProviderOutput, error)
}

// autoscalingAPI is the Auto Scaling operations of the update-auto-scaling-group action (ECS.19's fix)
// and of its stale check.
type autoscalingAPI interface {
	DescribeAutoScalingGroups(context.Context, *autoscaling.DescribeAutoScalingGroupsInput, ...func(*autoscaling.Options)) (*autoscaling.DescribeAutoScalingGroupsOutput, error)
	UpdateAutoScalingGroup(context.Context, *autoscaling.UpdateAutoScalingGroupInput, ...func(*autoscaling.Options)) (*autoscaling.UpdateAutoScalingGroupOutput, error)
}

type stsAPI interface {
	GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// secretsAPI is the Secrets Manager operations of the create-secret action.
type secretsAPI interface {
	DescribeSecret(context.Context, *secretsmanager.DescribeSecretInput, ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error)
	CreateSecret(context.Context, *secretsmanager.CreateSecretInput, ...func(*secretsmanager.Options)) (*secretsmanager.CreateSecretOutput, error)
	GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// iamAPI is the IAM operations on roles: the inline policy ecsfix owns (put-role-policy and its stale
// check; rollback keeps the policy, and nothing deletes it), and the opt-in admin task-role fix
// (detach-role-policy, remove-policy-statements), which reads all of a role's policies and whose rollback
// re-attaches and puts back what it detached and rewrote.
type iamAPI interface {
	iam.ListAttachedRolePoliciesAPIClient
	iam.ListRolePoliciesAPIClient
	GetRolePolicy(context.Context, *iam.GetRolePolicyInput, ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error)
	PutRolePolicy(context.Context, *iam.PutRolePolicyInput, ...func(*iam.Options)) (*iam.PutRolePolicyOutput, error)
	DeleteRolePolicy(context.Context, *iam.DeleteRolePolicyInput, ...func(*iam.Options)) (*iam.DeleteRolePolicyOutput, error)
	AttachRolePolicy(context.Context, *iam.AttachRolePolicyInput, ...func(*iam.Options)) (*iam.AttachRolePolicyOutput, error)
	DetachRolePolicy(context.Context, *iam.DetachRolePolicyInput, ...func(*iam.Options)) (*iam.DetachRolePolicyOutput, error)
}

// logsAPI is the CloudWatch Logs operations of the ensure-log-group action.
type logsAPI interface {
	CreateLogGroup(context.Context, *cloudwatchlogs.CreateLogGroupInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.CreateLogGroupOutput, error)
	PutRetentionPolicy(context.Context, *cloudwatchlogs.PutRetentionPolicyInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.PutRetentionPolicyOutput, error)
	ListTagsForResource(context.Context, *cloudwatchlogs.ListTagsForResourceInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.ListTagsForResourceOutput, error)
}

// ec2API is the EC2 operations of the security-group fix (update-security-group-ingress,
// create-security-group) and of its stale check.
type ec2API interface {
	ec2.DescribeSecurityGroupsAPIClient
	CreateSecurityGroup(context.Context, *ec2.CreateSecurityGroupInput, ...func(*ec2.Options)) (*ec2.CreateSecurityGroupOutput, error)
	AuthorizeSecurityGroupIngress(context.Context, *ec2.AuthorizeSecurityGroupIngressInput, ...func(*ec2.Options)) (*ec2.AuthorizeSecurityGroupIngressOutput, error)
	RevokeSecurityGroupIngress(context.Context, *ec2.RevokeSecurityGroupIngressInput, ...func(*ec2.Options)) (*ec2.RevokeSecurityGroupIngressOutput, error)
	AuthorizeSecurityGroupEgress(context.Context, *ec2.AuthorizeSecurityGroupEgressInput, ...func(*ec2.Options)) (*ec2.AuthorizeSecurityGroupEgressOutput, error)
	RevokeSecurityGroupEgress(context.Context, *ec2.RevokeSecurityGroupEgressInput, ...func(*ec2.Options)) (*ec2.RevokeSecurityGroupEgressOutput, error)
}

// elbAPI is the Elastic Load Balancing reads of the applier: the target groups in front of a service
// and their load balancers' security groups, which a replacement ingress rule from a security group must
// be one of (re-derivation).
type elbAPI interface {
	elasticloadbalancingv2.DescribeLoadBalancersAPIClient
	elasticloadbalancingv2.DescribeTargetGroupsAPIClient
}

// clients builds the API clients of a run; tests wrap them.
type clients struct {
	ecs     func(region string) ecsAPI
	sts     func() stsAPI
	secrets func(region string) secretsAPI
	// iam is global: the region only picks the partition's endpoint.
	iam  func(region string) iamAPI
	logs func(region string) logsAPI
	ec2  func(region string) ec2API
	elb  func(region string) elbAPI
	// ecr reads image configurations (read_images.go), http fetches their blobs; nil ecr reads none.
	ecr  func(region string) live.ImageAPI
	http aws.HTTPClient
	asg  func(region string) autoscalingAPI
	// ecr and inspector read the images a registration moves containers off, again, before re-deriving
	// it (vulnerabilities); nil leaves them unread (such a registration is then refused).
	vulnECR   func(region string) live.ECRVulnAPI
	inspector func(region string) live.InspectorAPI
	// calls counts the calls made through SDK clients.
	calls *awsclient.Counter

	// member builds the clients of another account than the caller's, through the role that reaches it,
	// and returns the role's ARN; nil when no role is configured (only the caller's account is reached).
	member func(partition, account string) (*clients, string)
	// own is the caller's account; reached holds the clients of the other accounts checkTarget reached
	// (set before any other call, read-only after).
	own     string
	reached map[string]*clients
}

// in returns the clients of account: these for the caller's account (and for "", a resource whose ARN
// names no account), else the clients checkTarget reached it with. An account it did not reach is a
// programming error: nothing is written with the wrong account's credentials.
func (c *clients) in(account string) *clients {
	if account == "" || account == c.own || c.own == "" {
		return c
	}
	if m := c.reached[account]; m != nil {
		return m
	}
	panic(fmt.Sprintf("fix: account %s was not reached and checked before use", account))
}

// withMembers lets cl reach the accounts of a plan other than the caller's through the role
// o.RoleName in each (assumed with cfg's credentials, o.ExternalID when set, session ecsfix-apply or
// ecsfix-rollback), sharing cl's call counter and o.Pacer (the member's calls draw from the buckets of its
// account). Without o.RoleName, only the caller's account is reached.
func withMembers(cl *clients, cfg aws.Config, o Options, verb string) *clients {
	if o.RoleName == "" {
		return cl
	}
	cl.member = func(partition, account string) (*clients, string) {
		arn := awsclient.RoleARN(partition, account, o.RoleName)
		m := sdkClientsCounting(awsclient.AssumeRole(cfg, arn, o.ExternalID, awsclient.SessionName(verb)),
			awsclient.Options{MaxAttempts: o.MaxAttempts, Pacer: o.Pacer, Account: account}, cl.calls)
		return m, arn
	}
	return cl
}

// perRegion returns a function building one client per region from base (cached).
func perRegion[T any](base aws.Config, build func(aws.Config) T) func(string) T {
	var mu sync.Mutex
	byRegion := map[string]T{}
	return func(region string) T {
		mu.Lock()
		defer mu.Unlock()
		if c, ok := byRegion[region]; ok {
			return c
		}
		rc := base.Copy()
		if region != "" {
			rc.Region = region
		}
		c := build(rc)
		byRegion[region] = c
		return c
	}
}

// sdkClients builds SDK clients from cfg with ecsfix's retryer (throttling ridden out with backoff, no
// client-side retry quota; server errors tried three times) and a call counter, as the live scanner does,
// unpaced.
func sdkClients(cfg aws.Config, maxAttempts int) *clients {
	return sdkClientsCounting(cfg, awsclient.Options{MaxAttempts: maxAttempts}, awsclient.NewCounter())
}

// sdkClientsFor builds the SDK clients of an apply or rollback with o's attempts and pacer (keyed by the
// account of cfg's credentials).
func sdkClientsFor(cfg aws.Config, o Options) *clients {
	return sdkClientsCounting(cfg, awsclient.Options{MaxAttempts: o.MaxAttempts, Pacer: o.Pacer}, awsclient.NewCounter())
}

// sdkClientsCounting builds SDK clients configured with co (awsclient.ConfigureWith), counting the calls
// on counter.
func sdkClientsCounting(cfg aws.Config, co awsclient.Options, counter *awsclient.Counter) *clients {
	co.Counter = counter
	base := awsclient.ConfigureWith(cfg, co)
	return &clients{
		ecs:       perRegion(base, func(c aws.Config) ecsAPI { return ecs.NewFromConfig(c) }),
		sts:       func() stsAPI { return sts.NewFromConfig(base) },
		secrets:   perRegion(base, func(c aws.Config) secretsAPI { return secretsmanager.NewFromConfig(c) }),
		iam:       perRegion(base, func(c aws.Config) iamAPI { return iam.NewFromConfig(c) }),
		logs:      perRegion(base, func(c aws.Config) logsAPI { return cloudwatchlogs.NewFromConfig(c) }),
		ec2:       perRegion(base, func(c aws.Config) ec2API { return ec2.NewFromConfig(c) }),
		elb:       perRegion(base, func(c aws.Config) elbAPI { return elasticloadbalancingv2.NewFromConfig(c) }),
		ecr:       perRegion(base, func(c aws.Config) live.ImageAPI { return ecr.NewFromConfig(c) }),
		http:      base.HTTPClient,
		asg:       perRegion(base, func(c aws.Config) autoscalingAPI { return autoscaling.NewFromConfig(c) }),
		vulnECR:   perRegion(base, func(c aws.Config) live.ECRVulnAPI { return ecr.NewFromConfig(c) }),
		inspector: perRegion(base, func(c aws.Config) live.InspectorAPI { return inspector2.NewFromConfig(c) }),
		calls:     counter,
	}
}

// accountRegion keys the reads made in one account and region.
type accountRegion struct{ account, region string }

// sortedAccountRegions returns m's keys in order.
func sortedAccountRegions[V any](m map[accountRegion]V) []accountRegion {
	keys := make([]accountRegion, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].account != keys[j].account {
			return keys[i].account < keys[j].account
		}
		return keys[i].region < keys[j].region
	})
	return keys
}

// actionAccount is the account of the plan's action id ("" when the plan has none: the caller's).
func (r *run) actionAccount(id string) string {
	for i := range r.p.Actions {
		if r.p.Actions[i].ID == id {
			return r.p.Actions[i].Account
		}
	}
	return ""
}

// groupAccount tells which account the security group id (no ARN: the id does not say) of the plan's
// state is in: the account of the action that changes or copies it, else of the plan's actions in its
// region when they are all in one account. A group whose account cannot be told is an invalid plan.
func (r *run) groupAccount(id, region string) (string, error) {
	in := map[string]bool{}
	for i := range r.p.Actions {
		a := &r.p.Actions[i]
		if a.Resource == id || a.CreateSecurityGroup != nil && a.CreateSecurityGroup.CopyOf == id {
			return a.Account, nil
		}
		if a.Region == region {
			in[a.Account] = true
		}
	}
	switch len(in) {
	case 0:
		return "", nil // no action in its region: the caller's account, as the target check requires
	case 1:
		for acct := range in {
			return acct, nil
		}
	}
	return "", fmt.Errorf("%w: state %s: the plan's actions in %s are in several accounts, and none changes the security group to tell which is its", ErrInvalidPlan, id, region)
}
