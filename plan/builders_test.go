package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// Builders for the planner's tests, and an in-memory applier that plays a plan against an inventory.

const (
	bAccount = "111122223333"
	bRegion  = "eu-west-1"
	bCluster = "arn:aws:ecs:eu-west-1:111122223333:cluster/prod"
)

func bTDArn(family string, rev int) string {
	return fmt.Sprintf("arn:aws:ecs:%s:%s:task-definition/%s:%d", bRegion, bAccount, family, rev)
}

func bSvcArn(name string) string {
	return fmt.Sprintf("arn:aws:ecs:%s:%s:service/prod/%s", bRegion, bAccount, name)
}

type tdMod func(*detect.TaskDefinition)

// bTD is a compliant revision (one container "app", read-only root, non-root user, logs) changed by mods.
func bTD(family string, rev int, mods ...tdMod) detect.TaskDefinition {
	td := detect.TaskDefinition{TaskDefinition: ecstypes.TaskDefinition{
		TaskDefinitionArn:       aws.String(bTDArn(family, rev)),
		Family:                  aws.String(family),
		Revision:                int32(rev),
		Status:                  ecstypes.TaskDefinitionStatusActive,
		NetworkMode:             ecstypes.NetworkModeAwsvpc,
		Cpu:                     aws.String("256"),
		Memory:                  aws.String("512"),
		ContainerDefinitions:    []ecstypes.ContainerDefinition{bContainer("app")},
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
		Compatibilities:         []ecstypes.Compatibility{ecstypes.CompatibilityEc2, ecstypes.CompatibilityFargate},
	}}
	for _, m := range mods {
		m(&td)
	}
	return td
}

func bContainer(name string) ecstypes.ContainerDefinition {
	return ecstypes.ContainerDefinition{
		Name: aws.String(name), Image: aws.String("example/" + name + ":1"), Essential: aws.Bool(true),
		ReadonlyRootFilesystem: aws.Bool(true), User: aws.String("1000"),
		LogConfiguration: &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs, Options: map[string]string{"awslogs-group": "/ecs/" + name}},
	}
}

// ctrMod changes container i.
func ctrMod(i int, f func(c *ecstypes.ContainerDefinition)) tdMod {
	return func(td *detect.TaskDefinition) { f(&td.ContainerDefinitions[i]) }
}

func withContainer(c ecstypes.ContainerDefinition) tdMod {
	return func(td *detect.TaskDefinition) { td.ContainerDefinitions = append(td.ContainerDefinitions, c) }
}

func withTags(kv ...string) tdMod {
	return func(td *detect.TaskDefinition) { td.Tags = bTags(kv...) }
}

func bTags(kv ...string) []ecstypes.Tag {
	var out []ecstypes.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, ecstypes.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return out
}

type svcMod func(*ecstypes.Service)

func bSvc(name, tdArn string, mods ...svcMod) ecstypes.Service {
	s := ecstypes.Service{
		ServiceArn: aws.String(bSvcArn(name)), ServiceName: aws.String(name), ClusterArn: aws.String(bCluster),
		TaskDefinition: aws.String(tdArn), LaunchType: ecstypes.LaunchTypeFargate, PlatformVersion: aws.String("LATEST"),
		Status: aws.String("ACTIVE"), DesiredCount: 2,
		Deployments: []ecstypes.Deployment{{Id: aws.String("ecs-svc/1" + name), Status: aws.String("PRIMARY"),
			UpdatedAt: aws.Time(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)), TaskDefinition: aws.String(tdArn)}},
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: []string{"subnet-1"}, SecurityGroups: []string{"sg-1"}, AssignPublicIp: ecstypes.AssignPublicIpDisabled}},
	}
	for _, m := range mods {
		m(&s)
	}
	return s
}

func bClusterOf(insights string, tags ...string) ecstypes.Cluster {
	c := ecstypes.Cluster{ClusterArn: aws.String(bCluster), ClusterName: aws.String("prod"), Status: aws.String("ACTIVE"), Tags: bTags(tags...)}
	if insights != "" {
		c.Settings = []ecstypes.ClusterSetting{{Name: ecstypes.ClusterSettingNameContainerInsights, Value: aws.String(insights)}}
	}
	return c
}

