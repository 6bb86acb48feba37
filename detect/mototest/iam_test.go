package mototest

// Tests of the IAM-enforcing server and of the launcher's mends that make moto evaluate what ecsfix's
// documented policies use, through the SDK.

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"github.com/aws/smithy-go"
)

// denied tells whether err is the API's refusal of an unauthorized call, decoded by the SDK.
func denied(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && (ae.ErrorCode() == "AccessDeniedException" || ae.ErrorCode() == "AccessDenied")
}

func TestIAMEnforcedMends(t *testing.T) {
	ctx := context.Background()
	admin := IAMEnforced(t)
	im := iam.NewFromConfig(admin)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	for _, r := range []string{"mend-allowed", "mend-other"} {
		if _, err := im.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(r), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"AdministratorAccess", "ReadOnlyAccess"} {
		if _, err := im.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("mend-allowed"), PolicyArn: aws.String("arn:aws:iam::aws:policy/" + p)}); err != nil {
			t.Fatal(err)
		}
	}
	user, _ := UserConfig(t, admin, "mend-user", `{"Version":"2012-10-17","Statement":[
		{"Sid":"Secrets","Effect":"Allow","Action":["secretsmanager:CreateSecret","secretsmanager:DescribeSecret"],"Resource":"arn:aws:secretsmanager:*:`+IAMAccount+`:secret:mend/*"},
		{"Sid":"Logs","Effect":"Allow","Action":"logs:CreateLogGroup","Resource":"arn:aws:logs:*:`+IAMAccount+`:log-group:/mend/*"},
		{"Sid":"Detach","Effect":"Allow","Action":"iam:DetachRolePolicy","Resource":"arn:aws:iam::`+IAMAccount+`:role/mend-allowed",
		 "Condition":{"ArnEquals":{"iam:PolicyARN":"arn:aws:iam::aws:policy/AdministratorAccess"}}},
		{"Sid":"Register","Effect":"Allow","Action":"ecs:RegisterTaskDefinition","Resource":"*"},
		{"Sid":"Pass","Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::`+IAMAccount+`:role/mend-allowed",
		 "Condition":{"StringEquals":{"iam:PassedToService":"ecs-tasks.amazonaws.com"}}},
		{"Sid":"Findings","Effect":"Allow","Action":"securityhub:BatchUpdateFindings","Resource":"*"},
		{"Sid":"NeverSuppress","Effect":"Deny","Action":"securityhub:BatchUpdateFindings","Resource":"*",
		 "Condition":{"StringEquals":{"securityhub:ASFFSyntaxPath/Workflow.Status":"SUPPRESSED"}}},
		{"Sid":"NeverSuppressOCSF","Effect":"Deny","Action":"securityhub:BatchUpdateFindings","Resource":"*",
		 "Condition":{"StringEquals":{"securityhub:OCSFSyntaxPath/StatusId":"3"}}}
	]}`)

	// Enforcement: an action the policy does not name is refused, with an error the SDK decodes.
	if _, err := ecs.NewFromConfig(user).ListClusters(ctx, &ecs.ListClustersInput{}); !denied(err) {
		t.Errorf("ListClusters, not allowed: %v, want AccessDeniedException", err)
	}
	if _, err := iam.NewFromConfig(user).ListRoles(ctx, &iam.ListRolesInput{}); !denied(err) {
		t.Errorf("ListRoles, not allowed: %v, want AccessDenied", err)
	}
	if _, err := securityhub.NewFromConfig(user).GetFindings(ctx, &securityhub.GetFindingsInput{}); !denied(err) {
		t.Errorf("Security Hub GetFindings, not allowed: %v, want AccessDeniedException", err)
	}
	// Resource ARNs of secrets and log groups.
	sm := secretsmanager.NewFromConfig(user)
	if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("mend/a"), SecretString: aws.String("x")}); err != nil {
		t.Errorf("CreateSecret under the allowed prefix: %v", err)
	}
	if _, err := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("mend/a")}); err != nil {
		t.Errorf("DescribeSecret under the allowed prefix: %v", err)
	}
	if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("other/a"), SecretString: aws.String("x")}); !denied(err) {
		t.Errorf("CreateSecret outside the prefix: %v, want AccessDeniedException", err)
	}
	lg := cloudwatchlogs.NewFromConfig(user)
	if _, err := lg.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/mend/a")}); err != nil {
		t.Errorf("CreateLogGroup under the allowed prefix: %v", err)
	}
	if _, err := lg.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/other/a")}); !denied(err) {
		t.Errorf("CreateLogGroup outside the prefix: %v, want AccessDeniedException", err)
	}
	// The iam:PolicyARN condition: AdministratorAccess may be detached, ReadOnlyAccess may not.
	ui := iam.NewFromConfig(user)
	if _, err := ui.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("mend-allowed"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}); !denied(err) {
		t.Errorf("DetachRolePolicy of a policy the condition does not name: %v, want AccessDenied", err)
	}
	if _, err := ui.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("mend-allowed"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")}); err != nil {
		t.Errorf("DetachRolePolicy of AdministratorAccess: %v", err)
	}
	// iam:PassRole for the roles a registration names.
	ue := ecs.NewFromConfig(user)
	register := func(role string) error {
		_, err := ue.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("mend"),
			TaskRoleArn:          aws.String("arn:aws:iam::" + IAMAccount + ":role/" + role),
			ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("c"), Image: aws.String("i"), Memory: aws.Int32(64)}}})
		return err
	}
	if err := register("mend-allowed"); err != nil {
		t.Errorf("RegisterTaskDefinition with a role PassRole allows: %v", err)
	}
	if err := register("mend-other"); !denied(err) {
		t.Errorf("RegisterTaskDefinition with a role PassRole does not allow: %v, want AccessDeniedException", err)
	}
	// securityhub:ASFFSyntaxPath/Workflow.Status: a Deny on SUPPRESSED refuses that status only.
	update := func(cfg aws.Config, status shtypes.WorkflowStatus) error {
		_, err := securityhub.NewFromConfig(cfg).BatchUpdateFindings(ctx, &securityhub.BatchUpdateFindingsInput{
			FindingIdentifiers: []shtypes.AwsSecurityFindingIdentifier{{Id: aws.String("f"), ProductArn: aws.String("arn:aws:securityhub:us-east-1::product/aws/securityhub")}},
			Workflow:           &shtypes.WorkflowUpdate{Status: status}})
		return err
	}
	if err := update(user, shtypes.WorkflowStatusResolved); err != nil {
		t.Errorf("BatchUpdateFindings to RESOLVED under a Deny on SUPPRESSED: %v", err)
	}
	if err := update(user, shtypes.WorkflowStatusSuppressed); !denied(err) {
		t.Errorf("BatchUpdateFindings to SUPPRESSED under a Deny on SUPPRESSED: %v, want AccessDeniedException", err)
	}
	// BatchUpdateFindingsV2 is authorised as securityhub:BatchUpdateFindings, its status by
	// securityhub:OCSFSyntaxPath/StatusId (3 is Suppressed).
	updateV2 := func(cfg aws.Config, status int32) error {
		_, err := securityhub.NewFromConfig(cfg).BatchUpdateFindingsV2(ctx, &securityhub.BatchUpdateFindingsV2Input{
			FindingIdentifiers: []shtypes.OcsfFindingIdentifier{{CloudAccountUid: aws.String(IAMAccount), FindingInfoUid: aws.String("f"),
				MetadataProductUid: aws.String("arn:aws:securityhub:us-east-1::product/aws/securityhub")}},
			StatusId: aws.Int32(status)})
		return err
	}
	if err := updateV2(user, 4); err != nil {
		t.Errorf("BatchUpdateFindingsV2 to Resolved (4) under a Deny on StatusId 3: %v", err)
	}
	if err := updateV2(user, 3); !denied(err) {
		t.Errorf("BatchUpdateFindingsV2 to Suppressed (3) under a Deny on StatusId 3: %v, want AccessDeniedException", err)
	}
	// A Deny whose condition the emulator cannot evaluate applies: refused where AWS might allow, never the reverse.
	strict, _ := UserConfig(t, admin, "mend-user-strict", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"securityhub:BatchUpdateFindings","Resource":"*"},
		{"Effect":"Deny","Action":"securityhub:BatchUpdateFindings","Resource":"*",
		 "Condition":{"StringEquals":{"securityhub:ASFFSyntaxPath/Severity.Label":"CRITICAL"}}}
	]}`)
	if err := update(strict, shtypes.WorkflowStatusResolved); !denied(err) {
		t.Errorf("BatchUpdateFindings under a Deny on a key the emulator does not evaluate: %v, want AccessDeniedException", err)
	}
}

// TestServiceAssignPublicIPMend: a service created without assignPublicIp reads back DISABLED, as on AWS.
func TestServiceAssignPublicIPMend(t *testing.T) {
	ctx := context.Background()
	cfg := Config(t)
	subnets, err := ec2.NewFromConfig(cfg).DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	if err != nil || len(subnets.Subnets) == 0 {
		t.Fatalf("default subnets: %v", err)
	}
	sg, err := ec2.NewFromConfig(cfg).CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("s"), Description: aws.String("s"), VpcId: subnets.Subnets[0].VpcId})
	if err != nil {
		t.Fatal(err)
	}
	cs := ecs.NewFromConfig(cfg)
	if _, err := cs.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("c")}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("f"), NetworkMode: ecstypes.NetworkModeAwsvpc,
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("c"), Image: aws.String("i"), Memory: aws.Int32(64)}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("c"), ServiceName: aws.String("s"), TaskDefinition: aws.String("f"),
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: []string{aws.ToString(subnets.Subnets[0].SubnetId)}, SecurityGroups: []string{aws.ToString(sg.GroupId)}}}}); err != nil {
		t.Fatal(err)
	}
	out, err := cs.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("c"), Services: []string{"s"}})
	if err != nil || len(out.Services) != 1 || out.Services[0].NetworkConfiguration == nil {
		t.Fatalf("describe: %v", err)
	}
	if got := out.Services[0].NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp; got != ecstypes.AssignPublicIpDisabled {
		t.Errorf("assignPublicIp = %q, want DISABLED", got)
	}
}
