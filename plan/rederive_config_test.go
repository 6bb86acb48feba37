package plan

// Values the configuration supplies (trusted CIDRs, replacement subnets, the host-network fix's
// network, log group names) are re-derived against the applier's configuration: an edited value is
// refused naming the action and the field, and so is any such value when the applier has none.

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/detect"
)

const cfgSource = "arn:aws:ecs:eu-west-1:123456789012:task-definition/app:3"

// configured is the applier's configuration of these tests.
func configured() *ConfiguredValues {
	return &ConfiguredValues{
		TrustedCIDRs:       []string{"10.0.0.0/8"},
		ReplacementSubnets: map[string][]string{"vpc-1": {"subnet-p1", "subnet-p2"}},
		Awsvpc:             map[string]AwsVpcSettings{"prod": {Subnets: []string{"subnet-a"}, SecurityGroups: []string{"sg-a"}}},
	}
}

var world8080 = IngressRule{Protocol: "tcp", FromPort: 8080, ToPort: 8080, CidrIPv4: "0.0.0.0/0"}

func from(cidr string) IngressRule {
	return IngressRule{Protocol: "tcp", FromPort: 8080, ToPort: 8080, CidrIPv4: cidr}
}

func fromGroup(g string) IngressRule {
	return IngressRule{Protocol: "tcp", FromPort: 8080, ToPort: 8080, SourceGroup: g}
}

// withLBs names service api as the one the action protects, and adds to st what the applier read: api
// uses sg-1 and is behind target group tg/api, of load balancers lb/alb (group sg-alb, in vpc-1) and
// lb/other (group sg-other, in vpc-2); load balancer lb/evil (group sg-evil, in vpc-1) is in front of
// another service.
func withLBs(p *Plan, st *ReadState) (*Plan, *ReadState) {
	named := []ProtectedService{{Cluster: "prod", Service: lbService}}
	for i := range p.Actions {
		if u := p.Actions[i].UpdateSecurityGroupIngress; u != nil {
			u.Services = named
		}
		if c := p.Actions[i].CreateSecurityGroup; c != nil {
			c.Services = named
		}
	}
	st.Services = map[string]ServiceSettings{lbService: {Network: &AwsVpcSettings{Subnets: []string{"subnet-a"}, SecurityGroups: []string{"sg-1"}, AssignPublicIp: "DISABLED"}}}
	st.ServiceTargetGroups = map[string][]string{lbService: {lbTG}}
	st.TargetGroups = map[string][]string{lbTG: {lbALB, lbOther}, lbEvilTG: {lbEvil}}
	st.LoadBalancers = map[string]LoadBalancerRead{
		lbALB:   {VpcID: "vpc-1", SecurityGroups: []string{"sg-alb"}},
		lbOther: {VpcID: "vpc-2", SecurityGroups: []string{"sg-other"}},
		lbEvil:  {VpcID: "vpc-1", SecurityGroups: []string{"sg-evil"}},
	}
	return p, st
}

const (
	lbService = "arn:aws:ecs:eu-west-1:123456789012:service/prod/api"
	lbTG      = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/api/1"
	lbEvilTG  = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/evil/2"
	lbALB     = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/alb/1"
	lbOther   = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/other/2"
	lbEvil    = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/evil/3"
)

// ingressPlan replaces the world-open rule of sg-1 by one from src.
func ingressPlan(src IngressRule) (*Plan, *ReadState) {
	p := &Plan{Actions: []Action{{ID: "a1", Type: UpdateSecurityGroupIngress, Region: "eu-west-1", Resource: "sg-1",
		UpdateSecurityGroupIngress: &UpdateSecurityGroupIngressChange{GroupID: "sg-1", VpcID: "vpc-1", Authorize: []IngressRule{src}, Revoke: []IngressRule{world8080}}}}}
	return p, &ReadState{SecurityGroups: map[string]GroupRules{"sg-1": {Ingress: []IngressRule{world8080}}}}
}