func bInventory(tds []detect.TaskDefinition, svcs []ecstypes.Service, clusters ...ecstypes.Cluster) *detect.Inventory {
	if len(clusters) == 0 {
		clusters = []ecstypes.Cluster{bClusterOf("enabled")}
	}
	return &detect.Inventory{TaskDefinitions: tds, Services: svcs, Clusters: clusters}
}

var bNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func bOptions(mods ...func(*Options)) Options {
	o := Options{ToolVersion: "test", Now: bNow, Source: Source{Kind: "snapshot", Path: "test"},
		LinuxUser: "1000", WindowsUser: "ContainerUser",
		OwnerTagKeys: []string{"aws:cloudformation:stack-name", "copilot-application", "terraform"}}
	for _, m := range mods {
		m(&o)
	}
	return o
}

func bSettings() *detect.Settings { return &detect.Settings{Now: bNow} }

// buildPlan evaluates the inventory and builds its plan.
func buildPlan(t testing.TB, in *detect.Inventory, o Options) *Plan {
	t.Helper()
	results := detect.Evaluate(in, bSettings())
	p, err := Build(in, results, o)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	assertFastPathsAgree(t, in, results, o)
	assertSettledAgrees(t, in, results, o)
	assertRisksAgree(t, p, o.Risk)
	assertForPlanningAgrees(t, in, results, o, p)
	assertReleaseAgrees(t, in, results, o, p)
	if err := p.Validate(); err != nil {
		t.Fatalf("the plan does not validate: %v", err)
	}
	assertRederivable(t, in, p, o)
	return p
}

// assertForPlanningAgrees checks that the plan built from ForPlanning's narrowing of the results (the
// FAILED ones, and the controls evaluated as Options.Evaluated) is want, the plan of every result.
func assertForPlanningAgrees(t testing.TB, in *detect.Inventory, results []detect.Result, o Options, want *Plan) {
	t.Helper()
	failed, evaluated := ForPlanning(results)
	for _, r := range failed {
		if r.Status != detect.Failed {
			t.Fatalf("ForPlanning kept a %s result", r.Status)
		}
	}
	o.Evaluated = evaluated
	got, err := Build(in, failed, o)
	if err != nil {
		t.Fatalf("Build of ForPlanning's results: %v", err)
	}
	gb, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	wb, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gb, wb) {
		t.Fatalf("the plan of ForPlanning's results differs from the plan of every result:\n%s\nwant\n%s", gb, wb)
	}
}

// assertRederivable checks that every registration of a plan is re-derived from its source revision as
// the applier re-derives it, and that the plan's state covers what its actions rely on.
func assertRederivable(t testing.TB, in *detect.Inventory, p *Plan, o Options) {
	t.Helper()
	for i := range p.Actions {
		a := &p.Actions[i]
		if a.Type != RegisterTaskDefinition {
			continue
		}
		src, ok := in.TaskDefinition(a.RegisterTaskDefinition.SourceArn)
		if !ok {
			t.Fatalf("%s: source %s not in the inventory", a.ID, a.RegisterTaskDefinition.SourceArn)
		}
		if err := p.RebuildRegistrationFrom(a, src, &ReadState{Images: in.Images, ImageFindings: in.Vulnerabilities, Config: o.ConfiguredValues()}); err != nil {
			t.Errorf("re-derive: %v", err)
		}
	}
	if err := p.CheckStateCoverage(); err != nil {
		t.Errorf("state coverage: %v", err)
	}
}

