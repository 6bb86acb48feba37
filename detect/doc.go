// Package detect reproduces Security Hub's verdicts for Amazon ECS: the ECS.n controls and the exposure
// traits of services.
//
// It holds the inventory model that both sources fill (detect/live from the AWS API, detect/snapshot from
// AWS CLI output), one file per control, and the ordered registry of controls (All). Controls are pure
// functions of the inventory and the settings: nothing in this package calls AWS, reads files or
// writes anything. A control that lacks the data it needs says NOT_EVALUATED; it never says PASSED.
// No secret value (an environment variable's value) may ever appear in a Verdict, a Result or an error.
//
// # Control semantics
//
// Security Hub evaluates the ECS controls through AWS Config managed rules run with fixed parameters;
// each control here gives the verdict that rule gives. A verdict is PASSED, FAILED or NOT_APPLICABLE, or
// NOT_EVALUATED when the inventory lacks what the control reads; its reason names the container and the
// field.
//
// Which resources are scored. Task-definition controls score only the latest ACTIVE revision of each
// family; every other revision (superseded, INACTIVE, DELETE_IN_PROGRESS) is NOT_APPLICABLE. A revision
// without status (a file with an ARN but no status) is scored, its reason saying its status is unknown:
// a missing status never hides findings. Service
// controls score every service, task-set controls every task set, cluster controls every cluster.
// "Any container" means any entry of containerDefinitions.
//
//	ECS.1   (task definition) networkMode host, and a container that is neither privileged nor run as a
//	        non-root user, fails. Root here is a user that is absent, "root", "0", or a "0:…" or "root:…"
//	        user:group. Other network modes pass. Retired by Security Hub in 2026 (in favour of ECS.4,
//	        ECS.17, ECS.20 and ECS.21); the Config rule still evaluates it, and so does ecsfix.
//	ECS.2   (service) awsvpcConfiguration.assignPublicIp ENABLED fails; DISABLED or no network
//	        configuration passes.
//	ECS.3   (task definition) pidMode host fails; task or absent passes. ipcMode is not part of it.
//	ECS.4   (task definition) a container with privileged true fails. Added Linux capabilities do not.
//	ECS.5   (task definition) a container whose readonlyRootFilesystem is false or absent fails. Windows
//	        task definitions (operatingSystemFamily WINDOWS_SERVER_*) are NOT_APPLICABLE.
//	ECS.8   (task definition) an environment entry named exactly AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY or
//	        ECS_ENGINE_AUTH_DATA fails. Values are not inspected; names in secrets or environmentFiles,
//	        and other spellings, pass. (The plaintext-credentials trait below looks further.)
//	ECS.9   (task definition) a container without logConfiguration, or with an empty logDriver, fails; any
//	        driver AWS defines counts (one outside them is NOT_EVALUATED unless another container fails).
//	        A FireLens router is a container like any other.
//	ECS.10  (service) launch type FARGATE with a platformVersion that is neither LATEST nor the latest for
//	        its OS (Linux 1.4.0, Windows 1.0.0) fails; no platformVersion means LATEST. EC2 and EXTERNAL
//	        launch types, and services with a capacity-provider strategy (which have no launch type), are
//	        NOT_APPLICABLE.
//	ECS.12  (cluster) a containerInsights setting of enabled or enhanced passes; disabled or none fails.
//	ECS.13, ECS.14, ECS.15 (service, cluster, task definition) a resource missing one of the required tag
//	        keys the configuration names (required_tags) fails; with no keys configured the control is off
//	        and gives no verdict. Tags whose key starts with aws: never count.
//	ECS.16  (task set) assignPublicIp ENABLED fails.
//	ECS.17  (task definition) networkMode host fails.
//	ECS.18  (task definition) an EFS volume whose transitEncryption is not ENABLED (DISABLED, or absent,
//	        which means DISABLED) fails; no EFS volume passes.
//	ECS.19  (capacity provider) an Auto Scaling group provider whose managedTerminationProtection is not
//	        ENABLED fails; providers without an Auto Scaling group (FARGATE, FARGATE_SPOT) are
//	        NOT_APPLICABLE.
//	ECS.20  (task definition) evaluated when operatingSystemFamily is LINUX or unset (any other family is
//	        NOT_APPLICABLE): a container whose user is absent, "root" or "0" fails. "0:0", "root:root" and
//	        other user:group forms pass, as the Config rule decides; the reason warns about them, and ECS.1
//	        fails them.
//	ECS.21  (task definition) evaluated when operatingSystemFamily is WINDOWS_SERVER_* or unset (LINUX is
//	        NOT_APPLICABLE): a container whose user is absent or "containeradministrator" (any case) fails.
//
// Values outside what AWS defines. A field holding a value AWS does not define for it (a template
// placeholder such as ${NETWORK_MODE}, or HOST for host) makes every control that reads the field
// NOT_EVALUATED, with a reason naming the field and the value: such a value is neither passed nor failed,
// and nothing is planned from it.
//
// Template placeholders. A task definition kept as a file is often a template a pipeline renders before
// registering it. FindPlaceholder recognises the placeholders of common tools (placeholder.go lists the
// forms: ${…}, ${{…}}, {{…}}, #{…}, %{…}, $$…$$, $(…), __X__, <…> and a standalone $NAME) in any string
// value. A control whose verdict depends on a placeholder is NOT_EVALUATED with a reason naming the field
// and the placeholder: a container user (ECS.1, ECS.20, ECS.21; in "1000:${GID}" only the group is
// templated and the user is judged), an enum field (above), an environment variable's name (ECS.8), a
// tag key (ECS.15). A container that fails for certain still fails the control, and the reason lists
// the containers not judged. A templated environment value does not change ECS.8 (the credential is
// filled in when the template is rendered and still lands in plaintext); the value is never printed.
//
// Containers-only files. A task definition read from a file holding only a containerDefinitions array
// (FileSource.ContainersOnly) lacks every task-level field: ECS.3 (pidMode), ECS.15 (tags), ECS.17
// (networkMode) and ECS.18 (volumes) are NOT_EVALUATED, never PASSED; ECS.1 is NOT_EVALUATED unless no
// container could fail it in host mode (then PASSED whatever the mode). The container-level controls
// (ECS.4, ECS.5, ECS.8, ECS.9, ECS.20, ECS.21) are evaluated; with no operatingSystemFamily in the file,
// as for a task definition that names none, and the reason says so.
//
// Exposure traits. Security Hub also reports exposure findings for ECS services; ecsfix reads them as
// traits of a service, evaluated on the task-definition revision the service runs (not the family's
// latest; a revision missing from the inventory is NOT_EVALUATED). Each takes the severity of the nearest
// control (Security Hub gives exposure findings their own):
//
//	EXPOSURE.privileged             a container with privileged true (ECS.4)
//	EXPOSURE.admin-task-role        the task role has AWS's AdministratorAccess attached, or a policy with an
//	                                Allow of action "*" on resource "*" (IAM.1); a role whose policies are
//	                                unknown is NOT_EVALUATED unless another policy already proves it
//	EXPOSURE.host-path-volume       a volume backed by a host path (host filesystem access)
//	EXPOSURE.host-pid               pidMode host (ECS.3)
//	EXPOSURE.host-network           networkMode host (ECS.17)
//	EXPOSURE.plaintext-credentials  an environment variable holding a credential, found by name (the ECS.8
//	                                names, *PASSWORD, *TOKEN, *SECRET, API_KEY, … but not *_URL, *_FILE,
//	                                *_ARN) and by value (AWS keys, private keys, well-known token formats,
//	                                passwords in URLs); the value is never printed (ECS.8)
//	EXPOSURE.open-security-group    a security group of the service allows ingress from 0.0.0.0/0 or ::/0
//	EXPOSURE.public-ip              the service assigns public IPs (ECS.2)
//	EXPOSURE.assumable-role         the revision has a task role: reported with what the role may do
//	                                (policies, wildcards, iam:PassRole, IAM write); PASSED (informational)
//	                                unless broad, FAILED (MEDIUM) when broad; administrative roles are
//	                                EXPOSURE.admin-task-role's (NOT_APPLICABLE here)
//	EXPOSURE.vulnerabilities        the images the service runs have Amazon Inspector (or ECR basic
//	                                scanning) findings: counts by severity, network-exploitable, with a
//	                                fix; FAILED on CRITICAL, HIGH or network-exploitable ones
//
// Titles follow Security Hub's current wording; Control.Aliases keeps the older ones (TraitByTitle reads
// either).
package detect
