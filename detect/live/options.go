package live

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/ecsfix/ecsfix/detect/awsclient"
)

// Defaults of Options.
const (
	DefaultConcurrency = 8
	DefaultMaxAttempts = awsclient.DefaultMaxAttempts
)

// Options tune a Scan. The zero value scans cfg.Region with the defaults.
type Options struct {
	// Regions to scan; empty means cfg.Region. See EnabledRegions for --all-regions.
	Regions []string
	// Concurrency bounds the API calls in flight at once in each account-region (default 8), and apart
	// from them each account's IAM reads (IAM is global). AWS's API limits are per account and region,
	// so each account-region is paced on its own: it has its own bound and its own SDK clients, hence
	// its own retryer, and one throttled region does not hold back the others. A scan of R regions of A
	// accounts may have up to min(A, AccountConcurrency) × (R + 1) × Concurrency calls in flight.
	// The default fills AWS's buckets and no more: an ECS read bucket refills at 20 calls a second, which
	// 1 to 2 calls in flight keep busy at 50–100 ms a call; 8 spend a bucket's burst (50–100 calls) within
	// a second and leave room for the other groups read at the same time (clusters, services, network),
	// the bulk of the families' revisions never holding the last place; more would only wait on the
	// buckets.
	Concurrency int
	// AccountConcurrency bounds the accounts ScanAccounts reads at once (default 4).
	AccountConcurrency int
	// Scope, when set, narrows the scan to the account-regions it names and, in each, to the resources
	// its Names list (--findings). A region of Regions (or of a Target's Regions) that the scope does not
	// name is not read.
	Scope Scope
	// Progress, when set, is called with the running total of resources read, each time it grows.
	// Calls are serialised and the total never decreases.
	Progress func(resourcesRead int)
	// Expect, when set, is told of the calls the scan learns it is going to make, as it learns of them:
	// one DescribeTaskDefinition a family listed, one DescribeClusters a hundred clusters, one
	// DescribeServices ten services (op as awsclient.Counter names it, "ecs:DescribeTaskDefinition"), in
	// account and region (account: the Target's of ScanAccounts, "" for Scan; the API calls of that
	// account carry it in their context, awsclient.AccountOfContext). With the calls made, it gives an
	// estimate of the time left (the bulk of a scan's calls; the network, IAM and image reads are not
	// announced). Calls may come from several goroutines at once.
	Expect func(account, region, op string, n int)
	// MaxAttempts is the throttling budget: the attempts of a call AWS keeps throttling (default:
	// cfg.RetryMaxAttempts when set, else 10). A server error, a timeout or a connection error is tried
	// awsclient.TransientAttempts (3) times at most, a client error once. The client-side retry quota is
	// disabled so that a throttling storm is ridden out with backoff instead of failing with "retry quota
	// exceeded".
	MaxAttempts int
	// MaxBackoff caps the exponential backoff between attempts (default: the SDK's, 20 s).
	MaxBackoff time.Duration
	// Pacer paces every attempt of every call to AWS's quotas (awsclient.Pacer): share one between the
	// scans of a run. Nil: a pacer of the documented quotas, adaptive, of this scan alone.
	Pacer *awsclient.Pacer
	// Roles are IAM roles (ARNs, or names in the caller's account) read besides the roles of the task
	// definitions: those the configuration may add to a revision (fix.secrets.execution_role), whose
	// policies a fix must know and whose state a plan must fingerprint.
	Roles []string
	// Log, when set, receives what the scan leaves unknown without it being a read error: the images
	// whose configuration could not be read from ECR (images.go), with why.
	Log *slog.Logger
}

// Stats describe the API traffic of a Scan.
type Stats struct {
	// Calls counts operations (one per call, however many attempts it took).
	Calls int
	// Retries counts the attempts beyond the first.
	Retries int
	// Throttled counts the attempts AWS answered with throttling (part of Retries, or failed calls).
	Throttled int
	// Resources counts what was read into the inventory.
	Resources int
	Duration  time.Duration
	// PerOperation counts calls by "service:Operation" (for example "ecs:DescribeServices").
	PerOperation map[string]int
}

// EnabledRegions lists the regions enabled for the account (ec2 DescribeRegions), sorted.
func EnabledRegions(ctx context.Context, cfg aws.Config) ([]string, error) {
	out, err := ec2.NewFromConfig(cfg).DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
	if err != nil {
		return nil, fmt.Errorf("list enabled regions: %w", err)
	}
	regions := make([]string, 0, len(out.Regions))
	for _, r := range out.Regions {
		if r.RegionName != nil {
			regions = append(regions, *r.RegionName)
		}
	}
	sort.Strings(regions)
	return regions, nil
}

// withPacer is opts with a pacer of the documented quotas when it has none: reads are never unpaced.
func (opts Options) withPacer() Options {
	if opts.Pacer == nil {
		opts.Pacer = awsclient.NewPacer(nil, awsclient.PacerOptions{Adaptive: true})
	}
	return opts
}
