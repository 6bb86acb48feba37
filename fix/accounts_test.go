package fix

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/plan"
)

// memberClients makes the caller's clients in an emulated account of its own, reaching other accounts
// through reach: the clients of the account each role's credentials are in (nil: none).
func memberClients(t *testing.T, reach func(account string) *clients) (*clients, string) {
	caller := mototest.Config(t, mototest.MaxAttempts(3))
	cl := sdkClients(caller, 3)
	cl.member = func(partition, account string) (*clients, string) {
		return reach(account), "arn:" + partition + ":iam::" + account + ":role/ecsfix-member"
	}
	return cl, mototest.AccountID(caller)
}

func TestApplyInMemberAccount(t *testing.T) {
	t.Parallel()
	e := seed(t)
	p := e.makePlan(t)
	cl, caller := memberClients(t, func(account string) *clients {
		if account != e.account {
			t.Errorf("reached account %s, want only the plan's %s", account, e.account)
		}
		return sdkClients(e.cfg, 3)
	})
	var out bytes.Buffer
	o := opts(t, &out)
	o.Regions = []string{mototest.Region}
	o.RoleName = "ecsfix-member"
	if _, err := apply(context.Background(), cl, p, o); err != nil {
		t.Fatalf("apply: %v\n%s", err, out.String())
	}
	// The writes landed in the member account, through its clients.
	if s := e.service(t, "api"); aws.ToString(s.PlatformVersion) != "LATEST" {
		t.Errorf("service api platform %s, want LATEST", aws.ToString(s.PlatformVersion))
	}
	if !strings.Contains(out.String(), "the caller's "+caller+", and "+e.account+" through role ecsfix-member") {
		t.Errorf("the output does not say how the plan's account was reached:\n%s", out.String())
	}
	// The rollback of that journal undoes the writes in the member account, through its clients too.
	cl.reached = nil
	o.UnattendedRisk = plan.RiskHigh // the reversed changes are high risk: no approval needed for this test
	if _, err := rollback(context.Background(), cl, p, o.JournalPath, o); err != nil {
		t.Fatalf("rollback: %v\n%s", err, out.String())
	}
	if s := e.service(t, "api"); aws.ToString(s.PlatformVersion) != "1.3.0" {
		t.Errorf("service api platform %s after the rollback, want 1.3.0", aws.ToString(s.PlatformVersion))
	}
}

func TestApplyRefusesUnreachableAccount(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		reach func(t *testing.T, e *estate) func(string) *clients
		want  string
	}{
		{"role in another account", func(t *testing.T, e *estate) func(string) *clients {
			other := mototest.Config(t, mototest.MaxAttempts(3)) // the role's credentials are in a third account
			return func(string) *clients { return sdkClients(other, 3) }
		}, "gives credentials in account"},
		{"no role", nil, "no role reaches it"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := seed(t)
			p := e.makePlan(t)
			var cl *clients
			if tt.reach != nil {
				cl, _ = memberClients(t, tt.reach(t, e))
			} else {
				cl = sdkClients(mototest.Config(t, mototest.MaxAttempts(3)), 3)
			}
			var out bytes.Buffer
			o := opts(t, &out)
			o.Regions = []string{mototest.Region}
			api := e.service(t, "api")
			rep, err := apply(context.Background(), cl, p, o)
			if !errors.Is(err, ErrWrongAccount) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), e.account) {
				t.Fatalf("err = %v, want %v naming account %s and %q", err, ErrWrongAccount, e.account, tt.want)
			}
			if rep != nil {
				if w := writes(rep.Calls); len(w) != 0 {
					t.Errorf("a refused plan wrote: %v", w)
				}
			}
			if readJournalExists(o.JournalPath) {
				t.Error("a refused plan wrote a journal")
			}
			if got := e.service(t, "api"); aws.ToString(got.PlatformVersion) != aws.ToString(api.PlatformVersion) {
				t.Error("service api changed platform")
			}
		})
	}
}
