package fix

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/aws/aws-sdk-go-v2/aws"

	"golang.org/x/sync/errgroup"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsread"
	"github.com/ecsfix/ecsfix/plan"
)

// The stale check: every resource the plan fingerprinted is re-read and its facts compared with the
// plan's, before anything is written. On a resumed apply the changes this plan's started actions make are
// expected, not stale.

// checkStale re-reads every fingerprinted resource and compares its facts with the plan's. Changes the
// journal says this plan made (a resumed apply) are expected, not stale. What it reads is kept in
// r.read (keep), by resource, for the re-derivation that follows (checkRederived): no resource is read
// twice.
func (r *run) checkStale(ctx context.Context) error {
	r.read = &plan.ReadState{
		TaskDefinitions: map[string]*detect.TaskDefinition{}, Services: map[string]plan.ServiceSettings{},
		Clusters: map[string][]plan.ClusterSetting{}, SecurityGroups: map[string]plan.GroupRules{},
		Roles: map[string]plan.RoleRead{}, Started: map[string]bool{}, ServiceTargetGroups: map[string][]string{},
	}
	// What touches each resource.
	clusterOf := r.p.ServiceClusters()
	touching := map[string][]string{} // resource -> action ids changing it
	for i := range r.p.Actions {
		a := &r.p.Actions[i]
		// Validate (run before this) made sure every action carries its payload.
		for _, res := range a.Change().Writes(a) {
			touching[res] = append(touching[res], a.ID)
		}
	}
	started := func(resource string) bool {
		found := false
		r.j.view(func(st *journalState) {
			for _, id := range touching[resource] {
				if st.begun(id) {
					found = true
				}
			}
		})
		return found
	}

	var sc staleCheck

	type svcKey struct{ account, region, cluster string }
	type clusterKey struct{ account, region string }
	services := map[svcKey][]plan.Fingerprint{}
	clusters := map[clusterKey][]plan.Fingerprint{}
	for _, f := range r.p.State {
		switch f.ResourceType {
		case detect.TypeService:
			cluster := clusterOf[f.Resource]
			if cluster == "" {
				cluster = detect.ClusterOfServiceARN(f.Resource)
			}
			if cluster == "" {
				return fmt.Errorf("%w: state %s: cannot tell the service's cluster", ErrInvalidPlan, f.Resource)
			}
			k := svcKey{detect.AccountOf(f.Resource), r.regionOf(f), cluster}
			services[k] = append(services[k], f)
		case detect.TypeCluster:
			k := clusterKey{detect.AccountOf(f.Resource), r.regionOf(f)}
			clusters[k] = append(clusters[k], f)
		case detect.TypeTaskDefinition, detect.TypeRole, detect.TypeSecurityGroup, detect.TypeCapacityProvider, detect.TypeAutoScalingGroup:
		default:
			return fmt.Errorf("%w: state %s: resource type %q cannot be checked", ErrInvalidPlan, f.Resource, f.ResourceType)
		}
	}
	// Services, by cluster, 10 at a time.
	for k, fs := range services {
		err := recheck(&sc, fs, 10, r.o.Concurrency, func(names []string) (map[string]*ecstypes.Service, error) {
			return awsread.DescribeServices(ctx, r.cl.in(k.account).ecs(k.region), k.cluster, names)
		}, func(f plan.Fingerprint, svc *ecstypes.Service) {
			r.keepService(f.Resource, svc)
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
			sc.compare(f, plan.ServiceFacts(svc), expected)
		})
		if err != nil {
			return err
		}
	}
	// Clusters, 100 at a time.
	for k, fs := range clusters {
		err := recheck(&sc, fs, 100, r.o.Concurrency, func(names []string) (map[string]*ecstypes.Cluster, error) {
			return awsread.DescribeClusters(ctx, r.cl.in(k.account).ecs(k.region), names)
		}, func(f plan.Fingerprint, c *ecstypes.Cluster) {
			r.keepCluster(f.Resource, c)
			var expected func(string, string) bool
			if started(f.Resource) {
				expected = func(fact, _ string) bool { return fact == plan.FactSettings }
			}
			sc.compare(f, plan.ClusterFacts(c), expected)
		})
		if err != nil {
			return err
		}
	}
	// Task definitions: the revision, and its family's latest ACTIVE revision, read concurrently first
	// (readTaskDefinitions), compared in plan order.
	revisions, latest := r.readTaskDefinitions(ctx)
	for _, f := range r.p.State {
		if f.ResourceType != detect.TypeTaskDefinition {
			continue
		}
		sc.n++
		rev := revisions[f.Resource]
		if rev.err != nil {
			return rev.err
		}
		td := rev.td
		r.read.TaskDefinitions[f.Resource] = td
		got := latest[detect.FamilyKey(td.ARN())]
		if got.err != nil {
			return got.err
		}
		lt := got.td
		latestArn := ""
		if lt != nil {
			latestArn = lt.ARN()
		}
		deregistered := started(f.Resource) // by this plan's deregistration, resumed
		sc.compare(f, plan.TaskDefinitionFacts(td, latestArn), func(fact, cur string) bool {
			return fact == plan.FactLatestActive && (lt != nil && r.registeredByThisPlan(lt) || deregistered) ||
				fact == plan.FactStatus && deregistered && cur == string(ecstypes.TaskDefinitionStatusInactive)
		})
	}
	// Roles: the inline policy ecsfix owns; or, for the admin task-role fix, all of the role's policies.
	for _, f := range r.p.State {
		if f.ResourceType != detect.TypeRole {
			continue
		}
		sc.n++
		if needsAllPolicies(f) {
			if _, err := roleName(f.Resource); err != nil {
				return fmt.Errorf("%w: state %s: %v", ErrInvalidPlan, f.Resource, err)
			}
			role, err := readRolePolicies(ctx, r.cl.in(detect.AccountOf(f.Resource)).iam(r.iamRegion(f)), f.Resource)
			if err != nil {
				return err
			}
			r.keepRole(f.Resource, role, true)
			// Only the facts the plan recorded are compared (compare ranges over them).
			sc.compare(f, rolePolicyFacts(role), r.roleChangesExpected(f, role))
			continue
		}
		role, err := r.readRole(ctx, f)
		if err != nil {
			return err
		}
		r.keepRole(f.Resource, role, false)
		var expected func(string, string) bool
		if started(f.Resource) {
			// This plan put its statements into the owned policy already.
			expected = func(string, string) bool { return true }
		}
		sc.compare(f, plan.RoleFacts(role), expected)
	}
	// Security groups, by region, described in batches: the rules the plan recorded (on a resumed
	// apply, the ingress rules may be as this plan's started updates of the group leave them).
	type groupKey struct{ account, region string }
	groups := map[groupKey][]plan.Fingerprint{}
	var keys []groupKey
	for _, f := range r.p.State {
		if f.ResourceType != detect.TypeSecurityGroup {
			continue
		}
		account, err := r.groupAccount(f.Resource, r.regionOf(f))
		if err != nil {
			return err
		}
		k := groupKey{account, r.regionOf(f)}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], f)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].account+"\x00"+keys[i].region < keys[j].account+"\x00"+keys[j].region
	})
	for _, k := range keys {
		// One read for the region's groups (describeGroups batches them itself).
		fs := groups[k]
		err := recheck(&sc, fs, len(fs), 1, func(ids []string) (map[string]*ec2types.SecurityGroup, error) {
			return describeGroups(ctx, r.cl.in(k.account).ec2(k.region), ids)
		}, func(f plan.Fingerprint, g *ec2types.SecurityGroup) {
			r.read.SecurityGroups[f.Resource] = plan.GroupRules{Ingress: plan.RulesOf(g.IpPermissions), Egress: plan.RulesOf(g.IpPermissionsEgress)}
			sc.compare(f, plan.SecurityGroupFacts(g), r.securityGroupExpected(f.Resource, f.Facts[plan.FactIngress]))
		})
		if err != nil {
			return err
		}
	}
	// Capacity providers and their Auto Scaling groups (ECS.19's fix).
	if err := r.checkStaleCapacity(ctx, &sc, started); err != nil {
		return err
	}
	if len(sc.changes) > 0 {
		return &StaleError{Changes: sc.changes}
	}
	r.printf("check: %d resource(s) re-read, none changed since the plan was made", sc.n)
	return nil
}

