// This file holds the tests of the launcher's Security Hub mends: BatchUpdateFindings and GetFindingsV2.

package mototest

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"github.com/aws/smithy-go"
)

const shProduct = "arn:aws:securityhub:eu-west-1::product/aws/securityhub"

// importFindings imports ASFF findings, each (id, control, workflow status, generator id), on a task
// definition of account, and fails the test unless all were imported.
func importFindings(t *testing.T, ctx context.Context, c *securityhub.Client, account string, fs ...[4]string) {
	t.Helper()
	in := &securityhub.BatchImportFindingsInput{}
	for _, f := range fs {
		in.Findings = append(in.Findings, types.AwsSecurityFinding{
			Id: aws.String(f[0]), ProductArn: aws.String(shProduct), AwsAccountId: aws.String(account),
			Region: aws.String("eu-west-1"), GeneratorId: aws.String(f[3]), SchemaVersion: aws.String("2018-10-08"),
			Title: aws.String("t"), Description: aws.String("d"), CreatedAt: aws.String("2026-11-01T00:00:00.000Z"),
			UpdatedAt: aws.String("2026-11-01T00:00:00.000Z"), Types: []string{"Software and Configuration Checks"},
			Severity:    &types.Severity{Label: types.SeverityLabelHigh},
			Compliance:  &types.Compliance{Status: types.ComplianceStatusFailed, SecurityControlId: aws.String(f[1])},
			Workflow:    &types.Workflow{Status: types.WorkflowStatus(f[2])},
			RecordState: types.RecordStateActive,
			Resources: []types.Resource{{Type: aws.String("AwsEcsTaskDefinition"),
				Id: aws.String("arn:aws:ecs:eu-west-1:" + account + ":task-definition/web:1"), Region: aws.String("eu-west-1")}},
		})
	}
	out, err := c.BatchImportFindings(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(out.FailedCount) != 0 || aws.ToInt32(out.SuccessCount) != int32(len(fs)) {
		t.Fatalf("BatchImportFindings: %d failed, %d imported", aws.ToInt32(out.FailedCount), aws.ToInt32(out.SuccessCount))
	}
}

// The launcher's mend: BatchUpdateFindings updates the stored findings' workflow status and note, answers
// which were processed and which not (a finding it does not hold), and refuses what AWS refuses.
func TestBatchUpdateFindingsMend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := Config(t, MaxAttempts(1))
	c := securityhub.NewFromConfig(cfg)
	account := AccountID(cfg)
	importFindings(t, ctx, c, account, [4]string{"f-1", "ECS.5", "NEW", "security-control/ECS.5"},
		[4]string{"f-2", "ECS.9", "NOTIFIED", "security-control/ECS.9"}, [4]string{"f-3", "ECS.12", "NEW", "security-control/ECS.12"})

	out, err := c.BatchUpdateFindings(ctx, &securityhub.BatchUpdateFindingsInput{
		FindingIdentifiers: []types.AwsSecurityFindingIdentifier{
			{Id: aws.String("f-1"), ProductArn: aws.String(shProduct)},
			{Id: aws.String("f-2"), ProductArn: aws.String(shProduct)},
			{Id: aws.String("f-missing"), ProductArn: aws.String(shProduct)},
		},
		Workflow: &types.WorkflowUpdate{Status: types.WorkflowStatusResolved},
		Note:     &types.NoteUpdate{Text: aws.String("fixed by ecsfix"), UpdatedBy: aws.String("ecsfix")},
	})
	if err != nil {
		t.Fatal(err)
	}
	var processed []string
	for _, p := range out.ProcessedFindings {
		processed = append(processed, aws.ToString(p.Id)+" "+aws.ToString(p.ProductArn))
	}
	if strings.Join(processed, ",") != "f-1 "+shProduct+",f-2 "+shProduct {
		t.Errorf("ProcessedFindings = %v, want f-1 and f-2", processed)
	}
	if len(out.UnprocessedFindings) != 1 || aws.ToString(out.UnprocessedFindings[0].FindingIdentifier.Id) != "f-missing" ||
		aws.ToString(out.UnprocessedFindings[0].ErrorCode) != "FindingNotFound" {
		t.Errorf("UnprocessedFindings = %+v, want f-missing FindingNotFound", out.UnprocessedFindings)
	}

	got, err := c.GetFindings(ctx, &securityhub.GetFindingsInput{})
	if err != nil {
		t.Fatal(err)
	}
	state := map[string]string{}
	for _, f := range got.Findings {
		note := ""
		if f.Note != nil {
			note = aws.ToString(f.Note.Text) + " by " + aws.ToString(f.Note.UpdatedBy)
		}
		state[aws.ToString(f.Id)] = string(f.Workflow.Status) + "|" + note
	}
	want := map[string]string{"f-1": "RESOLVED|fixed by ecsfix by ecsfix", "f-2": "RESOLVED|fixed by ecsfix by ecsfix", "f-3": "NEW|"}
	for id, w := range want {
		if state[id] != w {
			t.Errorf("%s after the update: %q, want %q", id, state[id], w)
		}
	}

	for name, in := range map[string]*securityhub.BatchUpdateFindingsInput{
		"note too long": {FindingIdentifiers: []types.AwsSecurityFindingIdentifier{{Id: aws.String("f-3"), ProductArn: aws.String(shProduct)}},
			Note: &types.NoteUpdate{Text: aws.String(strings.Repeat("n", 513)), UpdatedBy: aws.String("ecsfix")}},
		"no finding": {FindingIdentifiers: []types.AwsSecurityFindingIdentifier{}, Workflow: &types.WorkflowUpdate{Status: types.WorkflowStatusResolved}},
	} {
		_, err := c.BatchUpdateFindings(ctx, in)
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != "InvalidInputException" {
			t.Errorf("%s: err = %v, want InvalidInputException", name, err)
		}
	}
	got, err = c.GetFindings(ctx, &securityhub.GetFindingsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range got.Findings {
		if aws.ToString(f.Id) == "f-3" && (f.Note != nil || f.Workflow.Status != types.WorkflowStatusNew) {
			t.Errorf("a refused update changed f-3: %+v %s", f.Note, f.Workflow.Status)
		}
	}
}

// The launcher's mend: GetFindingsV2 answers the stored findings in OCSF, paged, with what ecsfix reads
// of them; a finding generated as an exposure finding reads as one.
func TestGetFindingsV2Mend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := Config(t, MaxAttempts(1))
	c := securityhub.NewFromConfig(cfg)
	account := AccountID(cfg)
	importFindings(t, ctx, c, account, [4]string{"f-1", "ECS.5", "NEW", "security-control/ECS.5"},
		[4]string{"f-2", "ECS.9", "NOTIFIED", "security-control/ECS.9"}, [4]string{"x-1", "", "NEW", "security-hub/Exposure"})

	type ocsf struct {
		FindingInfo struct {
			UID      string `json:"uid"`
			Analytic *struct {
				Name string `json:"name"`
			} `json:"analytic"`
		} `json:"finding_info"`
		Cloud struct {
			Account struct{ UID string } `json:"account"`
			Region  string               `json:"region"`
		} `json:"cloud"`
		Metadata struct {
			Product struct{ UID string } `json:"product"`
		} `json:"metadata"`
		Compliance *struct{ Control, Status string } `json:"compliance"`
		Status     string                            `json:"status"`
		Resources  []struct{ UID, Type string }      `json:"resources"`
	}
	var all []ocsf
	pages := 0
	p := securityhub.NewGetFindingsV2Paginator(c, &securityhub.GetFindingsV2Input{MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, d := range out.Findings {
			b, err := d.MarshalSmithyDocument()
			if err != nil {
				t.Fatal(err)
			}
			var f ocsf
			if err := json.Unmarshal(b, &f); err != nil {
				t.Fatal(err)
			}
			all = append(all, f)
		}
	}
	if pages != 2 || len(all) != 3 {
		t.Fatalf("%d findings in %d pages, want 3 in 2", len(all), pages)
	}
	byID := map[string]ocsf{}
	for _, f := range all {
		byID[f.FindingInfo.UID] = f
		if f.Cloud.Account.UID != account || f.Cloud.Region != "eu-west-1" || f.Metadata.Product.UID != shProduct ||
			len(f.Resources) != 1 || f.Resources[0].Type != "AwsEcsTaskDefinition" || !strings.HasSuffix(f.Resources[0].UID, ":task-definition/web:1") {
			t.Errorf("finding %s: %+v", f.FindingInfo.UID, f)
		}
	}
	if f := byID["f-1"]; f.Compliance == nil || f.Compliance.Control != "ECS.5" || f.Compliance.Status != "Fail" || f.Status != "New" || f.FindingInfo.Analytic != nil {
		t.Errorf("f-1 = %+v, want ECS.5 Fail New", f)
	}
	if f := byID["f-2"]; f.Status != "In Progress" {
		t.Errorf("f-2 status = %q, want In Progress (NOTIFIED)", f.Status)
	}
	if f := byID["x-1"]; f.FindingInfo.Analytic == nil || f.FindingInfo.Analytic.Name != "Exposure" || f.Compliance != nil {
		t.Errorf("x-1 = %+v, want an exposure finding", f)
	}
}

// The launcher's mend: BatchUpdateFindingsV2 updates the stored findings named by account, id and
// product (status and comment, as GetFindingsV2 then answers them), answers a finding it does not hold
// as unprocessed, and refuses what AWS refuses.
func TestBatchUpdateFindingsV2Mend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := Config(t, MaxAttempts(1))
	c := securityhub.NewFromConfig(cfg)
	account := AccountID(cfg)
	importFindings(t, ctx, c, account, [4]string{"x-1", "", "NEW", "security-hub/Exposure"},
		[4]string{"x-2", "", "NEW", "security-hub/Exposure"})
	ident := func(id, acct string) types.OcsfFindingIdentifier {
		return types.OcsfFindingIdentifier{CloudAccountUid: aws.String(acct), FindingInfoUid: aws.String(id), MetadataProductUid: aws.String(shProduct)}
	}
	out, err := c.BatchUpdateFindingsV2(ctx, &securityhub.BatchUpdateFindingsV2Input{
		FindingIdentifiers: []types.OcsfFindingIdentifier{ident("x-1", account), ident("x-2", "999999999999"), ident("x-missing", account)},
		Comment:            aws.String("fixed"), StatusId: aws.Int32(4),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.ProcessedFindings) != 1 || aws.ToString(out.ProcessedFindings[0].FindingIdentifier.FindingInfoUid) != "x-1" {
		t.Errorf("ProcessedFindings = %+v, want x-1", out.ProcessedFindings)
	}
	var unprocessed []string
	for _, u := range out.UnprocessedFindings {
		unprocessed = append(unprocessed, aws.ToString(u.FindingIdentifier.FindingInfoUid)+" "+string(u.ErrorCode))
	}
	if strings.Join(unprocessed, ",") != "x-2 ResourceNotFoundException,x-missing ResourceNotFoundException" {
		t.Errorf("UnprocessedFindings = %v, want x-2 (another account) and x-missing", unprocessed)
	}
	got, err := c.GetFindingsV2(ctx, &securityhub.GetFindingsV2Input{})
	if err != nil {
		t.Fatal(err)
	}
	state := map[string]string{}
	for _, d := range got.Findings {
		var f struct {
			FindingInfo struct{ UID string } `json:"finding_info"`
			Status      string               `json:"status"`
			Comment     string               `json:"comment"`
		}
		b, err := d.MarshalSmithyDocument()
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		state[f.FindingInfo.UID] = f.Status + "|" + f.Comment
	}
	if state["x-1"] != "Resolved|fixed" || state["x-2"] != "New|" {
		t.Errorf("after the update: %v, want x-1 Resolved|fixed and x-2 untouched", state)
	}
	for name, in := range map[string]*securityhub.BatchUpdateFindingsV2Input{
		"comment too long": {FindingIdentifiers: []types.OcsfFindingIdentifier{ident("x-2", account)}, Comment: aws.String(strings.Repeat("n", 513))},
		"no finding":       {FindingIdentifiers: []types.OcsfFindingIdentifier{}, StatusId: aws.Int32(4)},
		"bad status":       {FindingIdentifiers: []types.OcsfFindingIdentifier{ident("x-2", account)}, StatusId: aws.Int32(7)},
	} {
		_, err := c.BatchUpdateFindingsV2(ctx, in)
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != "InvalidInputException" {
			t.Errorf("%s: err = %v, want InvalidInputException", name, err)
		}
	}
}
