package detect

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// Small constructors for SDK types, shared by the tests.

const testAccount = "123456789012"

func tdARN(family string, rev int) string {
	return fmt.Sprintf("arn:aws:ecs:eu-west-1:%s:task-definition/%s:%d", testAccount, family, rev)
}

type tdOpt func(*TaskDefinition)

func taskDef(family string, rev int, opts ...tdOpt) TaskDefinition {
	td := TaskDefinition{TaskDefinition: ecstypes.TaskDefinition{
		TaskDefinitionArn: aws.String(tdARN(family, rev)),
		Family:            aws.String(family),
		Revision:          int32(rev),
		Status:            ecstypes.TaskDefinitionStatusActive,
	}}
	for _, o := range opts {
		o(&td)
	}
	return td
}

func containers(cs ...ecstypes.ContainerDefinition) tdOpt {
	return func(td *TaskDefinition) { td.ContainerDefinitions = append(td.ContainerDefinitions, cs...) }
}
func networkMode(m ecstypes.NetworkMode) tdOpt {
	return func(td *TaskDefinition) { td.NetworkMode = m }
}
func pidMode(m ecstypes.PidMode) tdOpt { return func(td *TaskDefinition) { td.PidMode = m } }
func osFamilyOpt(f ecstypes.OSFamily) tdOpt {
	return func(td *TaskDefinition) { td.RuntimePlatform = &ecstypes.RuntimePlatform{OperatingSystemFamily: f} }
}
func tdStatus(s ecstypes.TaskDefinitionStatus) tdOpt {
	return func(td *TaskDefinition) { td.Status = s }
}
func taskRole(arn string) tdOpt { return func(td *TaskDefinition) { td.TaskRoleArn = aws.String(arn) } }
func tdTags(kv ...string) tdOpt { return func(td *TaskDefinition) { td.Tags = ecsTagList(kv...) } }
func volumes(vs ...ecstypes.Volume) tdOpt {
	return func(td *TaskDefinition) { td.Volumes = append(td.Volumes, vs...) }
}

type ctrOpt func(*ecstypes.ContainerDefinition)

func ctr(name string, opts ...ctrOpt) ecstypes.ContainerDefinition {
	c := ecstypes.ContainerDefinition{Name: aws.String(name), Image: aws.String("example/" + name)}
	for _, o := range opts {
		o(&c)
	}
	return c
}

func user(u string) ctrOpt { return func(c *ecstypes.ContainerDefinition) { c.User = aws.String(u) } }
func privileged(b bool) ctrOpt {
	return func(c *ecstypes.ContainerDefinition) { c.Privileged = aws.Bool(b) }
}
func readonlyRoot(b bool) ctrOpt {
	return func(c *ecstypes.ContainerDefinition) { c.ReadonlyRootFilesystem = aws.Bool(b) }
}
func logDriver(d ecstypes.LogDriver) ctrOpt {
	return func(c *ecstypes.ContainerDefinition) { c.LogConfiguration = &ecstypes.LogConfiguration{LogDriver: d} }
}
func firelens() ctrOpt {
	return func(c *ecstypes.ContainerDefinition) {
		c.FirelensConfiguration = &ecstypes.FirelensConfiguration{Type: ecstypes.FirelensConfigurationTypeFluentbit}
	}
}

// env adds environment entries given as name, value, name, value, ….
func env(kv ...string) ctrOpt {
	return func(c *ecstypes.ContainerDefinition) {
		for i := 0; i+1 < len(kv); i += 2 {
			c.Environment = append(c.Environment, ecstypes.KeyValuePair{Name: aws.String(kv[i]), Value: aws.String(kv[i+1])})
		}
	}
}

func mount(volume, path string, ro bool) ctrOpt {
	return func(c *ecstypes.ContainerDefinition) {
		c.MountPoints = append(c.MountPoints, ecstypes.MountPoint{SourceVolume: aws.String(volume), ContainerPath: aws.String(path), ReadOnly: aws.Bool(ro)})
	}
}

func ecsTagList(kv ...string) []ecstypes.Tag {
	var tags []ecstypes.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		tags = append(tags, ecstypes.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return tags
}

func svcARN(name string) string {
	return fmt.Sprintf("arn:aws:ecs:eu-west-1:%s:service/prod/%s", testAccount, name)
}

type svcOpt func(*ecstypes.Service)

func service(name string, opts ...svcOpt) ecstypes.Service {
	s := ecstypes.Service{ServiceArn: aws.String(svcARN(name)), ServiceName: aws.String(name)}
	for _, o := range opts {
		o(&s)
	}
	return s
}

func runs(tdArn string) svcOpt {
	return func(s *ecstypes.Service) { s.TaskDefinition = aws.String(tdArn) }
}
func launchType(lt ecstypes.LaunchType) svcOpt {
	return func(s *ecstypes.Service) { s.LaunchType = lt }
}
func platform(version, family string) svcOpt {
	return func(s *ecstypes.Service) {
		if version != "" {
			s.PlatformVersion = aws.String(version)
		}
		if family != "" {
			s.PlatformFamily = aws.String(family)
		}
	}
}
func vpcConfig(public ecstypes.AssignPublicIp, subnets []string, groups ...string) svcOpt {
	return func(s *ecstypes.Service) {
		s.NetworkConfiguration = &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			AssignPublicIp: public, Subnets: subnets, SecurityGroups: groups,
		}}
	}
}
func svcTags(kv ...string) svcOpt { return func(s *ecstypes.Service) { s.Tags = ecsTagList(kv...) } }