// tdRead is a task definition read, or why it could not be.
type tdRead struct {
	td  *detect.TaskDefinition
	err error
}

// readTaskDefinitions reads, Concurrency at a time, every revision the plan's state names (r.source, which
// keeps them) and then the latest ACTIVE revision of each of their families, once a family: a plan of
// hundreds of revisions is checked at the pace of the API's buckets, not one round trip after another.
// The reads are keyed by ARN and by detect.FamilyKey; the caller compares them in plan order.
func (r *run) readTaskDefinitions(ctx context.Context) (revisions, latest map[string]tdRead) {
	var mu sync.Mutex
	revisions, latest = map[string]tdRead{}, map[string]tdRead{}
	api := func(resource, region string) ecsAPI { return r.cl.in(detect.AccountOf(resource)).ecs(region) }
	var g errgroup.Group
	g.SetLimit(max(r.o.Concurrency, 1))
	for _, f := range r.p.State {
		if f.ResourceType != detect.TypeTaskDefinition {
			continue
		}
		g.Go(func() error {
			td, err := r.source(ctx, api(f.Resource, r.regionOf(f)), f.Resource)
			mu.Lock()
			revisions[f.Resource] = tdRead{td, err}
			mu.Unlock()
			return nil
		})
	}
	_ = g.Wait()
	for _, f := range r.p.State {
		rev, ok := revisions[f.Resource]
		if f.ResourceType != detect.TypeTaskDefinition || !ok || rev.err != nil {
			continue
		}
		fam := detect.FamilyKey(rev.td.ARN())
		mu.Lock()
		_, claimed := latest[fam]
		if !claimed {
			latest[fam] = tdRead{} // claimed: one read a family (its goroutine fills it in)
		}
		mu.Unlock()
		if claimed {
			continue
		}
		g.Go(func() error {
			lt, err := awsread.LatestActive(ctx, api(f.Resource, r.regionOf(f)), aws.ToString(rev.td.Family), awsread.LatestOptions{})
			mu.Lock()
			latest[fam] = tdRead{lt, err}
			mu.Unlock()
			return nil
		})
	}
	_ = g.Wait()
	return revisions, latest
}

