// What re-verifying findings needs read: for each account and region the findings name, the ECS
// resources they name (task-definition families, services, clusters, capacity providers), or the whole
// account-region when a finding needs more than its resources.
package findings

import (
	"sort"
	"strings"

	"github.com/ecsfix/ecsfix/detect"
)

// AccountRegion is an account in a region.
type AccountRegion struct {
	Account string
	Region  string
}

// Need is what re-verifying the findings of one account-region (and fixing them) needs read.
type Need struct {
	AccountRegion
	// Whole is set when a finding needs the account-region read whole: an exposure finding (its fixes
	// must know everything that shares a role or a security group), an ECS.2 finding (its network fix
	// is one update with the open-security-group fix), or a resource ecsfix cannot locate by its id
	// alone (a service ARN in the short format, which does not name its cluster; an ECS resource type
	// it does not read by name).
	Whole bool
	// Why says, when Whole is set, which finding asked for it first.
	Why string
	// Families are the task-definition families named, Services the service ARNs (long format; a task
	// set's service), Clusters the cluster ARNs, CapacityProviders the capacity providers' names:
	// sorted, without duplicates.
	Families, Services, Clusters, CapacityProviders []string
}

// Needs groups what the findings need read by account and region, sorted by account then region. A
// finding re-verification decides without reading anything is left out: one not open, for a control
// ecsfix does not evaluate or that controls (when set) does not select, or naming no ECS resource.
func Needs(fs []Finding, controls []string) []Need {
	byKey := map[AccountRegion]*Need{}
	var keys []AccountRegion
	for i := range fs {
		f := &fs[i]
		if open, _ := f.Open(); !open || len(f.ECSResources()) == 0 {
			continue
		}
		if !f.Exposure {
			c, ok := detect.Lookup(f.Control)
			if !ok || strings.HasPrefix(c.ID, "EXPOSURE.") || len(controls) > 0 && !containsFold(controls, c.ID) {
				continue
			}
		}
		k := AccountRegion{Account: f.Account, Region: f.Region}
		n := byKey[k]
		if n == nil {
			n = &Need{AccountRegion: k}
			byKey[k] = n
			keys = append(keys, k)
		}
		n.add(f)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].Account != keys[j].Account {
			return keys[i].Account < keys[j].Account
		}
		return keys[i].Region < keys[j].Region
	})
	out := make([]Need, 0, len(keys))
	for _, k := range keys {
		n := byKey[k]
		for _, l := range []*[]string{&n.Families, &n.Services, &n.Clusters, &n.CapacityProviders} {
			*l = sortedSet(*l)
		}
		out = append(out, *n)
	}
	return out
}

// add records what one finding needs.
func (n *Need) add(f *Finding) {
	whole := func(why string) {
		if !n.Whole {
			n.Whole, n.Why = true, f.Label()+": "+why
		}
	}
	switch {
	case f.Exposure:
		whole("an exposure finding: its fixes must know every service, revision and load balancer that shares its role or security groups")
		return
	case strings.EqualFold(f.Control, detect.ECS2ID):
		whole("the public-IP fix updates the network configuration together with the open-security-group fix, which must know what shares its groups")
		return
	}
	for _, r := range f.ECSResources() {
		switch r.Type {
		case "AwsEcsTaskDefinition":
			if fam := familyOf(r.ID); fam != "" {
				n.Families = append(n.Families, fam)
				continue
			}
		case "AwsEcsService":
			if arnKind(r.ID, "service") && strings.Count(arnResource(r.ID), "/") == 2 {
				n.Services = append(n.Services, r.ID)
				continue
			}
		case "AwsEcsTaskSet":
			// arn:PARTITION:ecs:REGION:ACCOUNT:task-set/CLUSTER/SERVICE/ID (the id itself holds a "/")
			if parts := strings.Split(arnResource(r.ID), "/"); arnKind(r.ID, "task-set") && len(parts) >= 4 && parts[1] != "" && parts[2] != "" {
				n.Services = append(n.Services, arnPrefix(r.ID)+"service/"+parts[1]+"/"+parts[2])
				continue
			}
		case "AwsEcsCluster":
			if arnKind(r.ID, "cluster") {
				n.Clusters = append(n.Clusters, r.ID)
				continue
			}
		case "AwsEcsCapacityProvider":
			if arnKind(r.ID, "capacity-provider") {
				n.CapacityProviders = append(n.CapacityProviders, strings.TrimPrefix(arnResource(r.ID), "capacity-provider/"))
				continue
			}
		}
		whole("resource " + r.Type + " " + r.ID + " cannot be read by its id alone")
	}
}

// familyOf is the family of a task-definition ARN, with or without its revision ("" when id is not one).
func familyOf(id string) string {
	if a, err := detect.ParseTaskDefinitionARN(id); err == nil {
		return a.Family
	}
	if arnKind(id, "task-definition") {
		fam := strings.TrimPrefix(arnResource(id), "task-definition/")
		if fam != "" && !strings.ContainsAny(fam, ":/") {
			return fam
		}
	}
	return ""
}

// arnKind reports whether id is an ECS ARN whose resource is of kind ("service/…").
func arnKind(id, kind string) bool {
	parts := strings.SplitN(id, ":", 6)
	return len(parts) == 6 && parts[0] == "arn" && parts[2] == "ecs" && strings.HasPrefix(parts[5], kind+"/") && len(parts[5]) > len(kind)+1
}

// arnResource is the resource part of an ARN (after the fifth colon).
func arnResource(id string) string {
	parts := strings.SplitN(id, ":", 6)
	if len(parts) != 6 {
		return ""
	}
	return parts[5]
}

// arnPrefix is an ARN up to and with its fifth colon.
func arnPrefix(id string) string {
	return strings.TrimSuffix(id, arnResource(id))
}

func sortedSet(ss []string) []string {
	m := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !m[s] {
			m[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}
