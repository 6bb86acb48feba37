package plan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ecsfix/ecsfix/detect"
)

// The update-cluster-settings change kind: a cluster's settings (Container Insights, ECS.12).

// UpdateClusterSettings changes a cluster's settings (Container Insights).
const UpdateClusterSettings ActionType = "update-cluster-settings"

// containerInsights is the name of the cluster setting ECS.12 fixes.
const containerInsights = "containerInsights"

// UpdateClusterSettingsChange sets cluster settings.
type UpdateClusterSettingsChange struct {
	Cluster string           `json:"cluster"`
	Before  []ClusterSetting `json:"before"`
	After   []ClusterSetting `json:"after"`
}

// ClusterSetting is a cluster setting (name and value).
type ClusterSetting struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Touches implements Change: the cluster.
func (c *UpdateClusterSettingsChange) Touches() []string { return []string{c.Cluster} }

// Writes implements Change: the cluster.
func (c *UpdateClusterSettingsChange) Writes(a *Action) []string {
	return uniqueStrings(a.Resource, c.Cluster)
}

// Facts implements Change: the cluster's settings and status (ClusterFacts).
func (c *UpdateClusterSettingsChange) Facts(a *Action) []FactCheck {
	return []FactCheck{{Resource: a.Resource, ResourceType: detect.TypeCluster, Facts: []string{FactSettings, FactStatus}}}
}

// Rederivable implements Change: see Rebuild.
func (c *UpdateClusterSettingsChange) Rederivable() bool { return true }

var _ Rebuilder[[]ClusterSetting, []ClusterSetting] = (*UpdateClusterSettingsChange)(nil)

// Rebuild is the cluster's settings after the change, from those read at apply time: each setting of
// After set to its value (in place when the cluster has it, appended otherwise), the others kept.
func (c *UpdateClusterSettingsChange) Rebuild(before []ClusterSetting) ([]ClusterSetting, error) {
	out := append([]ClusterSetting{}, before...)
	for _, s := range c.After {
		if s.Name == "" {
			return nil, fmt.Errorf("cluster %s: a setting has no name", c.Cluster)
		}
		found := false
		for i := range out {
			if out[i].Name == s.Name {
				out[i].Value, found = s.Value, true
			}
		}
		if !found {
			out = append(out, s)
		}
	}
	return out, nil
}

func (c *UpdateClusterSettingsChange) implicitDependencies() []string { return nil }

func (c *UpdateClusterSettingsChange) validate(*Action, map[string]*Action) []error {
	if c.Cluster == "" {
		return []error{fmt.Errorf("updateClusterSettings: cluster is required")}
	}
	return nil
}

// validateControls: a cluster settings update fixes ECS.12 only.
func (c *UpdateClusterSettingsChange) validateControls(a *Action, _ map[string]*Action) []error {
	var errs []error
	for _, id := range a.Controls {
		if !strings.EqualFold(id, detect.ECS12ID) {
			errs = append(errs, fmt.Errorf("controls: %q is not a control that a cluster settings update fixes (only ECS.12)", id))
		}
	}
	return errs
}

// riskFloor: ECS.12's risk when it sets exactly containerInsights to enabled or enhanced, high otherwise.
func (c *UpdateClusterSettingsChange) riskFloor(_ *Plan, _ *Action, overrides map[string]Risk) RiskFloor {
	if len(c.After) != 1 || c.After[0].Name != containerInsights {
		var names []string
		for _, s := range c.After {
			names = append(names, s.Name)
		}
		return highBecause("it sets the cluster settings [%s]: ecsfix only ever sets containerInsights alone", strings.Join(names, ", "))
	}
	switch v := c.After[0].Value; v {
	case "enabled", "enhanced":
		var f RiskFloor
		f.raiseControl(detect.ECS12ID, "containerInsights "+v, overrides)
		return f
	default:
		return highBecause("containerInsights %q: ecsfix only ever sets enabled or enhanced", v)
	}
}

func (c *UpdateClusterSettingsChange) details() changeDetails { return changeDetails{} }

// diff diffs the cluster's settings.
func (c *UpdateClusterSettingsChange) diff() (string, error) {
	name := "cluster/" + detect.ShortARN(c.Cluster)
	before, after := clusterLines(c)
	return unifiedDiff(name+" (now)", name+" (after)", before, after)
}

// clusterLines renders a cluster's settings before and after (After overlaid on Before), sorted by name.
func clusterLines(c *UpdateClusterSettingsChange) (before, after string) {
	bm, am := map[string]string{}, map[string]string{}
	for _, s := range c.Before {
		bm[s.Name], am[s.Name] = s.Value, s.Value
	}
	for _, s := range c.After {
		am[s.Name] = s.Value
	}
	lines := func(m map[string]string) string {
		names := make([]string, 0, len(m))
		for n := range m {
			names = append(names, n)
		}
		sort.Strings(names)
		var b strings.Builder
		for _, n := range names {
			fmt.Fprintf(&b, "%s: %s\n", n, m[n])
		}
		return b.String()
	}
	return lines(bm), lines(am)
}

// rederive implements rederiver: the one setting the ECS.12 fix sets (containerInsights, enabled or
// enhanced) applied to the cluster's settings read (Rebuild); any other setting is not what a remedy
// plans.
func (c *UpdateClusterSettingsChange) rederive(_ *Plan, a *Action, st *ReadState) error {
	const what = "the cluster's settings"
	cur, ok := st.Clusters[a.Resource]
	if !ok {
		cur, ok = st.Clusters[c.Cluster]
	}
	if !ok {
		return rederiveFail(a, what, "", "the cluster %s was not read", c.Cluster)
	}
	for i, s := range c.After {
		path := fmt.Sprintf("updateClusterSettings.after[%d]", i)
		if s.Name != containerInsights {
			return rederiveFail(a, what, path+".name", "is %q: the ECS.12 fix sets %s only", s.Name, containerInsights)
		}
		if s.Value != "enabled" && s.Value != "enhanced" {
			return rederiveFail(a, what, path+".value", "is %q: the ECS.12 fix sets enabled or enhanced", s.Value)
		}
	}
	if len(c.After) != 1 {
		return rederiveFail(a, what, "updateClusterSettings.after", "holds %d settings: the ECS.12 fix sets one", len(c.After))
	}
	if _, err := c.Rebuild(cur); err != nil {
		return rederiveFail(a, what, "", "%v", err)
	}
	return nil
}
