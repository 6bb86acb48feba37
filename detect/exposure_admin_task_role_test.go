package detect

// The admin-task-role exposure pinned whole: which statements grant administrative access wherever "*"
// sits in their Action and Resource lists, every admin policy listed, and every unreadable one named.

import "testing"

func TestIsAdminStatement(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    Statement
		want bool
	}{
		{"star alone", Statement{Effect: "Allow", Action: []string{"*"}, Resource: []string{"*"}}, true},
		{"star first of two actions", Statement{Effect: "Allow", Action: []string{"*", "s3:GetObject"}, Resource: []string{"*"}}, true},
		{"star last of two actions", Statement{Effect: "Allow", Action: []string{"s3:GetObject", "*"}, Resource: []string{"*"}}, true},
		{"star-colon-star first", Statement{Effect: "Allow", Action: []string{"*:*", "s3:GetObject"}, Resource: []string{"*"}}, true},
		{"star-colon-star last", Statement{Effect: "Allow", Action: []string{"s3:GetObject", "*:*"}, Resource: []string{"*"}}, true},
		{"star resource first of two", Statement{Effect: "Allow", Action: []string{"*"}, Resource: []string{"*", "arn:aws:s3:::b"}}, true},
		{"star resource last of two", Statement{Effect: "Allow", Action: []string{"*"}, Resource: []string{"arn:aws:s3:::b", "*"}}, true},
		{"service wildcard only", Statement{Effect: "Allow", Action: []string{"s3:*", "iam:*"}, Resource: []string{"*"}}, false},
		{"no star resource", Statement{Effect: "Allow", Action: []string{"*"}, Resource: []string{"arn:aws:s3:::b", "arn:aws:s3:::c"}}, false},
		{"no resource", Statement{Effect: "Allow", Action: []string{"*"}}, false},
		{"no action", Statement{Effect: "Allow", Resource: []string{"*"}}, false},
		{"deny", Statement{Effect: "Deny", Action: []string{"*"}, Resource: []string{"*"}}, false},
		{"effect in lower case", Statement{Effect: "allow", Action: []string{"*"}, Resource: []string{"*"}}, false},
	} {
		if got := IsAdminStatement(tc.s); got != tc.want {
			t.Errorf("%s: IsAdminStatement = %v, want %v", tc.name, got, tc.want)
		}
	}
	for arn, want := range map[string]bool{
		"arn:aws:iam::aws:policy/AdministratorAccess":              true,
		"arn:aws-cn:iam::aws:policy/AdministratorAccess":           true,
		"arn:aws:iam::123456789012:policy/AdministratorAccess":     false,
		"arn:aws:iam::aws:policy/AdministratorAccess-Amplify":      false,
		"arn:aws:iam::aws:policy/job-function/SystemAdministrator": false,
	} {
		if got := IsAdministratorAccess(arn); got != want {
			t.Errorf("IsAdministratorAccess(%s) = %v, want %v", arn, got, want)
		}
	}
}

