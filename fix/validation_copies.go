package fix

import (
	"fmt"
	"strings"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/plan"
)

// fix's own copies of rules plan.Validate enforces (to be removed: the applier relies on plan.Validate).

const (
	worldIPv4 = "0.0.0.0/0"
	worldIPv6 = "::/0"
)

func worldOpen(r plan.IngressRule) bool { return r.CidrIPv4 == worldIPv4 || r.CidrIPv6 == worldIPv6 }

// checkRule refuses a rule that does not name exactly one source (or destination) and a protocol.
func checkRule(which string, r plan.IngressRule) error {
	n := 0
	for _, s := range []string{r.CidrIPv4, r.CidrIPv6, r.SourceGroup} {
		if s != "" {
			n++
		}
	}
	if n != 1 || r.Protocol == "" {
		return fmt.Errorf("%w: %s rule %s does not name a protocol and exactly one source", ErrInvalidPlan, which, plan.RuleKey(r))
	}
	return nil
}

// checkIngressChange refuses an update that would widen access or revoke a rule that is not world-open.
func checkIngressChange(c *plan.UpdateSecurityGroupIngressChange) error {
	if c.GroupID == "" {
		return fmt.Errorf("%w: updateSecurityGroupIngress names no group", ErrInvalidPlan)
	}
	var bad []string
	for _, r := range c.Authorize {
		if err := checkRule("authorize", r); err != nil {
			return err
		}
		if worldOpen(r) {
			bad = append(bad, "it authorizes "+plan.RuleKey(r)+", open to the world (ecsfix never widens access)")
		}
	}
	for _, r := range c.Revoke {
		if err := checkRule("revoke", r); err != nil {
			return err
		}
		if !worldOpen(r) {
			bad = append(bad, "it revokes "+plan.RuleKey(r)+", which is not open to the world")
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: refused to change security group %s: %s", ErrInvalidPlan, c.GroupID, strings.Join(bad, "; "))
	}
	return nil
}

// checkCreateGroup refuses a copy that would be open to the world.
func checkCreateGroup(c *plan.CreateSecurityGroupChange) error {
	if c.VpcID == "" || c.GroupName == "" {
		return fmt.Errorf("%w: createSecurityGroup needs vpcId and groupName", ErrInvalidPlan)
	}
	for _, r := range c.Ingress {
		if err := checkRule("ingress", r); err != nil {
			return err
		}
		if worldOpen(r) {
			return fmt.Errorf("%w: refused to create security group %s: its ingress rule %s is open to the world (ecsfix never widens access)",
				ErrInvalidPlan, c.GroupName, plan.RuleKey(r))
		}
	}
	for _, r := range c.Egress {
		if err := checkRule("egress", r); err != nil {
			return err
		}
	}
	return nil
}

// checkNetwork refuses a network configuration UpdateService cannot take as a whole, or would take with
// a meaning the plan does not say: no subnet, no security group (the service would get the VPC's default
// group), or an assignPublicIp other than ENABLED or DISABLED.
func checkNetwork(n *plan.AwsVpcSettings) error {
	var bad []string
	if len(n.Subnets) == 0 {
		bad = append(bad, "it names no subnet")
	}
	if len(n.SecurityGroups) == 0 {
		bad = append(bad, "it names no security group (the service would be given the VPC's default group)")
	}
	for _, s := range append(append([]string{}, n.Subnets...), n.SecurityGroups...) {
		if strings.TrimSpace(s) == "" {
			bad = append(bad, "it holds an empty subnet or security group id")
			break
		}
	}
	switch ecstypes.AssignPublicIp(n.AssignPublicIp) {
	case ecstypes.AssignPublicIpEnabled, ecstypes.AssignPublicIpDisabled:
	default:
		bad = append(bad, fmt.Sprintf("assignPublicIp is %q, not ENABLED or DISABLED", n.AssignPublicIp))
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: the network configuration %s: %s", ErrInvalidPlan, networkString(n), strings.Join(bad, "; "))
	}
	return nil
}
