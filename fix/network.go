package fix

import (
	"strings"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/plan"
)

// A service's awsvpc configuration is replaced as a whole by UpdateService: the applier always sends
// subnets, security groups and assignPublicIp together, and compares them together (as plan.NetworkFact
// does, so that the stale check and the applier mean the same thing by "changed").

// networkOf returns a service's awsvpc configuration (nil when it has none).
func networkOf(nc *ecstypes.NetworkConfiguration) *plan.AwsVpcSettings {
	if nc == nil || nc.AwsvpcConfiguration == nil {
		return nil
	}
	c := nc.AwsvpcConfiguration
	return &plan.AwsVpcSettings{
		Subnets:        append([]string{}, c.Subnets...),
		SecurityGroups: append([]string{}, c.SecurityGroups...),
		AssignPublicIp: string(c.AssignPublicIp),
	}
}

// toSDKNetwork is the UpdateService networkConfiguration for n: the whole awsvpc configuration.
func toSDKNetwork(n *plan.AwsVpcSettings) *ecstypes.NetworkConfiguration {
	if n == nil {
		return nil
	}
	return &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
		Subnets:        append([]string{}, n.Subnets...),
		SecurityGroups: append([]string{}, n.SecurityGroups...),
		AssignPublicIp: ecstypes.AssignPublicIp(n.AssignPublicIp),
	}}
}

// networkFact is n as plan.NetworkFact writes it ("" for nil), with an unset assignPublicIp written as
// DISABLED, the value AWS applies when none is given.
func networkFact(n *plan.AwsVpcSettings) string {
	return normalizeNetworkFact(plan.NetworkFact(toSDKNetwork(n)))
}

// normalizeNetworkFact writes an unset assignPublicIp in a plan.NetworkFact string as DISABLED.
func normalizeNetworkFact(f string) string {
	if strings.HasSuffix(f, ";assignPublicIp=") {
		return f + string(ecstypes.AssignPublicIpDisabled)
	}
	return f
}

// sameNetwork tells whether two awsvpc configurations are the same (subnets and security groups in any
// order).
func sameNetwork(a, b *plan.AwsVpcSettings) bool { return networkFact(a) == networkFact(b) }

// networkString describes n for messages and journal requests.
func networkString(n *plan.AwsVpcSettings) string {
	if n == nil {
		return "no network configuration"
	}
	return networkFact(n)
}
