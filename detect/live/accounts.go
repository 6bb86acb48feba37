// This file holds the scan of several accounts (--accounts, --org): each account read with its own
// credentials, each of its regions with its own bound on calls in flight (AWS's limits are per account
// and region), a bounded number of accounts at once, into one inventory whose read errors name their account.

package live

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsclient"
)

// DefaultAccountConcurrency bounds the accounts read at once when Options.AccountConcurrency is not set.
const DefaultAccountConcurrency = 4

// Target is one account of a scan of several.
type Target struct {
	// Account is the account's 12-digit id.
	Account string
	// Config's credentials act in Account: the caller's own, or a role assumed in Account
	// (awsclient.AssumeRole).
	Config aws.Config
	// Role is the ARN of the role Config assumes ("" for the caller's own credentials): the scan first
	// checks, with sts GetCallerIdentity, that the role can be assumed and its credentials are in Account.
	Role string
	// Regions, when set, are the regions read in this account instead of Options.Regions (a scan scoped
	// to findings reads, in each account, the regions its findings name).
	Regions []string
}

// ScanAccounts reads the estate of every target in the chosen regions (opts.Regions; each target's
// Config.Region when empty; the target's Regions when set) into one inventory, opts.AccountConcurrency
// accounts at once, each account-region with its own bound of opts.Concurrency calls in flight.
//
// An account that cannot be read at all (its role cannot be assumed, its credentials are in another
// account or are rejected) is a read error naming the account, and the other accounts go on. The error
// is non-nil only when ctx is cancelled or no target is given.
func ScanAccounts(ctx context.Context, targets []Target, opts Options) (*detect.Inventory, Stats, error) {
	start := time.Now()
	if len(targets) == 0 {
		return nil, Stats{}, errors.New("no account to scan")
	}
	n := opts.AccountConcurrency
	if n <= 0 {
		n = DefaultAccountConcurrency
	}
	opts = opts.withPacer()
	counter := awsclient.NewCounter()
	progress := &progressSum{report: opts.Progress, last: map[string]int{}}
	invs := make([]*detect.Inventory, len(targets))
	read := make([]int, len(targets))
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			o := opts
			if opts.Progress != nil {
				o.Progress = func(n int) { progress.set(t.Account, n) }
			}
			invs[i], read[i] = scanTarget(ctx, t, o, counter)
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, Stats{}, context.Cause(ctx)
	}
	inv := &detect.Inventory{VpcEndpointsKnown: true, NetworkInterfacesKnown: true}
	st := Stats{}
	for i, part := range invs {
		mergeInventory(inv, part)
		st.Resources += read[i]
	}
	sortInventory(inv)
	st.Calls, st.Retries = counter.Totals()
	st.Throttled = counter.Throttled()
	st.PerOperation = counter.PerOperation()
	st.Duration = time.Since(start)
	return inv, st, nil
}

// scanTarget reads one account. What stops the whole account is one read error naming it.
func scanTarget(ctx context.Context, t Target, opts Options, counter *awsclient.Counter) (*detect.Inventory, int) {
	accountError := func(op, resource, msg string) *detect.Inventory {
		// Nothing of the account is evaluated: it leaves what the others' scans know as it is.
		return &detect.Inventory{VpcEndpointsKnown: true, NetworkInterfacesKnown: true, Errors: []detect.ReadError{{
			Account: t.Account, ResourceType: "Account", Resource: resource, Operation: op, Message: msg,
		}}}
	}
	regions := opts.Regions
	if len(t.Regions) > 0 {
		regions = t.Regions
	}
	if len(regions) == 0 && t.Config.Region != "" {
		regions = []string{t.Config.Region}
	}
	if len(regions) == 0 {
		return accountError("scan", t.Account, "no AWS region: set AWS_REGION, a profile region, or --region"), 0
	}
	if t.Config.Credentials == nil {
		return accountError("scan", t.Account, "no AWS credentials"), 0
	}
	if t.Role != "" {
		// The role is assumed here (the first use of its credentials), and its account checked.
		if err := awsclient.CheckAccount(ctx, t.Config, t.Account); err != nil {
			if ctx.Err() != nil {
				return &detect.Inventory{}, 0
			}
			return accountError("sts:AssumeRole", t.Role, "cannot read the account through role "+t.Role+": "+err.Error()), 0
		}
	} else if _, err := t.Config.Credentials.Retrieve(ctx); err != nil {
		return accountError("scan", t.Account, fmt.Sprintf("get AWS credentials: %v", err)), 0
	}
	iamRegion := t.Config.Region
	if iamRegion == "" {
		iamRegion = regions[0]
	}
	inv, st, err := scanAccount(ctx, t.Account, sdkClients(t.Config, opts, counter, iamRegion), regions, opts)
	if err != nil {
		if ctx.Err() != nil {
			return &detect.Inventory{}, 0
		}
		// Credentials AWS rejected in the middle of the account's scan: nothing of it counts.
		return accountError("scan", t.Account, "the account's scan stopped: "+err.Error()), 0
	}
	return inv, st.Resources
}

// mergeInventory appends part's resources and errors to inv; inv knows the VPC endpoints and network
// interfaces only when every part does.
func mergeInventory(inv, part *detect.Inventory) {
	if part == nil {
		return
	}
	inv.TaskDefinitions = append(inv.TaskDefinitions, part.TaskDefinitions...)
	inv.Services = append(inv.Services, part.Services...)
	inv.Clusters = append(inv.Clusters, part.Clusters...)
	inv.TaskSets = append(inv.TaskSets, part.TaskSets...)
	inv.CapacityProviders = append(inv.CapacityProviders, part.CapacityProviders...)
	inv.AutoScalingGroups = append(inv.AutoScalingGroups, part.AutoScalingGroups...)
	inv.SecurityGroups = append(inv.SecurityGroups, part.SecurityGroups...)
	inv.Subnets = append(inv.Subnets, part.Subnets...)
	inv.RouteTables = append(inv.RouteTables, part.RouteTables...)
	inv.LoadBalancers = append(inv.LoadBalancers, part.LoadBalancers...)
	inv.TargetGroups = append(inv.TargetGroups, part.TargetGroups...)
	inv.Roles = append(inv.Roles, part.Roles...)
	inv.VpcEndpoints = append(inv.VpcEndpoints, part.VpcEndpoints...)
	inv.NetworkInterfaces = append(inv.NetworkInterfaces, part.NetworkInterfaces...)
	inv.Errors = append(inv.Errors, part.Errors...)
	inv.VpcEndpointsKnown = inv.VpcEndpointsKnown && part.VpcEndpointsKnown
	inv.NetworkInterfacesKnown = inv.NetworkInterfacesKnown && part.NetworkInterfacesKnown
}

// progressSum turns each account's running total into one running total across accounts.
type progressSum struct {
	mu     sync.Mutex
	report func(int)
	last   map[string]int
	total  int
}

func (p *progressSum) set(account string, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total += n - p.last[account]
	p.last[account] = n
	p.report(p.total)
}
