// This file holds the accounts a live command reads or changes (--accounts, --org, --exclude-account)
// and how it reaches them: the caller's own account with the caller's credentials, every other through
// the role --role-name (accounts.role_name) in it, with --external-id (accounts.external_id).

package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/pflag"

	"github.com/ecsfix/ecsfix/config"
	"github.com/ecsfix/ecsfix/detect/awsclient"
	"github.com/ecsfix/ecsfix/detect/live"
)

// accountOptions are the flags that choose the accounts and the role that reaches them.
type accountOptions struct {
	verb       string // names the role session: ecsfix-<verb>
	ids        []string
	org        bool
	exclude    []string
	roleName   string
	externalID string
}

// addAccountFlags adds the accounts' flags to f: the role's always, the selection's (--accounts, --org,
// --exclude-account) when selection is set (scan, plan, apply --auto; a saved plan names its accounts).
func (a *accountOptions) addFlags(f *pflag.FlagSet, selection bool) {
	if selection {
		f.StringSliceVar(&a.ids, "accounts", nil, "read these accounts (12-digit ids, comma-separated or repeated; the caller's only if listed)")
		f.BoolVar(&a.org, "org", false, "read every ACTIVE account of the caller's organization (organizations ListAccounts)")
		f.StringSliceVar(&a.exclude, "exclude-account", nil, "leave out this account (12-digit id; comma-separated or repeated)")
	}
	f.StringVar(&a.roleName, "role-name", "", "the role assumed in every account but the caller's (default: accounts.role_name)")
	f.StringVar(&a.externalID, "external-id", "", "the external id the member role's trust policy requires (default: accounts.external_id)")
}

// selected reports whether the command reads chosen accounts rather than the caller's alone.
func (a *accountOptions) selected() bool { return a != nil && (len(a.ids) > 0 || a.org) }

// check validates the flags (a usage error names the flag) and fills the role from the configuration.
func (a *accountOptions) check(cfg *config.Config) error {
	for _, l := range []struct {
		flag string
		ids  []string
	}{{"--accounts", a.ids}, {"--exclude-account", a.exclude}} {
		for _, id := range l.ids {
			if !awsclient.ValidAccountID(id) {
				return usageErrorf("%s: %q is not an AWS account id (12 digits)", l.flag, id)
			}
		}
	}
	if len(a.exclude) > 0 && !a.selected() {
		return usageErrorf("--exclude-account goes with --accounts or --org")
	}
	if a.roleName != "" {
		if err := config.CheckRoleName("--role-name", a.roleName); err != nil {
			return usageErrorf("%w", err)
		}
	} else {
		a.roleName = cfg.Accounts.RoleName
	}
	if a.externalID != "" {
		if err := config.CheckExternalID("--external-id", a.externalID); err != nil {
			return usageErrorf("%w", err)
		}
	} else {
		a.externalID = cfg.Accounts.ExternalID
	}
	return nil
}

// caller identifies the caller: its account and partition (sts GetCallerIdentity).
func caller(ctx context.Context, cfg aws.Config) (account, partition string, err error) {
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", "", fmt.Errorf("identify the caller (sts GetCallerIdentity): %s", awsclient.ShortError(err))
	}
	return aws.ToString(out.Account), awsclient.PartitionOf(aws.ToString(out.Arn)), nil
}

// targets resolves the accounts to read: --accounts and --org's, less --exclude-account, each with the
// credentials that reach it.
func (a *accountOptions) targets(ctx context.Context, cfg aws.Config) ([]live.Target, error) {
	own, partition, err := caller(ctx, cfg)
	if err != nil {
		return nil, err
	}
	ids, err := a.selectedIDs(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, usageErrorf("no account left to read: --accounts, --org and --exclude-account leave none")
	}
	var targets []live.Target
	for _, id := range ids {
		t, err := a.target(cfg, own, partition, id)
		if err != nil {
			return nil, err
		}
		targets = append(targets, t)
	}
	return targets, nil
}

// selectedIDs are the accounts --accounts and --org choose, less --exclude-account, sorted.
func (a *accountOptions) selectedIDs(ctx context.Context, cfg aws.Config) ([]string, error) {
	ids := slices.Clone(a.ids)
	if a.org {
		org, err := awsclient.OrganizationAccounts(ctx, cfg)
		if err != nil {
			return nil, err
		}
		ids = append(ids, org...)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	return slices.DeleteFunc(ids, func(id string) bool { return slices.Contains(a.exclude, id) }), nil
}

// target is how account id is reached: the caller's own (own) with the caller's credentials, any other
// through the role --role-name in it (a usage error when no role is given).
func (a *accountOptions) target(cfg aws.Config, own, partition, id string) (live.Target, error) {
	if id == own {
		return live.Target{Account: id, Config: cfg}, nil
	}
	if a.roleName == "" {
		return live.Target{}, usageErrorf("account %s is not the caller's (%s): give the role to assume in it with --role-name or accounts.role_name", id, own)
	}
	arn := awsclient.RoleARN(partition, id, a.roleName)
	return live.Target{Account: id, Role: arn, Config: awsclient.AssumeRole(cfg, arn, a.externalID, awsclient.SessionName(a.verb))}, nil
}

// accountsOf lists the accounts of targets, for the log.
func accountsOf(targets []live.Target) string {
	ids := make([]string, len(targets))
	for i, t := range targets {
		ids[i] = t.Account
	}
	return strings.Join(ids, ",")
}

// checkAccounts checks the accounts' flags of a command that reads the estate: they go with live scans.
func (src source) checkAccounts(cfg *config.Config) error {
	if src.accounts == nil {
		return nil
	}
	if src.snapshot != "" && src.accounts.selected() {
		return usageErrorf("--accounts and --org apply to live scans, not to --snapshot (a snapshot's accounts come from its ARNs)")
	}
	return src.accounts.check(cfg)
}

// checkForPlan checks the flags of apply FILE: the plan names its accounts, so only the role's flags go.
func (a *accountOptions) checkForPlan(cfg *config.Config) error {
	if a.selected() || len(a.exclude) > 0 {
		return usageErrorf("--accounts, --org and --exclude-account go with apply --auto; a saved plan names its accounts")
	}
	return a.check(cfg)
}