func securityGroup(id string, perms ...ec2types.IpPermission) ec2types.SecurityGroup {
	return ec2types.SecurityGroup{GroupId: aws.String(id), GroupName: aws.String(id), VpcId: aws.String("vpc-1"), IpPermissions: perms}
}

func ingress(proto string, from, to int32, cidrs ...string) ec2types.IpPermission {
	p := ec2types.IpPermission{IpProtocol: aws.String(proto), FromPort: aws.Int32(from), ToPort: aws.Int32(to)}
	for _, c := range cidrs {
		if strings.Contains(c, ":") {
			p.Ipv6Ranges = append(p.Ipv6Ranges, ec2types.Ipv6Range{CidrIpv6: aws.String(c)})
		} else {
			p.IpRanges = append(p.IpRanges, ec2types.IpRange{CidrIp: aws.String(c)})
		}
	}
	return p
}

// checkVerdict asserts a verdict's status and that its reason contains every wanted fragment.
func checkVerdict(t *testing.T, got Verdict, want Status, reasonHas ...string) {
	t.Helper()
	if got.Status != want {
		t.Fatalf("status = %s, want %s (reason: %s)", got.Status, want, got.Reason)
	}
	if got.Reason == "" {
		t.Errorf("empty reason")
	}
	for _, frag := range reasonHas {
		if !strings.Contains(got.Reason, frag) {
			t.Errorf("reason %q does not contain %q", got.Reason, frag)
		}
	}
	if want == Failed && len(got.Offenders) == 0 {
		t.Errorf("FAILED verdict without offenders: %s", got.Reason)
	}
	if want != Failed && len(got.Offenders) > 0 {
		t.Errorf("%s verdict with offenders: %+v", want, got.Offenders)
	}
}

type tdCase struct {
	name      string
	td        TaskDefinition
	settings  *Settings
	want      Status
	reasonHas []string
}

func runTaskDefinitionCases(t *testing.T, c Control, cases []tdCase) {
	t.Helper()
	if c.TaskDefinition == nil || c.ResourceType != TypeTaskDefinition {
		t.Fatalf("%s is not a task-definition control", c.ID)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.settings
			if s == nil {
				s = &Settings{}
			}
			checkVerdict(t, c.TaskDefinition(&tc.td, s), tc.want, tc.reasonHas...)
		})
	}
}

type svcCase struct {
	name      string
	svc       ecstypes.Service
	inv       *Inventory
	settings  *Settings
	want      Status
	reasonHas []string
}

func runServiceCases(t *testing.T, c Control, cases []svcCase) {
	t.Helper()
	if c.Service == nil || c.ResourceType != TypeService {
		t.Fatalf("%s is not a service control", c.ID)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.inv
			if in == nil {
				in = &Inventory{}
			}
			s := tc.settings
			if s == nil {
				s = &Settings{}
			}
			checkVerdict(t, c.Service(&tc.svc, in, s), tc.want, tc.reasonHas...)
		})
	}
}

// checkExactVerdict asserts a verdict field by field: status, the whole reason and every offender in order.
func checkExactVerdict(t *testing.T, got, want Verdict) {
	t.Helper()
	if got.Status != want.Status || got.Reason != want.Reason {
		t.Errorf("verdict = %s %q\nwant      %s %q", got.Status, got.Reason, want.Status, want.Reason)
	}
	if len(got.Offenders) != len(want.Offenders) {
		t.Fatalf("offenders = %+v\nwant        %+v", got.Offenders, want.Offenders)
	}
	for i := range want.Offenders {
		if got.Offenders[i] != want.Offenders[i] {
			t.Errorf("offender %d = %+v\nwant          %+v", i, got.Offenders[i], want.Offenders[i])
		}
	}
}

type exactTDCase struct {
	name string
	td   TaskDefinition
	want Verdict
}

// runExactTaskDefinitionCases evaluates each task definition with empty settings and compares whole verdicts.
func runExactTaskDefinitionCases(t *testing.T, c Control, cases []exactTDCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkExactVerdict(t, c.TaskDefinition(&tc.td, &Settings{}), tc.want)
		})
	}
}

type exactSvcCase struct {
	name string
	svc  ecstypes.Service
	inv  *Inventory
	want Verdict
}

// runExactServiceCases evaluates each service against its inventory (nil: empty) and compares whole verdicts.
func runExactServiceCases(t *testing.T, c Control, cases []exactSvcCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.inv
			if in == nil {
				in = &Inventory{}
			}
			checkExactVerdict(t, c.Service(&tc.svc, in, &Settings{}), tc.want)
		})
	}
}

// unnamed is a container definition without a name (a malformed definition), reported as "#i".
func unnamed(opts ...ctrOpt) ecstypes.ContainerDefinition {
	c := ecstypes.ContainerDefinition{}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// wantFail is the FAILED verdict listing the offenders as the controls word them: `container "web": detail`
// (the detail alone for task-level offenders), joined by "; ".
func wantFail(offs ...Offender) Verdict {
	parts := make([]string, 0, len(offs))
	for _, o := range offs {
		if o.Container == "" {
			parts = append(parts, o.Detail)
			continue
		}
		parts = append(parts, fmt.Sprintf("container %q: %s", o.Container, o.Detail))
	}
	return Verdict{Status: Failed, Reason: strings.Join(parts, "; "), Offenders: offs}
}
