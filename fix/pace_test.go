package fix

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/ecsfix/ecsfix/detect/awsclient"
)

// paceServer answers sts AssumeRole (into the account of the role's ARN) and ECS DescribeClusters, and
// counts the ECS attempts by the access key that signed them.
type paceServer struct {
	mu       sync.Mutex
	attempts map[string]int
}

func (s *paceServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Header.Get("X-Amz-Target") == "" { // sts, a form
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		arn := form.Get("RoleArn")
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>`+
			`<AccessKeyId>AKIDMEMBER</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>`+
			`<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>%s</Arn>`+
			`<AssumedRoleId>AROAEXAMPLE:ecsfix-apply</AssumedRoleId></AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>`,
			"arn:aws:sts::"+arn[len("arn:aws:iam::"):len("arn:aws:iam::")+12]+":assumed-role/ecsfix-member/ecsfix-apply")
		return
	}
	key := "caller"
	if auth := r.Header.Get("Authorization"); len(auth) > 0 && strings.Contains(auth, "AKIDMEMBER") {
		key = "member"
	}
	s.attempts[key]++
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	fmt.Fprint(w, `{"clusters":[],"failures":[]}`)
}

func (s *paceServer) count(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts[key]
}

// The clients of an apply carry Options.Pacer, the caller's and each member account's with buckets of
// its own: with a bucket of three tokens (two and a spare) refilled once in 1000 seconds, a third call waits (here until its
// deadline) and never reaches AWS.
func TestApplyClientsArePaced(t *testing.T) {
	srv := &paceServer{attempts: map[string]int{}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	table, err := awsclient.DefaultQuotaTable().WithOverrides([]awsclient.Override{{Service: "ecs", Group: "cluster-read", Burst: 3, Rate: 0.001}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := aws.Config{Region: "eu-west-1", BaseEndpoint: aws.String(ts.URL), Credentials: credentials.StaticCredentialsProvider{
		Value: aws.Credentials{AccessKeyID: "AKIDCALLER", SecretAccessKey: "secret", AccountID: "111111111111"}}}
	o := Options{MaxAttempts: 3, RoleName: "ecsfix-member", Pacer: awsclient.NewPacer(table, awsclient.PacerOptions{Adaptive: true})}
	cl := withMembers(sdkClientsFor(cfg, o), cfg, o, "apply")
	member, _ := cl.member("aws", "222222222222")
	describe := func(ctx context.Context, c *clients) error {
		_, err := c.ecs("eu-west-1").DescribeClusters(ctx, &ecs.DescribeClustersInput{})
		return err
	}
	for _, c := range []*clients{cl, cl, member, member} {
		if err := describe(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	for name, c := range map[string]*clients{"caller": cl, "member": member} {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		if err := describe(ctx, c); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: the third call: %v, want it held by the pacer", name, err)
		}
		cancel()
		if n := srv.count(name); n != 2 {
			t.Errorf("%s: ECS saw %d attempts, want 2", name, n)
		}
	}
}
