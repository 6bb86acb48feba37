package fix

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsread"
	"github.com/ecsfix/ecsfix/plan"
)

// checkTarget checks that the caller works in the account of every action and fingerprint, and
// addresses their regions.
func (r *run) checkTarget(ctx context.Context) error {
	out, err := r.cl.sts().GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return fmt.Errorf("identify the caller (sts GetCallerIdentity): %w", err)
	}
	r.account = aws.ToString(out.Account)
	if r.account == "" {
		return errors.New("identify the caller: sts GetCallerIdentity returned no account")
	}
	if p := strings.SplitN(aws.ToString(out.Arn), ":", 3); len(p) == 3 && p[0] == "arn" {
		r.partition = p[1]
	}
	allowed := map[string]bool{}
	for _, reg := range r.o.Regions {
		allowed[reg] = true
	}
	var bad []string
	for _, a := range r.p.Actions {
		if a.Account != r.account {
			bad = append(bad, fmt.Sprintf("action %s is for account %q", a.ID, a.Account))
		}
		if acct := detect.AccountOf(a.Resource); acct != "" && acct != a.Account {
			bad = append(bad, fmt.Sprintf("action %s changes %s, in account %s", a.ID, a.Resource, acct))
		}
		if !allowed[a.Region] {
			bad = append(bad, fmt.Sprintf("action %s is for region %q", a.ID, a.Region))
		}
		if reg := detect.RegionOf(a.Resource); reg != "" && reg != a.Region {
			bad = append(bad, fmt.Sprintf("action %s changes %s, in region %s", a.ID, a.Resource, reg))
		}
	}
	for _, f := range r.p.State {
		if acct := detect.AccountOf(f.Resource); acct != "" && acct != r.account {
			bad = append(bad, fmt.Sprintf("state %s is in account %s", f.Resource, acct))
		}
		if f.ResourceType == detect.TypeRole && r.regionOf(f) == "" {
			continue // IAM is global
		}
		if !allowed[r.regionOf(f)] {
			bad = append(bad, fmt.Sprintf("state %s is in region %q", f.Resource, r.regionOf(f)))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: the caller is in account %s and addresses region(s) %s: %s",
			ErrWrongAccount, r.account, strings.Join(r.o.Regions, ", "), strings.Join(bad, "; "))
	}
	r.printf("check: the caller's account %s and region(s) %s are the plan's", r.account, strings.Join(r.o.Regions, ", "))
	r.log.Info("caller identified", "account", r.account, "arn", aws.ToString(out.Arn))
	return nil
}

func (r *run) regionOf(f plan.Fingerprint) string {
	if f.Region != "" {
		return f.Region
	}
	return detect.RegionOf(f.Resource)
}

// checkApproval refuses a plan holding an action above the unattended risk without a valid approval.
func (r *run) checkApproval() error {
	need := r.p.NeedsApproval(r.o.UnattendedRisk, r.o.RiskOverrides)
	for i := range need { // report the risk that counts: recomputed from what the action does
		need[i].Risk = r.p.EffectiveRisk(need[i], r.o.RiskOverrides)
	}
	if len(need) == 0 {
		r.printf("check: approval not needed (no action above %s risk)", r.o.UnattendedRisk)
		return nil
	}
	valid := r.p.ValidApprovals()
	if len(valid) == 0 {
		return &NotApprovedError{Actions: need, Unattended: r.o.UnattendedRisk}
	}
	var by []string
	for _, a := range valid {
		s := a.By
		if a.Ticket != "" {
			s += " (" + a.Ticket + ")"
		}
		by = append(by, s)
	}
	r.printf("check: approved by %s", strings.Join(by, ", "))
	return nil
}

