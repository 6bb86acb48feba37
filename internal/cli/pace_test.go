package cli

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecsfix/ecsfix/config"
	"github.com/ecsfix/ecsfix/detect/awsclient"
	"github.com/ecsfix/ecsfix/detect/live"
	"github.com/ecsfix/ecsfix/detect/mototest"
)

// One pacer for every AWS client of a run, from the configuration's pace section: the scan's and the
// apply's options carry the same one (rollback, findings and approve take g.pacer() the same way).
func TestRunSharesOnePacer(t *testing.T) {
	file := filepath.Join(t.TempDir(), "ecsfix.yaml")
	if err := os.WriteFile(file, []byte("pace:\n  adaptive: false\n  quotas:\n    - {service: ecs, group: task-definition-modify, burst: 40, rate: 2}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(config.New(), file)
	if err != nil {
		t.Fatal(err)
	}
	g := &globalOptions{io: &streams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: io.Discard}, cfg: c,
		log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	p := g.pacer()
	if p == nil {
		t.Fatal("no pacer")
	}
	if got := g.scanOptions().Pacer; got != p {
		t.Error("the scan's options carry another pacer")
	}
	if got := (&applyOptions{g: g}).fixOptions("journal.jsonl").Pacer; got != p {
		t.Error("the apply's options carry another pacer")
	}
	if r := p.Rate("111111111111", "eu-west-1", "ecs", "RegisterTaskDefinition"); r != 2 {
		t.Errorf("the pacer's rate for RegisterTaskDefinition = %v, want pace.quotas' 2", r)
	}
	p.Throttled("111111111111", "eu-west-1", "ecs", "RegisterTaskDefinition")
	if r := p.Rate("111111111111", "eu-west-1", "ecs", "RegisterTaskDefinition"); r != 2 {
		t.Errorf("pace.adaptive: false, yet throttling lowered the rate to %v", r)
	}
}

// stepClock is a Clock whose time moves only by the waits it is asked for, which it records.
type stepClock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) Sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
	c.now = c.now.Add(d)
	return nil
}

func (c *stepClock) waited() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waits)
}

// The one-off calls of a command (the first call's sts GetCallerIdentity, the caller's identity, the
// enabled regions) go through the run's pacer too: with buckets of one token they wait for their second
// call, on the emulator.
func TestOneOffCallsArePaced(t *testing.T) {
	liveEnv(t, mototest.Config(t))
	file := filepath.Join(t.TempDir(), "ecsfix.yaml")
	conf := "pace:\n  adaptive: false\n  quotas:\n    - {service: sts, group: all, burst: 1, rate: 1}\n    - {service: ec2, group: describe, burst: 1, rate: 1}\n"
	if err := os.WriteFile(file, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(config.New(), file)
	if err != nil {
		t.Fatal(err)
	}
	g := &globalOptions{io: &streams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: io.Discard}, cfg: c,
		log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	table, err := c.QuotaTable()
	if err != nil {
		t.Fatal(err)
	}
	clock := &stepClock{now: time.Unix(1e9, 0)}
	g.pace.once.Do(func() { g.pace.pacer = awsclient.NewPacer(table, awsclient.PacerOptions{Clock: clock}) })

	ctx := withRegions(context.Background(), []string{mototest.Region})
	cfg, err := g.awsConfig(ctx) // sts GetCallerIdentity (awsclient.Reach): the bucket's one token
	if err != nil {
		t.Fatal(err)
	}
	if n := clock.waited(); n != 0 {
		t.Fatalf("the first call waited (%d waits)", n)
	}
	if _, _, err := caller(ctx, cfg); err != nil { // sts again: waits for a token
		t.Fatal(err)
	}
	if n := clock.waited(); n != 1 {
		t.Fatalf("after the caller's identity: %d waits, want 1 (the sts call was not paced)", n)
	}
	for range 2 { // ec2 DescribeRegions twice: the second waits
		if _, err := live.EnabledRegions(ctx, cfg); err != nil {
			t.Fatal(err)
		}
	}
	if n := clock.waited(); n != 2 {
		t.Fatalf("after two DescribeRegions: %d waits, want 2 (ec2 DescribeRegions was not paced)", n)
	}
}
