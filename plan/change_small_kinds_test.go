package plan

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/detect"
)

// Tests of the small change kinds: update-cluster-settings, ensure-log-group, create-secret,
// deregister-task-definition and detach-role-policy (validation, controls, risk floor, Rebuild, details,
// diff).

func clusterAction(after ...ClusterSetting) Action {
	return Action{ID: "c1", Type: UpdateClusterSettings, Resource: fxCluster, Controls: []string{"ECS.12"}, Risk: RiskLow,
		UpdateClusterSettings: &UpdateClusterSettingsChange{Cluster: fxCluster, Before: []ClusterSetting{{Name: containerInsights, Value: "disabled"}}, After: after}}
}

func TestClusterSettingsKind(t *testing.T) {
	ci := func(v string) ClusterSetting { return ClusterSetting{Name: containerInsights, Value: v} }
	checkValidate(t, []vcase{
		{"valid", nil, clusterAction(ci("enabled")), ""},
		{"no cluster", nil, func() Action { a := clusterAction(ci("enabled")); a.UpdateClusterSettings.Cluster = ""; return a }(), "updateClusterSettings: cluster is required"},
		{"ECS.12 in lower case", nil, func() Action { a := clusterAction(ci("enabled")); a.Controls = []string{"ecs.12"}; return a }(), ""},
		{"another control second", nil, func() Action { a := clusterAction(ci("enabled")); a.Controls = []string{"ECS.12", "ECS.10"}; return a }(),
			`controls: "ECS.10" is not a control that a cluster settings update fixes (only ECS.12)`},
	})
	checkRisk(t, []rcase{
		{"enabled", nil, clusterAction(ci("enabled")), nil, RiskLow},
		{"enhanced", nil, clusterAction(ci("enhanced")), nil, RiskLow},
		{"enabled, overridden", nil, clusterAction(ci("enabled")), map[string]Risk{"ECS.12": RiskMedium}, RiskMedium},
		{"disabled", nil, clusterAction(ci("disabled")), nil, RiskHigh},
		{"another setting", nil, clusterAction(ClusterSetting{Name: "other", Value: "enabled"}), nil, RiskHigh},
		{"two settings", nil, clusterAction(ci("enabled"), ClusterSetting{Name: "other", Value: "x"}), nil, RiskHigh},
		{"none", nil, clusterAction(), nil, RiskHigh},
	})
	c := clusterAction(ci("enabled"), ClusterSetting{Name: "b", Value: "1"}).UpdateClusterSettings
	c.Before = append(c.Before, ClusterSetting{Name: "a", Value: "0"})
	d, err := c.diff()
	if err != nil {
		t.Fatal(err)
	}
	want := "--- cluster/prod (now)\n+++ cluster/prod (after)\n@@ -1,2 +1,3 @@\n a: 0\n-containerInsights: disabled\n+b: 1\n+containerInsights: enabled\n"
	if d != want {
		t.Errorf("diff = %q, want %q", d, want)
	}
	if c.details().rows != nil {
		t.Error("cluster details have rows")
	}
	// Rebuild: a setting without a name is refused; every setting of After is set once.
	bad := &UpdateClusterSettingsChange{Cluster: "prod", After: []ClusterSetting{ci("enabled"), {Value: "x"}}}
	if got, err := bad.Rebuild(nil); err == nil || got != nil || !strings.Contains(err.Error(), "cluster prod: a setting has no name") {
		t.Errorf("a setting without name: %v, %v", got, err)
	}
	two := &UpdateClusterSettingsChange{Cluster: "prod", After: []ClusterSetting{ci("enabled"), {Name: "b", Value: "2"}}}
	got, err := two.Rebuild([]ClusterSetting{{Name: "b", Value: "1"}, ci("disabled")})
	if want := []ClusterSetting{{Name: "b", Value: "2"}, ci("enabled")}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Rebuild = %v, %v", got, err)
	}
	read := []ClusterSetting{ci("disabled")}
	if _, err := two.Rebuild(read); err != nil || read[0].Value != "disabled" {
		t.Errorf("Rebuild changed what it read: %v", read)
	}
}

func logAction(f func(g *EnsureLogGroupChange)) Action {
	g := &EnsureLogGroupChange{Name: "/ecs/web", RetentionDays: 30}
	if f != nil {
		f(g)
	}
	return Action{ID: "l1", Type: EnsureLogGroup, Resource: "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/web", Controls: []string{"ECS.9"}, Risk: RiskMedium, EnsureLogGroup: g}
}

