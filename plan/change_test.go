package plan

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/detect"
)

// Tests of the change kinds: the decode table, ValidateAction, the rules moved in from the applier, and
// each kind's Rebuild.

// TestChangeKindsDecodeTable: each action type decodes to the payload of its own field, and to nothing
// when that field is not set or the type is unknown.
func TestChangeKindsDecodeTable(t *testing.T) {
	p := renderFixture(t)
	seen := map[ActionType]bool{}
	for i := range p.Actions {
		a := &p.Actions[i]
		c := a.Change()
		if c == nil {
			t.Fatalf("%s (%s): no change", a.ID, a.Type)
		}
		if payloadCount(a) != 1 {
			t.Errorf("%s: %d payloads", a.ID, payloadCount(a))
		}
		seen[a.Type] = true
		b := Action{ID: a.ID, Type: a.Type}
		if b.Change() != nil {
			t.Errorf("%s: an action without its payload decodes to %#v", a.Type, b.Change())
		}
	}
	for _, k := range changeKinds {
		if payloadField(k.typ) != k.field {
			t.Errorf("payloadField(%s) = %s", k.typ, payloadField(k.typ))
		}
		if kindOf(k.typ).typ != k.typ {
			t.Errorf("kindOf(%s) = %v", k.typ, kindOf(k.typ))
		}
	}
	if (&Action{Type: "nope", UpdateService: &UpdateServiceChange{}}).Change() != nil {
		t.Error("an unknown type decodes to a change")
	}
	if (&Action{Type: UpdateService, UpdateClusterSettings: &UpdateClusterSettingsChange{}}).Change() != nil {
		t.Error("an update-service carrying another payload decodes to it")
	}
	if len(seen) < 9 {
		t.Errorf("the fixture covers %d kinds: fix the test", len(seen))
	}
}

// TestValidateActionAgainstEarlierActions: ValidateAction checks one action against the actions before it.
func TestValidateActionAgainstEarlierActions(t *testing.T) {
	p := renderFixture(t)
	for i := range p.Actions {
		if err := ValidateAction(p, &p.Actions[i]); err != nil {
			t.Errorf("%s: %v", p.Actions[i].ID, err)
		}
		cp := p.Actions[i] // a copy is found by its id
		if err := ValidateAction(p, &cp); err != nil {
			t.Errorf("%s (copy): %v", cp.ID, err)
		}
	}
	// The service update a3 deploys a1's revision: moved before a1, it names a registration that is not
	// earlier.
	q := renderFixture(t)
	q.Actions[0], q.Actions[2] = q.Actions[2], q.Actions[0]
	err := ValidateAction(q, &q.Actions[0])
	if err == nil || !strings.Contains(err.Error(), "is not an earlier registration") {
		t.Errorf("ValidateAction = %v, want not an earlier registration", err)
	}
	if err := q.Validate(); err == nil {
		t.Error("Validate accepts the reordered plan")
	}
	// An action with the id of an earlier one.
	dup := p.Actions[1]
	dup.ID = p.Actions[0].ID
	r := renderFixture(t)
	r.Actions[1] = dup
	if err := ValidateAction(r, &r.Actions[1]); err == nil || !strings.Contains(err.Error(), "is used by an earlier action") {
		t.Errorf("ValidateAction of a duplicate id = %v", err)
	}
}

