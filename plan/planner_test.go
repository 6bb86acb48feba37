package plan

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsjson"
	"github.com/ecsfix/ecsfix/detect/snapshot"
)

func actionsOf(p *Plan, typ ActionType) []Action {
	var out []Action
	for _, a := range p.Actions {
		if a.Type == typ {
			out = append(out, a)
		}
	}
	return out
}

func editPaths(a Action) []string {
	var out []string
	for _, e := range a.RegisterTaskDefinition.Edits {
		out = append(out, e.Control+" "+e.Path)
	}
	return out
}

func hasSkipped(p *Plan, control, resource, substr string) bool {
	for _, s := range p.Skipped {
		if s.Control == control && (resource == "" || s.Resource == resource) && strings.Contains(s.Reason, substr) {
			return true
		}
	}
	return false
}

func afterInput(t *testing.T, a Action) *ecs.RegisterTaskDefinitionInput {
	t.Helper()
	var in ecs.RegisterTaskDefinitionInput
	if err := awsjson.Unmarshal("after", a.RegisterTaskDefinition.After, &in); err != nil {
		t.Fatal(err)
	}
	return &in
}

func joinNotes(a Action) string { return strings.Join(a.Notes, "\n") }

func TestRemediations(t *testing.T) {
	privileged := func(c *ecstypes.ContainerDefinition) { c.Privileged = aws.Bool(true) }
	writableRoot := func(c *ecstypes.ContainerDefinition) { c.ReadonlyRootFilesystem = nil }
	rootUser := func(c *ecstypes.ContainerDefinition) { c.User = nil }
	hostVolume := func(td *detect.TaskDefinition) {
		td.Volumes = append(td.Volumes, ecstypes.Volume{Name: aws.String("docker-sock"), Host: &ecstypes.HostVolumeProperties{SourcePath: aws.String("/var/run/docker.sock")}})
		td.ContainerDefinitions[0].MountPoints = append(td.ContainerDefinitions[0].MountPoints,
			ecstypes.MountPoint{SourceVolume: aws.String("docker-sock"), ContainerPath: aws.String("/var/run/docker.sock")})
	}
	tests := []struct {
		name  string
		tds   []detect.TaskDefinition
		svcs  []ecstypes.Service
		cl    []ecstypes.Cluster
		opts  func(*Options)
		check func(t *testing.T, p *Plan)
	}{
		{
			name: "ECS.3 pidMode host kept for a host agent, Not fixed with why",
			tds: []detect.TaskDefinition{bTD("agent", 1, func(td *detect.TaskDefinition) { td.PidMode = ecstypes.PidModeHost },
				ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.Image = aws.String("public.ecr.aws/datadog/agent:7") }))},
			svcs: []ecstypes.Service{bSvc("agent", bTDArn("agent", 1))},
			check: func(t *testing.T, p *Plan) {
				if len(p.Actions) != 0 {
					t.Fatalf("actions: %+v", p.Actions)
				}
				for _, c := range []string{"ECS.3", "EXPOSURE.host-pid"} {
					if !hasSkipped(p, c, bTDArn("agent", 1), `container "app" is a host agent (image public.ecr.aws/datadog/agent:7 is the Datadog Agent`) {
						t.Errorf("%s: skipped %+v", c, p.Skipped)
					}
				}
			},
		},
		{
			name: "ECS.3 pidMode host removed when no container is a host agent",
			tds: []detect.TaskDefinition{bTD("web", 1, func(td *detect.TaskDefinition) { td.PidMode = ecstypes.PidModeHost },
				ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.Image = aws.String("mycompany/datadog-dashboard-api:3") }))},
			svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1))},
			check: func(t *testing.T, p *Plan) {
				regs := actionsOf(p, RegisterTaskDefinition)
				if len(regs) != 1 || len(actionsOf(p, UpdateService)) != 1 {
					t.Fatalf("actions: %+v", p.Actions)
				}
				a := regs[0]
				if got := editPaths(a); strings.Join(got, ",") != "ECS.3 pidMode" {
					t.Errorf("edits %v", got)
				}
				if a.Risk != RiskMedium || strings.Join(a.Controls, ",") != "ECS.3,EXPOSURE.host-pid" {
					t.Errorf("risk %s controls %v", a.Risk, a.Controls)
				}
				if afterInput(t, a).PidMode != "" {
					t.Error("pidMode still set")
				}
			},
		},
		{
			name: "ECS.4 privileged dropped, high risk",
			tds:  []detect.TaskDefinition{bTD("web", 1, ctrMod(0, privileged), withContainer(bContainer("side")))},
			svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1))},
			check: func(t *testing.T, p *Plan) {
				a := actionsOf(p, RegisterTaskDefinition)[0]
				if got := strings.Join(editPaths(a), ","); got != "ECS.4 containerDefinitions[app].privileged" {
					t.Errorf("edits %s", got)
				}
				if a.Risk != RiskHigh {
					t.Errorf("risk %s", a.Risk)
				}
				if s := actionsOf(p, UpdateService); len(s) != 1 || s[0].Risk != RiskHigh || s[0].UpdateService.TaskDefinitionFrom != a.ID {
					t.Errorf("service action %+v", s)
				}
			},
		},
		{
			name: "ECS.5 read-only root with /tmp volume, existing /tmp mount kept, exec warning",
			tds: []detect.TaskDefinition{bTD("web", 1, ctrMod(0, writableRoot), withContainer(func() ecstypes.ContainerDefinition {
				c := bContainer("nginx")
				c.ReadonlyRootFilesystem = aws.Bool(false)
				c.MountPoints = []ecstypes.MountPoint{{SourceVolume: aws.String("scratch"), ContainerPath: aws.String("/tmp/")}}
				return c
			}()), func(td *detect.TaskDefinition) { td.Volumes = []ecstypes.Volume{{Name: aws.String("scratch")}} })},
			svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1), func(s *ecstypes.Service) { s.EnableExecuteCommand = true })},
			check: func(t *testing.T, p *Plan) {
				a := actionsOf(p, RegisterTaskDefinition)[0]
				want := "ECS.5 containerDefinitions[app].readonlyRootFilesystem,ECS.5 containerDefinitions[nginx].readonlyRootFilesystem," +
					"ECS.5 volumes[ecsfix-app-tmp],ECS.5 containerDefinitions[app].mountPoints[/tmp]"
				if got := strings.Join(editPaths(a), ","); got != want {
					t.Errorf("edits\n%s\nwant\n%s", got, want)
				}
				in := afterInput(t, a)
				if len(in.ContainerDefinitions[1].MountPoints) != 1 || len(in.Volumes) != 2 || in.Volumes[1].Host != nil {
					t.Errorf("volumes/mounts: %+v %+v", in.Volumes, in.ContainerDefinitions[1].MountPoints)
				}
				// the images (example/…) are unknown: each read-only-root edit is high and says why
				if a.Risk != RiskHigh || !strings.Contains(joinNotes(a), "ECS Exec") || !strings.Contains(strings.Join(p.RiskOf(a, nil).Why, "\n"), "writes are unknown") {
					t.Errorf("risk %s (%q) notes %v", a.Risk, p.RiskOf(a, nil).Why, a.Notes)
				}
				s := actionsOf(p, UpdateService)[0]
				if !strings.Contains(joinNotes(s), "ECS Exec") {
					t.Errorf("service notes %v", s.Notes)
				}
				found := false
				for _, pc := range s.Preconditions {
					found = found || (pc.Check == "service enableExecuteCommand" && pc.Result == "true")
				}
				if !found {
					t.Errorf("preconditions %v", s.Preconditions)
				}
			},
		},
		{
			name: "ECS.5 configured writable paths",
			tds:  []detect.TaskDefinition{bTD("web", 1, ctrMod(0, writableRoot))},
			opts: func(o *Options) { o.WritablePaths = []string{"/tmp", "/var/cache/nginx"} },
			check: func(t *testing.T, p *Plan) {
				in := afterInput(t, actionsOf(p, RegisterTaskDefinition)[0])
				if len(in.Volumes) != 2 || aws.ToString(in.Volumes[1].Name) != "ecsfix-app-var-cache-nginx" || len(in.ContainerDefinitions[0].MountPoints) != 2 {
					t.Errorf("volumes %+v mounts %+v", in.Volumes, in.ContainerDefinitions[0].MountPoints)
				}
			},
		},
		{
			name: "ECS.5 Windows skipped, ECS.21 fixed with the Windows user",
			tds: []detect.TaskDefinition{bTD("win", 1, ctrMod(0, writableRoot), ctrMod(0, rootUser), func(td *detect.TaskDefinition) {
				td.RuntimePlatform = &ecstypes.RuntimePlatform{OperatingSystemFamily: ecstypes.OSFamilyWindowsServer2022Core}
			})},
			check: func(t *testing.T, p *Plan) {
				regs := actionsOf(p, RegisterTaskDefinition)
				if len(regs) != 1 {
					t.Fatalf("actions %+v", p.Actions)
				}
				if got := strings.Join(editPaths(regs[0]), ","); got != "ECS.21 containerDefinitions[app].user" {
					t.Errorf("edits %s", got)
				}
				if u := aws.ToString(afterInput(t, regs[0]).ContainerDefinitions[0].User); u != "ContainerUser" {
					t.Errorf("user %q", u)
				}
			},
		},
		{
			name: "ECS.10 platform LATEST, low risk",
			tds:  []detect.TaskDefinition{bTD("web", 1)},
			svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1), func(s *ecstypes.Service) { s.PlatformVersion = aws.String("1.3.0") })},
			check: func(t *testing.T, p *Plan) {
				if len(p.Actions) != 1 {
					t.Fatalf("actions %+v", p.Actions)
				}
				a := p.Actions[0]
				if a.Type != UpdateService || a.Risk != RiskLow || a.UpdateService.After != (ServiceSettings{PlatformVersion: "LATEST"}) ||
					a.UpdateService.Before.PlatformVersion != "1.3.0" || !strings.Contains(joinNotes(a), "redeploys") {
					t.Errorf("action %+v", a)
				}
				if a.Account != bAccount || a.Region != bRegion || a.UpdateService.Service != "web" || a.UpdateService.Cluster != bCluster {
					t.Errorf("where: %+v", a)
				}
			},
		},
		{
			name: "ECS.12 Container Insights, cost note",
			cl:   []ecstypes.Cluster{bClusterOf("disabled")},
			check: func(t *testing.T, p *Plan) {
				if len(p.Actions) != 1 || p.Actions[0].Type != UpdateClusterSettings || p.Actions[0].Risk != RiskLow {
					t.Fatalf("actions %+v", p.Actions)
				}
				a := p.Actions[0]
				if a.UpdateClusterSettings.After[0] != (ClusterSetting{Name: "containerInsights", Value: "enabled"}) || !strings.Contains(joinNotes(a), "billed") {
					t.Errorf("%+v", a)
				}
				if len(p.State) != 1 || p.State[0].Facts[FactSettings] != "containerInsights=disabled" {
					t.Errorf("state %+v", p.State)
				}
			},
		},
		{
			name: "ECS.18 EFS transit encryption, port and authorization kept",
			tds: []detect.TaskDefinition{bTD("web", 1, func(td *detect.TaskDefinition) {
				td.Volumes = []ecstypes.Volume{{Name: aws.String("data"), EfsVolumeConfiguration: &ecstypes.EFSVolumeConfiguration{
					FileSystemId: aws.String("fs-1"), TransitEncryptionPort: aws.Int32(2999),
					AuthorizationConfig: &ecstypes.EFSAuthorizationConfig{AccessPointId: aws.String("fsap-1")},
				}}}
			})},
			check: func(t *testing.T, p *Plan) {
				a := actionsOf(p, RegisterTaskDefinition)[0]
				if got := strings.Join(editPaths(a), ","); got != "ECS.18 volumes[data].efsVolumeConfiguration.transitEncryption" || a.Risk != RiskMedium {
					t.Errorf("edits %s risk %s", got, a.Risk)
				}
				efs := afterInput(t, a).Volumes[0].EfsVolumeConfiguration
				if efs.TransitEncryption != ecstypes.EFSTransitEncryptionEnabled || aws.ToInt32(efs.TransitEncryptionPort) != 2999 ||
					aws.ToString(efs.AuthorizationConfig.AccessPointId) != "fsap-1" || !strings.Contains(joinNotes(a), "2999") {
					t.Errorf("efs %+v notes %v", efs, a.Notes)
				}
			},
		},
		{
			name: "ECS.20 without a configured user is skipped",
			tds:  []detect.TaskDefinition{bTD("web", 1, ctrMod(0, rootUser))},
			opts: func(o *Options) { o.LinuxUser = "" },
			check: func(t *testing.T, p *Plan) {
				if len(p.Actions) != 0 {
					t.Errorf("actions %+v", p.Actions)
				}
				if !hasSkipped(p, "ECS.20", bTDArn("web", 1), "fix.linux_user") {
					t.Errorf("skipped %+v", p.Skipped)
				}
			},
		},
		{
			name: "ECS.20 with a configured user, root and absent",
			tds:  []detect.TaskDefinition{bTD("web", 1, ctrMod(0, rootUser), withContainer(func() ecstypes.ContainerDefinition { c := bContainer("b"); c.User = aws.String("root"); return c }()))},
			check: func(t *testing.T, p *Plan) {
				a := actionsOf(p, RegisterTaskDefinition)[0]
				if got := strings.Join(editPaths(a), ","); got != "ECS.20 containerDefinitions[app].user,ECS.20 containerDefinitions[b].user" || a.Risk != RiskHigh {
					t.Errorf("edits %s risk %s", got, a.Risk)
				}
				// unset OS family: ECS.21 fails too and the Linux user fixes it
				if strings.Join(a.Controls, ",") != "ECS.20,ECS.21" {
					t.Errorf("controls %v", a.Controls)
				}
			},
		},
		{
			name: "host path made read-only",
			tds:  []detect.TaskDefinition{bTD("web", 1, hostVolume)},
			svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1))},
			check: func(t *testing.T, p *Plan) {
				a := actionsOf(p, RegisterTaskDefinition)[0]
				if got := strings.Join(editPaths(a), ","); got != "EXPOSURE.host-path-volume containerDefinitions[app].mountPoints[/var/run/docker.sock].readOnly" || a.Risk != RiskHigh {
					t.Errorf("edits %s risk %s", got, a.Risk)
				}
				if !aws.ToBool(afterInput(t, a).ContainerDefinitions[0].MountPoints[0].ReadOnly) {
					t.Error("not read-only")
				}
			},
		},
		{
			name: "host path removed",
			tds: []detect.TaskDefinition{bTD("web", 1, func(td *detect.TaskDefinition) {
				td.Volumes = append(td.Volumes, ecstypes.Volume{Name: aws.String("shared"), Host: &ecstypes.HostVolumeProperties{SourcePath: aws.String("/srv/shared")}})
				td.ContainerDefinitions[0].MountPoints = append(td.ContainerDefinitions[0].MountPoints,
					ecstypes.MountPoint{SourceVolume: aws.String("shared"), ContainerPath: aws.String("/shared")})
			})},
			svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1))},
			opts: func(o *Options) { o.HostPath = HostPathRemove },
			check: func(t *testing.T, p *Plan) {
				a := actionsOf(p, RegisterTaskDefinition)[0]
				in := afterInput(t, a)
				if len(in.Volumes) != 0 || len(in.ContainerDefinitions[0].MountPoints) != 0 {
					t.Errorf("after %+v", in)
				}
				if len(a.RegisterTaskDefinition.Edits) != 2 {
					t.Errorf("edits %v", editPaths(a))
				}
			},
		},
		{
			name: "host path of a container that mounts the Docker socket is kept in remove mode, Not fixed with why",
			tds:  []detect.TaskDefinition{bTD("web", 1, hostVolume)},
			svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1))},
			opts: func(o *Options) { o.HostPath = HostPathRemove },
			check: func(t *testing.T, p *Plan) {
				if len(p.Actions) != 0 || !hasSkipped(p, "EXPOSURE.host-path-volume", bTDArn("web", 1), `container "app" mounts it and is a host agent (it mounts the host's /var/run/docker.sock`) {
					t.Errorf("actions %+v skipped %+v", p.Actions, p.Skipped)
				}
			},
		},
		{
			name: "owned task definition is skipped with the change to make",
			tds:  []detect.TaskDefinition{bTD("web", 1, ctrMod(0, writableRoot), withTags("aws:cloudformation:stack-name", "shop"))},
			svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1))},
			check: func(t *testing.T, p *Plan) {
				if len(p.Actions) != 0 {
					t.Errorf("actions %+v", p.Actions)
				}
				if !hasSkipped(p, "ECS.5", bTDArn("web", 1), "owned by CloudFormation stack shop (aws:cloudformation:stack-name)") ||
					!hasSkipped(p, "ECS.5", "", "containerDefinitions[app].readonlyRootFilesystem") {
					t.Errorf("skipped %+v", p.Skipped)
				}
			},
		},
		{
			name: "owned resources patched with PatchOwned; reserved tags not carried",
			tds:  []detect.TaskDefinition{bTD("web", 1, ctrMod(0, writableRoot), withTags("aws:cloudformation:stack-name", "shop", "team", "a"))},
			svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1))},
			opts: func(o *Options) { o.PatchOwned = true },
			check: func(t *testing.T, p *Plan) {
				regs := actionsOf(p, RegisterTaskDefinition)
				if len(regs) != 1 || len(actionsOf(p, UpdateService)) != 1 {
					t.Fatalf("actions %+v", p.Actions)
				}
				in := afterInput(t, regs[0])
				if len(in.Tags) != 1 || aws.ToString(in.Tags[0].Key) != "team" || !strings.Contains(joinNotes(regs[0]), "aws:cloudformation:stack-name") {
					t.Errorf("tags %+v notes %v", in.Tags, regs[0].Notes)
				}
			},
		},
		{
			name: "owned service and cluster are skipped",
			tds:  []detect.TaskDefinition{bTD("web", 1)},
			svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1), func(s *ecstypes.Service) {
				s.PlatformVersion = aws.String("1.3.0")
				s.Tags = bTags("copilot-application", "shop")
			})},
			cl: []ecstypes.Cluster{bClusterOf("", "terraform", "true")},
			check: func(t *testing.T, p *Plan) {
				if len(p.Actions) != 0 {
					t.Errorf("actions %+v", p.Actions)
				}
				if !hasSkipped(p, "ECS.10", bSvcArn("web"), "owned by Copilot application shop") || !hasSkipped(p, "ECS.12", bCluster, "owned by Terraform") {
					t.Errorf("skipped %+v", p.Skipped)
				}
			},
		},
		{
			name: "CODE_DEPLOY service: revision registered, service reported",
			tds:  []detect.TaskDefinition{bTD("web", 1, ctrMod(0, privileged))},
			svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1), func(s *ecstypes.Service) {
				s.DeploymentController = &ecstypes.DeploymentController{Type: ecstypes.DeploymentControllerTypeCodeDeploy}
			})},
			check: func(t *testing.T, p *Plan) {
				if len(actionsOf(p, RegisterTaskDefinition)) != 1 || len(actionsOf(p, UpdateService)) != 0 {
					t.Fatalf("actions %+v", p.Actions)
				}
				if !hasSkipped(p, "ECS.4", bSvcArn("web"), "CodeDeploy deployment") {
					t.Errorf("skipped %+v", p.Skipped)
				}
			},
		},
		{
			name: "service running an older revision: two registrations, latest last, note",
			tds: []detect.TaskDefinition{
				bTD("web", 1, ctrMod(0, privileged), ctrMod(0, writableRoot)),
				bTD("web", 2, ctrMod(0, writableRoot)),
				bTD("web", 3, ctrMod(0, writableRoot)),
			},
			svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1)), bSvc("api", bTDArn("web", 3))},
			check: func(t *testing.T, p *Plan) {
				regs := actionsOf(p, RegisterTaskDefinition)
				if len(regs) != 2 || regs[0].Resource != bTDArn("web", 1) || regs[1].Resource != bTDArn("web", 3) {
					t.Fatalf("registrations %+v", regs)
				}
				if strings.Join(regs[1].DependsOn, ",") != regs[0].ID {
					t.Errorf("latest depends on %v", regs[1].DependsOn)
				}
				if strings.Join(regs[0].Controls, ",") != "ECS.4,ECS.5,EXPOSURE.privileged" || regs[0].Risk != RiskHigh {
					t.Errorf("web:1 controls %v risk %s", regs[0].Controls, regs[0].Risk)
				}
				svcs := actionsOf(p, UpdateService)
				if len(svcs) != 2 {
					t.Fatalf("services %+v", svcs)
				}
				for _, s := range svcs {
					switch s.Resource {
					case bSvcArn("web"):
						if s.UpdateService.TaskDefinitionFrom != regs[0].ID || s.UpdateService.After.TaskDefinition != "(new revision of web from web:1)" ||
							!strings.Contains(joinNotes(s), "runs web:1 while the family's latest ACTIVE revision is web:3") {
							t.Errorf("web service %+v", s)
						}
					case bSvcArn("api"):
						if s.UpdateService.TaskDefinitionFrom != regs[1].ID {
							t.Errorf("api service %+v", s)
						}
					}
				}
				facts := map[string]map[string]string{}
				for _, f := range p.State {
					facts[f.Resource] = f.Facts
				}
				if facts[bTDArn("web", 1)][FactLatestActive] != bTDArn("web", 3) || facts[bSvcArn("web")][FactTaskDefinition] != bTDArn("web", 1) {
					t.Errorf("state %+v", p.State)
				}
			},
		},
		{
			name: "older running revision with a clean latest: the latest is registered again, last",
			tds: []detect.TaskDefinition{bTD("web", 1, ctrMod(0, privileged)),
				bTD("web", 2, ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.Image = aws.String("example/app:2") }))},
			svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1))},
			check: func(t *testing.T, p *Plan) {
				regs := actionsOf(p, RegisterTaskDefinition)
				if len(regs) != 2 || regs[1].Resource != bTDArn("web", 2) || len(regs[1].RegisterTaskDefinition.Edits) != 0 ||
					strings.Join(regs[1].DependsOn, ",") != regs[0].ID || regs[1].Risk != RiskHigh {
					t.Fatalf("registrations %+v", regs)
				}
			},
		},
		{
			name: "the fix already registered (a partly applied plan): the service moves to it",
			tds:  []detect.TaskDefinition{bTD("web", 1, ctrMod(0, privileged)), bTD("web", 2)},
			svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1))},
			check: func(t *testing.T, p *Plan) {
				if len(p.Actions) != 1 || p.Actions[0].Type != UpdateService || p.Actions[0].UpdateService.After.TaskDefinition != bTDArn("web", 2) ||
					p.Actions[0].UpdateService.TaskDefinitionFrom != "" || p.Actions[0].Risk != RiskHigh {
					t.Fatalf("actions %+v", p.Actions)
				}
			},
		},
		{
			name: "one revision combines several controls",
			tds: []detect.TaskDefinition{bTD("web", 1, func(td *detect.TaskDefinition) { td.PidMode = ecstypes.PidModeHost },
				ctrMod(0, privileged), ctrMod(0, writableRoot), ctrMod(0, rootUser))},
			svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1), func(s *ecstypes.Service) { s.PlatformVersion = aws.String("1.3.0") })},
			check: func(t *testing.T, p *Plan) {
				regs := actionsOf(p, RegisterTaskDefinition)
				svcs := actionsOf(p, UpdateService)
				if len(regs) != 1 || len(svcs) != 2 {
					t.Fatalf("actions %+v", p.Actions)
				}
				if got := strings.Join(regs[0].Controls, ","); got != "ECS.20,ECS.21,ECS.3,ECS.4,ECS.5,EXPOSURE.host-pid,EXPOSURE.privileged" {
					t.Errorf("controls %s", got)
				}
				// The platform version is its own update, low risk, first; the move carries the
				// revision's risk and does not set the platform.
				pv, s := svcs[0], svcs[1]
				if pv.UpdateService.After != (ServiceSettings{PlatformVersion: "LATEST"}) || pv.UpdateService.Before != (ServiceSettings{PlatformVersion: "1.3.0"}) ||
					pv.Risk != RiskLow || strings.Join(pv.Controls, ",") != "ECS.10" || len(pv.DependsOn) != 0 {
					t.Errorf("platform update %+v", pv)
				}
				if s.UpdateService.After.PlatformVersion != "" || s.UpdateService.After.TaskDefinition == "" || s.Risk != RiskHigh ||
					strings.Contains(strings.Join(s.Controls, ","), "ECS.10") {
					t.Errorf("service %+v", s)
				}
				if p.Actions[0].ID != "a1" || pv.ID != "a2" || s.ID != "a3" || strings.Join(s.DependsOn, ",") != "a1" {
					t.Errorf("ids %+v", p.Actions)
				}
			},
		},
		{
			name: "fix.controls restricts, risk overridden",
			tds:  []detect.TaskDefinition{bTD("web", 1, ctrMod(0, privileged), ctrMod(0, writableRoot))},
			opts: func(o *Options) { o.Fix = []string{"ECS.5"}; o.Risk = map[string]Risk{"ECS.5": RiskLow} },
			check: func(t *testing.T, p *Plan) {
				regs := actionsOf(p, RegisterTaskDefinition)
				// the override lowers ECS.5, not the edit of a container whose image is unknown
				if len(regs) != 1 || strings.Join(regs[0].Controls, ",") != "ECS.5" || regs[0].Risk != RiskHigh {
					t.Fatalf("registrations %+v", regs)
				}
				if why := strings.Join(p.RiskOf(regs[0], map[string]Risk{"ECS.5": RiskLow}).Why, "\n"); !strings.Contains(why, "writes are unknown") || strings.Contains(why, "ECS.5: low") {
					t.Errorf("why %q", why)
				}
				if !hasSkipped(p, "ECS.4", bTDArn("web", 1), "not selected") {
					t.Errorf("skipped %+v", p.Skipped)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cl := tt.cl
			if cl == nil {
				cl = []ecstypes.Cluster{bClusterOf("enabled")}
			}
			in := bInventory(tt.tds, tt.svcs, cl...)
			o := bOptions()
			if tt.opts != nil {
				tt.opts(&o)
			}
			p := buildPlan(t, in, o)
			tt.check(t, p)
			// idempotence: the applied plan re-plans empty
			assertConverges(t, in, p, o)
		})
	}
}

