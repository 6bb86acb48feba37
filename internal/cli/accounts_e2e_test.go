package cli

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/plan"
)

// memberRole is the role ecsfix assumes in the organization's members in these tests.
const memberRole = "ecsfix-member"

// organization makes an emulated organization whose management account is the caller's (the returned
// config) and creates one member per entry of members: with the member role when its value is true. It
// returns the members' ids in the order given.
func organization(t *testing.T, ctx context.Context, members ...bool) (aws.Config, []string) {
	t.Helper()
	mgmt := mototest.Config(t)
	org := organizations.NewFromConfig(mgmt)
	if _, err := org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i, withRole := range members {
		out, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{
			AccountName: aws.String("member" + string(rune('a'+i))), Email: aws.String("member" + string(rune('a'+i)) + "@example.com"),
		})
		if err != nil {
			t.Fatal(err)
		}
		id := aws.ToString(out.CreateAccountStatus.AccountId)
		if id == "" {
			t.Fatalf("CreateAccount returned no account id: %+v", out.CreateAccountStatus)
		}
		ids = append(ids, id)
		if withRole {
			trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + mototest.AccountID(mgmt) + `:root"},"Action":"sts:AssumeRole"}]}`
			if _, err := iam.NewFromConfig(member(t, id)).CreateRole(ctx, &iam.CreateRoleInput{
				RoleName: aws.String(memberRole), AssumeRolePolicyDocument: aws.String(trust),
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return mgmt, ids
}

// member is a config acting directly in the emulated account id (to build and check its estate).
func member(t *testing.T, id string) aws.Config { return mototest.Config(t, mototest.Account(id)) }

func TestScanOrganization(t *testing.T) {
	ctx := context.Background()
	mgmt, ids := organization(t, ctx, true, true, false)
	a, b, noRole := ids[0], ids[1], ids[2]
	buildSmallEstate(t, ctx, member(t, a))
	buildSmallEstate(t, ctx, member(t, b))
	if _, err := ecs.NewFromConfig(member(t, noRole)).CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("hidden")}); err != nil {
		t.Fatal(err)
	}
	liveEnv(t, mgmt)

	out, errOut, code := runCLI(t, "scan", "--org", "--role-name", memberRole, "--format", "json")
	var doc struct {
		scanDoc
		Errors []struct{ Account, Operation, Message, Resource string }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("stdout is not JSON (%v): %s\nstderr: %s", err, out, errOut)
	}
	// Both members with the role are scanned, each finding in its own account.
	for _, acct := range []string{a, b} {
		for control, suffix := range map[string]string{"ECS.12": acct + ":cluster/prod", "ECS.10": acct + ":service/prod/web"} {
			if got := doc.status(control, suffix); got != "FAILED" {
				t.Errorf("%s on %s = %s, want FAILED\nstderr:\n%s", control, suffix, got, errOut)
			}
		}
	}
	for _, r := range doc.Results {
		if strings.Contains(r.ResourceArn, ":"+noRole+":") {
			t.Errorf("a result from the account whose role cannot be assumed: %+v", r)
		}
	}
	// The member without the role is an error naming it, and the scan is incomplete.
	if code != exitIncomplete {
		t.Errorf("exit %d, want %d\nstderr:\n%s", code, exitIncomplete, errOut)
	}
	if len(doc.Errors) != 1 || doc.Errors[0].Account != noRole || doc.Errors[0].Operation != "sts:AssumeRole" ||
		!strings.Contains(doc.Errors[0].Resource, noRole+":role/"+memberRole) || !strings.Contains(doc.Errors[0].Message, "AccessDenied") {
		t.Errorf("errors = %+v, want one sts:AssumeRole error of account %s", doc.Errors, noRole)
	}

	// The text report names the account too; --exclude-account leaves it out, and the scan is complete.
	out, errOut, code = runCLI(t, "scan", "--org", "--role-name", memberRole)
	if code != exitIncomplete || !strings.Contains(out, "account "+noRole) {
		t.Errorf("text scan: exit %d, want %d and an error naming account %s:\n%s\nstderr:\n%s", code, exitIncomplete, noRole, out, errOut)
	}
	out, errOut, code = runCLI(t, "scan", "--org", "--exclude-account", noRole, "--role-name", memberRole, "--format", "json")
	if code != exitOK || !strings.Contains(out, a+":service/prod/web") || !strings.Contains(out, b+":service/prod/web") {
		t.Errorf("scan --exclude-account: exit %d, want %d with both members' results\nstderr:\n%s", code, exitOK, errOut)
	}
	// --accounts reads the accounts named, alone.
	out, errOut, code = runCLI(t, "scan", "--accounts", a, "--role-name", memberRole, "--format", "json")
	if code != exitOK || !strings.Contains(out, a+":service/prod/web") || strings.Contains(out, b+":service/prod/web") {
		t.Errorf("scan --accounts %s: exit %d, want %d with that account's results only\nstderr:\n%s", a, code, exitOK, errOut)
	}
}

func TestAccountsFlagsRejects(t *testing.T) {
	liveEnv(t, mototest.Config(t))
	for _, args := range [][]string{
		{"scan", "--accounts", "12345", "--role-name", "r"},
		{"scan", "--accounts", "123456789012,abc", "--role-name", "r"},
		{"plan", "--exclude-account", "123456789012"},
		{"scan", "--accounts", "123456789012", "--role-name", "arn:aws:iam::123456789012:role/r"},
		{"scan", "--accounts", "123456789012", "--role-name", "r", "--external-id", "a b"},
		{"scan", "--accounts", "123456789012", "--snapshot", "testdata"},
		{"scan", "--accounts", "123456789012"}, // another account and no role to reach it
	} {
		_, errOut, code := runCLI(t, args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d\nstderr:\n%s", args, code, exitUsage, errOut)
		}
	}
}

// plan --org, approve, apply: the fixes land in both members, each through its role, and an apply that
// cannot reach a member (no role given) is refused before any write.
func TestApplyOrganization(t *testing.T) {
	ctx := context.Background()
	mgmt, ids := organization(t, ctx, true, true)
	members := []aws.Config{member(t, ids[0]), member(t, ids[1])}
	for _, m := range members {
		buildSmallEstate(t, ctx, m)
	}
	liveEnv(t, mgmt)
	planFile := filepath.Join(t.TempDir(), "plan.json")
	if _, errOut, code := runCLI(t, "plan", "--org", "--role-name", memberRole, "--out", planFile); code != exitOK {
		t.Fatalf("plan --org: exit %d\n%s", code, errOut)
	}
	p, err := plan.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	planned := map[string]int{}
	for _, a := range p.Actions {
		planned[a.Account]++
	}
	if planned[ids[0]] == 0 || planned[ids[1]] == 0 || len(planned) != 2 {
		t.Fatalf("actions by account = %v, want actions in %s and %s only", planned, ids[0], ids[1])
	}
	if out, errOut, code := runCLI(t, "approve", planFile, "--by", "alice", "--ticket", "OPS-1"); code != exitOK {
		t.Fatalf("approve: exit %d\n%s%s", code, out, errOut)
	}
	type state struct{ td, pv, insights string }
	read := func(cfg aws.Config) state {
		td, pv := describeService(t, cfg)
		return state{td, pv, insights(t, cfg)}
	}
	before := []state{read(members[0]), read(members[1])}

	// Without the member role, the members cannot be reached: refused, nothing changed.
	out, errOut, code := runCLI(t, "apply", planFile)
	if code == exitOK || !strings.Contains(errOut, "no role reaches it") || !strings.Contains(errOut, "account "+ids[0]) || !strings.Contains(errOut, "account "+ids[1]) {
		t.Fatalf("apply without the role: exit %d, want a refusal naming accounts %s and %s\n%s%s", code, ids[0], ids[1], out, errOut)
	}
	for i, m := range members {
		if got := read(m); got != before[i] {
			t.Fatalf("the refused apply changed account %s: %+v, was %+v", ids[i], got, before[i])
		}
	}

	out, errOut, code = runCLI(t, "apply", planFile, "--role-name", memberRole)
	if code != exitOK {
		t.Fatalf("apply: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "through role "+memberRole) {
		t.Errorf("apply does not say how it reached the members:\n%s", out)
	}
	for i, m := range members {
		got := read(m)
		if got.td == before[i].td || got.pv == before[i].pv || got.insights != "enabled" {
			t.Errorf("account %s after apply: %+v, was %+v; want a new revision, a new platform and Container Insights", ids[i], got, before[i])
		}
	}
}

// twoAccountSnapshot copies the demo snapshot into a folder twice: as exported from its account
// (123456789012) and from another (210987654321), with that account's own resource ids.
func twoAccountSnapshot(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ids := regexp.MustCompile(`\b(sg|subnet|vpc|rtb|vpce|igw|nat)-0`)
	err := filepath.WalkDir(demo, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(demo, path)
		body, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		other := ids.ReplaceAll([]byte(strings.ReplaceAll(string(body), "123456789012", "210987654321")), []byte("${1}-9"))
		for dst, b := range map[string][]byte{filepath.Join(dir, "a", rel): body, filepath.Join(dir, "b", rel): other} {
			if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
				return err
			}
			if err := os.WriteFile(dst, b, 0o600); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// A snapshot folder holding two accounts: each result and plan action is the account's its ARN names,
// and each account gets what it gets alone.
func TestSnapshotOfTwoAccounts(t *testing.T) {
	dir := twoAccountSnapshot(t)
	count := func(args ...string) (results map[string]int, actions map[string]int) {
		t.Helper()
		out, errOut, code := runCLI(t, append([]string{"scan", "--format", "json"}, args...)...)
		var doc scanDoc
		if err := json.Unmarshal([]byte(out), &doc); err != nil || code != exitOK {
			t.Fatalf("scan %v: exit %d (%v)\n%s", args, code, err, errOut)
		}
		results = map[string]int{}
		for _, r := range doc.Results {
			results[detect.AccountOf(r.ResourceArn)]++
		}
		planFile := filepath.Join(t.TempDir(), "plan.json")
		if _, errOut, code := runCLI(t, append([]string{"plan", "--out", planFile}, args...)...); code != exitOK {
			t.Fatalf("plan %v: exit %d\n%s", args, code, errOut)
		}
		p, err := plan.ReadFile(planFile)
		if err != nil {
			t.Fatal(err)
		}
		actions = map[string]int{}
		for _, a := range p.Actions {
			actions[a.Account]++
			if acct := detect.AccountOf(a.Resource); acct != "" && acct != a.Account {
				t.Errorf("action %s of account %s changes %s", a.ID, a.Account, a.Resource)
			}
		}
		return results, actions
	}
	results, actions := count("--snapshot", dir)
	alone, aloneActions := count("--snapshot", demo)
	for _, acct := range []string{"123456789012", "210987654321"} {
		if results[acct] == 0 || results[acct] != alone["123456789012"] {
			t.Errorf("account %s: %d results, want %d as alone", acct, results[acct], alone["123456789012"])
		}
		if actions[acct] == 0 || actions[acct] != aloneActions["123456789012"] {
			t.Errorf("account %s: %d actions, want %d as alone", acct, actions[acct], aloneActions["123456789012"])
		}
	}
}

// apply --auto --org applies the low-risk fixes in every member, each through its role.
func TestApplyAutoOrganization(t *testing.T) {
	ctx := context.Background()
	mgmt, ids := organization(t, ctx, true, true)
	members := []aws.Config{member(t, ids[0]), member(t, ids[1])}
	var before []string
	for _, m := range members {
		buildSmallEstate(t, ctx, m)
		_, pv := describeServiceNamed(t, m, "api")
		before = append(before, pv)
	}
	liveEnv(t, mgmt)
	out, errOut, code := runCLI(t, "apply", "--auto", "--org", "--role-name", memberRole, "--journal", filepath.Join(t.TempDir(), "auto.journal"))
	if code != exitLeftForApproval {
		t.Fatalf("apply --auto --org: exit %d, want %d (the riskier fixes left for approval)\n%s%s", code, exitLeftForApproval, out, errOut)
	}
	for i, m := range members {
		if _, pv := describeServiceNamed(t, m, "api"); pv == before[i] {
			t.Errorf("account %s: service api still on platform %s after apply --auto", ids[i], pv)
		}
	}
	if !strings.Contains(out, "through role "+memberRole) {
		t.Errorf("apply --auto does not say how it reached the members:\n%s", out)
	}
}
