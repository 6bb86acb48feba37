package plan

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// Ownership: which resources ecsfix leaves to their owner — infrastructure as code (owner tags) or
// another deployment controller — and what it says instead.

// isDeployedElsewhere reports a service whose deployments ecsfix does not drive (CodeDeploy blue/green,
// an external controller).
func isDeployedElsewhere(svc *ecstypes.Service) bool {
	if svc.DeploymentController == nil {
		return false
	}
	t := svc.DeploymentController.Type
	return t == ecstypes.DeploymentControllerTypeCodeDeploy || t == ecstypes.DeploymentControllerTypeExternal
}

// serviceBlocked says why a service is not updated live ("" when it may be).
func (b *builder) serviceBlocked(svc *ecstypes.Service) string {
	if owner := b.owner(svc.Tags); owner != "" {
		return owner
	}
	if isDeployedElsewhere(svc) {
		return "deployed by the " + string(svc.DeploymentController.Type) + " deployment controller, which ecsfix does not drive"
	}
	return ""
}

// ownerNames describe the usual owner tag keys.
var ownerNames = map[string]string{
	"aws:cloudformation:stack-name": "CloudFormation stack",
	"copilot-application":           "Copilot application",
	"copilot-service":               "Copilot service",
	"terraform":                     "Terraform",
	"managed-by":                    "",
	"aws:cdk:path":                  "CDK construct",
}

// owner names the infrastructure-as-code owner of a resource from its tags ("" when not owned, or when
// Options.PatchOwned).
func (b *builder) owner(tags []ecstypes.Tag) string {
	if b.opts.PatchOwned {
		return ""
	}
	for _, k := range b.opts.OwnerTagKeys {
		for _, t := range tags {
			if aws.ToString(t.Key) != k {
				continue
			}
			v := aws.ToString(t.Value)
			if name := ownerNames[k]; name != "" {
				return fmt.Sprintf("owned by %s %s (%s)", name, v, k)
			}
			return fmt.Sprintf("owned by infrastructure as code (tag %s=%s)", k, v)
		}
	}
	return ""
}
