//go:build unix

package cli

// Attacks on the applier's newer paths, on the emulator, through the CLI: a service's update split into
// parts by risk (a low-risk part edited to carry a riskier write, or to write another service), a
// journal forged to make a resumed apply deploy a planted revision, a ./ecsfix.yaml naming the execution
// role a fix grants, the dry run of an unapproved plan, and a sample of the trust issue's original
// attacks. Each is refused: exit non-zero, a message naming the cause, nothing changed.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"golang.org/x/sys/unix"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/fix"
	"github.com/ecsfix/ecsfix/plan"
)

// estateState is what the attacks must leave as it was: every revision, both services' revision,
// platform and network, the cluster's Container Insights, the inline policies of every role, the
// secrets.
func estateState(t *testing.T, cfg aws.Config) string {
	t.Helper()
	ctx := context.Background()
	cs, im, sm := ecs.NewFromConfig(cfg), iam.NewFromConfig(cfg), secretsmanager.NewFromConfig(cfg)
	var lines []string
	tds, err := cs.ListTaskDefinitions(ctx, &ecs.ListTaskDefinitionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	lines = append(lines, tds.TaskDefinitionArns...)
	svcs, err := cs.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{"web", "api"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range svcs.Services {
		l := aws.ToString(s.ServiceName) + " " + aws.ToString(s.TaskDefinition) + " " + aws.ToString(s.PlatformVersion)
		if n := s.NetworkConfiguration; n != nil && n.AwsvpcConfiguration != nil {
			v := n.AwsvpcConfiguration
			l += " " + strings.Join(v.Subnets, ",") + " " + strings.Join(v.SecurityGroups, ",") + " " + string(v.AssignPublicIp)
		}
		lines = append(lines, l)
	}
	lines = append(lines, "insights "+insights(t, cfg))
	roles, err := im.ListRoles(ctx, &iam.ListRolesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range roles.Roles {
		pols, err := im.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: r.RoleName})
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, "role "+aws.ToString(r.RoleName)+" "+strings.Join(pols.PolicyNames, ","))
	}
	secrets, err := sm.ListSecrets(ctx, &secretsmanager.ListSecretsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets.SecretList {
		lines = append(lines, "secret "+aws.ToString(s.Name))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// refused checks an attack's outcome: a non-zero exit (want, when not 0), every string of says in the
// output, no journal opened, and the estate as it was.
func refused(t *testing.T, cfg aws.Config, name, before string, out, errOut string, code, want int, says ...string) {
	t.Helper()
	if code == exitOK || want != 0 && code != want {
		t.Errorf("%s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", name, code, want, out, errOut)
	}
	for _, s := range says {
		if !strings.Contains(out+errOut, s) {
			t.Errorf("%s: the output does not say %q\nstdout:\n%s\nstderr:\n%s", name, s, out, errOut)
		}
	}
	if strings.Contains(out, "journal:") {
		t.Errorf("%s: apply opened a journal:\n%s", name, out)
	}
	if after := estateState(t, cfg); after != before {
		t.Errorf("%s: the estate changed:\nbefore:\n%s\nafter:\n%s", name, before, after)
	}
}

// updateOf is the update-service action of the service named short that sets what part says
// ("platform", "move", "network").
func updateOf(t *testing.T, p *plan.Plan, short, part string) *plan.Action {
	t.Helper()
	for i := range p.Actions {
		a := &p.Actions[i]
		u := a.UpdateService
		if u == nil || !strings.HasSuffix(a.Resource, "/"+short) {
			continue
		}
		switch {
		case part == "platform" && u.After.PlatformVersion != "",
			part == "move" && u.After.TaskDefinition != "",
			part == "network" && u.After.Network != nil:
			return a
		}
	}
	t.Fatalf("the plan has no %s update of service %s", part, short)
	return nil
}

// TestSessionServicePartAttacks: a plan of the two services' platform parts only (ECS.10, low risk: it
// applies without approval) edited so that a low-risk part carries a riskier write, or writes a service
// other than the one it reads. Each is refused and changes nothing; the untouched plan applies.
func TestSessionServicePartAttacks(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	buildSmallEstate(t, ctx, cfg)
	liveEnv(t, cfg)
	dir := t.TempDir()
	t.Setenv("ECSFIX_FIX_CONTROLS", "ECS.10")
	planFile := filepath.Join(dir, "plan.json")
	if _, errOut, code := runCLI(t, "plan", "--out", planFile); code != exitOK {
		t.Fatalf("plan: exit %d\n%s", code, errOut)
	}
	t.Setenv("ECSFIX_FIX_CONTROLS", "")
	base := mustRead(t, planFile)
	if len(base.Actions) != 2 {
		t.Fatalf("the ECS.10 plan has %d actions, want web's and api's platform updates", len(base.Actions))
	}
	webNet, err := ecs.NewFromConfig(cfg).DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{"web"}})
	if err != nil {
		t.Fatal(err)
	}
	vpc := webNet.Services[0].NetworkConfiguration.AwsvpcConfiguration
	apiTD, _ := describeServiceNamed(t, cfg, "api")
	before := estateState(t, cfg)

	for _, tt := range []struct {
		name string
		edit func(t *testing.T, p *plan.Plan) string // returns the id the refusal names
		want int
		says []string
	}{
		{"platform part also disables the public IP (network moved into it)", func(t *testing.T, p *plan.Plan) string {
			a := updateOf(t, p, "web", "platform")
			a.UpdateService.Before.Network = &plan.AwsVpcSettings{Subnets: vpc.Subnets, SecurityGroups: vpc.SecurityGroups, AssignPublicIp: string(vpc.AssignPublicIp)}
			a.UpdateService.After.Network = &plan.AwsVpcSettings{Subnets: vpc.Subnets, SecurityGroups: vpc.SecurityGroups, AssignPublicIp: "DISABLED"}
			return a.ID
		}, exitNotApproved, []string{"high"}},
		{"platform part also moves the revision (to api's, with edits labelled ECS.5)", func(t *testing.T, p *plan.Plan) string {
			a := updateOf(t, p, "web", "platform")
			a.UpdateService.After.TaskDefinition = apiTD
			a.UpdateService.Edits = []plan.Edit{{Control: "ECS.5", Path: "containerDefinitions[0].readonlyRootFilesystem", Change: "set true"}}
			// With the fingerprint such a move needs (without it the plan is refused for its state).
			p.State = append(p.State, plan.Fingerprint{Resource: apiTD, ResourceType: detect.TypeTaskDefinition, Region: mototest.Region,
				Facts: map[string]string{plan.FactStatus: "ACTIVE"}})
			return a.ID
		}, 0, []string{"updateService.after.taskDefinition"}},
		{"platform part sets another platform version", func(t *testing.T, p *plan.Plan) string {
			a := updateOf(t, p, "web", "platform")
			a.UpdateService.After.PlatformVersion = "1.4.0"
			return a.ID
		}, 0, []string{"updateService.after.platformVersion"}},
		{"api's platform part writes service web", func(t *testing.T, p *plan.Plan) string {
			a := updateOf(t, p, "api", "platform")
			a.UpdateService.Service = "web"
			// web's own part removed, so that web's write is api's part's doing.
			keep := p.Actions[:0]
			for _, b := range p.Actions {
				if b.ID == a.ID || !strings.HasSuffix(b.Resource, "/web") {
					keep = append(keep, b)
				}
			}
			id := a.ID
			p.Actions = keep
			return id
		}, 0, []string{"updateService.service", "is not service"}},
		{"api's platform part writes a service of the same name in another cluster", func(t *testing.T, p *plan.Plan) string {
			a := updateOf(t, p, "api", "platform")
			a.UpdateService.Cluster = strings.Replace(a.UpdateService.Cluster, "cluster/prod", "cluster/staging", 1)
			return a.ID
		}, 0, []string{"updateService.cluster", "is not the cluster of service"}},
		{"api's platform part names a cluster of another region", func(t *testing.T, p *plan.Plan) string {
			a := updateOf(t, p, "api", "platform")
			a.UpdateService.Cluster = strings.Replace(a.UpdateService.Cluster, ":"+mototest.Region+":", ":eu-west-3:", 1)
			return a.ID
		}, 0, []string{"updateService.cluster"}},
		{"a part duplicated under the id of another", func(t *testing.T, p *plan.Plan) string {
			dup := *updateOf(t, p, "web", "platform")
			dup.ID = updateOf(t, p, "api", "platform").ID
			p.Actions = append(p.Actions, dup)
			return dup.ID
		}, 0, []string{"is used by an earlier action"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := mustRead(t, planFile)
			id := tt.edit(t, p)
			f := filepath.Join(dir, strings.NewReplacer(" ", "-", "'", "", "(", "", ")", "", ",", "").Replace(tt.name)+".json")
			if err := writePlanFile(f, p); err != nil {
				// Refused when written: the same validation as apply's, naming the action.
				for _, s := range append(tt.says, id) {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("writing the edited plan: %v; does not say %q", err, s)
					}
				}
				return
			}
			out, errOut, code := runCLI(t, "apply", f)
			refused(t, cfg, tt.name, before, out, errOut, code, tt.want, append(tt.says, id)...)
			// The dry run of the same plan refuses it as well, unless only an approval lacks.
			out, errOut, code = runCLI(t, "apply", f, "--dry-run")
			if tt.want == exitNotApproved {
				if code != exitOK || !strings.Contains(out, "dry run: an apply needs an approval first") || !strings.Contains(out, id+" ") {
					t.Errorf("dry run: exit %d, want 0 listing %s as needing approval\n%s%s", code, id, out, errOut)
				}
				if after := estateState(t, cfg); after != before {
					t.Errorf("the dry run changed the estate")
				}
			} else {
				refused(t, cfg, tt.name+" (dry run)", before, out, errOut, code, 0, tt.says...)
			}
		})
	}

	// The untouched plan applies without approval: both services on LATEST, nothing else changed.
	if out, errOut, code := runCLI(t, "apply", planFile); code != exitOK {
		t.Fatalf("the untouched ECS.10 plan: exit %d\n%s%s", code, out, errOut)
	}
	for _, s := range []string{"web", "api"} {
		if _, pv := describeServiceNamed(t, cfg, s); pv != "LATEST" {
			t.Errorf("service %s is on %s after the untouched plan", s, pv)
		}
	}
}