// copyPlan copies sg-1 with its world-open rule replaced by one from src.
func copyPlan(src IngressRule) (*Plan, *ReadState) {
	p := &Plan{Actions: []Action{{ID: "a1", Type: CreateSecurityGroup, Region: "eu-west-1", Resource: "sg-1",
		CreateSecurityGroup: &CreateSecurityGroupChange{VpcID: "vpc-1", GroupName: "copy", CopyOf: "sg-1", Ingress: []IngressRule{src}}}}}
	return p, &ReadState{SecurityGroups: map[string]GroupRules{"sg-1": {Ingress: []IngressRule{world8080}}}}
}

// publicIPPlan disables the public IP of a service in subnet-pub, moving it to subnets.
func publicIPPlan(subnets ...string) (*Plan, *ReadState) {
	svc := "arn:aws:ecs:eu-west-1:123456789012:service/prod/api"
	cur := &AwsVpcSettings{Subnets: []string{"subnet-pub"}, SecurityGroups: []string{"sg-1"}, AssignPublicIp: "ENABLED"}
	p := &Plan{Actions: []Action{{ID: "a1", Type: UpdateService, Region: "eu-west-1", Resource: svc,
		UpdateService: &UpdateServiceChange{Cluster: "arn:aws:ecs:eu-west-1:123456789012:cluster/prod", Service: svc,
			Before: ServiceSettings{Network: copyNetwork(cur)},
			After:  ServiceSettings{Network: &AwsVpcSettings{Subnets: subnets, SecurityGroups: []string{"sg-1"}, AssignPublicIp: "DISABLED"}}}}}}
	return p, &ReadState{Services: map[string]ServiceSettings{svc: {TaskDefinition: cfgSource, Network: cur}}}
}

// hostNetworkPlan moves a service off the host network to net.
func hostNetworkPlan(net AwsVpcSettings) (*Plan, *ReadState) {
	svc := "arn:aws:ecs:eu-west-1:123456789012:service/prod/api"
	reg := &RegisterTaskDefinitionChange{SourceArn: cfgSource, Family: "app",
		Before: json.RawMessage(`{"family":"app","networkMode":"host"}`), After: json.RawMessage(`{"family":"app","networkMode":"awsvpc"}`)}
	p := &Plan{Actions: []Action{
		{ID: "a1", Type: RegisterTaskDefinition, Region: "eu-west-1", Resource: cfgSource, RegisterTaskDefinition: reg},
		{ID: "a2", Type: UpdateService, Region: "eu-west-1", Resource: svc, DependsOn: []string{"a1"},
			UpdateService: &UpdateServiceChange{Cluster: "arn:aws:ecs:eu-west-1:123456789012:cluster/prod", Service: svc, TaskDefinitionFrom: "a1",
				Before: ServiceSettings{TaskDefinition: cfgSource},
				After:  ServiceSettings{TaskDefinition: NewRevisionPlaceholder("app", cfgSource), Network: &net}}},
	}}
	return p, &ReadState{Services: map[string]ServiceSettings{svc: {TaskDefinition: cfgSource}}}
}

// ensureGroupPlan creates log group name for a registration of family app, container web.
func ensureGroupPlan(name string) (*Plan, *ReadState) {
	reg := &RegisterTaskDefinitionChange{SourceArn: cfgSource, Family: "app",
		After: json.RawMessage(`{"family":"app","containerDefinitions":[{"name":"web"}]}`)}
	p := &Plan{Actions: []Action{
		{ID: "a1", Type: EnsureLogGroup, Region: "eu-west-1", Resource: name, EnsureLogGroup: &EnsureLogGroupChange{Name: name, RetentionDays: 30}},
		{ID: "a2", Type: RegisterTaskDefinition, Region: "eu-west-1", Resource: cfgSource, RegisterTaskDefinition: reg},
	}}
	return p, &ReadState{}
}

