// This file holds the checks of the AWS names ecsfix makes up (log groups from fix.logs.group_template,
// secrets from fix.secrets.name_prefix) before they become part of an IAM grant or an API call, and the
// risk of fixing a control that the configuration's checks compare overrides with.

package plan

import (
	"fmt"
	"strings"
)

// MaxAWSNameLength is the longest log group name (CreateLogGroup) and secret name (CreateSecret).
const MaxAWSNameLength = 512

// CheckLogGroupName refuses a name CreateLogGroup would refuse, or one that would widen the grant
// ecsfix writes for it (arn:…:log-group:NAME:*): 1 to 512 of a-z, A-Z, 0-9, '_', '-', '/', '.', '#'; not
// starting with "aws/" (reserved by AWS); no "." or ".." path segment. A '*' or '?' is not an allowed
// character, so no name that passes is a wildcard.
func CheckLogGroupName(name string) error {
	if err := checkName(name, "log group", func(r rune) bool {
		return isAlnum(r) || strings.ContainsRune("_-/.#", r)
	}, "letters, digits and _ - / . #"); err != nil {
		return err
	}
	if strings.HasPrefix(name, "aws/") {
		return fmt.Errorf("log group name %q starts with aws/, which AWS reserves", name)
	}
	return nil
}

// CheckSecretName refuses a name CreateSecret would refuse, or one that could be read as another path:
// 1 to 512 of ASCII letters, digits and / _ + = . @ -; no leading '/'; no empty, "." or ".." path
// segment. A '*' or '?' is not an allowed character, so no name that passes is a wildcard.
func CheckSecretName(name string) error {
	if err := checkName(name, "secret", func(r rune) bool {
		return isAlnum(r) || strings.ContainsRune("/_+=.@-", r)
	}, "ASCII letters, digits and / _ + = . @ -"); err != nil {
		return err
	}
	if strings.HasPrefix(name, "/") {
		return fmt.Errorf("secret name %q starts with /", name)
	}
	if strings.Contains(name, "//") || strings.HasSuffix(name, "/") {
		return fmt.Errorf("secret name %q has an empty path segment", name)
	}
	return nil
}

// checkName checks the length, the characters (allowed, described by what) and the "." and ".."
// segments of a name of kind.
func checkName(name, kind string, allowed func(rune) bool, what string) error {
	if name == "" {
		return fmt.Errorf("%s name is empty", kind)
	}
	if len(name) > MaxAWSNameLength {
		return fmt.Errorf("%s name %.40q… is %d characters long; AWS allows %d", kind, name, len(name), MaxAWSNameLength)
	}
	for _, r := range name {
		if !allowed(r) {
			return fmt.Errorf("%s name %q has the character %q; AWS allows only %s", kind, name, r, what)
		}
	}
	for rest := name; ; { // each "/" segment
		seg, after, more := strings.Cut(rest, "/")
		if seg == "." || seg == ".." {
			return fmt.Errorf("%s name %q has a %q path segment", kind, name, seg)
		}
		if !more {
			return nil
		}
		rest = after
	}
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// ControlRisk is the risk of fixing control with the configuration's overrides: what the planner labels
// its actions with and the floor EffectiveRisk derives (the override for the control or for the remedy
// that answers it, else the remedy's default; high without an automatic fix).
func ControlRisk(control string, overrides map[string]Risk) Risk {
	return controlRisk(control, overrides)
}

// RiskRank orders the levels of risk the configuration names: none 0, then low, medium and high as Rank
// orders them; -1 for anything else.
func RiskRank(r Risk) int {
	switch {
	case r == RiskNone:
		return 0
	case r.Rank() <= RiskHigh.Rank():
		return r.Rank()
	}
	return -1
}

// CheckRegionName refuses a region that is not of AWS's form (eu-west-1, us-gov-east-1, cn-north-1):
// a region read from a task definition becomes part of the log-group ARN ecsfix grants writing to.
func CheckRegionName(region string) error {
	// letters-…-digits: at least three "-" parts, the last digits, the others lower-case letters
	n := strings.Count(region, "-") + 1
	ok := n >= 3 && len(region) <= 32
	for i, rest := 0, region; ok && i < n; i++ {
		p, after, _ := strings.Cut(rest, "-")
		rest = after
		last := i == n-1
		for _, r := range p {
			if last && (r < '0' || r > '9') || !last && (r < 'a' || r > 'z') {
				ok = false
			}
		}
		ok = ok && p != ""
	}
	if !ok {
		return fmt.Errorf("%q is not an AWS region name", region)
	}
	return nil
}
