// The end-to-end test of Security Hub across an organization on the emulator: findings of two member
// accounts held by the administrator's Security Hub, plan --org --findings securityhub, approve,
// apply --update-findings through the member role, rollback --update-findings.

package cli

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/ecsfix/ecsfix/plan"
)

// findingsOf is admin with its credentials saying they are account's: importSH then imports into admin's
// Security Hub findings whose AwsAccountId is account's, as an administrator's Security Hub holds its
// members' findings (the emulator does not aggregate them itself; the requests still go to admin's).
func findingsOf(admin aws.Config, account string) aws.Config {
	cfg := admin.Copy()
	cfg.Credentials = accountCredentials{admin.Credentials, account}
	return cfg
}

// accountCredentials are credentials whose AccountID says account.
type accountCredentials struct {
	aws.CredentialsProvider
	account string
}

func (c accountCredentials) Retrieve(ctx context.Context) (aws.Credentials, error) {
	v, err := c.CredentialsProvider.Retrieve(ctx)
	v.AccountID = c.account
	return v, err
}

// An organization with two members, each with the small estate; the administrator's Security Hub (the
// caller's, the organization's management account here) holds findings of both: live ones on cluster
// prod of member a and on service api of both, and a stale one on cluster prod of member b, fixed since
// Security Hub last checked it. plan --org --findings securityhub plans only what the live findings name,
// each action in its member's account recording its finding. Refused before its approval (nothing
// changed, no finding updated), then approved with a signed key and applied through the member role with
// --update-findings, it fixes each member's resources and resolves the fixed findings in the
// administrator's Security Hub with a note naming the plan's hash and the approver, and leaves the stale
// finding as it was; rollback --update-findings sets them back to NEW and undoes the fixes. (That the
// GetFindings filters are sent, and applied again on ecsfix's side, is TestSecurityHubFiltersSentAndApplied's.)
func TestOrganizationFindingsEndToEnd(t *testing.T) {
	ctx := context.Background()
	admin, ids := organization(t, ctx, true, true)
	a, b := ids[0], ids[1]
	members := map[string]aws.Config{a: member(t, a), b: member(t, b)}
	for _, m := range members {
		buildSmallEstate(t, ctx, m)
	}
	// Member b's cluster got Container Insights after Security Hub's last check: its ECS.12 finding is stale.
	if _, err := ecs.NewFromConfig(members[b]).UpdateCluster(ctx, &ecs.UpdateClusterInput{Cluster: aws.String("prod"),
		Settings: []ecstypes.ClusterSetting{{Name: ecstypes.ClusterSettingNameContainerInsights, Value: aws.String("enabled")}}}); err != nil {
		t.Fatal(err)
	}
	failedNew := func(id, account, control, rtype, rest string) shFinding {
		return shFinding{id: id, control: control, rtype: rtype, arn: "arn:aws:ecs:us-east-1:" + account + ":" + rest,
			compliance: shtypes.ComplianceStatusFailed, workflow: shtypes.WorkflowStatusNew}
	}
	importSH(t, ctx, findingsOf(admin, a),
		failedNew("a-ecs12", a, "ECS.12", "AwsEcsCluster", "cluster/prod"),
		failedNew("a-ecs10", a, "ECS.10", "AwsEcsService", "service/prod/api"))
	importSH(t, ctx, findingsOf(admin, b),
		failedNew("b-ecs10", b, "ECS.10", "AwsEcsService", "service/prod/api"),
		failedNew("b-ecs12-stale", b, "ECS.12", "AwsEcsCluster", "cluster/prod"))
	live := []string{"a-ecs12", "a-ecs10", "b-ecs10"}
	liveEnv(t, admin)

	type state struct{ webTD, webPV, apiTD, apiPV, insights string }
	read := func(id string) state {
		m := members[id]
		webTD, webPV := describeService(t, m)
		apiTD, apiPV := describeServiceNamed(t, m, "api")
		return state{webTD, webPV, apiTD, apiPV, insights(t, m)}
	}
	before := map[string]state{a: read(a), b: read(b)}

	// ECS.10's fix needs an approval, signed with a key the allowed signers list.
	dir := t.TempDir()
	key, pub := writeKey(t, dir, "alice", "")
	signers := filepath.Join(dir, "allowed_signers")
	conf := filepath.Join(dir, "ecsfix.yaml")
	if err := os.WriteFile(signers, []byte("alice "+pub+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conf, []byte("fix:\n  risk:\n    - {control: ECS.10, risk: high}\napprovals:\n  allowed_signers: "+signers+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ecsfix := func(args ...string) (string, string, int) {
		t.Helper()
		return runCLI(t, append([]string{"--config", conf}, args...)...)
	}
	planFile := filepath.Join(dir, "plan.json")
	stdout, stderr, code := ecsfix("plan", "--org", "--role-name", memberRole, "--findings", "securityhub", "--out", planFile)
	if code != exitOK {
		t.Fatalf("plan --org --findings securityhub: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, w := range []string{
		"finding stale: ECS.12 finding b-ecs12-stale (account " + b + ", us-east-1): ecsfix finds ECS.12 PASSED on arn:aws:ecs:us-east-1:" + b + ":cluster/prod",
		"findings: 4 read in 2 account-region(s); 3 live, 1 stale",
	} {
		if !strings.Contains(stderr, w) {
			t.Errorf("plan's stderr lacks %q:\n%s", w, stderr)
		}
	}
	p, err := plan.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, act := range p.Actions {
		got = append(got, act.Account+" "+string(act.Type)+" "+strings.TrimPrefix(act.Resource, "arn:aws:ecs:us-east-1:"+act.Account+":")+" "+strings.Join(act.Findings, ","))
	}
	want := []string{
		a + " update-cluster-settings cluster/prod a-ecs12",
		a + " update-service service/prod/api a-ecs10",
		b + " update-service service/prod/api b-ecs10",
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Fatalf("plan actions (account type resource findings):\n%s\nwant:\n%s\nstderr:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), stderr)
	}

	// The ticket (show --format markdown) names each action's account and findings.
	md, errOut, code := ecsfix("show", planFile, "--format", "markdown")
	if code != exitOK {
		t.Fatalf("show: exit %d\n%s", code, errOut)
	}
	for _, w := range []string{a, b, "a-ecs12", "a-ecs10", "b-ecs10"} {
		if !strings.Contains(md, w) {
			t.Errorf("show --format markdown lacks %s:\n%s", w, md)
		}
	}

	// Not approved yet: refused before any write, in any account, and no finding updated.
	journal := filepath.Join(t.TempDir(), "org.journal") // a journal directory of its own, apart from the plan
	stdout, stderr, code = ecsfix("apply", planFile, "--role-name", memberRole, "--update-findings", "--journal", journal)
	if code != exitNotApproved {
		t.Fatalf("apply before the approval: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitNotApproved, stdout, stderr)
	}
	for _, id := range []string{a, b} {
		if got := read(id); got != before[id] {
			t.Fatalf("the refused apply changed account %s: %+v, was %+v", id, got, before[id])
		}
	}
	for id, s := range shStates(t, admin) {
		if s != [2]string{"NEW", ""} {
			t.Fatalf("the refused apply updated finding %s: %v", id, s)
		}
	}

	if _, errOut, code := ecsfix("approve", planFile, "--by", "alice", "--ticket", "SEC-10", "--key", key); code != exitOK {
		t.Fatalf("approve: exit %d\n%s", code, errOut)
	}
	p, err = plan.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	hash := p.ContentHash()

	stdout, stderr, code = ecsfix("apply", planFile, "--role-name", memberRole, "--update-findings", "--journal", journal)
	if code != exitOK || !strings.Contains(stdout, "check: approved (high risk needs 1 distinct signer(s))") {
		t.Fatalf("apply --update-findings: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, id := range live {
		if !strings.Contains(stdout, "finding "+id+": workflow status RESOLVED") {
			t.Errorf("apply does not say it resolved %s:\n%s", id, stdout)
		}
	}

	// Each member's resources, read back in the member: what the live findings name is fixed, the rest
	// (service web, failing too but named by no finding; member b's cluster, already fixed) as it was.
	after := map[string]state{a: read(a), b: read(b)}
	for _, id := range []string{a, b} {
		got, was := after[id], before[id]
		if got.apiTD != was.apiTD || got.apiPV == was.apiPV {
			t.Errorf("account %s service api: %s on %s, was %s on %s; want the same revision on a new platform", id, got.apiTD, got.apiPV, was.apiTD, was.apiPV)
		}
		if got.webTD != was.webTD || got.webPV != was.webPV {
			t.Errorf("account %s service web changed (%s %s → %s %s) though no finding named it", id, was.webTD, was.webPV, got.webTD, got.webPV)
		}
		if got.insights != "enabled" {
			t.Errorf("account %s cluster prod Container Insights = %q, want enabled", id, got.insights)
		}
	}
	if before[a].insights == "enabled" {
		t.Errorf("member a's cluster had Container Insights before the apply: the test proves nothing")
	}

	// The findings, in the administrator's Security Hub.
	st := shStates(t, admin)
	if len(st) != 4 {
		t.Errorf("Security Hub holds %d findings, want 4: %v", len(st), st)
	}
	for _, id := range live {
		s := st[id]
		if s[0] != "RESOLVED" || !strings.HasPrefix(s[1], "ecsfix applied ") || !strings.Contains(s[1], "of plan "+hash) ||
			!strings.Contains(s[1], "approved by alice") || !strings.HasSuffix(s[1], "(by ecsfix)") {
			t.Errorf("%s = %v, want RESOLVED with a note naming plan %s and alice, by ecsfix", id, s, hash)
		}
	}
	if s := st["b-ecs12-stale"]; s != [2]string{"NEW", ""} {
		t.Errorf("the stale finding was updated: %v", s)
	}
	// Nothing was written to the members' own Security Hub.
	for id, m := range members {
		if st := shStates(t, m); len(st) != 0 {
			t.Errorf("member %s's Security Hub holds findings: %v", id, st)
		}
	}

	// rollback reaches the members through --role-name and sets the resolved findings back to NEW.
	stdout, stderr, code = ecsfix("rollback", journal, "--plan", planFile, "--role-name", memberRole, "--update-findings")
	if code != exitOK {
		t.Fatalf("rollback --update-findings: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	st = shStates(t, admin)
	for _, id := range live {
		if s := st[id]; s[0] != "NEW" || !strings.Contains(s[1], "rolled back plan "+hash) {
			t.Errorf("after rollback %s = %v, want NEW with a note naming plan %s", id, s, hash)
		}
	}
	if s := st["b-ecs12-stale"]; s != [2]string{"NEW", ""} {
		t.Errorf("rollback updated the stale finding: %v", s)
	}
	for _, id := range []string{a, b} {
		if got := read(id); got.apiPV != before[id].apiPV {
			t.Errorf("account %s service api on %s after the rollback, want %s", id, got.apiPV, before[id].apiPV)
		}
	}
}