// TestRemovePolicyStatementsOnlyRemoves: an After that is not Before without exactly the statements
// Removed names is refused by Validate (the applier refused some of these at apply time only).
func TestRemovePolicyStatementsOnlyRemoves(t *testing.T) {
	role := "arn:aws:iam::111122223333:role/app-task"
	admin := `{"Sid":"Admin","Effect":"Allow","Action":"*","Resource":"*"}`
	admin2 := `{"Sid":"Admin2","Effect":"Allow","Action":"*:*","Resource":"*"}`
	read := `{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`
	doc := func(version string, stmts ...string) string {
		v := ""
		if version != "" {
			v = `"Version":"` + version + `",`
		}
		return `{` + v + `"Statement":[` + strings.Join(stmts, ",") + `]}`
	}
	action := func(after string, removed ...string) Action {
		return Action{ID: "a1", Type: RemovePolicyStatements, Account: "111122223333", Region: "eu-west-1", Resource: role,
			Controls: []string{detect.ExposureAdminTaskRoleID}, Risk: RiskHigh, Summary: "remove",
			RemovePolicyStatements: &RemovePolicyStatementsChange{Role: role, PolicyName: "app",
				Before: doc("2012-10-17", admin, read, admin2), After: after, Removed: removed}}
	}
	tests := []struct {
		name string
		a    Action
		want string
	}{
		{"exactly the named ones", action(doc("2012-10-17", read), "Admin", "Admin2"), ""},
		{"one of them", action(doc("2012-10-17", read, admin2), "Admin"), ""},
		{"by index, reindented", action("{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n"+read+","+admin2+"]}", "#0"), ""},
		{"after grants more", action(doc("2012-10-17", read, `{"Effect":"Allow","Action":"iam:*","Resource":"*"}`), "Admin", "Admin2"), "may only remove"},
		{"after removes one not named", action(doc("2012-10-17", admin2), "Admin"), "may only remove"},
		{"after removes a narrower Allow", action(doc("2012-10-17"), "Admin", "Admin2"), "may only remove"},
		{"after removes nothing", action(doc("2012-10-17", admin, read, admin2), "Admin"), "may only remove"},
		{"after changes the Version", action(doc("2008-10-17", read), "Admin", "Admin2"), "may only remove"},
		{"after drops the Version", action(doc("", read), "Admin", "Admin2"), "may only remove"},
		{"after changes a kept statement", action(doc("2012-10-17", strings.Replace(read, "s3:GetObject", "s3:*", 1)), "Admin", "Admin2"), "may only remove"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := emptyFixture()
			p.Actions = []Action{tt.a}
			for _, err := range []error{p.Validate(), ValidateAction(p, &p.Actions[0])} {
				switch {
				case tt.want == "" && err != nil:
					t.Fatalf("validate: %v", err)
				case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
					t.Fatalf("validate: %v, want %q", err, tt.want)
				}
			}
		})
	}
}

// TestNetworkIDsWithSpaces: a subnet or security group id with surrounding space is not an id (the
// applier refused blank ones).
func TestNetworkIDsWithSpaces(t *testing.T) {
	for _, n := range []*AwsVpcSettings{
		{Subnets: []string{"subnet-1 "}, SecurityGroups: []string{"sg-1"}, AssignPublicIp: "DISABLED"},
		{Subnets: []string{"subnet-1"}, SecurityGroups: []string{" sg-1"}, AssignPublicIp: "DISABLED"},
		{Subnets: []string{" "}, SecurityGroups: []string{"sg-1"}, AssignPublicIp: "DISABLED"},
		{Subnets: []string{"subnet-1"}, SecurityGroups: []string{""}, AssignPublicIp: "DISABLED"},
		{Subnets: []string{"subnet-1"}, AssignPublicIp: "DISABLED"},
		{Subnets: []string{"subnet-1"}, SecurityGroups: []string{"sg-1"}},
	} {
		if len(validateNetwork("after", n)) == 0 {
			t.Errorf("%+v: accepted", n)
		}
	}
	if errs := validateNetwork("after", &AwsVpcSettings{Subnets: []string{"subnet-1"}, SecurityGroups: []string{"sg-1"}, AssignPublicIp: "ENABLED"}); len(errs) != 0 {
		t.Errorf("a good network: %v", errs)
	}
}

