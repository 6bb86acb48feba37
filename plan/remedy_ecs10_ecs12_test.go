package plan

// Pins the service and cluster remedies of ECS.10 (Fargate platform version) and ECS.12 (Container
// Insights) as the planner applies them: the settings before and after, preconditions, notes, and no
// change where there is nothing to fix even when a result says otherwise.

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

func TestRemedyECS10Platform(t *testing.T) {
	tests := []struct {
		name   string
		svc    svcMod
		forged bool
		// pv is the platform version the service had, "" when no action is expected.
		pv string
	}{
		{"1.3.0 moves to LATEST", func(s *ecstypes.Service) { s.PlatformVersion = aws.String("1.3.0") }, false, "1.3.0"},
		{"1.4.0 on Windows moves to LATEST", func(s *ecstypes.Service) {
			s.PlatformVersion, s.PlatformFamily = aws.String("1.4.0"), aws.String("WINDOWS_SERVER_2019_CORE")
		}, false, "1.4.0"},
		{"forged: EC2 launch type", func(s *ecstypes.Service) {
			s.LaunchType, s.PlatformVersion = ecstypes.LaunchTypeEc2, aws.String("1.3.0")
		}, true, ""},
		{"forged: no platform version", func(s *ecstypes.Service) { s.PlatformVersion = nil }, true, ""},
		{"forged: LATEST already", func(s *ecstypes.Service) { s.PlatformVersion = aws.String("LATEST") }, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := bInventory([]detect.TaskDefinition{bTD("web", 1)}, []ecstypes.Service{bSvc("web", bTDArn("web", 1), tc.svc)})
			rs := detect.Evaluate(in, bSettings())
			if tc.forged {
				rs = pinResults(in, "ECS.10", bSvcArn("web"))
			}
			p, err := Build(in, rs, bOptions())
			if err != nil {
				t.Fatal(err)
			}
			if tc.pv == "" {
				if len(p.Actions) != 0 {
					t.Errorf("actions %+v", p.Actions)
				}
				return
			}
			if err := p.Validate(); err != nil {
				t.Fatal(err)
			}
			if len(p.Actions) != 1 || p.Actions[0].Type != UpdateService {
				t.Fatalf("actions %+v", p.Actions)
			}
			a := p.Actions[0]
			u := a.UpdateService
			if u.Before != (ServiceSettings{PlatformVersion: tc.pv}) || u.After != (ServiceSettings{PlatformVersion: "LATEST"}) || u.TaskDefinitionFrom != "" {
				t.Errorf("before %+v after %+v from %q", u.Before, u.After, u.TaskDefinitionFrom)
			}
			if a.Risk != RiskLow || len(a.Controls) != 1 || a.Controls[0] != "ECS.10" {
				t.Errorf("risk %s controls %v", a.Risk, a.Controls)
			}
			pinSameLines(t, "notes", a.Notes, []string{"changing the platform version redeploys the service: its tasks are replaced by tasks on the latest Fargate platform"})
			var pre []string
			for _, pc := range a.Preconditions {
				pre = append(pre, pc.Check+"="+pc.Result)
			}
			pinSameLines(t, "preconditions", pre, []string{"service launchType=FARGATE", "service platformVersion=" + tc.pv, "service deploymentController=ECS (default)"})
		})
	}
}

func TestRemedyECS12ContainerInsights(t *testing.T) {
	other := ecstypes.ClusterSetting{Name: "otherSetting", Value: aws.String("x")}
	ci := func(v string) ecstypes.ClusterSetting {
		return ecstypes.ClusterSetting{Name: ecstypes.ClusterSettingNameContainerInsights, Value: aws.String(v)}
	}
	tests := []struct {
		name     string
		settings []ecstypes.ClusterSetting
		forged   bool
		// was is the setting's value before ("" when no action is expected); before the planned Before.
		was    string
		before []ClusterSetting
	}{
		{"absent", nil, false, "absent", []ClusterSetting{}},
		{"disabled", []ecstypes.ClusterSetting{ci("disabled")}, false, "disabled", []ClusterSetting{{Name: "containerInsights", Value: "disabled"}}},
		{"disabled after another setting", []ecstypes.ClusterSetting{other, ci("disabled")}, false, "disabled", []ClusterSetting{{Name: "containerInsights", Value: "disabled"}}},
		{"disabled before another setting", []ecstypes.ClusterSetting{ci("disabled"), other}, false, "disabled", []ClusterSetting{{Name: "containerInsights", Value: "disabled"}}},
		{"only another setting", []ecstypes.ClusterSetting{other}, false, "absent", []ClusterSetting{}},
		{"forged: enabled", []ecstypes.ClusterSetting{ci("enabled")}, true, "", nil},
		{"forged: Enabled", []ecstypes.ClusterSetting{ci("Enabled")}, true, "", nil},
		{"forged: enhanced", []ecstypes.ClusterSetting{other, ci("enhanced")}, true, "", nil},
		{"forged: ENHANCED", []ecstypes.ClusterSetting{ci("ENHANCED")}, true, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cl := bClusterOf("")
			cl.Settings = tc.settings
			in := bInventory(nil, nil, cl)
			rs := detect.Evaluate(in, bSettings())
			if tc.forged {
				rs = pinResults(in, "ECS.12", bCluster)
			}
			p, err := Build(in, rs, bOptions())
			if err != nil {
				t.Fatal(err)
			}
			if tc.was == "" {
				if len(p.Actions) != 0 {
					t.Errorf("actions %+v", p.Actions)
				}
				return
			}
			if err := p.Validate(); err != nil {
				t.Fatal(err)
			}
			if len(p.Actions) != 1 || p.Actions[0].Type != UpdateClusterSettings {
				t.Fatalf("actions %+v", p.Actions)
			}
			a := p.Actions[0]
			c := a.UpdateClusterSettings
			if c.Cluster != bCluster || len(c.After) != 1 || c.After[0] != (ClusterSetting{Name: "containerInsights", Value: "enabled"}) {
				t.Errorf("change %+v", c)
			}
			if c.Before == nil || len(c.Before) != len(tc.before) || (len(tc.before) == 1 && c.Before[0] != tc.before[0]) {
				t.Errorf("before %#v, want %#v", c.Before, tc.before)
			}
			if a.Risk != RiskLow || len(a.Controls) != 1 || a.Controls[0] != "ECS.12" {
				t.Errorf("risk %s controls %v", a.Risk, a.Controls)
			}
			pinSameLines(t, "notes", a.Notes, []string{"Container Insights is billed: CloudWatch charges for its custom metrics and performance log events, " +
				"in proportion to the number of tasks and services in the cluster"})
			var pre []string
			for _, pc := range a.Preconditions {
				pre = append(pre, pc.Check+"="+pc.Result)
			}
			pinSameLines(t, "preconditions", pre, []string{"cluster containerInsights=" + tc.was})
		})
	}
}
