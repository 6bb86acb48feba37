package mototest

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func TestMain(m *testing.M) { Main(m) }

func callerAccount(t *testing.T, cfg aws.Config) string {
	t.Helper()
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Account)
}

func TestConfigIsolatesAccounts(t *testing.T) {
	t.Parallel()
	a, b := Config(t), Config(t)
	if AccountID(a) == AccountID(b) || len(AccountID(a)) != 12 {
		t.Fatalf("accounts %q and %q", AccountID(a), AccountID(b))
	}
	if got := callerAccount(t, a); got != AccountID(a) {
		t.Errorf("STS says %s, config says %s", got, AccountID(a))
	}
	ctx := context.Background()
	if _, err := ecs.NewFromConfig(a).CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("only-in-a")}); err != nil {
		t.Fatal(err)
	}
	out, err := ecs.NewFromConfig(b).ListClusters(ctx, &ecs.ListClustersInput{})
	if err != nil || len(out.ClusterArns) != 0 {
		t.Errorf("account b sees %v, %v", out, err)
	}
	// Account shares an account between configs.
	if got := callerAccount(t, Config(t, Account(AccountID(a)))); got != AccountID(a) {
		t.Errorf("shared account: %s", got)
	}
}

func TestEndpointAndEnv(t *testing.T) {
	t.Parallel()
	url := Endpoint(t)
	resp, err := http.Get(url + "/moto-api/")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /moto-api/: %v %v", resp, err)
	}
	resp.Body.Close()

	cfg := Config(t)
	env := map[string]string{}
	for _, kv := range Env(t, cfg) {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	if env["AWS_ENDPOINT_URL"] != url || env["AWS_REGION"] != Region {
		t.Errorf("env %v", env)
	}
	// A process using only these variables lands in cfg's account.
	plain := aws.Config{Region: env["AWS_REGION"], BaseEndpoint: aws.String(env["AWS_ENDPOINT_URL"]),
		Credentials: credentials.NewStaticCredentialsProvider(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], "")}
	if got := callerAccount(t, plain); got != AccountID(cfg) {
		t.Errorf("access key maps to %s, want %s", got, AccountID(cfg))
	}
}

func TestMaxAttempts(t *testing.T) {
	t.Parallel()
	cfg := Config(t, MaxAttempts(1))
	if cfg.RetryMaxAttempts != 1 {
		t.Errorf("RetryMaxAttempts = %d", cfg.RetryMaxAttempts)
	}
	// An error from the emulator comes back at once, without retries.
	_, err := ecs.NewFromConfig(cfg).DescribeCapacityProviders(context.Background(), &ecs.DescribeCapacityProvidersInput{})
	if err == nil || !strings.Contains(err.Error(), "attempts, 1,") {
		t.Errorf("err = %v", err)
	}
}

func TestStartWithoutMoto(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if srv, err := Start(); err == nil || !strings.Contains(err.Error(), "moto_server not found") {
		srv.Stop()
		t.Fatalf("err = %v, want moto_server not found", err)
	}
}
