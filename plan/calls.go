package plan

// This file says which AWS calls applying a plan makes, by "service:Operation" as awsclient.Counter names
// them, so that `plan` and `apply` can say how long an apply must take under AWS's token buckets
// (awsclient.QuotaTable). The counts are read off the applier (fix/exec_*.go, fix/stale.go,
// fix/preflight.go) for a first run: nothing done by an earlier run, every write needed, one page per
// list. They are what the applier makes at least; fix's TestApplyCallsAsPlanned compares them with the
// calls an apply makes on the emulator.
//
// Not counted, because nothing in the plan bounds them: the reads of a security group fix's load
// balancers (elbv2, when a replacement rule is from a group), of the images a user or vulnerability fix
// reads again (ecr, inspector2), extra pages of a listing, the role assumed in other accounts
// (sts:AssumeRole, by the SDK's credential provider), the polling of --wait (DescribeServices every few
// seconds until each service is stable, up to fix.wait_timeout) and the finding updates of
// --update-findings.

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsclient"
)

// Calls counts API calls by "service:Operation" ("ecs:RegisterTaskDefinition").
type Calls map[string]int

func (c Calls) add(op string, n int) {
	if n > 0 {
		c[op] += n
	}
}

// Total is the number of calls.
func (c Calls) Total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// AccountRegion keys the calls made in one account and region. Calls to a global service (IAM, STS)
// are keyed by the account with Region "": their buckets are per account.
type AccountRegion struct {
	Account string
	Region  string
}

func (k AccountRegion) String() string {
	switch {
	case k.Account == "" && k.Region == "":
		return "the caller's account (global)"
	case k.Region == "":
		return k.Account + " (global)"
	case k.Account == "":
		return k.Region
	}
	return k.Account + "/" + k.Region
}

// Operations of the applier, by service as awsclient.Counter names them.
const (
	opDescribeTaskDefinition   = "ecs:DescribeTaskDefinition"
	opListTaskDefinitions      = "ecs:ListTaskDefinitions"
	opRegisterTaskDefinition   = "ecs:RegisterTaskDefinition"
	opDeregisterTaskDefinition = "ecs:DeregisterTaskDefinition"
	opDescribeServices         = "ecs:DescribeServices"
	opUpdateService            = "ecs:UpdateService"
	opDescribeClusters         = "ecs:DescribeClusters"
	opUpdateCluster            = "ecs:UpdateCluster"
	opDescribeCapacityProvs    = "ecs:DescribeCapacityProviders"
	opUpdateCapacityProvider   = "ecs:UpdateCapacityProvider"
	opDescribeASGs             = "autoscaling:DescribeAutoScalingGroups"
	opUpdateASG                = "autoscaling:UpdateAutoScalingGroup"
	opDescribeSecurityGroups   = "ec2:DescribeSecurityGroups"
	opCreateSecurityGroup      = "ec2:CreateSecurityGroup"
	opAuthorizeIngress         = "ec2:AuthorizeSecurityGroupIngress"
	opAuthorizeEgress          = "ec2:AuthorizeSecurityGroupEgress"
	opRevokeIngress            = "ec2:RevokeSecurityGroupIngress"
	opRevokeEgress             = "ec2:RevokeSecurityGroupEgress"
	opDescribeSecret           = "secretsmanager:DescribeSecret"
	opCreateSecret             = "secretsmanager:CreateSecret"
	opGetSecretValue           = "secretsmanager:GetSecretValue"
	opCreateLogGroup           = "cloudwatchlogs:CreateLogGroup"
	opPutRetentionPolicy       = "cloudwatchlogs:PutRetentionPolicy"
	opGetRolePolicy            = "iam:GetRolePolicy"
	opPutRolePolicy            = "iam:PutRolePolicy"
	opDeleteRolePolicy         = "iam:DeleteRolePolicy"
	opListRolePolicies         = "iam:ListRolePolicies"
	opListAttachedRolePolicies = "iam:ListAttachedRolePolicies"
	opDetachRolePolicy         = "iam:DetachRolePolicy"
	opGetCallerIdentity        = "sts:GetCallerIdentity"
)

