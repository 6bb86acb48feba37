package plan

import (
	"time"
)

// FormatVersion is the version of the plan file format. A reader refuses a plan of another version.
// Version 2 dropped the sha256 of masked values and of a secret's values (no digest of a secret value
// is in a plan).
const FormatVersion = 2

// Risk is how much a change can break. Configuration decides which risk applies unattended.
type Risk string

const (
	RiskLow    Risk = "low"
	RiskMedium Risk = "medium"
	RiskHigh   Risk = "high"
)

// Rank orders risks: low < medium < high; an unknown risk ranks above high.
func (r Risk) Rank() int {
	switch r {
	case RiskLow:
		return 1
	case RiskMedium:
		return 2
	case RiskHigh:
		return 3
	}
	return 4
}

// ActionType names what an action does. Each type has its own payload field in Action; the types, each
// with its payload, are in the change_*.go files, and changeKinds (change.go) maps one to the other.
type ActionType string

// Plan is the contract between deciding and writing: complete enough to apply without re-planning,
// carrying the fingerprints of the state it was planned against, never holding a secret value.
// See doc.go for the file format.
type Plan struct {
	FormatVersion int       `json:"formatVersion"`
	Tool          Tool      `json:"tool"`
	CreatedAt     time.Time `json:"createdAt"`
	Source        Source    `json:"source"`
	// Actions are in apply order: every action comes after the actions it depends on.
	Actions []Action `json:"actions"`
	// State fingerprints the resources the plan was made against; apply refuses the plan (stale) when
	// any of them changed.
	State []Fingerprint `json:"state"`
	// Skipped lists findings the plan does not fix, and why (not configured, owned by CloudFormation,
	// external deployment controller, needs input, no automatic fix).
	Skipped []Skipped `json:"skipped"`
	// Approvals are not part of the content hash; each is bound to the hash it approved.
	Approvals []Approval `json:"approvals,omitempty"`

	// partly are the controls the planner fixed only in part on a revision (control + "\x00" + revision
	// ARN): known to the process that built the plan, not in the file. ForFindings resolves none of
	// their findings.
	partly map[string]bool
}

// Tool identifies the ecsfix that made the plan.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Source says what the plan was made from.
type Source struct {
	Kind    string   `json:"kind"` // "live" or "snapshot"
	Path    string   `json:"path,omitempty"`
	Regions []string `json:"regions,omitempty"`
}

// Action is one change to one resource.
type Action struct {
	ID      string     `json:"id"`
	Type    ActionType `json:"type"`
	Account string     `json:"account"`
	Region  string     `json:"region"`
	// Resource is the ARN of the resource changed; for a registration, the source revision's ARN.
	Resource string `json:"resource"`
	// Controls are the control ids this action fixes.
	Controls []string `json:"controls"`
	// Findings are the ids of the Security Hub findings this action resolves (plan --findings): each
	// re-verified by ecsfix's own evaluation. Part of the content hash, so an approval covers them.
	Findings []string `json:"findings,omitempty"`
	Risk     Risk     `json:"risk"`
	// Summary is one line saying what changes.
	Summary string `json:"summary"`
	// Notes tell the reviewer what to know (a service running an older revision than its family's
	// latest, a redeployment, a cost).
	Notes []string `json:"notes,omitempty"`
	// Preconditions were checked when planning, and are checked again when applying.
	Preconditions []Precondition `json:"preconditions,omitempty"`
	DependsOn     []string       `json:"dependsOn,omitempty"`

	RegisterTaskDefinition     *RegisterTaskDefinitionChange     `json:"registerTaskDefinition,omitempty"`
	UpdateService              *UpdateServiceChange              `json:"updateService,omitempty"`
	UpdateClusterSettings      *UpdateClusterSettingsChange      `json:"updateClusterSettings,omitempty"`
	CreateSecret               *CreateSecretChange               `json:"createSecret,omitempty"`
	PutRolePolicy              *PutRolePolicyChange              `json:"putRolePolicy,omitempty"`
	EnsureLogGroup             *EnsureLogGroupChange             `json:"ensureLogGroup,omitempty"`
	DeregisterTaskDefinition   *DeregisterTaskDefinitionChange   `json:"deregisterTaskDefinition,omitempty"`
	DetachRolePolicy           *DetachRolePolicyChange           `json:"detachRolePolicy,omitempty"`
	RemovePolicyStatements     *RemovePolicyStatementsChange     `json:"removePolicyStatements,omitempty"`
	UpdateSecurityGroupIngress *UpdateSecurityGroupIngressChange `json:"updateSecurityGroupIngress,omitempty"`
	CreateSecurityGroup        *CreateSecurityGroupChange        `json:"createSecurityGroup,omitempty"`
	UpdateAutoScalingGroup     *UpdateAutoScalingGroupChange     `json:"updateAutoScalingGroup,omitempty"`
	UpdateCapacityProvider     *UpdateCapacityProviderChange     `json:"updateCapacityProvider,omitempty"`
}

// Precondition is a check made for an action.
type Precondition struct {
	Check  string `json:"check"`
	Result string `json:"result"` // what was found
}

// Fingerprint records facts about a resource at planning time. Apply re-reads the resource and refuses
// the plan when a fact differs, naming the resource, the fact, and both values.
type Fingerprint struct {
	Resource     string            `json:"resource"`
	ResourceType string            `json:"resourceType"`
	Region       string            `json:"region"`
	Facts        map[string]string `json:"facts"`
}

// Skipped is a finding the plan does not fix.
type Skipped struct {
	Control  string `json:"control"`
	Resource string `json:"resource"`
	Reason   string `json:"reason"`
}

// Approval records who approved the plan's content, when, and for which ticket. A signed approval also
// holds an SSH signature (OpenSSH's SSHSIG format, armored) of its statement (Approval.Statement: the
// plan hash, by, ticket and at), and the SHA256 fingerprint of the key that made it (see sign.go).
type Approval struct {
	By        string    `json:"by"`
	Ticket    string    `json:"ticket,omitempty"`
	At        time.Time `json:"at"`
	PlanHash  string    `json:"planHash"`
	Signature string    `json:"signature,omitempty"`
	Signer    string    `json:"signer,omitempty"`
}

// ServiceClusters maps the services the plan names to their clusters: a service a security-group action
// protects to the cluster that action names (the first one), a service the plan updates to its update's
// cluster. The plan's other services are found by their long-format ARN (detect.ClusterOfServiceARN).
func (p *Plan) ServiceClusters() map[string]string {
	clusterOf := map[string]string{}
	for _, a := range p.Actions {
		var named []ProtectedService
		switch {
		case a.UpdateSecurityGroupIngress != nil:
			named = a.UpdateSecurityGroupIngress.Services
		case a.CreateSecurityGroup != nil:
			named = a.CreateSecurityGroup.Services
		}
		for _, s := range named {
			if clusterOf[s.Service] == "" {
				clusterOf[s.Service] = s.Cluster
			}
		}
	}
	for _, a := range p.Actions {
		if a.UpdateService != nil {
			clusterOf[a.Resource] = a.UpdateService.Cluster
		}
	}
	return clusterOf
}
