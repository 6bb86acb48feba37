package live

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// inflight counts the requests in flight at one endpoint (one account's) and across all (shared).
type inflight struct {
	next      http.Handler
	shared    *inflightTotal
	mu        sync.Mutex
	now, most int
}

type inflightTotal struct {
	mu        sync.Mutex
	now, most int
}

func (h *inflight) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.now++
	h.most = max(h.most, h.now)
	h.mu.Unlock()
	h.shared.mu.Lock()
	h.shared.now++
	h.shared.most = max(h.shared.most, h.shared.now)
	h.shared.mu.Unlock()
	time.Sleep(5 * time.Millisecond)
	h.next.ServeHTTP(w, r)
	h.mu.Lock()
	h.now--
	h.mu.Unlock()
	h.shared.mu.Lock()
	h.shared.now--
	h.shared.mu.Unlock()
}

// TestScanAccountsBounds: each account (here of one region) has its own bound on calls in flight
// (Concurrency), and AccountConcurrency accounts are read at once.
func TestScanAccountsBounds(t *testing.T) {
	for _, tt := range []struct {
		accountsAtOnce, perAccount int
		wantMost                   int // across accounts
	}{
		{accountsAtOnce: 2, perAccount: 2, wantMost: 4},
		{accountsAtOnce: 1, perAccount: 2, wantMost: 2},
		{accountsAtOnce: 3, perAccount: 1, wantMost: 3},
	} {
		total := &inflightTotal{}
		var ends []*inflight
		var targets []Target
		for i := range 3 {
			h := &inflight{next: &throttlingECS{clusters: 2, families: 30, attempts: map[string]int{}}, shared: total}
			ts := httptest.NewServer(h)
			defer ts.Close()
			ends = append(ends, h)
			targets = append(targets, Target{Account: []string{"111111111111", "222222222222", "333333333333"}[i], Config: aws.Config{
				Region: "us-east-1", BaseEndpoint: aws.String(ts.URL),
				Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
			}})
		}
		inv, _, err := ScanAccounts(context.Background(), targets, Options{Concurrency: tt.perAccount, AccountConcurrency: tt.accountsAtOnce, MaxBackoff: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if len(inv.Errors) != 0 || len(inv.TaskDefinitions) != 3*30 {
			t.Fatalf("%+v: errors %v, %d revisions; want none and %d", tt, inv.Errors, len(inv.TaskDefinitions), 3*30)
		}
		for i, h := range ends {
			if h.most > tt.perAccount {
				t.Errorf("%+v: account %d had %d calls in flight, above its bound", tt, i, h.most)
			}
		}
		if total.most > tt.wantMost {
			t.Errorf("%+v: %d calls in flight across accounts, above %d", tt, total.most, tt.wantMost)
		}
		if total.most < min(tt.wantMost, 2) {
			t.Errorf("%+v: at most %d call in flight across accounts: the accounts did not run at once", tt, total.most)
		}
	}
}
