package fix

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsread"
	"github.com/ecsfix/ecsfix/plan"
)

// execute applies the actions in dependency order, independent ones concurrently (at most Concurrency
// at once), starting ready actions in plan order. An action whose dependency did not complete is not run;
// after ctx is cancelled no action starts, and the ones under way record their outcome.
func (r *run) execute(ctx context.Context) []ActionReport {
	acts := r.p.Actions
	reps := make([]ActionReport, len(acts))
	const pending, running, finished = 0, 1, 2
	state := make([]int, len(acts))
	index := make(map[string]int, len(acts))
	for i, a := range acts {
		index[a.ID] = i
		reps[i] = ActionReport{ID: a.ID, Type: a.Type, Resource: a.Resource}
	}
	doneCh := make(chan int)
	inFlight := 0
	for {
		// Dependencies come earlier in the plan (Validate), so one pass in plan order settles chains.
		for i := range acts {
			if state[i] != pending || inFlight >= r.o.Concurrency {
				continue
			}
			a := &acts[i]
			ready, blocked := true, ""
			for _, dep := range a.DependsOn {
				j := index[dep]
				if state[j] != finished {
					ready = false
					break
				}
				if s := reps[j].Status; s != StatusDone && s != StatusSkipped && blocked == "" {
					blocked = dep
				}
			}
			switch {
			case !ready:
				continue
			case blocked != "":
				reps[i].Status, reps[i].Detail = StatusNotRun, fmt.Sprintf("dependency %s did not complete", blocked)
				r.printf("%s: not run: %s", a.ID, reps[i].Detail)
				state[i] = finished
				continue
			case ctx.Err() != nil:
				reps[i].Status, reps[i].Detail = StatusNotRun, "interrupted"
				state[i] = finished
				continue
			}
			state[i] = running
			inFlight++
			go func(i int) {
				reps[i] = r.do(ctx, &acts[i], reps[i])
				doneCh <- i
			}(i)
		}
		if inFlight == 0 {
			return reps
		}
		i := <-doneCh
		state[i] = finished
		inFlight--
	}
}

func (r *run) do(ctx context.Context, a *plan.Action, rep ActionReport) ActionReport {
	var done *Record
	r.j.view(func(st *journalState) { done = st.done[a.ID] })
	if done != nil {
		rep.Status, rep.Detail = StatusSkipped, "done in an earlier run (journal)"
		if done.Result != nil {
			rep.TaskDefinitionArn = done.Result.TaskDefinitionArn
			if rep.TaskDefinitionArn == "" {
				rep.TaskDefinitionArn = done.Result.TaskDefinition
			}
			switch a.Type {
			case plan.RegisterTaskDefinition:
				r.setTarget(a.ID, done.Result.TaskDefinitionArn)
			case plan.CreateSecret:
				r.setTarget(a.ID, done.Result.SecretArn)
				rep.SecretArn = done.Result.SecretArn
			case plan.CreateSecurityGroup:
				r.setTarget(a.ID, done.Result.GroupID)
			}
		}
		r.printf("%s: skipped, %s", a.ID, rep.Detail)
		return rep
	}
	var err error
	switch a.Type {
	case plan.RegisterTaskDefinition:
		err = r.register(ctx, a, &rep)
	case plan.UpdateService:
		err = r.updateService(ctx, a, &rep)
	case plan.UpdateClusterSettings:
		err = r.updateCluster(ctx, a, &rep)
	case plan.CreateSecret:
		err = r.createSecret(ctx, a, &rep)
	case plan.PutRolePolicy:
		err = r.putRolePolicy(ctx, a, &rep)
	case plan.EnsureLogGroup:
		err = r.ensureLogGroup(ctx, a, &rep)
	case plan.DeregisterTaskDefinition:
		err = r.deregister(ctx, a, &rep)
	case plan.DetachRolePolicy:
		err = r.detachRolePolicy(ctx, a, &rep)
	case plan.RemovePolicyStatements:
		err = r.removePolicyStatements(ctx, a, &rep)
	case plan.UpdateSecurityGroupIngress:
		err = r.updateIngress(ctx, a, &rep)
	case plan.CreateSecurityGroup:
		err = r.createGroup(ctx, a, &rep)
	default:
		err = fmt.Errorf("unknown action type %q", a.Type)
	}
	if err != nil {
		msg := r.scrub(err.Error())
		rep.Status, rep.Error = StatusFailed, msg
		if jerr := r.j.write(Record{Type: RecFailed, Action: a.ID, Error: msg}); jerr != nil {
			rep.Error += "; " + jerr.Error()
		}
		r.printf("%s: FAILED: %s", a.ID, msg)
		r.log.Error("action failed", "action", a.ID, "type", string(a.Type), "error", msg)
		return rep
	}
	return rep
}

