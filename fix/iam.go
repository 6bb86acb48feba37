package fix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strings"

	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/ecsfix/ecsfix/detect"
)

// Reading a role's policies, for the put-role-policy, detach-role-policy and remove-policy-statements
// executors and the stale check of roles.

// roleName returns the name of a role from its ARN (arn:aws:iam::123456789012:role/path/NAME).
func roleName(arn string) (string, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || !strings.HasPrefix(parts[5], "role/") {
		return "", fmt.Errorf("%q is not an IAM role ARN", arn)
	}
	return detect.ARNName(parts[5]), nil
}

// getRolePolicy returns an inline policy's document (URL-decoded), and false when the role has no such
// policy.
func getRolePolicy(ctx context.Context, api iamAPI, role, name string) (string, bool, error) {
	out, err := api.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(name)})
	var nf *iamtypes.NoSuchEntityException
	if errors.As(err, &nf) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("get policy %s of role %s: %w", name, role, err)
	}
	doc := aws.ToString(out.PolicyDocument)
	if strings.HasPrefix(doc, "%") {
		dec, err := url.PathUnescape(doc)
		if err != nil {
			return "", false, fmt.Errorf("get policy %s of role %s: the document cannot be URL-decoded: %v", name, role, err)
		}
		doc = dec
	}
	return doc, true, nil
}

// samePolicy compares two policy documents as JSON values ("" is no policy).
func samePolicy(a, b string) bool {
	if strings.TrimSpace(a) == "" || strings.TrimSpace(b) == "" {
		return strings.TrimSpace(a) == strings.TrimSpace(b)
	}
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return a == b
	}
	return reflect.DeepEqual(x, y)
}

// readRolePolicies reads all of a role's policies live: the attached managed policies (ARN and name, no
// document) and every inline policy with its document (URL-decoded when it starts with '%').
func readRolePolicies(ctx context.Context, api iamAPI, arn string) (*detect.Role, error) {
	name, err := roleName(arn)
	if err != nil {
		return nil, err
	}
	role := &detect.Role{Arn: arn, Name: name, PoliciesKnown: true}
	attached, err := attachedPolicies(ctx, api, name)
	if err != nil {
		return nil, err
	}
	role.Attached = attached
	var names []string
	p := iam.NewListRolePoliciesPaginator(api, &iam.ListRolePoliciesInput{RoleName: aws.String(name)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the inline policies of role %s: %w", name, err)
		}
		names = append(names, out.PolicyNames...)
	}
	sort.Strings(names)
	for _, pn := range names {
		doc, ok, err := getRolePolicy(ctx, api, name, pn)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue // deleted between the listing and the read
		}
		role.Inline = append(role.Inline, detect.PolicyDocument{Name: pn, Document: doc})
	}
	return role, nil
}

// attachedPolicies lists the managed policies attached to a role.
func attachedPolicies(ctx context.Context, api iamAPI, role string) ([]detect.AttachedPolicy, error) {
	var out []detect.AttachedPolicy
	p := iam.NewListAttachedRolePoliciesPaginator(api, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the policies attached to role %s: %w", role, err)
		}
		for _, ap := range page.AttachedPolicies {
			out = append(out, detect.AttachedPolicy{Name: aws.ToString(ap.PolicyName), Arn: aws.ToString(ap.PolicyArn)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Arn < out[j].Arn })
	return out, nil
}

// attachedArns lists the ARNs of the managed policies attached to a role, sorted.
func attachedArns(ctx context.Context, api iamAPI, role string) ([]string, error) {
	ps, err := attachedPolicies(ctx, api, role)
	if err != nil {
		return nil, err
	}
	arns := make([]string, len(ps))
	for i, p := range ps {
		arns[i] = p.Arn
	}
	return arns, nil
}
