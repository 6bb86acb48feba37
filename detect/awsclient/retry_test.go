package awsclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
)

// fakeECS answers ECS calls with the statuses of script, one an attempt (the last one again once the
// script is spent), and counts the attempts.
type fakeECS struct {
	mu       sync.Mutex
	script   []int
	attempts int
}

func (f *fakeECS) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	f.mu.Lock()
	status := f.script[min(f.attempts, len(f.script)-1)]
	f.attempts++
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	body := `{"clusters":[],"failures":[]}`
	switch status {
	case 429: // throttling, as ECS answers it
		status, body = 400, `{"__type":"ThrottlingException","message":"Rate exceeded"}`
	case 400:
		body = `{"__type":"InvalidParameterException","message":"bad"}`
	case 500:
		body = `{"__type":"ServerException","message":"boom"}`
	}
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

func (f *fakeECS) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts
}

// fakeConfig is a configuration whose calls go to url, with static credentials (in account, when set).
func fakeConfig(url, account string) aws.Config {
	return aws.Config{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String(url),
		Credentials: credentials.StaticCredentialsProvider{Value: aws.Credentials{
			AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret", AccountID: account,
		}},
	}
}

func describe(ctx context.Context, cfg aws.Config) error {
	_, err := ecs.NewFromConfig(cfg).DescribeClusters(ctx, &ecs.DescribeClustersInput{})
	return err
}

// Separate budgets: throttling is retried up to MaxAttempts, a server error three attempts in all, a
// client error never; the counter counts the throttled attempts.
func TestRetryBudgets(t *testing.T) {
	for name, c := range map[string]struct {
		script    []int
		attempts  int
		ok        bool
		throttled int
		budget    bool // the error says the transient budget is spent
	}{
		"a persistent 500: three attempts":         {[]int{500}, 3, false, 0, true},
		"throttling, then success":                 {[]int{429, 429, 200}, 3, true, 2, false},
		"persistent throttling: the max attempts":  {[]int{429}, 6, false, 6, false},
		"a client error: one attempt":              {[]int{400}, 1, false, 0, false},
		"500 then success":                         {[]int{500, 500, 200}, 3, true, 0, false},
		"throttling does not spend the 500 budget": {[]int{429, 500, 429, 500, 500}, 5, false, 2, true},
	} {
		t.Run(name, func(t *testing.T) {
			srv := &fakeECS{script: c.script}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			counter := NewCounter()
			cfg := ConfigureWith(fakeConfig(ts.URL, ""), Options{MaxAttempts: 6, MaxBackoff: time.Millisecond, Counter: counter})
			err := describe(context.Background(), cfg)
			if (err == nil) != c.ok {
				t.Fatalf("err = %v, want ok %v", err, c.ok)
			}
			if got := srv.count(); got != c.attempts {
				t.Errorf("attempts = %d, want %d", got, c.attempts)
			}
			if got := counter.Throttled(); got != c.throttled {
				t.Errorf("Throttled = %d, want %d", got, c.throttled)
			}
			if calls, retries := counter.Totals(); calls != 1 || retries != c.attempts-1 {
				t.Errorf("Totals = %d calls, %d retries, want 1, %d", calls, retries, c.attempts-1)
			}
			if got := errors.Is(err, ErrTransientBudget); got != c.budget {
				t.Errorf("errors.Is(ErrTransientBudget) = %v (%v)", got, err)
			}
			if c.budget && (strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "ServerException: boom") ||
				!strings.Contains(err.Error(), "tried 3 times at most")) {
				t.Errorf("the error is not one line naming the server's error and the budget: %q", err)
			}
			if err != nil && !c.ok && strings.Contains(ShortError(err), "operation error") {
				t.Errorf("ShortError keeps the SDK's wrapping: %s", ShortError(err))
			}
		})
	}
}