func TestRebuildServiceSettings(t *testing.T) {
	u := &UpdateServiceChange{Cluster: "prod", Service: "web",
		Before: ServiceSettings{TaskDefinition: "td:3", PlatformVersion: "1.3.0",
			Network: &AwsVpcSettings{Subnets: []string{"subnet-a"}, SecurityGroups: []string{"sg-open", "sg-other"}, AssignPublicIp: "ENABLED"}},
		After: ServiceSettings{TaskDefinition: "(new revision)", PlatformVersion: "LATEST",
			Network: &AwsVpcSettings{Subnets: []string{"subnet-a"}, SecurityGroups: []string{SecurityGroupPlaceholder("a2"), "sg-other"}, AssignPublicIp: "DISABLED"}},
		TaskDefinitionFrom: "a1",
		SecurityGroupsFrom: map[string]string{SecurityGroupPlaceholder("a2"): "a2"},
	}
	produced := map[string]string{"a1": "td:4", "a2": "sg-copy"}
	got, err := u.Rebuild(ServiceBefore{Settings: u.Before, Produced: func(id string) string { return produced[id] }})
	if err != nil {
		t.Fatal(err)
	}
	want := ServiceSettings{TaskDefinition: "td:4", PlatformVersion: "LATEST",
		Network: &AwsVpcSettings{Subnets: []string{"subnet-a"}, SecurityGroups: []string{"sg-other", "sg-copy"}, AssignPublicIp: "DISABLED"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("from the planned state: %+v, want %+v", got, want)
	}
	// Read at apply time with a group added since planning: the edits apply, the group stays.
	live := u.Before
	live.Network = &AwsVpcSettings{Subnets: []string{"subnet-a", "subnet-b"}, SecurityGroups: []string{"sg-open", "sg-other", "sg-new"}, AssignPublicIp: "ENABLED"}
	got, err = u.Rebuild(ServiceBefore{Settings: live, Produced: func(id string) string { return produced[id] }})
	if err != nil {
		t.Fatal(err)
	}
	if n := got.Network; !reflect.DeepEqual(n.SecurityGroups, []string{"sg-other", "sg-new", "sg-copy"}) ||
		!reflect.DeepEqual(n.Subnets, []string{"subnet-a", "subnet-b"}) || n.AssignPublicIp != "DISABLED" {
		t.Errorf("from a changed state: %+v", n)
	}
	if live.Network.SecurityGroups[0] != "sg-open" {
		t.Error("Rebuild changed the state it was given")
	}
	// A registration that produced nothing.
	if _, err := u.Rebuild(ServiceBefore{Settings: u.Before}); err == nil {
		t.Error("no error without the registration's revision")
	}
	// Only the platform version: everything else as read.
	pv := &UpdateServiceChange{Cluster: "prod", Service: "web", Before: ServiceSettings{PlatformVersion: "1.3.0"}, After: ServiceSettings{PlatformVersion: "LATEST"}}
	got, err = pv.Rebuild(ServiceBefore{Settings: live})
	if err != nil || got.PlatformVersion != "LATEST" || got.TaskDefinition != "td:3" || !reflect.DeepEqual(got.Network, live.Network) {
		t.Errorf("platform version only: %+v, %v", got, err)
	}
}

func TestRebuildClusterSettings(t *testing.T) {
	c := &UpdateClusterSettingsChange{Cluster: "prod", After: []ClusterSetting{{Name: containerInsights, Value: "enabled"}}}
	got, err := c.Rebuild([]ClusterSetting{{Name: "other", Value: "x"}, {Name: containerInsights, Value: "disabled"}})
	if want := []ClusterSetting{{Name: "other", Value: "x"}, {Name: containerInsights, Value: "enabled"}}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, %v; want %+v", got, err, want)
	}
	got, err = c.Rebuild(nil)
	if want := []ClusterSetting{{Name: containerInsights, Value: "enabled"}}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("from none: %+v, %v", got, err)
	}
}

