package detect

// The assumable-role trait: every service with a task role is reported with what the role may do; a
// narrow role passes (informational), a broad one (wildcard, PassRole, IAM write) fails, and what cannot
// be read is named.

import (
	"strings"
	"testing"
)

func TestAssumableRoleVerdicts(t *testing.T) {
	const roleArn = "arn:aws:iam::123456789012:role/app"
	td := tdARN("app", 1)
	inv := func(known bool, attached []AttachedPolicy, inline ...PolicyDocument) *Inventory {
		return &Inventory{
			TaskDefinitions: []TaskDefinition{taskDef("app", 1, taskRole(roleArn)), taskDef("norole", 1)},
			Roles:           []Role{{Arn: roleArn, Name: "app", PoliciesKnown: known, Attached: attached, Inline: inline}},
		}
	}
	svc := service("app", runs(td))
	reader := PolicyDocument{Name: "reader", Document: `{"Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:List*"],"Resource":"arn:aws:s3:::b/*"}]}`}
	runServiceCases(t, ExposureAssumableRole(), []svcCase{
		{name: "no task role passes", svc: service("n", runs(tdARN("norole", 1))), inv: inv(true, nil), want: Passed, reasonHas: []string{"has no task role"}},
		{name: "narrow role is informational", svc: svc, inv: inv(true, nil, reader), want: Passed,
			reasonHas: []string{"can assume task role " + roleArn, "informational, not broad", "inline policies: reader", "narrower action wildcards: s3:List* (inline policy reader)", "cannot pass roles", "cannot write IAM", "0 Allow statement(s) on Resource \"*\""}},
		{name: "service wildcard is broad", svc: svc, inv: inv(true, nil, PolicyDocument{Name: "s3all", Document: `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`}), want: Failed,
			reasonHas: []string{"which is broad", "action wildcards: s3:* (inline policy s3all)", "1 Allow statement(s) on Resource \"*\"", "cannot pass roles"}},
		{name: "PassRole is broad", svc: svc, inv: inv(true, nil, PolicyDocument{Name: "pass", Document: `{"Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::123456789012:role/x"}]}`}), want: Failed,
			reasonHas: []string{"may pass roles (iam:PassRole): inline policy pass", "cannot write IAM"}},
		{name: "IAM write through a pattern is broad", svc: svc, inv: inv(true, nil, PolicyDocument{Name: "w", Document: `{"Statement":[{"Effect":"Allow","Action":"IAM:Attach*","Resource":"*"}]}`}), want: Failed,
			reasonHas: []string{"may write IAM: inline policy w", "cannot pass roles"}},
		{name: "deny statements do not count", svc: svc, inv: inv(true, nil, PolicyDocument{Name: "d", Document: `{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`}), want: Passed},
		{name: "NotAction is broad", svc: svc, inv: inv(true, nil, PolicyDocument{Name: "na", Document: `{"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}`}), want: Failed,
			reasonHas: []string{"NotAction iam:* (inline policy na)"}},
		{name: "AdministratorAccess is the admin trait's", svc: svc, inv: inv(true, []AttachedPolicy{{Name: "AdministratorAccess", Arn: "arn:aws:iam::aws:policy/AdministratorAccess"}}), want: NotApplicable,
			reasonHas: []string{"has administrative access: reported by EXPOSURE.admin-task-role"}},
		{name: "an admin statement is the admin trait's", svc: svc, inv: inv(true, nil, PolicyDocument{Name: "all", Document: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}), want: NotApplicable},
		{name: "policies not exported", svc: svc, inv: inv(false, nil), want: NotEvaluated, reasonHas: []string{"policies of task role"}},
		{name: "role absent", svc: svc, inv: &Inventory{TaskDefinitions: []TaskDefinition{taskDef("app", 1, taskRole(roleArn))}}, want: NotEvaluated, reasonHas: []string{"is not in the inventory"}},
		{name: "attached document absent", svc: svc, inv: inv(true, []AttachedPolicy{{Name: "C", Arn: "arn:aws:iam::123456789012:policy/C"}}, reader), want: NotEvaluated,
			reasonHas: []string{"attached policy C (its document is not in the inventory)"}},
		{name: "broad even with an unreadable one", svc: svc, inv: inv(true, []AttachedPolicy{{Name: "C", Arn: "arn:aws:iam::123456789012:policy/C"}}, PolicyDocument{Name: "bad", Document: "{"}, PolicyDocument{Name: "all", Document: `{"Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}`}), want: Failed,
			reasonHas: []string{"action wildcards: ec2:* (inline policy all)", "not read: attached policy C", "inline policy bad (malformed"}},
	})
}

