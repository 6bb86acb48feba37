package plan

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// The public-IP fix (ECS.2, EXPOSURE.public-ip): set a service's assignPublicIp to DISABLED, but only
// when its tasks keep a way to what they need at start and run time without a public address: ECR (the
// API and the registry), S3 (ECR's image layers) and CloudWatch Logs, plus Secrets Manager and SSM when
// the task definition reads secrets from them. A subnet has that way when its route table sends
// 0.0.0.0/0 to a NAT gateway (an internet gateway does not count: without a public IP nothing leaves
// through it), or when its VPC has available endpoints for each of those services (interface endpoints
// with private DNS, so that the usual host names resolve to them; for S3 a gateway endpoint on the
// subnet's route table or an interface endpoint with private DNS). What the inventory does not hold
// (a route table, the subnet's VPC, the VPC endpoints) makes the plan say it cannot tell, never guess.
//
// When the service's own subnets fail, configured replacement subnets of the same VPC
// (Options.ReplacementSubnets), each passing the same check, take their place.

// publicIPNoFix is why a public-IP finding on anything but a service is not fixed.
const publicIPNoFix = "ecsfix fixes the public IPs of services only: set assignPublicIp to DISABLED once the subnets reach ECR, S3 and CloudWatch Logs through a NAT gateway or VPC endpoints"

// publicIPFinding routes a selected public-IP finding (ECS.2, EXPOSURE.public-ip) to its service's plan.
func (b *builder) publicIPFinding(r *detect.Result) {
	sp := b.serviceToFix(r, "set assignPublicIp to DISABLED in its source once its subnets reach ECR, S3 and CloudWatch Logs through a NAT gateway or VPC endpoints")
	if sp == nil {
		return
	}
	if sp.publicIP == nil {
		sp.publicIP = map[string]bool{}
	}
	sp.publicIP[r.Control] = true
}

// networkPlan is the network change planned for a service.
type networkPlan struct {
	before, after *AwsVpcSettings
	notes         []string
	pre           []Precondition
}

// egress is what one subnet's check found.
type egress struct {
	ok           bool
	viaEndpoints bool   // ok through VPC endpoints (not a NAT gateway)
	unknown      bool   // the inventory does not say
	via          string // how it reaches the services (ok), for the precondition
	why          string // why it does not, or why it cannot be told
	lacks        []string
}

// endpointServices are the services a task reaches: always ECR (api and dkr), S3 and CloudWatch Logs.
var endpointServices = []string{"ecr.api", "ecr.dkr", "s3", "logs"}

// publicIPs decides the network change of every service that asked for the public-IP fix.
func (b *builder) publicIPs() {
	for _, arn := range slices.Sorted(maps.Keys(b.services)) {
		sp := b.services[arn]
		if len(sp.publicIP) == 0 {
			continue
		}
		np, reason := b.publicIPFix(sp)
		if reason != "" {
			for _, c := range slices.Sorted(maps.Keys(sp.publicIP)) {
				b.skip(c, arn, reason)
			}
			sp.publicIP = nil
			continue
		}
		sp.network = np
	}
}

// publicIPUpdate adds the network change decided for the public-IP controls to a service's update.
func (b *builder) publicIPUpdate(u *serviceUpdate, sp *servicePlan) {
	np := sp.network
	if np == nil {
		return
	}
	u.before.Network, u.after.Network = np.before, np.after
	for c := range sp.publicIP {
		u.controls[c] = true
		u.risk = maxRisk(u.risk, b.risk(c))
	}
	if u.after.TaskDefinition == "" && u.after.PlatformVersion == "" {
		u.notes = append(u.notes, redeployNote)
	}
	u.notes = append(u.notes, np.notes...)
	u.pre = append(u.pre, np.pre...)
}

