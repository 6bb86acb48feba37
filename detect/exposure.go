package detect

import (
	"strings"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// Exposure traits are ecsfix's reading of Security Hub's exposure findings for ECS services. They are not
// Security Hub controls and have no Security Hub severity; each takes the severity of the nearest ECS.n or
// IAM.n control (privileged: ECS.4, host PID: ECS.3, host network: ECS.17, plaintext credentials: ECS.8,
// public IP: ECS.2, admin task role: IAM.1).

// exposureOnRevision adapts a task-definition check to a service trait: it is evaluated on the revision the
// service RUNS (not the family's latest), and a revision missing from the inventory is NOT_EVALUATED.
func exposureOnRevision(check func(td *TaskDefinition) Verdict) func(*ecstypes.Service, *Inventory, *Settings) Verdict {
	return func(svc *ecstypes.Service, in *Inventory, _ *Settings) Verdict {
		td, unknown := runningRevision(svc, in)
		if unknown != nil {
			return *unknown
		}
		v := check(td)
		if v.Status == Failed {
			v.Reason = "task definition " + td.ARN() + ": " + v.Reason
		}
		return v
	}
}

// TraitByTitle returns the exposure trait whose title, or one of whose older titles (Aliases), is title:
// Security Hub's current wording and the seed's older one both name the trait. Case, surrounding space and
// a trailing full stop are ignored; anything else must match whole.
func TraitByTitle(title string) (Control, bool) {
	want := normTitle(title)
	if want == "" {
		return Control{}, false
	}
	for _, c := range All() {
		if !c.Exposure {
			continue
		}
		if normTitle(c.Title) == want {
			return c, true
		}
		for _, a := range c.Aliases {
			if normTitle(a) == want {
				return c, true
			}
		}
	}
	return Control{}, false
}

func normTitle(s string) string {
	return strings.ToLower(strings.TrimSuffix(strings.Join(strings.Fields(s), " "), "."))
}
