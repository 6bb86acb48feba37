package fix

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsread"
	"github.com/ecsfix/ecsfix/plan"
)

// The executor of the opt-in deregister-task-definition: the revisions that still hold the plaintext
// values, deregistered one at a time, each only while no service of the plan's state runs it. Rollback
// cannot undo it: ECS cannot make a deregistered revision ACTIVE again.

// deregister deregisters the revisions, one at a time, each only after checking that no service of the
// plan's state (described again) still runs it.
func (r *run) deregister(ctx context.Context, a *plan.Action, rep *ActionReport) error {
	c := a.DeregisterTaskDefinition
	api := r.cl.in(a.Account).ecs(a.Region)
	if err := r.journalStarted(a, "ecs:DeregisterTaskDefinition taskDefinitions="+strings.Join(c.TaskDefinitions, ","),
		&StateRecord{TaskDefinitions: c.TaskDefinitions}, nil); err != nil {
		return err
	}
	var done []string
	for _, td := range c.TaskDefinitions {
		users, err := r.servicesRunning(ctx, a.Region, td)
		if err != nil {
			return err
		}
		if len(users) > 0 {
			return fmt.Errorf("%s is still run by %s: not deregistered (move the service(s) off it first)", td, strings.Join(users, ", "))
		}
		cur, err := awsread.DescribeTaskDefinition(ctx, api, td)
		if err != nil {
			return err
		}
		if cur.Status == ecstypes.TaskDefinitionStatusInactive {
			r.printf("%s: %s is deregistered already", a.ID, td)
			done = append(done, td)
			continue
		}
		r.printf("%s: deregistering %s", a.ID, td)
		if _, err := api.DeregisterTaskDefinition(ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String(td)}); err != nil {
			return fmt.Errorf("deregister %s: %w", td, err)
		}
		if err := r.j.write(Record{Type: RecStep, Action: a.ID, Request: "ecs:DeregisterTaskDefinition taskDefinition=" + td,
			Result: &StateRecord{TaskDefinitionArn: td}}); err != nil {
			return err
		}
		r.log.Info("deregistered task definition", "action", a.ID, "arn", td)
		done = append(done, td)
	}
	return r.finish(a, rep, StatusDone, fmt.Sprintf("deregistered %d revision(s)", len(done)), &StateRecord{TaskDefinitions: done})
}

// servicesRunning describes the services of the plan's state in region and returns those that run td:
// set to it, or still running tasks of an older deployment of it.
func (r *run) servicesRunning(ctx context.Context, region, td string) ([]string, error) {
	clusterOf := r.p.ServiceClusters()
	byCluster := map[string][]string{}
	for _, f := range r.p.State {
		if f.ResourceType != detect.TypeService || r.regionOf(f) != region || detect.AccountOf(f.Resource) != detect.AccountOf(td) {
			continue
		}
		cluster := clusterOf[f.Resource]
		if cluster == "" {
			cluster = detect.ClusterOfServiceARN(f.Resource)
		}
		if cluster == "" {
			return nil, fmt.Errorf("state %s: cannot tell the service's cluster", f.Resource)
		}
		byCluster[cluster] = append(byCluster[cluster], f.Resource)
	}
	clusters := make([]string, 0, len(byCluster))
	for c := range byCluster {
		clusters = append(clusters, c)
	}
	sort.Strings(clusters)
	var users []string
	for _, cluster := range clusters {
		names := byCluster[cluster]
		for start := 0; start < len(names); start += 10 {
			batch := names[start:min(start+10, len(names))]
			got, err := awsread.DescribeServices(ctx, r.cl.in(detect.AccountOf(td)).ecs(region), cluster, batch)
			if err != nil {
				return nil, err
			}
			for _, name := range batch {
				if svc := got[name]; svc != nil && runs(svc, td) {
					users = append(users, "service "+aws.ToString(svc.ServiceName)+" of cluster "+cluster)
				}
			}
		}
	}
	return users, nil
}

// runs tells whether a service runs td: its task definition, or a deployment still running tasks of it.
// (The primary deployment's revision is the service's; the emulator does not update it.)
func runs(svc *ecstypes.Service, td string) bool {
	if aws.ToString(svc.TaskDefinition) == td {
		return true
	}
	for _, d := range svc.Deployments {
		if aws.ToString(d.Status) != "PRIMARY" && aws.ToString(d.TaskDefinition) == td && d.RunningCount+d.PendingCount > 0 {
			return true
		}
	}
	return false
}

// dryRunDeregister prints one DeregisterTaskDefinition call per revision.
func (r *run) dryRunDeregister(a *plan.Action) {
	for _, td := range a.DeregisterTaskDefinition.TaskDefinitions {
		b, _ := json.Marshal(map[string]string{"taskDefinition": td})
		r.printf("%s: would call ecs:DeregisterTaskDefinition %s (unless a service of the plan still runs it)", a.ID, b)
	}
}

// rollbackDeregister keeps the revisions deregistered.
func (r *run) rollbackDeregister(_ context.Context, start, _ *Record) ActionReport {
	ar := ActionReport{ID: start.Action, Type: start.ActionType, Resource: start.Resource}
	ar.Status, ar.Detail = StatusSkipped, "kept: a deregistered revision cannot be made ACTIVE again"
	r.printf("%s: deregistered revisions stay deregistered", start.Action)
	return ar
}