// publicIPFix is the network change for one service, or why there is none.
func (b *builder) publicIPFix(sp *servicePlan) (*networkPlan, string) {
	svc := sp.svc
	vpc := awsvpcOf(svc)
	if vpc == nil || vpc.AssignPublicIp != ecstypes.AssignPublicIpEnabled {
		return nil, "the service's awsvpcConfiguration does not assign public IPs"
	}
	if len(vpc.Subnets) == 0 {
		return nil, "cannot tell: the service's awsvpcConfiguration names no subnet"
	}
	region := detect.RegionOf(aws.ToString(svc.ServiceArn))
	needs, err := b.extraNeeds(sp)
	current := &AwsVpcSettings{
		Subnets: append([]string(nil), vpc.Subnets...), SecurityGroups: append([]string(nil), vpc.SecurityGroups...),
		AssignPublicIp: string(vpc.AssignPublicIp),
	}
	if len(current.SecurityGroups) == 0 {
		return nil, "cannot tell: the service's awsvpcConfiguration names no security group (the task would get the VPC's default group)"
	}
	outside := b.imagesOutsideECR(sp, detect.AccountOf(aws.ToString(svc.ServiceArn)), region)
	check := func(subnet string) egress {
		e := b.subnetEgress(subnet, region, needs)
		if e.ok && e.viaEndpoints && err != "" {
			// the endpoints would have to cover whatever the task definition reads: unknown
			return egress{unknown: true, why: subnet + " reaches ECR, S3 and CloudWatch Logs through VPC endpoints, but " + err}
		}
		if e.ok && e.viaEndpoints && len(outside) > 0 {
			// the endpoints reach this account's private ECR in this region, nothing else
			return egress{why: subnet + " reaches AWS only through VPC endpoints (no NAT gateway), but image" + map[bool]string{true: "", false: "s"}[len(outside) == 1] + " " +
				strings.Join(outside, ", ") + " " + map[bool]string{true: "is", false: "are"}[len(outside) == 1] +
				" not in this account's private ECR in " + region + ": pulling needs the internet"}
		}
		return e
	}
	var failing, unknown []string
	var pre []Precondition
	vpcs := map[string]bool{}
	for _, sn := range current.Subnets {
		e := check(sn)
		if v := b.vpcOf(sn); v != "" {
			vpcs[v] = true
		}
		switch {
		case e.unknown:
			unknown = append(unknown, e.why)
		case !e.ok:
			failing = append(failing, e.why)
		default:
			pre = append(pre, Precondition{Check: "subnet " + sn + " reaches " + needList(needs) + " without a public IP", Result: e.via})
		}
	}
	if len(unknown) > 0 {
		return nil, "cannot tell whether the tasks would still reach " + needList(needs) + " without a public IP: " + strings.Join(unknown, "; ") +
			"; assignPublicIp is left ENABLED"
	}
	pre = append(pre, Precondition{Check: "service assignPublicIp", Result: string(vpc.AssignPublicIp)})
	notes := []string{"the tasks lose their public IP addresses: nothing can reach them at a public address any more (reach them through a load balancer or their private address)"}
	if len(svc.LoadBalancers) == 0 {
		notes = append(notes, "the service has no load balancer: if clients reach its tasks at their public IPs, they stop reaching them")
	}
	after := &AwsVpcSettings{Subnets: current.Subnets, SecurityGroups: current.SecurityGroups, AssignPublicIp: string(ecstypes.AssignPublicIpDisabled)}
	if len(failing) == 0 {
		return &networkPlan{before: current, after: after, notes: notes, pre: pre}, ""
	}

	// Some subnets would lose the way out: move to configured replacement subnets of the same VPC.
	consequence := failing
	fix := "add a NAT gateway route or VPC endpoints, or name private subnets of the VPC in fix.network.replacement_subnets"
	if len(vpcs) != 1 {
		return nil, strings.Join(consequence, "; ") + ": " + fix
	}
	vpcID := slices.Sorted(maps.Keys(vpcs))[0]
	repl := dedup(b.opts.ReplacementSubnets[vpcID])
	if len(repl) == 0 {
		return nil, strings.Join(consequence, "; ") + ": " + fix
	}
	var rpre []Precondition
	var bad []string
	for _, sn := range repl {
		s, ok := b.inv.Subnet(sn)
		switch {
		case !ok:
			bad = append(bad, "replacement subnet "+sn+" is not in the inventory")
			continue
		case aws.ToString(s.VpcId) != vpcID:
			bad = append(bad, "replacement subnet "+sn+" is in "+aws.ToString(s.VpcId)+", not in the service's VPC "+vpcID)
			continue
		}
		e := check(sn)
		switch {
		case e.unknown:
			bad = append(bad, "replacement subnet: cannot tell: "+e.why)
		case !e.ok:
			bad = append(bad, "replacement "+e.why)
		default:
			az := aws.ToString(s.AvailabilityZone)
			rpre = append(rpre, Precondition{Check: "replacement subnet " + sn + " (" + az + ") reaches " + needList(needs) + " without a public IP", Result: e.via})
		}
	}
	if len(bad) > 0 {
		return nil, strings.Join(consequence, "; ") + "; and the configured replacement subnets do not do either: " + strings.Join(bad, "; ") +
			": fix those subnets or name others in fix.network.replacement_subnets"
	}
	after.Subnets = repl
	notes = append(notes, fmt.Sprintf("the service moves from subnets %s to the configured replacement subnets %s (fix.network.replacement_subnets for %s), because %s",
		strings.Join(current.Subnets, ", "), strings.Join(repl, ", "), vpcID, strings.Join(failing, "; ")))
	notes = append(notes, "moving subnets may change the availability zones the tasks run in: a load balancer must have those zones enabled to reach them")
	rpre = append(rpre, Precondition{Check: "service assignPublicIp", Result: string(vpc.AssignPublicIp)})
	return &networkPlan{before: current, after: after, notes: notes, pre: rpre}, ""
}

