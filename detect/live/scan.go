package live

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsclient"
)

// Scan reads the ECS estate of cfg's account in the chosen regions into an inventory.
//
// What could not be read is listed in Inventory.Errors and the scan goes on with the rest. The error is
// non-nil only when the whole scan is meaningless: no region, no credentials, credentials AWS rejects,
// or ctx cancelled.
func Scan(ctx context.Context, cfg aws.Config, opts Options) (*detect.Inventory, Stats, error) {
	start := time.Now()
	regions := opts.Regions
	if len(regions) == 0 && cfg.Region != "" {
		regions = []string{cfg.Region}
	}
	if len(regions) == 0 {
		return nil, Stats{}, errors.New("no AWS region: set AWS_REGION, a profile region, or --region")
	}
	if cfg.Credentials == nil {
		return nil, Stats{}, errors.New("no AWS credentials found (environment, shared config, SSO or instance role)")
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return nil, Stats{}, fmt.Errorf("get AWS credentials: %w", err)
	}
	iamRegion := cfg.Region
	if iamRegion == "" {
		iamRegion = regions[0]
	}
	opts = opts.withPacer()
	counter := awsclient.NewCounter()
	inv, st, err := scan(ctx, sdkClients(cfg, opts, counter, iamRegion), regions, opts)
	st.Calls, st.Retries = counter.Totals()
	st.Throttled = counter.Throttled()
	st.PerOperation = counter.PerOperation()
	st.Duration = time.Since(start)
	return inv, st, err
}

// scan is Scan over any clients (fakes in unit tests).
func scan(ctx context.Context, cf clientFactory, regions []string, opts Options) (*detect.Inventory, Stats, error) {
	return scanAccount(ctx, "", cf, regions, opts)
}

// scanAccount is scan of one account among several: account names its read errors.
func scanAccount(ctx context.Context, account string, cf clientFactory, regions []string, opts Options) (*detect.Inventory, Stats, error) {
	ctx, cancel := context.WithCancelCause(awsclient.WithAccount(ctx, account))
	defer cancel(nil)
	n := opts.Concurrency
	if n <= 0 {
		n = DefaultConcurrency
	}
	s := &scanner{account: account, opts: opts, inv: &detect.Inventory{}, cancel: cancel, ctx: ctx,
		iamClient: cf.iam, iamLane: newLane(n), roleSeen: map[string]bool{}}
	// IAM is global: each role is read once, whichever regions use it, as soon as a revision kept names
	// it; its calls have a bound of their own.
	for _, role := range opts.Roles {
		s.readRole(role)
	}

	// Each region has its own bound on calls in flight and its own clients (their own retryers): AWS's
	// API limits are per account and region, so one region's throttling does not slow the others.
	var wg sync.WaitGroup
	for _, region := range uniq(regions) {
		names, ok := opts.Scope.names(account, region)
		if !ok {
			continue // the scope reads nothing there
		}
		rs := &regionScan{s: s, lane: newLane(n), region: region, names: names, c: cf.region(region),
			described: map[string]*detect.TaskDefinition{}, keep: map[string]bool{}, familyReads: map[string][]chan struct{}{}}
		wg.Go(func() { rs.run(ctx) })
	}
	wg.Wait()

	// The findings of the images the services run, read in each image's region, while the last roles are
	// read.
	if ctx.Err() == nil {
		s.scanVulnerabilities(ctx, n, cf.region)
	}
	s.roles.Wait()

	if err := context.Cause(ctx); err != nil {
		return s.inv, Stats{Resources: s.read}, err
	}
	s.inv.VpcEndpointsKnown = !s.endpointsUnknown.Load()
	s.inv.NetworkInterfacesKnown = !s.interfacesUnknown.Load()
	sortInventory(s.inv)
	return s.inv, Stats{Resources: s.read}, nil
}

// scanner holds what the regions of an account share: the inventory being filled and the progress count.
type scanner struct {
	// account is the account scanned, named in its read errors when a scan reads several ("" for one).
	account string
	opts    Options
	cancel  context.CancelCauseFunc

	mu   sync.Mutex // guards inv and read
	inv  *detect.Inventory
	read int
	// endpointsUnknown is set when a DescribeVpcEndpoints call failed.
	endpointsUnknown atomic.Bool
	// interfacesUnknown is set when a DescribeNetworkInterfaces call failed.
	interfacesUnknown atomic.Bool

	// ctx is the scan's; the role reads readRole starts run under it.
	ctx context.Context
	// iamClient makes the IAM client of the role reads (once, on the first role); iamLane bounds them.
	iamClient func() iamAPI
	iamLane   lane
	iamOnce   sync.Once
	iam       *iamScan
	roleMu    sync.Mutex
	roleSeen  map[string]bool
	roles     sync.WaitGroup
}

// readRole starts the read of a role (an ARN or a name), once per scan, unless the scan is cancelled.
func (s *scanner) readRole(ref string) {
	if ref == "" || s.ctx.Err() != nil {
		return
	}
	s.roleMu.Lock()
	seen := s.roleSeen[ref]
	s.roleSeen[ref] = true
	s.roleMu.Unlock()
	if seen {
		return
	}
	s.iamOnce.Do(func() {
		s.iam = &iamScan{s: s, lane: s.iamLane, c: s.iamClient(), policies: map[string]*policyEntry{}}
	})
	s.roles.Go(func() { s.iam.role(s.ctx, ref) })
}

// lane bounds the API calls in flight of one account-region (or of an account's IAM reads). A call
// waiting for a place is served before the bulk reads (background: the latest revision of every family,
// hundreds of DescribeTaskDefinition), and the bulk never holds the last place of a lane of more than
// one: the short chains of dependent reads (clusters, services, their network, the revisions they run)
// never queue behind the bulk, even while its calls wait out a throttling backoff, and the bulk fills
// the other places.
type lane struct{ *laneState }