func TestEnsureLogGroupKind(t *testing.T) {
	checkValidate(t, []vcase{
		{"valid", nil, logAction(nil), ""},
		{"kept forever", nil, logAction(func(g *EnsureLogGroupChange) { g.RetentionDays = 0 }), ""},
		{"no name", nil, logAction(func(g *EnsureLogGroupChange) { g.Name = "" }), "ensureLogGroup: name is required"},
		{"negative retention", nil, logAction(func(g *EnsureLogGroupChange) { g.RetentionDays = -1 }), "ensureLogGroup: retentionDays is negative"},
		{"another control", nil, func() Action { a := logAction(nil); a.Controls = []string{"ECS.9", "ECS.8"}; return a }(), `an ensure-log-group action fixes (only ECS.9)`},
	})
	checkRisk(t, []rcase{
		{"ECS.9", nil, logAction(nil), nil, RiskMedium},
		{"ECS.9 overridden", nil, logAction(nil), map[string]Risk{"ECS.9": RiskLow}, RiskLow},
		{"another control", nil, func() Action { a := logAction(nil); a.Controls = []string{"ECS.9", "ECS.8"}; return a }(), map[string]Risk{"ECS.9": RiskLow}, RiskHigh},
		{"none", nil, func() Action { a := logAction(nil); a.Controls = nil; return a }(), nil, RiskHigh},
	})
	for _, tt := range []struct {
		g    EnsureLogGroupChange
		want [][2]string
	}{
		{EnsureLogGroupChange{Name: "/x", RetentionDays: 1}, [][2]string{{"log group", "/x"}, {"retention", "1 days"}}},
		{EnsureLogGroupChange{Name: "/x"}, [][2]string{{"log group", "/x"}, {"retention", "never expire"}}},
		{EnsureLogGroupChange{Name: "/x", KmsKeyID: "k"}, [][2]string{{"log group", "/x"}, {"retention", "never expire"}, {"kms key", "k"}}},
	} {
		if got := tt.g.details().rows; !reflect.DeepEqual(got, tt.want) {
			t.Errorf("details(%+v) = %v", tt.g, got)
		}
	}
	g := &EnsureLogGroupChange{Name: "/x", RetentionDays: 7, KmsKeyID: "k"}
	if got, err := g.Rebuild(nil); err != nil || *got != (LogGroupState{Name: "/x", RetentionDays: 7, KmsKeyID: "k"}) {
		t.Errorf("Rebuild(nil) = %+v, %v", got, err)
	}
	if got, err := g.Rebuild(&LogGroupState{Name: "/y"}); err == nil || got != nil || err.Error() != "log group /x: read group /y instead" {
		t.Errorf("another group: %+v, %v", got, err)
	}
	if d, err := g.diff(); d != "" || err != nil || g.Facts(nil) != nil || g.Touches() != nil {
		t.Error("a log group has a diff, facts or touches")
	}
}

func secretAction(f func(c *CreateSecretChange)) Action {
	v := func(key string, i int) SecretValueSource {
		return SecretValueSource{Key: key, SourceArn: fxWeb3, SourcePath: "containerDefinitions[0].environment[" + string(rune('0'+i)) + "].value"}
	}
	c := &CreateSecretChange{Name: "ecsfix/web/web", JSON: true, Values: []SecretValueSource{v("A", 0), v("B", 1)}}
	if f != nil {
		f(c)
	}
	return Action{ID: "s1", Type: CreateSecret, Resource: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecsfix/web/web",
		Controls: []string{"ECS.8", "EXPOSURE.plaintext-credentials"}, Risk: RiskMedium, CreateSecret: c}
}