// vpcOf is the VPC of a subnet: from the subnet, else from its route table ("" when neither is known).
func (b *builder) vpcOf(subnet string) string {
	if s, ok := b.inv.Subnet(subnet); ok && aws.ToString(s.VpcId) != "" {
		return aws.ToString(s.VpcId)
	}
	if rt, ok := b.inv.RouteTableFor(subnet); ok {
		return aws.ToString(rt.VpcId)
	}
	return ""
}

// subnetEgress checks whether a subnet reaches the services (endpointServices plus needs) without a
// public IP.
func (b *builder) subnetEgress(subnet, region string, needs []string) egress {
	rt, ok := b.inv.RouteTableFor(subnet)
	if !ok {
		return egress{unknown: true, why: "the route table of " + subnet + " is not in the inventory (export `aws ec2 describe-route-tables` and `aws ec2 describe-subnets`)"}
	}
	rtID := aws.ToString(rt.RouteTableId)
	route := subnet + " has no default route (0.0.0.0/0) in " + rtID
	for _, r := range rt.Routes {
		if aws.ToString(r.DestinationCidrBlock) != "0.0.0.0/0" || r.State == ec2types.RouteStateBlackhole {
			continue
		}
		if nat := aws.ToString(r.NatGatewayId); nat != "" {
			return egress{ok: true, via: "0.0.0.0/0 → NAT gateway " + nat + " (route table " + rtID + ")"}
		}
		target := firstNonEmpty(aws.ToString(r.GatewayId), aws.ToString(r.TransitGatewayId), aws.ToString(r.NetworkInterfaceId),
			aws.ToString(r.InstanceId), aws.ToString(r.VpcPeeringConnectionId), aws.ToString(r.EgressOnlyInternetGatewayId), "another target")
		route = subnet + " routes 0.0.0.0/0 to " + target + " (route table " + rtID + ")"
		if !strings.HasPrefix(target, "igw-") {
			// a transit gateway or appliance may well reach the internet, but the inventory cannot say
			return egress{unknown: true, why: route + ", not to a NAT gateway, and whether that reaches the internet is not in the inventory"}
		}
	}
	vpcID := b.vpcOf(subnet)
	if vpcID == "" {
		return egress{unknown: true, why: route + " and its VPC is not in the inventory"}
	}
	if !b.inv.VpcEndpointsKnown {
		return egress{unknown: true, why: route + " and the VPC endpoints of " + vpcID + " are not in the inventory (export `aws ec2 describe-vpc-endpoints`)"}
	}
	want := append(append([]string(nil), endpointServices...), needs...)
	found := map[string]string{}
	problems := map[string]string{}
	for _, ep := range b.inv.VpcEndpointsOf(vpcID) {
		name := aws.ToString(ep.ServiceName)
		svc, ok := strings.CutPrefix(name, "com.amazonaws."+region+".")
		if !ok || found[svc] != "" {
			continue
		}
		id := aws.ToString(ep.VpcEndpointId)
		if !strings.EqualFold(string(ep.State), "available") {
			problems[svc] = id + " is " + string(ep.State)
			continue
		}
		switch {
		case ep.VpcEndpointType == ec2types.VpcEndpointTypeGateway && svc == "s3":
			if contains(ep.RouteTableIds, rtID) {
				found[svc] = id + " (gateway on " + rtID + ")"
			} else {
				problems[svc] = "gateway endpoint " + id + " is not on " + rtID
			}
		case ep.VpcEndpointType == ec2types.VpcEndpointTypeInterface:
			if aws.ToBool(ep.PrivateDnsEnabled) {
				found[svc] = id
			} else {
				problems[svc] = "interface endpoint " + id + " has no private DNS"
			}
		}
	}
	var lacks, via []string
	for _, s := range want {
		if found[s] == "" {
			if p := problems[s]; p != "" {
				lacks = append(lacks, s+" ("+p+")")
			} else {
				lacks = append(lacks, s)
			}
			continue
		}
		via = append(via, s+" "+found[s])
	}
	if len(lacks) == 0 {
		return egress{ok: true, viaEndpoints: true, via: "VPC endpoints of " + vpcID + ": " + strings.Join(via, ", ")}
	}
	var lost []string
	for _, s := range want {
		if found[s] != "" {
			continue
		}
		switch s {
		case "ecr.api", "ecr.dkr", "s3":
			lost = appendOnce(lost, "image pulls")
		case "logs":
			lost = appendOnce(lost, "logging")
		case "secretsmanager", "ssm":
			lost = appendOnce(lost, "reading secrets at task start")
		}
	}
	return egress{lacks: lacks, why: route + " and its VPC " + vpcID + " has no usable endpoints for " + strings.Join(lacks, ", ") +
		": disabling the public IP would stop " + joinAnd(lost)}
}

