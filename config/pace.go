// This file holds the pace section: the overrides of the quota table ecsfix paces its AWS calls by, and
// the pacer a run shares between its clients.

package config

import (
	"fmt"
	"math"
	"strings"

	"github.com/ecsfix/ecsfix/detect/awsclient"
)

// maxQuota bounds a configured burst or rate: far above any quota AWS grants, below what overflows.
const maxQuota = 1e6

func (p *Pace) validate() []error {
	var errs []error
	table := awsclient.DefaultQuotaTable()
	seen := map[string]int{}
	for i, q := range p.Quotas {
		key := fmt.Sprintf("pace.quotas[%d]", i)
		name := q.Service + "/" + q.Group
		switch {
		case q.Service == "" || q.Group == "":
			errs = append(errs, fmt.Errorf("%s: service and group are required (groups: %s)", key, groupNames(table)))
			continue
		case !hasGroup(table, q.Service, q.Group):
			errs = append(errs, fmt.Errorf("%s: no quota group %s (groups: %s)", key, name, groupNames(table)))
			continue
		}
		if j, dup := seen[name]; dup {
			errs = append(errs, fmt.Errorf("%s: %s is set by pace.quotas[%d] too", key, name, j))
		}
		seen[name] = i
		if !(q.Burst >= 1 && q.Burst <= maxQuota) || math.IsNaN(q.Burst) {
			errs = append(errs, fmt.Errorf("%s.burst: %v is not between 1 and %v", key, q.Burst, maxQuota))
		}
		if !(q.Rate > 0 && q.Rate <= maxQuota) || math.IsNaN(q.Rate) {
			errs = append(errs, fmt.Errorf("%s.rate: %v is not above 0 and at most %v (calls a second)", key, q.Rate, maxQuota))
		}
	}
	return errs
}

func hasGroup(t *awsclient.QuotaTable, service, group string) bool {
	for _, q := range t.Quotas() {
		if q.Service == service && q.Group == group {
			return true
		}
	}
	return false
}

func groupNames(t *awsclient.QuotaTable) string {
	var names []string
	for _, q := range t.Quotas() {
		names = append(names, q.Service+"/"+q.Group)
	}
	return strings.Join(names, ", ")
}

// QuotaTable is the table ecsfix paces its calls by: awsclient.DefaultQuotas with pace.quotas applied.
func (c *Config) QuotaTable() (*awsclient.QuotaTable, error) {
	overrides := make([]awsclient.Override, 0, len(c.Pace.Quotas))
	for _, q := range c.Pace.Quotas {
		overrides = append(overrides, awsclient.Override{Service: q.Service, Group: q.Group, Burst: q.Burst, Rate: q.Rate})
	}
	t, err := awsclient.DefaultQuotaTable().WithOverrides(overrides)
	if err != nil {
		return nil, fmt.Errorf("pace.quotas: %w", err)
	}
	return t, nil
}

// NewPacer returns a pacer of the configured table (pace.quotas) and pace.adaptive, to be shared by every
// AWS client of one run.
func (c *Config) NewPacer() (*awsclient.Pacer, error) {
	t, err := c.QuotaTable()
	if err != nil {
		return nil, err
	}
	return awsclient.NewPacer(t, awsclient.PacerOptions{Adaptive: c.Pace.Adaptive}), nil
}
