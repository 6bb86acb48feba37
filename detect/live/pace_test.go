package live

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/ecsfix/ecsfix/detect/awsclient"
)

// paceServer answers ECS DescribeClusters and IAM GetRole, counting the attempts of each service.
type paceServer struct {
	mu       sync.Mutex
	attempts map[string]int
}

func (s *paceServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Header.Get("X-Amz-Target") != "" {
		s.attempts["ecs"]++
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		fmt.Fprint(w, `{"clusters":[],"failures":[]}`)
		return
	}
	s.attempts["iam"]++
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprint(w, `<GetRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetRoleResult><Role><RoleName>r</RoleName></Role></GetRoleResult></GetRoleResponse>`)
}

func (s *paceServer) count(service string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts[service]
}

// The scan's SDK clients carry Options.Pacer: with buckets of a token or two (and a spare) refilled once in 1000
// seconds, the calls beyond them wait (here until their deadline) and never reach AWS; each region and
// each account has its own buckets, IAM one per account.
func TestSDKClientsArePaced(t *testing.T) {
	srv := &paceServer{attempts: map[string]int{}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	table, err := awsclient.DefaultQuotaTable().WithOverrides([]awsclient.Override{
		{Service: "ecs", Group: "cluster-read", Burst: 3, Rate: 0.001},
		{Service: "iam", Group: "read", Burst: 1, Rate: 0.001},
	})
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Pacer: awsclient.NewPacer(table, awsclient.PacerOptions{Adaptive: true}), MaxAttempts: 3}
	config := func(account string) aws.Config {
		return aws.Config{Region: "eu-west-1", BaseEndpoint: aws.String(ts.URL), Credentials: credentials.StaticCredentialsProvider{
			Value: aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret", AccountID: account}}}
	}
	cf := sdkClients(config("111111111111"), opts, awsclient.NewCounter(), "eu-west-1")
	held := func() context.Context {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		t.Cleanup(cancel)
		return ctx
	}
	describe := func(ctx context.Context, c ecsAPI) error {
		_, err := c.DescribeClusters(ctx, &ecs.DescribeClustersInput{})
		return err
	}
	eu := cf.region("eu-west-1").ecs
	for range 2 {
		if err := describe(context.Background(), eu); err != nil {
			t.Fatal(err)
		}
	}
	if err := describe(held(), eu); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the third call in eu-west-1: %v, want it held by the pacer", err)
	}
	if n := srv.count("ecs"); n != 2 {
		t.Errorf("ECS saw %d attempts, want 2", n)
	}
	if err := describe(context.Background(), cf.region("us-west-2").ecs); err != nil {
		t.Errorf("another region: %v", err)
	}
	other := sdkClients(config("222222222222"), opts, awsclient.NewCounter(), "eu-west-1")
	if err := describe(context.Background(), other.region("eu-west-1").ecs); err != nil {
		t.Errorf("another account: %v", err)
	}
	if n := srv.count("ecs"); n != 4 {
		t.Errorf("ECS saw %d attempts, want 4", n)
	}

	if _, err := cf.iam().GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String("r")}); err != nil {
		t.Fatal(err)
	}
	inOtherRegion := sdkClients(config("111111111111"), opts, awsclient.NewCounter(), "us-east-1")
	if _, err := inOtherRegion.iam().GetRole(held(), &iam.GetRoleInput{RoleName: aws.String("r")}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("IAM, the account's second call (through another region's endpoint): %v, want it held", err)
	}
	if n := srv.count("iam"); n != 1 {
		t.Errorf("IAM saw %d attempts, want 1", n)
	}
}
