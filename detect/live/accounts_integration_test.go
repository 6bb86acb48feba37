package live

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/ecsfix/ecsfix/detect/awsclient"
	"github.com/ecsfix/ecsfix/detect/mototest"
)

// memberWithCluster makes an emulated account holding one cluster named name, and the role R when
// withRole, and returns the account's id.
func memberWithCluster(t *testing.T, name string, withRole bool) string {
	t.Helper()
	cfg := mototest.Config(t)
	ctx := context.Background()
	if _, err := ecs.NewFromConfig(cfg).CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if withRole {
		trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`
		if _, err := iam.NewFromConfig(cfg).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("R"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
			t.Fatal(err)
		}
	}
	return mototest.AccountID(cfg)
}

func TestScanAccountsMoto(t *testing.T) {
	t.Parallel()
	caller := mototest.Config(t)
	if _, err := ecs.NewFromConfig(caller).CreateCluster(context.Background(), &ecs.CreateClusterInput{ClusterName: aws.String("own")}); err != nil {
		t.Fatal(err)
	}
	own := mototest.AccountID(caller)
	keys := mototest.KeyConfig(t, caller) // moto maps these keys, and the roles they assume, to accounts
	a := memberWithCluster(t, "member-a", true)
	b := memberWithCluster(t, "member-b", false)
	c := memberWithCluster(t, "member-c", true)
	target := func(account, roleAccount string) Target {
		arn := awsclient.RoleARN("aws", roleAccount, "R")
		return Target{Account: account, Role: arn, Config: awsclient.AssumeRole(keys, arn, "", awsclient.SessionName("scan"))}
	}
	opts := motoOptions
	opts.AccountConcurrency = 2
	inv, _, err := ScanAccounts(context.Background(), []Target{
		{Account: own, Config: keys},
		target(a, a),
		target(b, b),              // no role R in b: cannot be assumed
		target("999999999999", c), // the role is in another account than the target's
	}, opts)
	if err != nil {
		t.Fatal(err)
	}
	got := ids(inv.Clusters, func(c ecstypes.Cluster) string { return aws.ToString(c.ClusterArn) })
	want := sorted("arn:aws:ecs:us-east-1:"+own+":cluster/own", "arn:aws:ecs:us-east-1:"+a+":cluster/member-a")
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("clusters = %v, want %v", got, want)
	}
	if len(inv.Errors) != 2 {
		t.Fatalf("errors = %+v, want one for %s and one for 999999999999", inv.Errors, b)
	}
	byAccount := map[string]string{}
	for _, e := range inv.Errors {
		byAccount[e.Account] = e.Error()
		if e.Operation != "sts:AssumeRole" || e.ResourceType != "Account" {
			t.Errorf("error %+v: want an sts:AssumeRole error of the account", e)
		}
	}
	if m := byAccount[b]; !strings.Contains(m, "account "+b) || !strings.Contains(m, "AccessDenied") || !strings.Contains(m, "role/R") {
		t.Errorf("error of %s = %q, want the account, the role and AWS's refusal", b, m)
	}
	if m := byAccount["999999999999"]; !strings.Contains(m, "another account") || !strings.Contains(m, c) {
		t.Errorf("error of the mismatched account = %q, want it to say the credentials are in %s", m, c)
	}
}
