// This file holds the pacer: client-side token buckets matching AWS's own (the QuotaTable), one per
// account, region and action group, from which every attempt of every call takes a token before it is
// signed and sent, so that concurrency fills AWS's buckets and no more.

package awsclient

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Adaptive pacing: a throttling answer multiplies the group's rate by lowerFactor (not more often than
// once per lowerEvery, so that the answers of calls already in flight count once), down to floorShare
// of the table's rate; each success adds raiseShare of the table's rate back, up to the table's rate.
const (
	lowerFactor = 0.5
	lowerEvery  = time.Second
	floorShare  = 0.05
	raiseShare  = 0.02
)

// spare is the tokens a Pacer keeps in hand in each bucket (of a burst of 2 or more): AWS sees a call a
// latency after the pacer lets it go, and while AWS's bucket is full it loses that latency's refill, so a
// client-side bucket exactly as large runs ahead of AWS's by a fraction of a token, and a call is throttled
// now and then. One token costs one call's time at the bucket's rate, once.
const spare = 1.0

// Clock is the time a Pacer reads and waits by. Tests pass a fake one.
type Clock interface {
	Now() time.Time
	// Sleep waits d, or until ctx is done (then it returns ctx's error).
	Sleep(ctx context.Context, d time.Duration) error
}

// realClock is the wall clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// PacerOptions tune a Pacer.
type PacerOptions struct {
	// Adaptive lowers a group's rate when AWS answers one of its calls with throttling, and raises it back
	// gradually with the successes that follow (configuration pace.adaptive).
	Adaptive bool
	// Clock is the real clock when nil.
	Clock Clock
}

// Pacer holds the token buckets of one run: one for each account, region and group of the table (for
// each account and group, whatever the region, for a Global group; for each action too, for a PerAction
// group), made when first used and starting full (but one spare token). Share one Pacer between every client of a run, so that
// two clients of one account and region draw from the same buckets. Safe for concurrent use.
type Pacer struct {
	table    *QuotaTable
	adaptive bool
	clock    Clock

	mu      sync.Mutex
	buckets map[bucketKey]*tokenBucket
}

// NewPacer returns a pacer of table's buckets (DefaultQuotaTable when nil).
func NewPacer(table *QuotaTable, o PacerOptions) *Pacer {
	if table == nil {
		table = DefaultQuotaTable()
	}
	clock := o.Clock
	if clock == nil {
		clock = realClock{}
	}
	return &Pacer{table: table, adaptive: o.Adaptive, clock: clock, buckets: map[bucketKey]*tokenBucket{}}
}

// Table is the pacer's quota table.
func (p *Pacer) Table() *QuotaTable { return p.table }

// bucketKey names one bucket of a run.
type bucketKey struct {
	account, region string
	bucket          bucketOf
}

// tokenBucket is one bucket: tokens refill at rate up to size (the burst but spare); tokens below zero
// are reservations of callers waiting for them.
type tokenBucket struct {
	q       Quota
	size    float64
	rate    float64
	tokens  float64
	last    time.Time
	lowered time.Time
}

// refill adds the tokens of the time since the last look, up to the bucket's size.
func (b *tokenBucket) refill(now time.Time) {
	if d := now.Sub(b.last); d > 0 {
		b.tokens = min(b.size, b.tokens+d.Seconds()*b.rate)
	}
	b.last = now
}

// bucket returns the bucket of service's operation op in account and region, or nil when the table does
// not pace it. p.mu is held.
func (p *Pacer) bucket(account, region, service, op string, now time.Time) *tokenBucket {
	i, ok := p.table.index(service, op)
	if !ok {
		return nil
	}
	q := p.table.quotas[i]
	key := bucketKey{account: account, region: region, bucket: p.table.bucketOf(i, op)}
	if q.Global {
		key.region = ""
	}
	b := p.buckets[key]
	if b == nil {
		size := q.Burst
		if size >= 1+spare {
			size -= spare
		}
		b = &tokenBucket{q: q, size: size, rate: q.Rate, tokens: size, last: now}
		p.buckets[key] = b
	}
	return b
}

