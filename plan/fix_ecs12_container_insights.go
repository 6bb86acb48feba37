package plan

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// containerInsightsFinding routes a selected ECS.12 finding: a cluster plan, or Skipped when the cluster
// is owned.
func (b *builder) containerInsightsFinding(r *detect.Result) {
	c, ok := b.inv.Cluster(r.ResourceArn)
	if !ok {
		return
	}
	if owner := b.owner(c.Tags); owner != "" {
		b.skip(r.Control, r.ResourceArn, owner+": set the cluster setting containerInsights to enabled in its source")
		return
	}
	ch, out := fixECS12(c, b.opts)
	if ch == nil {
		return
	}
	b.clusters = append(b.clusters, &clusterPlan{cluster: c, change: ch, outcome: out, controls: []string{r.Control}})
}

// fixECS12 turns Container Insights on for a cluster (ECS.12): the containerInsights setting becomes
// enabled.
func fixECS12(c *ecstypes.Cluster, _ Options) (*UpdateClusterSettingsChange, fixOutcome) {
	current := ""
	for _, st := range c.Settings {
		if st.Name == ecstypes.ClusterSettingNameContainerInsights {
			current = aws.ToString(st.Value)
		}
	}
	if strings.EqualFold(current, "enabled") || strings.EqualFold(current, "enhanced") {
		return nil, fixOutcome{}
	}
	ch := &UpdateClusterSettingsChange{
		Cluster: aws.ToString(c.ClusterArn),
		Before:  []ClusterSetting{},
		After:   []ClusterSetting{{Name: string(ecstypes.ClusterSettingNameContainerInsights), Value: "enabled"}},
	}
	was := "absent"
	if current != "" {
		ch.Before = append(ch.Before, ClusterSetting{Name: string(ecstypes.ClusterSettingNameContainerInsights), Value: current})
		was = current
	}
	out := fixOutcome{
		Edits:         []Edit{{Control: detect.ECS12ID, Path: "settings.containerInsights", Change: "set containerInsights to enabled (was " + was + ")"}},
		Preconditions: []Precondition{{Check: "cluster containerInsights", Result: was}},
		Notes: []string{"Container Insights is billed: CloudWatch charges for its custom metrics and performance log events, " +
			"in proportion to the number of tasks and services in the cluster"},
	}
	return ch, out
}