func TestRederiveConfiguredValues(t *testing.T) {
	tests := []struct {
		name  string
		make  func() (*Plan, *ReadState)
		cfg   *ConfiguredValues
		field string // "" when the action is re-derived
		why   string
	}{
		{"ingress: a trusted CIDR", func() (*Plan, *ReadState) { return ingressPlan(from("10.0.0.0/8")) }, configured(), "", ""},
		{"ingress: a load balancer's group", func() (*Plan, *ReadState) {
			return withLBs(ingressPlan(fromGroup("sg-alb")))
		}, nil, "", ""},
		{"ingress: a group of no load balancer", func() (*Plan, *ReadState) { return withLBs(ingressPlan(fromGroup("sg-evil"))) }, nil,
			"updateSecurityGroupIngress.authorize[0]", "not the group of a load balancer in front of service prod/api (as read: sg-alb, sg-other)"},
		{"ingress: a load balancer's group of another VPC", func() (*Plan, *ReadState) { return withLBs(ingressPlan(fromGroup("sg-other"))) }, nil,
			"updateSecurityGroupIngress.authorize[0]", "in vpc-2, not in vpc-1"},
		{"ingress: load balancers not read", func() (*Plan, *ReadState) {
			p, st := withLBs(ingressPlan(fromGroup("sg-alb")))
			st.TargetGroups, st.LoadBalancers = nil, nil
			return p, st
		}, nil, "updateSecurityGroupIngress.services[0]", "whose target groups were not read"},
		{"ingress: no service named", func() (*Plan, *ReadState) { return ingressPlan(fromGroup("sg-alb")) }, nil,
			"updateSecurityGroupIngress.services", "names none (a plan made before ecsfix named them)"},
		{"copy: a load balancer's group", func() (*Plan, *ReadState) { return withLBs(copyPlan(fromGroup("sg-alb"))) }, nil, "", ""},
		{"copy: a group of no load balancer", func() (*Plan, *ReadState) { return withLBs(copyPlan(fromGroup("sg-evil"))) }, nil,
			"createSecurityGroup.ingress[0]", "not the group of a load balancer in front of service"},
		{"ingress: the trusted CIDR replaced", func() (*Plan, *ReadState) { return ingressPlan(from("203.0.113.0/24")) }, configured(),
			"updateSecurityGroupIngress.authorize[0]", "not in fix.network.trusted_cidrs"},
		{"ingress: no configuration", func() (*Plan, *ReadState) { return ingressPlan(from("10.0.0.0/8")) }, nil,
			"updateSecurityGroupIngress.authorize[0]", "given no configuration"},
		{"copy: a trusted CIDR", func() (*Plan, *ReadState) { return copyPlan(from("10.0.0.0/8")) }, configured(), "", ""},
		{"copy: the trusted CIDR replaced", func() (*Plan, *ReadState) { return copyPlan(from("203.0.113.0/24")) }, configured(),
			"createSecurityGroup.ingress[0]", "not in fix.network.trusted_cidrs"},
		{"copy: no configuration", func() (*Plan, *ReadState) { return copyPlan(from("10.0.0.0/8")) }, nil,
			"createSecurityGroup.ingress[0]", "fix.network.trusted_cidrs"},
		{"public IP: the same subnets", func() (*Plan, *ReadState) { return publicIPPlan("subnet-pub") }, nil, "", ""},
		{"public IP: replacement subnets", func() (*Plan, *ReadState) { return publicIPPlan("subnet-p2", "subnet-p1") }, configured(), "", ""},
		{"public IP: a subnet not configured", func() (*Plan, *ReadState) { return publicIPPlan("subnet-p1", "subnet-evil") }, configured(),
			"updateService.after.network.subnets", "fix.network.replacement_subnets"},
		{"public IP: no configuration", func() (*Plan, *ReadState) { return publicIPPlan("subnet-p1") }, nil,
			"updateService.after.network.subnets", "given no configuration"},
		{"host network: the configured network", func() (*Plan, *ReadState) {
			return hostNetworkPlan(AwsVpcSettings{Subnets: []string{"subnet-a"}, SecurityGroups: []string{"sg-a"}, AssignPublicIp: "DISABLED"})
		}, configured(), "", ""},
		{"host network: another subnet", func() (*Plan, *ReadState) {
			return hostNetworkPlan(AwsVpcSettings{Subnets: []string{"subnet-evil"}, SecurityGroups: []string{"sg-a"}, AssignPublicIp: "DISABLED"})
		}, configured(), "updateService.after.network.subnets", "fix.host_network.awsvpc for cluster prod"},
		{"host network: another group", func() (*Plan, *ReadState) {
			return hostNetworkPlan(AwsVpcSettings{Subnets: []string{"subnet-a"}, SecurityGroups: []string{"sg-a", "sg-evil"}, AssignPublicIp: "DISABLED"})
		}, configured(), "updateService.after.network.securityGroups", "fix.host_network.awsvpc for cluster prod"},
		{"host network: a public IP", func() (*Plan, *ReadState) {
			return hostNetworkPlan(AwsVpcSettings{Subnets: []string{"subnet-a"}, SecurityGroups: []string{"sg-a"}, AssignPublicIp: "ENABLED"})
		}, configured(), "updateService.after.network.assignPublicIp", "DISABLED"},
		{"host network: a cluster not configured", func() (*Plan, *ReadState) {
			return hostNetworkPlan(AwsVpcSettings{Subnets: []string{"subnet-a"}, SecurityGroups: []string{"sg-a"}, AssignPublicIp: "DISABLED"})
		}, &ConfiguredValues{}, "updateService.after.network", "names no network for cluster prod"},
		{"host network: no configuration", func() (*Plan, *ReadState) {
			return hostNetworkPlan(AwsVpcSettings{Subnets: []string{"subnet-a"}, SecurityGroups: []string{"sg-a"}, AssignPublicIp: "DISABLED"})
		}, nil, "updateService.after.network", "fix.host_network.awsvpc"},
		{"log group: the default template", func() (*Plan, *ReadState) { return ensureGroupPlan("/ecs/app") }, &ConfiguredValues{LogRetentionDays: 30}, "", ""},
		{"log group: the configured template", func() (*Plan, *ReadState) { return ensureGroupPlan("/svc/app/web") },
			&ConfiguredValues{LogGroupTemplate: "/svc/{family}/{container}", LogRetentionDays: 30}, "", ""},
		{"log group: another name", func() (*Plan, *ReadState) { return ensureGroupPlan("/ecs/other") }, &ConfiguredValues{LogRetentionDays: 30},
			"ensureLogGroup.name", `fix.logs.group_template "/ecs/{family}"`},
		{"log group: another retention", func() (*Plan, *ReadState) { return ensureGroupPlan("/ecs/app") }, &ConfiguredValues{LogRetentionDays: 365},
			"ensureLogGroup.retentionDays", "fix.logs.retention_days of the configuration apply runs with is 365"},
		{"log group: another key", func() (*Plan, *ReadState) { return ensureGroupPlan("/ecs/app") }, &ConfiguredValues{LogRetentionDays: 30, LogKmsKeyID: "alias/logs"},
			"ensureLogGroup.kmsKeyId", `fix.logs.kms_key_id of the configuration apply runs with is "alias/logs"`},
		{"log group: no configuration", func() (*Plan, *ReadState) { return ensureGroupPlan("/ecs/app") }, nil,
			"ensureLogGroup.name", "fix.logs.group_template"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, st := tt.make()
			st.Config = tt.cfg
			a := &p.Actions[0]
			if a.Type == RegisterTaskDefinition {
				a = &p.Actions[1]
			}
			err := p.Rederive(a, st)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var re *RederiveError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want a *RederiveError", err)
			}
			if re.Action != a.ID || re.Path != tt.field {
				t.Errorf("names action %s, field %s; want %s, %s: %v", re.Action, re.Path, a.ID, tt.field, err)
			}
			if !strings.Contains(err.Error(), "action "+a.ID) || !strings.Contains(err.Error(), tt.why) {
				t.Errorf("the message does not name the action and say %q: %v", tt.why, err)
			}
		})
	}
}

