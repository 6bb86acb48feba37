package detect

// Control ids: the Security Hub ECS controls ecsfix evaluates and the exposure traits of ECS services it
// reports. Every package names a control by these constants, never by a string literal.
const (
	ECS1ID  = "ECS.1"
	ECS2ID  = "ECS.2"
	ECS3ID  = "ECS.3"
	ECS4ID  = "ECS.4"
	ECS5ID  = "ECS.5"
	ECS8ID  = "ECS.8"
	ECS9ID  = "ECS.9"
	ECS10ID = "ECS.10"
	ECS12ID = "ECS.12"
	ECS13ID = "ECS.13"
	ECS14ID = "ECS.14"
	ECS15ID = "ECS.15"
	ECS16ID = "ECS.16"
	ECS17ID = "ECS.17"
	ECS18ID = "ECS.18"
	ECS19ID = "ECS.19"
	ECS20ID = "ECS.20"
	ECS21ID = "ECS.21"

	ExposureAdminTaskRoleID        = "EXPOSURE.admin-task-role"
	ExposureHostNetworkID          = "EXPOSURE.host-network"
	ExposureHostPathVolumeID       = "EXPOSURE.host-path-volume"
	ExposureHostPIDID              = "EXPOSURE.host-pid"
	ExposureOpenSecurityGroupID    = "EXPOSURE.open-security-group"
	ExposurePlaintextCredentialsID = "EXPOSURE.plaintext-credentials"
	ExposurePrivilegedID           = "EXPOSURE.privileged"
	ExposurePublicIPID             = "EXPOSURE.public-ip"
	ExposureAssumableRoleID        = "EXPOSURE.assumable-role"
	ExposureVulnerabilitiesID      = "EXPOSURE.vulnerabilities"
)