func (r *run) started(id string) *Record {
	var s *Record
	r.j.view(func(st *journalState) { s = st.started[id] })
	return s
}

func (r *run) finish(a *plan.Action, rep *ActionReport, status Status, detail string, result *StateRecord) error {
	if err := r.j.write(Record{Type: RecDone, Action: a.ID, ActionType: a.Type, Result: result}); err != nil {
		return err
	}
	rep.Status, rep.Detail = status, detail
	return nil
}

// registrationRequest describes a registration without its content (which may hold secret values).
func registrationRequest(a *plan.Action) string {
	c := a.RegisterTaskDefinition
	return fmt.Sprintf("ecs:RegisterTaskDefinition family=%s source=%s edits=%d", c.Family, c.SourceArn, len(c.Edits))
}

// register registers the fixed revision, or finds the one this plan registered already.
func (r *run) register(ctx context.Context, a *plan.Action, rep *ActionReport) error {
	c := a.RegisterTaskDefinition
	api := r.cl.ecs(a.Region)
	src, err := r.source(ctx, api, c.SourceArn)
	if err != nil {
		return err
	}
	srcArn, err := detect.ParseTaskDefinitionARN(src.ARN())
	if err != nil {
		return err
	}
	secretArns := map[string]string{}
	for _, ref := range c.SecretRefs {
		arn := r.target(ref.From)
		if arn == "" {
			return fmt.Errorf("create-secret %s produced no secret ARN for %s (it did not complete)", ref.From, ref.Path)
		}
		secretArns[ref.From] = arn
	}
	in, err := c.Input(src, secretArns)
	if err != nil {
		return fmt.Errorf("build the registration from %s: %w", c.SourceArn, err)
	}
	tagged := addProvenance(in, r.short, a.ID)

	prev := r.started(a.ID)
	if prev == nil {
		lt, err := awsread.LatestActive(ctx, api, srcArn.Family, awsread.LatestOptions{})
		if err != nil {
			return err
		}
		before := &StateRecord{TaskDefinitionArn: src.ARN(), Family: srcArn.Family, Tagged: tagged}
		if lt != nil {
			if p, err := detect.ParseTaskDefinitionARN(lt.ARN()); err == nil {
				before.LatestActiveRevision = p.Revision
			}
		}
		if err := r.j.write(Record{Type: RecStarted, Action: a.ID, ActionType: a.Type, Region: a.Region,
			Resource: a.Resource, Request: registrationRequest(a), Before: before}); err != nil {
			return err
		}
		prev = &Record{Before: before}
	}
	r.printf("%s: registering a new revision of %s from %s (%d edit(s))", a.ID, srcArn.Family, src.ARN(), len(c.Edits))

	// A revision this plan registered without journalling it (a crash between the two) is reused.
	found, newest, err := r.findRegistered(ctx, api, srcArn, a.ID)
	if err != nil {
		return err
	}
	if found != "" {
		r.setTarget(a.ID, found)
		rep.TaskDefinitionArn = found
		r.printf("%s: found %s, registered by this plan earlier: reused", a.ID, found)
		return r.finish(a, rep, StatusDone, "reused "+found+", registered by this plan earlier", &StateRecord{TaskDefinitionArn: found, Reused: true})
	}
	if !tagged && prev.Before != nil && newest > prev.Before.LatestActiveRevision && r.isResume(a.ID) {
		return fmt.Errorf("revision %d of %s was registered after this registration started, and registrations of this family cannot carry provenance tags (too many tags): check whether it is this plan's, then deregister it or record it, before resuming",
			newest, srcArn.Family)
	}

	out, err := api.RegisterTaskDefinition(ctx, in)
	if err != nil {
		return fmt.Errorf("register task definition %s: %w", srcArn.Family, err)
	}
	if out.TaskDefinition == nil || out.TaskDefinition.TaskDefinitionArn == nil {
		return fmt.Errorf("register task definition %s: the response holds no task definition", srcArn.Family)
	}
	arn := aws.ToString(out.TaskDefinition.TaskDefinitionArn)
	r.setTarget(a.ID, arn)
	rep.TaskDefinitionArn = arn
	r.printf("%s: registered %s", a.ID, arn)
	r.log.Info("registered task definition", "action", a.ID, "family", srcArn.Family, "source", src.ARN(), "edits", len(c.Edits), "arn", arn)
	return r.finish(a, rep, StatusDone, "registered", &StateRecord{TaskDefinitionArn: arn, Tagged: tagged})
}

