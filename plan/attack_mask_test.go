package plan

import (
	"bytes"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// TestAttackSecretsInOddPlacesStayMasked: a revision whose secret values (an access key id that
// ClassifyEnv flags by its value, environment values, labels) sit in unusual fields, in maps, repeated,
// and behind pointers shared between fields; the plan (file, text) must not hold any of them.
func TestAttackSecretsInOddPlacesStayMasked(t *testing.T) {
	const key = "AKIAIOSFODNN7EXAMPLE"
	const envVal = "plain-looking-env-value-91"
	shared := aws.String(key)
	sharedEnv := aws.String(envVal)
	td := bTD("odd", 3,
		ctrMod(0, func(c *ecstypes.ContainerDefinition) {
			c.ReadonlyRootFilesystem = aws.Bool(false) // ECS.5: a fix, so a registration
			c.Environment = []ecstypes.KeyValuePair{
				{Name: aws.String("A"), Value: sharedEnv},
				{Name: aws.String("B"), Value: shared},
				{Name: aws.String("C"), Value: sharedEnv},
			}
			c.WorkingDirectory = shared // the same *string as an environment value
			c.Hostname = aws.String(key)
			c.DockerLabels = map[string]string{"x": key, "y": envVal}
			c.DnsSearchDomains = []string{key, key}
			c.ExtraHosts = []ecstypes.HostEntry{{Hostname: shared, IpAddress: aws.String("10.0.0.1")}}
			c.SystemControls = []ecstypes.SystemControl{{Namespace: aws.String("net.x"), Value: shared}}
			c.Command = []string{"--token", key}
			c.LogConfiguration.Options["awslogs-stream-prefix"] = key
			c.LogConfiguration.Options["api-key"] = envVal
			c.ResourceRequirements = []ecstypes.ResourceRequirement{{Type: ecstypes.ResourceTypeGpu, Value: shared}}
		}),
		withContainer(func() ecstypes.ContainerDefinition {
			c := bContainer("side")
			c.Environment = []ecstypes.KeyValuePair{{Name: aws.String("D"), Value: sharedEnv}, {Name: aws.String("E"), Value: shared}}
			c.DockerLabels = map[string]string{"z": key}
			return c
		}()),
		func(td *detect.TaskDefinition) {
			td.Volumes = []ecstypes.Volume{{Name: aws.String("v"), DockerVolumeConfiguration: &ecstypes.DockerVolumeConfiguration{
				DriverOpts: map[string]string{"o": key}, Labels: map[string]string{"l": key}}}}
			td.ProxyConfiguration = &ecstypes.ProxyConfiguration{ContainerName: aws.String("app"),
				Properties: []ecstypes.KeyValuePair{{Name: aws.String("p"), Value: shared}}}
			td.PlacementConstraints = []ecstypes.TaskDefinitionPlacementConstraint{{Expression: shared}}
			td.Tags = []ecstypes.Tag{{Key: aws.String("t"), Value: shared}, {Key: aws.String("u"), Value: aws.String(key)}}
		},
	)
	for _, o := range []Options{bOptions(), bOptions(func(o *Options) {
		o.Secrets = SecretsOptions{ExecutionRole: "arn:aws:iam::111122223333:role/exec", DeregisterOld: true}
	}), bOptions(func(o *Options) {
		o.Secrets = SecretsOptions{ExecutionRole: "arn:aws:iam::111122223333:role/exec", PerVariable: true}
	})} {
		checkNoSecretInPlan(t, td, o, key, envVal)
	}
}

func checkNoSecretInPlan(t *testing.T, td detect.TaskDefinition, o Options, key, envVal string) {
	t.Helper()
	in := bInventory([]detect.TaskDefinition{td}, []ecstypes.Service{bSvc("odd", bTDArn("odd", 3))})
	p := buildPlan(t, in, o)
	var file, text bytes.Buffer
	if err := Write(&file, p); err != nil {
		t.Fatal(err)
	}
	if err := RenderText(&text, p, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	regs := 0
	for _, a := range p.Actions {
		if a.RegisterTaskDefinition != nil {
			regs++
		}
	}
	kinds := map[ActionType]int{}
	for _, a := range p.Actions {
		kinds[a.Type]++
	}
	t.Logf("planned %v", kinds)
	if regs == 0 {
		t.Fatalf("no registration planned: the test checks nothing\n%s", text.String())
	}
	for _, out := range []struct{ what, s string }{{"plan file", file.String()}, {"text", text.String()}} {
		for _, v := range []string{key, envVal} {
			if n := strings.Count(out.s, v); n > 0 {
				t.Errorf("the %s holds a secret value (%d times)", out.what, n)
			}
		}
	}
	if t.Failed() {
		t.Log(text.String())
	}
}