// Batch sizes of the applier's describes (the APIs' limits).
const (
	servicesPerDescribe  = 10
	clustersPerDescribe  = 100
	groupsPerDescribe    = 100
	providersPerDescribe = 100
	asgsPerDescribe      = 50
)

// callsCtx is what the per-kind counts need to know of the whole plan.
type callsCtx struct {
	p *Plan
	// inState holds the task definitions the stale check reads (and the applier keeps): a registration
	// or secret built from one reads it no more.
	inState map[string]bool
	// read holds the source revisions read by an action already (the applier reads each once a run).
	read map[string]bool
	// latest is each task definition's latest ACTIVE revision as the plan recorded it.
	latest map[string]string
	// describes is the number of DescribeServices calls describing the state's services of each
	// account-region (computed once).
	describes map[AccountRegion]int
}

// actionCalls is the table: for each change kind, the calls applying one action of it makes (after the
// checks every apply makes first, which checkCalls counts), added to c. One entry per kind of
// changeKinds; TestEveryKindHasCalls keeps them in step.
var actionCalls = map[ActionType]func(x *callsCtx, a *Action, c Calls){
	RegisterTaskDefinition: func(x *callsCtx, a *Action, c Calls) {
		r := a.RegisterTaskDefinition
		x.source(r.SourceArn, c)
		// The family's latest ACTIVE revision (journalled as the state before), then its ACTIVE revisions
		// listed, and each newer than the source described (a revision this action registered earlier
		// is reused), then the registration.
		c.add(opDescribeTaskDefinition, 1)
		c.add(opListTaskDefinitions, 1)
		c.add(opDescribeTaskDefinition, x.newerRevisions(r.SourceArn))
		c.add(opRegisterTaskDefinition, 1)
	},
	UpdateService: func(_ *callsCtx, _ *Action, c Calls) {
		c.add(opDescribeServices, 1)
		c.add(opUpdateService, 1)
	},
	UpdateClusterSettings: func(_ *callsCtx, _ *Action, c Calls) {
		c.add(opDescribeClusters, 1)
		c.add(opUpdateCluster, 1)
	},
	CreateSecret: func(x *callsCtx, a *Action, c Calls) {
		for _, v := range a.CreateSecret.Values {
			x.source(v.SourceArn, c)
		}
		// Looked for (a secret this plan created earlier is reused), created, read back.
		c.add(opDescribeSecret, 1)
		c.add(opCreateSecret, 1)
		c.add(opGetSecretValue, 1)
	},
	EnsureLogGroup: func(_ *callsCtx, a *Action, c Calls) {
		c.add(opCreateLogGroup, 1)
		if a.EnsureLogGroup.RetentionDays > 0 {
			c.add(opPutRetentionPolicy, 1)
		}
	},
	PutRolePolicy: func(_ *callsCtx, _ *Action, c Calls) {
		// The owned policy read, merged and put, then read back.
		c.add(opGetRolePolicy, 2)
		c.add(opPutRolePolicy, 1)
	},
	DeregisterTaskDefinition: func(x *callsCtx, a *Action, c Calls) {
		// Each revision: the plan's services in its account and region described (is one running it?),
		// the revision described, then deregistered.
		for _, td := range a.DeregisterTaskDefinition.TaskDefinitions {
			c.add(opDescribeServices, x.serviceDescribes(detect.AccountOf(td), a.Region))
			c.add(opDescribeTaskDefinition, 1)
			c.add(opDeregisterTaskDefinition, 1)
		}
	},
	DetachRolePolicy: func(_ *callsCtx, _ *Action, c Calls) {
		c.add(opListAttachedRolePolicies, 2) // before, and read back
		c.add(opDetachRolePolicy, 1)
	},
	RemovePolicyStatements: func(_ *callsCtx, a *Action, c Calls) {
		c.add(opGetRolePolicy, 2) // before, and read back
		if strings.TrimSpace(a.RemovePolicyStatements.After) == "" {
			c.add(opDeleteRolePolicy, 1)
		} else {
			c.add(opPutRolePolicy, 1)
		}
	},
	UpdateSecurityGroupIngress: func(_ *callsCtx, a *Action, c Calls) {
		u := a.UpdateSecurityGroupIngress
		// Read, each replacement authorized (one rule a call), read, each world-open rule revoked, read.
		c.add(opDescribeSecurityGroups, 3)
		c.add(opAuthorizeIngress, len(u.Authorize))
		c.add(opRevokeIngress, len(u.Revoke))
	},
	CreateSecurityGroup: func(_ *callsCtx, a *Action, c Calls) {
		g := a.CreateSecurityGroup
		// Looked for by its provenance tags, created, read, its rules authorized one a call, the
		// allow-all egress rule a new group starts with revoked unless planned, read back.
		c.add(opDescribeSecurityGroups, 3)
		c.add(opCreateSecurityGroup, 1)
		c.add(opAuthorizeIngress, len(g.Ingress))
		egress := 0
		keepsDefault := false
		for _, r := range g.Egress {
			if RuleKey(r) == RuleKey(defaultEgress) {
				keepsDefault = true
				continue
			}
			egress++
		}
		c.add(opAuthorizeEgress, egress)
		if !keepsDefault {
			c.add(opRevokeEgress, 1)
		}
	},
	UpdateAutoScalingGroup: func(_ *callsCtx, _ *Action, c Calls) {
		c.add(opDescribeASGs, 2) // before, and read back
		c.add(opUpdateASG, 1)
	},
	UpdateCapacityProvider: func(_ *callsCtx, _ *Action, c Calls) {
		// The provider and its group read, the protection set, the provider read back.
		c.add(opDescribeCapacityProvs, 2)
		c.add(opDescribeASGs, 1)
		c.add(opUpdateCapacityProvider, 1)
	},
}

