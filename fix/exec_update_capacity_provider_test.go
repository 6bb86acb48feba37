package fix

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	smithymw "github.com/aws/smithy-go/middleware"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/plan"
)

// capacityEstate is a capacity provider "nodes" (managed scaling ENABLED, managed termination protection
// DISABLED) on an Auto Scaling group "nodes-asg" whose new instances are not protected from scale-in,
// and the ECS.19 plan for them (the group's protection, then the provider's), as the planner makes it.
func capacityEstate(t *testing.T) (aws.Config, *plan.Plan) {
	t.Helper()
	cfg := mototest.Config(t, mototest.MaxAttempts(3))
	ctx := context.Background()
	asc, c := autoscaling.NewFromConfig(cfg), ecs.NewFromConfig(cfg)
	if _, err := asc.CreateLaunchConfiguration(ctx, &autoscaling.CreateLaunchConfigurationInput{
		LaunchConfigurationName: aws.String("lc"), ImageId: aws.String("ami-12c6146b"), InstanceType: aws.String("t3.micro")}); err != nil {
		t.Fatal(err)
	}
	if _, err := asc.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("nodes-asg"),
		LaunchConfigurationName: aws.String("lc"), MinSize: aws.Int32(0), MaxSize: aws.Int32(2), AvailabilityZones: []string{mototest.Region + "a"}}); err != nil {
		t.Fatal(err)
	}
	g, err := asc.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{"nodes-asg"}})
	if err != nil || len(g.AutoScalingGroups) != 1 {
		t.Fatalf("describe group: %v", err)
	}
	cp, err := c.CreateCapacityProvider(ctx, &ecs.CreateCapacityProviderInput{Name: aws.String("nodes"),
		AutoScalingGroupProvider: &ecstypes.AutoScalingGroupProvider{AutoScalingGroupArn: g.AutoScalingGroups[0].AutoScalingGroupARN,
			ManagedScaling:               &ecstypes.ManagedScaling{Status: ecstypes.ManagedScalingStatusEnabled},
			ManagedTerminationProtection: ecstypes.ManagedTerminationProtectionDisabled}})
	if err != nil {
		t.Fatal(err)
	}
	in := &detect.Inventory{CapacityProviders: []ecstypes.CapacityProvider{*cp.CapacityProvider}, AutoScalingGroups: g.AutoScalingGroups}
	p, err := plan.Build(in, detect.Evaluate(in, &detect.Settings{Now: time.Now()}), plan.Options{ToolVersion: "test", Now: time.Now(),
		Source: plan.Source{Kind: "live", Regions: []string{mototest.Region}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Actions) != 2 {
		t.Fatalf("the plan has %d actions, want the group's and the provider's", len(p.Actions))
	}
	return cfg, p
}

func readProtections(t *testing.T, cfg aws.Config) (bool, ecstypes.ManagedTerminationProtection) {
	t.Helper()
	ctx := context.Background()
	g, err := autoscaling.NewFromConfig(cfg).DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{"nodes-asg"}})
	if err != nil || len(g.AutoScalingGroups) != 1 {
		t.Fatalf("describe group: %v", err)
	}
	cp, err := ecs.NewFromConfig(cfg).DescribeCapacityProviders(ctx, &ecs.DescribeCapacityProvidersInput{CapacityProviders: []string{"nodes"}})
	if err != nil || len(cp.CapacityProviders) != 1 {
		t.Fatalf("describe provider: %v", err)
	}
	return aws.ToBool(g.AutoScalingGroups[0].NewInstancesProtectedFromScaleIn), cp.CapacityProviders[0].AutoScalingGroupProvider.ManagedTerminationProtection
}

