package detect

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// exposureInv is an inventory holding the given revisions.
func exposureInv(tds ...TaskDefinition) *Inventory { return &Inventory{TaskDefinitions: tds} }

func TestExposureRunsTheServicesRevision(t *testing.T) {
	// Revision 1 (what the service runs) is privileged; revision 2 (the family's latest) is not.
	inv := exposureInv(
		taskDef("web", 1, containers(ctr("web", privileged(true)))),
		taskDef("web", 2, containers(ctr("web"))),
	)
	runServiceCases(t, ExposurePrivileged(), []svcCase{
		{name: "older running revision is evaluated", svc: service("web", runs(tdARN("web", 1))), inv: inv, want: Failed, reasonHas: []string{tdARN("web", 1), `container "web": privileged is true`}},
		{name: "latest revision passes", svc: service("web", runs(tdARN("web", 2))), inv: inv, want: Passed},
		{name: "revision absent is not evaluated", svc: service("web", runs(tdARN("web", 7))), inv: inv, want: NotEvaluated, reasonHas: []string{tdARN("web", 7)}},
		{name: "service without task definition is not evaluated", svc: service("web"), inv: inv, want: NotEvaluated},
		{name: "inactive revision still running is evaluated", svc: service("web", runs(tdARN("old", 1))), inv: exposureInv(taskDef("old", 1, tdStatus(ecstypes.TaskDefinitionStatusInactive), containers(ctr("web", privileged(true))))), want: Failed},
	})
}

func TestExposurePrivilegedAbsentVsFalse(t *testing.T) {
	inv := exposureInv(
		taskDef("absent", 1, containers(ctr("web"))),
		taskDef("false", 1, containers(ctr("web", privileged(false)))),
	)
	runServiceCases(t, ExposurePrivileged(), []svcCase{
		{name: "privileged absent passes", svc: service("a", runs(tdARN("absent", 1))), inv: inv, want: Passed},
		{name: "privileged false passes", svc: service("b", runs(tdARN("false", 1))), inv: inv, want: Passed},
	})
}

func TestExposureHostPathPIDNetwork(t *testing.T) {
	hostVol := ecstypes.Volume{Name: aws.String("docker-sock"), Host: &ecstypes.HostVolumeProperties{SourcePath: aws.String("/var/run/docker.sock")}}
	inv := exposureInv(
		taskDef("hostpath", 1, volumes(hostVol, ecstypes.Volume{Name: aws.String("scratch")}), containers(ctr("agent", mount("docker-sock", "/var/run/docker.sock", true)), ctr("web", mount("scratch", "/tmp", false)))),
		taskDef("unmounted", 1, volumes(hostVol), containers(ctr("web"))),
		taskDef("emptyhost", 1, volumes(ecstypes.Volume{Name: aws.String("v"), Host: &ecstypes.HostVolumeProperties{}}), containers(ctr("web"))),
		taskDef("hostpid", 1, pidMode(ecstypes.PidModeHost)),
		taskDef("hostnet", 1, networkMode(ecstypes.NetworkModeHost)),
		taskDef("plain", 1, networkMode(ecstypes.NetworkModeAwsvpc), pidMode(ecstypes.PidModeTask)),
	)
	runServiceCases(t, ExposureHostPathVolume(), []svcCase{
		{name: "host path mounted fails", svc: service("a", runs(tdARN("hostpath", 1))), inv: inv, want: Failed, reasonHas: []string{`volume "docker-sock"`, "/var/run/docker.sock", `container "agent"`, "read-only"}},
		{name: "host path not mounted still fails", svc: service("a", runs(tdARN("unmounted", 1))), inv: inv, want: Failed, reasonHas: []string{"not mounted by any container"}},
		{name: "host volume without sourcePath passes", svc: service("a", runs(tdARN("emptyhost", 1))), inv: inv, want: Passed},
		{name: "no volume passes", svc: service("a", runs(tdARN("plain", 1))), inv: inv, want: Passed},
	})
	runServiceCases(t, ExposureHostPID(), []svcCase{
		{name: "pidMode host fails", svc: service("a", runs(tdARN("hostpid", 1))), inv: inv, want: Failed, reasonHas: []string{"pidMode is host"}},
		{name: "pidMode task passes", svc: service("a", runs(tdARN("plain", 1))), inv: inv, want: Passed},
		{name: "missing revision unknown", svc: service("a", runs(tdARN("nope", 1))), inv: inv, want: NotEvaluated},
	})
	runServiceCases(t, ExposureHostNetwork(), []svcCase{
		{name: "networkMode host fails", svc: service("a", runs(tdARN("hostnet", 1))), inv: inv, want: Failed, reasonHas: []string{"networkMode is host"}},
		{name: "awsvpc passes", svc: service("a", runs(tdARN("plain", 1))), inv: inv, want: Passed},
		{name: "missing revision unknown", svc: service("a", runs(tdARN("nope", 1))), inv: inv, want: NotEvaluated},
	})
}

