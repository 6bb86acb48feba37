package plan

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecsfix/ecsfix/detect"
)

// Support actions: what new revisions need to exist and work before they are registered (DESIGN principle
// 4, 7) — the secrets their secrets entries read (create-secret), the log groups their awslogs drivers
// write to (ensure-log-group), and the execution roles' access to both (put-role-policy, one per role).

type secretPlan struct {
	key       string
	change    *CreateSecretChange
	id        string
	source    *detect.TaskDefinition // the newest source revision holding these values
	needs     []*secretNeed
	controls  map[string]bool
	kinds     map[string]string
	container string
	variable  string
	sources   map[string]bool // source revisions sharing it
}

type logGroupPlan struct {
	name, partition, region, account string
	id                               string
	controls                         map[string]bool
}

type rolePlan struct {
	arn, region, account string
	role                 *detect.Role
	secrets              []*secretPlan
	groups               map[string]bool // log-group resources
	controls             map[string]bool
	id                   string
}

type supportPlan struct {
	b       *builder
	secrets []*secretPlan
	byNeed  map[*secretNeed]*secretPlan
	groups  []*logGroupPlan
	groupOf map[string]*logGroupPlan
	roles   []*rolePlan
	roleOf  map[string]*rolePlan
	// roleFor is the role whose policy action a new revision relies on (secrets read, logs written)
	roleFor map[*revisionPlan]*rolePlan
}