// checkStale re-reads every fingerprinted resource and compares its facts with the plan's. Changes the
// journal says this plan made (a resumed apply) are expected, not stale.
func (r *run) checkStale(ctx context.Context) error {
	// What touches each resource.
	clusterOf := map[string]string{}
	touching := map[string][]string{} // resource -> action ids changing it
	for _, a := range r.p.Actions {
		switch a.Type {
		case plan.UpdateService:
			clusterOf[a.Resource] = a.UpdateService.Cluster
		case plan.PutRolePolicy:
			if a.PutRolePolicy.Role != a.Resource {
				touching[a.PutRolePolicy.Role] = append(touching[a.PutRolePolicy.Role], a.ID)
			}
		case plan.DetachRolePolicy:
			if a.DetachRolePolicy.Role != a.Resource {
				touching[a.DetachRolePolicy.Role] = append(touching[a.DetachRolePolicy.Role], a.ID)
			}
		case plan.RemovePolicyStatements:
			if a.RemovePolicyStatements.Role != a.Resource {
				touching[a.RemovePolicyStatements.Role] = append(touching[a.RemovePolicyStatements.Role], a.ID)
			}
		case plan.DeregisterTaskDefinition:
			for _, td := range a.DeregisterTaskDefinition.TaskDefinitions {
				if td != a.Resource {
					touching[td] = append(touching[td], a.ID)
				}
			}
		}
		touching[a.Resource] = append(touching[a.Resource], a.ID)
	}
	started := func(resource string) bool {
		found := false
		r.j.view(func(st *journalState) {
			for _, id := range touching[resource] {
				if st.started[id] != nil || st.done[id] != nil {
					found = true
				}
			}
		})
		return found
	}

	var changes []StaleChange
	compare := func(f plan.Fingerprint, current map[string]string, expected func(fact, current string) bool) {
		keys := make([]string, 0, len(f.Facts))
		for k := range f.Facts {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if cur := current[k]; cur != f.Facts[k] && (expected == nil || !expected(k, cur)) {
				changes = append(changes, StaleChange{Resource: f.Resource, Fact: k, Planned: f.Facts[k], Current: cur})
			}
		}
	}

	type svcKey struct{ region, cluster string }
	services := map[svcKey][]plan.Fingerprint{}
	clusters := map[string][]plan.Fingerprint{}
	for _, f := range r.p.State {
		switch f.ResourceType {
		case detect.TypeService:
			cluster := clusterOf[f.Resource]
			if cluster == "" {
				cluster = awsread.ClusterOfServiceARN(f.Resource)
			}
			if cluster == "" {
				return fmt.Errorf("%w: state %s: cannot tell the service's cluster", ErrInvalidPlan, f.Resource)
			}
			k := svcKey{r.regionOf(f), cluster}
			services[k] = append(services[k], f)
		case detect.TypeCluster:
			clusters[r.regionOf(f)] = append(clusters[r.regionOf(f)], f)
		case detect.TypeTaskDefinition, detect.TypeRole, detect.TypeSecurityGroup:
		default:
			return fmt.Errorf("%w: state %s: resource type %q cannot be checked", ErrInvalidPlan, f.Resource, f.ResourceType)
		}
	}
	n := 0
	// Services, by cluster, 10 at a time.
	for k, fs := range services {
		for start := 0; start < len(fs); start += 10 {
			batch := fs[start:min(start+10, len(fs))]
			names := make([]string, len(batch))
			for i, f := range batch {
				names[i] = f.Resource
			}
			got, err := awsread.DescribeServices(ctx, r.cl.ecs(k.region), k.cluster, names)
			if err != nil {
				return err
			}
			for _, f := range batch {
				n++
				svc := got[f.Resource]
				if svc == nil {
					changes = append(changes, StaleChange{Resource: f.Resource, Fact: plan.FactStatus, Planned: f.Facts[plan.FactStatus], Current: "MISSING"})
					continue
				}
				var expected func(string, string) bool
				if started(f.Resource) {
					// This plan moved the service already: its revision, platform and deployment changed,
					// and its network configuration when it is one that an update of this plan, started,
					// sets.
					nets := r.networksSet(f.Resource)
					expected = func(fact, cur string) bool {
						switch fact {
						case plan.FactStatus:
							return false
						case plan.FactNetwork:
							return nets[normalizeNetworkFact(cur)]
						}
						return true
					}
				}
				compare(f, plan.ServiceFacts(svc), expected)
			}
		}
	}
	// Clusters, 100 at a time.
	for region, fs := range clusters {
		for start := 0; start < len(fs); start += 100 {
			batch := fs[start:min(start+100, len(fs))]
			names := make([]string, len(batch))
			for i, f := range batch {
				names[i] = f.Resource
			}
			got, err := awsread.DescribeClusters(ctx, r.cl.ecs(region), names)
			if err != nil {
				return err
			}
			for _, f := range batch {
				n++
				c := got[f.Resource]
				if c == nil {
					changes = append(changes, StaleChange{Resource: f.Resource, Fact: plan.FactStatus, Planned: f.Facts[plan.FactStatus], Current: "MISSING"})
					continue
				}
				var expected func(string, string) bool
				if started(f.Resource) {
					expected = func(fact, _ string) bool { return fact == plan.FactSettings }
				}
				compare(f, plan.ClusterFacts(c), expected)
			}
		}
	}
	// Task definitions: the revision, and its family's latest ACTIVE revision.
	latest := map[string]*detect.TaskDefinition{}
	for _, f := range r.p.State {
		if f.ResourceType != detect.TypeTaskDefinition {
			continue
		}
		n++
		api := r.cl.ecs(r.regionOf(f))
		td, err := r.source(ctx, api, f.Resource)
		if err != nil {
			return err
		}
		fam := detect.FamilyKey(td.ARN())
		lt, ok := latest[fam]
		if !ok {
			if lt, err = awsread.LatestActive(ctx, api, aws.ToString(td.Family), awsread.LatestOptions{}); err != nil {
				return err
			}
			latest[fam] = lt
		}
		latestArn := ""
		if lt != nil {
			latestArn = lt.ARN()
		}
		deregistered := started(f.Resource) // by this plan's deregistration, resumed
		compare(f, plan.TaskDefinitionFacts(td, latestArn), func(fact, cur string) bool {
			return fact == plan.FactLatestActive && (lt != nil && r.registeredByThisPlan(lt) || deregistered) ||
				fact == plan.FactStatus && deregistered && cur == string(ecstypes.TaskDefinitionStatusInactive)
		})
	}
	// Roles: the inline policy ecsfix owns; or, for the admin task-role fix, all of the role's policies.
	for _, f := range r.p.State {
		if f.ResourceType != detect.TypeRole {
			continue
		}
		n++
		if needsAllPolicies(f) {
			if _, err := roleName(f.Resource); err != nil {
				return fmt.Errorf("%w: state %s: %v", ErrInvalidPlan, f.Resource, err)
			}
			role, err := readRolePolicies(ctx, r.cl.iam(r.iamRegion(f)), f.Resource)
			if err != nil {
				return err
			}
			// Only the facts the plan recorded are compared (compare ranges over them).
			compare(f, rolePolicyFacts(role), r.roleChangesExpected(f, role))
			continue
		}
		role, err := r.readRole(ctx, f)
		if err != nil {
			return err
		}
		var expected func(string, string) bool
		if started(f.Resource) {
			// This plan put its statements into the owned policy already.
			expected = func(string, string) bool { return true }
		}
		compare(f, plan.RoleFacts(role), expected)
	}
	// Security groups, by region, described in batches: the rules the plan recorded (on a resumed
	// apply, the ingress rules may be as this plan's started updates of the group leave them).
	groups := map[string][]plan.Fingerprint{}
	var regions []string
	for _, f := range r.p.State {
		if f.ResourceType != detect.TypeSecurityGroup {
			continue
		}
		if _, ok := groups[r.regionOf(f)]; !ok {
			regions = append(regions, r.regionOf(f))
		}
		groups[r.regionOf(f)] = append(groups[r.regionOf(f)], f)
	}
	sort.Strings(regions)
	for _, region := range regions {
		fs := groups[region]
		ids := make([]string, len(fs))
		for i, f := range fs {
			ids[i] = f.Resource
		}
		got, err := describeGroups(ctx, r.cl.ec2(region), ids)
		if err != nil {
			return err
		}
		for _, f := range fs {
			n++
			g := got[f.Resource]
			if g == nil {
				changes = append(changes, StaleChange{Resource: f.Resource, Fact: plan.FactStatus, Planned: f.Facts[plan.FactStatus], Current: "MISSING"})
				continue
			}
			compare(f, plan.SecurityGroupFacts(g), r.securityGroupExpected(f.Resource, f.Facts[plan.FactIngress]))
		}
	}
	if len(changes) > 0 {
		return &StaleError{Changes: changes}
	}
	r.printf("check: %d resource(s) re-read, none changed since the plan was made", n)
	return nil
}

