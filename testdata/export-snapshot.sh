#!/usr/bin/env bash
# export-snapshot.sh [--region REGION] DIR — export the ECS estate of one region as an ecsfix snapshot.
#
# Writes the JSON output of read-only AWS CLI commands into DIR (ecs/, ec2/, elbv2/, autoscaling/, iam/, inspector2/), one file per
# command, ready for `ecsfix scan --snapshot DIR`. Uses the aws CLI (v2 or v1) and jq. The credentials are
# the CLI's own (AWS_PROFILE, AWS_ENDPOINT_URL, …); the region is --region, else AWS_REGION, else
# AWS_DEFAULT_REGION, else the profile's region, and is passed to every call (the AWS CLI v1 does not read
# AWS_REGION itself).
#
# A snapshot holds secrets: task definitions carry their environment values in plain text. DIR and every
# file in it are readable by their owner only (umask 077); keep them as private as the values.
#
# It stops at the first call that fails (exit code of that call, message on stderr), but for Amazon
# Inspector's AccessDeniedException (not enabled or not allowed), which it notes and skips. Each file is written
# to a temporary name first and renamed when the call succeeded, so a failed call leaves no empty or
# partial *.json file behind.
#
# Permissions needed: ecs:List*, ecs:Describe*, ec2:DescribeSecurityGroups, ec2:DescribeSubnets,
# ec2:DescribeRouteTables, ec2:DescribeVpcEndpoints, ec2:DescribeNetworkInterfaces,
# elasticloadbalancing:DescribeLoadBalancers, elasticloadbalancing:DescribeTargetGroups,
# autoscaling:DescribeAutoScalingGroups, iam:GetAccountAuthorizationDetails, inspector2:ListFindings (the
# ReadOnlyAccess managed policy has them all).
set -euo pipefail
shopt -s inherit_errexit
umask 077

region=
while [ $# -gt 0 ]; do
  case $1 in
  --region) region=${2:?export-snapshot.sh: --region needs a value}; shift 2 ;;
  --region=*) region=${1#--region=}; shift ;;
  --) shift; break ;;
  -*) echo "export-snapshot.sh: unknown option $1 (usage: export-snapshot.sh [--region REGION] DIR)" >&2; exit 2 ;;
  *) break ;;
  esac