// TestSessionForgedDoneRegistration: a journal written by hand (the chain is computable by anyone)
// for the approved plan, saying that web's registration is done and registered a planted revision of
// family web (privileged, another image): resuming with it must not deploy that revision.
func TestSessionForgedDoneRegistration(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	buildSmallEstate(t, ctx, cfg)
	liveEnv(t, cfg)
	dir := t.TempDir()
	t.Setenv("ECSFIX_FIX_CONTROLS", "ECS.5")
	planFile := filepath.Join(dir, "plan.json")
	if _, errOut, code := runCLI(t, "plan", "--out", planFile); code != exitOK {
		t.Fatalf("plan: exit %d\n%s", code, errOut)
	}
	t.Setenv("ECSFIX_FIX_CONTROLS", "")
	if _, errOut, code := runCLI(t, "approve", planFile, "--by", "alice"); code != exitOK {
		t.Fatalf("approve: exit %d\n%s", code, errOut)
	}
	p := mustRead(t, planFile)
	reg := firstOf(t, p, plan.RegisterTaskDefinition, "web")
	// The planted revision: registered after the plan was made (web's source stays what the plan saw),
	// of the family web, in the plan's account and region.
	planted, err := ecs.NewFromConfig(cfg).RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("web"), NetworkMode: ecstypes.NetworkModeAwsvpc, Cpu: aws.String("256"), Memory: aws.String("512"),
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("web"), Image: aws.String("attacker.example/backdoor"),
			Privileged: aws.Bool(true), ReadonlyRootFilesystem: aws.Bool(true)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	plantedArn := aws.ToString(planted.TaskDefinition.TaskDefinitionArn)
	before := estateState(t, cfg)
	now := time.Now().UTC()
	journal := filepath.Join(dir, "forged.journal")
	forgeJournal(t, journal, true,
		fix.Record{Type: fix.RecHeader, Time: now, FormatVersion: fix.JournalFormatVersion, PlanHash: p.ContentHash(), PlanPath: planFile, Account: reg.Account},
		fix.Record{Type: fix.RecStarted, Time: now, Action: reg.ID, ActionType: reg.Type, Region: reg.Region, Resource: reg.Resource,
			Before: &fix.StateRecord{TaskDefinitionArn: reg.RegisterTaskDefinition.SourceArn, Family: "web", Tagged: true}},
		fix.Record{Type: fix.RecDone, Time: now, Action: reg.ID, ActionType: reg.Type, Result: &fix.StateRecord{TaskDefinitionArn: plantedArn, Tagged: true}},
	)
	out, errOut, code := runCLI(t, "apply", planFile, "--journal", journal)
	if td, _ := describeServiceNamed(t, cfg, "web"); td == plantedArn {
		t.Fatalf("the resumed apply deployed the planted revision %s named by a forged done record\nstdout:\n%s\nstderr:\n%s", plantedArn, out, errOut)
	}
	refused(t, cfg, "forged done registration", before, strings.ReplaceAll(out, "journal: "+journal, ""), errOut, code, exitJournalRefused, plantedArn, reg.ID)
}