// imagesOutsideECR are the container images of the revision the service runs (the fixed one when this
// plan registers one) that are not in the account's private ECR in the region
// (<account>.dkr.ecr.<region>.amazonaws.com/…): Docker Hub, public.ecr.aws, ghcr.io, another account or
// region need the internet. Nil when the task definition is not known (extraNeeds says so).
func (b *builder) imagesOutsideECR(sp *servicePlan, account, region string) []string {
	var cds []ecstypes.ContainerDefinition
	if rp := sp.rev; rp != nil && rp.input != nil {
		cds = rp.input.ContainerDefinitions
	} else if td, ok := b.inv.TaskDefinition(aws.ToString(sp.svc.TaskDefinition)); ok {
		cds = td.ContainerDefinitions
	}
	var out []string
	for _, c := range cds {
		img := aws.ToString(c.Image)
		if !privateECRImage(img, account, region) && !contains(out, img) {
			out = append(out, img)
		}
	}
	return out
}

// privateECRImage reports whether an image is in the account's private ECR registry in the region.
func privateECRImage(image, account, region string) bool {
	host, _, ok := strings.Cut(image, "/")
	if !ok || account == "" || region == "" {
		return false
	}
	return host == account+".dkr.ecr."+region+".amazonaws.com" || host == account+".dkr.ecr."+region+".amazonaws.com.cn"
}

// extraNeeds are the services besides ECR, S3 and logs that the service's tasks reach at start: Secrets
// Manager and SSM Parameter Store when its (fixed) task definition reads secrets or registry credentials
// from them. The second result says why it cannot be told ("" when it can).
func (b *builder) extraNeeds(sp *servicePlan) ([]string, string) {
	var cds []ecstypes.ContainerDefinition
	if rp := sp.rev; rp != nil && rp.input != nil {
		cds = rp.input.ContainerDefinitions
	} else if td, ok := b.inv.TaskDefinition(aws.ToString(sp.svc.TaskDefinition)); ok {
		cds = td.ContainerDefinitions
	} else {
		return nil, "the service's task definition " + aws.ToString(sp.svc.TaskDefinition) + " is not in the inventory, so which secrets its tasks read is unknown"
	}
	need := map[string]bool{}
	add := func(ref string) {
		switch {
		case ref == "":
		case strings.Contains(ref, ":secretsmanager:"):
			need["secretsmanager"] = true
		default: // an SSM parameter ARN or name
			need["ssm"] = true
		}
	}
	for _, c := range cds {
		for _, s := range c.Secrets {
			add(aws.ToString(s.ValueFrom))
		}
		if c.RepositoryCredentials != nil {
			add(aws.ToString(c.RepositoryCredentials.CredentialsParameter))
		}
	}
	// placeholders of secrets this plan creates
	if rp := sp.rev; rp != nil && len(rp.secrets) > 0 {
		need["secretsmanager"] = true
	}
	return slices.Sorted(maps.Keys(need)), ""
}

func awsvpcOf(svc *ecstypes.Service) *ecstypes.AwsVpcConfiguration {
	if svc.NetworkConfiguration == nil {
		return nil
	}
	return svc.NetworkConfiguration.AwsvpcConfiguration
}

// needList is "ECR, S3 and CloudWatch Logs", with Secrets Manager and SSM when needed.
func needList(needs []string) string {
	names := []string{"ECR", "S3", "CloudWatch Logs"}
	for _, n := range needs {
		switch n {
		case "secretsmanager":
			names = append(names, "Secrets Manager")
		case "ssm":
			names = append(names, "SSM Parameter Store")
		}
	}
	return joinAnd(names)
}

func joinAnd(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

func appendOnce(s []string, v string) []string {
	if contains(s, v) {
		return s
	}
	return append(s, v)
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// sameStrings reports whether a and b hold the same strings, in any order.
func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := append([]string(nil), a...), append([]string(nil), b...)
	sort.Strings(x)
	sort.Strings(y)
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}