done
[ $# -eq 1 ] || { echo "usage: export-snapshot.sh [--region REGION] DIR" >&2; exit 2; }
out=$1
command -v aws >/dev/null || { echo "export-snapshot.sh: the aws CLI is not on PATH" >&2; exit 1; }
command -v jq >/dev/null || { echo "export-snapshot.sh: jq is not on PATH" >&2; exit 1; }
region=${region:-${AWS_REGION:-${AWS_DEFAULT_REGION:-$(aws configure get region 2>/dev/null || true)}}}
[ -n "$region" ] || { echo "export-snapshot.sh: no region: pass --region, or set AWS_REGION or AWS_DEFAULT_REGION" >&2; exit 2; }

mkdir -p "$out/ecs" "$out/ec2" "$out/elbv2" "$out/autoscaling" "$out/iam"
chmod 700 "$out" "$out/ecs" "$out/ec2" "$out/elbv2" "$out/autoscaling" "$out/iam"
echo "export-snapshot.sh: the snapshot in $out holds secrets (task definitions' environment values in plain text): it is readable by you only; keep it so" >&2

tmp=$(mktemp "$out/.export.XXXXXX")
running="$out/.running-task-definitions"
# On any exit: no scratch file is left; after a failure, no empty folder either.
cleanup() {
  local status=$?
  rm -f "$tmp" "$running"
  [ "$status" -eq 0 ] || find "$out" -mindepth 1 -depth -type d -empty -delete 2>/dev/null || true
}
trap cleanup EXIT

awsj() { aws --region "$region" --output json "$@"; }
# save FILE COMMAND…: runs the aws CLI command and moves its output to FILE only when it succeeded.
save() {
  local file=$1
  shift
  awsj "$@" >"$tmp"
  mv "$tmp" "$file"
  : >"$tmp"
}
# list QUERY COMMAND…: the values a list command prints, one a line (its failure stops the script, which a
# command substitution inside `for … in $(…)` would not).
list() {
  local query=$1 text
  shift
  text=$(aws --region "$region" --output text --query "$query" "$@")
  printf '%s\n' "$text" | tr '\t' '\n' | sed '/^$/d;/^None$/d'
}
# safe file-name part: ARNs and names may hold ':' and '/'
slug() { printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '_'; }

# --- ECS: clusters, their services (in batches of 10, the API's limit) --------------------------------
: >"$running"
clusters=$(list 'clusterArns[]' ecs list-clusters)
for cluster in $clusters; do
  name=${cluster##*/}
  save "$out/ecs/cluster-$(slug "$name").json" ecs describe-clusters --clusters "$cluster" --include SETTINGS TAGS CONFIGURATIONS
  service_list=$(list 'serviceArns[]' ecs list-services --cluster "$cluster")
  mapfile -t services <<<"$service_list"
  [ -n "$service_list" ] || services=()
  for ((i = 0; i < ${#services[@]}; i += 10)); do
    file="$out/ecs/services-$(slug "$name")-$((i / 10 + 1)).json"
    save "$file" ecs describe-services --cluster "$cluster" --services "${services[@]:i:10}" --include TAGS
    # the revisions the services run (deployments and task sets): not always the family's latest
    jq -r '.services[] | (.deployments[]?.taskDefinition, .taskSets[]?.taskDefinition, .taskDefinition) // empty' \
      "$file" >>"$running"
  done
done

# --- ECS: task definitions: the latest ACTIVE revision of every family, plus the revisions services run ----
write_task_definition() { # $1: family, family:revision or ARN
  local arn
  awsj ecs describe-task-definition --task-definition "$1" --include TAGS >"$tmp"
  arn=$(jq -r '.taskDefinition.taskDefinitionArn' "$tmp")
  mv "$tmp" "$out/ecs/taskdef-$(slug "${arn##*/}").json"
  : >"$tmp"
}
families=$(list 'families[]' ecs list-task-definition-families --status ACTIVE)
for family in $families; do
  write_task_definition "$family"
done
for arn in $(sort -u "$running"); do
  [ -e "$out/ecs/taskdef-$(slug "${arn##*/}").json" ] || write_task_definition "$arn"
done
rm -f "$running"

# Every capacity provider of the account; should the call without names fail (some emulators), those the
# clusters use (this is the one failure the script survives, and only by making the calls that replace it).
if ! awsj ecs describe-capacity-providers >"$tmp" 2>/dev/null; then
  provider_list=$(jq -r '.clusters[].capacityProviders[]?' "$out"/ecs/cluster-*.json 2>/dev/null | sort -u || true)
  mapfile -t providers <<<"$provider_list"
  [ -n "$provider_list" ] || providers=()
  for ((i = 0; i < ${#providers[@]}; i += 100)); do
    save "$out/ecs/capacity-providers-$((i / 100 + 1)).json" ecs describe-capacity-providers --capacity-providers "${providers[@]:i:100}"
  done
else
  mv "$tmp" "$out/ecs/capacity-providers.json"
  : >"$tmp"
fi

# --- Networking: security groups, subnets, route tables, VPC endpoints, interfaces, load balancers -----------
save "$out/ec2/security-groups.json" ec2 describe-security-groups
save "$out/ec2/subnets.json" ec2 describe-subnets
save "$out/ec2/route-tables.json" ec2 describe-route-tables
# VPC endpoints: whether private subnets reach ECR, S3 and CloudWatch Logs without a NAT gateway
save "$out/ec2/vpc-endpoints.json" ec2 describe-vpc-endpoints
# network interfaces: whether a service's security group is also used by other resources
save "$out/ec2/network-interfaces.json" ec2 describe-network-interfaces
save "$out/elbv2/load-balancers.json" elbv2 describe-load-balancers
save "$out/elbv2/target-groups.json" elbv2 describe-target-groups

# --- Auto Scaling groups: whether the capacity providers' groups protect new instances (ECS.19's fix) --
save "$out/autoscaling/auto-scaling-groups.json" autoscaling describe-auto-scaling-groups

# --- IAM: every role with its inline and attached policies, and the managed policies' documents ------
save "$out/iam/authorization-details.json" iam get-account-authorization-details --filter Role AWSManagedPolicy LocalManagedPolicy

# --- Amazon Inspector: the active findings of ECR images (EXPOSURE.vulnerabilities) --------------------
# Optional: an account where Inspector is not enabled (or not allowed) answers AccessDeniedException; the
# export then says so and goes on, and the vulnerabilities trait reads NOT_EVALUATED. Any other failure
# stops the script, as every other call's does.
status=0
awsj inspector2 list-findings --filter-criteria '{"findingStatus":[{"comparison":"EQUALS","value":"ACTIVE"}],"resourceType":[{"comparison":"EQUALS","value":"AWS_ECR_CONTAINER_IMAGE"}]}' >"$tmp" 2>"$tmp.err" || status=$?
if [ "$status" -eq 0 ]; then
  mkdir -p "$out/inspector2"
  chmod 700 "$out/inspector2"
  mv "$tmp" "$out/inspector2/findings.json"
  : >"$tmp"
elif grep -q 'AccessDeniedException' "$tmp.err"; then
  echo "export-snapshot.sh: no Amazon Inspector findings exported (not enabled or not allowed; vulnerabilities will read NOT_EVALUATED): $(head -c 300 "$tmp.err")" >&2
  : >"$tmp"
else
  cat "$tmp.err" >&2
  rm -f "$tmp.err"
  exit "$status"
fi
rm -f "$tmp.err"

echo "export-snapshot.sh: snapshot of $region written to $out (it holds secrets: keep it private)" >&2
