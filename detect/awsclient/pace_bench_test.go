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

// bucketECS answers ECS calls behind one of ECS's documented buckets (burst, rate), after latency,
// throttling what the bucket refuses.
type bucketECS struct {
	latency     time.Duration
	burst, rate float64
	mu          sync.Mutex
	tokens      float64
	last        time.Time
	served      atomic.Int64
	throttled   atomic.Int64
}

func (s *bucketECS) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	time.Sleep(s.latency)
	s.mu.Lock()
	now := time.Now()
	s.tokens = min(s.burst, s.tokens+now.Sub(s.last).Seconds()*s.rate)
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
	fmt.Fprint(w, `{}`)
}

// BenchmarkPaced: ECS calls, 8 in flight, 20 ms latency, against a server enforcing the call's
// documented bucket: 150 DescribeTaskDefinition (50 burst, 20/s: a 5 s floor) and 80 UpdateService (50,
// 5/s: 6 s). Reported: the time against the bucket floor (QuotaTable.Estimate) and the share of attempts
// throttled, paced and (for contrast) unpaced, with the SDK's backoff alone.
func BenchmarkPaced(b *testing.B) {
	const inFlight = 8
	for _, c := range []struct {
		name  string
		calls int
		call  func(*ecs.Client) error
	}{
		{"DescribeTaskDefinition", 150, func(cl *ecs.Client) error {
			_, err := cl.DescribeTaskDefinition(context.Background(), &ecs.DescribeTaskDefinitionInput{TaskDefinition: new(string)})
			return err
		}},
		{"UpdateService", 80, func(cl *ecs.Client) error {
			_, err := cl.UpdateService(context.Background(), &ecs.UpdateServiceInput{Service: new(string)})
			return err
		}},
	} {
		q, _ := DefaultQuotaTable().Lookup("ecs", c.name)
		floor := DefaultQuotaTable().Estimate(map[string]int{"ecs:" + c.name: c.calls})
		for _, paced := range []bool{true, false} {
			b.Run(fmt.Sprintf("%s/paced=%v", c.name, paced), func(b *testing.B) {
				var ratio, share float64
				for range b.N {
					srv := &bucketECS{latency: 20 * time.Millisecond, burst: q.Burst, rate: q.Rate, tokens: q.Burst, last: time.Now()}
					ts := httptest.NewServer(srv)
					o := Options{MaxAttempts: 20}
					if paced {
						o.Pacer = NewPacer(nil, PacerOptions{Adaptive: true})
					}
					client := ecs.NewFromConfig(ConfigureWith(fakeConfig(ts.URL, "111111111111"), o))
					start := time.Now()
					var wg sync.WaitGroup
					sem := make(chan struct{}, inFlight)
					for range c.calls {
						sem <- struct{}{}
						wg.Go(func() {
							defer func() { <-sem }()
							if err := c.call(client); err != nil {
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
}