func TestConfigureAttemptsBudgets(t *testing.T) {
	for name, c := range map[string]struct{ cfg, max, want int }{
		"explicit":                        {3, 5, 5},
		"from the config":                 {4, 0, 4},
		"default":                         {0, 0, DefaultMaxAttempts},
		"one attempt, whatever the error": {0, 1, 1},
	} {
		out := ConfigureWith(aws.Config{RetryMaxAttempts: c.cfg, RetryMode: aws.RetryModeAdaptive}, Options{MaxAttempts: c.max})
		if got := out.Retryer().MaxAttempts(); got != c.want {
			t.Errorf("%s: MaxAttempts = %d, want %d", name, got, c.want)
		}
		if out.RetryMaxAttempts != 0 || out.RetryMode != "" {
			t.Errorf("%s: the SDK would wrap the retryer again", name)
		}
	}
}

// A client built by ConfigureWith carries the pacer: with a bucket of three tokens (two and a spare) refilled once in 1000
// seconds, two attempts reach the server and the third waits until its context ends; each account has
// its buckets, and two clients of one account share them.
func TestConfigurePaces(t *testing.T) {
	srv := &fakeECS{script: []int{200}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	table, err := DefaultQuotaTable().WithOverrides([]Override{{Service: "ecs", Group: "cluster-read", Burst: 3, Rate: 0.001}})
	if err != nil {
		t.Fatal(err)
	}
	p := NewPacer(table, PacerOptions{Adaptive: true})
	a := ConfigureWith(fakeConfig(ts.URL, ""), Options{Pacer: p, Account: "111111111111"})
	a2 := ConfigureWith(fakeConfig(ts.URL, "111111111111"), Options{Pacer: p}) // the account of its credentials
	b := ConfigureWith(fakeConfig(ts.URL, "222222222222"), Options{Pacer: p})
	for _, cfg := range []aws.Config{a, a2} {
		if err := describe(context.Background(), cfg); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := describe(ctx, a); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the third call of the account: err = %v, want it held until its deadline", err)
	}
	if got := srv.count(); got != 2 {
		t.Errorf("the server saw %d attempts, want 2", got)
	}
	if err := describe(context.Background(), b); err != nil {
		t.Errorf("another account: %v", err)
	}
	if got := srv.count(); got != 3 {
		t.Errorf("the server saw %d attempts, want 3", got)
	}
}

// A throttling answer seen through a client lowers its group's rate in the pacer.
func TestConfigurePacerAdapts(t *testing.T) {
	srv := &fakeECS{script: []int{429, 200}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c := newFakeClock()
	p := NewPacer(nil, PacerOptions{Adaptive: true, Clock: c})
	cfg := ConfigureWith(fakeConfig(ts.URL, "111111111111"), Options{Pacer: p, MaxBackoff: time.Millisecond})
	if err := describe(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	// Halved by the throttling, then one success's step back: 10 + 0.4.
	if r := p.Rate("111111111111", "eu-west-1", "ecs", "DescribeClusters"); r != 10.4 {
		t.Errorf("rate = %v, want 10.4", r)
	}
	if d := c.elapsed(); !near(d, 100*time.Millisecond) {
		t.Errorf("the retry waited %v for a token, want 100ms (the emptied bucket at 10/s)", d)
	}
}

// Configuring a configured config again replaces the middlewares rather than failing on them.
func TestConfigureTwice(t *testing.T) {
	srv := &fakeECS{script: []int{200}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	first, second := NewCounter(), NewCounter()
	p := NewPacer(nil, PacerOptions{})
	cfg := ConfigureWith(ConfigureWith(fakeConfig(ts.URL, "1"), Options{Counter: first, Pacer: p}), Options{Counter: second, Pacer: p})
	if err := describe(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if c, _ := second.Totals(); c != 1 {
		t.Errorf("the second counter counted %d calls", c)
	}
}

// A connection the server drops is retried like a server error: three attempts in all.
func TestRetryBudgetConnectionErrors(t *testing.T) {
	var mu sync.Mutex
	attempts := 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		attempts++
		mu.Unlock()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer ts.Close()
	cfg := ConfigureWith(fakeConfig(ts.URL, ""), Options{MaxAttempts: 10, MaxBackoff: time.Millisecond})
	err := describe(context.Background(), cfg)
	if !errors.Is(err, ErrTransientBudget) {
		t.Errorf("err = %v, want the transient budget spent", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if attempts != TransientAttempts {
		t.Errorf("attempts = %d, want %d", attempts, TransientAttempts)
	}
}