// keepService keeps the settings of a service read by the stale check, under its ARN as the plan names
// it, and the target group of each of its loadBalancers entries ("" for a Classic Load Balancer's).
func (r *run) keepService(arn string, svc *ecstypes.Service) {
	r.read.Services[arn] = plan.ServiceSettings{TaskDefinition: aws.ToString(svc.TaskDefinition),
		PlatformVersion: aws.ToString(svc.PlatformVersion), Network: networkOf(svc.NetworkConfiguration)}
	tgs := []string{}
	for _, l := range svc.LoadBalancers {
		tgs = append(tgs, aws.ToString(l.TargetGroupArn))
	}
	r.read.ServiceTargetGroups[arn] = tgs
}

// keepCluster keeps the settings of a cluster read by the stale check.
func (r *run) keepCluster(arn string, c *ecstypes.Cluster) {
	settings := []plan.ClusterSetting{}
	for _, s := range c.Settings {
		settings = append(settings, plan.ClusterSetting{Name: string(s.Name), Value: aws.ToString(s.Value)})
	}
	r.read.Clusters[arn] = settings
}

// keepRole keeps a role read by the stale check: its owned policy, or (all) every policy. A role read
// both ways keeps every policy.
func (r *run) keepRole(arn string, role *detect.Role, all bool) {
	if prev, ok := r.read.Roles[arn]; ok && prev.AllPolicies && !all {
		return
	}
	rr := plan.RoleRead{Inline: map[string]string{}, Attached: []string{}, AllPolicies: all}
	for _, p := range role.Inline {
		rr.Inline[p.Name] = p.Document
	}
	for _, p := range role.Attached {
		rr.Attached = append(rr.Attached, p.Arn)
	}
	r.read.Roles[arn] = rr
}