func (b *builder) support(regs []*revisionPlan) *supportPlan {
	s := &supportPlan{b: b, byNeed: map[*secretNeed]*secretPlan{}, groupOf: map[string]*logGroupPlan{}, roleOf: map[string]*rolePlan{}, roleFor: map[*revisionPlan]*rolePlan{}}
	prefix := secretNamePrefix(b.opts)
	byKey := map[string]*secretPlan{}
	for _, rp := range regs {
		for _, n := range rp.secrets {
			kv := append([]string(nil), n.same...)
			sort.Strings(kv)
			key := detect.FamilyKey(rp.source.ARN()) + "\x00" + n.container + "\x00" + n.variable + "\x00" + fmt.Sprint(n.json) + "\x00" + strings.Join(kv, ",")
			sp := byKey[key]
			if sp == nil {
				sp = &secretPlan{key: key, controls: map[string]bool{}, kinds: map[string]string{}, container: n.container, variable: n.variable, sources: map[string]bool{}}
				byKey[key] = sp
				s.secrets = append(s.secrets, sp)
			}
			sp.needs = append(sp.needs, n)
			sp.sources[n.source.ARN()] = true
			if sp.source == nil || n.source.Revision > sp.source.Revision {
				sp.source = n.source
			}
			for c := range n.controls {
				sp.controls[c] = true
			}
			for k, v := range n.kinds {
				sp.kinds[k] = v
			}
			s.byNeed[n] = sp
		}
	}
	// names: PREFIX/<family>/<container>[/<VAR>]; when different values of one family need the same name,
	// the newest keeps it and the older ones get -rev<N>
	byName := map[string][]*secretPlan{}
	for _, sp := range s.secrets {
		base := prefix + "/" + aws.ToString(sp.source.Family) + "/" + sp.container
		if sp.variable != "" {
			base += "/" + sp.variable
		}
		k := detect.FamilyKey(sp.source.ARN()) + "\x00" + base
		byName[k] = append(byName[k], sp)
		var need *secretNeed
		for _, n := range sp.needs {
			if n.source == sp.source {
				need = n
			}
		}
		sp.change = &CreateSecretChange{
			Name: base, KmsKeyID: b.opts.Secrets.KmsKeyID, JSON: need.json,
			Values: append([]SecretValueSource(nil), need.values...),
			Tags:   map[string]string{TagPrefix + "source": sp.source.ARN(), TagPrefix + "container": sp.container},
		}
	}
	for _, group := range byName {
		sort.Slice(group, func(i, j int) bool { return group[i].source.Revision > group[j].source.Revision })
		for _, sp := range group[1:] {
			sp.change.Name += fmt.Sprintf("-rev%d", sp.source.Revision)
		}
	}
	sort.Slice(s.secrets, func(i, j int) bool {
		a, c := s.secrets[i], s.secrets[j]
		if ka, kc := detect.FamilyKey(a.source.ARN()), detect.FamilyKey(c.source.ARN()); ka != kc {
			return ka < kc
		}
		return a.change.Name < c.change.Name
	})

	for _, rp := range regs {
		arn := rp.source.ARN()
		part, region, account := partitionOf(arn), detect.RegionOf(arn), detect.AccountOf(arn)
		role := func(r string) *rolePlan {
			r = roleArnOf(r, arn)
			rl := s.roleOf[r]
			if rl == nil {
				rl = &rolePlan{arn: r, region: region, account: account, groups: map[string]bool{}, controls: map[string]bool{}}
				if ir, ok := b.inv.Role(r); ok {
					rl.role = ir
				}
				s.roleOf[r] = rl
				s.roles = append(s.roles, rl)
			}
			return rl
		}
		for _, n := range rp.secrets {
			rl := role(n.role)
			s.roleFor[rp] = rl
			sp := s.byNeed[n]
			if !containsSecret(rl.secrets, sp) {
				rl.secrets = append(rl.secrets, sp)
			}
			for c := range n.controls {
				rl.controls[c] = true
			}
		}
		for _, n := range rp.logs {
			gregion := region
			if n.region != "" {
				gregion = n.region
			}
			if !n.existing {
				k := part + ":" + gregion + ":" + account + ":" + n.group
				g := s.groupOf[k]
				if g == nil {
					g = &logGroupPlan{name: n.group, partition: part, region: gregion, account: account, controls: map[string]bool{}}
					s.groupOf[k] = g
					s.groups = append(s.groups, g)
				}
				for c := range n.controls {
					g.controls[c] = true
				}
			}
			if n.role == "" {
				continue
			}
			resource := logGroupArn(part, gregion, account, n.group)
			rl := role(n.role)
			if ok, by := roleAllows(rl.role, []string{"logs:CreateLogStream", "logs:PutLogEvents"}, resource+":log-stream:ecsfix-check"); ok {
				rp.preconditions = append(rp.preconditions, Precondition{
					Check:  fmt.Sprintf("execution role %s may write to log group %s (logs:CreateLogStream, logs:PutLogEvents)", detect.ShortARN(rl.arn), n.group),
					Result: "allowed by " + by,
				})
				continue
			}
			rl.groups[resource+":*"] = true
			s.roleFor[rp] = rl
			for c := range n.controls {
				rl.controls[c] = true
			}
		}
	}
	sort.Slice(s.groups, func(i, j int) bool {
		a, c := s.groups[i], s.groups[j]
		return a.account+a.region+"\x00"+a.name < c.account+c.region+"\x00"+c.name
	})
	var roles []*rolePlan
	for _, rl := range s.roles {
		if len(rl.secrets) > 0 || len(rl.groups) > 0 {
			roles = append(roles, rl)
		}
	}
	sort.Slice(roles, func(i, j int) bool { return roles[i].arn < roles[j].arn })
	s.roles = roles
	return s
}

func containsSecret(list []*secretPlan, sp *secretPlan) bool {
	for _, x := range list {
		if x == sp {
			return true
		}
	}
	return false
}

// count is the number of support actions (what actions appends).
func (s *supportPlan) count() int { return len(s.secrets) + len(s.groups) + len(s.roles) }

