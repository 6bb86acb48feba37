package mototest

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
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
	// An error from the emulator (UpdateClusterSettings is a 500 in moto 5.2) comes back at once, without
	// retries.
	_, err := ecs.NewFromConfig(cfg).UpdateClusterSettings(context.Background(), &ecs.UpdateClusterSettingsInput{
		Cluster: aws.String("c"), Settings: []ecstypes.ClusterSetting{{Name: ecstypes.ClusterSettingNameContainerInsights, Value: aws.String("enabled")}}})
	if err == nil || !strings.Contains(err.Error(), "attempts, 1,") {
		t.Errorf("err = %v", err)
	}
}

func TestStartWithoutMoto(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv(PythonEnv, "")
	if srv, err := Start(); err == nil || !strings.Contains(err.Error(), "moto not found") {
		srv.Stop()
		t.Fatalf("err = %v, want moto not found", err)
	}
	// A python3 in PATH that cannot import moto (the launcher's exit code 3) is not moto either.
	t.Setenv("PATH", filepath.Dir(fakePython(t, "exit 3")))
	if srv, err := Start(); err == nil || !strings.Contains(err.Error(), "moto not found") || !strings.Contains(err.Error(), "cannot import moto") {
		srv.Stop()
		t.Fatalf("err = %v, want moto not found", err)
	}
}

// fakePython writes an executable shell script standing in for an interpreter.
func fakePython(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "python3")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// An interpreter that cannot import moto (the launcher's exit code 3) is passed over for the next one.
func TestStartFallsBackToAnInterpreterWithMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a second server")
	}
	server(t) // skips or fails like the other integration tests when moto is missing
	t.Setenv(PythonEnv, fakePython(t, "exit 3"))
	srv, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	if srv.cmd.Path == os.Getenv(PythonEnv) {
		t.Errorf("started with the interpreter without moto")
	}
}

// Any other early exit of the launcher is an error that shows what it printed, without trying further.
func TestStartReportsLauncherFailure(t *testing.T) {
	t.Setenv(PythonEnv, fakePython(t, "echo 'Traceback: mend no longer applies' >&2; exit 1"))
	srv, err := Start()
	if err == nil {
		srv.Stop()
		t.Fatal("started")
	}
	if !strings.Contains(err.Error(), "mend no longer applies") || !strings.Contains(err.Error(), "exited before it was ready") {
		t.Errorf("err = %v", err)
	}
}

func TestShebangPython(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct{ first, want string }{
		{"#!/opt/venv/bin/python3.12", "/opt/venv/bin/python3.12"},
		{"#!/usr/bin/env python3", "python3"},
		{"#! /usr/bin/python3 -s", "/usr/bin/python3"},
		{"#!/usr/bin/env bash", ""},
		{"#!/bin/sh", ""},
		{"import sys", ""},
		{"", ""},
	} {
		p := filepath.Join(dir, "moto_server")
		if err := os.WriteFile(p, []byte(tt.first+"\nrest\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		if got := shebangPython(p); got != tt.want {
			t.Errorf("%q: %q, want %q", tt.first, got, tt.want)
		}
	}
	if got := shebangPython(filepath.Join(dir, "missing")); got != "" {
		t.Errorf("missing file: %q", got)
	}
}

// The launcher's mend: DescribeCapacityProviders without names lists every capacity provider of the
// account and region (moto 5.2.1 answers 500), through the SDK's real request; with names it still
// describes those and reports the missing ones.
func TestDescribeCapacityProvidersMend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := Config(t, MaxAttempts(1))
	client := ecs.NewFromConfig(cfg)
	create := func(c *ecs.Client, name string) string {
		t.Helper()
		out, err := c.CreateCapacityProvider(ctx, &ecs.CreateCapacityProviderInput{
			Name: aws.String(name),
			AutoScalingGroupProvider: &ecstypes.AutoScalingGroupProvider{
				AutoScalingGroupArn: aws.String("arn:aws:autoscaling:us-east-1:" + AccountID(cfg) + ":autoScalingGroup:1:autoScalingGroupName/" + name)},
			Tags: []ecstypes.Tag{{Key: aws.String("team"), Value: aws.String(name)}},
		})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.CapacityProvider.CapacityProviderArn)
	}
	names := func(out *ecs.DescribeCapacityProvidersOutput) []string {
		var got []string
		for _, cp := range out.CapacityProviders {
			got = append(got, aws.ToString(cp.Name))
		}
		slices.Sort(got)
		return got
	}

	empty, err := client.DescribeCapacityProviders(ctx, &ecs.DescribeCapacityProvidersInput{})
	if err != nil || len(empty.CapacityProviders) != 0 || len(empty.Failures) != 0 {
		t.Fatalf("no providers yet: %+v, %v", empty, err)
	}
	arnA := create(client, "a")
	create(client, "b")
	create(ecs.NewFromConfig(Config(t)), "elsewhere") // another account's provider is not listed
	other := cfg.Copy()
	other.Region = "eu-west-1"
	create(ecs.NewFromConfig(other), "other-region") // nor another region's

	all, err := client.DescribeCapacityProviders(ctx, &ecs.DescribeCapacityProvidersInput{
		Include: []ecstypes.CapacityProviderField{ecstypes.CapacityProviderFieldTags}})
	if err != nil {
		t.Fatalf("without names: %v", err)
	}
	if got := names(all); !slices.Equal(got, []string{"a", "b"}) || len(all.Failures) != 0 || aws.ToString(all.NextToken) != "" {
		t.Errorf("without names: %v, failures %+v, next %q", got, all.Failures, aws.ToString(all.NextToken))
	}
	for _, cp := range all.CapacityProviders {
		if len(cp.Tags) != 1 || aws.ToString(cp.Tags[0].Value) != aws.ToString(cp.Name) {
			t.Errorf("%s: tags %+v", aws.ToString(cp.Name), cp.Tags)
		}
	}

	some, err := client.DescribeCapacityProviders(ctx, &ecs.DescribeCapacityProvidersInput{CapacityProviders: []string{arnA, "missing"}})
	if err != nil {
		t.Fatalf("with names: %v", err)
	}
	if got := names(some); !slices.Equal(got, []string{"a"}) {
		t.Errorf("with names: %v", got)
	}
	if len(some.Failures) != 1 || aws.ToString(some.Failures[0].Reason) != "MISSING" || !strings.HasSuffix(aws.ToString(some.Failures[0].Arn), "/missing") {
		t.Errorf("failures %+v", some.Failures)
	}
}
