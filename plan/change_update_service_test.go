package plan

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/detect"
)

// Tests of the update-service change kind: its validation, the controls it may carry, its risk floor,
// Rebuild from the state read at apply time, and its diff.

func svcAction(u UpdateServiceChange, controls ...string) Action {
	return Action{ID: "s1", Type: UpdateService, Account: fxAccount, Region: fxRegion, Resource: fxWebSvc,
		Controls: controls, Risk: RiskHigh, Summary: "update", UpdateService: &u}
}

// sgCopyAction is a valid create-security-group action g1.
func sgCopyAction() Action {
	return Action{ID: "g1", Type: CreateSecurityGroup, Account: fxAccount, Region: fxRegion, Resource: "sg-shared",
		Controls: []string{detect.ExposureOpenSecurityGroupID}, Risk: RiskHigh, Summary: "copy",
		CreateSecurityGroup: &CreateSecurityGroupChange{VpcID: "vpc-1", GroupName: "copy", Description: "copy", CopyOf: "sg-shared",
			Ingress: []IngressRule{{Protocol: "tcp", FromPort: 443, ToPort: 443, SourceGroup: "sg-lb"}}}}
}

func net(ip string, sgs ...string) *AwsVpcSettings {
	return &AwsVpcSettings{Subnets: []string{"subnet-1"}, SecurityGroups: sgs, AssignPublicIp: ip}
}

