// Package awsclient configures the AWS SDK the way every ecsfix reader and writer needs it: a standard
// retryer that rides out throttling with exponential backoff and jitter, without the client-side retry
// quota that turns a throttling storm into failures, and a middleware that counts calls and retries.
// It never changes credentials, endpoints or regions: those stay the SDK's standard chain.
package awsclient

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go/middleware"
)

// DefaultMaxAttempts bounds the attempts per call when neither the caller nor cfg sets a number.
const DefaultMaxAttempts = 10

// Configure returns a copy of cfg with ecsfix's retryer and counter installed. maxAttempts <= 0 uses
// cfg.RetryMaxAttempts, else DefaultMaxAttempts; maxBackoff <= 0 keeps the SDK's default (20 s).
func Configure(cfg aws.Config, maxAttempts int, maxBackoff time.Duration, counter *Counter) aws.Config {
	attempts := maxAttempts
	if attempts <= 0 {
		attempts = cfg.RetryMaxAttempts
	}
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	out := cfg.Copy()
	out.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			o.RateLimiter = ratelimit.None
			if maxBackoff > 0 {
				o.MaxBackoff = maxBackoff
			}
		})
	}
	// The retryer above carries the attempts: keep the SDK from wrapping it again.
	out.RetryMaxAttempts = 0
	out.RetryMode = ""
	out.APIOptions = append(append([]func(*middleware.Stack) error{}, cfg.APIOptions...), counter.add)
	return out
}

// Counter counts operations (by "service:Operation", e.g. "ecs:DescribeServices") and retries with a
// middleware around the retry loop. The zero value is not usable: use NewCounter.
type Counter struct {
	mu      sync.Mutex
	calls   int
	retries int
	perOp   map[string]int
}

// NewCounter returns an empty counter.
func NewCounter() *Counter { return &Counter{perOp: map[string]int{}} }

func (c *Counter) add(stack *middleware.Stack) error {
	return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("ecsfixCallCounter",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleFinalize(ctx, in)
			attempts := 1
			if r, ok := retry.GetAttemptResults(md); ok && len(r.Results) > 0 {
				attempts = len(r.Results)
			}
			c.record(ShortService(awsmiddleware.GetServiceID(ctx))+":"+awsmiddleware.GetOperationName(ctx), attempts)
			return out, md, err
		}), middleware.Before)
}

func (c *Counter) record(op string, attempts int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	c.retries += attempts - 1
	c.perOp[op]++
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
