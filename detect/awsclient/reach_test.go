// Tests of the first call: a closed port, an endpoint that refuses the credentials and one that answers.

package awsclient

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

func reachConfig(endpoint string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "not-a-secret", ""),
		HTTPClient:   &http.Client{},
	}
}

func TestReachClosedPortFailsFast(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	start := time.Now()
	_, err = Reach(context.Background(), reachConfig("http://"+addr), "")
	took := time.Since(start)
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "cannot connect to the AWS API at http://"+addr) {
		t.Fatalf("err = %v", err)
	}
	if took > ReachTimeout {
		t.Errorf("took %s", took)
	}
}

func TestReachRefusedCredentials(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>` +
			`<Message>The security token included in the request is invalid.</Message></Error><RequestId>1</RequestId></ErrorResponse>`))
	}))
	defer srv.Close()
	_, err := Reach(context.Background(), reachConfig(srv.URL), "eu-west-1")
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "refused the credentials") ||
		!strings.Contains(err.Error(), "InvalidClientTokenId") || !strings.Contains(err.Error(), "region eu-west-1") {
		t.Fatalf("err = %v", err)
	}
	if calls != 1 {
		t.Errorf("%d calls: a refusal is not retried", calls)
	}
}

func TestReachAnswers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		_, _ = w.Write([]byte(`<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/a</Arn>` +
			`<UserId>A</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`))
	}))
	defer srv.Close()
	account, err := Reach(context.Background(), reachConfig(srv.URL), "")
	if err != nil || account != "123456789012" {
		t.Fatalf("account %q, err %v", account, err)
	}
}

// An endpoint that is not the AWS API (a web server answering 404 with an empty body) is named as such,
// not as a refusal of the credentials.
func TestReachNotAnAWSEndpoint(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	_, err := Reach(context.Background(), reachConfig(srv.URL), "eu-west-1")
	if !errors.Is(err, ErrUnreachable) || strings.Contains(err.Error(), "credentials") ||
		!strings.Contains(err.Error(), "answered the first call with an error") || !strings.Contains(err.Error(), "AWS_ENDPOINT_URL") {
		t.Fatalf("err = %v", err)
	}
}
