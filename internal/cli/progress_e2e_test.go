package cli

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect/awsclient"
	"github.com/ecsfix/ecsfix/detect/live"
	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/plan"
)

// lockedBuffer is one buffer both streams write to, so that the order of their lines shows.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// registerWritableFamilies registers n families whose container writes its root filesystem (ECS.5).
func registerWritableFamilies(t *testing.T, cfg aws.Config, n int) {
	t.Helper()
	cs := ecs.NewFromConfig(cfg)
	for i := range n {
		if _, err := cs.RegisterTaskDefinition(context.Background(), &ecs.RegisterTaskDefinitionInput{
			Family: aws.String(fmt.Sprintf("app%02d", i)), NetworkMode: ecstypes.NetworkModeAwsvpc, Cpu: aws.String("256"), Memory: aws.String("512"),
			RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
			ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("public.ecr.aws/docker/library/busybox:1.36"),
				Essential: aws.Bool(true), User: aws.String("1000")}},
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// runShared runs ecsfix with stdout and stderr into one buffer, stderr a terminal or not.
func runShared(t *testing.T, errTTY bool, args ...string) (string, int) {
	t.Helper()
	var both lockedBuffer
	code := run(context.Background(), args, &streams{In: strings.NewReader(""), Out: &both, ErrOut: &both, ErrTTY: errTTY, NoColor: true})
	return both.String(), code
}

// TestApplySaysHowLongFirst: a plan of 25 registrations (20 at once, then 1 a second) says in its
// summary that applying takes at least 5 s; apply says so on stderr before its first action, and draws
// its progress bar only when stderr is a terminal.
func TestApplySaysHowLongFirst(t *testing.T) {
	cfg := mototest.Config(t)
	registerWritableFamilies(t, cfg, 25)
	liveEnv(t, cfg)
	t.Setenv("ECSFIX_CONFIG", "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("ECSFIX_FIX_UNATTENDED_RISK", "high") // ECS.5 on an image of unknown writable paths is high risk
	dir := t.TempDir()
	file := filepath.Join(dir, "plan.json")

	const estimate = "at least 5s at AWS's documented pace (25 ecs task-definition-modify calls such as RegisterTaskDefinition: 20 at once, then 1 a second)"
	out, errOut, code := runCLI(t, "plan", "--control", "ECS.5", "--out", file)
	if code != 0 {
		t.Fatalf("plan: exit %d\n%s", code, errOut)
	}
	if !strings.Contains(out, "Plan: 25 task definitions to change") || !strings.Contains(out, "\nApplying takes "+estimate+".\n") {
		t.Fatalf("the plan's summary does not say how long applying takes:\n%s", out[max(0, len(out)-800):])
	}
	out, _, code = runCLI(t, "show", file, "--format", "json")
	if code != 0 || !strings.Contains(out, `"expectedApplySeconds": 5`) {
		t.Errorf("show --format json: exit %d, no expectedApplySeconds 5:\n%s", code, out[max(0, len(out)-300):])
	}

	// A dry run says it too, before it checks anything.
	both, code := runShared(t, false, "apply", file, "--dry-run")
	if code != 0 {
		t.Fatalf("dry run: exit %d\n%s", code, both)
	}
	if !strings.HasPrefix(firstLineWith(both, "Dry run; applying 25 change(s) in 1 account-region(s) would take "+estimate+"."), "Dry run;") {
		t.Errorf("the dry run does not say how long applying takes:\n%s", both)
	}
	if i, j := strings.Index(both, "Dry run; applying"), strings.Index(both, "check:"); i < 0 || j < 0 || i > j {
		t.Errorf("the estimate (at %d) is not before the checks (at %d):\n%s", i, j, both)
	}

	// With --log-format json, stderr stays JSON: the estimate is a log record.
	_, errOut, code = runCLI(t, "apply", file, "--dry-run", "--log-format", "json")
	if code != 0 || !strings.Contains(errOut, `"msg":"apply estimate"`) || !strings.Contains(errOut, `"atLeastSeconds":5`) ||
		!strings.Contains(errOut, `"bucket":"ecs/task-definition-modify"`) || strings.Contains(errOut, "Dry run; applying") {
		t.Errorf("apply --log-format json: exit %d, no apply estimate record:\n%s", code, errOut)
	}

	// The apply: the estimate, then the actions; no bar on a stderr that is not a terminal.
	both, code = runShared(t, false, "apply", file, "--journal", filepath.Join(dir, "j1"))
	if code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, both)
	}
	announce := "Applying 25 change(s) in 1 account-region(s): " + estimate + "."
	i, j := strings.Index(both, announce), strings.Index(both, ": registering a new revision of")
	if i < 0 || j < 0 || i > j {
		t.Errorf("the estimate (at %d) is not printed before the first action (at %d):\n%s", i, j, both)
	}
	if strings.Contains(both, "left at AWS's documented pace") {
		t.Errorf("a progress bar is drawn on a stderr that is not a terminal:\n%s", both)
	}
}

// TestApplyProgressBarOnATerminal: on a terminal, the bar counts the actions finished and the least time
// left; it is cleared at the end.
func TestApplyProgressBarOnATerminal(t *testing.T) {
	cfg := mototest.Config(t)
	registerWritableFamilies(t, cfg, 3)
	liveEnv(t, cfg)
	t.Setenv("ECSFIX_CONFIG", "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("ECSFIX_FIX_UNATTENDED_RISK", "high") // ECS.5 on an image of unknown writable paths is high risk
	dir := t.TempDir()
	file := filepath.Join(dir, "plan.json")
	if _, errOut, code := runCLI(t, "plan", "--control", "ECS.5", "--out", file); code != 0 {
		t.Fatalf("plan: exit %d\n%s", code, errOut)
	}
	both, code := runShared(t, true, "apply", file, "--journal", filepath.Join(dir, "j"))
	if code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, both)
	}
	for _, want := range []string{"applying, at least 0s left at AWS's documented pace", "/3)"} {
		if !strings.Contains(both, want) {
			t.Errorf("the terminal shows no %q:\n%q", want, both)
		}
	}
	// Cleared: the last thing written is the blank line that wipes it.
	if last := both[strings.LastIndex(strings.TrimSuffix(both, "\r"), "\r"):]; strings.Trim(last, " \r") != "" {
		t.Errorf("the bar is not cleared at the end:\n%q", both[max(0, len(both)-300):])
	}
	// Rollback draws a bar of its steps too, with the time left, and none on a stderr that is not a terminal.
	back, code := runShared(t, true, "rollback", filepath.Join(dir, "j"))
	if code != 0 || !strings.Contains(back, "rolling back, at least 0s left at AWS's documented pace") || !strings.Contains(back, "/3)") {
		t.Errorf("rollback on a terminal: exit %d, no bar of its 3 steps:\n%q", code, back)
	}
	if both, _ := runShared(t, false, "rollback", filepath.Join(dir, "j")); strings.Contains(both, "rolling back") {
		t.Errorf("rollback draws a bar on a stderr that is not a terminal:\n%q", both)
	}
	// A plan this small applies within the buckets' bursts: no estimate line.
	if strings.Contains(both, "Applying 3 change(s)") {
		t.Errorf("a small plan's apply announces its time:\n%s", both)
	}
	// With --log-format json, no bar even on a terminal.
	both, code = runShared(t, true, "apply", file, "--journal", filepath.Join(dir, "j2"), "--log-format", "json")
	if code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, both)
	}
	if strings.Contains(both, "left at AWS's documented pace") {
		t.Errorf("a progress bar is drawn with --log-format json:\n%q", both)
	}
}

func firstLineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

// TestScanProgressCountsCalls: on a terminal, a live scan's indicator says the calls made besides the
// resources read; on a stderr that is not a terminal, nothing is drawn.
func TestScanProgressCountsCalls(t *testing.T) {
	cfg := mototest.Config(t)
	registerWritableFamilies(t, cfg, 3)
	liveEnv(t, cfg)
	t.Setenv("ECSFIX_CONFIG", "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	both, code := runShared(t, true, "scan", "--format", "json")
	if code != 1 && code != 0 {
		t.Fatalf("scan: exit %d\n%s", code, both)
	}
	if !strings.Contains(both, "reading resources (") || !strings.Contains(both, " calls") {
		t.Errorf("the terminal shows no count of calls:\n%q", both[:min(len(both), 2000)])
	}
	both, _ = runShared(t, false, "scan", "--format", "json")
	if strings.Contains(both, "reading resources") {
		t.Errorf("an indicator is drawn on a stderr that is not a terminal:\n%q", both[:min(len(both), 2000)])
	}
}

// A scan of several accounts counts each account's calls in its own buckets: the calls it announces
// (live.Options.Expect) and those it makes (the watch's middleware, by the account the call's context
// names) meet under the same account, so that nothing is left once the scan is done.
func TestScanWatchCountsEachAccount(t *testing.T) {
	ctx := context.Background()
	mgmt, ids := organization(t, ctx, true, true)
	for i, id := range ids {
		registerWritableFamilies(t, member(t, id), 2+i)
	}
	w := newCallWatch(awsclient.DefaultQuotaTable())
	base := w.watch(mototest.KeyConfig(t, mgmt)) // an access key of the account, as the CLI has
	var targets []live.Target
	for _, id := range ids {
		role := awsclient.RoleARN("aws", id, memberRole)
		targets = append(targets, live.Target{Account: id, Role: role, Config: awsclient.AssumeRole(base, role, "", awsclient.SessionName("scan"))})
	}
	inv, _, err := live.ScanAccounts(ctx, targets, live.Options{Regions: []string{mototest.Region}, MaxAttempts: 2, Expect: w.expect})
	if err != nil || len(inv.Errors) > 0 {
		t.Fatalf("scan: %v %+v", err, inv.Errors)
	}
	for i, id := range ids {
		k := plan.AccountRegion{Account: id, Region: mototest.Region}
		want, made := w.want[k]["ecs:DescribeTaskDefinition"], w.made[k]["ecs:DescribeTaskDefinition"]
		if want != 2+i || made != want {
			t.Errorf("account %s: %d task-definition reads announced, %d made; want %d of each", id, want, made, 2+i)
		}
	}
	// Only the roles' sts calls, made before an account's read starts, are under no account.
	for op := range w.made[plan.AccountRegion{Region: mototest.Region}] {
		if !strings.HasPrefix(op, "sts:") {
			t.Errorf("%s counted under no account", op)
		}
	}
	if d, ok := w.left(); !ok || d != 0 {
		t.Errorf("time left after the scan: %s (%v), want 0", d, ok)
	}
}

// TestRollbackSaysHowLongFirst: the apply of Container Insights on 25 clusters is rolled back; rollback
// says first how long that takes at least — 25 cluster updates, 20 at once then 1 a second: 5 s — from
// the calls its steps make (fix.RollbackCalls, compared with a rollback's calls on the emulator in fix),
// in a dry run too and as a log record with --log-format json; on a terminal its bar says the least time
// left.
func TestRollbackSaysHowLongFirst(t *testing.T) {
	cfg := mototest.Config(t)
	cs := ecs.NewFromConfig(cfg)
	for i := range 25 {
		if _, err := cs.CreateCluster(context.Background(), &ecs.CreateClusterInput{ClusterName: aws.String(fmt.Sprintf("c%02d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	liveEnv(t, cfg)
	t.Setenv("ECSFIX_CONFIG", "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("ECSFIX_FIX_UNATTENDED_RISK", "high") // undoing Container Insights is approved by the configuration here
	dir := t.TempDir()
	file, journal := filepath.Join(dir, "plan.json"), filepath.Join(dir, "plan.json.journal")
	if _, errOut, code := runCLI(t, "plan", "--control", "ECS.12", "--out", file); code != 0 {
		t.Fatalf("plan: exit %d\n%s", code, errOut)
	}
	if both, code := runShared(t, false, "apply", file); code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, both)
	}

	const estimate = "at least 5s at AWS's documented pace (25 ecs cluster-modify calls such as UpdateCluster: 20 at once, then 1 a second)"
	both, code := runShared(t, false, "rollback", journal, "--dry-run")
	if code != 0 {
		t.Fatalf("dry run: exit %d\n%s", code, both)
	}
	if firstLineWith(both, "Dry run; rolling back") != "Dry run; rolling back 25 change(s) in 1 account-region(s) would take "+estimate+"." {
		t.Errorf("the dry run does not say how long rolling back takes:\n%s", both)
	}
	if i, j := strings.Index(both, "Dry run; rolling back"), strings.Index(both, "check:"); i < 0 || j < 0 || i > j {
		t.Errorf("the estimate (at %d) is not before the checks (at %d):\n%s", i, j, both)
	}

	_, errOut, code := runCLI(t, "rollback", journal, "--dry-run", "--log-format", "json")
	if code != 0 || !strings.Contains(errOut, `"msg":"rollback estimate"`) || !strings.Contains(errOut, `"atLeastSeconds":5`) ||
		!strings.Contains(errOut, `"bucket":"ecs/cluster-modify"`) || !strings.Contains(errOut, `"steps":25`) || strings.Contains(errOut, "Dry run; rolling back") {
		t.Errorf("rollback --log-format json: exit %d, no rollback estimate record:\n%s", code, errOut)
	}

	// The rollback on a terminal: the estimate before the first step, then the bar with the time left.
	both, code = runShared(t, true, "rollback", journal)
	if code != 0 {
		t.Fatalf("rollback: exit %d\n%s", code, both)
	}
	announce := "Rolling back 25 change(s) in 1 account-region(s): " + estimate + "."
	i, j := strings.Index(both, announce), strings.Index(both, ": returning cluster")
	if i < 0 || j < 0 || i > j {
		t.Errorf("the estimate (at %d) is not printed before the first step (at %d):\n%q", i, j, both)
	}
	for _, want := range []string{"rolling back, at least ", "s left at AWS's documented pace", "/25)"} {
		if !strings.Contains(both, want) {
			t.Errorf("the terminal shows no %q:\n%q", want, both)
		}
	}
	if strings.Count(both, ": returning cluster") != 25 {
		t.Errorf("the rollback did not return the 25 clusters:\n%s", both)
	}

	// Run again, every step settled: nothing left to write, nothing announced.
	both, code = runShared(t, false, "rollback", journal)
	if code != 0 || strings.Contains(both, "Rolling back") {
		t.Errorf("a second rollback: exit %d, announces a time:\n%s", code, both)
	}
}
