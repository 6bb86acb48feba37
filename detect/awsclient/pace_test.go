package awsclient

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"time"
)

// fakeClock never sleeps: Sleep moves its time forward by the duration asked, unless ctx is done.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept time.Duration
	// frozen: Sleep adds up the durations but leaves the time as it is.
	frozen bool
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.frozen {
		c.now = c.now.Add(d)
	}
	c.slept += d
	return nil
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// elapsed is the time slept since the last call.
func (c *fakeClock) elapsed() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.slept
	c.slept = 0
	return d
}

func near(a, b time.Duration) bool { return math.Abs(float64(a-b)) < float64(time.Millisecond) }

// wait makes n calls of op one after the other and returns the time they slept.
func wait(t *testing.T, p *Pacer, c *fakeClock, n int, account, region, service, op string) time.Duration {
	t.Helper()
	for range n {
		if err := p.Wait(context.Background(), account, region, service, op); err != nil {
			t.Fatal(err)
		}
	}
	return c.elapsed()
}

// A bucket starts full: its burst (but one spare token) goes at once, then calls go at its rate; a
// group's actions share it.
func TestPacerBurstThenRate(t *testing.T) {
	c := newFakeClock()
	p := NewPacer(nil, PacerOptions{Clock: c})
	if d := wait(t, p, c, 40, "111111111111", "eu-west-1", "ecs", "DescribeTaskDefinition"); d != 0 {
		t.Errorf("within the burst: slept %v", d)
	}
	if d := wait(t, p, c, 9, "111111111111", "eu-west-1", "ecs", "ListTaskDefinitions"); d != 0 {
		t.Errorf("the rest of the burst (but the spare token), by another action of the group: slept %v", d)
	}
	if d := wait(t, p, c, 20, "111111111111", "eu-west-1", "ecs", "DescribeTaskDefinition"); !near(d, time.Second) {
		t.Errorf("20 calls beyond the burst at 20/s: slept %v, want 1s", d)
	}
	// A second later the bucket holds 20 tokens again, not more than it refilled.
	c.advance(time.Second)
	if d := wait(t, p, c, 21, "111111111111", "eu-west-1", "ecs", "DescribeTaskDefinition"); !near(d, 50*time.Millisecond) {
		t.Errorf("after a second's refill: slept %v, want 50ms", d)
	}
	// Never more than the burst, however long the bucket rests.
	c.advance(time.Hour)
	if d := wait(t, p, c, 50, "111111111111", "eu-west-1", "ecs", "DescribeTaskDefinition"); !near(d, 50*time.Millisecond) {
		t.Errorf("after an hour: slept %v, want 50ms (burst 50, one spare)", d)
	}
	// An operation the table does not pace never waits.
	if d := wait(t, p, c, 1000, "111111111111", "eu-west-1", "s3", "GetObject"); d != 0 {
		t.Errorf("unpaced: slept %v", d)
	}
}

// Each account and region has its own buckets; a Global group's are per account; a PerAction group's
// are per action.
func TestPacerIsolation(t *testing.T) {
	c := newFakeClock()
	p := NewPacer(nil, PacerOptions{Clock: c})
	const a, b = "111111111111", "222222222222"
	wait(t, p, c, 19, a, "eu-west-1", "ecs", "RegisterTaskDefinition") // the burst but the spare token
	for name, k := range map[string][4]string{
		"another region":  {a, "us-east-1", "ecs", "RegisterTaskDefinition"},
		"another account": {b, "eu-west-1", "ecs", "RegisterTaskDefinition"},
		"another group":   {a, "eu-west-1", "ecs", "UpdateService"},
	} {
		if d := wait(t, p, c, 1, k[0], k[1], k[2], k[3]); d != 0 {
			t.Errorf("%s: slept %v", name, d)
		}
	}
	if d := wait(t, p, c, 1, a, "eu-west-1", "ecs", "RegisterTaskDefinition"); !near(d, time.Second) {
		t.Errorf("the spent bucket: slept %v, want 1s", d)
	}

	// IAM is global: its bucket is the account's in every region.
	wait(t, p, c, 19, a, "eu-west-1", "iam", "GetRole")
	if d := wait(t, p, c, 1, a, "us-east-1", "iam", "GetRolePolicy"); !near(d, 100*time.Millisecond) {
		t.Errorf("IAM in another region: slept %v, want 100ms (the account's one bucket)", d)
	}
	if d := wait(t, p, c, 1, b, "us-east-1", "iam", "GetRole"); d != 0 {
		t.Errorf("IAM in another account: slept %v", d)
	}

	// EC2 throttles each action on its own.
	wait(t, p, c, 99, a, "eu-west-1", "ec2", "DescribeSubnets")
	if d := wait(t, p, c, 1, a, "eu-west-1", "ec2", "DescribeRouteTables"); d != 0 {
		t.Errorf("another EC2 action of the category: slept %v", d)
	}
	if d := wait(t, p, c, 1, a, "eu-west-1", "ec2", "DescribeSubnets"); !near(d, 50*time.Millisecond) {
		t.Errorf("the spent EC2 action: slept %v, want 50ms", d)
	}
}