// isResume tells whether the action was started by an earlier run.
func (r *run) isResume(id string) bool { return r.resumed[id] }

// addProvenance adds the provenance tags (replacing those a source registered by ecsfix carries) when
// the tag limit allows; it reports whether they were added.
func addProvenance(in *ecs.RegisterTaskDefinitionInput, short, id string) bool {
	kept := in.Tags[:0:0]
	for _, t := range in.Tags {
		if k := aws.ToString(t.Key); k != TagPlan && k != TagAction {
			kept = append(kept, t)
		}
	}
	if len(kept)+2 > maxTags {
		in.Tags = kept
		return false
	}
	in.Tags = append(kept, ecstypes.Tag{Key: aws.String(TagPlan), Value: aws.String(short)}, ecstypes.Tag{Key: aws.String(TagAction), Value: aws.String(id)})
	return true
}

// findRegistered looks for an ACTIVE revision of the source's family, newer than the source, carrying
// this plan's and action's provenance tags. It returns its ARN ("" when none) and the newest ACTIVE
// revision number of the family.
func (r *run) findRegistered(ctx context.Context, api ecsAPI, src detect.TaskDefinitionARN, id string) (string, int, error) {
	revs, err := awsread.ActiveRevisions(ctx, api, src.Family)
	if err != nil {
		return "", 0, err
	}
	newest := 0
	var newer []awsread.Revision // highest first, as listed
	for _, rv := range revs {
		newest = max(newest, rv.Revision)
		if rv.Revision > src.Revision {
			newer = append(newer, rv)
		}
	}
	for _, rv := range newer {
		td, err := awsread.DescribeTaskDefinition(ctx, api, rv.ARN)
		if err != nil {
			return "", 0, err
		}
		if td.Status != ecstypes.TaskDefinitionStatusActive {
			continue
		}
		tags := map[string]string{}
		for _, t := range td.Tags {
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
		if tags[TagPlan] == r.short && tags[TagAction] == id {
			return td.ARN(), newest, nil
		}
	}
	return "", newest, nil
}

// updateService moves a service to the revision its registration produced, a platform version and/or
// a network configuration, in one UpdateService call. A network configuration is sent whole (subnets,
// security groups, assignPublicIp): UpdateService replaces the service's awsvpc configuration with it.
func (r *run) updateService(ctx context.Context, a *plan.Action, rep *ActionReport) error {
	c := a.UpdateService
	target := c.After.TaskDefinition
	if c.TaskDefinitionFrom != "" {
		if target = r.target(c.TaskDefinitionFrom); target == "" {
			return fmt.Errorf("registration %s produced no revision", c.TaskDefinitionFrom)
		}
	}
	// Placeholders of groups created by this plan are replaced by the groups' ids first: everything
	// below (the check, the comparison, the journal, the call) sees real ids.
	net, err := resolveGroups(c.After.Network, c, r.target)
	if err != nil {
		return err
	}
	if net != nil {
		if err := checkNetwork(net); err != nil {
			return err
		}
	}
	pv := c.After.PlatformVersion
	api := r.cl.ecs(a.Region)
	cur, err := awsread.DescribeService(ctx, api, c.Cluster, c.Service)
	if err != nil {
		return err
	}
	after := &StateRecord{Cluster: c.Cluster, Service: c.Service, TaskDefinition: target, PlatformVersion: pv, Network: net}
	req := updateServiceRequest(c.Cluster, c.Service, target, pv, net)
	if r.started(a.ID) == nil {
		// The state replaced, read live: what rollback returns the service to.
		before := &StateRecord{Cluster: c.Cluster, Service: c.Service,
			TaskDefinition: aws.ToString(cur.TaskDefinition), PlatformVersion: aws.ToString(cur.PlatformVersion),
			Network: networkOf(cur.NetworkConfiguration)}
		if err := r.j.write(Record{Type: RecStarted, Action: a.ID, ActionType: a.Type, Region: a.Region,
			Resource: a.Resource, Request: req, Before: before, After: after}); err != nil {
			return err
		}
	}
	rep.TaskDefinitionArn = target
	if serviceAt(cur, target, pv, net) {
		r.printf("%s: service %s already runs %s: nothing to do", a.ID, c.Service, describeTarget(target, pv, net))
		return r.finish(a, rep, StatusDone, "already in place", serviceState(cur))
	}
	r.printf("%s: updating service %s of cluster %s to %s", a.ID, c.Service, c.Cluster, describeTarget(target, pv, net))
	out, err := api.UpdateService(ctx, updateServiceInput(c.Cluster, c.Service, target, pv, net))
	if err != nil {
		return fmt.Errorf("update service %s: %w", c.Service, err)
	}
	r.log.Info("updated service", "action", a.ID, "request", req)
	result := after
	if out.Service != nil {
		result = serviceState(out.Service)
	}
	return r.finish(a, rep, StatusDone, "updated", result)
}

// updateServiceInput sets what is not empty: the revision, the platform version, the whole network
// configuration.
func updateServiceInput(cluster, service, td, pv string, net *plan.AwsVpcSettings) *ecs.UpdateServiceInput {
	in := &ecs.UpdateServiceInput{Cluster: aws.String(cluster), Service: aws.String(service)}
	if td != "" {
		in.TaskDefinition = aws.String(td)
	}
	if pv != "" {
		in.PlatformVersion = aws.String(pv)
	}
	in.NetworkConfiguration = toSDKNetwork(net)
	return in
}

func updateServiceRequest(cluster, service, td, pv string, net *plan.AwsVpcSettings) string {
	s := fmt.Sprintf("ecs:UpdateService cluster=%s service=%s", cluster, service)
	if td != "" {
		s += " taskDefinition=" + td
	}
	if pv != "" {
		s += " platformVersion=" + pv
	}
	if net != nil {
		s += " networkConfiguration.awsvpcConfiguration=" + networkString(net)
	}
	return s
}

func describeTarget(td, pv string, net *plan.AwsVpcSettings) string {
	var parts []string
	if td != "" {
		parts = append(parts, td)
	}
	if pv != "" {
		parts = append(parts, "platform "+pv)
	}
	if net != nil {
		parts = append(parts, "network "+networkString(net))
	}
	return strings.Join(parts, ", ")
}

// serviceAt tells whether the service is set to the revision, platform version and network
// configuration ("" and nil match any).
func serviceAt(s *ecstypes.Service, td, pv string, net *plan.AwsVpcSettings) bool {
	return (td == "" || aws.ToString(s.TaskDefinition) == td) && (pv == "" || aws.ToString(s.PlatformVersion) == pv) &&
		(net == nil || sameNetwork(networkOf(s.NetworkConfiguration), net))
}

func serviceState(s *ecstypes.Service) *StateRecord {
	st := &StateRecord{Cluster: aws.ToString(s.ClusterArn), Service: aws.ToString(s.ServiceName),
		TaskDefinition: aws.ToString(s.TaskDefinition), PlatformVersion: aws.ToString(s.PlatformVersion),
		Network: networkOf(s.NetworkConfiguration)}
	for _, d := range s.Deployments {
		if aws.ToString(d.Status) == "PRIMARY" {
			st.DeploymentID = aws.ToString(d.Id)
		}
	}
	return st
}

// updateCluster sets the cluster's settings with UpdateCluster (UpdateClusterSettings does the same on
// AWS; the emulator implements only UpdateCluster).
func (r *run) updateCluster(ctx context.Context, a *plan.Action, rep *ActionReport) error {
	c := a.UpdateClusterSettings
	api := r.cl.ecs(a.Region)
	cur, err := awsread.DescribeCluster(ctx, api, c.Cluster)
	if err != nil {
		return err
	}
	req := updateClusterRequest(c.Cluster, c.After)
	if r.started(a.ID) == nil {
		if err := r.j.write(Record{Type: RecStarted, Action: a.ID, ActionType: a.Type, Region: a.Region, Resource: a.Resource,
			Request: req, Before: &StateRecord{Cluster: c.Cluster, Settings: clusterSettings(cur)},
			After: &StateRecord{Cluster: c.Cluster, Settings: c.After}}); err != nil {
			return err
		}
	}
	if settingsIn(cur, c.After) {
		r.printf("%s: cluster %s already has %s: nothing to do", a.ID, c.Cluster, settingsString(c.After))
		return r.finish(a, rep, StatusDone, "already in place", &StateRecord{Cluster: c.Cluster, Settings: clusterSettings(cur)})
	}
	r.printf("%s: setting %s on cluster %s", a.ID, settingsString(c.After), c.Cluster)
	out, err := api.UpdateCluster(ctx, &ecs.UpdateClusterInput{Cluster: aws.String(c.Cluster), Settings: toSDKSettings(c.After)})
	if err != nil {
		return fmt.Errorf("update cluster %s: %w", c.Cluster, err)
	}
	r.log.Info("updated cluster", "action", a.ID, "request", req)
	result := &StateRecord{Cluster: c.Cluster, Settings: c.After}
	if out.Cluster != nil && len(out.Cluster.Settings) > 0 {
		result.Settings = clusterSettings(out.Cluster)
	}
	return r.finish(a, rep, StatusDone, "updated", result)
}

func updateClusterRequest(cluster string, s []plan.ClusterSetting) string {
	return fmt.Sprintf("ecs:UpdateCluster cluster=%s settings=%s", cluster, settingsString(s))
}

func clusterSettings(c *ecstypes.Cluster) []plan.ClusterSetting {
	out := make([]plan.ClusterSetting, 0, len(c.Settings))
	for _, s := range c.Settings {
		out = append(out, plan.ClusterSetting{Name: string(s.Name), Value: aws.ToString(s.Value)})
	}
	return out
}

func toSDKSettings(s []plan.ClusterSetting) []ecstypes.ClusterSetting {
	out := make([]ecstypes.ClusterSetting, 0, len(s))
	for _, st := range s {
		out = append(out, ecstypes.ClusterSetting{Name: ecstypes.ClusterSettingName(st.Name), Value: aws.String(st.Value)})
	}
	return out
}

// settingsIn tells whether the cluster has every setting of want.
func settingsIn(c *ecstypes.Cluster, want []plan.ClusterSetting) bool {
	have := map[string]string{}
	for _, s := range c.Settings {
		have[string(s.Name)] = aws.ToString(s.Value)
	}
	for _, w := range want {
		if v, ok := have[w.Name]; !ok || v != w.Value {
			return false
		}
	}
	return true
}

func settingsString(s []plan.ClusterSetting) string {
	parts := make([]string, len(s))
	for i, st := range s {
		parts[i] = st.Name + "=" + st.Value
	}
	return strings.Join(parts, ",")
}