func TestUpdateServiceValidate(t *testing.T) {
	reg := fixtureAction(t, "a1") // a registration fixing ECS.5
	g1 := sgCopyAction()
	ph := SecurityGroupPlaceholder("g1")
	pv := ServiceSettings{PlatformVersion: "LATEST"}
	td := ServiceSettings{TaskDefinition: "web"}
	cases := []vcase{
		{"platform version", nil, svcAction(UpdateServiceChange{Cluster: "prod", Service: "web", After: pv}, "ECS.10"), ""},
		{"no cluster", nil, svcAction(UpdateServiceChange{Service: "web", After: pv}, "ECS.10"), "cluster and service are required"},
		{"no service", nil, svcAction(UpdateServiceChange{Cluster: "prod", After: pv}, "ECS.10"), "cluster and service are required"},
		{"after changes nothing", nil, svcAction(UpdateServiceChange{Cluster: "prod", Service: "web"}, "ECS.10"), "after changes nothing"},
		{"deploys an earlier registration", []Action{reg}, svcAction(UpdateServiceChange{Cluster: "prod", Service: "web", After: td, TaskDefinitionFrom: "a1"}, "ECS.5"), ""},
		{"taskDefinitionFrom names nothing", []Action{reg}, svcAction(UpdateServiceChange{Cluster: "prod", Service: "web", After: td, TaskDefinitionFrom: "a9"}, "ECS.5"), `taskDefinitionFrom "a9" is not an earlier registration`},
		{"taskDefinitionFrom names another kind", []Action{g1}, svcAction(UpdateServiceChange{Cluster: "prod", Service: "web", After: td, TaskDefinitionFrom: "g1"}, "ECS.5"), `taskDefinitionFrom "g1" is not an earlier registration`},
		{"network", nil, svcAction(UpdateServiceChange{Cluster: "prod", Service: "web", After: ServiceSettings{Network: net("DISABLED", "sg-1")}}, "ECS.2"), ""},
		{"network ENABLED", nil, svcAction(UpdateServiceChange{Cluster: "prod", Service: "web", After: ServiceSettings{Network: net("ENABLED", "sg-1"), PlatformVersion: "LATEST"}}, "ECS.10"), ""},
		{"network without subnets", nil, svcAction(UpdateServiceChange{Cluster: "prod", Service: "web", After: ServiceSettings{Network: &AwsVpcSettings{SecurityGroups: []string{"sg-1"}, AssignPublicIp: "DISABLED"}}}, "ECS.2"), "after.network: subnets is empty"},
		{"second subnet bad", nil, svcAction(UpdateServiceChange{Cluster: "prod", Service: "web", After: ServiceSettings{Network: &AwsVpcSettings{Subnets: []string{"subnet-1", "net-2"}, SecurityGroups: []string{"sg-1"}, AssignPublicIp: "DISABLED"}}}, "ECS.2"), `subnet 2: "net-2" is not a subnet id`},
		{"second group bad", nil, svcAction(UpdateServiceChange{Cluster: "prod", Service: "web", After: ServiceSettings{Network: net("DISABLED", "sg-1", "group-2")}}, "ECS.2"), `security group 2: "group-2" is not a security group id`},
		{"no group", nil, svcAction(UpdateServiceChange{Cluster: "prod", Service: "web", After: ServiceSettings{Network: net("DISABLED")}}, "ECS.2"), "securityGroups is empty"},
		{"assignPublicIp missing", nil, svcAction(UpdateServiceChange{Cluster: "prod", Service: "web", After: ServiceSettings{Network: net("", "sg-1"), PlatformVersion: "LATEST"}}, "ECS.10"), `assignPublicIp "" is not ENABLED or DISABLED`},
		{"before network checked", nil, svcAction(UpdateServiceChange{Cluster: "prod", Service: "web", Before: ServiceSettings{Network: net("DISABLED", "x")}, After: ServiceSettings{Network: net("DISABLED", "sg-1")}}, "ECS.2"), `before.network: security group 1: "x"`},
		{"moves to a copy", []Action{g1}, svcAction(UpdateServiceChange{Cluster: "prod", Service: "web", After: ServiceSettings{Network: net("ENABLED", ph, "sg-2")},
			SecurityGroupsFrom: map[string]string{ph: "g1"}}, detect.ExposureOpenSecurityGroupID), ""},
		{"a bad group after a placeholder", []Action{g1}, svcAction(UpdateServiceChange{Cluster: "prod", Service: "web", After: ServiceSettings{Network: net("ENABLED", ph, "group-2")},
			SecurityGroupsFrom: map[string]string{ph: "g1"}}, detect.ExposureOpenSecurityGroupID), `security group 2: "group-2" is not a security group id`},
		{"placeholder of another action", []Action{g1}, svcAction(UpdateServiceChange{Cluster: "prod", Service: "web", After: ServiceSettings{Network: net("ENABLED", SecurityGroupPlaceholder("g2"))},
			SecurityGroupsFrom: map[string]string{SecurityGroupPlaceholder("g2"): "g1"}}, detect.ExposureOpenSecurityGroupID), `is not the one of action "g1"`},
		{"placeholder not in the groups", []Action{g1}, svcAction(UpdateServiceChange{Cluster: "prod", Service: "web", After: ServiceSettings{Network: net("ENABLED", "sg-2")},
			SecurityGroupsFrom: map[string]string{ph: "g1"}}, detect.ExposureOpenSecurityGroupID), "is not in after.network.securityGroups"},
		{"placeholder without a network", []Action{g1}, svcAction(UpdateServiceChange{Cluster: "prod", Service: "web", After: pv,
			SecurityGroupsFrom: map[string]string{ph: "g1"}}, "ECS.10"), "is not in after.network.securityGroups"},
		{"placeholder of no earlier action", nil, svcAction(UpdateServiceChange{Cluster: "prod", Service: "web", After: ServiceSettings{Network: net("ENABLED", ph)},
			SecurityGroupsFrom: map[string]string{ph: "g1"}}, detect.ExposureOpenSecurityGroupID), `"g1" is not an earlier create-security-group action`},
		{"placeholder of a registration", []Action{reg}, svcAction(UpdateServiceChange{Cluster: "prod", Service: "web", After: ServiceSettings{Network: net("ENABLED", SecurityGroupPlaceholder("a1"))},
			SecurityGroupsFrom: map[string]string{SecurityGroupPlaceholder("a1"): "a1"}}, detect.ExposureOpenSecurityGroupID), `"a1" is not an earlier create-security-group action`},
		{"placeholder not mapped", []Action{g1}, svcAction(UpdateServiceChange{Cluster: "prod", Service: "web", After: ServiceSettings{Network: net("ENABLED", ph, "(other)")},
			SecurityGroupsFrom: map[string]string{ph: "g1"}}, detect.ExposureOpenSecurityGroupID), `placeholder "(other)" is not in securityGroupsFrom`},
	}
	checkValidate(t, cases)
}

