// Tests apply --auto's exit code when some resources cannot be read and fixes are left for approval:
// 3 wins over 4, and what was read and may be applied unattended was applied.

package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect/mototest"
)

func TestAutoIncompleteScanWinsOverLeftForApproval(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	buildSmallEstate(t, ctx, cfg)
	// A task definition whose task role is in another account: the role cannot be read with these
	// credentials, so the scan is incomplete.
	if _, err := ecs.NewFromConfig(cfg).RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("foreign"), TaskRoleArn: aws.String("arn:aws:iam::999999999999:role/elsewhere"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("app:1"), Memory: aws.Int32(128)}},
	}); err != nil {
		t.Fatal(err)
	}
	liveEnv(t, cfg)
	out, errOut, code := runCLI(t, "apply", "--auto", "--journal", filepath.Join(t.TempDir(), "auto.journal"))
	if code != exitIncomplete {
		t.Fatalf("apply --auto: exit %d, want %d (3 wins over 4)\nstdout:\n%s\nstderr:\n%s", code, exitIncomplete, out, errOut)
	}
	if !strings.Contains(errOut, "could not read; not planned") || !strings.Contains(errOut, "999999999999") {
		t.Errorf("stderr does not name what could not be read:\n%s", errOut)
	}
	if !strings.Contains(out, "Left for approval") {
		t.Errorf("stdout does not list what was left for approval:\n%s", out)
	}
	if insights(t, cfg) != "enabled" {
		t.Errorf("Container Insights (low risk, read) was not applied although the scan was incomplete")
	}
}