// applyPlan plays a plan against a copy of the inventory, as the applier would: each registration adds
// an ACTIVE revision with the family's next number (its input rebuilt with Input, masked values filled
// from the source), each service update moves the service, each cluster update sets its settings.
func applyPlan(t testing.TB, in *detect.Inventory, p *Plan) *detect.Inventory {
	t.Helper()
	out := &detect.Inventory{
		TaskDefinitions: append([]detect.TaskDefinition(nil), in.TaskDefinitions...),
		Services:        append([]ecstypes.Service(nil), in.Services...),
		Clusters:        append([]ecstypes.Cluster(nil), in.Clusters...),
		TaskSets:        in.TaskSets, CapacityProviders: in.CapacityProviders, SecurityGroups: in.SecurityGroups,
		Subnets: in.Subnets, RouteTables: in.RouteTables, LoadBalancers: in.LoadBalancers,
		TargetGroups: in.TargetGroups, VpcEndpoints: in.VpcEndpoints, VpcEndpointsKnown: in.VpcEndpointsKnown,
		NetworkInterfaces: in.NetworkInterfaces, NetworkInterfacesKnown: in.NetworkInterfacesKnown,
	}
	out.SecurityGroups = nil
	for _, g := range in.SecurityGroups {
		g.IpPermissions = append([]ec2types.IpPermission(nil), g.IpPermissions...)
		out.SecurityGroups = append(out.SecurityGroups, g)
	}
	createdGroups := map[string]string{} // create-security-group action id -> new group id
	for _, r := range in.Roles {
		r.Inline = append([]detect.PolicyDocument(nil), r.Inline...)
		r.Attached = append([]detect.AttachedPolicy(nil), r.Attached...)
		out.Roles = append(out.Roles, r)
	}
	registered := map[string]string{} // action id -> new ARN
	secretArns := map[string]string{} // create-secret action id -> secret ARN
	sources := map[string]*detect.TaskDefinition{}
	for i := range in.TaskDefinitions {
		sources[in.TaskDefinitions[i].ARN()] = &in.TaskDefinitions[i]
	}
	done := map[string]bool{}
	for _, a := range p.Actions {
		for _, d := range a.DependsOn {
			if !done[d] {
				t.Fatalf("action %s depends on %s, which is not an earlier action", a.ID, d)
			}
		}
		done[a.ID] = true
		switch a.Type {
		case RegisterTaskDefinition:
			src, ok := in.TaskDefinition(a.RegisterTaskDefinition.SourceArn)
			if !ok {
				t.Fatalf("%s: source %s not in inventory", a.ID, a.RegisterTaskDefinition.SourceArn)
			}
			input, err := a.RegisterTaskDefinition.Input(src, secretArns)
			if err != nil {
				t.Fatalf("%s: Input: %v", a.ID, err)
			}
			fam := aws.ToString(input.Family)
			next := 0
			for _, td := range out.TaskDefinitions {
				if aws.ToString(td.Family) == fam && int(td.Revision) > next {
					next = int(td.Revision)
				}
			}
			next++
			arn := src.ARN()[:strings.LastIndexByte(src.ARN(), ':')] + fmt.Sprintf(":%d", next)
			td := revisionOf(input, arn, int32(next))
			out.TaskDefinitions = append(out.TaskDefinitions, td)
			registered[a.ID] = arn
		case UpdateService:
			u := a.UpdateService
			found := false
			for i := range out.Services {
				s := &out.Services[i]
				if aws.ToString(s.ServiceArn) != a.Resource {
					continue
				}
				found = true
				if u.After.TaskDefinition != "" && u.TaskDefinitionFrom == "" {
					s.TaskDefinition = aws.String(u.After.TaskDefinition)
				} else if u.After.TaskDefinition != "" {
					arn, ok := registered[u.TaskDefinitionFrom]
					if !ok {
						t.Fatalf("%s: taskDefinitionFrom %q was not registered", a.ID, u.TaskDefinitionFrom)
					}
					s.TaskDefinition = aws.String(arn)
				}
				if u.After.PlatformVersion != "" {
					s.PlatformVersion = aws.String(u.After.PlatformVersion)
				}
				if n := u.After.Network; n != nil {
					var groups []string
					for _, g := range n.SecurityGroups {
						if from, ok := u.SecurityGroupsFrom[g]; ok {
							id, ok := createdGroups[from]
							if !ok {
								t.Fatalf("%s: securityGroupsFrom %q was not created", a.ID, from)
							}
							g = id
						}
						groups = append(groups, g)
					}
					s.NetworkConfiguration = &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
						Subnets: append([]string(nil), n.Subnets...), SecurityGroups: groups,
						AssignPublicIp: ecstypes.AssignPublicIp(n.AssignPublicIp)}}
				}
			}
			if !found {
				t.Fatalf("%s: service %s not found", a.ID, a.Resource)
			}
		case UpdateSecurityGroupIngress:
			c := a.UpdateSecurityGroupIngress
			found := false
			for i := range out.SecurityGroups {
				g := &out.SecurityGroups[i]
				if aws.ToString(g.GroupId) != c.GroupID {
					continue
				}
				found = true
				revoke := map[string]bool{}
				for _, r := range c.Revoke {
					revoke[RuleKey(r)] = true
				}
				var kept []ec2types.IpPermission
				for _, r := range RulesOf(g.IpPermissions) {
					if !revoke[RuleKey(r)] {
						kept = append(kept, permissionOf(r))
					}
				}
				for _, r := range c.Authorize {
					kept = append(kept, permissionOf(r))
				}
				g.IpPermissions = kept
			}
			if !found {
				t.Fatalf("%s: security group %s not found", a.ID, c.GroupID)
			}
		case CreateSecurityGroup:
			c := a.CreateSecurityGroup
			id := "sg-copy" + a.ID
			g := ec2types.SecurityGroup{GroupId: aws.String(id), GroupName: aws.String(c.GroupName), VpcId: aws.String(c.VpcID),
				Description: aws.String(c.Description)}
			for _, r := range c.Ingress {
				g.IpPermissions = append(g.IpPermissions, permissionOf(r))
			}
			for _, r := range c.Egress {
				g.IpPermissionsEgress = append(g.IpPermissionsEgress, permissionOf(r))
			}
			out.SecurityGroups = append(out.SecurityGroups, g)
			createdGroups[a.ID] = id
		case CreateSecret:
			if _, err := a.CreateSecret.SecretString(sources); err != nil {
				t.Fatalf("%s: SecretString: %v", a.ID, err)
			}
			secretArns[a.ID] = a.Resource + "-AbCdEf"
		case EnsureLogGroup:
			if a.EnsureLogGroup.Name == "" {
				t.Fatalf("%s: no log group name", a.ID)
			}
		case PutRolePolicy:
			c := a.PutRolePolicy
			found := false
			for i := range out.Roles {
				r := &out.Roles[i]
				if r.Arn != c.Role {
					continue
				}
				found = true
				cur, at := "", -1
				for j, p := range r.Inline {
					if p.Name == c.PolicyName {
						cur, at = p.Document, j
					}
				}
				doc, err := c.Document(cur, secretArns)
				if err != nil {
					t.Fatalf("%s: Document: %v", a.ID, err)
				}
				if at >= 0 {
					r.Inline[at].Document = doc
				} else {
					r.Inline = append(r.Inline, detect.PolicyDocument{Name: c.PolicyName, Document: doc})
				}
			}
			if !found {
				doc, err := c.Document("", secretArns)
				if err != nil {
					t.Fatalf("%s: Document: %v", a.ID, err)
				}
				out.Roles = append(out.Roles, detect.Role{Arn: c.Role, Name: c.Role[strings.LastIndexByte(c.Role, '/')+1:],
					Inline: []detect.PolicyDocument{{Name: c.PolicyName, Document: doc}}})
			}
		case DeregisterTaskDefinition:
			for _, arn := range a.DeregisterTaskDefinition.TaskDefinitions {
				for i := range out.TaskDefinitions {
					if out.TaskDefinitions[i].ARN() == arn {
						out.TaskDefinitions[i].Status = ecstypes.TaskDefinitionStatusInactive
					}
				}
			}
		case DetachRolePolicy:
			c := a.DetachRolePolicy
			r := roleIn(t, out, c.Role)
			at := -1
			for j, ap := range r.Attached {
				if ap.Arn == c.PolicyArn {
					at = j
				}
			}
			if at < 0 {
				t.Fatalf("%s: %s is not attached to %s", a.ID, c.PolicyArn, c.Role)
			}
			r.Attached = append(r.Attached[:at], r.Attached[at+1:]...)
		case RemovePolicyStatements:
			c := a.RemovePolicyStatements
			r := roleIn(t, out, c.Role)
			at := -1
			for j, ip := range r.Inline {
				if ip.Name == c.PolicyName {
					at = j
				}
			}
			if at < 0 || r.Inline[at].Document != c.Before {
				t.Fatalf("%s: inline policy %s of %s is not the planned before", a.ID, c.PolicyName, c.Role)
			}
			if c.After == "" {
				r.Inline = append(r.Inline[:at], r.Inline[at+1:]...)
			} else {
				r.Inline[at].Document = c.After
			}
		case UpdateClusterSettings:
			for i := range out.Clusters {
				c := &out.Clusters[i]
				if aws.ToString(c.ClusterArn) != a.Resource {
					continue
				}
				var settings []ecstypes.ClusterSetting
				set := map[string]bool{}
				for _, st := range a.UpdateClusterSettings.After {
					set[st.Name] = true
					settings = append(settings, ecstypes.ClusterSetting{Name: ecstypes.ClusterSettingName(st.Name), Value: aws.String(st.Value)})
				}
				for _, st := range c.Settings {
					if !set[string(st.Name)] {
						settings = append(settings, st)
					}
				}
				c.Settings = settings
			}
		}
	}
	return out
}

