package fix

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsclient"
	"github.com/ecsfix/ecsfix/plan"
)

// The checks Apply and Rollback make before reading anything else: every account of the plan is
// reachable (the caller's, or another through the member role) and its regions are addressed (or the
// journal's), the plan is approved when it must be, the journal is this plan's.

// checkTarget checks that every account of the plan's actions and fingerprints is reachable, the caller's
// own or another through the role Options.RoleName whose credentials sts GetCallerIdentity says are in
// that account, that every action changes a resource of its own account and region, and that the caller
// addresses those regions. It runs before anything else is read or written.
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
	accounts := map[string]string{} // account -> the first action or state that needs it
	need := func(account, what string) {
		if _, ok := accounts[account]; !ok {
			accounts[account] = what
		}
	}
	for _, a := range r.p.Actions {
		if !awsclient.ValidAccountID(a.Account) {
			bad = append(bad, fmt.Sprintf("action %s is for account %q", a.ID, a.Account))
		} else {
			need(a.Account, "action "+a.ID)
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
		if acct := detect.AccountOf(f.Resource); acct != "" {
			if !awsclient.ValidAccountID(acct) {
				bad = append(bad, fmt.Sprintf("state %s is in account %q", f.Resource, acct))
			} else {
				need(acct, "state "+f.Resource)
			}
		}
		if f.ResourceType == detect.TypeRole && r.regionOf(f) == "" {
			continue // IAM is global
		}
		if !allowed[r.regionOf(f)] {
			bad = append(bad, fmt.Sprintf("state %s is in region %q", f.Resource, r.regionOf(f)))
		}
	}
	r.cl.own, r.cl.reached = r.account, map[string]*clients{}
	var members []string
	for _, acct := range slices.Sorted(maps.Keys(accounts)) {
		if acct == r.account {
			continue
		}
		if r.cl.member == nil {
			bad = append(bad, fmt.Sprintf("%s is for account %s, not the caller's, and no role reaches it (--role-name, accounts.role_name)", accounts[acct], acct))
			continue
		}
		if len(bad) > 0 {
			break // refused already: no role is assumed for a plan that is not applied
		}
		m, role := r.cl.member(r.partition, acct)
		got, err := m.sts().GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		switch {
		case err != nil:
			bad = append(bad, fmt.Sprintf("account %s cannot be reached through role %s: %s", acct, role, awsclient.ShortError(err)))
		case aws.ToString(got.Account) != acct:
			bad = append(bad, fmt.Sprintf("account %s: role %s gives credentials in account %q (%s)", acct, role, aws.ToString(got.Account), aws.ToString(got.Arn)))
		default:
			r.cl.reached[acct] = m
			members = append(members, acct)
			r.log.Info("account reached", "account", acct, "role", role, "arn", aws.ToString(got.Arn))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: the caller is in account %s and addresses region(s) %s: %s",
			ErrWrongAccount, r.account, strings.Join(r.o.Regions, ", "), strings.Join(bad, "; "))
	}
	if len(members) == 0 {
		r.printf("check: the caller's account %s and region(s) %s are the plan's", r.account, strings.Join(r.o.Regions, ", "))
	} else {
		r.printf("check: the plan's accounts are reachable: the caller's %s, and %s through role %s (sts GetCallerIdentity in each); region(s) %s",
			r.account, strings.Join(members, ", "), r.o.RoleName, strings.Join(r.o.Regions, ", "))
	}
	r.log.Info("caller identified", "account", r.account, "arn", aws.ToString(out.Arn))
	return nil
}

func (r *run) regionOf(f plan.Fingerprint) string {
	if f.Region != "" {
		return f.Region
	}
	return detect.RegionOf(f.Resource)
}

// checkApproval refuses a plan older than the approval policy's maximum plan age, and a plan holding an
// action above the unattended risk without enough approvals that count (plan.CheckApprovals): as many
// distinct signers as the quorum of the highest risk among those actions.
func (r *run) checkApproval() error {
	now := time.Now()
	if r.o.Now != nil {
		now = r.o.Now()
	}
	pol := r.o.Approvals
	need := r.p.NeedsApproval(r.o.UnattendedRisk, r.o.RiskOverrides)
	for i := range need { // report the risk that counts: recomputed from what the action does
		need[i].Risk = r.p.EffectiveRisk(need[i], r.o.RiskOverrides)
	}
	if err := pol.CheckPlanAge(r.p, now); err != nil {
		return &NotApprovedError{Actions: need, Unattended: r.o.UnattendedRisk, Rule: err.Error()}
	}
	if len(need) == 0 {
		r.printf("check: approval not needed (no action above %s risk)", r.o.UnattendedRisk)
		return nil
	}
	level := need[0].Risk
	for _, a := range need {
		if a.Risk.Rank() > level.Rank() {
			level = a.Risk
		}
	}
	quorum := pol.QuorumFor(level)
	by, err := r.quorum(need, level, quorum, r.p.CheckApprovals(pol, now))
	if err != nil {
		return err
	}
	r.printf("check: approved (%s risk needs %d distinct signer(s)): %s", level, quorum, strings.Join(by, "; "))
	return nil
}