// networksSet returns the network configurations (as networkFact writes them) that the plan's service
// updates of service, started or done by an earlier run, set.
func (r *run) networksSet(service string) map[string]bool {
	nets := map[string]bool{}
	r.j.view(func(st *journalState) {
		for _, a := range r.p.Actions {
			if a.Type != plan.UpdateService || a.Resource != service || a.UpdateService == nil || a.UpdateService.After.Network == nil {
				continue
			}
			if st.started[a.ID] != nil || st.done[a.ID] != nil {
				// Groups this plan created stand as placeholders in the plan: the journal has their ids.
				n, err := resolveGroups(a.UpdateService.After.Network, a.UpdateService, func(id string) string { return createdGroup(st, id) })
				if err == nil {
					nets[networkFact(n)] = true
				}
			}
		}
	})
	return nets
}

// readRole re-reads what the plan fingerprints of a role: its ecsfix-owned inline policy.
func (r *run) readRole(ctx context.Context, f plan.Fingerprint) (*detect.Role, error) {
	name, err := roleName(f.Resource)
	if err != nil {
		return nil, fmt.Errorf("%w: state %s: %v", ErrInvalidPlan, f.Resource, err)
	}
	doc, ok, err := getRolePolicy(ctx, r.cl.iam(r.iamRegion(f)), name, plan.OwnedPolicyName)
	if err != nil {
		return nil, err
	}
	role := &detect.Role{Arn: f.Resource, Name: name}
	if ok {
		role.Inline = []detect.PolicyDocument{{Name: plan.OwnedPolicyName, Document: doc}}
	}
	return role, nil
}

