package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/plan"
)

// capacityEstate creates two Auto Scaling groups without scale-in protection of new instances, and a
// capacity provider on each with managed termination protection DISABLED: "nodes" with managed scaling
// ENABLED (fixable), "manual" with it DISABLED (not fixed: turning it on is the operator's decision). It
// returns the groups' ARNs by name.
func capacityEstate(t *testing.T, ctx context.Context, cfg aws.Config) map[string]string {
	t.Helper()
	asc, c := autoscaling.NewFromConfig(cfg), ecs.NewFromConfig(cfg)
	if _, err := asc.CreateLaunchConfiguration(ctx, &autoscaling.CreateLaunchConfigurationInput{
		LaunchConfigurationName: aws.String("ecs-nodes"), ImageId: aws.String("ami-12c6146b"), InstanceType: aws.String("t3.micro")}); err != nil {
		t.Fatal(err)
	}
	arns := map[string]string{}
	for _, p := range []struct {
		provider string
		scaling  ecstypes.ManagedScalingStatus
	}{{"nodes", ecstypes.ManagedScalingStatusEnabled}, {"manual", ecstypes.ManagedScalingStatusDisabled}} {
		group := p.provider + "-asg"
		if _, err := asc.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String(group),
			LaunchConfigurationName: aws.String("ecs-nodes"), MinSize: aws.Int32(0), MaxSize: aws.Int32(2), AvailabilityZones: []string{mototest.Region + "a"}}); err != nil {
			t.Fatal(err)
		}
		arns[group] = groupARN(t, ctx, cfg, group)
		if _, err := c.CreateCapacityProvider(ctx, &ecs.CreateCapacityProviderInput{Name: aws.String(p.provider),
			AutoScalingGroupProvider: &ecstypes.AutoScalingGroupProvider{AutoScalingGroupArn: aws.String(arns[group]),
				ManagedScaling:               &ecstypes.ManagedScaling{Status: p.scaling},
				ManagedTerminationProtection: ecstypes.ManagedTerminationProtectionDisabled}}); err != nil {
			t.Fatal(err)
		}
	}
	return arns
}

func groupARN(t *testing.T, ctx context.Context, cfg aws.Config, name string) string {
	t.Helper()
	out, err := autoscaling.NewFromConfig(cfg).DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{name}})
	if err != nil || len(out.AutoScalingGroups) != 1 {
		t.Fatalf("describe Auto Scaling group %s: %v", name, err)
	}
	return aws.ToString(out.AutoScalingGroups[0].AutoScalingGroupARN)
}

// protections reads back, through the SDK, whether group protects new instances from scale-in and the
// managed termination protection of provider.
func protections(t *testing.T, cfg aws.Config, group, provider string) (bool, ecstypes.ManagedTerminationProtection) {
	t.Helper()
	ctx := context.Background()
	g, err := autoscaling.NewFromConfig(cfg).DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{group}})
	if err != nil || len(g.AutoScalingGroups) != 1 {
		t.Fatalf("describe Auto Scaling group %s: %v", group, err)
	}
	cp, err := ecs.NewFromConfig(cfg).DescribeCapacityProviders(ctx, &ecs.DescribeCapacityProvidersInput{CapacityProviders: []string{provider}})
	if err != nil || len(cp.CapacityProviders) != 1 {
		t.Fatalf("describe capacity provider %s: %v", provider, err)
	}
	return aws.ToBool(g.AutoScalingGroups[0].NewInstancesProtectedFromScaleIn), cp.CapacityProviders[0].AutoScalingGroupProvider.ManagedTerminationProtection
}