// defaultEgress is the rule a new security group starts with.
var defaultEgress = IngressRule{Protocol: "-1", CidrIPv4: "0.0.0.0/0"}

// source counts the read of a source revision, unless the stale check or an earlier action read it.
func (x *callsCtx) source(arn string, c Calls) {
	if arn == "" || x.inState[arn] || x.read[arn] {
		return
	}
	x.read[arn] = true
	c.add(opDescribeTaskDefinition, 1)
}

// newerRevisions bounds the ACTIVE revisions of a source's family newer than it, from the latest ACTIVE
// revision the plan recorded (0 when it recorded none, or the source is the latest).
func (x *callsCtx) newerRevisions(src string) int {
	s, err := detect.ParseTaskDefinitionARN(src)
	if err != nil {
		return 0
	}
	l, err := detect.ParseTaskDefinitionARN(x.latest[src])
	if err != nil || l.Family != s.Family || l.Revision <= s.Revision {
		return 0
	}
	return l.Revision - s.Revision
}

// serviceDescribes is the number of DescribeServices calls that describe the plan's services (its
// state) of one account and region, 10 of a cluster a call.
func (x *callsCtx) serviceDescribes(account, region string) int {
	if x.describes == nil {
		clusterOf := x.p.serviceClusters()
		per := map[AccountRegion]map[string]int{}
		for _, f := range x.p.State {
			if f.ResourceType != detect.TypeService {
				continue
			}
			k := AccountRegion{detect.AccountOf(f.Resource), fingerprintRegion(f)}
			if per[k] == nil {
				per[k] = map[string]int{}
			}
			per[k][clusterOf(f.Resource)]++
		}
		x.describes = map[AccountRegion]int{}
		for k, clusters := range per {
			for _, n := range clusters {
				x.describes[k] += batches(n, servicesPerDescribe)
			}
		}
	}
	return x.describes[AccountRegion{account, region}]
}

