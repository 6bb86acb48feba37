// Re-verification: each finding is checked against ecsfix's own evaluation of the estate before
// anything is planned for it.
package findings

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/internal/textsafe"
)

// Outcome is what re-verification decided about a finding.
type Outcome string

const (
	// Live: ecsfix's own evaluation fails the resource for the finding's control; the finding is
	// matched to those FAILED results and planned like them.
	Live Outcome = "live"
	// Stale: ecsfix finds the resource compliant (or gone); nothing is done for the finding.
	Stale Outcome = "stale"
	// Unsupported: a control ecsfix does not evaluate, or no ECS resource.
	Unsupported Outcome = "unsupported"
	// Closed: not a finding to act on (not FAILED, not ACTIVE, or not NEW or NOTIFIED).
	Closed Outcome = "closed"
	// Unverified: ecsfix could not decide (the region was not read, the control not evaluated, the
	// data missing); nothing is done for it.
	Unverified Outcome = "unverified"
	// Exempt: ecsfix fails the resource, but a configured exemption covers it; nothing is done.
	Exempt Outcome = "exempt"
)

// Match is one of ecsfix's FAILED results a finding stands for.
type Match struct {
	Control  string `json:"control"`
	Resource string `json:"resource"`
}

// Verdict is the re-verification of one finding.
type Verdict struct {
	Finding Finding `json:"finding"`
	Outcome Outcome `json:"outcome"`
	// Reason says why, for every outcome but Live. It may quote the finding: print it escaped.
	Reason  string  `json:"reason,omitempty"`
	Matches []Match `json:"matches,omitempty"`
}

// Scope is what the evaluation covered. An empty field means "everything".
type Scope struct {
	Accounts []string // accounts read
	Regions  []string // regions read
	Controls []string // controls evaluated (--control)
	// Read, when set, lists the account-regions read (a scan narrowed to the findings): a finding of
	// another is unverified, for the reason NotRead gives for its account-region when it has one.
	Read    map[AccountRegion]bool
	NotRead map[AccountRegion]string
	// Errors are what the scan could not read: a finding on a resource the evaluation does not know is
	// unverified, not stale, when its account could not be read, when a listing of its account-region
	// failed, or when the resource's own read failed.
	Errors []detect.ReadError
}

// AccountsOf lists the accounts the results' resource ARNs name, sorted: the accounts an evaluation
// read, as far as its results tell.
func AccountsOf(results []detect.Result) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range results {
		parts := strings.SplitN(r.ResourceArn, ":", 6)
		if len(parts) == 6 && parts[4] != "" && !seen[parts[4]] {
			seen[parts[4]] = true
			out = append(out, parts[4])
		}
	}
	sort.Strings(out)
	return out
}

// Verify re-verifies each finding against results, ecsfix's evaluation of the estate read within scope
// (detect.Evaluate's output, exemptions applied). Findings repeated (same product and id) are verified
// once. Verdicts are in the order of the findings.
func Verify(fs []Finding, results []detect.Result, scope Scope) []Verdict {
	byResource := map[string][]*detect.Result{}
	for i := range results {
		r := &results[i]
		byResource[r.ResourceArn] = append(byResource[r.ResourceArn], r)
	}
	seen := map[string]bool{}
	var out []Verdict
	for _, f := range fs {
		k := f.Product + "\x00" + f.ID
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, verifyOne(f, byResource, scope))
	}
	return out
}

