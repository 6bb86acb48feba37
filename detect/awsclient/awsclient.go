// Package awsclient configures the AWS SDK the way every ecsfix reader and writer needs it: a retryer with
// separate budgets for throttling (retried patiently, with backoff and jitter, without the client-side
// retry quota that turns a throttling storm into failures) and for server errors and timeouts (the SDK's
// standard three attempts), client-side token buckets that pace each attempt to AWS's documented quotas
// (Pacer, QuotaTable), and a middleware that counts calls, retries and throttled attempts.
// It never changes credentials, endpoints or regions: those stay the SDK's standard chain.
package awsclient

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go/middleware"
)

// DefaultMaxAttempts bounds the attempts per call when neither the caller nor cfg sets a number: the
// throttling budget (failures other than throttling have TransientAttempts).
const DefaultMaxAttempts = 10

// Options configure the SDK clients built from one aws.Config.
type Options struct {
	// MaxAttempts is the throttling budget: the attempts of a call AWS keeps throttling. <= 0 uses
	// cfg.RetryMaxAttempts, else DefaultMaxAttempts. It bounds all the attempts of a call: server errors,
	// timeouts and connection errors have TransientAttempts of them at most; client errors one.
	MaxAttempts int
	// MaxBackoff caps the backoff between attempts; <= 0 keeps the SDK's default (20 s).
	MaxBackoff time.Duration
	// Counter, when set, counts the calls, retries and throttled attempts.
	Counter *Counter
	// Pacer, when set, paces every attempt: share one between the clients of a run.
	Pacer *Pacer
	// Account is the account the clients act in, which keys the pacer's buckets. When empty, the account
	// of cfg's credentials (their AccountID, as assumed roles, SSO and profiles with aws_account_id
	// give it) is used; when that is unknown too, the clients share the buckets of the unknown account.
	Account string
}

// Configure returns a copy of cfg with ecsfix's retryer and counter installed, unpaced: see ConfigureWith.
func Configure(cfg aws.Config, maxAttempts int, maxBackoff time.Duration, counter *Counter) aws.Config {
	return ConfigureWith(cfg, Options{MaxAttempts: maxAttempts, MaxBackoff: maxBackoff, Counter: counter})
}

// ConfigureWith returns a copy of cfg with ecsfix's retryer (budgets for throttling and for other
// failures), the counter and the pacer of o installed. Configuring a configured cfg again replaces what
// the first time installed.
func ConfigureWith(cfg aws.Config, o Options) aws.Config {
	attempts := o.MaxAttempts
	if attempts <= 0 {
		attempts = cfg.RetryMaxAttempts
	}
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	out := cfg.Copy()
	out.Retryer = func() aws.Retryer { return newRetryer(attempts, o.MaxBackoff) }
	// The retryer above carries the attempts: keep the SDK from wrapping it again.
	out.RetryMaxAttempts = 0
	out.RetryMode = ""
	opts := append([]func(*middleware.Stack) error{}, cfg.APIOptions...)
	opts = append(opts, addBudget)
	if o.Counter != nil {
		opts = append(opts, o.Counter.add)
	}
	if o.Pacer != nil {
		account := accountOf(cfg.Credentials, o.Account)
		opts = append(opts, func(stack *middleware.Stack) error {
			return insertFinalize(stack, o.Pacer.paceMiddleware(account), "Retry", middleware.After)
		})
	}
	out.APIOptions = opts
	return out
}

// insertFinalize inserts m relative to the step's middleware rel, or swaps it in for the middleware of
// its id already there (an earlier Configure's).
func insertFinalize(stack *middleware.Stack, m middleware.FinalizeMiddleware, rel string, pos middleware.RelativePosition) error {
	if _, ok := stack.Finalize.Get(m.ID()); ok {
		_, err := stack.Finalize.Swap(m.ID(), m)
		return err
	}
	return stack.Finalize.Insert(m, rel, pos)
}

// accountOf returns the account that keys the buckets: fixed, else the AccountID of creds, read when
// first known.
func accountOf(creds aws.CredentialsProvider, fixed string) func(context.Context) string {
	if fixed != "" || creds == nil {
		return func(context.Context) string { return fixed }
	}
	var mu sync.Mutex
	known := ""
	return func(ctx context.Context) string {
		mu.Lock()
		defer mu.Unlock()
		if known == "" {
			if c, err := creds.Retrieve(ctx); err == nil {
				known = c.AccountID
			}
		}
		return known
	}
}

// Counter counts operations (by "service:Operation", e.g. "ecs:DescribeServices") and retries with a
// middleware around the retry loop. The zero value is not usable: use NewCounter.
type Counter struct {
	mu        sync.Mutex
	calls     int
	retries   int
	throttled int
	perOp     map[string]int
}

// NewCounter returns an empty counter.
func NewCounter() *Counter { return &Counter{perOp: map[string]int{}} }

func (c *Counter) add(stack *middleware.Stack) error {
	m := middleware.FinalizeMiddlewareFunc("ecsfixCallCounter",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleFinalize(ctx, in)
			attempts, throttled := 1, 0
			if r, ok := retry.GetAttemptResults(md); ok && len(r.Results) > 0 {
				attempts = len(r.Results)
				for _, a := range r.Results {
					if IsThrottle(a.Err) {
						throttled++
					}
				}
			} else if IsThrottle(err) {
				throttled = 1
			}
			c.record(ShortService(awsmiddleware.GetServiceID(ctx))+":"+awsmiddleware.GetOperationName(ctx), attempts, throttled)
			return out, md, err
		})
	if _, ok := stack.Finalize.Get(m.ID()); ok {
		_, err := stack.Finalize.Swap(m.ID(), m)
		return err
	}
	return stack.Finalize.Add(m, middleware.Before)
}

func (c *Counter) record(op string, attempts, throttled int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	c.retries += attempts - 1
	c.throttled += throttled
	c.perOp[op]++
}

// Throttled returns the attempts AWS answered with throttling so far (each a retry or a failed call).
func (c *Counter) Throttled() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.throttled
}

// Totals returns the operations and retries counted so far.
func (c *Counter) Totals() (calls, retries int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls, c.retries
}

// PerOperation returns a copy of the counts by "service:Operation" (nil for a nil counter).
func (c *Counter) PerOperation() map[string]int {
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

// ShortService turns an SDK service id into the prefix IAM actions use ("ECS" → "ecs"), except for
// Elastic Load Balancing v2, reported as "elbv2" like the CLI.
func ShortService(id string) string {
	if id == "Elastic Load Balancing v2" {
		return "elbv2"
	}
	return strings.ToLower(strings.ReplaceAll(id, " ", ""))
}