type laneState struct {
	mu   sync.Mutex
	free int
	// bulkBusy counts the bulk calls in flight, at most bulkMax.
	bulkBusy, bulkMax int
	// waiting are the calls waiting for a place, first come first served within each priority.
	waiting, background []chan struct{}
}

func newLane(n int) lane {
	n = max(n, 1)
	return lane{&laneState{free: n, bulkMax: max(n-1, 1)}}
}

// call runs one API call within the lane's bound.
func (l lane) call(ctx context.Context, fn func(context.Context) error) error {
	return l.run(ctx, false, fn)
}

// bulk runs one API call of the bulk within the lane's bound, after the calls waiting through call.
func (l lane) bulk(ctx context.Context, fn func(context.Context) error) error {
	return l.run(ctx, true, fn)
}

func (l lane) run(ctx context.Context, background bool, fn func(context.Context) error) error {
	if err := l.acquire(ctx, background); err != nil {
		return err
	}
	defer l.release(background)
	return fn(ctx)
}

func (l lane) acquire(ctx context.Context, background bool) error {
	if err := ctx.Err(); err != nil {
		return context.Cause(ctx)
	}
	l.mu.Lock()
	if l.free > 0 && (!background || l.bulkBusy < l.bulkMax) {
		l.take(background)
		l.mu.Unlock()
		return nil
	}
	ready := make(chan struct{})
	if background {
		l.background = append(l.background, ready)
	} else {
		l.waiting = append(l.waiting, ready)
	}
	l.mu.Unlock()
	select {
	case <-ready:
		return nil
	case <-ctx.Done():
		l.mu.Lock()
		queued := slices.Contains(l.waiting, ready) || slices.Contains(l.background, ready)
		l.waiting = slices.DeleteFunc(l.waiting, func(c chan struct{}) bool { return c == ready })
		l.background = slices.DeleteFunc(l.background, func(c chan struct{}) bool { return c == ready })
		l.mu.Unlock()
		if !queued {
			l.release(background) // granted as ctx ended: hand the place on
		}
		return context.Cause(ctx)
	}
}

// take gives a place (l.mu held).
func (l lane) take(background bool) {
	l.free--
	if background {
		l.bulkBusy++
	}
}

// release frees a place of a call (a bulk call when background) and hands the free places on: to the
// calls waiting first, then to the bulk calls waiting, within the bulk's share.
func (l lane) release(background bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.free++
	if background {
		l.bulkBusy--
	}
	for l.free > 0 {
		var next chan struct{}
		switch {
		case len(l.waiting) > 0:
			next, l.waiting = l.waiting[0], l.waiting[1:]
			l.take(false)
		case len(l.background) > 0 && l.bulkBusy < l.bulkMax:
			next, l.background = l.background[0], l.background[1:]
			l.take(true)
		default:
			return
		}
		close(next)
	}
}

// caller runs one API call within a bound (a lane, or what embeds one).
type caller interface {
	call(ctx context.Context, fn func(context.Context) error) error
}

// pages reads every page of a paginator (more and next: its HasMorePages and NextPage) through c's
// call, within its bound, handing each page to page in order. It stops at the first error and returns it.
func pages[Out, Opt any](ctx context.Context, c caller, more func() bool, next func(context.Context, ...func(Opt)) (Out, error), page func(Out)) error {
	for more() {
		var out Out
		err := c.call(ctx, func(ctx context.Context) (err error) {
			out, err = next(ctx)
			return err
		})
		if err != nil {
			return err
		}
		page(out)
	}
	return nil
}

// add appends resources to the inventory under the lock and reports progress.
func (s *scanner) add(n int, fn func(in *detect.Inventory)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s.inv)
	if n == 0 {
		return
	}
	s.read += n
	if s.opts.Progress != nil {
		s.opts.Progress(s.read)
	}
}

// fail records a read error. Errors that make the whole scan meaningless (rejected credentials) cancel it;
// errors caused by the scan being cancelled are not recorded.
func (s *scanner) fail(ctx context.Context, region, resourceType, resource, op string, err error) {
	if ctx.Err() != nil {
		return
	}
	if fatal(err) {
		s.cancel(fmt.Errorf("%s: %w", op, err))
		return
	}
	s.add(0, func(in *detect.Inventory) {
		in.Errors = append(in.Errors, detect.ReadError{
			Account: s.account, Region: region, ResourceType: resourceType, Resource: resource, Operation: op, Message: message(err),
		})
	})
}

// failf records a read error that is not an SDK error (a resource reported missing or failed).
func (s *scanner) failf(region, resourceType, resource, op, format string, args ...any) {
	s.add(0, func(in *detect.Inventory) {
		in.Errors = append(in.Errors, detect.ReadError{
			Account: s.account, Region: region, ResourceType: resourceType, Resource: resource, Operation: op, Message: fmt.Sprintf(format, args...),
		})
	})
}

// fatal reports errors after which no call can succeed: AWS rejects the credentials themselves.
func fatal(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.ErrorCode() {
	case "UnrecognizedClientException", "InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException",
		"InvalidSignatureException", "SignatureDoesNotMatch", "AuthFailure", "RequestExpired":
		return true
	}
	return false
}

// message is a short error text: the API error's code and message, or the transport error. It never
// holds a request body.
func message(err error) string { return awsclient.ShortError(err) }

func uniq(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func chunks[T any](items []T, size int) [][]T {
	var out [][]T
	for len(items) > size {
		out = append(out, items[:size:size])
		items = items[size:]
	}
	if len(items) > 0 {
		out = append(out, items)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