// serviceClusters tells a service's cluster as the applier finds it: as the plan names it
// (ServiceClusters), else from its long-format ARN.
func (p *Plan) serviceClusters() func(service string) string {
	named := p.ServiceClusters()
	return func(service string) string {
		if c := named[service]; c != "" {
			return c
		}
		return detect.ClusterOfServiceARN(service)
	}
}

func fingerprintRegion(f Fingerprint) string {
	if f.Region != "" {
		return f.Region
	}
	return detect.RegionOf(f.Resource)
}

func batches(n, size int) int { return (n + size - 1) / size }

// ApplyCalls returns the calls an apply of p makes, by account and region: the checks every apply makes
// before writing (the caller's identity, every fingerprinted resource read again), then each action's.
// A dry run makes the checks' calls only (CheckCalls).
func (p *Plan) ApplyCalls() map[AccountRegion]Calls {
	out, x := p.checkCalls()
	p.addActionCalls(out, x, nil)
	return out
}

// ActionCalls returns the calls of the actions keep selects (nil: all), by account and region, without
// the checks' (the sources the checks read are not read again).
func (p *Plan) ActionCalls(keep func(*Action) bool) map[AccountRegion]Calls {
	out := map[AccountRegion]Calls{}
	_, x := p.checkCalls()
	p.addActionCalls(out, x, keep)
	return out
}

func (p *Plan) addActionCalls(out map[AccountRegion]Calls, x *callsCtx, keep func(*Action) bool) {
	p.eachActionCalls(x, func(a *Action, k AccountRegion, op string, n int) {
		if keep == nil || keep(a) {
			at(out, k).add(op, n)
		}
	})
}

// CallsPerAction returns each action's calls by account and region (by action id), without the checks',
// in one pass: what a progress indicator sums as actions finish.
func (p *Plan) CallsPerAction() map[string]map[AccountRegion]Calls {
	out := map[string]map[AccountRegion]Calls{}
	_, x := p.checkCalls()
	p.eachActionCalls(x, func(a *Action, k AccountRegion, op string, n int) {
		if out[a.ID] == nil {
			out[a.ID] = map[AccountRegion]Calls{}
		}
		at(out[a.ID], k).add(op, n)
	})
	return out
}

// eachActionCalls gives each action's calls, in plan order, to f (every action is counted, so that a
// source an earlier one read is not counted again for a later one).
func (p *Plan) eachActionCalls(x *callsCtx, f func(a *Action, k AccountRegion, op string, n int)) {
	for i := range p.Actions {
		a := &p.Actions[i]
		count := actionCalls[a.Type]
		if count == nil || a.Change() == nil {
			continue
		}
		c := Calls{}
		count(x, a, c)
		for _, op := range slices.Sorted(maps.Keys(c)) {
			k := AccountRegion{a.Account, a.Region}
			if isGlobal(op) {
				k.Region = ""
			}
			f(a, k, op, c[op])
		}
	}
}

// CheckCalls returns the calls of the checks an apply (and a dry run) makes before it writes.
func (p *Plan) CheckCalls() map[AccountRegion]Calls {
	out, _ := p.checkCalls()
	return out
}

func at(m map[AccountRegion]Calls, k AccountRegion) Calls {
	if m[k] == nil {
		m[k] = Calls{}
	}
	return m[k]
}

// isGlobal tells the operations whose buckets are per account, whatever the region.
func isGlobal(op string) bool {
	return strings.HasPrefix(op, "iam:") || strings.HasPrefix(op, "sts:")
}

