// Package snapshot is the offline source of ecsfix: it builds a detect.Inventory from files holding
// the JSON that the AWS CLI prints (`--output json`), so that an estate can be scanned without access to
// the account, and so that tests and the demo need none.
//
// It also reads the task definitions teams keep as files in their repositories (a task-definition.json
// for the ECS deploy action, an ecspresso ecs-task-def.json, a console export, Terraform's
// container_definitions), so that they can be scanned before they are deployed.
//
// It must never call AWS, never drop a field it does not understand, and never guess: a value of the
// wrong type, malformed JSON, an unrecognised document, an unknown field (outside a task-definition
// file, where it is a warning) or two different versions of one resource are errors naming the file
// (and the JSON path, or line and column). One bad file of a folder never hides the rest: it is a
// detect.ReadError naming the file and why (the scan is incomplete), and the other files are read.
//
// # Format
//
// A snapshot is a file, or a folder searched recursively for *.json files (hidden files and folders are
// skipped; a file given directly is read whatever its name). A folder is read through an os.Root: a
// symbolic link is followed when it leads to a file inside the folder, is refused (an error naming the
// link) when it leads outside it, and is not followed when it leads to a folder. Limits (Limits; the
// configuration keys snapshot.max_file_bytes, snapshot.max_files and snapshot.max_total_bytes) bound the
// size of a file, the entries walked in a folder and the bytes read in all; they are checked from the
// folder's listing before any file is read, and a snapshot over one is refused with an error naming the
// limit and the file (a file of a folder over max_file_bytes is a read error of its own, not read). A
// file is read as a stream, never whole: a file whose first member names the command that printed it
// (every AWS CLI output does) is decoded in one pass, one element of its lists at a time; when that
// fails, or the file has another shape, it is read twice (to check its JSON and recognise it, then to
// decode it), so that a file that cannot be read reports the same error either way. A file of at most
// 256 KiB (a describe-task-definition output is a few kilobytes) is read once into a reused buffer that
// the passes read, dropped once it is parsed.
// Files are parsed in parallel, one per processor (GOMAXPROCS) within a budget of 64 MiB of files at
// once, and merged in the files' order: the snapshot is the same whatever the parallelism. Strings the
// documents repeat (roles, images, option names) are kept once (a table of at most 16,384 per worker,
// dropped after the load). Loading holds what the inventory keeps, not the files. A file is UTF-8 (a
// byte-order mark is skipped) or UTF-16, little- or big-endian, with a
// byte-order mark, transcoded to UTF-8 as it is read (lines in messages are the file's; columns count
// UTF-8 bytes); a NUL byte among its first two bytes without a mark (UTF-16 without one) is refused. Each
// file holds one command's output, recognised by its top-level keys:
//
//	aws ecs describe-task-definition --include TAGS      {"taskDefinition": {…}, "tags": […]}
//	aws ecs describe-services --include TAGS             {"services": […], "failures": […]}
//	aws ecs describe-clusters --include SETTINGS TAGS CONFIGURATIONS
//	                                                     {"clusters": […], "failures": […]}
//	aws ecs describe-task-sets                           {"taskSets": […], "failures": […]}
//	aws ecs describe-capacity-providers                  {"capacityProviders": […], "failures": […], "nextToken"}
//	aws ec2 describe-security-groups                     {"SecurityGroups": […], "NextToken"}
//	aws ec2 describe-subnets                             {"Subnets": […], "NextToken"}
//	aws ec2 describe-route-tables                        {"RouteTables": […], "NextToken"}
//	aws ec2 describe-vpc-endpoints                       {"VpcEndpoints": […], "NextToken"}
//	aws ec2 describe-network-interfaces                  {"NetworkInterfaces": […], "NextToken"}
//	aws elbv2 describe-load-balancers                    {"LoadBalancers": […], "NextMarker"}
//	aws elbv2 describe-target-groups                     {"TargetGroups": […], "NextMarker"}
//	aws autoscaling describe-auto-scaling-groups         {"AutoScalingGroups": […], "NextToken"}
//	aws iam get-role                                     {"Role": {…}}
//	aws iam get-role-policy                              {"RoleName", "PolicyName", "PolicyDocument"}
//	aws iam get-account-authorization-details --filter Role AWSManagedPolicy LocalManagedPolicy
//	                                                     {"RoleDetailList": […], "Policies": […], …}
//	aws inspector2 list-findings                         {"findings": […], "nextToken"}
//
// or one task definition as a repository keeps it:
//
//	a task definition of its own, as register-task-definition --cli-input-json takes it or
//	describe-task-definition --query taskDefinition prints it (output fields included)
//	                                                     {"family", "containerDefinitions": […], "tags": […], …}
//	describe-task-definition output with the tags inside the task definition (console, ecspresso)
//	                                                     {"taskDefinition": {…, "tags": […]}}
//	a containerDefinitions array (Terraform's container_definitions)
//	                                                     [{"name", "image", …}, …]
//
// An object with a containerDefinitions member is a task definition of its own (no command's output has
// one); an array is a containerDefinitions array when it is not empty and each element is an object with
// a name and an image; anything else is not a recognised document. Tags inside a task definition are its
// tags (beside it as well, they must be the same). Every task definition read from a file records its
// detect.FileSource: the file (relative to the snapshot folder, or as given), the line its object (or
// the array) opens on, the JSON pointer to it ("" for the whole document, "/taskDefinition" in
// describe-task-definition output), and ContainersOnly for an array. One without a taskDefinitionArn is
// named by detect.FileID (its file, line and family; it must have a family, but for an array, which has
// none), is never a revision of its family (two files of one family are two task definitions, each
// evaluated) and follows no latest-ACTIVE rule. One with an ARN takes its revision and family from the
// ARN when it has none (a revision or family that contradicts the ARN is an error). A task definition of
// any shape with more than MaxContainers (10) container definitions is an error, found while its
// containers are read, one at a time. A member of a task-definition file that matches no field
// of this build is a Warning (Snapshot.Warnings: file, line, column, JSON path) and, inside the task
// definition, one of its UnknownFields (the path within the task definition, as
// "containerDefinitions[0].newField"); the first 100 of a file are kept, and one more warning counts the
// rest. Elsewhere an unknown field stays an error: those documents are only read, and an AWS CLI output
// that does not match the SDK types is a sign of the wrong document, not of a newer ECS.
//
// Values are decoded into the AWS SDK for Go v2 types the inventory holds. Member names match the SDK's
// field names case-insensitively (the CLI prints ECS in camelCase, EC2, ELB and IAM in PascalCase);
// timestamps are ISO 8601 strings (AWS CLI v2) or epoch seconds (AWS CLI v1 for JSON services); null is
// the zero value; enums keep their text. IAM policy documents, which the CLI prints as JSON objects, are
// kept as compact JSON text (a still URL-encoded string is decoded).
//
// A file of a folder that cannot be read (malformed, not recognised, a value of the wrong type, bad
// UTF-16, over max_file_bytes, …) is a detect.ReadError (ResourceType "File", Resource the file,
// Operation "ReadFile", Message why, with line and column or JSON path); the other files are read. A
// single file given directly that cannot be read is an error, as are a folder over max_files or
// max_total_bytes, a symbolic link leading outside it, and a dangling one: those concern the snapshot
// as a whole.
//
// Several files may describe the same resource (same ARN or id): identical copies are kept once (a task
// definition's Source, where it was read, is not compared), different ones are an error naming both
// files: which copy is the estate cannot be told. All task-definition revisions present are kept (the
// controls score the latest ACTIVE one). Task sets come from services' taskSets and from
// describe-task-sets. A "failures" entry with reason MISSING is ignored; any other becomes a
// detect.ReadError naming the file (the scan is then incomplete). A role from get-role alone has
// PoliciesKnown=false; get-role-policy adds an inline policy to the role of that name;
// get-account-authorization-details gives complete roles (PoliciesKnown=true) with the default-version
// document of each attached managed policy that it lists (others keep an empty document). Users and
// groups in that output are read and checked, then ignored. A paginated output that still has a
// next token is accepted as a partial snapshot.
//
// VPC endpoints decide whether a service's subnets still reach ECR, S3 and CloudWatch Logs once its
// public IP is disabled. A snapshot holding describe-vpc-endpoints output (with no next token left)
// sets Inventory.VpcEndpointsKnown: a VPC with no endpoint in it then has none. Without that document
// the endpoints are unknown and the plan does not disable a public IP on their account (a NAT gateway
// route still counts). Export it for every region (and account) the snapshot covers: a VPC whose
// endpoints were not exported looks as if it had none, which only ever keeps a public IP, never removes
// one.
//
// # Exporting a snapshot
//
// testdata/export-snapshot.sh in the repository does the following; region and credentials are the
// CLI's (AWS_REGION, AWS_PROFILE, …):
//
//	out=snapshot; mkdir -p $out/ecs $out/ec2 $out/elbv2 $out/autoscaling $out/iam $out/inspector2
//	for cluster in $(aws ecs list-clusters --query 'clusterArns[]' --output text); do
//	  name=${cluster##*/}
//	  aws ecs describe-clusters --clusters "$cluster" --include SETTINGS TAGS CONFIGURATIONS \
//	    --output json >$out/ecs/cluster-$name.json
//	  services=($(aws ecs list-services --cluster "$cluster" --query 'serviceArns[]' --output text))
//	  for ((i = 0; i < ${#services[@]}; i += 10)); do   # describe-services takes 10 at a time
//	    aws ecs describe-services --cluster "$cluster" --services "${services[@]:i:10}" --include TAGS \
//	      --output json >$out/ecs/services-$name-$((i / 10 + 1)).json
//	  done
//	done
//	# the latest ACTIVE revision of every family …
//	for family in $(aws ecs list-task-definition-families --status ACTIVE --query 'families[]' --output text); do
//	  aws ecs describe-task-definition --task-definition "$family" --include TAGS --output json >$out/ecs/taskdef-$family.json
//	done
//	# … and the revisions the services run (deployments[].taskDefinition, taskSets[].taskDefinition)
//	for arn in $(jq -r '.services[] | (.deployments[]?.taskDefinition, .taskSets[]?.taskDefinition)' $out/ecs/services-*.json | sort -u); do
//	  rev=${arn##*/}
//	  aws ecs describe-task-definition --task-definition "$arn" --include TAGS --output json >$out/ecs/taskdef-${rev/:/-}.json
//	done
//	aws ecs describe-capacity-providers --output json >$out/ecs/capacity-providers.json
//	aws ec2 describe-security-groups --output json >$out/ec2/security-groups.json
//	aws ec2 describe-subnets --output json >$out/ec2/subnets.json
//	aws ec2 describe-route-tables --output json >$out/ec2/route-tables.json
//	aws ec2 describe-vpc-endpoints --output json >$out/ec2/vpc-endpoints.json
//	aws ec2 describe-network-interfaces --output json >$out/ec2/network-interfaces.json
//	aws elbv2 describe-load-balancers --output json >$out/elbv2/load-balancers.json
//	aws elbv2 describe-target-groups --output json >$out/elbv2/target-groups.json
//	aws autoscaling describe-auto-scaling-groups --output json >$out/autoscaling/auto-scaling-groups.json
//	aws iam get-account-authorization-details --filter Role AWSManagedPolicy LocalManagedPolicy \
//	  --output json >$out/iam/authorization-details.json
//	# the active findings of ECR images (EXPOSURE.vulnerabilities); skipped, with a note, where Inspector
//	# answers AccessDeniedException (not enabled or not allowed)
//	aws inspector2 list-findings --output json --filter-criteria \
//	  '{"findingStatus":[{"comparison":"EQUALS","value":"ACTIVE"}],"resourceType":[{"comparison":"EQUALS","value":"AWS_ECR_CONTAINER_IMAGE"}]}' \
//	  >$out/inspector2/findings.json
//
// The CLI follows pagination itself. Task sets need no command of their own: describe-services includes
// them. Where get-account-authorization-details is not allowed, `aws iam get-role --role-name R` (and
// `aws iam get-role-policy --role-name R --policy-name P` per inline policy) give a partial view.
package snapshot