func TestExposurePlaintextCredentials(t *testing.T) {
	inv := exposureInv(
		taskDef("byname", 1, containers(ctr("web", env("DB_PASSWORD", fakePassword, "LOG_LEVEL", "info")))),
		taskDef("byvalue", 1, containers(ctr("web", env("SETTING", fakeAccessKeyID)))),
		taskDef("clean", 1, containers(ctr("web", env("TOKEN_URL", "https://auth.example.com/token", "DB_PASSWORD", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db")))),
	)
	runServiceCases(t, ExposurePlaintextCredentials(), []svcCase{
		{name: "by name fails", svc: service("a", runs(tdARN("byname", 1))), inv: inv, want: Failed, reasonHas: []string{`container "web": environment.DB_PASSWORD is a plaintext password (by name)`}},
		{name: "by value fails", svc: service("a", runs(tdARN("byvalue", 1))), inv: inv, want: Failed, reasonHas: []string{"environment.SETTING", "AWS access key id (by value)"}},
		{name: "references and urls pass", svc: service("a", runs(tdARN("clean", 1))), inv: inv, want: Passed},
	})
	svc := service("a", runs(tdARN("byname", 1)))
	v := ExposurePlaintextCredentials().Service(&svc, inv, &Settings{})
	want := Offender{Container: "web", Field: "environment.DB_PASSWORD", Detail: KindPassword}
	if len(v.Offenders) != 1 || v.Offenders[0] != want {
		t.Errorf("offenders = %+v, want [%+v]", v.Offenders, want)
	}
}

func TestExposureAdminTaskRole(t *testing.T) {
	const roleArn = "arn:aws:iam::123456789012:role/app"
	role := func(known bool, attached []AttachedPolicy, inline ...PolicyDocument) Role {
		return Role{Arn: roleArn, Name: "app", PoliciesKnown: known, Attached: attached, Inline: inline}
	}
	inv := func(r ...Role) *Inventory {
		return &Inventory{TaskDefinitions: []TaskDefinition{
			taskDef("app", 1, taskRole(roleArn)),
			taskDef("norole", 1),
		}, Roles: r}
	}
	svc := service("app", runs(tdARN("app", 1)))
	readOnly := AttachedPolicy{Name: "ReadOnlyAccess", Arn: "arn:aws:iam::aws:policy/ReadOnlyAccess",
		Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","ec2:Describe*"],"Resource":"*"}]}`}
	runServiceCases(t, ExposureAdminTaskRole(), []svcCase{
		{name: "no task role passes", svc: service("x", runs(tdARN("norole", 1))), inv: inv(), want: Passed},
		{name: "role not in inventory", svc: svc, inv: inv(), want: NotEvaluated, reasonHas: []string{roleArn}},
		{name: "policies not known", svc: svc, inv: inv(role(false, nil)), want: NotEvaluated, reasonHas: []string{"policies"}},
		{name: "AdministratorAccess attached fails", svc: svc, inv: inv(role(true, []AttachedPolicy{{Name: "AdministratorAccess", Arn: "arn:aws:iam::aws:policy/AdministratorAccess"}})), want: Failed, reasonHas: []string{roleArn, "AdministratorAccess"}},
		{name: "AdministratorAccess in another partition fails", svc: svc, inv: inv(role(true, []AttachedPolicy{{Name: "AdministratorAccess", Arn: "arn:aws-us-gov:iam::aws:policy/AdministratorAccess"}})), want: Failed},
		{name: "inline star statement object fails", svc: svc, inv: inv(role(true, nil, PolicyDocument{Name: "everything",
			Document: `{"Version":"2012-10-17","Statement":{"Sid":"All","Effect":"Allow","Action":"*","Resource":"*"}}`})), want: Failed, reasonHas: []string{`inline policy "everything"`, `statement "All"`}},
		{name: "inline star-colon-star in list fails with index", svc: svc, inv: inv(role(true, nil, PolicyDocument{Name: "p",
			Document: `{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},{"Effect":"Allow","Action":["*:*"],"Resource":["*"]}]}`})), want: Failed, reasonHas: []string{"statement #1", `"*:*"`}},
		{name: "customer managed star fails", svc: svc, inv: inv(role(true, []AttachedPolicy{{Name: "Wide", Arn: "arn:aws:iam::123456789012:policy/Wide",
			Document: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}})), want: Failed, reasonHas: []string{`attached policy "Wide"`}},
		{name: "deny star passes", svc: svc, inv: inv(role(true, nil, PolicyDocument{Name: "p",
			Document: `{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`})), want: Passed},
		{name: "star action on one bucket passes", svc: svc, inv: inv(role(true, nil, PolicyDocument{Name: "p",
			Document: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/*"}]}`})), want: Passed},
		{name: "read only passes", svc: svc, inv: inv(role(true, []AttachedPolicy{readOnly})), want: Passed},
		{name: "attached without document is unknown", svc: svc, inv: inv(role(true, []AttachedPolicy{{Name: "Custom", Arn: "arn:aws:iam::123456789012:policy/Custom"}})), want: NotEvaluated, reasonHas: []string{"policy/Custom"}},
		{name: "malformed document is unknown", svc: svc, inv: inv(role(true, nil, PolicyDocument{Name: "broken", Document: `{"Statement":[{"Effect":`})), want: NotEvaluated, reasonHas: []string{`"broken"`, "malformed"}},
		{name: "malformed action is unknown", svc: svc, inv: inv(role(true, nil, PolicyDocument{Name: "odd", Document: `{"Statement":{"Effect":"Allow","Action":{"x":1},"Resource":"*"}}`})), want: NotEvaluated, reasonHas: []string{"Action"}},
		{name: "admin found beats unknown", svc: svc, inv: inv(role(true, []AttachedPolicy{{Name: "Custom", Arn: "arn:aws:iam::123456789012:policy/Custom"}}, PolicyDocument{Name: "all", Document: `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`})), want: Failed},
		{name: "missing revision unknown", svc: service("x", runs(tdARN("gone", 3))), inv: inv(), want: NotEvaluated},
	})
}

func TestExposureOpenSecurityGroup(t *testing.T) {
	inv := &Inventory{
		SecurityGroups: []ec2types.SecurityGroup{
			securityGroup("sg-open", ingress("tcp", 443, 443, "0.0.0.0/0")),
			securityGroup("sg-open6", ingress("-1", -1, -1, "::/0")),
			securityGroup("sg-range", ingress("tcp", 8000, 8080, "0.0.0.0/0", "10.0.0.0/8")),
			securityGroup("sg-private", ingress("tcp", 443, 443, "10.0.0.0/8")),
			{GroupId: aws.String("sg-default"), GroupName: aws.String("default"), VpcId: aws.String("vpc-1"), IpPermissions: []ec2types.IpPermission{ingress("tcp", 22, 22, "0.0.0.0/0")}},
		},
		Subnets: []ec2types.Subnet{{SubnetId: aws.String("subnet-1"), VpcId: aws.String("vpc-1")}},
	}
	dis := ecstypes.AssignPublicIpDisabled
	runServiceCases(t, ExposureOpenSecurityGroup(), []svcCase{
		{name: "ipv4 world open fails", svc: service("a", vpcConfig(dis, nil, "sg-open")), inv: inv, want: Failed, reasonHas: []string{"sg-open", "tcp 443", "0.0.0.0/0"}},
		{name: "ipv6 all traffic fails", svc: service("a", vpcConfig(dis, nil, "sg-open6")), inv: inv, want: Failed, reasonHas: []string{"sg-open6", "all traffic", "::/0"}},
		{name: "port range fails", svc: service("a", vpcConfig(dis, nil, "sg-range")), inv: inv, want: Failed, reasonHas: []string{"tcp 8000-8080"}},
		{name: "private cidr passes", svc: service("a", vpcConfig(dis, nil, "sg-private")), inv: inv, want: Passed},
		{name: "unknown group is not evaluated", svc: service("a", vpcConfig(dis, nil, "sg-private", "sg-missing")), inv: inv, want: NotEvaluated, reasonHas: []string{"sg-missing"}},
		{name: "open group beats unknown group", svc: service("a", vpcConfig(dis, nil, "sg-missing", "sg-open")), inv: inv, want: Failed},
		{name: "no groups uses the VPC default group", svc: service("a", vpcConfig(dis, []string{"subnet-1"})), inv: inv, want: Failed, reasonHas: []string{"sg-default", "tcp 22"}},
		{name: "no groups and unknown subnet", svc: service("a", vpcConfig(dis, []string{"subnet-9"})), inv: inv, want: NotEvaluated},
		{name: "no awsvpc is not applicable", svc: service("a"), inv: inv, want: NotApplicable, reasonHas: []string{"container instances' security groups"}},
	})
}

func TestExposurePublicIP(t *testing.T) {
	runServiceCases(t, ExposurePublicIP(), []svcCase{
		{name: "enabled fails", svc: service("a", vpcConfig(ecstypes.AssignPublicIpEnabled, nil, "sg-1")), want: Failed, reasonHas: []string{"ENABLED"}},
		{name: "disabled passes", svc: service("a", vpcConfig(ecstypes.AssignPublicIpDisabled, nil, "sg-1")), want: Passed},
		{name: "no awsvpc not applicable", svc: service("a"), want: NotApplicable},
	})
}