// TestECS19FixEndToEnd plans the ECS.19 fix on the emulator through the CLI (the live scan reads the
// providers' Auto Scaling groups), refuses a plan edited to target another group, applies the approved
// plan — the group's scale-in protection of new instances, then the provider's managed termination
// protection, which the emulator (mended as AWS) refuses in the other order — reads both back through the
// SDK, finds nothing left to fix on re-planning, and rolls both back.
func TestECS19FixEndToEnd(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	groups := capacityEstate(t, ctx, cfg)
	liveEnv(t, cfg)
	t.Setenv("ECSFIX_FIX_CONTROLS", "ECS.19")
	dir := t.TempDir()
	planFile := filepath.Join(dir, "plan.json")

	out, errOut, code := runCLI(t, "plan", "--out", planFile)
	if code != exitOK {
		t.Fatalf("plan: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitOK, out, errOut)
	}
	for _, want := range []string{
		"update-auto-scaling-group", "update-capacity-provider",
		"protect new instances of Auto Scaling group nodes-asg from scale-in (for capacity provider nodes)",
		"enable managed termination protection on capacity provider nodes",
		"+NewInstancesProtectedFromScaleIn: true", "+managedTerminationProtection: ENABLED",
		"managed scaling is DISABLED: managed termination protection works only with managed scaling ENABLED",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "manual-asg from scale-in") {
		t.Errorf("the plan changes the group of the provider whose managed scaling is off:\n%s", out)
	}
	if out, errOut, code = runCLI(t, "approve", planFile, "--by", "alice", "--ticket", "OPS-19"); code != 0 {
		t.Fatalf("approve: exit %d\n%s%s", code, out, errOut)
	}
	approved, err := os.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	// A plan edited to turn on the protection of another group (the one of the provider left alone,
	// fingerprinted as it is, so that the stale check passes) is refused before anything is written: the
	// provider as read uses nodes-asg.
	tp, err := plan.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	for i := range tp.Actions {
		if g := tp.Actions[i].UpdateAutoScalingGroup; g != nil {
			tp.Actions[i].Resource, g.AutoScalingGroup, g.Name = groups["manual-asg"], groups["manual-asg"], "manual-asg"
		}
		if c := tp.Actions[i].UpdateCapacityProvider; c != nil { // still the group update's provider update (a lone group update is invalid)
			c.AutoScalingGroup = groups["manual-asg"]
		}
	}
	tp.State = append(tp.State, plan.Fingerprint{Resource: groups["manual-asg"], ResourceType: detect.TypeAutoScalingGroup, Region: mototest.Region,
		Facts: map[string]string{plan.FactScaleInProtection: "false", plan.FactStatus: ""}})
	var buf bytes.Buffer
	if err := plan.Write(&buf, tp); err != nil {
		t.Fatal(err)
	}
	tampered := buf.String()
	if tampered == string(approved) {
		t.Fatal("the tamper changed nothing")
	}
	tamperedFile := filepath.Join(dir, "tampered.json")
	if err := os.WriteFile(tamperedFile, []byte(tampered), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, code = runCLI(t, "apply", tamperedFile, "--journal", filepath.Join(dir, "tampered.journal"))
	if code != exitError || !strings.Contains(errOut, "whose Auto Scaling group as read is "+groups["nodes-asg"]) {
		t.Errorf("a plan edited to target another group: exit %d, want %d naming the group read\n%s", code, exitError, errOut)
	}
	for _, g := range []string{"nodes", "manual"} {
		if protected, mtp := protections(t, cfg, g+"-asg", g); protected || mtp != ecstypes.ManagedTerminationProtectionDisabled {
			t.Fatalf("a refused apply changed %s: protected %t, managed termination protection %s", g, protected, mtp)
		}
	}

	out, errOut, code = runCLI(t, "apply", planFile, "--dry-run")
	if code != 0 || !strings.Contains(out, `would call autoscaling:UpdateAutoScalingGroup {"AutoScalingGroupName":"nodes-asg","NewInstancesProtectedFromScaleIn":true}`) ||
		!strings.Contains(out, `would call ecs:UpdateCapacityProvider {"autoScalingGroupProvider":{"managedTerminationProtection":"ENABLED"},"name":"nodes"}`) {
		t.Errorf("dry run: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}

	journal := filepath.Join(dir, "apply.journal")
	out, errOut, code = runCLI(t, "apply", planFile, "--journal", journal)
	if code != 0 {
		t.Fatalf("apply: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if protected, mtp := protections(t, cfg, "nodes-asg", "nodes"); !protected || mtp != ecstypes.ManagedTerminationProtectionEnabled {
		t.Errorf("after apply: nodes-asg protects new instances %t, nodes' managed termination protection %s; want true, ENABLED", protected, mtp)
	}
	if protected, mtp := protections(t, cfg, "manual-asg", "manual"); protected || mtp != ecstypes.ManagedTerminationProtectionDisabled {
		t.Errorf("after apply: the provider left alone changed: %t, %s", protected, mtp)
	}

	// Re-planning finds nothing left to fix but the provider it leaves to the operator.
	again := filepath.Join(dir, "again.json")
	out, errOut, code = runCLI(t, "plan", "--out", again)
	if code != exitOK {
		t.Fatalf("re-plan: exit %d\n%s", code, errOut)
	}
	if strings.Contains(out, "update-capacity-provider") || strings.Contains(out, "update-auto-scaling-group") {
		t.Errorf("re-plan after apply still changes a capacity provider or group:\n%s", out)
	}

	out, errOut, code = runCLI(t, "rollback", journal)
	if code != 0 {
		t.Fatalf("rollback: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if protected, mtp := protections(t, cfg, "nodes-asg", "nodes"); protected || mtp != ecstypes.ManagedTerminationProtectionDisabled {
		t.Errorf("after rollback: nodes-asg protects new instances %t, nodes' managed termination protection %s; want false, DISABLED", protected, mtp)
	}
	if i, j := strings.Index(out, "returning capacity provider nodes"), strings.Index(out, "returning Auto Scaling group nodes-asg"); i < 0 || j < 0 || i > j {
		t.Errorf("rollback does not return the provider, then its group:\n%s", out)
	}
}

// TestECS19ReadmePoliciesOnIAMEnforcingEmulator plans, applies and rolls back the ECS.19 fix as IAM users
// holding exactly the README's policies: the scan policy to scan and plan (it reads the providers'
// groups), the apply policy with the EcsfixCapacityProviders block to apply and roll back. A user without
// autoscaling:UpdateAutoScalingGroup is refused, so the emulator does enforce the block. The providers
// and groups are deleted afterwards: the IAM-enforcing emulator's account is shared with other tests.
func TestECS19ReadmePoliciesOnIAMEnforcingEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: the IAM-enforcing emulator")
	}
	ctx := context.Background()
	admin := mototest.IAMEnforced(t)
	capacityEstate(t, ctx, admin)
	t.Cleanup(func() {
		c, asc := ecs.NewFromConfig(admin), autoscaling.NewFromConfig(admin)
		for _, name := range []string{"nodes", "manual"} {
			_, _ = c.DeleteCapacityProvider(ctx, &ecs.DeleteCapacityProviderInput{CapacityProvider: aws.String(name)})
			_, _ = asc.DeleteAutoScalingGroup(ctx, &autoscaling.DeleteAutoScalingGroupInput{AutoScalingGroupName: aws.String(name + "-asg"), ForceDelete: aws.Bool(true)})
		}
		_, _ = asc.DeleteLaunchConfiguration(ctx, &autoscaling.DeleteLaunchConfigurationInput{LaunchConfigurationName: aws.String("ecs-nodes")})
	})
	pol := readmePolicies(t, mototest.IAMAccount)
	if pol["EcsfixCapacityProviders"] == "" {
		t.Fatal("the README has no policy starting with statement EcsfixCapacityProviders")
	}
	_, scanEnv := mototest.UserConfig(t, admin, "ecsfix-ecs19-scan", pol["EcsfixScan"])
	_, applyEnv := mototest.UserConfig(t, admin, "ecsfix-ecs19-apply", pol["EcsfixApply"], pol["EcsfixCapacityProviders"])
	_, shortEnv := mototest.UserConfig(t, admin, "ecsfix-ecs19-short", pol["EcsfixApply"], without(t, pol["EcsfixCapacityProviders"], "autoscaling:UpdateAutoScalingGroup"))
	t.Setenv("ECSFIX_FIX_CONTROLS", "ECS.19")
	dir := t.TempDir()
	planFile := filepath.Join(dir, "plan.json")
	cli := func(env []string, want int, args ...string) string {
		t.Helper()
		asUser(t, env)
		out, errOut, code := runCLI(t, args...)
		if code != want {
			t.Fatalf("ecsfix %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, out, errOut)
		}
		return out + errOut
	}
	out := cli(scanEnv, exitOK, "plan", "--out", planFile)
	if !strings.Contains(out, "update-auto-scaling-group") || !strings.Contains(out, "update-capacity-provider") {
		t.Fatalf("the plan lacks the ECS.19 actions, so their permissions are not checked:\n%s", out)
	}
	cli(applyEnv, exitOK, "approve", planFile, "--by", "alice", "--ticket", "OPS-19")
	out = cli(shortEnv, exitError, "apply", planFile, "--journal", filepath.Join(dir, "short.journal"))
	if !strings.Contains(out, "UpdateAutoScalingGroup") || !strings.Contains(out, "AccessDenied") {
		t.Errorf("an apply without autoscaling:UpdateAutoScalingGroup does not report the denied call:\n%s", out)
	}
	journal := filepath.Join(dir, "apply.journal")
	cli(applyEnv, exitOK, "apply", planFile, "--journal", journal)
	if protected, mtp := protections(t, admin, "nodes-asg", "nodes"); !protected || mtp != ecstypes.ManagedTerminationProtectionEnabled {
		t.Errorf("after apply: %t, %s", protected, mtp)
	}
	cli(applyEnv, exitOK, "rollback", "--plan", planFile, journal)
	if protected, mtp := protections(t, admin, "nodes-asg", "nodes"); protected || mtp != ecstypes.ManagedTerminationProtectionDisabled {
		t.Errorf("after rollback: %t, %s", protected, mtp)
	}
}

// asgSnapshotDoc is `aws autoscaling describe-auto-scaling-groups` output (as the CLI prints it) holding
// the demo's group ops-ec2-asg, its new instances not protected from scale-in.
const asgSnapshotDoc = `{
    "AutoScalingGroups": [
        {
            "AutoScalingGroupName": "ops-ec2-asg",
            "AutoScalingGroupARN": "arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:2f0b6d3e-91c4-4a8b-b6d1-3e5f7a9c0b12:autoScalingGroupName/ops-ec2-asg",
            "LaunchTemplate": {"LaunchTemplateId": "lt-0a1b2c3d4e5f60718", "LaunchTemplateName": "ops-ec2", "Version": "$Latest"},
            "MinSize": 1,
            "MaxSize": 4,
            "DesiredCapacity": 2,
            "DefaultCooldown": 300,
            "AvailabilityZones": ["eu-west-1a", "eu-west-1b"],
            "LoadBalancerNames": [],
            "TargetGroupARNs": [],
            "HealthCheckType": "EC2",
            "HealthCheckGracePeriod": 0,
            "Instances": [
                {"InstanceId": "i-0a1b2c3d4e5f60718", "InstanceType": "m6i.large", "AvailabilityZone": "eu-west-1a",
                 "LifecycleState": "InService", "HealthStatus": "Healthy", "ProtectedFromScaleIn": false}
            ],
            "CreatedTime": "2025-01-10T09:00:00.000Z",
            "SuspendedProcesses": [],
            "VPCZoneIdentifier": "subnet-0c3d4e5f6a7b8c910,subnet-0d4e5f6a7b8c9d021",
            "EnabledMetrics": [],
            "Tags": [{"ResourceId": "ops-ec2-asg", "ResourceType": "auto-scaling-group", "Key": "AmazonECSManaged", "Value": "", "PropagateAtLaunch": true}],
            "TerminationPolicies": ["Default"],
            "NewInstancesProtectedFromScaleIn": false,
            "ServiceLinkedRoleARN": "arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
            "CapacityRebalance": false,
            "TrafficSources": []
        }
    ]
}
`

// TestECS19FromSnapshot plans the ECS.19 fix offline: a snapshot holding describe-capacity-providers and
// describe-auto-scaling-groups output plans the group's protection, then the provider's; a group file
// without a group's name is a read error naming the file.
func TestECS19FromSnapshot(t *testing.T) {
	dir := t.TempDir()
	cps, err := os.ReadFile(filepath.Join(demo, "ecs", "capacity-providers.json"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"capacity-providers.json": string(cps), "auto-scaling-groups.json": asgSnapshotDoc} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("ECSFIX_FIX_CONTROLS", "ECS.19")
	out, errOut, code := runCLI(t, "plan", "--snapshot", dir)
	if code != exitOK {
		t.Fatalf("plan: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	g := strings.Index(out, "protect new instances of Auto Scaling group ops-ec2-asg from scale-in (for capacity provider ops-ec2-asg)")
	p := strings.Index(out, "enable managed termination protection on capacity provider ops-ec2-asg")
	if g < 0 || p < g || !strings.Contains(out, "depends on:  a1") {
		t.Errorf("the plan does not protect the group, then enable the provider's protection:\n%s", out)
	}

	bad := strings.Replace(asgSnapshotDoc, `"AutoScalingGroupName": "ops-ec2-asg",`, "", 1)
	if err := os.WriteFile(filepath.Join(dir, "auto-scaling-groups.json"), []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = runCLI(t, "plan", "--snapshot", dir)
	if code != exitIncomplete || !strings.Contains(out+errOut, "auto-scaling-groups.json error=\"AutoScalingGroups[0]: missing AutoScalingGroupName") {
		t.Errorf("a group without its name: exit %d, want %d naming the file\nstdout:\n%s\nstderr:\n%s", code, exitIncomplete, out, errOut)
	}
	if strings.Contains(out, "update-auto-scaling-group") {
		t.Errorf("a plan from an unreadable group file changes the group:\n%s", out)
	}
}

// TestECS19FromSecurityHubFinding plans the ECS.19 fix from a Security Hub finding on the capacity
// provider: the scan, narrowed to what the finding names, reads that provider and its Auto Scaling group,
// and the plan's actions resolve the finding.
func TestECS19FromSecurityHubFinding(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	capacityEstate(t, ctx, cfg)
	liveEnv(t, cfg)
	arn := "arn:aws:ecs:" + mototest.Region + ":" + mototest.AccountID(cfg) + ":capacity-provider/nodes"
	importSH(t, ctx, cfg, shFinding{id: "ecs19-nodes", control: "ECS.19", rtype: "AwsEcsCapacityProvider", arn: arn,
		compliance: shtypes.ComplianceStatusFailed, workflow: shtypes.WorkflowStatusNew})
	out, errOut, code := runCLI(t, "plan", "--findings", "securityhub")
	if code != exitOK {
		t.Fatalf("plan --findings: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{"update-auto-scaling-group", "update-capacity-provider", "ecs19-nodes"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan --findings lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "capacity-provider/manual") {
		t.Errorf("the plan names the provider no finding names:\n%s", out)
	}
}
