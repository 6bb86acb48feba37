package cli

// A field AWS returns that this build's SDK does not know (README: "What a fix keeps"): plan lists the
// revision as "Not fixed: a new revision would lose <field>; update ecsfix"; apply of a plan made before
// the field appeared refuses the registration (exit 1), nothing changed. AWS adding a field cannot be
// emulated: a reverse proxy between the CLI and the emulator adds members to the emulator's real
// DescribeTaskDefinition responses.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect/mototest"
)

// futureSecret is the value of the added member: it must never be printed.
const futureSecret = "FutureFieldS3cret-5c1d"

// futureProxy starts a reverse proxy to the emulator that, while on is set, adds members to every
// DescribeTaskDefinition response: one to the task definition, one to its first container.
func futureProxy(t *testing.T, on *atomic.Bool) string {
	t.Helper()
	target, err := url.Parse(mototest.Endpoint(t))
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ModifyResponse = func(resp *http.Response) error {
		if !on.Load() || resp.StatusCode != http.StatusOK || !strings.HasSuffix(resp.Request.Header.Get("X-Amz-Target"), ".DescribeTaskDefinition") {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		var doc map[string]any
		if err := json.Unmarshal(body, &doc); err != nil {
			return err
		}
		td := doc["taskDefinition"].(map[string]any)
		td["futureTaskField"] = map[string]any{"value": futureSecret}
		td["containerDefinitions"].([]any)[0].(map[string]any)["futureContainerField"] = futureSecret
		if body, err = json.Marshal(doc); err != nil {
			return err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		resp.Header.Del("X-Amz-Crc32")
		return nil
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestUnknownFieldsLive(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	buildSmallEstate(t, ctx, cfg)
	liveEnv(t, cfg)
	var on atomic.Bool
	t.Setenv("AWS_ENDPOINT_URL", futureProxy(t, &on))
	const lose = "a new revision would lose taskDefinition.containerDefinitions[0].futureContainerField and taskDefinition.futureTaskField; update ecsfix"
	noSecret := func(what string, texts ...string) {
		t.Helper()
		for _, s := range texts {
			for _, v := range append([]string{futureSecret}, plantedSecrets...) {
				if strings.Contains(s, v) {
					t.Errorf("%s prints a secret value", what)
				}
			}
		}
	}
	revisions := func() int {
		out, err := ecs.NewFromConfig(cfg).ListTaskDefinitions(ctx, &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("web"), Status: ecstypes.TaskDefinitionStatusActive})
		if err != nil {
			t.Fatal(err)
		}
		return len(out.TaskDefinitionArns)
	}
	dir := t.TempDir()

	// Before AWS returns the field: web's fixes are planned as a new revision.
	before := filepath.Join(dir, "before.json")
	out, errOut, code := runCLI(t, "plan", "--out", before)
	if code != exitOK || !strings.Contains(out, "register a new revision of web") || strings.Contains(out, "would lose") {
		t.Fatalf("plan without the field: exit %d\n%s\n%s", code, out, errOut)
	}

	// With it: no new revision of web; "Not fixed" names the fields, for each of web's controls.
	on.Store(true)
	out, errOut, code = runCLI(t, "plan", "--out", filepath.Join(dir, "after.json"))
	if code != exitOK {
		t.Fatalf("plan with the field: exit %d\n%s", code, errOut)
	}
	if strings.Contains(out, "register a new revision of web") || !strings.Contains(out, "Not fixed") || !strings.Contains(out, lose) {
		t.Errorf("plan with the field:\n%s", out)
	}
	if !strings.Contains(errOut, "AWS returned fields this build of ecsfix does not know") || !strings.Contains(errOut, "task-definition/web:") {
		t.Errorf("plan with the field does not warn, naming the revision:\n%s", errOut)
	}
	saved, err := os.ReadFile(filepath.Join(dir, "after.json"))
	if err != nil {
		t.Fatal(err)
	}
	noSecret("plan", out, errOut, string(saved))

	// Apply of the plan made before: the registration's source, read now, holds the fields: refused
	// before anything is written (dry run and apply alike).
	tdBefore, pvBefore := describeService(t, cfg)
	revsBefore := revisions()
	for _, args := range [][]string{{"apply", before, "--dry-run"}, {"apply", before}} {
		out, errOut, code = runCLI(t, args...)
		if code != exitError || !strings.Contains(errOut, "does not know") || !strings.Contains(errOut, "would lose taskDefinition.containerDefinitions[0].futureContainerField") ||
			!strings.Contains(errOut, "update ecsfix") || strings.Contains(errOut, "plan is invalid") {
			t.Errorf("%v: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", args, code, exitError, out, errOut)
		}
		noSecret(strings.Join(args, " "), out, errOut)
	}
	if td, pv := describeService(t, cfg); td != tdBefore || pv != pvBefore || revisions() != revsBefore || insights(t, cfg) == "enabled" {
		t.Error("the refused apply changed something")
	}

	// The control: without the field, the same dry run passes its checks.
	on.Store(false)
	if out, errOut, code = runCLI(t, "apply", before, "--dry-run"); code != exitOK {
		t.Errorf("dry run without the field: exit %d\n%s\n%s", code, out, errOut)
	}
}
