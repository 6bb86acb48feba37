#!/usr/bin/env bash
# moto-estate.sh — creates a small ECS estate with the aws CLI, for TestExportScriptAgainstMoto.
# Run against moto only (AWS_ENDPOINT_URL set): it creates resources.
set -euo pipefail
[ -n "${AWS_ENDPOINT_URL:-}" ] || { echo "moto-estate.sh: AWS_ENDPOINT_URL is not set; refusing to touch a real account" >&2; exit 1; }
VPC=$(aws ec2 describe-vpcs --query 'Vpcs[0].VpcId' --output text)
SUBNET=$(aws ec2 describe-subnets --query 'Subnets[0].SubnetId' --output text)
SUBNET2=$(aws ec2 describe-subnets --query 'Subnets[1].SubnetId' --output text)
SG=$(aws ec2 create-security-group --group-name web-tasks --description "web tasks" --vpc-id $VPC --query GroupId --output text)
aws ec2 authorize-security-group-ingress --group-id $SG --protocol tcp --port 8080 --cidr 0.0.0.0/0 >/dev/null
aws ec2 create-network-interface --subnet-id $SUBNET --groups $SG --description bastion >/dev/null
aws ec2 create-vpc-endpoint --vpc-id $VPC --service-name com.amazonaws.eu-west-1.logs --vpc-endpoint-type Interface \
  --subnet-ids $SUBNET --private-dns-enabled >/dev/null
aws iam create-role --role-name app-task --assume-role-policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}' >/dev/null
aws iam put-role-policy --role-name app-task --policy-name s3 --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}'
POL=$(aws iam create-policy --policy-name local-admin --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}' --query Policy.Arn --output text)
aws iam attach-role-policy --role-name app-task --policy-arn $POL
aws ecs create-cluster --cluster-name prod --settings name=containerInsights,value=enabled --tags key=team,value=web >/dev/null
aws ecs create-cluster --cluster-name dev >/dev/null
for i in 1 2 3; do
aws ecs register-task-definition --family web --network-mode awsvpc --requires-compatibilities FARGATE --cpu 256 --memory 512 \
  --task-role-arn arn:aws:iam::123456789012:role/app-task --tags key=rev,value=$i \
  --container-definitions "[{\"name\":\"web\",\"image\":\"nginx:1.$i\",\"memory\":512,\"essential\":true,\"portMappings\":[{\"containerPort\":8080}],\"environment\":[{\"name\":\"AWS_ACCESS_KEY_ID\",\"value\":\"AKIAIOSFODNN7EXAMPLE\"}],\"logConfiguration\":{\"logDriver\":\"awslogs\",\"options\":{\"awslogs-group\":\"/ecs/web\"}}}]" \
  --volumes '[{"name":"data","efsVolumeConfiguration":{"fileSystemId":"fs-1234","transitEncryption":"DISABLED"}}]' >/dev/null
done
aws ecs register-task-definition --family agent --network-mode host --pid-mode host \
  --container-definitions '[{"name":"agent","image":"datadog/agent:7","memory":256,"privileged":true,"readonlyRootFilesystem":false}]' \
  --volumes '[{"name":"docker","host":{"sourcePath":"/var/run/docker.sock"}}]' >/dev/null
aws ecs create-service --cluster prod --service-name web --task-definition web:2 --desired-count 2 --launch-type FARGATE --platform-version 1.3.0 \
  --network-configuration "awsvpcConfiguration={subnets=[$SUBNET,$SUBNET2],securityGroups=[$SG],assignPublicIp=ENABLED}" --tags key=team,value=web >/dev/null
aws ecs create-service --cluster dev --service-name agent --task-definition agent --scheduling-strategy DAEMON >/dev/null
for i in $(seq 1 12); do aws ecs create-service --cluster dev --service-name s$i --task-definition agent --desired-count 1 >/dev/null; done
aws ecs create-service --cluster prod --service-name ext --task-definition web:3 --deployment-controller type=EXTERNAL \
   >/dev/null
aws ecs create-task-set --cluster prod --service ext --task-definition web:3 --launch-type FARGATE \
   --network-configuration "awsvpcConfiguration={subnets=[$SUBNET],securityGroups=[$SG],assignPublicIp=ENABLED}" >/dev/null
LB=$(aws elbv2 create-load-balancer --name web-alb --subnets $SUBNET $SUBNET2 --security-groups $SG --query 'LoadBalancers[0].LoadBalancerArn' --output text)
aws elbv2 create-target-group --name web-tg --protocol HTTP --port 8080 --vpc-id $VPC --target-type ip >/dev/null
aws autoscaling create-launch-configuration --launch-configuration-name lc --image-id ami-12c6146b --instance-type t3.micro >/dev/null
aws autoscaling create-auto-scaling-group --auto-scaling-group-name asg --launch-configuration-name lc --min-size 0 --max-size 2 --vpc-zone-identifier $SUBNET >/dev/null
ASG=$(aws autoscaling describe-auto-scaling-groups --query 'AutoScalingGroups[0].AutoScalingGroupARN' --output text)
aws ecs create-capacity-provider --name cp1 --auto-scaling-group-provider "autoScalingGroupArn=$ASG,managedTerminationProtection=DISABLED" >/dev/null
aws ecs put-cluster-capacity-providers --cluster dev --capacity-providers cp1 FARGATE \
  --default-capacity-provider-strategy capacityProvider=cp1,weight=1 >/dev/null
