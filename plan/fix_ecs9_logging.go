package plan

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// ECS.9: every container without a log driver (a FireLens router included) gets an awslogs
// logConfiguration: the group from fix.logs.group_template (default /ecs/{family}), the revision's region,
// the container's name as stream prefix. An ensure-log-group action creates each group (with the
// configured retention) unless it exists; the execution role gets logs:CreateLogStream and
// logs:PutLogEvents on the group unless its known policies already allow them.

// DefaultLogGroupTemplate names log groups when fix.logs.group_template is not set.
const DefaultLogGroupTemplate = "/ecs/{family}"

// logNeed is a log group a new revision writes to, and the role that must be allowed to write there
// ("" when only the container instance role writes: EC2 without an execution role).
type logNeed struct {
	group    string
	role     string
	controls map[string]bool
	// region is the group's region when it is not the revision's (an existing awslogs-region).
	region string
	// existing marks a group the revision already wrote to before the fix: the role is granted writing
	// to it, no ensure-log-group action is made.
	existing bool
}

// logGroupName expands the group template for a container.
func logGroupName(template, family, container string) string {
	if template == "" {
		template = DefaultLogGroupTemplate
	}
	// one pass, left to right, what is put in is not read again (strings.Replacer's rule), without
	// building a Replacer for every container
	if !strings.Contains(template, "{") {
		return template
	}
	var b strings.Builder
	for i := 0; i < len(template); {
		switch {
		case strings.HasPrefix(template[i:], "{family}"):
			b.WriteString(family)
			i += len("{family}")
		case strings.HasPrefix(template[i:], "{container}"):
			b.WriteString(container)
			i += len("{container}")
		default:
			b.WriteByte(template[i])
			i++
		}
	}
	return b.String()
}

// runsOnFargate reports whether a revision may run on Fargate (where the execution role writes logs and
// reads secrets): it requires or is compatible with FARGATE, or a service runs it on Fargate — launch
// type FARGATE, a FARGATE or FARGATE_SPOT capacity provider, or neither a launch type nor a strategy (the
// cluster's default strategy, which may be Fargate). A revision whose known compatibilities lack FARGATE
// cannot run there, whatever a service says.
func runsOnFargate(ctx *revisionContext, in *ecs.RegisterTaskDefinitionInput) bool {
	if slices.Contains(in.RequiresCompatibilities, ecstypes.CompatibilityFargate) {
		return true
	}
	if ctx.source != nil {
		if slices.Contains(ctx.source.RequiresCompatibilities, ecstypes.CompatibilityFargate) ||
			slices.Contains(ctx.source.Compatibilities, ecstypes.CompatibilityFargate) {
			return true
		}
		if len(ctx.source.Compatibilities) > 0 {
			return false
		}
	}
	for _, s := range ctx.services {
		if s.LaunchType == ecstypes.LaunchTypeFargate {
			return true
		}
		if s.LaunchType == "" && len(s.CapacityProviderStrategy) == 0 {
			return true
		}
		for _, cp := range s.CapacityProviderStrategy {
			if p := aws.ToString(cp.CapacityProvider); p == "FARGATE" || p == "FARGATE_SPOT" {
				return true
			}
		}
	}
	return false
}

