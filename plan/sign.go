// This file holds signed approvals: the statement an approver signs, signing it with an SSH key in
// OpenSSH's SSHSIG format (what `ssh-keygen -Y sign -n ecsfix-plan` makes), and checking each approval
// of a plan against an approval policy (allowed signers, quorum, maximum ages).

package plan

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/hiddeco/sshsig"
	"golang.org/x/crypto/ssh"
)

// SignatureNamespace is the SSHSIG namespace of an approval's signature: a signature made for another
// purpose (git commits, files) never counts as an approval, and an approval signature never counts
// elsewhere. `ssh-keygen -Y verify -n ecsfix-plan` checks one.
const SignatureNamespace = "ecsfix-plan"

// statementHeader is the first line of an approval statement; it names the statement's version.
const statementHeader = "ecsfix approval v1"

// futureSkew is how far in the future an approval's time may be (clocks differ) and still count.
const futureSkew = 5 * time.Minute

// Statement is what a signed approval signs: five lines, each ending in a newline,
//
//	ecsfix approval v1
//	plan: sha256:<hex>
//	by: <who approves>
//	ticket: <ticket, or empty>
//	at: <RFC 3339 time in UTC>
//
// so that neither the plan, the approver, the ticket nor the time can be changed without voiding the
// signature. It fails for a field holding a control character (it would make the statement ambiguous).
func (a Approval) Statement() ([]byte, error) {
	for _, f := range []struct{ name, value string }{{"by", a.By}, {"ticket", a.Ticket}, {"planHash", a.PlanHash}} {
		if err := checkStatementField(f.name, f.value); err != nil {
			return nil, err
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\nplan: %s\nby: %s\nticket: %s\nat: %s\n", statementHeader, a.PlanHash, a.By, a.Ticket,
		a.At.UTC().Format(time.RFC3339Nano))
	return b.Bytes(), nil
}

// checkStatementField refuses a value holding a control character (a newline among them).
func checkStatementField(name, value string) error {
	if i := strings.IndexFunc(value, unicode.IsControl); i >= 0 {
		return fmt.Errorf("%s %s holds a control character", name, strconv.Quote(value))
	}
	return nil
}

// ApproveSigned records an approval by `by`, for ticket, at `at` (kept to the second), bound to the plan's
// current content hash and signed with signer in namespace SignatureNamespace. It returns the approval.
func (p *Plan) ApproveSigned(by, ticket string, at time.Time, signer ssh.Signer) (Approval, error) {
	a, err := p.newApproval(by, ticket, at.Truncate(time.Second))
	if err != nil {
		return Approval{}, err
	}
	if err := a.sign(signer); err != nil {
		return Approval{}, fmt.Errorf("approve plan: sign: %w", err)
	}
	p.Approvals = append(p.Approvals, a)
	return a, nil
}

func (a *Approval) sign(signer ssh.Signer) error {
	stmt, err := a.Statement()
	if err != nil {
		return err
	}
	sig, err := sshsig.Sign(bytes.NewReader(stmt), signer, sshsig.HashSHA512, SignatureNamespace)
	if err != nil {
		return err
	}
	a.Signature = string(sshsig.Armor(sig))
	a.Signer = ssh.FingerprintSHA256(signer.PublicKey())
	return nil
}

// verifySignature checks a signed approval's signature over its statement, in SignatureNamespace, and
// returns the key that made it.
func (a Approval) verifySignature() (ssh.PublicKey, error) {
	sig, err := sshsig.Unarmor([]byte(a.Signature))
	if err != nil {
		return nil, fmt.Errorf("its signature is not an SSH signature (%v)", err)
	}
	if sig.Namespace != SignatureNamespace {
		return nil, fmt.Errorf("its signature is for namespace %s, not %s", strconv.Quote(sig.Namespace), SignatureNamespace)
	}
	fp := ssh.FingerprintSHA256(sig.PublicKey)
	if a.Signer != fp {
		return nil, fmt.Errorf("it names signer %s but its signature was made by key %s", strconv.Quote(a.Signer), fp)
	}
	if err := sig.HashAlgorithm.Available(); err != nil {
		return nil, fmt.Errorf("its signature uses %v", err)
	}
	stmt, err := a.Statement()
	if err != nil {
		return nil, err
	}
	if err := sshsig.Verify(bytes.NewReader(stmt), sig, sig.PublicKey, sig.HashAlgorithm, SignatureNamespace); err != nil {
		return nil, errors.New("its signature does not verify for this approval (plan hash, by, ticket and at)")
	}
	return sig.PublicKey, nil
}

// ApprovalPolicy is what makes an approval count, from the configuration's approvals.* keys.
type ApprovalPolicy struct {
	// Signers are the allowed signers (approvals.allowed_signers). When set, only approvals signed by a
	// listed key whose principals match the approval's by count; when nil, unsigned approvals count (a
	// signed one must still verify for its own key).
	Signers *AllowedSigners
	// Quorum is how many distinct signers each risk level needs (approvals.quorum); a level absent or
	// below one needs one.
	Quorum map[Risk]int
	// MaxPlanAge refuses a plan made longer ago than this (approvals.max_plan_age); 0: no limit.
	MaxPlanAge time.Duration
	// MaxApprovalAge makes an approval older than this not count (approvals.max_approval_age); 0: no limit.
	MaxApprovalAge time.Duration
}

// QuorumFor is how many distinct signers an action of risk r needs.
func (pol ApprovalPolicy) QuorumFor(r Risk) int {
	if n := pol.Quorum[r]; n > 1 {
		return n
	}
	return 1
}

// CheckPlanAge refuses a plan made more than MaxPlanAge before now, naming the rule.
func (pol ApprovalPolicy) CheckPlanAge(p *Plan, now time.Time) error {
	if pol.MaxPlanAge <= 0 {
		return nil
	}
	if age := now.Sub(p.CreatedAt); age > pol.MaxPlanAge {
		return fmt.Errorf("the plan was made at %s, %s ago, longer ago than approvals.max_plan_age (%s): make a new plan",
			p.CreatedAt.UTC().Format(time.RFC3339), age.Truncate(time.Second), pol.MaxPlanAge)
	}
	return nil
}

// ApprovalCheck is the verdict on one approval of a plan.
type ApprovalCheck struct {
	// Index is the approval's position in the plan, from 1.
	Index    int
	Approval Approval
	// Counts says whether the approval counts towards the quorum; Reason says why not.
	Counts bool
	Reason string
	// Signed: the approval carries a signature. Verified: the signature verified (and, with allowed
	// signers, its key is listed for the approval's by).
	Signed, Verified bool
	// Fingerprint is the SHA256 fingerprint of the key that signed (signed approvals).
	Fingerprint string
	// Line is the allowed_signers line that let the key sign for by (0: none).
	Line int
}

// Describe is one line saying who approved and what became of the approval, control characters escaped.
func (c ApprovalCheck) Describe() string {
	s := fmt.Sprintf("approval %d by %s", c.Index, quoteIfNeeded(c.Approval.By))
	if c.Approval.Ticket != "" {
		s += " (ticket " + quoteIfNeeded(c.Approval.Ticket) + ")"
	}
	s += " at " + c.Approval.At.UTC().Format("2006-01-02 15:04 MST")
	switch {
	case c.Verified && c.Line > 0:
		s += fmt.Sprintf(": signature verified, key %s (allowed signers line %d)", c.Fingerprint, c.Line)
	case c.Verified:
		s += fmt.Sprintf(": signature verified for key %s, which no list of allowed signers vouches for", c.Fingerprint)
	case !c.Signed:
		s += ": unsigned"
	}
	if !c.Counts {
		s += "; does not count: " + c.Reason
	}
	return s
}

// quoteIfNeeded quotes a name holding a control character, a quote or a non-printable rune.
func quoteIfNeeded(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) || r == '"' }) >= 0 {
		return strconv.Quote(s)
	}
	return s
}