// checkJournal checks that an existing journal belongs to this plan and can be resumed.
func (r *run) checkJournal(st *journalState) error {
	if st.header.PlanHash != r.hash {
		return fmt.Errorf("%w: journal %s records plan %s, this plan is %s (use another journal path)",
			ErrJournalMismatch, r.o.JournalPath, st.header.PlanHash, r.hash)
	}
	if st.header.Account != "" && st.header.Account != r.account {
		return fmt.Errorf("%w: journal %s records account %s, the caller is in %s", ErrJournalMismatch, r.o.JournalPath, st.header.Account, r.account)
	}
	if len(st.rbStart) > 0 {
		return fmt.Errorf("%w: journal %s records a rollback of this plan; to apply it again, use a new journal", ErrJournalMismatch, r.o.JournalPath)
	}
	return nil
}

// checkRederived re-derives, before anything is written, the write of every action from the state the
// stale check read (r.read: no resource is read again) plus the plan's typed edits (plan.Plan.Rederive,
// each change kind's rederive and Rebuild): a registration's new revision is rebuilt from its source
// revision by re-running the remedies its edits name; a service update, a cluster's settings, a
// security group's rules or its copy, the owned role policy, a detachment, an inline policy rewrite, a
// deregistration and a secret each from the resource read and the other actions of the plan; a log
// group is fully determined by its payload. One whose after-state differs refuses the whole apply,
// naming the action and the first differing field (*plan.RederiveError, wrapped in ErrInvalidPlan). An
// action an earlier run of this plan started (a resumed apply) is re-derived from the before-state the
// plan recorded where what it wrote may already be there. Values the configuration supplies (a
// replacement rule's CIDR, replacement subnets, the host-network fix's network, a log group's name) are
// checked against Options.Configured, and refused without it.
func (r *run) checkRederived(ctx context.Context) error {
	st := r.read
	if st == nil {
		return fmt.Errorf("%w: nothing was read to re-derive the plan from", ErrInvalidPlan)
	}
	st.Config = r.o.Configured
	if err := r.readBalancers(ctx, st); err != nil {
		return err
	}
	r.readImages(ctx, st)
	r.readImageFindings(ctx, st)
	r.j.view(func(js *journalState) {
		for i := range r.p.Actions {
			if js.begun(r.p.Actions[i].ID) {
				st.Started[r.p.Actions[i].ID] = true
			}
		}
	})
	for i := range r.p.Actions {
		if err := r.p.Rederive(&r.p.Actions[i], st); err != nil {
			if ue := (*plan.UnknownFieldsError)(nil); errors.As(err, &ue) {
				return err // not the plan's fault: AWS answers with a field this build does not know
			}
			return fmt.Errorf("%w: %w", ErrInvalidPlan, err)
		}
	}
	if n := len(r.p.Actions); n > 0 {
		r.printf("check: %d action(s) re-derived from the state read and the plan's edits, as planned", n)
	}
	return nil
}

// quorum counts the distinct signers among the approval checks: their descriptions when they reach the
// quorum that level needs, else a *NotApprovedError naming the actions, who counted and what was refused.
func (r *run) quorum(need []plan.Action, level plan.Risk, quorum int, checks []plan.ApprovalCheck) ([]string, error) {
	counted := plan.DistinctSigners(checks)
	if len(counted) < quorum {
		e := &NotApprovedError{Actions: need, Unattended: r.o.UnattendedRisk, Level: level, Quorum: quorum}
		for _, c := range counted {
			e.Counted = append(e.Counted, c.Describe())
		}
		for _, c := range checks {
			if !c.Counts {
				e.Refused = append(e.Refused, r.describeRefused(c))
			}
		}
		return nil, e
	}
	var by []string
	for _, c := range counted {
		by = append(by, c.Describe())
	}
	return by, nil
}

// describeRefused describes an approval that does not count. One bound to another content hash is
// said to be for another plan, with both hashes and what to do: the plan changed since it was approved
// (or the approval was copied from another plan's file), so it must be reviewed and approved again.
func (r *run) describeRefused(c plan.ApprovalCheck) string {
	d := c.Describe()
	if c.Approval.PlanHash == r.hash {
		return d
	}
	file := r.o.PlanPath
	if file == "" {
		file = "FILE"
	}
	return strings.TrimSuffix(d, "; does not count: "+c.Reason) + fmt.Sprintf(
		"; does not count: it is an approval of another plan (it approved %s; this plan is %s): the plan's content changed since it was approved, or the approval comes from another plan's file; review this plan (ecsfix show %s) and approve it (ecsfix approve %s)",
		c.Approval.PlanHash, r.hash, file, file)
}
