package awsclient

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
)

// bucketECS answers DescribeTaskDefinition behind ECS's documented task-definition-read bucket (50
// burst, 20 a second), after latency, throttling what the bucket refuses.
type bucketECS struct {
	latency   time.Duration
	mu        sync.Mutex
	tokens    float64
	last      time.Time
	served    atomic.Int64
	throttled atomic.Int64
}

func (s *bucketECS) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	time.Sleep(s.latency)
	s.mu.Lock()
	now := time.Now()
	s.tokens = min(50, s.tokens+now.Sub(s.last).Seconds()*20)
	s.last = now
	ok := s.tokens >= 1
	if ok {
		s.tokens--
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if !ok {
		s.throttled.Add(1)
		w.WriteHeader(400)
		fmt.Fprint(w, `{"__type":"ThrottlingException","message":"Rate exceeded"}`)
		return
	}
	s.served.Add(1)
	fmt.Fprint(w, `{"taskDefinition":{}}`)
}

// BenchmarkPacedReads: 150 DescribeTaskDefinition calls, 8 in flight, 20 ms latency, against a server
// enforcing ECS's bucket. Reported: the time against the bucket floor (QuotaTable.Estimate: 5 s) and the
// share of attempts throttled, paced and (for contrast) unpaced with the SDK's backoff alone.
func BenchmarkPacedReads(b *testing.B) {
	const calls, inFlight = 150, 8
	floor := DefaultQuotaTable().Estimate(map[string]int{"ecs:DescribeTaskDefinition": calls})
	for _, paced := range []bool{true, false} {
		b.Run(fmt.Sprintf("paced=%v", paced), func(b *testing.B) {
			var ratio, share float64
			for range b.N {
				srv := &bucketECS{latency: 20 * time.Millisecond, tokens: 50, last: time.Now()}
				ts := httptest.NewServer(srv)
				o := Options{MaxAttempts: 20}
				if paced {
					o.Pacer = NewPacer(nil, PacerOptions{Adaptive: true})
				}
				client := ecs.NewFromConfig(ConfigureWith(fakeConfig(ts.URL, "111111111111"), o))
				start := time.Now()
				var wg sync.WaitGroup
				sem := make(chan struct{}, inFlight)
				for range calls {
					sem <- struct{}{}
					wg.Go(func() {
						defer func() { <-sem }()
						if _, err := client.DescribeTaskDefinition(context.Background(), &ecs.DescribeTaskDefinitionInput{TaskDefinition: new(string)}); err != nil {
							b.Error(err)
						}
					})
				}
				wg.Wait()
				took := time.Since(start)
				ts.Close()
				ratio += took.Seconds() / floor.Seconds()
				share += float64(srv.throttled.Load()) / float64(srv.throttled.Load()+srv.served.Load())
			}
			b.ReportMetric(ratio/float64(b.N), "x-floor")
			b.ReportMetric(100*share/float64(b.N), "%-throttled")
		})
	}
}
