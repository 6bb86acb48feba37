package plan

import (
	"encoding/json"
	"time"
)

// FormatVersion is the version of the plan file format. A reader refuses a plan of another version.
const FormatVersion = 1

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

// ActionType names what an action does. Each type has its own payload field in Action.
type ActionType string

const (
	// RegisterTaskDefinition registers a fixed revision derived from a source revision.
	RegisterTaskDefinition ActionType = "register-task-definition"
	// UpdateService moves a service to a fixed revision and/or changes its settings.
	UpdateService ActionType = "update-service"
	// UpdateClusterSettings changes a cluster's settings (Container Insights).
	UpdateClusterSettings ActionType = "update-cluster-settings"
	// CreateSecret creates (or, on resume, finds and verifies) a Secrets Manager secret holding values
	// moved out of a revision's environment.
	CreateSecret ActionType = "create-secret"
	// PutRolePolicy creates or updates the inline policy ecsfix owns on a role (the execution role's
	// access to moved secrets and to log groups).
	PutRolePolicy ActionType = "put-role-policy"
	// EnsureLogGroup creates a CloudWatch Logs group (with a retention) unless it exists.
	EnsureLogGroup ActionType = "ensure-log-group"
	// DeregisterTaskDefinition deregisters revisions that still hold plaintext credentials (opt-in).
	DeregisterTaskDefinition ActionType = "deregister-task-definition"
	// DetachRolePolicy detaches AdministratorAccess from a task role (opt-in, high risk).
	DetachRolePolicy ActionType = "detach-role-policy"
	// RemovePolicyStatements removes Allow */* statements from a task role's inline policy (opt-in, high
	// risk); the policy is deleted when nothing else remains in it, and rollback puts it back.
	RemovePolicyStatements ActionType = "remove-policy-statements"
	// UpdateSecurityGroupIngress replaces world-open ingress rules of a group used only by the service:
	// the replacement rules are authorized first, then the open ones revoked.
	UpdateSecurityGroupIngress ActionType = "update-security-group-ingress"
	// CreateSecurityGroup creates a copy of a shared group without its world-open rules (with their
	// replacements); an update-service then moves the service to it. The shared group is not edited.
	CreateSecurityGroup ActionType = "create-security-group"
)

// OwnedPolicyName is the name of the inline role policy ecsfix owns and updates.
const OwnedPolicyName = "ecsfix"

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
}

// Precondition is a check made for an action.
type Precondition struct {
	Check  string `json:"check"`
	Result string `json:"result"` // what was found
}

// RegisterTaskDefinitionChange registers After, a copy of the source revision with every registrable
// field carried over plus the edits. Before and After are RegisterTaskDefinition inputs in the AWS CLI's
// JSON form (the form `aws ecs register-task-definition --cli-input-json` takes), with secret-bearing
// values replaced by Masked placeholders.
type RegisterTaskDefinitionChange struct {
	SourceArn string          `json:"sourceArn"`
	Family    string          `json:"family"`
	Before    json.RawMessage `json:"before"`
	After     json.RawMessage `json:"after"`
	// Edits list the changes made to Before, one line each, labelled with their control.
	Edits  []Edit   `json:"edits"`
	Masked []Masked `json:"masked,omitempty"`
	// SecretRefs are secrets[].valueFrom placeholders in After that name secrets created by earlier
	// create-secret actions; the applier writes the created secret's ARN there (with ":KEY::" when the
	// secret holds a JSON object).
	SecretRefs []SecretRef `json:"secretRefs,omitempty"`
}

// SecretRef locates a valueFrom placeholder in After and the secret it stands for.
type SecretRef struct {
	Path string `json:"path"` // e.g. containerDefinitions[0].secrets[1].valueFrom
	From string `json:"from"` // the id of the create-secret action
	Key  string `json:"key,omitempty"`
}

// CreateSecretChange creates a Secrets Manager secret from values of a source revision's environment.
// The plan holds the values' hashes, never the values: the applier reads them from the source revision
// and checks each hash before creating the secret.
type CreateSecretChange struct {
	Name     string `json:"name"`
	KmsKeyID string `json:"kmsKeyId,omitempty"`
	// JSON is true when the secret holds a JSON object with one key per variable (one secret per
	// container); false when it holds one variable's value as plain text.
	JSON   bool                `json:"json"`
	Values []SecretValueSource `json:"values"`
	// Tags say where the secret came from (source revision, container).
	Tags map[string]string `json:"tags,omitempty"`
}

// SecretValueSource is where one value of a secret comes from.
type SecretValueSource struct {
	Key        string `json:"key"` // the variable's name (the JSON key when JSON)
	SourceArn  string `json:"sourceArn"`
	SourcePath string `json:"sourcePath"` // e.g. containerDefinitions[0].environment[2].value
	SHA256     string `json:"sha256"`
}

// PutRolePolicyChange makes the ecsfix-owned inline policy (OwnedPolicyName) of a role hold Statements,
// in addition to whatever statements of other Sids it already holds.
type PutRolePolicyChange struct {
	Role       string `json:"role"` // ARN
	PolicyName string `json:"policyName"`
	// Before is the policy's document when planned ("" when the role had no such policy).
	Before     string            `json:"before,omitempty"`
	Statements []PolicyStatement `json:"statements"`
}

// PolicyStatement is an Allow statement the owned policy must hold. ResourcesFrom names create-secret
// actions whose secret ARNs are added to Resources when applying.
type PolicyStatement struct {
	Sid           string   `json:"sid"`
	Actions       []string `json:"actions"`
	Resources     []string `json:"resources,omitempty"`
	ResourcesFrom []string `json:"resourcesFrom,omitempty"`
}

