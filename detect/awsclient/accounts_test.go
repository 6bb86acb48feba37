package awsclient

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/ecsfix/ecsfix/detect/mototest"
)

func TestMain(m *testing.M) { mototest.Main(m) }

func TestAccountNames(t *testing.T) {
	for id, ok := range map[string]bool{"123456789012": true, "12345678901": false, "1234567890123": false, "12345678901a": false, "": false, " 123456789012": false} {
		if ValidAccountID(id) != ok {
			t.Errorf("ValidAccountID(%q) = %v", id, !ok)
		}
	}
	if got := RoleARN("aws-cn", "123456789012", "/ops/ecsfix-member"); got != "arn:aws-cn:iam::123456789012:role/ops/ecsfix-member" {
		t.Errorf("RoleARN = %s", got)
	}
	if got := PartitionOf("arn:aws-us-gov:sts::123456789012:assumed-role/x/y"); got != "aws-us-gov" {
		t.Errorf("PartitionOf = %s", got)
	}
	if got := PartitionOf("not an arn"); got != "aws" {
		t.Errorf("PartitionOf(not an ARN) = %s", got)
	}
}

// The organization's ACTIVE accounts, every page of them; a closed account is left out.
func TestOrganizationAccounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := mototest.Config(t)
	org := organizations.NewFromConfig(cfg)
	if _, err := org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}); err != nil {
		t.Fatal(err)
	}
	want := []string{mototest.AccountID(cfg)}
	for _, name := range []string{"a", "b", "c", "d"} {
		out, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String(name), Email: aws.String(name + "@example.com")})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, aws.ToString(out.CreateAccountStatus.AccountId))
	}
	closed := want[len(want)-1]
	if _, err := org.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: aws.String(closed)}); err != nil {
		t.Fatal(err)
	}
	want = want[:len(want)-1]
	slices.Sort(want)
	got, err := organizationAccounts(ctx, cfg, 2) // three pages
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("accounts = %v, want %v (not the closed %s)", got, want, closed)
	}
}

// CheckAccount: a role assumed in its account passes; one that does not exist is refused with AWS's
// error; credentials in another account than the one wanted are ErrWrongAccount.
func TestCheckAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	member := mototest.Config(t)
	if _, err := iam.NewFromConfig(member).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("R"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	id := mototest.AccountID(member)
	caller := mototest.KeyConfig(t, mototest.Config(t))
	if err := CheckAccount(ctx, AssumeRole(caller, RoleARN("aws", id, "R"), "ext-1", SessionName("scan")), id); err != nil {
		t.Errorf("the member's role: %v", err)
	}
	err := CheckAccount(ctx, AssumeRole(caller, RoleARN("aws", id, "Missing"), "", SessionName("scan")), id)
	if err == nil || !strings.Contains(err.Error(), "AccessDenied") || !strings.Contains(err.Error(), "sts AssumeRole") {
		t.Errorf("a missing role: err = %v", err)
	}
	if err := CheckAccount(ctx, caller, id); !errors.Is(err, ErrWrongAccount) {
		t.Errorf("the caller's own credentials for the member: err = %v, want ErrWrongAccount", err)
	}
}
