package live

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// throttlingECS is an ECS endpoint (JSON 1.1 protocol) that answers ThrottlingException to the first
// `throttle` attempts of every call (an SDK invocation keeps its amz-sdk-invocation-id across retries).
type throttlingECS struct {
	throttle int
	clusters int
	services int // per cluster
	families int

	mu       sync.Mutex
	attempts map[string]int
	total    int
}

func (s *throttlingECS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get("Amz-Sdk-Invocation-Id")
	s.mu.Lock()
	s.attempts[id]++
	n := s.attempts[id]
	s.total++
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if n <= s.throttle {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"__type":"ThrottlingException","message":"Rate exceeded"}`)
		return
	}
	var in map[string]any
	_ = json.NewDecoder(r.Body).Decode(&in)
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AmazonEC2ContainerServiceV20141113.")
	const prefix = "arn:aws:ecs:us-east-1:" + acct + ":"
	var out any
	switch op {
	case "ListClusters":
		var arns []string
		for i := range s.clusters {
			arns = append(arns, fmt.Sprintf("%scluster/c%d", prefix, i))
		}
		out = map[string]any{"clusterArns": arns}
	case "DescribeClusters":
		var cs []map[string]any
		for _, a := range in["clusters"].([]any) {
			arn := a.(string)
			cs = append(cs, map[string]any{"clusterArn": arn, "clusterName": arn[strings.LastIndexByte(arn, '/')+1:]})
		}
		out = map[string]any{"clusters": cs}
	case "ListServices":
		cluster := in["cluster"].(string)
		name := cluster[strings.LastIndexByte(cluster, '/')+1:]
		var arns []string
		for i := range s.services {
			arns = append(arns, fmt.Sprintf("%sservice/%s/s%d", prefix, name, i))
		}
		out = map[string]any{"serviceArns": arns}
	case "DescribeServices":
		var ss []map[string]any
		for _, a := range in["services"].([]any) {
			ss = append(ss, map[string]any{"serviceArn": a, "clusterArn": in["cluster"], "status": "ACTIVE",
				"taskDefinition": prefix + "task-definition/f0:1"})
		}
		out = map[string]any{"services": ss}
	case "ListTaskDefinitionFamilies":
		var fams []string
		for i := range s.families {
			fams = append(fams, fmt.Sprint("f", i))
		}
		out = map[string]any{"families": fams}
	case "DescribeTaskDefinition":
		fam := in["taskDefinition"].(string)
		out = map[string]any{"taskDefinition": map[string]any{
			"taskDefinitionArn": prefix + "task-definition/" + fam + ":1", "family": fam, "revision": 1, "status": "ACTIVE"}}
	case "DescribeCapacityProviders":
		out = map[string]any{"capacityProviders": []any{}}
	default:
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"__type":"UnknownOperationException","message":"%s"}`, op)
		return
	}
	_ = json.NewEncoder(w).Encode(out)
}

// TestThrottlingStorm: every call is throttled three times; with many calls in flight the scan still
// reads everything, with no error and no "retry quota exceeded" (the SDK's default quota of 500 tokens
// would allow only 100 throttled retries).
func TestThrottlingStorm(t *testing.T) {
	srv := &throttlingECS{throttle: 3, clusters: 12, services: 15, families: 150, attempts: map[string]int{}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	cfg := aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(ts.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
	}
	inv, st, err := Scan(context.Background(), cfg, Options{Concurrency: 32, MaxBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Errors) != 0 {
		t.Fatalf("errors: %v", inv.Errors[0])
	}
	if len(inv.Clusters) != 12 || len(inv.Services) != 12*15 || len(inv.TaskDefinitions) != 150 {
		t.Errorf("clusters %d services %d revisions %d", len(inv.Clusters), len(inv.Services), len(inv.TaskDefinitions))
	}
	// ListClusters, DescribeClusters, 12 × (ListServices + 2 DescribeServices), the families, 150 describes,
	// DescribeCapacityProviders.
	wantCalls := 1 + 1 + 12*3 + 1 + 150 + 1
	if st.Calls != wantCalls || st.Retries != 3*wantCalls || srv.total != 4*wantCalls {
		t.Errorf("calls %d retries %d attempts seen %d; want %d, %d, %d", st.Calls, st.Retries, srv.total, wantCalls, 3*wantCalls, 4*wantCalls)
	}
}