// staleCheck gathers what the stale check finds: the facts that changed, and how many resources it re-read.
type staleCheck struct {
	changes []StaleChange
	n       int
}

// compare records each fact of f whose current value differs from the planned one, unless expected
// (nil: nothing) says the difference is one this plan's started actions make.
func (sc *staleCheck) compare(f plan.Fingerprint, current map[string]string, expected func(fact, current string) bool) {
	keys := make([]string, 0, len(f.Facts))
	for k := range f.Facts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if cur := current[k]; cur != f.Facts[k] && (expected == nil || !expected(k, cur)) {
			sc.changes = append(sc.changes, StaleChange{Resource: f.Resource, Fact: k, Planned: f.Facts[k], Current: cur})
		}
	}
}

// recheck re-reads the resources of fs, size at a time and up to limit batches at once (read is given
// their names and returns what it found, keyed by name, and must be safe for concurrent use), counts each,
// records one that is gone as MISSING, and passes every other one to check with what was read of it, in
// the order of fs. The first failed batch's error is returned.
func recheck[T any](sc *staleCheck, fs []plan.Fingerprint, size, limit int, read func(names []string) (map[string]*T, error), check func(plan.Fingerprint, *T)) error {
	type batchRead struct {
		fs  []plan.Fingerprint
		got map[string]*T
		err error
	}
	var batches []*batchRead
	for start := 0; start < len(fs); start += size {
		batches = append(batches, &batchRead{fs: fs[start:min(start+size, len(fs))]})
	}
	var g errgroup.Group
	g.SetLimit(max(limit, 1))
	for _, b := range batches {
		g.Go(func() error {
			names := make([]string, len(b.fs))
			for i, f := range b.fs {
				names[i] = f.Resource
			}
			b.got, b.err = read(names)
			return nil
		})
	}
	_ = g.Wait()
	for _, b := range batches {
		if b.err != nil {
			return b.err
		}
		for _, f := range b.fs {
			sc.n++
			if b.got[f.Resource] == nil {
				sc.changes = append(sc.changes, StaleChange{Resource: f.Resource, Fact: plan.FactStatus, Planned: f.Facts[plan.FactStatus], Current: "MISSING"})
				continue
			}
			check(f, b.got[f.Resource])
		}
	}
	return nil
}