// CheckApprovals judges every approval of p under pol at now: an approval counts when it approved the
// plan's current content, is not older than MaxApprovalAge (nor dated in the future), and its signature
// verifies; with allowed signers, when it is signed by a listed key whose principals match its by, for
// namespace SignatureNamespace, within the line's validity at its time and now.
func (p *Plan) CheckApprovals(pol ApprovalPolicy, now time.Time) []ApprovalCheck {
	hash, err := p.contentHash()
	checks := make([]ApprovalCheck, 0, len(p.Approvals))
	for i, a := range p.Approvals {
		c := ApprovalCheck{Index: i + 1, Approval: a, Signed: a.Signature != ""}
		c.Reason = c.judge(pol, hash, err, now)
		c.Counts = c.Reason == ""
		checks = append(checks, c)
	}
	return checks
}

func (c *ApprovalCheck) judge(pol ApprovalPolicy, hash string, hashErr error, now time.Time) string {
	a := c.Approval
	if hashErr != nil || a.PlanHash != hash {
		return fmt.Sprintf("it approved other content (%s)", a.PlanHash)
	}
	if (a.Signature == "") != (a.Signer == "") {
		return "it has a signature or a signer but not both"
	}
	var key ssh.PublicKey
	if c.Signed {
		k, err := a.verifySignature()
		if err != nil {
			return err.Error()
		}
		key, c.Fingerprint = k, ssh.FingerprintSHA256(k)
	}
	if pol.Signers != nil {
		if !c.Signed {
			return "it is unsigned, and approvals.allowed_signers is set (approve with --key)"
		}
		line, why := pol.Signers.Allows(key, a.By, a.At, now)
		if line == 0 {
			return why
		}
		c.Line = line
	}
	c.Verified = c.Signed
	if a.At.After(now.Add(futureSkew)) {
		return fmt.Sprintf("it is dated %s, in the future", a.At.UTC().Format(time.RFC3339))
	}
	if pol.MaxApprovalAge > 0 {
		if age := now.Sub(a.At); age > pol.MaxApprovalAge {
			return fmt.Sprintf("it was made %s ago, longer ago than approvals.max_approval_age (%s)", age.Truncate(time.Second), pol.MaxApprovalAge)
		}
	}
	return ""
}

// DistinctSigners picks, from the approvals that count, those made by distinct signers: no two picked
// share a key (signed approvals) or a name (by, in any case). Two approvals with one key, or one name
// with two keys, are one signer.
func DistinctSigners(checks []ApprovalCheck) []ApprovalCheck {
	keys, names := map[string]bool{}, map[string]bool{}
	var out []ApprovalCheck
	for _, c := range checks {
		name := strings.ToLower(c.Approval.By)
		if !c.Counts || names[name] || (c.Fingerprint != "" && keys[c.Fingerprint]) {
			continue
		}
		names[name] = true
		if c.Fingerprint != "" {
			keys[c.Fingerprint] = true
		}
		out = append(out, c)
	}
	return out
}