func TestRebuildSecurityGroupIngress(t *testing.T) {
	open := IngressRule{Protocol: "tcp", FromPort: 443, ToPort: 443, CidrIPv4: "0.0.0.0/0"}
	open6 := IngressRule{Protocol: "tcp", FromPort: 443, ToPort: 443, CidrIPv6: "::/0"}
	lb := IngressRule{Protocol: "tcp", FromPort: 443, ToPort: 443, SourceGroup: "sg-lb"}
	other := IngressRule{Protocol: "tcp", FromPort: 22, ToPort: 22, CidrIPv4: "10.0.0.0/8"}
	u := &UpdateSecurityGroupIngressChange{GroupID: "sg-1", VpcID: "vpc-1", Authorize: []IngressRule{lb}, Revoke: []IngressRule{open, open6}}
	got, err := u.Rebuild([]IngressRule{open, other, open6})
	if want := []IngressRule{other, lb}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, %v; want %+v", got, err, want)
	}
	// Half done already (an earlier run authorized): the same result.
	got, err = u.Rebuild([]IngressRule{lb, open, other})
	if want := []IngressRule{lb, other}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("half done: %+v, %v", got, err)
	}
	// Edits that would widen are refused.
	bad := &UpdateSecurityGroupIngressChange{GroupID: "sg-1", Authorize: []IngressRule{open}, Revoke: []IngressRule{open6}}
	if _, err := bad.Rebuild(nil); err == nil {
		t.Error("authorizing a world-open rule is rebuilt")
	}
	bad = &UpdateSecurityGroupIngressChange{GroupID: "sg-1", Authorize: []IngressRule{lb}, Revoke: []IngressRule{other}}
	if _, err := bad.Rebuild([]IngressRule{other}); err == nil {
		t.Error("revoking a rule that is not world-open is rebuilt")
	}
}

func TestRebuildCreateSecurityGroup(t *testing.T) {
	open := IngressRule{Protocol: "tcp", FromPort: 443, ToPort: 443, CidrIPv4: "0.0.0.0/0"}
	lb := IngressRule{Protocol: "tcp", FromPort: 443, ToPort: 443, SourceGroup: "sg-lb"}
	other := IngressRule{Protocol: "tcp", FromPort: 22, ToPort: 22, CidrIPv4: "10.0.0.0/8"}
	egress := IngressRule{Protocol: "-1", CidrIPv4: "0.0.0.0/0"}
	c := &CreateSecurityGroupChange{VpcID: "vpc-1", GroupName: "copy", Description: "copy", CopyOf: "sg-shared",
		Ingress: []IngressRule{other, lb}, Egress: []IngressRule{egress}}
	got, err := c.Rebuild(GroupRules{Ingress: []IngressRule{open, other}, Egress: []IngressRule{egress}})
	if want := (GroupRules{Ingress: []IngressRule{other, lb}, Egress: []IngressRule{egress}}); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, %v; want %+v", got, err, want)
	}
	c.Ingress = append(c.Ingress, open)
	if _, err := c.Rebuild(GroupRules{}); err == nil {
		t.Error("a world-open rule in the copy is rebuilt")
	}
}

