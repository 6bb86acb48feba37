//go:build linux

package snapshot

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/detect/mototest"
)

// TestExportScriptAgainstMoto runs testdata/export-snapshot.sh against the moto emulator holding a
// small estate, then loads what it wrote.
func TestExportScriptAgainstMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("slow (starts moto and runs the aws CLI ~40 times)")
	}
	awsBin := ""
	for _, tool := range []string{"aws", "jq", "bash"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			if os.Getenv(mototest.RequireEnv) == "1" {
				t.Fatalf("%s is not on PATH and %s=1", tool, mototest.RequireEnv)
			}
			t.Skipf("%s is not on PATH", tool)
		}
		if tool == "aws" {
			awsBin = p
		}
	}
	endpoint := startMoto(t)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"AWS_ENDPOINT_URL="+endpoint, "AWS_REGION=eu-west-1", "AWS_DEFAULT_REGION=eu-west-1",
		"AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing", "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_MAX_ATTEMPTS=1",
	)
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command("bash", args...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	run(filepath.Join("testdata", "moto-estate.sh"))
	// The export reads every capacity provider with one unnamed describe-capacity-providers; should that
	// fail (as it did on moto 5.2.1 before the test harness mended it), it describes by name the providers
	// the clusters use. failing/aws stands for an aws CLI whose unnamed call fails.
	failing := t.TempDir()
	err := os.WriteFile(filepath.Join(failing, "aws"), []byte(`#!/bin/sh
case " $* " in
*" ecs describe-capacity-providers "*)
  case " $* " in *" --capacity-providers "*) ;; *) echo "An error occurred (ServerException): injected" >&2; exit 254 ;; esac ;;
esac
exec "$ECSFIX_REAL_AWS" "$@"
`), 0o755)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, path, providersFile string
	}{
		{"complete", "", "capacity-providers.json"},
		{"unnamed describe-capacity-providers fails", failing, "capacity-providers-1.json"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			runEnv := env
			if tt.path != "" {
				runEnv = append(slices.Clone(env), "PATH="+tt.path+string(os.PathListSeparator)+os.Getenv("PATH"), "ECSFIX_REAL_AWS="+awsBin)
			}
			out := t.TempDir()
			cmd := exec.Command("bash", filepath.Join("..", "..", "testdata", "export-snapshot.sh"), out)
			cmd.Env = runEnv
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("export-snapshot.sh: %v\n%s", err, b)
			}
			if _, err := os.Stat(filepath.Join(out, "ecs", tt.providersFile)); err != nil {
				t.Errorf("capacity providers not where expected: %v", err)
			}
			checkMotoExport(t, out)
		})
	}
}

// checkMotoExport loads what export-snapshot.sh wrote for the estate of testdata/moto-estate.sh.
func checkMotoExport(t *testing.T, out string) {
	t.Helper()
	in, err := Load(out)
	if err != nil {
		t.Fatal(err)
	}
	// moto's describe-task-definition by family returns the highest revision (web:3); the services run
	// web:2 and web:3 and agent:1.
	counts := map[string][2]int{
		"task definitions":   {len(in.TaskDefinitions), 3},
		"services":           {len(in.Services), 15},
		"clusters":           {len(in.Clusters), 2},
		"task sets":          {len(in.TaskSets), 1},
		"capacity providers": {len(in.CapacityProviders), 1},
		"load balancers":     {len(in.LoadBalancers), 1},
		"target groups":      {len(in.TargetGroups), 1},
		"roles":              {len(in.Roles), 1},
		"read errors":        {len(in.Errors), 0},
	}
	for what, c := range counts {
		if c[0] != c[1] {
			t.Errorf("%s: %d, want %d", what, c[0], c[1])
		}
	}
	if len(in.SecurityGroups) < 2 || len(in.Subnets) < 2 || len(in.RouteTables) < 1 {
		t.Errorf("networking: %d security groups, %d subnets, %d route tables", len(in.SecurityGroups), len(in.Subnets), len(in.RouteTables))
	}
	if !in.VpcEndpointsKnown || len(in.VpcEndpoints) != 1 || str(in.VpcEndpoints[0].ServiceName) != "com.amazonaws.eu-west-1.logs" {
		t.Errorf("vpc endpoints (known %v) = %+v", in.VpcEndpointsKnown, in.VpcEndpoints)
	}
	bastion := 0
	for _, ni := range in.NetworkInterfaces {
		if str(ni.Description) == "bastion" && len(ni.Groups) == 1 && len(in.InterfacesWithGroup(str(ni.Groups[0].GroupId))) > 0 {
			bastion++
		}
	}
	if !in.NetworkInterfacesKnown || bastion != 1 {
		t.Errorf("network interfaces (known %v, bastion %d) = %+v", in.NetworkInterfacesKnown, bastion, in.NetworkInterfaces)
	}
	r, ok := in.Role("arn:aws:iam::123456789012:role/app-task")
	if !ok || !r.PoliciesKnown || len(r.Inline) != 1 || len(r.Attached) != 1 || r.Attached[0].Document == "" {
		t.Errorf("role = %+v", r)
	}
}

// startMoto starts the moto emulator (through the test harness's launcher, without AWS managed IAM policies)
// and returns its endpoint; it stops with the test.
func startMoto(t *testing.T) string {
	t.Helper()
	srv, err := mototest.Start("MOTO_IAM_LOAD_MANAGED_POLICIES=false")
	if err != nil {
		if os.Getenv(mototest.RequireEnv) == "1" {
			t.Fatalf("moto emulator required (%s=1) but unavailable: %v", mototest.RequireEnv, err)
		}
		t.Skipf("moto emulator unavailable: %v", err)
	}
	t.Cleanup(srv.Stop)
	return srv.URL
}
