package fix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/ecsfix/ecsfix/plan"
)

// The executor of ensure-log-group: the log group a fixed revision's logging names, created (tagged with
// the plan) with its retention unless it exists. Rollback keeps it, with its logs.

func ensureLogGroupRequest(c *plan.EnsureLogGroupChange) string {
	s := "logs:CreateLogGroup logGroupName=" + c.Name
	if c.KmsKeyID != "" {
		s += " kmsKeyId=" + c.KmsKeyID
	}
	if c.RetentionDays > 0 {
		s += fmt.Sprintf(" retentionInDays=%d", c.RetentionDays)
	}
	return s
}

// ensureLogGroup creates the log group (tagged with the plan) unless it exists, and sets the retention
// of a group it created. An existing group is left as it is, unless it is the one this action created in
// an earlier run (its tags), whose retention is then set.
func (r *run) ensureLogGroup(ctx context.Context, a *plan.Action, rep *ActionReport) error {
	c := a.EnsureLogGroup
	api := r.cl.in(a.Account).logs(a.Region)
	if err := r.journalStarted(a, ensureLogGroupRequest(c), nil, &StateRecord{LogGroup: c.Name, RetentionDays: c.RetentionDays}); err != nil {
		return err
	}
	in := &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(c.Name), Tags: map[string]string{TagPlan: r.short, TagAction: a.ID}}
	if c.KmsKeyID != "" {
		in.KmsKeyId = aws.String(c.KmsKeyID)
	}
	created := true
	_, err := api.CreateLogGroup(ctx, in)
	var exists *logstypes.ResourceAlreadyExistsException
	switch {
	case errors.As(err, &exists):
		created = false
		if r.isResume(a.ID) {
			// An earlier run may have created it and stopped before setting its retention.
			if created, err = r.logGroupCreatedHere(ctx, api, a); err != nil {
				return err
			}
		}
	case err != nil:
		return fmt.Errorf("create log group %s: %w", c.Name, err)
	}
	result := &StateRecord{LogGroup: c.Name, Created: aws.Bool(created)}
	if !created {
		r.printf("%s: log group %s exists: left as it is", a.ID, c.Name)
		return r.finish(a, rep, StatusDone, "log group exists: left as it is", result)
	}
	r.printf("%s: created log group %s", a.ID, c.Name)
	if c.RetentionDays > 0 {
		if _, err := api.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String(c.Name),
			RetentionInDays: aws.Int32(c.RetentionDays)}); err != nil {
			return fmt.Errorf("set the retention of log group %s: %w", c.Name, err)
		}
		result.RetentionDays = c.RetentionDays
		r.printf("%s: set the retention of log group %s to %d days", a.ID, c.Name, c.RetentionDays)
	}
	r.log.Info("created log group", "action", a.ID, "name", c.Name, "retentionDays", c.RetentionDays)
	return r.finish(a, rep, StatusDone, "created", result)
}

// logGroupCreatedHere tells whether the log group carries this plan's and action's provenance tags.
func (r *run) logGroupCreatedHere(ctx context.Context, api logsAPI, a *plan.Action) (bool, error) {
	arn := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s", r.partitionOf(a.Resource), a.Region, a.Account, a.EnsureLogGroup.Name)
	out, err := api.ListTagsForResource(ctx, &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil {
		return false, fmt.Errorf("list the tags of log group %s: %w", a.EnsureLogGroup.Name, err)
	}
	return out.Tags[TagPlan] == r.short && out.Tags[TagAction] == a.ID, nil
}

// partitionOf returns the partition of an ARN, else the caller's.
func (r *run) partitionOf(arn string) string {
	if parts := strings.SplitN(arn, ":", 3); len(parts) == 3 && parts[0] == "arn" && parts[1] != "" {
		return parts[1]
	}
	if r.partition != "" {
		return r.partition
	}
	return "aws"
}

// dryRunLogGroup prints the CreateLogGroup call (and PutRetentionPolicy).
func (r *run) dryRunLogGroup(a *plan.Action) {
	c := a.EnsureLogGroup
	params := map[string]any{"logGroupName": c.Name, "tags": map[string]string{TagPlan: r.short, TagAction: a.ID}}
	if c.KmsKeyID != "" {
		params["kmsKeyId"] = c.KmsKeyID
	}
	b, _ := json.Marshal(params)
	line := fmt.Sprintf("%s: would call logs:CreateLogGroup %s (an existing group is left as it is)", a.ID, b)
	if c.RetentionDays > 0 {
		line += fmt.Sprintf(", then logs:PutRetentionPolicy {\"logGroupName\":%q,\"retentionInDays\":%d}", c.Name, c.RetentionDays)
	}
	r.printf("%s", line)
}

// rollbackLogGroup keeps the log group: ecsfix never deletes one.
func (r *run) rollbackLogGroup(_ context.Context, start, _ *Record) ActionReport {
	ar := ActionReport{ID: start.Action, Type: start.ActionType, Resource: start.Resource}
	ar.Status, ar.Detail = StatusSkipped, "kept: ecsfix never deletes a log group"
	r.printf("%s: log group kept", start.Action)
	return ar
}