func TestUpdateServiceControls(t *testing.T) {
	reg := fixtureAction(t, "a1") // fixes ECS.5
	g1 := sgCopyAction()
	ph := SecurityGroupPlaceholder("g1")
	base := UpdateServiceChange{Cluster: "prod", Service: "web"}
	with := func(after ServiceSettings, from string) UpdateServiceChange {
		u := base
		u.After, u.TaskDefinitionFrom = after, from
		return u
	}
	copyTo := func(ip string) UpdateServiceChange {
		u := with(ServiceSettings{Network: net(ip, ph)}, "")
		u.SecurityGroupsFrom = map[string]string{ph: "g1"}
		return u
	}
	td := ServiceSettings{TaskDefinition: "web"}
	cases := []vcase{
		{"ECS.2 with DISABLED", nil, svcAction(with(ServiceSettings{Network: net("DISABLED", "sg-1")}, ""), "ECS.2"), ""},
		{"public-ip exposure with DISABLED", nil, svcAction(with(ServiceSettings{Network: net("DISABLED", "sg-1")}, ""), detect.ExposurePublicIPID), ""},
		{"ECS.2 with ENABLED", nil, svcAction(with(ServiceSettings{Network: net("ENABLED", "sg-1")}, ""), "ECS.2"), "assignPublicIp DISABLED, which this update does not set"},
		{"public-ip exposure without a network", nil, svcAction(with(ServiceSettings{PlatformVersion: "LATEST"}, ""), "ECS.10", detect.ExposurePublicIPID), "assignPublicIp DISABLED, which this update does not set"},
		{"open group with a copy", []Action{g1}, svcAction(copyTo("ENABLED"), detect.ExposureOpenSecurityGroupID), ""},
		{"open group without a copy", nil, svcAction(with(ServiceSettings{Network: net("ENABLED", "sg-1")}, ""), detect.ExposureOpenSecurityGroupID), "moves the service to copied security groups"},
		{"ECS.10 with a platform version", nil, svcAction(with(ServiceSettings{PlatformVersion: "LATEST"}, ""), "ecs.10"), ""},
		{"ECS.10 without", nil, svcAction(with(ServiceSettings{Network: net("DISABLED", "sg-1")}, ""), "ECS.2", "ECS.10"), "ECS.10 is fixed by setting the platform version"},
		{"revision control without a revision", nil, svcAction(with(ServiceSettings{PlatformVersion: "LATEST"}, ""), "ECS.5"), `"ECS.5" is not fixed by a service update that does not change the task definition`},
		{"revision not registered, revision control", nil, svcAction(with(td, ""), "ECS.5"), ""},
		{"revision not registered, cluster control", nil, svcAction(with(td, ""), "ECS.12"), `"ECS.12" is not a control that a new task-definition revision fixes`},
		{"registration's control", []Action{reg}, svcAction(with(td, "a1"), "ecs.5"), ""},
		{"not the registration's control", []Action{reg}, svcAction(with(td, "a1"), "ECS.5", "ECS.4"), `"ECS.4" is not among the controls of registration a1`},
	}
	checkValidate(t, cases)
}

