// This file holds the test of the launcher's mend of managed termination protection's preconditions.

package mototest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
)

// The launcher's mend: UpdateCapacityProvider (and CreateCapacityProvider) with managed termination
// protection ENABLED is refused with AWS's ClientException while the provider's Auto Scaling group does
// not protect new instances from scale-in, or while the provider's managed scaling is not ENABLED; once
// both hold it is accepted, and DescribeCapacityProviders reports it. Through the SDK's real requests.
func TestCapacityProviderTerminationProtectionMend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := Config(t, MaxAttempts(1))
	asc, c := autoscaling.NewFromConfig(cfg), ecs.NewFromConfig(cfg)
	if _, err := asc.CreateLaunchConfiguration(ctx, &autoscaling.CreateLaunchConfigurationInput{
		LaunchConfigurationName: aws.String("lc"), ImageId: aws.String("ami-12c6146b"), InstanceType: aws.String("t3.micro")}); err != nil {
		t.Fatal(err)
	}
	var arns []string
	for _, name := range []string{"nodes", "spare"} {
		if _, err := asc.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String(name),
			LaunchConfigurationName: aws.String("lc"), MinSize: aws.Int32(0), MaxSize: aws.Int32(2), AvailabilityZones: []string{Region + "a"}}); err != nil {
			t.Fatal(err)
		}
		out, err := asc.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{name}})
		if err != nil || len(out.AutoScalingGroups) != 1 {
			t.Fatalf("describe %s: %v", name, err)
		}
		arns = append(arns, aws.ToString(out.AutoScalingGroups[0].AutoScalingGroupARN))
	}
	refused := func(err error, want string) {
		t.Helper()
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "ClientException" || !strings.Contains(ae.ErrorMessage(), want) {
			t.Errorf("err = %v, want ClientException %q", err, want)
		}
	}
	const noGroupProtection = "the Auto Scaling group must have instance protection from scale in enabled"

	// Creating a provider with the protection on a group without scale-in protection is refused.
	_, err := c.CreateCapacityProvider(ctx, &ecs.CreateCapacityProviderInput{Name: aws.String("direct"),
		AutoScalingGroupProvider: &ecstypes.AutoScalingGroupProvider{AutoScalingGroupArn: aws.String(arns[1]),
			ManagedScaling:               &ecstypes.ManagedScaling{Status: ecstypes.ManagedScalingStatusEnabled},
			ManagedTerminationProtection: ecstypes.ManagedTerminationProtectionEnabled}})
	refused(err, noGroupProtection)

	for _, p := range []struct {
		name, group string
		scaling     ecstypes.ManagedScalingStatus
	}{{"scaled", arns[0], ecstypes.ManagedScalingStatusEnabled}, {"manual", arns[1], ecstypes.ManagedScalingStatusDisabled}} {
		if _, err := c.CreateCapacityProvider(ctx, &ecs.CreateCapacityProviderInput{Name: aws.String(p.name),
			AutoScalingGroupProvider: &ecstypes.AutoScalingGroupProvider{AutoScalingGroupArn: aws.String(p.group),
				ManagedScaling:               &ecstypes.ManagedScaling{Status: p.scaling},
				ManagedTerminationProtection: ecstypes.ManagedTerminationProtectionDisabled}}); err != nil {
			t.Fatal(err)
		}
	}
	enable := func(name string) error {
		_, err := c.UpdateCapacityProvider(ctx, &ecs.UpdateCapacityProviderInput{Name: aws.String(name),
			AutoScalingGroupProvider: &ecstypes.AutoScalingGroupProviderUpdate{ManagedTerminationProtection: ecstypes.ManagedTerminationProtectionEnabled}})
		return err
	}
	protection := func(name string) ecstypes.ManagedTerminationProtection {
		t.Helper()
		out, err := c.DescribeCapacityProviders(ctx, &ecs.DescribeCapacityProvidersInput{CapacityProviders: []string{name}})
		if err != nil || len(out.CapacityProviders) != 1 {
			t.Fatalf("describe %s: %v", name, err)
		}
		return out.CapacityProviders[0].AutoScalingGroupProvider.ManagedTerminationProtection
	}

	refused(enable("scaled"), noGroupProtection)
	if got := protection("scaled"); got != ecstypes.ManagedTerminationProtectionDisabled {
		t.Errorf("after the refusal: managedTerminationProtection = %s", got)
	}
	for _, name := range []string{"nodes", "spare"} {
		if _, err := asc.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String(name),
			NewInstancesProtectedFromScaleIn: aws.Bool(true)}); err != nil {
			t.Fatal(err)
		}
	}
	refused(enable("manual"), "managed scaling must be enabled")
	if err := enable("scaled"); err != nil {
		t.Fatalf("with the group's protection and managed scaling: %v", err)
	}
	if got := protection("scaled"); got != ecstypes.ManagedTerminationProtectionEnabled {
		t.Errorf("after the update: managedTerminationProtection = %s, want ENABLED", got)
	}
}