// An apply of the ECS.19 fix interrupted at either write (before it is sent, or after AWS made it and the
// response was lost) resumes: the stale check expects what the started action set, each action finds its
// change in place or makes it, and the journal records each once. Rollback then returns the provider,
// then its group, to what the plan recorded; run again, it changes nothing.
func TestCapacityProviderApplyResumeRollback(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"before", "after"} {
		for n := 1; n <= 2; n++ {
			t.Run(fmt.Sprintf("%s-%d", mode, n), func(t *testing.T) {
				t.Parallel()
				cfg, p := capacityEstate(t)
				var out bytes.Buffer
				o := opts(t, &out)
				o.Concurrency = 1
				f := &fault{n: n, mode: mode, ops: []string{"UpdateAutoScalingGroup", "UpdateCapacityProvider"}}
				faulty := cfg.Copy()
				faulty.APIOptions = append(append([]func(*smithymw.Stack) error{}, faulty.APIOptions...), f.add)
				if _, err := Apply(context.Background(), faulty, p, o); !errors.Is(err, ErrIncomplete) {
					t.Fatalf("the interrupted apply: %v, want ErrIncomplete\n%s", err, out.String())
				}
				out.Reset()
				rep, err := Apply(context.Background(), cfg, p, o)
				if err != nil {
					t.Fatalf("resume: %v\n%s", err, out.String())
				}
				for _, a := range rep.Actions {
					if a.Status != StatusDone && a.Status != StatusSkipped {
						t.Errorf("resume: %s: %s %s", a.ID, a.Status, a.Error)
					}
				}
				if protected, mtp := readProtections(t, cfg); !protected || mtp != ecstypes.ManagedTerminationProtectionEnabled {
					t.Errorf("after the resumed apply: %t, %s", protected, mtp)
				}
				journal := readFile(t, o.JournalPath)
				if c := strings.Count(journal, `"type":"done"`); c != 2 {
					t.Errorf("the journal has %d done records, want 2:\n%s", c, journal)
				}

				o.UnattendedRisk = plan.RiskHigh // undoing a fix is rated high: approved by the configuration here
				out.Reset()
				if _, err := Rollback(context.Background(), cfg, p, o.JournalPath, o); err != nil {
					t.Fatalf("rollback: %v\n%s", err, out.String())
				}
				if protected, mtp := readProtections(t, cfg); protected || mtp != ecstypes.ManagedTerminationProtectionDisabled {
					t.Errorf("after rollback: %t, %s", protected, mtp)
				}
				if i, j := strings.Index(out.String(), "returning capacity provider nodes"), strings.Index(out.String(), "returning Auto Scaling group nodes-asg"); i < 0 || j < i {
					t.Errorf("rollback does not return the provider, then its group:\n%s", out.String())
				}
				out.Reset()
				if _, err := Rollback(context.Background(), cfg, p, o.JournalPath, o); err != nil || strings.Contains(out.String(), "returning") {
					t.Errorf("a second rollback: %v\n%s", err, out.String())
				}
			})
		}
	}
}

// A provider someone returned to its previous setting since the apply is settled by rollback without a
// write (already at its previous setting); its group is still returned.
func TestCapacityProviderRollbackChanged(t *testing.T) {
	t.Parallel()
	cfg, p := capacityEstate(t)
	var out bytes.Buffer
	o := opts(t, &out)
	if _, err := Apply(context.Background(), cfg, p, o); err != nil {
		t.Fatalf("apply: %v\n%s", err, out.String())
	}
	// Someone turns managed termination protection off again; the group's protection stays on.
	if _, err := ecs.NewFromConfig(cfg).UpdateCapacityProvider(context.Background(), &ecs.UpdateCapacityProviderInput{Name: aws.String("nodes"),
		AutoScalingGroupProvider: &ecstypes.AutoScalingGroupProviderUpdate{ManagedTerminationProtection: ecstypes.ManagedTerminationProtectionDisabled}}); err != nil {
		t.Fatal(err)
	}
	o.UnattendedRisk = plan.RiskHigh
	out.Reset()
	rep, err := Rollback(context.Background(), cfg, p, o.JournalPath, o)
	if err != nil {
		t.Fatalf("rollback: %v\n%s", err, out.String())
	}
	if a := rep.Action(p.Actions[1].ID); a == nil || a.Status != StatusRolledBack || a.Detail != "already at its previous setting" {
		t.Errorf("the provider's rollback: %+v", a)
	}
	if protected, _ := readProtections(t, cfg); protected {
		t.Error("the group's protection was not returned")
	}
}

// The provider's rollback fails (an API error): its managed termination protection stays ENABLED, so the
// group's rollback refuses to turn the protection of new instances off, which the provider needs. A
// later rollback, once the provider's goes through, returns both.
func TestCapacityProviderRollbackKeepsGroupWhileProviderProtects(t *testing.T) {
	t.Parallel()
	cfg, p := capacityEstate(t)
	var out bytes.Buffer
	o := opts(t, &out)
	if _, err := Apply(context.Background(), cfg, p, o); err != nil {
		t.Fatalf("apply: %v\n%s", err, out.String())
	}
	o.UnattendedRisk = plan.RiskHigh
	out.Reset()
	f := &fault{n: 1, mode: "before", ops: []string{"UpdateCapacityProvider"}}
	faulty := cfg.Copy()
	faulty.APIOptions = append(append([]func(*smithymw.Stack) error{}, faulty.APIOptions...), f.add)
	rep, err := Rollback(context.Background(), faulty, p, o.JournalPath, o)
	if !errors.Is(err, ErrIncomplete) {
		t.Fatalf("rollback with the provider's update failing: %v, want ErrIncomplete\n%s", err, out.String())
	}
	g := rep.Action(p.Actions[0].ID)
	if g == nil || g.Status != StatusFailed || !strings.Contains(g.Error, "capacity provider nodes still has managedTerminationProtection=ENABLED") {
		t.Errorf("the group's rollback: %+v", g)
	}
	if protected, mtp := readProtections(t, cfg); !protected || mtp != ecstypes.ManagedTerminationProtectionEnabled {
		t.Errorf("after the failed rollback: group protects new instances %t, provider %s; want both kept", protected, mtp)
	}
	out.Reset()
	if _, err := Rollback(context.Background(), cfg, p, o.JournalPath, o); err != nil {
		t.Fatalf("rollback again: %v\n%s", err, out.String())
	}
	if protected, mtp := readProtections(t, cfg); protected || mtp != ecstypes.ManagedTerminationProtectionDisabled {
		t.Errorf("after the second rollback: %t, %s", protected, mtp)
	}
}