// TestRederiveLogGroupNames: a registration's new awslogs group is the template filled with its family
// and container; another is refused, and so is any without a configuration.
func TestRederiveLogGroupNames(t *testing.T) {
	src := &detect.TaskDefinition{}
	if err := json.Unmarshal([]byte(`{"taskDefinitionArn":"`+cfgSource+`","family":"app","containerDefinitions":[{"name":"web","image":"nginx"},{"name":"side","image":"busybox","logConfiguration":{"logDriver":"syslog"}}]}`), src); err != nil {
		t.Fatal(err)
	}
	reg := func(group string) *RegisterTaskDefinitionChange {
		return &RegisterTaskDefinitionChange{SourceArn: cfgSource, Family: "app", After: json.RawMessage(`{"family":"app","containerDefinitions":[` +
			`{"name":"web","image":"nginx","logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"` + group + `"}}},` +
			`{"name":"side","image":"busybox","logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"/kept/as/is"}}}]}`)}
	}
	a := &Action{ID: "a7", Type: RegisterTaskDefinition}
	if err := reg("/ecs/app").checkLogGroupNames(a, src, &ConfiguredValues{}); err != nil {
		t.Errorf("the default template's group refused: %v", err)
	}
	if err := reg("/t/app-web").checkLogGroupNames(a, src, &ConfiguredValues{LogGroupTemplate: "/t/{family}-{container}"}); err != nil {
		t.Errorf("the configured template's group refused: %v", err)
	}
	const field = "containerDefinitions[0].logConfiguration.options.awslogs-group"
	for name, c := range map[string]struct {
		group string
		cfg   *ConfiguredValues
		why   string
	}{
		"another group":    {"/attacker/app", &ConfiguredValues{}, `gives "/ecs/app"`},
		"no configuration": {"/ecs/app", nil, "given no configuration"},
	} {
		err := reg(c.group).checkLogGroupNames(a, src, c.cfg)
		var re *RederiveError
		if !errors.As(err, &re) || re.Action != "a7" || re.Path != field || !strings.Contains(err.Error(), c.why) {
			t.Errorf("%s: err = %v, want action a7, field %s, %q", name, err, field, c.why)
		}
	}
}