// TestSessionWorkingDirectorySecretsSettings: the trusted configuration lets medium-risk fixes apply
// unattended; a ./ecsfix.yaml in the working directory names the settings of the secrets fix: an
// execution role (one an attacker can assume) where the trusted configuration names none, a secret name
// prefix others may read, a KMS key of its choosing. apply --auto must not give or grant that role, nor
// create a secret under that prefix or key: each is refused naming the field and the setting. With the
// file gone, the trusted settings apply.
func TestSessionWorkingDirectorySecretsSettings(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	buildSmallEstate(t, ctx, cfg)
	im := iam.NewFromConfig(cfg)
	trust := aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
	var arns []string
	for _, name := range []string{"web-exec", "attacker"} {
		r, err := im.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: trust})
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, aws.ToString(r.Role.Arn))
	}
	attackerKey := kmsKey(t, cfg, kmstypes.KeyUsageTypeEncryptDecrypt, kmstypes.KeySpecSymmetricDefault, "")
	liveEnv(t, cfg)
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("ECSFIX_FIX_UNATTENDED_RISK", "medium")
	t.Setenv("ECSFIX_FIX_CONTROLS", "ECS.8")
	before := estateState(t, cfg)
	for i, tt := range []struct {
		name, file, trustedRole string
		says                    []string
	}{
		{"execution role", "fix:\n  secrets:\n    execution_role: " + arns[1] + "\n", "", []string{"executionRoleArn", "fix.secrets.execution_role"}},
		{"secret name prefix", "fix:\n  secrets:\n    name_prefix: shared\n", arns[0], []string{"createSecret.name", "fix.secrets.name_prefix ecsfix/"}},
		{"secret KMS key", "fix:\n  secrets:\n    kms_key_id: " + attackerKey + "\n", arns[0], []string{"createSecret.kmsKeyId", "fix.secrets.kms_key_id"}},
	} {
		if err := os.WriteFile(filepath.Join(dir, "ecsfix.yaml"), []byte(tt.file), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Setenv("ECSFIX_FIX_SECRETS_EXECUTION_ROLE", tt.trustedRole) // a variable: it takes precedence over any file
		journal := filepath.Join(dir, fmt.Sprintf("attack%d.journal", i))
		out, errOut, code := runCLI(t, "apply", "--auto", "--journal", journal)
		if pols, err := im.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("attacker")}); err != nil || len(pols.PolicyNames) > 0 {
			t.Errorf("%s: apply --auto granted the role a ./ecsfix.yaml named: %v %v", tt.name, pols, err)
		}
		refused(t, cfg, "./ecsfix.yaml "+tt.name, before, strings.ReplaceAll(out, "journal: "+journal, ""), errOut, code, 0, tt.says...)
	}

	// Without the file, with a trusted key: a plan edited so that the execution role is granted
	// kms:Decrypt on another key than the configured one is refused.
	if err := os.Remove(filepath.Join(dir, "ecsfix.yaml")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ECSFIX_FIX_SECRETS_EXECUTION_ROLE", arns[0])
	goodKey := kmsKey(t, cfg, kmstypes.KeyUsageTypeEncryptDecrypt, kmstypes.KeySpecSymmetricDefault, "")
	t.Setenv("ECSFIX_FIX_SECRETS_KMS_KEY_ID", goodKey)
	planFile := filepath.Join(dir, "plan.json")
	if _, errOut, code := runCLI(t, "plan", "--out", planFile); code != exitOK {
		t.Fatalf("plan: exit %d\n%s", code, errOut)
	}
	p := mustRead(t, planFile)
	grant := firstOf(t, p, plan.PutRolePolicy, "")
	edited := false
	for i, st := range grant.PutRolePolicy.Statements {
		if st.Sid == plan.SidDecryptSecrets {
			grant.PutRolePolicy.Statements[i].Resources = []string{strings.Replace(st.Resources[0], goodKey, attackerKey, 1)}
			edited = true
		}
	}
	if !edited {
		t.Fatalf("the plan grants no kms:Decrypt on %s:\n%+v", goodKey, grant.PutRolePolicy.Statements)
	}
	if err := writePlanFile(planFile, p); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runCLI(t, "approve", planFile, "--by", "alice"); code != exitOK {
		t.Fatalf("approve: exit %d\n%s", code, errOut)
	}
	out, errOut, code := runCLI(t, "apply", planFile)
	refused(t, cfg, "kms:Decrypt on another key", before, out, errOut, code, 0, grant.ID, "putRolePolicy.statements", attackerKey, "fix.secrets.kms_key_id")

	// The trusted settings apply: the trusted role is given, and granted the secret and its key.
	if out, errOut, code := runCLI(t, "apply", "--auto", "--journal", filepath.Join(dir, "b.journal")); code != exitOK {
		t.Fatalf("apply --auto with the trusted settings: exit %d\n%s%s", code, out, errOut)
	}
	doc, err := im.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("web-exec"), PolicyName: aws.String(plan.OwnedPolicyName)})
	if err != nil || !strings.Contains(aws.ToString(doc.PolicyDocument), goodKey) {
		t.Errorf("the trusted execution role's policy: %v %v", doc, err)
	}
}