func TestRebuildPutRolePolicy(t *testing.T) {
	c := &PutRolePolicyChange{Role: "arn:aws:iam::111122223333:role/exec", PolicyName: OwnedPolicyName,
		Statements: []PolicyStatement{{Sid: SidReadSecrets, Actions: []string{"secretsmanager:GetSecretValue"}, ResourcesFrom: []string{"a1"}}}}
	current := `{"Version":"2012-10-17","Statement":[{"Sid":"Keep","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	got, err := c.Rebuild(RolePolicyBefore{Document: current, SecretArns: map[string]string{"a1": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:x"}})
	if err != nil {
		t.Fatal(err)
	}
	want, err := c.Document(current, map[string]string{"a1": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:x"})
	if err != nil || got != want {
		t.Errorf("got %s, want %s (%v)", got, want, err)
	}
	for _, s := range []string{`"Keep"`, SidReadSecrets, "secret:x"} {
		if !strings.Contains(got, s) {
			t.Errorf("%s lacks %s", got, s)
		}
	}
}

func TestRebuildDetachRolePolicy(t *testing.T) {
	admin := "arn:aws:iam::aws:policy/AdministratorAccess"
	d := &DetachRolePolicyChange{Role: "arn:aws:iam::111122223333:role/app", PolicyArn: admin}
	got, err := d.Rebuild([]string{"arn:aws:iam::aws:policy/ReadOnlyAccess", admin})
	if err != nil || !reflect.DeepEqual(got, []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}) {
		t.Errorf("got %v, %v", got, err)
	}
	if got, err := d.Rebuild(nil); err != nil || len(got) != 0 {
		t.Errorf("already detached: %v, %v", got, err)
	}
	d.PolicyArn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
	if _, err := d.Rebuild([]string{d.PolicyArn}); err == nil {
		t.Error("detaching another policy is rebuilt")
	}
}

func TestRebuildRemovePolicyStatements(t *testing.T) {
	admin := `{"Sid":"Admin","Effect":"Allow","Action":"*","Resource":"*"}`
	anon := `{"Effect":"Allow","Action":"*:*","Resource":"*"}`
	read := `{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`
	deny := `{"Sid":"NoDelete","Effect":"Deny","Action":"*","Resource":"*"}`
	before := `{"Version":"2012-10-17","Statement":[` + admin + `,` + read + `,` + anon + `]}`
	c := &RemovePolicyStatementsChange{Role: "arn:aws:iam::111122223333:role/app", PolicyName: "app", Removed: []string{"Admin", "#2"}}
	got, err := c.Rebuild(before)
	if err != nil || !sameJSON(got, `{"Version":"2012-10-17","Statement":[`+read+`]}`) {
		t.Errorf("got %s, %v", got, err)
	}
	c.Removed = []string{"Admin"}
	if got, err := c.Rebuild(`{"Version":"2012-10-17","Statement":` + admin + `}`); err != nil || got != "" {
		t.Errorf("only statement: %q, %v", got, err)
	}
	if _, err := c.Rebuild(`{"Version":"2012-10-17","Statement":[` + read + `]}`); err == nil {
		t.Error("a label naming no statement is rebuilt")
	}
	c.Removed = []string{"NoDelete"}
	if _, err := c.Rebuild(`{"Version":"2012-10-17","Statement":[` + deny + `]}`); err == nil {
		t.Error("removing a Deny is rebuilt")
	}
}

func TestRebuildEnsureLogGroup(t *testing.T) {
	g := &EnsureLogGroupChange{Name: "/ecs/web", RetentionDays: 30}
	got, err := g.Rebuild(nil)
	if err != nil || *got != (LogGroupState{Name: "/ecs/web", RetentionDays: 30}) {
		t.Errorf("none: %+v, %v", got, err)
	}
	existing := &LogGroupState{Name: "/ecs/web", RetentionDays: 7, KmsKeyID: "k"}
	got, err = g.Rebuild(existing)
	if err != nil || *got != *existing || got == existing {
		t.Errorf("existing: %+v, %v", got, err)
	}
	if _, err := g.Rebuild(&LogGroupState{Name: "/ecs/other"}); err == nil {
		t.Error("another group is taken for this one")
	}
}

func TestRebuildDeregister(t *testing.T) {
	td1, td2 := "arn:aws:ecs:eu-west-1:111122223333:task-definition/web:1", "arn:aws:ecs:eu-west-1:111122223333:task-definition/web:2"
	d := &DeregisterTaskDefinitionChange{TaskDefinitions: []string{td1}}
	got, err := d.Rebuild(map[string]string{td1: "ACTIVE", td2: "ACTIVE"})
	if err != nil || !reflect.DeepEqual(got, map[string]string{td1: "INACTIVE", td2: "ACTIVE"}) {
		t.Errorf("got %v, %v", got, err)
	}
	if _, err := d.Rebuild(map[string]string{td2: "ACTIVE"}); err == nil {
		t.Error("a revision not read is rebuilt")
	}
}

func TestRebuildCreateSecret(t *testing.T) {
	p := renderFixture(t)
	var c *CreateSecretChange
	for i := range p.Actions {
		if p.Actions[i].CreateSecret != nil {
			c = p.Actions[i].CreateSecret
		}
	}
	if c == nil {
		t.Fatal("the fixture has no create-secret")
	}
	// Without the source revision the value cannot be read: an error, never a value made up.
	if _, err := c.Rebuild(map[string]*detect.TaskDefinition{}); err == nil {
		t.Error("rebuilt without the source revision")
	}
}

// TestRederivable: every kind says it can be re-derived, and implements the re-derivation.
func TestRederivable(t *testing.T) {
	p := renderFixture(t)
	for i := range p.Actions {
		a := &p.Actions[i]
		if !a.Change().Rederivable() {
			t.Errorf("%s: Rederivable = false", a.Type)
		}
		if _, ok := a.Change().(rederiver); !ok {
			t.Errorf("%s: no rederive", a.Type)
		}
	}
}