// iamRegion is the region whose endpoint reads a role of the plan's state (IAM is global: the region
// only picks the partition's endpoint).
func (r *run) iamRegion(f plan.Fingerprint) string {
	region := r.regionOf(f)
	if region == "" && len(r.o.Regions) > 0 {
		region = r.o.Regions[0]
	}
	return region
}

// registeredByThisPlan tells whether td is a revision this plan registered: recorded in the journal, or
// carrying this plan's provenance tag.
func (r *run) registeredByThisPlan(td *detect.TaskDefinition) bool {
	for _, t := range td.Tags {
		if aws.ToString(t.Key) == TagPlan && aws.ToString(t.Value) == r.short {
			return true
		}
	}
	found := false
	r.j.view(func(st *journalState) {
		for _, d := range st.done {
			if d.Result != nil && d.Result.TaskDefinitionArn == td.ARN() {
				found = true
			}
		}
	})
	return found
}

// source returns a source revision (with its tags), read once per run.
func (r *run) source(ctx context.Context, api ecsAPI, arn string) (*detect.TaskDefinition, error) {
	r.mu.Lock()
	td := r.sources[arn]
	r.mu.Unlock()
	if td != nil {
		return td, nil
	}
	td, err := awsread.DescribeTaskDefinition(ctx, api, arn)
	if err != nil {
		return nil, err
	}
	r.learnSecrets(td)
	r.mu.Lock()
	r.sources[arn] = td
	r.mu.Unlock()
	return td, nil
}