// actions numbers the support actions and appends them to out in apply order: secrets, log groups, role
// policies.
func (s *supportPlan) actions(out []Action, newID func() string) []Action {
	b := s.b
	for _, sp := range s.secrets {
		sp.id = newID()
		src := sp.source.ARN()
		var keys []string
		for _, v := range sp.change.Values {
			keys = append(keys, v.Key)
		}
		what := "a JSON object with the keys " + strings.Join(keys, ", ")
		if !sp.change.JSON {
			what = "the value of " + keys[0]
		}
		var older []string
		for a := range sp.sources {
			older = append(older, detect.ShortARN(a))
		}
		sort.Strings(older)
		notes := []string{
			fmt.Sprintf("the values are read from %s (immutable, named by its ARN) when applying, each from the place the plan names; the plan never holds them, nor anything derived from them", detect.ShortARN(src)),
			fmt.Sprintf("%s still hold%s these values in plain text (readable by anyone who may describe task definitions, even once deregistered): deregister %s (fix.secrets.deregister_old_revisions) once no service runs %s",
				strings.Join(older, ", "), map[bool]string{true: "", false: "s"}[len(older) > 1], map[bool]string{true: "them", false: "it"}[len(older) > 1], map[bool]string{true: "them", false: "it"}[len(older) > 1]),
		}
		var rotate []string
		for _, k := range keys {
			if isAWSKey(k, sp.kinds[k]) {
				rotate = append(rotate, k)
			}
		}
		if len(rotate) > 0 {
			notes = append(notes, strings.Join(rotate, ", ")+" held an AWS access key in plain text: rotate it (create a new key, update this secret, deactivate the old key)")
		}
		if len(sp.sources) > 1 {
			notes = append(notes, "the revisions "+strings.Join(older, ", ")+" hold the same values: their new revisions share this secret")
		}
		risk := Risk("")
		for c := range sp.controls {
			risk = maxRisk(risk, b.risk(c))
		}
		kms := "the account's default key (aws/secretsmanager)"
		if sp.change.KmsKeyID != "" {
			kms = sp.change.KmsKeyID
		}
		out = append(out, Action{
			ID: sp.id, Type: CreateSecret, Account: detect.AccountOf(src), Region: detect.RegionOf(src),
			Resource: secretArn(partitionOf(src), detect.RegionOf(src), detect.AccountOf(src), sp.change.Name),
			Controls: slices.Sorted(maps.Keys(sp.controls)), Risk: risk,
			Summary: fmt.Sprintf("create secret %s holding %s from container %s of %s", sp.change.Name, what, sp.container, detect.ShortARN(src)),
			Notes:   notes,
			Preconditions: []Precondition{
				{Check: "secret " + sp.change.Name, Result: "not in the inventory: created when applying; an existing secret of that name is reused only when ecsfix created it (ecsfix tags) for the same revision and container and it holds exactly these values; any other secret of that name makes the action fail, changing nothing"},
				{Check: "encryption key", Result: kms},
			},
			CreateSecret: sp.change,
		})
	}
	retention := b.opts.Logs.RetentionDays
	for _, g := range s.groups {
		g.id = newID()
		keep := "kept forever"
		if retention > 0 {
			keep = fmt.Sprintf("kept %d days", retention)
		}
		out = append(out, Action{
			ID: g.id, Type: EnsureLogGroup, Account: g.account, Region: g.region,
			Resource: logGroupArn(g.partition, g.region, g.account, g.name),
			Controls: slices.Sorted(maps.Keys(g.controls)), Risk: b.risk(detect.ECS9ID),
			Summary: fmt.Sprintf("create log group %s (logs %s) unless it exists", g.name, keep),
			Notes:   []string{"log groups are not in the inventory: an existing group is left as it is (its retention too)"},
			EnsureLogGroup: &EnsureLogGroupChange{
				Name: g.name, RetentionDays: retention, KmsKeyID: b.opts.Logs.KmsKeyID,
			},
		})
	}
	for _, rl := range s.roles {
		rl.id = newID()
		ch := &PutRolePolicyChange{Role: rl.arn, PolicyName: OwnedPolicyName}
		var deps, what []string
		var notes []string
		var pre []Precondition
		if rl.role != nil && rl.role.PoliciesKnown {
			ch.Before = ownedPolicy(rl.role)
			state := "absent"
			if ch.Before != "" {
				state = "present (sha256 " + hashValue(ch.Before)[:12] + ")"
			}
			pre = append(pre, Precondition{Check: "inline policy " + OwnedPolicyName + " of " + detect.ShortARN(rl.arn), Result: state})
		} else {
			notes = append(notes, "the current "+OwnedPolicyName+" policy of "+detect.ShortARN(rl.arn)+" was not known when planning (the inventory does not hold the role's policies): applying merges these statements into whatever it holds")
		}
		if len(rl.secrets) > 0 {
			st := PolicyStatement{Sid: SidReadSecrets, Actions: []string{"secretsmanager:GetSecretValue"}}
			for _, sp := range rl.secrets {
				st.ResourcesFrom = append(st.ResourcesFrom, sp.id)
				deps = append(deps, sp.id)
			}
			ch.Statements = append(ch.Statements, st)
			what = append(what, fmt.Sprintf("secretsmanager:GetSecretValue on %d secret%s", len(rl.secrets), map[bool]string{true: "s", false: ""}[len(rl.secrets) > 1]))
			if k := b.opts.Secrets.KmsKeyID; k != "" {
				ch.Statements = append(ch.Statements, PolicyStatement{Sid: SidDecryptSecrets, Actions: []string{"kms:Decrypt"}, Resources: []string{kmsKeyArn(k, partitionOf(rl.arn), rl.region, rl.account)}})
				what = append(what, "kms:Decrypt on "+k)
			}
		}
		if len(rl.groups) > 0 {
			ch.Statements = append(ch.Statements, PolicyStatement{Sid: SidWriteLogs, Actions: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resources: slices.Sorted(maps.Keys(rl.groups))})
			what = append(what, fmt.Sprintf("writing to %d log group%s", len(rl.groups), map[bool]string{true: "s", false: ""}[len(rl.groups) > 1]))
		}
		notes = append(notes, "the statements are merged into the policy "+OwnedPolicyName+" that ecsfix owns: statements of other Sids, and resources granted by earlier plans, are kept")
		out = append(out, Action{
			ID: rl.id, Type: PutRolePolicy, Account: rl.account, Region: rl.region, Resource: rl.arn,
			Controls: slices.Sorted(maps.Keys(rl.controls)), Risk: RiskMedium,
			Summary:       "grant " + detect.ShortARN(rl.arn) + " " + strings.Join(what, ", ") + " (inline policy " + OwnedPolicyName + ")",
			Notes:         notes,
			Preconditions: pre,
			DependsOn:     deps,
			PutRolePolicy: ch,
		})
	}
	return out
}

