// This file holds what reaching several accounts needs: the role ARN of a member account, credentials
// assumed into it (stscreds, cached), the check that credentials are in the account they are for, and
// the ACTIVE accounts of the organization.

package awsclient

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

var accountID = regexp.MustCompile(`^[0-9]{12}$`)

// ValidAccountID reports whether s is an AWS account id: twelve digits.
func ValidAccountID(s string) bool { return accountID.MatchString(s) }

// PartitionOf returns the partition of an ARN ("aws", "aws-cn", "aws-us-gov", …), or "aws" when arn is
// not one.
func PartitionOf(arn string) string {
	if p := strings.SplitN(arn, ":", 3); len(p) == 3 && p[0] == "arn" && p[1] != "" {
		return p[1]
	}
	return "aws"
}

// RoleARN is the ARN of the role named role (a name, or a path and a name) in account.
func RoleARN(partition, account, role string) string {
	role = strings.TrimPrefix(role, "/")
	return fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, account, role)
}

// SessionName is the role session name ecsfix uses for verb (scan, plan, apply, …): it shows in the member
// account's CloudTrail which tool acted.
func SessionName(verb string) string { return "ecsfix-" + verb }

// AssumeRole returns a copy of cfg whose credentials are roleARN's, assumed with cfg's credentials
// (stscreds.AssumeRoleProvider, with externalID when set and the session name session), cached and
// refreshed before they expire. Nothing is called until the credentials are first used.
func AssumeRole(cfg aws.Config, roleARN, externalID, session string) aws.Config {
	out := cfg.Copy()
	provider := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), roleARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = session
		if externalID != "" {
			o.ExternalID = aws.String(externalID)
		}
	})
	out.Credentials = aws.NewCredentialsCache(provider)
	return out
}

// ErrWrongAccount matches the error of CheckAccount when the credentials are in another account.
var ErrWrongAccount = errors.New("the credentials are in another account")

// CheckAccount asks sts GetCallerIdentity which account cfg's credentials are in (assuming the role first
// when they are assumed) and returns an error unless it is want. The error of a role that cannot be
// assumed keeps AWS's code and message.
func CheckAccount(ctx context.Context, cfg aws.Config, want string) error {
	if cfg.Credentials == nil {
		return errors.New("no credentials")
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil { // assumes the role, when cfg's is assumed
		return fmt.Errorf("get the credentials (sts AssumeRole): %s", ShortError(err))
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return fmt.Errorf("sts GetCallerIdentity: %s", ShortError(err))
	}
	if got := aws.ToString(out.Account); got != want {
		return fmt.Errorf("%w: they are in account %q, not %s (sts GetCallerIdentity: %s)", ErrWrongAccount, got, want, aws.ToString(out.Arn))
	}
	return nil
}

// OrganizationAccounts lists the ACTIVE accounts of the caller's organization (organizations
// ListAccounts, every page), sorted.
func OrganizationAccounts(ctx context.Context, cfg aws.Config) ([]string, error) {
	return organizationAccounts(ctx, cfg, 0)
}

// organizationAccounts is OrganizationAccounts with pages of pageSize accounts (0: the service's default).
func organizationAccounts(ctx context.Context, cfg aws.Config, pageSize int32) ([]string, error) {
	var ids []string
	in := &organizations.ListAccountsInput{}
	if pageSize > 0 {
		in.MaxResults = aws.Int32(pageSize)
	}
	p := organizations.NewListAccountsPaginator(organizations.NewFromConfig(cfg), in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the organization's accounts (organizations ListAccounts): %s", ShortError(err))
		}
		for _, a := range page.Accounts {
			active := a.State == orgtypes.AccountStateActive
			if a.State == "" {
				active = a.Status == orgtypes.AccountStatusActive //nolint:staticcheck // older endpoints answer Status only
			}
			if id := aws.ToString(a.Id); active && ValidAccountID(id) {
				ids = append(ids, id)
			}
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// ShortError is an SDK error's code and message (or the transport error), without the SDK's wrapping.
func ShortError(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if ae.ErrorMessage() == "" {
			return ae.ErrorCode()
		}
		return ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	var oe *smithy.OperationError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err.Error()
	}
	return err.Error()
}

// accountKey holds, in a context, the account whose calls it makes (WithAccount).
type accountKey struct{}

// WithAccount returns a context that names account as the one whose calls are made with it: a reader of
// several accounts sets it on each account's work, so that middleware counting calls by account (a
// progress indicator's) knows whose they are.
func WithAccount(ctx context.Context, account string) context.Context {
	return context.WithValue(ctx, accountKey{}, account)
}

// AccountOfContext is the account WithAccount named in ctx, "" when none.
func AccountOfContext(ctx context.Context) string {
	a, _ := ctx.Value(accountKey{}).(string)
	return a
}
