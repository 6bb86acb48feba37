#!/usr/bin/env bash
# export-snapshot.sh DIR — export the ECS estate of one region as an ecsfix snapshot.
#
# Writes the JSON output of read-only AWS CLI commands into DIR (ecs/, ec2/, elbv2/, iam/), one file per
# command, ready for `ecsfix scan --snapshot DIR`. Uses the aws CLI (v2 or v1) and jq. The region and the
# credentials are the CLI's own: AWS_REGION / AWS_DEFAULT_REGION, AWS_PROFILE, AWS_ENDPOINT_URL, …
#
# Permissions needed: ecs:List*, ecs:Describe*, ec2:DescribeSecurityGroups, ec2:DescribeSubnets,
# ec2:DescribeRouteTables, ec2:DescribeVpcEndpoints, elasticloadbalancing:DescribeLoadBalancers, elasticloadbalancing:DescribeTargetGroups,
# iam:GetAccountAuthorizationDetails (the ReadOnlyAccess or SecurityAudit managed policies have them all).
set -euo pipefail

out=${1:?usage: export-snapshot.sh DIR}
command -v aws >/dev/null || { echo "export-snapshot.sh: the aws CLI is not on PATH" >&2; exit 1; }
command -v jq >/dev/null || { echo "export-snapshot.sh: jq is not on PATH" >&2; exit 1; }
mkdir -p "$out/ecs" "$out/ec2" "$out/elbv2" "$out/iam"

awsj() { aws --output json "$@"; }
# safe file-name part: ARNs and names may hold ':' and '/'
slug() { printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '_'; }

# --- ECS: clusters, their services (in batches of 10, the API's limit) --------------------------------
: >"$out/.running-task-definitions"
for cluster in $(awsj ecs list-clusters --query 'clusterArns[]' --output text); do
  name=${cluster##*/}
  awsj ecs describe-clusters --clusters "$cluster" --include SETTINGS TAGS CONFIGURATIONS \
    >"$out/ecs/cluster-$(slug "$name").json"
  mapfile -t services < <(awsj ecs list-services --cluster "$cluster" --query 'serviceArns[]' --output text | tr '\t' '\n' | sed '/^$/d')
  for ((i = 0; i < ${#services[@]}; i += 10)); do
    file="$out/ecs/services-$(slug "$name")-$((i / 10 + 1)).json"
    awsj ecs describe-services --cluster "$cluster" --services "${services[@]:i:10}" --include TAGS >"$file"
    # the revisions the services run (deployments and task sets): not always the family's latest
    jq -r '.services[] | (.deployments[]?.taskDefinition, .taskSets[]?.taskDefinition, .taskDefinition) // empty' \
      "$file" >>"$out/.running-task-definitions"
  done
done

# --- ECS: task definitions: the latest ACTIVE revision of every family, plus the revisions services run ----
write_task_definition() { # $1: family, family:revision or ARN
  local tmp="$out/.task-definition.json" arn
  awsj ecs describe-task-definition --task-definition "$1" --include TAGS >"$tmp"
  arn=$(jq -r '.taskDefinition.taskDefinitionArn' "$tmp")
  mv "$tmp" "$out/ecs/taskdef-$(slug "${arn##*/}").json"
}
for family in $(awsj ecs list-task-definition-families --status ACTIVE --query 'families[]' --output text); do
  write_task_definition "$family"
done
sort -u "$out/.running-task-definitions" | while read -r arn; do
  [ -n "$arn" ] || continue
  [ -e "$out/ecs/taskdef-$(slug "${arn##*/}").json" ] || write_task_definition "$arn"
done
rm -f "$out/.running-task-definitions"

# Every capacity provider of the account; should the call without names fail (some emulators), those the
# clusters use.
if ! awsj ecs describe-capacity-providers >"$out/ecs/capacity-providers.json" 2>/dev/null; then
  mapfile -t providers < <(jq -r '.clusters[].capacityProviders[]?' "$out"/ecs/cluster-*.json 2>/dev/null | sort -u)
  rm -f "$out/ecs/capacity-providers.json"
  for ((i = 0; i < ${#providers[@]}; i += 100)); do
    awsj ecs describe-capacity-providers --capacity-providers "${providers[@]:i:100}" \
      >"$out/ecs/capacity-providers-$((i / 100 + 1)).json"
  done
fi

# --- Networking: security groups, subnets, route tables, VPC endpoints, load balancers, target groups ------------------
awsj ec2 describe-security-groups >"$out/ec2/security-groups.json"
awsj ec2 describe-subnets >"$out/ec2/subnets.json"
awsj ec2 describe-route-tables >"$out/ec2/route-tables.json"
# VPC endpoints: whether private subnets reach ECR, S3 and CloudWatch Logs without a NAT gateway
awsj ec2 describe-vpc-endpoints >"$out/ec2/vpc-endpoints.json"
# network interfaces: whether a service's security group is also used by other resources
awsj ec2 describe-network-interfaces >"$out/ec2/network-interfaces.json"
awsj elbv2 describe-load-balancers >"$out/elbv2/load-balancers.json"
awsj elbv2 describe-target-groups >"$out/elbv2/target-groups.json"

# --- IAM: every role with its inline and attached policies, and the managed policies' documents ------
awsj iam get-account-authorization-details --filter Role AWSManagedPolicy LocalManagedPolicy \
  >"$out/iam/authorization-details.json"

echo "snapshot written to $out" >&2