// roleIn is the role of that ARN in an inventory being applied to.
func roleIn(t testing.TB, in *detect.Inventory, arn string) *detect.Role {
	t.Helper()
	for i := range in.Roles {
		if in.Roles[i].Arn == arn {
			return &in.Roles[i]
		}
	}
	t.Fatalf("role %s is not in the inventory", arn)
	return nil
}

// assertConverges applies the plan, re-plans the result, and fails when the new plan has any action.
func assertConverges(t *testing.T, in *detect.Inventory, p *Plan, o Options) *detect.Inventory {
	t.Helper()
	after := applyPlan(t, in, p)
	again := buildPlan(t, after, o)
	for _, a := range again.Actions {
		t.Errorf("re-planning the applied estate gives action %s %s on %s (%v): %s", a.ID, a.Type, a.Resource, a.Controls, a.Summary)
	}
	return after
}

// permissionOf is the EC2 permission of one rule.
func permissionOf(r IngressRule) ec2types.IpPermission {
	p := ec2types.IpPermission{IpProtocol: aws.String(r.Protocol), FromPort: aws.Int32(r.FromPort), ToPort: aws.Int32(r.ToPort)}
	switch {
	case r.CidrIPv4 != "":
		p.IpRanges = []ec2types.IpRange{{CidrIp: aws.String(r.CidrIPv4)}}
	case r.CidrIPv6 != "":
		p.Ipv6Ranges = []ec2types.Ipv6Range{{CidrIpv6: aws.String(r.CidrIPv6)}}
	default:
		p.UserIdGroupPairs = []ec2types.UserIdGroupPair{{GroupId: aws.String(r.SourceGroup)}}
	}
	return p
}