func TestCreateSecretKind(t *testing.T) {
	checkValidate(t, []vcase{
		{"valid", nil, secretAction(nil), ""},
		{"plain text", nil, secretAction(func(c *CreateSecretChange) { c.JSON = false; c.Values = c.Values[:1] }), ""},
		{"no name", nil, secretAction(func(c *CreateSecretChange) { c.Name = "" }), "createSecret: name is required"},
		{"no value", nil, secretAction(func(c *CreateSecretChange) { c.Values = nil }), "createSecret: values is empty"},
		{"plain text with two values", nil, secretAction(func(c *CreateSecretChange) { c.JSON = false }), "a plain-text secret (json false) holds one value, not 2"},
		{"no key", nil, secretAction(func(c *CreateSecretChange) { c.Values[1].Key = "" }), "createSecret: value 2: key is required"},
		{"a key twice", nil, secretAction(func(c *CreateSecretChange) { c.Values[1].Key = "A" }), "createSecret: value 2: key A is used by an earlier value"},
		{"a source that is not a revision", nil, secretAction(func(c *CreateSecretChange) { c.Values[1].SourceArn = fxWebSvc }), "createSecret: value 2 (B): sourceArn: "},
		{"a bad source path", nil, secretAction(func(c *CreateSecretChange) { c.Values[1].SourcePath = "" }), "createSecret: value 2 (B): sourcePath: empty path"},
		{"another control", nil, func() Action { a := secretAction(nil); a.Controls = []string{"ECS.8", "ECS.9"}; return a }(),
			`"ECS.9" is not a control that a create-secret action fixes (ECS.8, EXPOSURE.plaintext-credentials)`},
	})
	withControls := func(c ...string) Action { a := secretAction(nil); a.Controls = c; return a }
	checkRisk(t, []rcase{
		{"both", nil, withControls("ECS.8", "EXPOSURE.plaintext-credentials"), nil, RiskMedium},
		{"ECS.8 overridden", nil, withControls("ECS.8"), map[string]Risk{"ECS.8": RiskLow}, RiskLow},
		{"the exposure overridden higher", nil, withControls("ECS.8", "EXPOSURE.plaintext-credentials"), map[string]Risk{"ECS.8": RiskLow, "EXPOSURE.plaintext-credentials": RiskHigh}, RiskHigh},
		{"the exposure only, ECS.8 higher", nil, withControls("EXPOSURE.plaintext-credentials"), map[string]Risk{"EXPOSURE.plaintext-credentials": RiskLow, "ECS.8": RiskHigh}, RiskHigh},
		{"another control", nil, withControls("ECS.8", "ECS.9"), map[string]Risk{"ECS.8": RiskLow, "ECS.9": RiskLow}, RiskHigh},
		{"none", nil, withControls(), nil, RiskHigh},
	})
	c := secretAction(func(c *CreateSecretChange) {
		c.Tags = map[string]string{"z": "1", "a": "2"}
	}).CreateSecret
	want := [][2]string{{"secret", "ecsfix/web/web"}, {"holds", "a JSON object, one key per variable"},
		{"key", "A  from containerDefinitions[0].environment[0].value in web:3"},
		{"key", "B  from containerDefinitions[0].environment[1].value in web:3"},
		{"kms key", "aws/secretsmanager (the account's default key)"}, {"tag", "a=2"}, {"tag", "z=1"}}
	if got := c.details().rows; !reflect.DeepEqual(got, want) {
		t.Errorf("details = %q", got)
	}
	c.JSON, c.KmsKeyID, c.Tags, c.Values = false, "k1", nil, c.Values[:1]
	want = [][2]string{{"secret", "ecsfix/web/web"}, {"holds", "one value, as plain text"},
		{"key", "A  from containerDefinitions[0].environment[0].value in web:3"}, {"kms key", "k1"}}
	if got := c.details().rows; !reflect.DeepEqual(got, want) {
		t.Errorf("plain-text details = %q", got)
	}
	if d, err := c.diff(); d != "" || err != nil {
		t.Error("a secret has a diff")
	}
	// hasKey: a key of the secret; never the empty key.
	k := &CreateSecretChange{Values: []SecretValueSource{{Key: "A"}, {Key: ""}, {Key: "B"}}}
	for key, want := range map[string]bool{"A": true, "B": true, "": false, "C": false} {
		if k.hasKey(key) != want {
			t.Errorf("hasKey(%q) = %v", key, !want)
		}
	}
	if got := k.Touches(); len(got) != 3 {
		t.Errorf("Touches = %v", got)
	}
}

