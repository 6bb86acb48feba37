// Command ecsfix-lambda is ecsfix as an AWS Lambda function: for each EventBridge event it is given (a
// Security Hub findings event or a schedule), it runs ecsfix apply --auto --update-findings, the same
// command a cron job runs (see handler.go and the README's "Running as an AWS Lambda function").
package main

import "github.com/aws/aws-lambda-go/lambda"

func main() { lambda.Start(NewHandler()) }
