//go:build linux

package snapshot

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestExportScriptAgainstMoto runs testdata/export-snapshot.sh against the moto emulator holding a
// small estate, then loads what it wrote.
func TestExportScriptAgainstMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("slow (starts moto and runs the aws CLI ~40 times)")
	}
	for _, tool := range []string{"moto_server", "aws", "jq", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("ECSFIX_REQUIRE_MOTO") == "1" {
				t.Fatalf("%s is not on PATH and ECSFIX_REQUIRE_MOTO=1", tool)
			}
			t.Skipf("%s is not on PATH", tool)
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
	out := t.TempDir()
	run(filepath.Join("..", "..", "testdata", "export-snapshot.sh"), out)

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

// startMoto starts moto_server on a free port and returns its endpoint; it stops with the test.
func startMoto(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command("moto_server", "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	endpoint := "http://127.0.0.1:" + strconv.Itoa(port)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/moto-api/", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return endpoint
			}
		}
		select {
		case <-ctx.Done():
			t.Fatal("moto_server did not start within 30s")
		case <-time.After(100 * time.Millisecond):
		}
	}
}