// fixLogs adds awslogs logging to every container without a log driver (ECS.9).
func fixLogs(ctx *revisionContext, in *ecs.RegisterTaskDefinitionInput) fixOutcome {
	var missing []int
	for i := range in.ContainerDefinitions {
		c := &in.ContainerDefinitions[i]
		if c.LogConfiguration == nil || c.LogConfiguration.LogDriver == "" {
			missing = append(missing, i)
		}
	}
	if len(missing) == 0 {
		return fixOutcome{}
	}
	var out fixOutcome
	fargate := runsOnFargate(ctx, in)
	role := aws.ToString(in.ExecutionRoleArn)
	family := aws.ToString(in.Family)
	region := detect.RegionOf(ctx.source.ARN())
	src := ctx.source.ARN()
	// Each group name becomes a CreateLogGroup call and a grant on arn:…:log-group:NAME:*: a family or
	// container name AWS would not allow there (a wildcard, a ".." segment) leaves the fix undone.
	if err := CheckRegionName(region); err != nil {
		return fixOutcome{Skip: fmt.Sprintf("the revision's region: %v, so no log group ARN can be granted", err)}
	}
	// Nothing templated goes into a log group name, a stream prefix or a grant.
	named := missing
	if !strings.Contains(templateOrDefault(ctx.opts.Logs.GroupTemplate), "{family}") {
		if r := namesRefusal(&ecs.RegisterTaskDefinitionInput{ContainerDefinitions: in.ContainerDefinitions}, named, "as the awslogs stream prefix"); r != "" {
			return fixOutcome{Skip: r}
		}
	} else if r := namesRefusal(in, named, "in the log group name (fix.logs.group_template) and the awslogs stream prefix"); r != "" {
		return fixOutcome{Skip: r}
	}
	if r := executionRoleRefusal(in, "as the role granted logs:CreateLogStream and logs:PutLogEvents on the log groups"); r != "" {
		return fixOutcome{Skip: r}
	}
	groupOf := make([]string, len(missing)) // the log group of each container missing
	for j, i := range missing {
		g := logGroupName(ctx.opts.Logs.GroupTemplate, family, aws.ToString(in.ContainerDefinitions[i].Name))
		groupOf[j] = g
		if err := CheckLogGroupName(g); err != nil {
			return fixOutcome{Skip: fmt.Sprintf("fix.logs.group_template %q gives container %s an invalid log group name: %v", ctx.opts.Logs.GroupTemplate, containerLabel(&in.ContainerDefinitions[i], i), err)}
		}
	}
	var er execRole
	if role == "" && fargate {
		var skip string
		er, skip = executionRole(ctx, in, "awslogs on Fargate needs an execution role to write the logs")
		if skip != "" {
			return fixOutcome{Skip: skip}
		}
		role = er.arn
	}
	if role != "" {
		if r := roleGrantRefusal(role, src, "logs:CreateLogStream and logs:PutLogEvents on the log groups"); r != "" {
			return fixOutcome{Skip: r}
		}
		r, _ := ctx.inv.Role(role)
		partition, account := partitionOf(src), detect.AccountOf(src)
		for j := range missing {
			g := groupOf[j]
			if d := logsDenial(r, partition, region, account, g); d != "" {
				return fixOutcome{Skip: fmt.Sprintf("the execution role %s may not write to log group %s: %s denies it, so the grant ecsfix would add cannot work: change that statement, then re-plan", detect.ShortARN(role), g, d)}
			}
		}
	}
	out.Edits = append(out.Edits, er.apply(in, detect.ECS9ID, "on Fargate the execution role writes the containers' logs")...)
	out.Preconditions = append(out.Preconditions, er.pre...)
	out.LogGroups = append(out.LogGroups, er.logs...)
	groups := map[string]bool{}
	out.Plain = make([]string, 0, 3*len(missing))
	out.Edits = slices.Grow(out.Edits, len(missing))
	for j, i := range missing {
		c := &in.ContainerDefinitions[i]
		name := aws.ToString(c.Name)
		group := groupOf[j]
		was := "no logConfiguration"
		lc := c.LogConfiguration
		if lc == nil {
			lc = &ecstypes.LogConfiguration{}
		} else {
			was = "a logConfiguration without logDriver"
		}
		lc.LogDriver = ecstypes.LogDriverAwslogs
		if lc.Options == nil {
			lc.Options = map[string]string{}
		}
		// the options in the order of their keys
		prefix := "containerDefinitions[" + strconv.Itoa(i) + "].logConfiguration.options."
		for _, o := range [...][2]string{{"awslogs-group", group}, {"awslogs-region", region}, {"awslogs-stream-prefix", name}} {
			lc.Options[o[0]] = o[1]
			out.Plain = append(out.Plain, prefix+o[0])
		}
		c.LogConfiguration = lc
		what := ""
		if c.FirelensConfiguration != nil {
			what = " (the FireLens log router's own logs)"
		}
		out.Edits = append(out.Edits, Edit{
			Control: detect.ECS9ID, Path: "containerDefinitions[" + containerLabel(c, i) + "].logConfiguration",
			Change: "add awslogs logging" + what + " to log group " + group + " (region " + region + ", stream prefix " + name + "); was " + was,
		})
		groups[group] = true
	}
	for _, g := range slices.Sorted(maps.Keys(groups)) {
		out.LogGroups = append(out.LogGroups, &logNeed{group: g, role: role})
	}
	if role == "" {
		out.Notes = append(out.Notes, fmt.Sprintf("on EC2 the awslogs driver writes with the container instance role: it needs logs:CreateLogStream and logs:PutLogEvents on %s (the role ecsInstanceRole usually has them through AmazonEC2ContainerServiceforEC2Role)",
			strings.Join(slices.Sorted(maps.Keys(groups)), ", ")))
	}
	out.Notes = append(out.Notes, "the containers' output goes to CloudWatch Logs (billed by ingestion and storage)")
	return out
}

// logGroupArn is the ARN of a log group's streams (what a policy grants writing to).
func logGroupArn(partition, region, account, name string) string {
	return "arn:" + partition + ":logs:" + region + ":" + account + ":log-group:" + name
}