// TestRederiveLogGrant: the execution role's grant to write logs names only log groups a registration
// of the plan writes to (whose names are checked against the template there).
func TestRederiveLogGrant(t *testing.T) {
	const role = "arn:aws:iam::123456789012:role/exec"
	grant := func(group string) (*Plan, *ReadState) {
		reg := &RegisterTaskDefinitionChange{SourceArn: cfgSource, Family: "app", After: json.RawMessage(`{"family":"app","executionRoleArn":"` + role +
			`","containerDefinitions":[{"name":"web","logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"/ecs/app","awslogs-region":"eu-west-1"}}}]}`)}
		p := &Plan{Actions: []Action{
			{ID: "a1", Type: PutRolePolicy, Region: "eu-west-1", Resource: role, PutRolePolicy: &PutRolePolicyChange{Role: role, PolicyName: "ecsfix",
				Statements: []PolicyStatement{{Sid: SidWriteLogs, Actions: sidActions[SidWriteLogs],
					Resources: []string{"arn:aws:logs:eu-west-1:123456789012:log-group:" + group + ":*"}}}}},
			{ID: "a2", Type: RegisterTaskDefinition, Region: "eu-west-1", Resource: cfgSource, RegisterTaskDefinition: reg},
		}}
		return p, &ReadState{Roles: map[string]RoleRead{role: {Inline: map[string]string{}}}}
	}
	p, st := grant("/ecs/app")
	if err := p.Rederive(&p.Actions[0], st); err != nil {
		t.Fatalf("the grant on the registration's group refused: %v", err)
	}
	p, st = grant("/attacker/group")
	err := p.Rederive(&p.Actions[0], st)
	var re *RederiveError
	if !errors.As(err, &re) || re.Action != "a1" || re.Path != "putRolePolicy.statements[0].resources[0]" || !strings.Contains(err.Error(), "no registration of the plan writes to") {
		t.Errorf("err = %v, want a refusal naming a1 and putRolePolicy.statements[0].resources[0]", err)
	}
}