func verifyOne(f Finding, byResource map[string][]*detect.Result, scope Scope) Verdict {
	v := Verdict{Finding: f}
	done := func(o Outcome, format string, args ...any) Verdict {
		v.Outcome, v.Reason = o, fmt.Sprintf(format, args...)
		return v
	}
	if open, why := f.Open(); !open {
		return done(Closed, "%s", why)
	}
	var control string // ecsfix's id, or "" for an exposure finding standing for every trait
	if f.Exposure && f.Trait != "" {
		control = f.Trait
	}
	if !f.Exposure {
		c, ok := detect.Lookup(f.Control)
		if !ok || strings.HasPrefix(c.ID, "EXPOSURE.") {
			return done(Unsupported, "ecsfix does not evaluate control %s", textsafe.Line(orNone(f.Control)))
		}
		control = c.ID
		if len(scope.Controls) > 0 && !containsFold(scope.Controls, control) {
			return done(Unverified, "%s was not evaluated (not among the selected controls)", control)
		}
	}
	res := f.ECSResources()
	if len(res) == 0 {
		return done(Unsupported, "the finding names no ECS resource")
	}
	if len(scope.Accounts) > 0 && !contains(scope.Accounts, f.Account) {
		return done(Unverified, "account %s was not read", f.Account)
	}
	if len(scope.Regions) > 0 && !containsFold(scope.Regions, f.Region) {
		return done(Unverified, "region %s was not read", f.Region)
	}
	if k := (AccountRegion{Account: f.Account, Region: f.Region}); scope.Read != nil && !scope.Read[k] {
		if why := scope.NotRead[k]; why != "" {
			return done(Unverified, "account %s in %s was not read: %s", f.Account, f.Region, textsafe.Line(why))
		}
		return done(Unverified, "account %s in %s was not read", f.Account, f.Region)
	}
	var failed, exempt, unknown, passed []*detect.Result
	for _, r := range res {
		for _, x := range byResource[r.ID] {
			if !(x.Control == control || control == "" && strings.HasPrefix(x.Control, "EXPOSURE.")) {
				continue
			}
			switch {
			case x.Status == detect.Failed && x.Suppressed != nil:
				exempt = append(exempt, x)
			case x.Status == detect.Failed:
				failed = append(failed, x)
			case x.Status == detect.NotEvaluated:
				unknown = append(unknown, x)
			default:
				passed = append(passed, x)
			}
		}
	}
	what := "no exposure trait"
	if len(failed)+len(exempt)+len(unknown)+len(passed) == 0 {
		if e, ok := readErrorOf(f, res, scope.Errors); ok {
			return done(Unverified, "ecsfix could not read %s: %s", textsafe.Line(describeResources(res)), textsafe.Line(e.Error()))
		}
	}
	switch {
	case len(failed) > 0:
		v.Outcome = Live
		for _, x := range failed {
			v.Matches = append(v.Matches, Match{Control: x.Control, Resource: x.ResourceArn})
		}
		sort.Slice(v.Matches, func(i, j int) bool {
			a, b := v.Matches[i], v.Matches[j]
			return a.Control+"\x00"+a.Resource < b.Control+"\x00"+b.Resource
		})
		return v
	case len(exempt) > 0:
		return done(Exempt, "ecsfix fails %s on %s, but %s covers it", exempt[0].Control,
			textsafe.Line(exempt[0].ResourceArn), textsafe.Line(exempt[0].Suppressed.By))
	case len(unknown) > 0:
		return done(Unverified, "ecsfix could not evaluate %s on %s: %s", unknown[0].Control,
			textsafe.Line(unknown[0].ResourceArn), textsafe.Line(unknown[0].Reason))
	case len(passed) > 0 && control != "":
		return done(Stale, "ecsfix finds %s %s on %s", control, passed[0].Status, textsafe.Line(passed[0].ResourceArn))
	case control == "":
		return done(Stale, "ecsfix finds %s failing on %s", what, textsafe.Line(describeResources(res)))
	}
	return done(Stale, "ecsfix found no %s in the estate it read", textsafe.Line(describeResources(res)))
}

func describeResources(rs []Resource) string {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return strings.Join(ids, ", ")
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// Targets maps each FAILED result live findings stand for, keyed control + "\x00" + resource ARN, to the
// ids of those findings, sorted. This is what the planner records on the actions that fix the results.
func Targets(vs []Verdict) map[string][]string {
	out := map[string][]string{}
	for _, v := range vs {
		if v.Outcome != Live {
			continue
		}
		for _, m := range v.Matches {
			k := m.Control + "\x00" + m.Resource
			if !contains(out[k], v.Finding.ID) {
				out[k] = append(out[k], v.Finding.ID)
			}
		}
	}
	for _, ids := range out {
		sort.Strings(ids)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Group is the findings of one account and region.
type Group struct {
	Account  string
	Region   string
	Findings []Finding
}

// ByAccountRegion groups findings by account and region, sorted by account then region; within a group
// findings keep their order.
func ByAccountRegion(fs []Finding) []Group {
	idx := map[[2]string]int{}
	var out []Group
	for _, f := range fs {
		k := [2]string{f.Account, f.Region}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, Group{Account: f.Account, Region: f.Region})
		}
		out[i].Findings = append(out[i].Findings, f)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Account != out[j].Account {
			return out[i].Account < out[j].Account
		}
		return out[i].Region < out[j].Region
	})
	return out
}

// readErrorOf returns a read error that may hide the finding's resources: the whole account's, a
// listing of the finding's account-region ("*"), or the read of one of the resources (by ARN; a
// task definition also by family; a service also by its cluster's service listing).
func readErrorOf(f Finding, res []Resource, errs []detect.ReadError) (detect.ReadError, bool) {
	for _, e := range errs {
		if e.Account != "" && e.Account != f.Account {
			continue
		}
		if e.ResourceType == "Account" {
			return e, true
		}
		if e.Region != f.Region {
			continue
		}
		if e.Resource == "*" {
			return e, true
		}
		for _, r := range res {
			if e.Resource == r.ID || r.Type == "AwsEcsTaskDefinition" && e.Resource == familyOf(r.ID) && e.Resource != "" {
				return e, true
			}
			if r.Type == "AwsEcsService" && strings.HasPrefix(e.Resource, clusterOfService(r.ID)+" ") {
				return e, true
			}
		}
	}
	return detect.ReadError{}, false
}

// clusterOfService is the cluster ARN of a long-format service ARN (for any other id, a string no
// resource starts with).
func clusterOfService(id string) string {
	parts := strings.Split(arnResource(id), "/")
	if !arnKind(id, "service") || len(parts) != 3 {
		return "\x00"
	}
	return arnPrefix(id) + "cluster/" + parts[1]
}