// Wait takes one token of the bucket of service's operation op (service as Counter names it) in account
// and region, waiting until the bucket has one. An operation the table does not pace does not wait. When
// ctx is done first, the token is given back and ctx's error returned.
func (p *Pacer) Wait(ctx context.Context, account, region, service, op string) error {
	p.mu.Lock()
	now := p.clock.Now()
	b := p.bucket(account, region, service, op, now)
	if b == nil {
		p.mu.Unlock()
		return nil
	}
	b.refill(now)
	b.tokens--
	var wait time.Duration
	if b.tokens < 0 {
		wait = time.Duration(-b.tokens / b.rate * float64(time.Second))
	}
	p.mu.Unlock()
	if wait <= 0 {
		return nil
	}
	if err := p.clock.Sleep(ctx, wait); err != nil {
		p.mu.Lock()
		b.refill(p.clock.Now())
		b.tokens = min(b.size, b.tokens+1)
		p.mu.Unlock()
		return err
	}
	return nil
}

// Throttled tells the pacer that AWS throttled a call of service's operation op in account and region:
// when adaptive, the bucket's rate is lowered and its tokens spent.
func (p *Pacer) Throttled(account, region, service, op string) {
	if !p.adaptive {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clock.Now()
	b := p.bucket(account, region, service, op, now)
	if b == nil {
		return
	}
	b.refill(now)
	b.tokens = min(b.tokens, 0)
	if b.lowered.IsZero() || now.Sub(b.lowered) >= lowerEvery {
		b.rate = max(b.rate*lowerFactor, b.q.Rate*floorShare)
		b.lowered = now
	}
}

// Succeeded tells the pacer that a call of service's operation op in account and region succeeded:
// when adaptive, a lowered rate is raised a step back towards the table's.
func (p *Pacer) Succeeded(account, region, service, op string) {
	if !p.adaptive {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clock.Now()
	b := p.bucket(account, region, service, op, now)
	if b == nil || b.rate >= b.q.Rate {
		return
	}
	b.refill(now)
	b.rate = min(b.q.Rate, b.rate+b.q.Rate*raiseShare)
}

// Rate is the current rate of the bucket of service's operation op in account and region (the table's
// until AWS throttles it; 0 when the table does not pace the operation).
func (p *Pacer) Rate(account, region, service, op string) float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if b := p.bucket(account, region, service, op, p.clock.Now()); b != nil {
		return b.rate
	}
	return 0
}

// paceMiddleware takes a token before each attempt (it sits right after the SDK's Retry middleware,
// before signing) and tells the pacer how the attempt went. account names the account the client acts in.
func (p *Pacer) paceMiddleware(account func(context.Context) string) middleware.FinalizeMiddleware {
	return middleware.FinalizeMiddlewareFunc("ecsfixPace", func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
		middleware.FinalizeOutput, middleware.Metadata, error,
	) {
		acct := account(ctx)
		region := awsmiddleware.GetRegion(ctx)
		service := ShortService(awsmiddleware.GetServiceID(ctx))
		op := awsmiddleware.GetOperationName(ctx)
		if err := p.Wait(ctx, acct, region, service, op); err != nil {
			return middleware.FinalizeOutput{}, middleware.Metadata{}, err
		}
		out, md, err := next.HandleFinalize(ctx, in)
		switch {
		case err == nil:
			p.Succeeded(acct, region, service, op)
		case IsThrottle(err):
			p.Throttled(acct, region, service, op)
		}
		return out, md, err
	})
}

// IsThrottle reports whether err is AWS throttling a call: a throttling error code the SDK knows
// (ThrottlingException, Throttling, RequestLimitExceeded, TooManyRequestsException, …) or HTTP 429.
func IsThrottle(err error) bool {
	if err == nil {
		return false
	}
	if retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err).Bool() {
		return true
	}
	var re *smithyhttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusTooManyRequests
}