func TestUpdateServiceRiskFloor(t *testing.T) {
	reg := fixtureAction(t, "a1") // medium, ECS.5
	g1 := sgCopyAction()
	u := func(after ServiceSettings, from string) Action {
		return svcAction(UpdateServiceChange{Cluster: "prod", Service: "web", After: after, TaskDefinitionFrom: from}, "ECS.5")
	}
	td := ServiceSettings{TaskDefinition: "web"}
	cases := []rcase{
		{"changes nothing", nil, u(ServiceSettings{}, ""), nil, RiskHigh},
		{"a revision not registered", nil, u(td, ""), nil, RiskHigh},
		{"a registration that is not in the plan", nil, u(td, "a1"), nil, RiskHigh},
		{"taskDefinitionFrom names another kind", []Action{g1}, u(td, "g1"), nil, RiskHigh},
		{"the registration's risk", []Action{reg}, u(td, "a1"), nil, RiskMedium},
		{"the registration's overridden risk", []Action{reg}, u(td, "a1"), map[string]Risk{"ECS.5": RiskLow}, RiskMedium}, // a1 is labelled medium
		{"LATEST", nil, u(ServiceSettings{PlatformVersion: "LATEST"}, ""), nil, RiskLow},
		{"LATEST, ECS.10 overridden", nil, u(ServiceSettings{PlatformVersion: "LATEST"}, ""), map[string]Risk{"ECS.10": RiskMedium}, RiskMedium},
		{"another platform version", nil, u(ServiceSettings{PlatformVersion: "1.4.0"}, ""), nil, RiskHigh},
		{"registration and LATEST", []Action{reg}, u(ServiceSettings{TaskDefinition: "web", PlatformVersion: "LATEST"}, "a1"), map[string]Risk{"ECS.10": RiskHigh}, RiskHigh},
		{"registration and LATEST, registration higher", []Action{reg}, u(ServiceSettings{TaskDefinition: "web", PlatformVersion: "LATEST"}, "a1"), nil, RiskMedium},
		{"network", nil, u(ServiceSettings{Network: net("DISABLED", "sg-1")}, ""), map[string]Risk{"ECS.2": RiskLow}, RiskHigh},
		{"LATEST and network", nil, u(ServiceSettings{PlatformVersion: "LATEST", Network: net("DISABLED", "sg-1")}, ""), nil, RiskHigh},
	}
	checkRisk(t, cases)
	// The registration's risk is its effective risk: a registration labelled low with a high control.
	low := reg
	low.Risk = RiskLow
	low.Controls = []string{"ECS.4"}
	checkRisk(t, []rcase{{"registration's effective risk", []Action{low}, u(td, "a1"), nil, RiskHigh}})
	low.Controls = []string{"ECS.5"}
	low.RegisterTaskDefinition = &RegisterTaskDefinitionChange{SourceArn: fxWeb3, Family: "web", Edits: []Edit{{Control: "ECS.5"}}}
	checkRisk(t, []rcase{{"registration overridden low", []Action{low}, u(td, "a1"), map[string]Risk{"ECS.5": RiskLow}, RiskLow}})
}