// TestSessionDryRunWritesNothing: the dry run of an unapproved plan exits 0 and writes nothing, no
// journal and no lock, even pointed at a journal path, and prints no planted secret value; the dry run
// of an edited unapproved plan is refused for the edit, not reported as only lacking an approval.
func TestSessionDryRunWritesNothing(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	buildSmallEstate(t, ctx, cfg)
	liveEnv(t, cfg)
	dir := t.TempDir()
	planFile := filepath.Join(dir, "plan.json")
	if _, errOut, code := runCLI(t, "plan", "--out", planFile); code != exitOK {
		t.Fatalf("plan: exit %d\n%s", code, errOut)
	}
	before := estateState(t, cfg)
	journal := filepath.Join(dir, "dry.journal")
	out, errOut, code := runCLI(t, "--log-level", "debug", "apply", planFile, "--dry-run", "--journal", journal)
	if code != exitOK || !strings.Contains(out, "dry run: nothing will be changed") {
		t.Fatalf("dry run: exit %d\n%s%s", code, out, errOut)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "plan.json" {
			t.Errorf("the dry run wrote %s", e.Name())
		}
	}
	for _, s := range leakValues {
		if strings.Contains(out+errOut, s) {
			t.Errorf("the dry run prints a planted secret value")
		}
		for _, d := range leakDigests(s) {
			if strings.Contains(strings.ToLower(out+errOut), strings.ToLower(d)) {
				t.Errorf("the dry run prints a digest of a planted secret value")
			}
		}
	}
	if after := estateState(t, cfg); after != before {
		t.Errorf("the dry run changed the estate")
	}

	p := mustRead(t, planFile)
	editRegistration(t, firstOf(t, p, plan.RegisterTaskDefinition, "web"), func(in *ecs.RegisterTaskDefinitionInput) {
		in.ContainerDefinitions[0].Image = aws.String("attacker.example/backdoor")
	})
	edited := filepath.Join(dir, "edited.json")
	if err := writePlanFile(edited, p); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = runCLI(t, "apply", edited, "--dry-run")
	refused(t, cfg, "dry run of an edited unapproved plan", before, out, errOut, code, 0, "containerDefinitions[0].image")
	if strings.Contains(out, "would call") {
		t.Errorf("the dry run of an edited plan printed calls:\n%s", out)
	}
}