// EnsureLogGroupChange creates a log group with a retention when it does not exist; an existing group
// is left as it is.
type EnsureLogGroupChange struct {
	Name          string `json:"name"`
	RetentionDays int32  `json:"retentionDays,omitempty"`
	KmsKeyID      string `json:"kmsKeyId,omitempty"`
}

// DeregisterTaskDefinitionChange deregisters revisions that still hold moved plaintext credentials.
// It is opt-in and high risk, comes after every service moved off them, and is never undone by rollback.
type DeregisterTaskDefinitionChange struct {
	TaskDefinitions []string `json:"taskDefinitions"`
}

// Edit is one change inside a task definition.
type Edit struct {
	Control string `json:"control"`
	Path    string `json:"path"` // e.g. containerDefinitions[web].readonlyRootFilesystem
	Change  string `json:"change"`
}

// MaskedValue is the placeholder a masked value has in Before and After.
const MaskedValue = "(masked)"

// Masked is a value left out of the plan: Path locates the placeholder in After (a JSON path such as
// containerDefinitions[0].environment[2].value), SourcePath the value in the source revision; the applier
// takes the value from the source revision at apply time and checks it against SHA256 (hex of the value's
// SHA-256) before registering.
type Masked struct {
	Path       string `json:"path"`
	SourcePath string `json:"sourcePath"`
	SHA256     string `json:"sha256"`
}

// UpdateServiceChange updates a service's settings; unset fields of After are left as they are.
type UpdateServiceChange struct {
	Cluster string          `json:"cluster"`
	Service string          `json:"service"`
	Before  ServiceSettings `json:"before"`
	After   ServiceSettings `json:"after"`
	// TaskDefinitionFrom is the id of the registration whose new revision After.TaskDefinition stands for.
	TaskDefinitionFrom string `json:"taskDefinitionFrom,omitempty"`
	// SecurityGroupsFrom maps placeholders in After.Network.SecurityGroups ("(security group created by
	// aN)") to the create-security-group action whose new group id replaces them when applying.
	SecurityGroupsFrom map[string]string `json:"securityGroupsFrom,omitempty"`
}

// ServiceSettings are the service fields ecsfix changes.
type ServiceSettings struct {
	TaskDefinition  string `json:"taskDefinition,omitempty"`
	PlatformVersion string `json:"platformVersion,omitempty"`
	// Network is the whole awsvpc configuration (UpdateService replaces it as a whole).
	Network *AwsVpcSettings `json:"network,omitempty"`
}

// AwsVpcSettings is a service's awsvpc network configuration.
type AwsVpcSettings struct {
	Subnets        []string `json:"subnets"`
	SecurityGroups []string `json:"securityGroups"`
	AssignPublicIp string   `json:"assignPublicIp"`
}

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

// Approval records who approved the plan's content, when, and for which ticket.
type Approval struct {
	By       string    `json:"by"`
	Ticket   string    `json:"ticket,omitempty"`
	At       time.Time `json:"at"`
	PlanHash string    `json:"planHash"`
}

// DetachRolePolicyChange detaches a managed policy from a role.
type DetachRolePolicyChange struct {
	Role      string `json:"role"` // ARN
	PolicyArn string `json:"policyArn"`
}

// RemovePolicyStatementsChange rewrites a role's inline policy without the statements that grant
// administrative access. Before is the document when planned; After is the document to put ("" when no
// statement remains: the inline policy is then deleted, and rollback puts Before back).
type RemovePolicyStatementsChange struct {
	Role       string   `json:"role"` // ARN
	PolicyName string   `json:"policyName"`
	Before     string   `json:"before"`
	After      string   `json:"after,omitempty"`
	Removed    []string `json:"removed"` // the statements removed: their Sid, or "#index"
}

// SecurityGroupPlaceholder stands in After.Network.SecurityGroups for the group a create-security-group
// action creates.
func SecurityGroupPlaceholder(actionID string) string {
	return "(security group created by " + actionID + ")"
}

// IngressRule is one security-group rule (ingress or egress) with exactly one source or destination.
type IngressRule struct {
	Protocol    string `json:"protocol"` // tcp, udp, icmp, icmpv6, or -1 (all)
	FromPort    int32  `json:"fromPort"`
	ToPort      int32  `json:"toPort"`
	CidrIPv4    string `json:"cidrIpv4,omitempty"`
	CidrIPv6    string `json:"cidrIpv6,omitempty"`
	SourceGroup string `json:"sourceGroup,omitempty"` // a security group id
	Description string `json:"description,omitempty"`
}

// UpdateSecurityGroupIngressChange authorizes the replacement rules, then revokes the world-open ones.
type UpdateSecurityGroupIngressChange struct {
	GroupID   string        `json:"groupId"`
	VpcID     string        `json:"vpcId"`
	Authorize []IngressRule `json:"authorize"`
	Revoke    []IngressRule `json:"revoke"`
}

// CreateSecurityGroupChange creates a copy of CopyOf with Ingress (its rules without the world-open ones,
// plus their replacements) and Egress (its egress rules, as they are).
type CreateSecurityGroupChange struct {
	VpcID       string            `json:"vpcId"`
	GroupName   string            `json:"groupName"`
	Description string            `json:"description"`
	CopyOf      string            `json:"copyOf"`
	Ingress     []IngressRule     `json:"ingress"`
	Egress      []IngressRule     `json:"egress"`
	Tags        map[string]string `json:"tags,omitempty"`
}