// networksSet returns the network configurations (as networkFact writes them) that the plan's service
// updates of service, started or done by an earlier run, set.
func (r *run) networksSet(service string) map[string]bool {
	nets := map[string]bool{}
	r.j.view(func(st *journalState) {
		for _, a := range r.p.Actions {
			if a.UpdateService == nil || a.Resource != service || a.UpdateService.After.Network == nil {
				continue
			}
			if st.begun(a.ID) {
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
	doc, ok, err := getRolePolicy(ctx, r.cl.in(detect.AccountOf(f.Resource)).iam(r.iamRegion(f)), name, plan.OwnedPolicyName)
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

// rolePolicyFacts are the facts of a role whose policies the plan fingerprinted with
// plan.RolePolicyFacts (and plan.RoleFacts), computed on the role read live.
func rolePolicyFacts(role *detect.Role) map[string]string {
	f := plan.RolePolicyFacts(role)
	for k, v := range plan.RoleFacts(role) {
		f[k] = v
	}
	return f
}

// needsAllPolicies tells whether a role fingerprint records facts about all of its policies.
func needsAllPolicies(f plan.Fingerprint) bool {
	_, a := f.Facts[plan.FactAttached]
	_, i := f.Facts[plan.FactInline]
	return a || i
}

// roleChangesExpected returns, for a role fingerprint, which differences a resumed apply expects: the
// changes this plan's actions on the role, started or done by an earlier run, make. A detach may have
// removed its policy from the attached list; a statement removal may have rewritten (or deleted) its
// inline policy to the plan's After; a put-role-policy may have changed the owned policy. Nothing else.
func (r *run) roleChangesExpected(f plan.Fingerprint, live *detect.Role) func(fact, cur string) bool {
	var detached []string
	removed := map[string]*plan.RemovePolicyStatementsChange{}
	ownedPut := false
	r.j.view(func(st *journalState) {
		for i := range r.p.Actions {
			a := &r.p.Actions[i]
			if !st.begun(a.ID) {
				continue
			}
			// The payload says the kind (plan.Validate: an action carries only its type's payload).
			switch {
			case a.DetachRolePolicy != nil && a.DetachRolePolicy.Role == f.Resource:
				detached = append(detached, a.DetachRolePolicy.PolicyArn)
			case a.RemovePolicyStatements != nil && a.RemovePolicyStatements.Role == f.Resource:
				removed[a.RemovePolicyStatements.PolicyName] = a.RemovePolicyStatements
			case a.PutRolePolicy != nil && a.PutRolePolicy.Role == f.Resource:
				ownedPut = true
			}
		}
	})
	if len(detached) == 0 && len(removed) == 0 && !ownedPut {
		return nil
	}
	return func(fact, cur string) bool {
		switch fact {
		case plan.FactOwnedPolicy:
			return ownedPut || removed[plan.OwnedPolicyName] != nil
		case plan.FactAttached:
			// What is attached now is what was planned less some of the policies this plan detaches.
			planned, now := splitList(f.Facts[fact]), splitList(cur)
			for _, a := range now {
				if !slices.Contains(planned, a) {
					return false
				}
			}
			for _, a := range planned {
				if !slices.Contains(now, a) && !slices.Contains(detached, a) {
					return false
				}
			}
			return true
		case plan.FactInline:
			// Each inline policy is as planned, or one this plan rewrites and now holds its After (or, with
			// an empty After, is gone), or the owned policy a started put-role-policy changes.
			planned := map[string]string{}
			for _, e := range splitList(f.Facts[fact]) {
				if i := strings.LastIndexByte(e, '='); i > 0 {
					planned[e[:i]] = e[i+1:]
				}
			}
			live1 := map[string]string{}
			for _, p := range live.Inline {
				live1[p.Name] = p.Document
			}
			names := map[string]bool{}
			for n := range planned {
				names[n] = true
			}
			for n := range live1 {
				names[n] = true
			}
			for n := range names {
				doc, isLive := live1[n]
				h, wasPlanned := planned[n]
				if isLive && wasPlanned && docHash(doc) == h {
					continue
				}
				if n == plan.OwnedPolicyName && ownedPut {
					continue
				}
				c := removed[n]
				switch {
				case c == nil || !wasPlanned:
					return false
				case c.After == "" && !isLive:
				case c.After != "" && isLive && samePolicy(doc, c.After):
				default:
					return false
				}
			}
			return true
		}
		return false
	}
}

// docHash is the hex SHA-256 of a policy document, as plan.RolePolicyFacts records it.
func docHash(doc string) string {
	sum := sha256.Sum256([]byte(doc))
	return hex.EncodeToString(sum[:])
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// securityGroupExpected returns, for a fingerprinted group, the check of its facts on a resumed apply: the
// ingress rules may be those the plan's update-security-group-ingress actions of the group, started or
// done, leave (in part or in whole). It returns nil when no such action started.
func (r *run) securityGroupExpected(group, planned string) func(fact, cur string) bool {
	auth, rev := map[string]bool{}, map[string]bool{}
	found := false
	r.j.view(func(st *journalState) {
		for _, a := range r.p.Actions {
			if a.UpdateSecurityGroupIngress == nil || a.UpdateSecurityGroupIngress.GroupID != group {
				continue
			}
			if !st.begun(a.ID) {
				continue
			}
			found = true
			for k := range ruleKeys(a.UpdateSecurityGroupIngress.Authorize) {
				auth[k] = true
			}
			for k := range ruleKeys(a.UpdateSecurityGroupIngress.Revoke) {
				rev[k] = true
			}
		}
	})
	if !found {
		return nil
	}
	split := func(s string) map[string]bool {
		m := map[string]bool{}
		if s != "" {
			for _, k := range strings.Split(s, ";") {
				m[k] = true
			}
		}
		return m
	}
	return func(fact, cur string) bool {
		return fact == plan.FactIngress && partOfWay(split(cur), split(planned), auth, rev)
	}
}