// TestSessionOriginalAttacksAgain: a sample of the trust issue's attacks, repeated through the CLI:
// the registration edited (image, privileged, task role) and approved again; a ./ecsfix.yaml loosening
// the unattended risk; a second apply while one holds the journal.
func TestSessionOriginalAttacksAgain(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	buildSmallEstate(t, ctx, cfg)
	liveEnv(t, cfg)
	dir := t.TempDir()
	t.Chdir(dir)
	planFile := filepath.Join(dir, "plan.json")
	if _, errOut, code := runCLI(t, "plan", "--out", planFile); code != exitOK {
		t.Fatalf("plan: exit %d\n%s", code, errOut)
	}
	before := estateState(t, cfg)
	account := mustRead(t, planFile).Actions[0].Account
	for _, tt := range []struct {
		name, field string
		edit        func(in *ecs.RegisterTaskDefinitionInput)
	}{
		{"image", "containerDefinitions[0].image", func(in *ecs.RegisterTaskDefinitionInput) {
			in.ContainerDefinitions[0].Image = aws.String("attacker.example/backdoor")
		}},
		{"privileged", "containerDefinitions[0].privileged", func(in *ecs.RegisterTaskDefinitionInput) {
			in.ContainerDefinitions[0].Privileged = aws.Bool(true)
		}},
		{"task role", "taskRoleArn", func(in *ecs.RegisterTaskDefinitionInput) {
			in.TaskRoleArn = aws.String("arn:aws:iam::" + account + ":role/admin")
		}},
	} {
		p := mustRead(t, planFile)
		editRegistration(t, firstOf(t, p, plan.RegisterTaskDefinition, "web"), tt.edit)
		f := filepath.Join(dir, "edited-"+strings.ReplaceAll(tt.name, " ", "-")+".json")
		if err := writePlanFile(f, p); err != nil {
			t.Fatal(err)
		}
		if _, errOut, code := runCLI(t, "approve", f, "--by", "mallory"); code != exitOK {
			t.Fatalf("approve: exit %d\n%s", code, errOut)
		}
		out, errOut, code := runCLI(t, "apply", f)
		refused(t, cfg, "re-approved edit: "+tt.name, before, out, errOut, code, 0, tt.field)
	}

	// ./ecsfix.yaml loosening the unattended risk: the unapproved plan is still refused (exit 6).
	if err := os.WriteFile(filepath.Join(dir, "ecsfix.yaml"), []byte("fix:\n  unattended_risk: high\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI(t, "apply", planFile)
	refused(t, cfg, "./ecsfix.yaml unattended_risk high", before, out, errOut, code, exitNotApproved, "not approved", "ecsfix.yaml", "ignored")
	if err := os.Remove(filepath.Join(dir, "ecsfix.yaml")); err != nil {
		t.Fatal(err)
	}

	// Two applies on one journal: while a run holds the journal's lock, a second is refused (exit 8).
	if _, errOut, code := runCLI(t, "approve", planFile, "--by", "alice"); code != exitOK {
		t.Fatalf("approve: exit %d\n%s", code, errOut)
	}
	journal := planFile + ".journal"
	release := holdJournalLock(t, journal)
	out, errOut, code = runCLI(t, "apply", planFile)
	release()
	refused(t, cfg, "second apply on a locked journal", before, out, errOut, code, exitJournalLocked, journal)
}

// holdJournalLock takes the lock an apply takes on journal (flock on JOURNAL.lock, from another open
// file, as another process would hold it) and returns its release.
func holdJournalLock(t *testing.T, journal string) func() {
	t.Helper()
	f, err := os.OpenFile(journal+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		t.Fatal(err)
	}
	return func() { f.Close() }
}

// TestSessionKMSApprovalGames: approvals signed by KMS keys where the key is not the listed one: an
// alias re-pointed to another key after the list was written, a key listed for another principal, one
// key listed for two principals signing as both (a quorum of two), and a signed approval copied under
// another name. None counts as it pretends; the high-risk plan applies nothing (exit 6).
func TestSessionKMSApprovalGames(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	buildSmallEstate(t, ctx, cfg)
	liveEnv(t, cfg)
	dir := t.TempDir()
	planFile := filepath.Join(dir, "plan.json")
	if _, errOut, code := runCLI(t, "plan", "--out", planFile); code != exitOK {
		t.Fatalf("plan: exit %d\n%s", code, errOut)
	}
	original, err := os.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	before := estateState(t, cfg)
	aliceKey := kmsKey(t, cfg, kmstypes.KeyUsageTypeSignVerify, kmstypes.KeySpecEccNistP256, "alias/ecsfix-alice")
	eveKey := kmsKey(t, cfg, kmstypes.KeyUsageTypeSignVerify, kmstypes.KeySpecEccNistP256, "")
	bobKey := kmsKey(t, cfg, kmstypes.KeyUsageTypeSignVerify, kmstypes.KeySpecEccNistP256, "alias/ecsfix-bob")
	sharedKey := kmsKey(t, cfg, kmstypes.KeyUsageTypeSignVerify, kmstypes.KeySpecEccNistP256, "alias/ecsfix-shared")
	signers := filepath.Join(dir, "allowed_signers")
	if err := os.WriteFile(signers, []byte("alice "+kmsAllowedKey(t, cfg, aliceKey, dir)+"\nbob "+kmsAllowedKey(t, cfg, bobKey, dir)+
		"\ncarol,dave "+kmsAllowedKey(t, cfg, sharedKey, dir)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	copyPlan := func(name string) string {
		f := filepath.Join(dir, name+".json")
		if err := os.WriteFile(f, original, 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	approve := func(file, by, key string, list bool) {
		t.Helper()
		if list {
			t.Setenv("ECSFIX_APPROVALS_ALLOWED_SIGNERS", signers)
		} else {
			t.Setenv("ECSFIX_APPROVALS_ALLOWED_SIGNERS", "")
		}
		if out, errOut, code := runCLI(t, "approve", file, "--by", by, "--key", key); code != exitOK {
			t.Fatalf("approve %s by %s with %s: exit %d\n%s%s", file, by, key, code, out, errOut)
		}
	}
	apply := func(name, file string, says ...string) {
		t.Helper()
		t.Setenv("ECSFIX_APPROVALS_ALLOWED_SIGNERS", signers)
		out, errOut, code := runCLI(t, "apply", file)
		refused(t, cfg, name, before, out, errOut, code, exitNotApproved, says...)
	}

	// alice's alias re-pointed to eve's key: approve refuses it while the list is set; an approval made
	// without the list does not count with it.
	if _, err := kms.NewFromConfig(cfg).UpdateAlias(ctx, &kms.UpdateAliasInput{AliasName: aws.String("alias/ecsfix-alice"), TargetKeyId: aws.String(eveKey)}); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ECSFIX_APPROVALS_ALLOWED_SIGNERS", signers)
	f := copyPlan("alias")
	if _, errOut, code := runCLI(t, "approve", f, "--by", "alice", "--key", "kms:alias/ecsfix-alice"); code == exitOK || !strings.Contains(errOut, "is not in approvals.allowed_signers") {
		t.Errorf("approve with a re-pointed alias: exit %d\n%s", code, errOut)
	}
	if now, _ := os.ReadFile(f); string(now) != string(original) {
		t.Error("a refused approve wrote the plan")
	}
	approve(f, "alice", "kms:alias/ecsfix-alice", false)
	apply("alias re-pointed to an unlisted key", f, "approval 1 by alice", "is not in approvals.allowed_signers")

	// bob's key signing for alice.
	f = copyPlan("bob-for-alice")
	approve(f, "alice", "kms:alias/ecsfix-bob", false)
	apply("a key listed for bob signs for alice", f, "approval 1 by alice", "does not count")

	// One key listed for carol and dave signs as both: one signer, not a quorum of two.
	t.Setenv("ECSFIX_APPROVALS_QUORUM_HIGH", "2")
	f = copyPlan("shared")
	approve(f, "carol", "kms:alias/ecsfix-shared", true)
	approve(f, "dave", "kms:alias/ecsfix-shared", true)
	apply("one key for two principals", f, "needs 2 distinct signer(s)")

	// alice's good signature copied as bob's approval: it does not verify for bob.
	t.Setenv("ECSFIX_APPROVALS_QUORUM_HIGH", "")
	if _, err := kms.NewFromConfig(cfg).UpdateAlias(ctx, &kms.UpdateAliasInput{AliasName: aws.String("alias/ecsfix-alice"), TargetKeyId: aws.String(aliceKey)}); err != nil {
		t.Fatal(err)
	}
	f = copyPlan("copied")
	approve(f, "alice", "kms:alias/ecsfix-alice", true)
	p := mustRead(t, f)
	forged := p.Approvals[0]
	forged.By = "bob"
	p.Approvals = []plan.Approval{forged}
	if err := writePlanFile(f, p); err != nil {
		t.Fatal(err)
	}
	apply("alice's signature as bob's approval", f, "approval 1 by bob", "does not count")
}

// TestSessionWorkingDirectoryLogGroupSettings: as for the secrets settings, a ./ecsfix.yaml in the
// working directory names the retention and the KMS key of the log groups the logging fix creates
// (fix.logs.retention_days, fix.logs.kms_key_id). The applier re-derives a log group's name against its
// trusted configuration, not these: apply --auto creates the group with the file's retention.
func TestSessionWorkingDirectoryLogGroupSettings(t *testing.T) {

	ctx := context.Background()
	cfg := mototest.Config(t)
	buildSmallEstate(t, ctx, cfg)
	r, err := iam.NewFromConfig(cfg).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("web-exec"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	liveEnv(t, cfg)
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("ECSFIX_FIX_UNATTENDED_RISK", "medium")
	t.Setenv("ECSFIX_FIX_CONTROLS", "ECS.9")
	t.Setenv("ECSFIX_FIX_SECRETS_EXECUTION_ROLE", aws.ToString(r.Role.Arn))
	if err := os.WriteFile(filepath.Join(dir, "ecsfix.yaml"), []byte("fix:\n  logs:\n    retention_days: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	before := estateState(t, cfg)
	journal := filepath.Join(dir, "a.journal")
	out, errOut, code := runCLI(t, "apply", "--auto", "--journal", journal)
	groups, err := cloudwatchlogs.NewFromConfig(cfg).DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups.LogGroups {
		if aws.ToInt32(g.RetentionInDays) == 1 {
			t.Errorf("apply --auto created log group %s kept 1 day, as a ./ecsfix.yaml said", aws.ToString(g.LogGroupName))
		}
	}
	refused(t, cfg, "./ecsfix.yaml log retention", before, strings.ReplaceAll(out, "journal: "+journal, ""), errOut, code, 0, "ensureLogGroup.retentionDays")
}