// checkCalls counts the checks of fix's Apply: the caller and the plan's other accounts identified
// (preflight.go), then the stale check
// (stale.go): services 10 of a cluster a call, clusters 100 a call, each task definition and its family's
// latest ACTIVE revision, each role's owned policy (or all its policies), security groups 100 a call,
// capacity providers 100 and Auto Scaling groups 50 a call.
func (p *Plan) checkCalls() (map[AccountRegion]Calls, *callsCtx) {
	out := map[AccountRegion]Calls{}
	x := &callsCtx{p: p, inState: map[string]bool{}, read: map[string]bool{}, latest: map[string]string{}}
	// The caller identified, then each other account of the plan through its role (the caller's own
	// account is not known here: all but one of the plan's accounts are counted, at least).
	accounts := p.Accounts()
	at(out, AccountRegion{}).add(opGetCallerIdentity, 1+max(0, len(accounts)-1))
	clusterOf := p.serviceClusters()
	type svcKey struct {
		AccountRegion
		cluster string
	}
	services := map[svcKey]int{}
	counts := map[AccountRegion]map[string]int{} // per account-region, per resource type
	families := map[string]bool{}
	for _, f := range p.State {
		k := AccountRegion{detect.AccountOf(f.Resource), fingerprintRegion(f)}
		switch f.ResourceType {
		case detect.TypeService:
			services[svcKey{k, clusterOf(f.Resource)}]++
		case detect.TypeTaskDefinition:
			x.inState[f.Resource] = true
			x.latest[f.Resource] = f.Facts[FactLatestActive]
			at(out, k).add(opDescribeTaskDefinition, 1)
			if fam := detect.FamilyKey(f.Resource); !families[fam] {
				families[fam] = true
				at(out, k).add(opDescribeTaskDefinition, 1) // its family's latest ACTIVE revision
			}
		case detect.TypeRole:
			g := AccountRegion{Account: k.Account}
			_, attached := f.Facts[FactAttached]
			inline, all := f.Facts[FactInline]
			if attached || all {
				at(out, g).add(opListAttachedRolePolicies, 1)
				at(out, g).add(opListRolePolicies, 1)
				if inline != "" {
					at(out, g).add(opGetRolePolicy, strings.Count(inline, ",")+1)
				}
			} else {
				at(out, g).add(opGetRolePolicy, 1)
			}
		case detect.TypeSecurityGroup:
			k.Account = p.groupAccount(f.Resource, k.Region)
			fallthrough
		default:
			if counts[k] == nil {
				counts[k] = map[string]int{}
			}
			counts[k][f.ResourceType]++
		}
	}
	for k, n := range services {
		at(out, k.AccountRegion).add(opDescribeServices, batches(n, servicesPerDescribe))
	}
	for k, byType := range counts {
		c := at(out, k)
		c.add(opDescribeClusters, batches(byType[detect.TypeCluster], clustersPerDescribe))
		c.add(opDescribeSecurityGroups, batches(byType[detect.TypeSecurityGroup], groupsPerDescribe))
		c.add(opDescribeCapacityProvs, batches(byType[detect.TypeCapacityProvider], providersPerDescribe))
		c.add(opDescribeASGs, batches(byType[detect.TypeAutoScalingGroup], asgsPerDescribe))
	}
	return out, x
}

// groupAccount is the account of a security group (its id names none): the account of the action that
// changes or copies it, else of the plan's actions in its region when they are in one account.
func (p *Plan) groupAccount(id, region string) string {
	in := map[string]bool{}
	for i := range p.Actions {
		a := &p.Actions[i]
		if a.Resource == id || a.CreateSecurityGroup != nil && a.CreateSecurityGroup.CopyOf == id {
			return a.Account
		}
		if a.Region == region {
			in[a.Account] = true
		}
	}
	if len(in) == 1 {
		for acct := range in {
			return acct
		}
	}
	return ""
}

