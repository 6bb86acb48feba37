// Tests that apply --wait waits the whole fix.wait_timeout, however short, before it reports a service
// that did not settle (the SDK's waiter gave up after its first look when the timeout was under 15 s).

package fix

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/plan"
)

func TestWaitServiceShortTimeoutWaitsItOut(t *testing.T) {
	t.Parallel()
	const newTD = "arn:aws:ecs:us-east-1:111111111111:task-definition/web:4"
	f := &fakeServices{states: []ecstypes.Service{
		svcState(0, deployment("new", newTD, "PRIMARY", ecstypes.DeploymentRolloutStateInProgress)),
	}}
	const timeout = 400 * time.Millisecond
	start := time.Now()
	reason, err := waitService(context.Background(), f, "prod", "web", newTD, timeout, 0) // the default delay (15 s), capped
	took := time.Since(start)
	if err == nil || !strings.Contains(reason, "not stable within 400ms") || !strings.Contains(reason, "0 of 2 tasks running") {
		t.Fatalf("reason %q, err %v; want not stable within 400ms, with the state", reason, err)
	}
	if took < timeout {
		t.Errorf("gave up after %s, before the %s timeout", took, timeout)
	}
	if took > 10*time.Second {
		t.Errorf("took %s for a %s timeout", took, timeout)
	}
	if f.calls < 3 {
		t.Errorf("looked %d times in %s, want several looks (the delay is at most a quarter of the timeout)", f.calls, timeout)
	}
}

// On the emulator, whose services never reach their desired count, apply --wait with a 3 s timeout
// waits 3 s and then reports the service as not stable (ErrDeploymentFailed). The plan is cut to its
// low-risk actions (the platform version update of a service, no new revision: the emulator's update of a
// revision leaves the primary deployment on the old one, which reads as rolled back).
func TestApplyWaitShortTimeoutOnEmulator(t *testing.T) {
	t.Parallel()
	e := seed(t)
	p, _ := e.makePlan(t).Subset(plan.RiskLow, nil)
	var out bytes.Buffer
	o := opts(t, &out)
	o.Wait, o.WaitTimeout = true, 3*time.Second
	o.Regions = []string{e.cfg.Region}
	start := time.Now()
	rep, err := Apply(context.Background(), e.cfg, p, o)
	took := time.Since(start)
	if !errors.Is(err, ErrDeploymentFailed) {
		t.Fatalf("err = %v, want ErrDeploymentFailed\n%s", err, out.String())
	}
	if len(rep.Waits) == 0 {
		t.Fatalf("no wait reported\n%s", out.String())
	}
	for _, w := range rep.Waits {
		if !w.Failed || !strings.Contains(w.Reason, "not stable within 3s") {
			t.Errorf("wait report %+v, want not stable within 3s", w)
		}
	}
	if took < o.WaitTimeout {
		t.Errorf("apply --wait returned after %s, before the %s wait timeout", took, o.WaitTimeout)
	}
}