func TestDeregisterAndDetachKinds(t *testing.T) {
	dereg := func(tds ...string) Action {
		return Action{ID: "d1", Type: DeregisterTaskDefinition, Resource: fxWeb3, Controls: []string{"ECS.8"}, Risk: RiskHigh,
			DeregisterTaskDefinition: &DeregisterTaskDefinitionChange{TaskDefinitions: tds}}
	}
	detach := func(role, policy string) Action {
		return Action{ID: "x1", Type: DetachRolePolicy, Resource: fxWebRole, Controls: []string{detect.ExposureAdminTaskRoleID}, Risk: RiskHigh,
			DetachRolePolicy: &DetachRolePolicyChange{Role: role, PolicyArn: policy}}
	}
	checkValidate(t, []vcase{
		{"deregister", nil, dereg(fxWeb3, fxWorker7), ""},
		{"deregister nothing", nil, dereg(), "deregisterTaskDefinition: taskDefinitions is empty"},
		{"deregister a service", nil, dereg(fxWeb3, fxWebSvc), "deregisterTaskDefinition: task definition 2: "},
		{"deregister for another control", nil, func() Action { a := dereg(fxWeb3); a.Controls = []string{"ECS.8", "ECS.5"}; return a }(),
			`a deregister-task-definition action fixes (ECS.8, EXPOSURE.plaintext-credentials)`},
		{"detach", nil, detach(fxWebRole, tAdminFx), ""},
		{"detach in another partition", nil, func() Action {
			a := detach("arn:aws-cn:iam::123456789012:role/web-task", "arn:aws-cn:iam::aws:policy/AdministratorAccess")
			a.Resource = a.DetachRolePolicy.Role
			return a
		}(), ""},
		{"detach from a role name", nil, detach("web-task", tAdminFx), `detachRolePolicy: role "web-task" is not an IAM role ARN`},
		{"detach from another role", nil, detach("arn:aws:iam::123456789012:role/other", tAdminFx), "detachRolePolicy: role arn:aws:iam::123456789012:role/other is not the action's resource " + fxWebRole},
		{"detach a policy name", nil, detach(fxWebRole, "AdministratorAccess"), `detachRolePolicy: policyArn "AdministratorAccess" is not an IAM policy ARN`},
		{"detach another policy", nil, detach(fxWebRole, "arn:aws:iam::aws:policy/ReadOnlyAccess"), `policyArn "arn:aws:iam::aws:policy/ReadOnlyAccess" is not AdministratorAccess`},
		{"detach a customer policy named like it", nil, detach(fxWebRole, "arn:aws:iam::123456789012:policy/AdministratorAccess"), "is not AdministratorAccess"},
		{"detach for another control", nil, func() Action { a := detach(fxWebRole, tAdminFx); a.Controls = []string{"ECS.8"}; return a }(),
			`a detach-role-policy action fixes (only EXPOSURE.admin-task-role)`},
	})
	hi := map[string]Risk{"ECS.8": RiskLow, detect.ExposureAdminTaskRoleID: RiskLow, detect.ExposurePlaintextCredentialsID: RiskLow}
	checkRisk(t, []rcase{
		{"deregister", nil, dereg(fxWeb3), hi, RiskHigh},
		{"detach", nil, detach(fxWebRole, tAdminFx), hi, RiskHigh},
	})
	d := dereg(fxWeb3, fxWorker7).DeregisterTaskDefinition
	if got := d.details().rows; !reflect.DeepEqual(got, [][2]string{{"deregister", fxWeb3}, {"deregister", fxWorker7}}) {
		t.Errorf("deregister details = %v", got)
	}
	got, err := d.Rebuild(map[string]string{fxWeb3: "ACTIVE", fxWorker7: "ACTIVE", "x": "ACTIVE"})
	if want := map[string]string{fxWeb3: "INACTIVE", fxWorker7: "INACTIVE", "x": "ACTIVE"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("deregister Rebuild = %v, %v", got, err)
	}
	if got, err := d.Rebuild(map[string]string{fxWeb3: "ACTIVE"}); err == nil || got != nil || err.Error() != "task definition "+fxWorker7+" was not read" {
		t.Errorf("deregister Rebuild of a revision not read = %v, %v", got, err)
	}
	x := detach(fxWebRole, tAdminFx).DetachRolePolicy
	if got := x.details().rows; !reflect.DeepEqual(got, [][2]string{{"role", fxWebRole}, {"detach", tAdminFx}}) {
		t.Errorf("detach details = %v", got)
	}
	if got, err := x.Rebuild([]string{tAdminFx, "p1", tAdminFx, "p2"}); err != nil || !reflect.DeepEqual(got, []string{"p1", "p2"}) {
		t.Errorf("detach Rebuild = %v, %v", got, err)
	}
	for _, c := range []Change{d, x} {
		if s, err := c.diff(); s != "" || err != nil || c.implicitDependencies() != nil || !c.Rederivable() {
			t.Errorf("%T: diff, dependencies or Rederivable", c)
		}
	}
}