func TestAdminTaskRoleVerdicts(t *testing.T) {
	const roleArn = "arn:aws:iam::123456789012:role/app"
	td := tdARN("app", 1)
	inv := func(attached []AttachedPolicy, inline ...PolicyDocument) *Inventory {
		return &Inventory{
			TaskDefinitions: []TaskDefinition{taskDef("app", 1, taskRole(roleArn))},
			Roles:           []Role{{Arn: roleArn, Name: "app", PoliciesKnown: true, Attached: attached, Inline: inline}},
		}
	}
	svc := service("app", runs(td))
	admin := AttachedPolicy{Name: "AdministratorAccess", Arn: "arn:aws:iam::aws:policy/AdministratorAccess"}
	custom := AttachedPolicy{Name: "Custom", Arn: "arn:aws:iam::123456789012:policy/Custom"}
	readOnly := AttachedPolicy{Name: "Reader", Arn: "arn:aws:iam::123456789012:policy/Reader",
		Document: `{"Statement":[{"Effect":"Allow","Action":["s3:Get*"],"Resource":"*"}]}`}
	off := func(detail string) Offender { return Offender{Field: "taskRoleArn", Detail: detail} }
	failed := func(reason string, offs ...Offender) Verdict {
		return Verdict{Status: Failed, Reason: "task role " + roleArn + " (task definition " + td + "): " + reason, Offenders: offs}
	}
	runExactServiceCases(t, ExposureAdminTaskRole(), []exactSvcCase{
		{name: "AdministratorAccess after a readable policy, beside an unreadable one", svc: svc, inv: inv([]AttachedPolicy{readOnly, custom, admin}),
			want: failed("attached policy arn:aws:iam::aws:policy/AdministratorAccess is AdministratorAccess", off("attached policy arn:aws:iam::aws:policy/AdministratorAccess"))},
		{name: "unnamed attached policy is named by its ARN", svc: svc, inv: inv([]AttachedPolicy{{Arn: "arn:aws:iam::123456789012:policy/Wide",
			Document: `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`}}),
			want: failed(`attached policy "arn:aws:iam::123456789012:policy/Wide" statement #0 allows Action "*" on Resource "*"`,
				off("attached policy arn:aws:iam::123456789012:policy/Wide, statement #0"))},
		{name: "star first of the actions, star last of the resources", svc: svc, inv: inv(nil, PolicyDocument{Name: "p",
			Document: `{"Statement":[{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"*"},{"Sid":"All","Effect":"Allow","Action":["*","s3:GetObject"],"Resource":["arn:aws:s3:::b","*"]}]}`}),
			want: failed(`inline policy "p" statement "All" allows Action "*" on Resource "*"`, off("inline policy p, statement \"All\""))},
		{name: "star-colon-star last of the actions", svc: svc, inv: inv(nil, PolicyDocument{Name: "p",
			Document: `{"Statement":[{"Effect":"Allow","Action":["s3:GetObject","*:*"],"Resource":"*"}]}`}),
			want: failed(`inline policy "p" statement #0 allows Action "*:*" on Resource "*"`, off("inline policy p, statement #0"))},
		{name: "every admin policy and statement is listed", svc: svc, inv: inv([]AttachedPolicy{admin, readOnly},
			PolicyDocument{Name: "p", Document: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Allow","Action":"*:*","Resource":"*"}]}`},
			PolicyDocument{Name: "q", Document: `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`}),
			want: failed(`attached policy arn:aws:iam::aws:policy/AdministratorAccess is AdministratorAccess; `+
				`inline policy "p" statement #0 allows Action "*" on Resource "*"; `+
				`inline policy "p" statement #2 allows Action "*:*" on Resource "*"; `+
				`inline policy "q" statement #0 allows Action "*" on Resource "*"`,
				off("attached policy arn:aws:iam::aws:policy/AdministratorAccess"),
				off("inline policy p, statement #0"), off("inline policy p, statement #2"), off("inline policy q, statement #0"))},
		{name: "every unreadable policy is named", svc: svc, inv: inv([]AttachedPolicy{custom, readOnly}, PolicyDocument{Name: "broken", Document: `{`}),
			want: Unknown(`task role ` + roleArn + `: the document of attached policy arn:aws:iam::123456789012:policy/Custom is not in the inventory; ` +
				`inline policy "broken" could not be read: malformed policy document: unexpected end of JSON input`)},
		{name: "no admin policy", svc: svc, inv: inv([]AttachedPolicy{readOnly}, PolicyDocument{Name: "p", Document: `{"Statement":{"Effect":"allow","Action":"*","Resource":"*"}}`}),
			want: Pass("task role " + roleArn + " has no administrative policy")},
		{name: "no task role", svc: service("x", runs(tdARN("bare", 1))), inv: &Inventory{TaskDefinitions: []TaskDefinition{taskDef("bare", 1)}},
			want: Pass("task definition " + tdARN("bare", 1) + " has no task role")},
		{name: "role not in the inventory", svc: svc, inv: &Inventory{TaskDefinitions: []TaskDefinition{taskDef("app", 1, taskRole(roleArn))}},
			want: Unknown("task role " + roleArn + " is not in the inventory")},
		{name: "policies not exported", svc: svc, inv: &Inventory{TaskDefinitions: []TaskDefinition{taskDef("app", 1, taskRole(roleArn))}, Roles: []Role{{Arn: roleArn, Name: "app"}}},
			want: Unknown("the policies of task role " + roleArn + " are not in the inventory")},
		{name: "revision not in the inventory", svc: service("x", runs(tdARN("gone", 1))), inv: inv(nil),
			want: Unknown("task definition " + tdARN("gone", 1) + ", which the service runs, is not in the inventory")},
	})
}