func TestRebuildServiceSettingsCases(t *testing.T) {
	produced := func(m map[string]string) func(string) string { return func(id string) string { return m[id] } }
	read := ServiceSettings{TaskDefinition: "td:3", PlatformVersion: "1.3.0",
		Network: &AwsVpcSettings{Subnets: []string{"subnet-a", "subnet-b"}, SecurityGroups: []string{"sg-a", "sg-b"}, AssignPublicIp: "DISABLED"}}
	tests := []struct {
		name    string
		u       UpdateServiceChange
		before  ServiceBefore
		want    ServiceSettings
		wantErr string
	}{
		{"a revision not registered", UpdateServiceChange{After: ServiceSettings{TaskDefinition: "td:9"}},
			ServiceBefore{Settings: read}, ServiceSettings{TaskDefinition: "td:9", PlatformVersion: "1.3.0", Network: read.Network}, ""},
		{"a registration without Produced", UpdateServiceChange{After: ServiceSettings{TaskDefinition: "web"}, TaskDefinitionFrom: "a1"},
			ServiceBefore{Settings: read}, ServiceSettings{}, "registration a1 produced no revision"},
		{"a registration's revision", UpdateServiceChange{After: ServiceSettings{TaskDefinition: "web"}, TaskDefinitionFrom: "a1"},
			ServiceBefore{Settings: read, Produced: produced(map[string]string{"a1": "td:4"})}, ServiceSettings{TaskDefinition: "td:4", PlatformVersion: "1.3.0", Network: read.Network}, ""},
		{"a copy that produced no group", UpdateServiceChange{After: ServiceSettings{Network: net("DISABLED", SecurityGroupPlaceholder("g1"))},
			SecurityGroupsFrom: map[string]string{SecurityGroupPlaceholder("g1"): "g1"}},
			ServiceBefore{Settings: read, Produced: produced(nil)}, ServiceSettings{}, "create-security-group g1 produced no group"},
		{"the plan read no network", UpdateServiceChange{After: ServiceSettings{Network: net("DISABLED", SecurityGroupPlaceholder("g1"), "sg-x")},
			SecurityGroupsFrom: map[string]string{SecurityGroupPlaceholder("g1"): "g1"}},
			ServiceBefore{Settings: read, Produced: produced(map[string]string{"g1": "sg-copy"})},
			ServiceSettings{TaskDefinition: "td:3", PlatformVersion: "1.3.0", Network: &AwsVpcSettings{Subnets: []string{"subnet-1"}, SecurityGroups: []string{"sg-copy", "sg-x"}, AssignPublicIp: "DISABLED"}}, ""},
		{"no network read", UpdateServiceChange{Before: ServiceSettings{Network: net("ENABLED", "sg-a")}, After: ServiceSettings{Network: net("DISABLED", "sg-a")}},
			ServiceBefore{Settings: ServiceSettings{TaskDefinition: "td:3"}},
			ServiceSettings{TaskDefinition: "td:3", Network: net("DISABLED", "sg-a")}, ""},
		{"assignPublicIp the plan does not change stays as read", UpdateServiceChange{
			Before: ServiceSettings{Network: &AwsVpcSettings{Subnets: []string{"subnet-a"}, SecurityGroups: []string{"sg-a"}, AssignPublicIp: "ENABLED"}},
			After:  ServiceSettings{Network: &AwsVpcSettings{Subnets: []string{"subnet-a"}, SecurityGroups: []string{"sg-c"}, AssignPublicIp: "ENABLED"}}},
			ServiceBefore{Settings: read},
			ServiceSettings{TaskDefinition: "td:3", PlatformVersion: "1.3.0", Network: &AwsVpcSettings{Subnets: []string{"subnet-a", "subnet-b"}, SecurityGroups: []string{"sg-b", "sg-c"}, AssignPublicIp: "DISABLED"}}, ""},
		{"a group removed and put back stays once", UpdateServiceChange{
			Before: ServiceSettings{Network: &AwsVpcSettings{Subnets: []string{"subnet-a"}, SecurityGroups: []string{"sg-a", "sg-b"}, AssignPublicIp: "DISABLED"}},
			After:  ServiceSettings{Network: &AwsVpcSettings{Subnets: []string{"subnet-a"}, SecurityGroups: []string{"sg-b", "sg-a"}, AssignPublicIp: "ENABLED"}}},
			ServiceBefore{Settings: read},
			ServiceSettings{TaskDefinition: "td:3", PlatformVersion: "1.3.0", Network: &AwsVpcSettings{Subnets: []string{"subnet-a", "subnet-b"}, SecurityGroups: []string{"sg-a", "sg-b"}, AssignPublicIp: "ENABLED"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.u.Rebuild(tt.before)
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !reflect.DeepEqual(got, ServiceSettings{}) {
					t.Errorf("Rebuild = %+v, %v; want error %q", got, err, tt.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			case !reflect.DeepEqual(got, tt.want):
				t.Errorf("Rebuild = %+v %+v, want %+v %+v", got, got.Network, tt.want, tt.want.Network)
			}
			if got.Network != nil && tt.before.Settings.Network != nil && got.Network == tt.before.Settings.Network {
				t.Error("Rebuild returned the network it read")
			}
		})
	}
	// The network read is copied, never shared.
	u := UpdateServiceChange{After: ServiceSettings{PlatformVersion: "LATEST"}}
	got, _ := u.Rebuild(ServiceBefore{Settings: read})
	got.Network.Subnets[0], got.Network.SecurityGroups[0] = "changed", "changed"
	if read.Network.Subnets[0] != "subnet-a" || read.Network.SecurityGroups[0] != "sg-a" {
		t.Error("Rebuild shares the lists of the network it read")
	}
	if copyNetwork(nil) != nil {
		t.Error("copyNetwork(nil) is not nil")
	}
}

func TestUpdateServiceDiff(t *testing.T) {
	tests := []struct {
		name string
		u    UpdateServiceChange
		want []string // lines of the diff
		not  []string
	}{
		{"a service ARN", UpdateServiceChange{Cluster: fxCluster, Service: fxWebSvc,
			Before: ServiceSettings{TaskDefinition: "web:3"}, After: ServiceSettings{TaskDefinition: "web", PlatformVersion: "LATEST"}, TaskDefinitionFrom: "a1"},
			[]string{"--- service/prod/web (now)", "+++ service/prod/web (after)", "-taskDefinition: web:3", "+taskDefinition: web (the revision a1 registers)",
				"-platformVersion: (not set)", "+platformVersion: LATEST"}, []string{"network"}},
		{"a service name", UpdateServiceChange{Cluster: fxCluster, Service: "web",
			Before: ServiceSettings{TaskDefinition: "web:3", PlatformVersion: "1.3.0"}, After: ServiceSettings{TaskDefinition: "web:4"}},
			[]string{"--- service/prod/web (now)", "-taskDefinition: web:3", "+taskDefinition: web:4", " platformVersion: 1.3.0"}, []string{"registers", "(not set)"}},
		{"a network set", UpdateServiceChange{Cluster: "prod", Service: "web",
			After: ServiceSettings{Network: &AwsVpcSettings{Subnets: []string{"subnet-1", "subnet-2"}, AssignPublicIp: "DISABLED"}}},
			[]string{"-network: (not set)", "+network.subnets: subnet-1, subnet-2", "+network.securityGroups: (none)", "+network.assignPublicIp: DISABLED"}, []string{"taskDefinition"}},
		{"a network changed", UpdateServiceChange{Cluster: "prod", Service: "web",
			Before: ServiceSettings{Network: net("ENABLED", "sg-1")}, After: ServiceSettings{Network: net("DISABLED", "sg-1")}},
			[]string{" network.subnets: subnet-1", " network.securityGroups: sg-1", "-network.assignPublicIp: ENABLED", "+network.assignPublicIp: DISABLED"}, []string{"(not set)"}},
		{"a network kept", UpdateServiceChange{Cluster: "prod", Service: "web",
			Before: ServiceSettings{PlatformVersion: "1.3.0", Network: net("ENABLED", "sg-1")}, After: ServiceSettings{PlatformVersion: "LATEST"}},
			[]string{" network.assignPublicIp: ENABLED", "+platformVersion: LATEST"}, []string{"(not set)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := tt.u.diff()
			if err != nil {
				t.Fatal(err)
			}
			lines := map[string]bool{}
			for _, l := range strings.Split(d, "\n") {
				lines[l] = true
			}
			for _, w := range tt.want {
				if !lines[w] {
					t.Errorf("diff lacks the line %q:\n%s", w, d)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(d, n) {
					t.Errorf("diff holds %q:\n%s", n, d)
				}
			}
		})
	}
}

func TestUpdateServiceTouchesAndDependencies(t *testing.T) {
	u := &UpdateServiceChange{Cluster: "c", Service: "s", Before: ServiceSettings{TaskDefinition: "td"}, TaskDefinitionFrom: "a1"}
	if got := u.Touches(); !reflect.DeepEqual(got, []string{"c", "s", "td"}) {
		t.Errorf("Touches = %v", got)
	}
	if got := u.implicitDependencies(); !reflect.DeepEqual(got, []string{"a1"}) {
		t.Errorf("implicitDependencies = %v", got)
	}
	u.TaskDefinitionFrom = ""
	if got := u.implicitDependencies(); got != nil {
		t.Errorf("implicitDependencies without a registration = %v", got)
	}
}