func TestNoFixAndSuppressed(t *testing.T) {
	td := bTD("web", 1, ctrMod(0, func(c *ecstypes.ContainerDefinition) {
		c.Environment = []ecstypes.KeyValuePair{{Name: aws.String("AWS_SECRET_ACCESS_KEY"), Value: aws.String("x")}}
		c.Privileged = aws.Bool(true)
	}))
	in := bInventory([]detect.TaskDefinition{td}, nil)
	in.TaskSets = []ecstypes.TaskSet{{TaskSetArn: aws.String("arn:aws:ecs:eu-west-1:111122223333:task-set/prod/web/ecs-svc/1"),
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{AssignPublicIp: ecstypes.AssignPublicIpEnabled}}}}
	s := bSettings()
	s.Exemptions = []detect.Exemption{{Control: "ECS.4", Arn: bTDArn("web", 1), Reason: "needs it"}}
	p, err := Build(in, detect.Evaluate(in, s), bOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Actions) != 0 || p.Actions == nil {
		t.Errorf("actions %+v", p.Actions)
	}
	if !hasSkipped(p, "ECS.8", "", "Secrets Manager") || !hasSkipped(p, "ECS.16", "", "create a new task set with assignPublicIp DISABLED") ||
		!hasSkipped(p, "ECS.4", bTDArn("web", 1), "suppressed by exemption for "+bTDArn("web", 1)+": needs it") {
		t.Errorf("skipped %+v", p.Skipped)
	}
}