// kmsKeyArn is the ARN of a configured KMS key (a key ARN or a key id) for a policy's Resource: a key id
// is a key of the account and region given. IAM evaluates kms:Decrypt against the key's ARN, never an
// alias, so the planner refuses aliases (fixSecrets).
func kmsKeyArn(k, partition, region, account string) string {
	if strings.HasPrefix(k, "arn:") {
		return k
	}
	return fmt.Sprintf("arn:%s:kms:%s:%s:key/%s", partition, region, account, k)
}

// resolve writes, now that the support actions have ids, each new revision's secret placeholders, secret
// refs and dependencies.
func (s *supportPlan) resolve(regs []*revisionPlan) error {
	for _, rp := range regs {
		var deps []string
		seen := map[string]bool{}
		add := func(id string) {
			if id != "" && !seen[id] {
				seen[id] = true
				deps = append(deps, id)
			}
		}
		root := reflect.ValueOf(rp.input).Elem()
		for _, n := range rp.secrets {
			sp := s.byNeed[n]
			add(sp.id)
			for _, r := range n.refs {
				if err := setPath(root, r.path, secretPlaceholder(sp.id)); err != nil {
					return fmt.Errorf("plan %s: secret ref %s: %w", rp.source.ARN(), r.path, err)
				}
				rp.secretRefs = append(rp.secretRefs, SecretRef{Path: r.path, From: sp.id, Key: r.key})
			}
			for i := range rp.edits {
				rp.edits[i].Change = strings.ReplaceAll(rp.edits[i].Change, n.token, sp.change.Name+" (created by "+sp.id+")")
			}
		}
		for _, n := range rp.logs {
			arn := rp.source.ARN()
			gregion := detect.RegionOf(arn)
			if n.region != "" {
				gregion = n.region
			}
			if g := s.groupOf[partitionOf(arn)+":"+gregion+":"+detect.AccountOf(arn)+":"+n.group]; g != nil {
				add(g.id)
			}
		}
		if rl := s.roleFor[rp]; rl != nil {
			add(rl.id)
		}
		sort.Slice(deps, func(i, j int) bool { return actionNumber(deps[i]) < actionNumber(deps[j]) })
		rp.supportIDs = deps
	}
	return nil
}

