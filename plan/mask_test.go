package plan

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// Masking: no secret value reaches the plan.

// Secrets in command, entryPoint, health check, labels and log options never reach the plan.
func TestSecretsMaskedUnconditionally(t *testing.T) {
	secrets := []string{"Hunter2Secret99", "Sup3rS3cretPG", "LabelSecretValue77", "k3yAPIsecret555", "LogOptSecret321", "FirelensSecret888"}
	td := bTD("web", 1, ctrMod(0, func(c *ecstypes.ContainerDefinition) {
		c.ReadonlyRootFilesystem = nil
		c.Command = []string{"--db-password", secrets[0]}
		c.EntryPoint = []string{"sh", "-c", "PGPASSWORD=" + secrets[1] + " psql -h db"}
		c.DockerLabels = map[string]string{"db.pass": secrets[2]}
		c.HealthCheck = &ecstypes.HealthCheck{Command: []string{"CMD-SHELL", "curl -H 'X-Api-Key: " + secrets[3] + "' localhost"}}
		c.LogConfiguration.Options["x-opt"] = secrets[4]
		c.FirelensConfiguration = &ecstypes.FirelensConfiguration{Type: ecstypes.FirelensConfigurationTypeFluentbit, Options: map[string]string{"config": secrets[5]}}
		c.RepositoryCredentials = &ecstypes.RepositoryCredentials{CredentialsParameter: aws.String("arn:aws:secretsmanager:eu-west-1:111122223333:secret:registry")}
	}))
	in := bInventory([]detect.TaskDefinition{td}, []ecstypes.Service{bSvc("web", bTDArn("web", 1))})
	p := buildPlan(t, in, bOptions())
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var text, md bytes.Buffer
	if err := RenderText(&text, p, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := RenderMarkdown(&md, p, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		for what, out := range map[string]string{"plan JSON": string(raw), "text": text.String(), "markdown": md.String()} {
			if strings.Contains(out, s) {
				t.Errorf("secret %q appears in the %s", s, what)
			}
		}
	}
	if !strings.Contains(text.String(), `"(masked)"`) || !strings.Contains(text.String(), "readonlyRootFilesystem") {
		t.Errorf("the text diff does not show the change with masked values:\n%s", text.String())
	}
	if !strings.Contains(string(raw), "secret:registry") {
		t.Error("the repository credentials ARN was masked")
	}
	reg := actionsOf(p, RegisterTaskDefinition)[0].RegisterTaskDefinition
	got, err := reg.Input(&in.TaskDefinitions[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	c, src := got.ContainerDefinitions[0], in.TaskDefinitions[0].ContainerDefinitions[0]
	if !reflect.DeepEqual(c.Command, src.Command) || !reflect.DeepEqual(c.EntryPoint, src.EntryPoint) ||
		!reflect.DeepEqual(c.DockerLabels, src.DockerLabels) || !reflect.DeepEqual(c.HealthCheck.Command, src.HealthCheck.Command) ||
		!reflect.DeepEqual(c.LogConfiguration.Options, src.LogConfiguration.Options) ||
		!reflect.DeepEqual(c.FirelensConfiguration.Options, src.FirelensConfiguration.Options) {
		t.Errorf("Input did not restore the values: %+v", c)
	}
}