func TestEmptyPlan(t *testing.T) {
	p := buildPlan(t, bInventory([]detect.TaskDefinition{bTD("web", 1)}, []ecstypes.Service{bSvc("web", bTDArn("web", 1))}), bOptions())
	if p.Actions == nil || len(p.Actions) != 0 || p.Tool.Version != "test" || !p.CreatedAt.Equal(bNow) || p.Source.Kind != "snapshot" {
		t.Errorf("%+v", p)
	}
}

// TestSecretsNeverInPlan plants secret values everywhere a task definition can hold one and checks that
// none appears in the marshalled plan, and that Input restores each exactly.
func TestSecretsNeverInPlan(t *testing.T) {
	secrets := []string{
		"plain-env-value-that-is-not-obviously-secret",
		"AKIAIOSFODNN7EXAMPLE",
		"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		"ghp_abcdefghijklmnopqrstuvwxyz0123456789",
		"postgres://admin:hunter2hunter2@db.internal:5432/app",
		"xoxb-1234567890-abcdefghij",
		"sup3r-s3cret-label",
		"opt-token-value-123",
		"log-opt-token-value-456",
	}
	td := bTD("web", 1, ctrMod(0, func(c *ecstypes.ContainerDefinition) {
		c.ReadonlyRootFilesystem = nil
		c.Privileged = aws.Bool(true)
		c.Environment = []ecstypes.KeyValuePair{
			{Name: aws.String("GREETING"), Value: aws.String(secrets[0])},
			{Name: aws.String("KEY_ID"), Value: aws.String(secrets[1])},
			{Name: aws.String("AWS_SECRET_ACCESS_KEY"), Value: aws.String(secrets[2])},
		}
		c.Command = []string{"run", "--token", secrets[3]}
		c.EntryPoint = []string{"sh", "-c", "connect " + secrets[4]}
		c.HealthCheck = &ecstypes.HealthCheck{Command: []string{"CMD-SHELL", "curl -H 'x: " + secrets[5] + "' localhost"}}
		c.DockerLabels = map[string]string{"com.example.api_token": secrets[6], "team": "a"}
		c.FirelensConfiguration = &ecstypes.FirelensConfiguration{Type: ecstypes.FirelensConfigurationTypeFluentbit, Options: map[string]string{"splunk_token": secrets[7]}}
		c.LogConfiguration.Options["splunk-token"] = secrets[8]
	}))
	in := bInventory([]detect.TaskDefinition{td}, []ecstypes.Service{bSvc("web", bTDArn("web", 1))})
	p := buildPlan(t, in, bOptions())
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if strings.Contains(string(raw), s) {
			t.Errorf("secret %q appears in the plan", s)
		}
	}
	reg := actionsOf(p, RegisterTaskDefinition)[0].RegisterTaskDefinition
	if len(reg.Masked) != 15 {
		t.Errorf("masked %+v", reg.Masked)
	}
	for _, m := range reg.Masked {
		if strings.Contains(m.Path, "awslogs-") {
			t.Errorf("a log option that is not a secret is masked: %s", m.Path)
		}
	}
	got, err := reg.Input(&in.TaskDefinitions[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	c := got.ContainerDefinitions[0]
	src := in.TaskDefinitions[0].ContainerDefinitions[0]
	for i := range src.Environment {
		if aws.ToString(c.Environment[i].Value) != aws.ToString(src.Environment[i].Value) {
			t.Errorf("environment[%d] not restored", i)
		}
	}
	if strings.Join(c.Command, " ") != strings.Join(src.Command, " ") || strings.Join(c.EntryPoint, " ") != strings.Join(src.EntryPoint, " ") ||
		c.HealthCheck.Command[1] != src.HealthCheck.Command[1] || c.DockerLabels["com.example.api_token"] != secrets[6] ||
		c.FirelensConfiguration.Options["splunk_token"] != secrets[7] {
		t.Errorf("not restored: %+v", c)
	}
	if c.Privileged != nil || !aws.ToBool(c.ReadonlyRootFilesystem) {
		t.Error("edits lost")
	}

	// no digest of a value is in the plan either: a weak password falls to a dictionary attack on it
	for _, s := range secrets {
		for _, d := range valueDigests(s) {
			if strings.Contains(strings.ToLower(string(raw)), strings.ToLower(d)) {
				t.Errorf("a digest of secret %q appears in the plan", s)
			}
		}
	}

	// another revision than the plan's source is refused: the ARN identifies the values
	other := bTD("web", 2)
	other.TaskDefinition = deepCopy(in.TaskDefinitions[0].TaskDefinition)
	other.TaskDefinitionArn = aws.String(bTDArn("web", 2))
	if _, err = reg.Input(&other, nil); err == nil || !strings.Contains(err.Error(), "the plan names source revision "+bTDArn("web", 1)) {
		t.Errorf("other source: %v", err)
	}

	// a plan edited to take a value from another place (another variable) is refused, and the error
	// carries no value
	edited := *reg
	edited.Masked = append([]Masked(nil), reg.Masked...)
	for i, m := range edited.Masked {
		if m.SourcePath == "containerDefinitions[0].environment[0].value" {
			edited.Masked[i].SourcePath = "containerDefinitions[0].environment[1].value"
		}
	}
	_, err = edited.Input(&in.TaskDefinitions[0], nil)
	if err == nil || !strings.Contains(err.Error(), "containerDefinitions[0].environment[1].value") || !strings.Contains(err.Error(), "is not the one of that place") {
		t.Errorf("value from another place: %v", err)
	}
	for _, s := range secrets {
		if err != nil && strings.Contains(err.Error(), s) {
			t.Errorf("the error carries secret %q", s)
		}
	}
	missing := bTD("web", 1)
	missing.TaskDefinition = deepCopy(in.TaskDefinitions[0].TaskDefinition)
	missing.ContainerDefinitions[0].Environment = missing.ContainerDefinitions[0].Environment[:1]
	if _, err = reg.Input(&missing, nil); err == nil || !strings.Contains(err.Error(), "has no value at") {
		t.Errorf("missing source value: %v", err)
	}
}

// valueDigests are the forms of a value's public digests that must never be written: the hex (lower
// and upper case) and base64 of its SHA-256, SHA-1 and MD5, and the 12-digit prefix of each hex.
func valueDigests(s string) []string {
	var out []string
	for _, sum := range [][]byte{sha256Sum(s), sha1Sum(s), md5Sum(s)} {
		h := hex.EncodeToString(sum)
		out = append(out, h, h[:12], base64.StdEncoding.EncodeToString(sum), base64.RawURLEncoding.EncodeToString(sum))
	}
	return out
}

func sha256Sum(s string) []byte { b := sha256.Sum256([]byte(s)); return b[:] }
func sha1Sum(s string) []byte   { b := sha1.Sum([]byte(s)); return b[:] }
func md5Sum(s string) []byte    { b := md5.Sum([]byte(s)); return b[:] }

func TestDemoPlan(t *testing.T) {
	in, err := snapshot.Load(filepath.Join("..", "testdata", "demo"))
	if err != nil {
		t.Fatal(err)
	}
	o := bOptions()
	p := buildPlan(t, in, o)
	regs := actionsOf(p, RegisterTaskDefinition)
	if len(regs) == 0 {
		t.Fatal("no registrations on the demo")
	}
	seen := map[string]bool{}
	for _, a := range regs {
		if seen[a.Resource] {
			t.Errorf("source %s registered twice", a.Resource)
		}
		seen[a.Resource] = true
	}
	// every service moved runs a fixed revision of the revision it ran
	for _, a := range actionsOf(p, UpdateService) {
		svc, _ := in.Service(a.Resource)
		if a.UpdateService.After.TaskDefinition == "" {
			continue
		}
		var from *Action
		for i := range p.Actions {
			if p.Actions[i].ID == a.UpdateService.TaskDefinitionFrom {
				from = &p.Actions[i]
			}
		}
		if from == nil || from.Resource != aws.ToString(svc.TaskDefinition) {
			t.Errorf("service %s moves to a fix of %v, runs %s", a.Resource, from, aws.ToString(svc.TaskDefinition))
		}
	}
	// a service pinned to an older revision gets two registrations in its family, the latest last
	older := 0
	for _, svc := range in.Services {
		td, ok := in.TaskDefinition(aws.ToString(svc.TaskDefinition))
		if !ok || in.IsLatestActive(td) || !seen[td.ARN()] {
			continue
		}
		older++
		latest, _ := in.LatestActive(td.ARN())
		if !seen[latest.ARN()] {
			t.Errorf("%s runs older %s but the family's latest %s is not registered", aws.ToString(svc.ServiceName), td.ARN(), latest.ARN())
		}
		var iOld, iLatest int
		for i, a := range p.Actions {
			switch a.Resource {
			case td.ARN():
				iOld = i
			case latest.ARN():
				iLatest = i
			}
		}
		if iOld > iLatest {
			t.Errorf("%s registered after the family's latest", td.ARN())
		}
	}
	if older == 0 {
		t.Error("the demo has no service on an older revision that needs a fix")
	}
	for i, a := range p.Actions {
		t.Logf("%s %s %s %v %s", a.ID, a.Type, a.Resource, a.Controls, a.Risk)
		if i > 0 && p.Actions[i-1].Type != a.Type && typeOrder(a.Type) < typeOrder(p.Actions[i-1].Type) {
			t.Errorf("action %s out of order", a.ID)
		}
	}
	assertConverges(t, in, p, o)
}

func typeOrder(t ActionType) int {
	switch t {
	case CreateSecret:
		return 0
	case EnsureLogGroup:
		return 1
	case PutRolePolicy:
		return 2
	case RegisterTaskDefinition:
		return 3
	case UpdateSecurityGroupIngress, CreateSecurityGroup:
		return 4
	case UpdateService:
		return 5
	case UpdateClusterSettings:
		return 6
	}
	return 7
}
