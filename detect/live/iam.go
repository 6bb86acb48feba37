package live

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/ecsfix/ecsfix/detect"
)

// iamScan reads roles (scanner.readRole starts each once across regions), and each managed policy's
// default version once across roles.
type iamScan struct {
	s *scanner
	lane
	c iamAPI

	mu       sync.Mutex
	policies map[string]*policyEntry
}

type policyEntry struct {
	once sync.Once
	doc  string
	err  error
	op   string
}

// roleName returns the name of a role given by ARN (arn:aws:iam::ACCOUNT:role/PATH/NAME) or by name.
func roleName(ref string) string {
	if strings.HasPrefix(ref, "arn:") {
		return detect.ARNName(ref)
	}
	return ref
}

// role reads a role, its inline policies and its attached policies' default versions. The role is added
// with PoliciesKnown=false when any of its policies could not be read; it is absent when GetRole failed.
func (x *iamScan) role(ctx context.Context, ref string) {
	name := roleName(ref)
	var got *iam.GetRoleOutput
	err := x.call(ctx, func(ctx context.Context) (err error) {
		got, err = x.c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
		return err
	})
	if err != nil {
		x.s.fail(ctx, "", detect.TypeRole, ref, "GetRole", err)
		return
	}
	if got.Role == nil {
		x.s.failf("", detect.TypeRole, ref, "GetRole", "the response holds no role")
		return
	}
	// GetRole reads by name in the caller's account: a role ARN of another account would otherwise be
	// answered with a same-named local role.
	if strings.HasPrefix(ref, "arn:") && detect.AccountOf(ref) != detect.AccountOf(aws.ToString(got.Role.Arn)) {
		x.s.failf("", detect.TypeRole, ref, "GetRole", "role of another account (%s): not readable with these credentials", detect.AccountOf(ref))
		return
	}
	role := detect.Role{Arn: aws.ToString(got.Role.Arn), Name: aws.ToString(got.Role.RoleName), PoliciesKnown: true}
	if doc := aws.ToString(got.Role.AssumeRolePolicyDocument); doc != "" {
		if role.AssumeRolePolicy, err = decodePolicy(doc); err != nil {
			x.s.failf("", detect.TypeRole, role.Arn, "GetRole", "trust policy: %v", err)
		}
	}
	if len(got.Role.Tags) > 0 {
		role.Tags = make(map[string]string, len(got.Role.Tags))
		for _, t := range got.Role.Tags {
			role.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	failed := func(op string, err error) {
		role.PoliciesKnown = false
		x.s.fail(ctx, "", detect.TypeRole, role.Arn, op, err)
	}

	var wg sync.WaitGroup
	var mu sync.Mutex // guards role.Inline, role.Attached, role.PoliciesKnown
	wg.Go(func() {
		var names []string
		p := iam.NewListRolePoliciesPaginator(x.c, &iam.ListRolePoliciesInput{RoleName: aws.String(name)})
		if err := pages(ctx, x, p.HasMorePages, p.NextPage, func(out *iam.ListRolePoliciesOutput) {
			names = append(names, out.PolicyNames...)
		}); err != nil {
			mu.Lock()
			failed("ListRolePolicies", err)
			mu.Unlock()
			return
		}
		docs := make([]detect.PolicyDocument, len(names))
		var iwg sync.WaitGroup
		for i, pn := range uniq(names) {
			iwg.Go(func() {
				var out *iam.GetRolePolicyOutput
				err := x.call(ctx, func(ctx context.Context) (err error) {
					out, err = x.c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(pn)})
					return err
				})
				var doc string
				if err == nil {
					doc, err = decodePolicy(aws.ToString(out.PolicyDocument))
				}
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					failed("GetRolePolicy "+pn, err)
					return
				}
				docs[i] = detect.PolicyDocument{Name: pn, Document: doc}
			})
		}
		iwg.Wait()
		mu.Lock()
		for _, d := range docs {
			if d.Name != "" {
				role.Inline = append(role.Inline, d)
			}
		}
		mu.Unlock()
	})
	wg.Go(func() {
		var attached []detect.AttachedPolicy
		p := iam.NewListAttachedRolePoliciesPaginator(x.c, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
		if err := pages(ctx, x, p.HasMorePages, p.NextPage, func(out *iam.ListAttachedRolePoliciesOutput) {
			for _, ap := range out.AttachedPolicies {
				attached = append(attached, detect.AttachedPolicy{Name: aws.ToString(ap.PolicyName), Arn: aws.ToString(ap.PolicyArn)})
			}
		}); err != nil {
			mu.Lock()
			failed("ListAttachedRolePolicies", err)
			mu.Unlock()
			return
		}
		var awg sync.WaitGroup
		for i := range attached {
			awg.Go(func() {
				doc, op, err := x.policy(ctx, attached[i].Arn)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					// The error itself is recorded once, against the policy; each role using it is marked.
					role.PoliciesKnown = false
					if op != "" {
						x.s.fail(ctx, "", detect.TypeRole, role.Arn, op+" "+attached[i].Arn, err)
					}
					return
				}
				attached[i].Document = doc
			})
		}
		awg.Wait()
		mu.Lock()
		role.Attached = attached
		mu.Unlock()
	})
	wg.Wait()
	x.s.add(1, func(in *detect.Inventory) { in.Roles = append(in.Roles, role) })
}

// policy returns the default version's document of a managed policy, reading it once. op is the failed
// operation for the first caller only ("" for the others), so that the error is recorded once.
func (x *iamScan) policy(ctx context.Context, arn string) (doc, op string, err error) {
	x.mu.Lock()
	e, ok := x.policies[arn]
	if !ok {
		e = &policyEntry{}
		x.policies[arn] = e
	}
	x.mu.Unlock()
	first := false
	e.once.Do(func() {
		first = true
		e.doc, e.op, e.err = x.readPolicy(ctx, arn)
	})
	if e.err != nil && !first {
		return "", "", e.err
	}
	return e.doc, e.op, e.err
}

func (x *iamScan) readPolicy(ctx context.Context, arn string) (string, string, error) {
	var pol *iam.GetPolicyOutput
	err := x.call(ctx, func(ctx context.Context) (err error) {
		pol, err = x.c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
		return err
	})
	if err != nil {
		return "", "GetPolicy", err
	}
	if pol.Policy == nil || aws.ToString(pol.Policy.DefaultVersionId) == "" {
		return "", "GetPolicy", errors.New("the policy has no default version")
	}
	var ver *iam.GetPolicyVersionOutput
	err = x.call(ctx, func(ctx context.Context) (err error) {
		ver, err = x.c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: pol.Policy.DefaultVersionId})
		return err
	})
	if err != nil {
		return "", "GetPolicyVersion", err
	}
	if ver.PolicyVersion == nil {
		return "", "GetPolicyVersion", errors.New("the response holds no policy version")
	}
	doc, err := decodePolicy(aws.ToString(ver.PolicyVersion.Document))
	if err != nil {
		return "", "GetPolicyVersion", err
	}
	return doc, "", nil
}

// decodePolicy returns a policy document's JSON text. AWS returns documents URL-encoded (RFC 3986);
// the emulator returns them as is. JSON never starts with '%', so only text that does is decoded.
func decodePolicy(doc string) (string, error) {
	if !strings.HasPrefix(doc, "%") {
		return doc, nil
	}
	out, err := url.PathUnescape(doc)
	if err != nil {
		return "", fmt.Errorf("decode policy document: %w", err)
	}
	return out, nil
}
