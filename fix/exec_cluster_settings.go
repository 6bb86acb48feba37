package fix

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/ecsfix/ecsfix/detect/awsread"
	"github.com/ecsfix/ecsfix/plan"
)

// The executor of update-cluster-settings: the cluster's settings (Container Insights) set with
// UpdateCluster. Rollback returns the settings it changed to their journalled previous values.

// updateCluster sets the cluster's settings with UpdateCluster (UpdateClusterSettings does the same on
// AWS; the emulator implements only UpdateCluster).
func (r *run) updateCluster(ctx context.Context, a *plan.Action, rep *ActionReport) error {
	c := a.UpdateClusterSettings
	api := r.cl.in(a.Account).ecs(a.Region)
	cur, err := awsread.DescribeCluster(ctx, api, c.Cluster)
	if err != nil {
		return err
	}
	req := updateClusterRequest(c.Cluster, c.After)
	if err := r.journalStarted(a, req,
		&StateRecord{Cluster: c.Cluster, Settings: clusterSettings(cur)},
		&StateRecord{Cluster: c.Cluster, Settings: c.After}); err != nil {
		return err
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

// dryRunClusterSettings prints the UpdateCluster call.
func (r *run) dryRunClusterSettings(a *plan.Action) {
	c := a.UpdateClusterSettings
	b, _ := json.Marshal(map[string]any{"cluster": c.Cluster, "settings": c.After})
	r.printf("%s: would call ecs:UpdateCluster %s", a.ID, b)
}

// rollbackCluster returns the settings an apply changed to their previous values (a setting the cluster
// did not report before is Container Insights' default, disabled).
func (r *run) rollbackCluster(ctx context.Context, start, _ *Record) ActionReport {
	ar := ActionReport{ID: start.Action, Type: start.ActionType, Resource: start.Resource}
	fail := func(format string, args ...any) ActionReport { return r.rollbackFail(start, ar, format, args...) }
	if start.Before == nil || start.After == nil {
		return fail("the journal does not record the cluster's previous settings")
	}
	cluster := start.Before.Cluster
	prevBy := map[string]string{}
	for _, s := range start.Before.Settings {
		prevBy[s.Name] = s.Value
	}
	var want []plan.ClusterSetting
	for _, s := range start.After.Settings {
		v, ok := prevBy[s.Name]
		if !ok {
			if s.Name != "containerInsights" {
				return fail("the journal does not record the previous value of setting %s", s.Name)
			}
			v = "disabled"
		}
		want = append(want, plan.ClusterSetting{Name: s.Name, Value: v})
	}
	api := r.cl.in(r.actionAccount(start.Action)).ecs(start.Region)
	cur, err := awsread.DescribeCluster(ctx, api, cluster)
	if err != nil {
		return fail("%v", err)
	}
	if settingsIn(cur, want) {
		ar.Status, ar.Detail = StatusRolledBack, "already at its previous settings"
		r.printf("%s: cluster %s already has %s", start.Action, cluster, settingsString(want))
		if !r.o.DryRun {
			if err := r.j.write(Record{Type: RecRollbackDone, Action: start.Action, Result: &StateRecord{Cluster: cluster, Settings: clusterSettings(cur)}}); err != nil {
				return fail("%v", err)
			}
		}
		return ar
	}
	if !settingsIn(cur, start.After.Settings) {
		return fail("cluster %s changed since the apply: its settings are %s, ecsfix set %s; not touched",
			cluster, settingsString(clusterSettings(cur)), settingsString(start.After.Settings))
	}
	req := updateClusterRequest(cluster, want)
	if ar, ok := r.rollbackBegin(start, ar, req, req); !ok {
		return ar
	}
	r.printf("%s: returning cluster %s to %s", start.Action, cluster, settingsString(want))
	if _, err := api.UpdateCluster(ctx, &ecs.UpdateClusterInput{Cluster: aws.String(cluster), Settings: toSDKSettings(want)}); err != nil {
		return fail("update cluster %s: %v", cluster, err)
	}
	if err := r.j.write(Record{Type: RecRollbackDone, Action: start.Action, Result: &StateRecord{Cluster: cluster, Settings: want}}); err != nil {
		return fail("%v", err)
	}
	ar.Status, ar.Detail = StatusRolledBack, "returned to "+settingsString(want)
	return ar
}
