package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/fix"
	"github.com/ecsfix/ecsfix/plan"
)

// forgeJournal writes records as a journal, chaining them as ecsfix does (the chain is no signature:
// anyone can compute it), so that the refusal tested is rollback's, not the chain's.
func forgeJournal(t *testing.T, path string, chain bool, recs ...fix.Record) {
	t.Helper()
	var b strings.Builder
	prev := recs[0].PlanHash
	for _, r := range recs {
		if chain {
			data, _ := json.Marshal(r)
			h := sha256.New()
			h.Write([]byte(prev))
			h.Write([]byte{'\n'})
			h.Write(data)
			r.Chain = hex.EncodeToString(h.Sum(nil))
			prev = r.Chain
		}
		data, _ := json.Marshal(r)
		b.Write(data)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestHandWrittenRollbackJournal: the attack. A hand-written journal asks rollback to move a
// service onto a privileged revision, open tcp/22 to 0.0.0.0/0 and attach an Allow *:* policy. Without
// a plan, with another plan, or with the real (approved) plan that holds none of these actions, rollback
// changes nothing and exits non-zero.
func TestHandWrittenRollbackJournal(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	buildSmallEstate(t, ctx, cfg)
	cs, e2, im := ecs.NewFromConfig(cfg), ec2.NewFromConfig(cfg), iam.NewFromConfig(cfg)
	evil, err := cs.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("evil"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("x"), Image: aws.String("attacker.example/backdoor"), Memory: aws.Int32(128), Privileged: aws.Bool(true)}}})
	if err != nil {
		t.Fatal(err)
	}
	vpcs, err := e2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	if err != nil {
		t.Fatal(err)
	}
	quiet, err := e2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("quiet"), Description: aws.String("quiet"), VpcId: vpcs.Vpcs[0].VpcId})
	if err != nil {
		t.Fatal(err)
	}
	role, err := im.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("web-task")})
	if err != nil {
		t.Fatal(err)
	}
	api := func() string {
		out, err := cs.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{"api"}})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.Services[0].TaskDefinition)
	}
	apiTD := api()
	liveEnv(t, cfg)

	dir := t.TempDir()
	planFile := filepath.Join(dir, "plan.json")
	if out, errOut, code := runCLI(t, "plan", "--out", planFile); code != exitOK {
		t.Fatalf("plan: exit %d\n%s\n%s", code, out, errOut)
	}
	if _, errOut, code := runCLI(t, "approve", planFile, "--by", "alice"); code != 0 {
		t.Fatalf("approve: %s", errOut)
	}
	p, err := plan.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	account := p.Actions[0].Account
	svcArn := "arn:aws:ecs:us-east-1:" + account + ":service/prod/api"
	world22 := plan.IngressRule{Protocol: "tcp", FromPort: 22, ToPort: 22, CidrIPv4: "0.0.0.0/0"}
	no := false
	yes := true
	attack := func(hash, planPath string) []fix.Record {
		now := time.Now().UTC()
		return []fix.Record{
			{Type: fix.RecHeader, Time: now, FormatVersion: fix.JournalFormatVersion, PlanHash: hash, PlanPath: planPath, Account: account},
			{Type: fix.RecStarted, Time: now, Action: "a1", ActionType: plan.UpdateService, Region: "us-east-1", Resource: svcArn,
				Before: &fix.StateRecord{Cluster: "prod", Service: "api", TaskDefinition: aws.ToString(evil.TaskDefinition.TaskDefinitionArn)},
				After:  &fix.StateRecord{Cluster: "prod", Service: "api", TaskDefinition: apiTD}},
			{Type: fix.RecStarted, Time: now, Action: "a2", ActionType: plan.UpdateSecurityGroupIngress, Region: "us-east-1", Resource: aws.ToString(quiet.GroupId),
				Before: &fix.StateRecord{GroupID: aws.ToString(quiet.GroupId), Ingress: []plan.IngressRule{world22}},
				After:  &fix.StateRecord{GroupID: aws.ToString(quiet.GroupId), Ingress: []plan.IngressRule{}}},
			{Type: fix.RecStarted, Time: now, Action: "a3", ActionType: plan.RemovePolicyStatements, Region: "us-east-1", Resource: aws.ToString(role.Role.Arn),
				Before: &fix.StateRecord{RoleArn: aws.ToString(role.Role.Arn), PolicyName: "pwn", PolicyExists: &yes,
					PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`},
				After: &fix.StateRecord{RoleArn: aws.ToString(role.Role.Arn), PolicyName: "pwn", PolicyExists: &no}},
		}
	}
	unchanged := func(what string) {
		t.Helper()
		if got := api(); got != apiTD {
			t.Errorf("%s: service api moved to %s", what, got)
		}
		g, err := e2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{aws.ToString(quiet.GroupId)}})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(g.SecurityGroups[0].IpPermissions); n != 0 {
			t.Errorf("%s: group quiet has %d ingress rules", what, n)
		}
		if _, err := im.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("web-task"), PolicyName: aws.String("pwn")}); err == nil {
			t.Errorf("%s: role web-task has the policy pwn", what)
		}
	}
	journal := filepath.Join(dir, "forged.journal")
	cases := []struct {
		name  string
		recs  []fix.Record
		chain bool
		args  []string
		want  int
		says  string
	}{
		{"two lines, no chain, no plan", attack("sha256:"+strings.Repeat("0", 64), "")[:2], false, nil, exitJournalRefused, "line 1"},
		{"chained, names no plan", attack("sha256:"+strings.Repeat("0", 64), ""), true, nil, exitUsage, "does not name its plan"},
		{"chained, names a plan that is not its own", attack("sha256:"+strings.Repeat("0", 64), planFile), true, nil, exitJournalRefused, "records plan"},
		{"chained, the approved plan's hash, --plan", attack(p.ContentHash(), ""), true, []string{"--plan", planFile}, exitError, "refused"},
		{"chained, the approved plan's hash, from the header", attack(p.ContentHash(), planFile), true, nil, exitError, "refused"},
	}
	for _, c := range cases {
		forgeJournal(t, journal, c.chain, c.recs...)
		args := append(append([]string{"rollback"}, c.args...), journal)
		out, errOut, code := runCLI(t, args...)
		if code != c.want || !strings.Contains(out+errOut, c.says) {
			t.Errorf("%s: exit %d (want %d), output does not say %q:\n%s\n%s", c.name, code, c.want, c.says, out, errOut)
		}
		unchanged(c.name)
	}
}