func TestAssumableRoleOffenders(t *testing.T) {
	const roleArn = "arn:aws:iam::123456789012:role/app"
	inv := &Inventory{
		TaskDefinitions: []TaskDefinition{taskDef("app", 1, taskRole(roleArn))},
		Roles:           []Role{{Arn: roleArn, PoliciesKnown: true, Inline: []PolicyDocument{{Name: "p", Document: `{"Statement":[{"Effect":"Allow","Action":["ec2:*","iam:PassRole"],"Resource":"*"}]}`}}}},
	}
	svc := service("app", runs(tdARN("app", 1)))
	v := ExposureAssumableRole().Service(&svc, inv, &Settings{})
	var got []string
	for _, o := range v.Offenders {
		got = append(got, o.Field+"="+o.Detail)
	}
	want := "taskRoleArn=action wildcard ec2:* (inline policy p)|taskRoleArn=iam:PassRole in inline policy p"
	if strings.Join(got, "|") != want {
		t.Errorf("offenders = %q\nwant %q", strings.Join(got, "|"), want)
	}
}

func TestActionMatches(t *testing.T) {
	for _, tc := range []struct {
		pattern, action string
		want            bool
	}{
		{"iam:*", "iam:passrole", true},
		{"iam:pass*", "iam:passrole", true},
		{"iam:p?ssrole", "iam:passrole", true},
		{"IAM:PassRole", "iam:passrole", true},
		{"*", "iam:passrole", true},
		{"iam:get*", "iam:passrole", false},
		{"s3:*", "iam:passrole", false},
		{"iam:[", "iam:passrole", false},
	} {
		if got := actionMatches(tc.pattern, tc.action); got != tc.want {
			t.Errorf("actionMatches(%q, %q) = %v, want %v", tc.pattern, tc.action, got, tc.want)
		}
	}
}

func TestTraitByTitle(t *testing.T) {
	for title, want := range map[string]string{
		"The Amazon ECS service has an open security group":                                                         ExposureOpenSecurityGroupID,
		"The Amazon ECS service has a security group that allows ingress from the internet":                         ExposureOpenSecurityGroupID,
		"the amazon ecs service has public ip addresses.":                                                           ExposurePublicIPID,
		"The Amazon ECS service assigns public IP addresses to its tasks":                                           ExposurePublicIPID,
		"A container that can assume an IAM role":                                                                   ExposureAssumableRoleID,
		"Software vulnerabilities (CVEs)":                                                                           ExposureVulnerabilitiesID,
		"The Amazon ECS service uses a task definition that mounts host filesystem paths":                           ExposureHostPathVolumeID,
		"The Amazon ECS service uses a task definition that allows containers to access the root file systems":      ExposureHostPathVolumeID,
		"The Amazon ECS service uses a task definition that has cleartext credentials in the environment variables": ExposurePlaintextCredentialsID,
		"ECS services should not have public IP addresses":                                                          "",
		"": "",
	} {
		c, ok := TraitByTitle(title)
		if ok != (want != "") || c.ID != want {
			t.Errorf("TraitByTitle(%q) = %q, %v; want %q", title, c.ID, ok, want)
		}
	}
}