// ApplyEstimate is the least time applying a plan takes under the API's token buckets.
type ApplyEstimate struct {
	// Duration is the least time: the checks' (Checks), then the actions', each the slowest
	// account-region's (account-regions are paced apart, so their times are not summed). Latency and the
	// SDK's retries come on top.
	Duration time.Duration
	// Checks is the least time of the checks made before the first write.
	Checks time.Duration
	// Calls is the number of calls counted (ApplyCalls); AccountRegions the account-regions the plan
	// acts in (not counting the per-account buckets of global services).
	Calls          int
	AccountRegions int
	// Slowest is the account-region that sets the time; Group its bucket that does, with the calls it
	// takes there (GroupCalls) and what they are (Operation: the group's most called one).
	Slowest    AccountRegion
	Group      awsclient.Quota
	GroupCalls int
	Operation  string
}

// ExpectedApply estimates how long applying p takes at least under table's buckets. Every check is made
// before the first write, so the time is the checks' (CheckCalls) and then the actions' (ActionCalls):
// in each phase, per account-region, table.Estimate of its calls (its groups refill at once, so the
// slowest group sets its time), and the slowest account-region sets the phase's. The bucket named is the
// one that sets the actions' time (the checks' when there is no action call). Latency is not counted.
func (p *Plan) ExpectedApply(table *awsclient.QuotaTable) ApplyEstimate {
	return EstimateCalls(table, p.CheckCalls(), p.ActionCalls(nil))
}

// EstimateCalls is ExpectedApply of calls counted elsewhere (a rollback's: fix.RollbackCalls): checks,
// all made before the first write, then actions, by account-region.
func EstimateCalls(table *awsclient.QuotaTable, checks, actions map[AccountRegion]Calls) ApplyEstimate {
	e := ApplyEstimate{}
	regions := map[AccountRegion]bool{}
	for k, c := range checks {
		e.Calls += c.Total()
		regions[k] = true
		e.Checks = max(e.Checks, table.Estimate(c))
	}
	named := actions
	if len(actions) == 0 {
		named = checks
	}
	keys := slices.SortedFunc(maps.Keys(named), func(a, b AccountRegion) int {
		return strings.Compare(a.Account+"\x00"+a.Region, b.Account+"\x00"+b.Region)
	})
	var slowest time.Duration
	for i, k := range keys {
		c := named[k]
		if len(actions) > 0 {
			e.Calls += c.Total()
			regions[k] = true
		}
		d := table.Estimate(c)
		if i > 0 && d <= slowest {
			continue
		}
		slowest, e.Slowest = d, k
		e.Group, e.GroupCalls, e.Operation, _ = slowestGroup(table, c)
	}
	for k := range regions {
		if k.Region != "" {
			e.AccountRegions++
		}
	}
	e.Duration = e.Checks
	if len(actions) > 0 {
		e.Duration += slowest
	}
	return e
}

// slowestGroup finds the bucket of calls that takes longest to drain (the one Estimate's time is), its
// calls, and its most called operation.
func slowestGroup(table *awsclient.QuotaTable, c Calls) (awsclient.Quota, int, string, bool) {
	type group struct {
		q   awsclient.Quota
		n   int
		ops map[string]int
	}
	groups := map[string]*group{}
	for _, op := range slices.Sorted(maps.Keys(c)) {
		service, name, _ := strings.Cut(op, ":")
		q, ok := table.Lookup(service, name)
		if !ok {
			continue
		}
		g := groups[q.Service+"/"+q.Group]
		if g == nil {
			g = &group{q: q, ops: map[string]int{}}
			groups[q.Service+"/"+q.Group] = g
		}
		g.n += c[op]
		g.ops[op] += c[op]
	}
	var best *group
	var bestTime float64 = -1
	for _, name := range slices.Sorted(maps.Keys(groups)) {
		g := groups[name]
		t := max(float64(g.n)-g.q.Burst, 0) / g.q.Rate
		if t > bestTime || t == bestTime && g.n > best.n {
			best, bestTime = g, t
		}
	}
	if best == nil {
		return awsclient.Quota{}, 0, "", false
	}
	op, most := "", -1
	for _, o := range slices.Sorted(maps.Keys(best.ops)) {
		if best.ops[o] > most {
			op, most = o, best.ops[o]
		}
	}
	return best.q, best.n, op, true
}