// Adaptive: throttling halves the group's rate (once a second at most, down to 5% of the table's) and
// spends its tokens; successes raise the rate back step by step to the table's, and no further.
func TestPacerAdaptive(t *testing.T) {
	c := newFakeClock()
	p := NewPacer(nil, PacerOptions{Adaptive: true, Clock: c})
	const acct, region = "111111111111", "eu-west-1"
	rate := func() float64 { return p.Rate(acct, region, "ecs", "DescribeServices") }
	if rate() != 20 {
		t.Fatalf("rate = %v, want the table's 20", rate())
	}
	p.Throttled(acct, region, "ecs", "ListServices") // the group's bucket, whichever action
	if rate() != 10 {
		t.Errorf("after throttling: rate %v, want 10", rate())
	}
	if d := wait(t, p, c, 1, acct, region, "ecs", "DescribeServices"); !near(d, 100*time.Millisecond) {
		t.Errorf("the bucket is emptied: slept %v, want 100ms (one token at 10/s)", d)
	}
	p.Throttled(acct, region, "ecs", "DescribeServices")
	if rate() != 10 {
		t.Errorf("a second answer of calls already in flight lowered it again: %v", rate())
	}
	for range 10 {
		c.advance(time.Second)
		p.Throttled(acct, region, "ecs", "DescribeServices")
	}
	if rate() != 1 {
		t.Errorf("floor: rate %v, want 1 (5%% of 20)", rate())
	}
	if other := p.Rate(acct, "us-east-1", "ecs", "DescribeServices"); other != 20 {
		t.Errorf("another region's bucket was lowered: %v", other)
	}
	p.Succeeded(acct, region, "ecs", "DescribeServices")
	if !near(time.Duration(rate()*1e6), time.Duration(1.4*1e6)) {
		t.Errorf("a success: rate %v, want 1.4 (+2%% of 20)", rate())
	}
	for range 100 {
		p.Succeeded(acct, region, "ecs", "DescribeServices")
	}
	if rate() != 20 {
		t.Errorf("recovered: rate %v, want the table's 20", rate())
	}

	fixed := NewPacer(nil, PacerOptions{Adaptive: false, Clock: c})
	fixed.Throttled(acct, region, "ecs", "DescribeServices")
	if r := fixed.Rate(acct, region, "ecs", "DescribeServices"); r != 20 {
		t.Errorf("not adaptive: rate %v after throttling", r)
	}
}

// A wait ends with its context, and the token it had reserved goes back to the bucket.
func TestPacerCancel(t *testing.T) {
	c := newFakeClock()
	p := NewPacer(nil, PacerOptions{Clock: c})
	const acct, region = "111111111111", "eu-west-1"
	wait(t, p, c, 19, acct, region, "ecs", "RegisterTaskDefinition")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Wait(ctx, acct, region, "ecs", "RegisterTaskDefinition"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}
	if d := wait(t, p, c, 1, acct, region, "ecs", "RegisterTaskDefinition"); !near(d, time.Second) {
		t.Errorf("after a cancelled wait: slept %v, want 1s (its token given back)", d)
	}
}

// Concurrent waiters are served in turn at the bucket's rate: none is lost or served twice.
func TestPacerConcurrent(t *testing.T) {
	c := newFakeClock()
	c.frozen = true // each waiter's sleep is its reservation's
	p := NewPacer(nil, PacerOptions{Clock: c})
	var wg sync.WaitGroup
	for range 70 {
		wg.Go(func() {
			if err := p.Wait(context.Background(), "1", "r", "ecs", "DescribeClusters"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// 21 waiters beyond the burst (49 with the spare token) reserved the 1st..21st refilled token:
	// 0.05 s … 1.05 s, 11.55 s in all.
	if d := c.elapsed(); !near(d, 11550*time.Millisecond) {
		t.Errorf("slept %v in all, want 11.55s", d)
	}
}