func actionNumber(id string) int {
	var n int
	fmt.Sscanf(strings.TrimPrefix(id, "a"), "%d", &n)
	return n
}

// state fingerprints the roles whose owned policy the plan changes, when the inventory knows their
// policies.
func (s *supportPlan) state() []Fingerprint {
	var out []Fingerprint
	for _, rl := range s.roles {
		if rl.role == nil || !rl.role.PoliciesKnown {
			continue
		}
		out = append(out, Fingerprint{Resource: rl.arn, ResourceType: detect.TypeRole, Region: rl.region, Facts: RoleFacts(rl.role)})
	}
	return out
}

// deregistrations are the opt-in deregister-task-definition actions, one per family: the source
// revisions whose credentials moved, except those a service (or task set) still runs after the plan;
// after every service update of the family.
func (b *builder) deregistrations(regs []*revisionPlan, moved map[string]string, newID func() string) []Action {
	stillRun := map[string]bool{}
	for i := range b.inv.Services {
		svc := &b.inv.Services[i]
		if moved[aws.ToString(svc.ServiceArn)] == "" {
			stillRun[aws.ToString(svc.TaskDefinition)] = true
		}
	}
	for _, ts := range b.inv.TaskSets {
		stillRun[aws.ToString(ts.TaskDefinition)] = true
	}
	type fam struct {
		revs     []string
		regs     []string
		controls map[string]bool
	}
	fams := map[string]*fam{}
	var order []string
	for _, rp := range regs {
		if len(rp.secrets) == 0 {
			continue
		}
		k := detect.FamilyKey(rp.source.ARN())
		f := fams[k]
		if f == nil {
			f = &fam{controls: map[string]bool{}}
			fams[k] = f
			order = append(order, k)
		}
		f.regs = append(f.regs, rp.id)
		for _, n := range rp.secrets {
			for c := range n.controls {
				f.controls[c] = true
			}
		}
		if !stillRun[rp.source.ARN()] {
			f.revs = append(f.revs, rp.source.ARN())
		}
	}
	var out []Action
	for _, k := range order {
		f := fams[k]
		if len(f.revs) == 0 {
			continue
		}
		deps := append([]string(nil), f.regs...)
		for i := range b.inv.Services {
			svc := &b.inv.Services[i]
			if id := moved[aws.ToString(svc.ServiceArn)]; id != "" && detect.FamilyKey(aws.ToString(svc.TaskDefinition)) == k {
				deps = append(deps, id)
			}
		}
		sort.Slice(deps, func(i, j int) bool { return actionNumber(deps[i]) < actionNumber(deps[j]) })
		var names []string
		for _, r := range f.revs {
			names = append(names, detect.ShortARN(r))
		}
		first := f.revs[0]
		out = append(out, Action{
			ID: newID(), Type: DeregisterTaskDefinition, Account: detect.AccountOf(first), Region: detect.RegionOf(first),
			Resource: first, Controls: slices.Sorted(maps.Keys(f.controls)), Risk: RiskHigh,
			Summary: "deregister " + strings.Join(names, ", ") + ", which hold the moved credentials in plain text",
			Notes: []string{
				"a deregistered revision cannot start new tasks or services and rollback does not register it again",
				"deregistered (INACTIVE) revisions stay readable with DescribeTaskDefinition until deleted (DeleteTaskDefinitions): rotate the credentials in any case",
			},
			Preconditions:            []Precondition{{Check: "services and task sets running these revisions after the plan", Result: "none"}},
			DependsOn:                deps,
			DeregisterTaskDefinition: &DeregisterTaskDefinitionChange{TaskDefinitions: f.revs},
		})
	}
	return out
}