// EstimateThreshold is the least expected apply time that `plan` and `apply` mention: a plan that
// applies within it (most plans of a few fixes: 20 registrations or 50 service updates fit the buckets'
// bursts) keeps its output short.
const EstimateThreshold = 5 * time.Second

// Sentence says, in one line, how long the apply takes at least and which bucket sets that time, e.g.
// "at least 8m0s at AWS's documented pace (500 ecs task-definition-modify calls such as
// RegisterTaskDefinition: 20 at once, then 1 a second)".
func (e ApplyEstimate) Sentence() string {
	var b strings.Builder
	b.WriteString("at least " + FormatDuration(e.Duration) + " at AWS's documented pace")
	if e.Operation != "" {
		_, op, _ := strings.Cut(e.Operation, ":")
		fmt.Fprintf(&b, " (%d %s %s calls such as %s: %s at once, then %s a second", e.GroupCalls, e.Group.Service, e.Group.Group, op,
			trimFloat(e.Group.Burst), trimFloat(e.Group.Rate))
		if e.AccountRegions > 1 {
			b.WriteString(", in " + e.Slowest.String())
		}
		b.WriteString(")")
	}
	return b.String()
}

// FormatDuration gives d in whole seconds, rounded down since it is a least time ("8m10s", "0s").
func FormatDuration(d time.Duration) string { return d.Truncate(time.Second).String() }

func trimFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// ActionTypes lists the change kinds, in the order the summary counts them.
func ActionTypes() []ActionType {
	out := make([]ActionType, len(changeKinds))
	for i, k := range changeKinds {
		out[i] = k.typ
	}
	return out
}

// RemainingApply is the least time the calls left (left, by account-region) still take, elapsed after
// an apply started whose calls so far are made (by account-region): in each bucket, the tokens now are
// its burst less the calls made, plus what it refilled since (at most its burst); the calls left beyond
// them go at its rate. The slowest bucket of the slowest account-region sets the time.
func RemainingApply(table *awsclient.QuotaTable, left, made map[AccountRegion]Calls, elapsed time.Duration) time.Duration {
	var longest float64
	for k, c := range left {
		type bucket struct{ left, made float64 }
		buckets := map[string]*bucket{}
		quota := map[string]awsclient.Quota{}
		count := func(calls Calls, f func(*bucket, float64)) {
			for op, n := range calls {
				service, name, _ := strings.Cut(op, ":")
				q, ok := table.Lookup(service, name)
				if !ok {
					continue
				}
				g := q.Service + "/" + q.Group
				if buckets[g] == nil {
					buckets[g], quota[g] = &bucket{}, q
				}
				f(buckets[g], float64(n))
			}
		}
		count(c, func(b *bucket, n float64) { b.left += n })
		count(made[k], func(b *bucket, n float64) { b.made += n })
		for g, b := range buckets {
			q := quota[g]
			tokens := max(0, min(q.Burst, q.Burst-b.made+q.Rate*elapsed.Seconds()))
			longest = max(longest, (b.left-tokens)/q.Rate)
		}
	}
	return time.Duration(longest * float64(time.Second))
}

// Accounts are the accounts the plan's actions and fingerprinted resources are in: what an apply or a
// rollback identifies itself in (the caller's, then each other one through its role).
func (p *Plan) Accounts() map[string]bool {
	accounts := map[string]bool{}
	for _, a := range p.Actions {
		if a.Account != "" {
			accounts[a.Account] = true
		}
	}
	for _, f := range p.State {
		if acct := detect.AccountOf(f.Resource); acct != "" {
			accounts[acct] = true
		}
	}
	return accounts
}