// revisionOf is the revision a registration of in would create, as the detector sees it (for
// applying a plan in memory).
func revisionOf(in *ecs.RegisterTaskDefinitionInput, arn string, revision int32) detect.TaskDefinition {
	c := deepCopy(*in)
	td := detect.TaskDefinition{
		TaskDefinition: ecstypes.TaskDefinition{
			ContainerDefinitions:    c.ContainerDefinitions,
			Family:                  c.Family,
			Cpu:                     c.Cpu,
			EnableFaultInjection:    c.EnableFaultInjection,
			EphemeralStorage:        c.EphemeralStorage,
			ExecutionRoleArn:        c.ExecutionRoleArn,
			InferenceAccelerators:   c.InferenceAccelerators,
			IpcMode:                 c.IpcMode,
			Memory:                  c.Memory,
			NetworkMode:             c.NetworkMode,
			PidMode:                 c.PidMode,
			PlacementConstraints:    c.PlacementConstraints,
			ProxyConfiguration:      c.ProxyConfiguration,
			RequiresCompatibilities: c.RequiresCompatibilities,
			RuntimePlatform:         c.RuntimePlatform,
			TaskRoleArn:             c.TaskRoleArn,
			Volumes:                 c.Volumes,
			TaskDefinitionArn:       aws.String(arn),
			Revision:                revision,
			Status:                  ecstypes.TaskDefinitionStatusActive,
		},
		Tags: c.Tags,
	}
	return td
}

// imagesRead marks every image the inventory's task definitions name as read from ECR, declaring no
// user and no volume: the writable paths of such an image are known (only the configured ones), so the
// read-only-root fix of its containers keeps ECS.5's own risk instead of an unknown image's high.
func imagesRead(in *detect.Inventory) *detect.Inventory {
	if in.Images == nil {
		in.Images = map[string]detect.ImageConfig{}
	}
	for _, td := range in.TaskDefinitions {
		for _, c := range td.ContainerDefinitions {
			ref := aws.ToString(c.Image)
			in.Images[ref] = detect.ImageConfig{Image: ref, Digest: "sha256:" + strings.Repeat("0", 64), OS: "linux", Architecture: "amd64"}
		}
	}
	return in
}
