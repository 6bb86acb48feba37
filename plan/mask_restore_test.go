package plan

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// maskedJSONOf masks the input it is given in place (no copy): with restore it puts every value back
// once marshalled, also when it fails half-way; without, the input is left masked.
func TestMaskedJSONOfRestoresTheInput(t *testing.T) {
	td := bTD("web", 1, ctrMod(0, func(c *ecstypes.ContainerDefinition) {
		c.Command = []string{"--db-password", "Hunter2Secret99"}
		c.Environment = []ecstypes.KeyValuePair{{Name: aws.String("DB_PASSWORD"), Value: aws.String("EnvSecret1234")}, {Name: aws.String("PLAIN"), Value: aws.String("x")}}
		c.DockerLabels = map[string]string{"db.pass": "LabelSecretValue77"}
	}))
	in := RegisterInput(&td)
	want := deepCopy(*in)

	b, masked, err := maskedJSONOf(in, RegisterInput(&td), nil, nil, classifyFlagged, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(masked) < 4 {
		t.Fatalf("masked %d values, want at least the command's two, the environment's two and the label", len(masked))
	}
	for _, s := range []string{"Hunter2Secret99", "EnvSecret1234", "LabelSecretValue77"} {
		if strings.Contains(string(b), s) {
			t.Errorf("the marshalled input holds %q", s)
		}
	}
	if !reflect.DeepEqual(*in, want) {
		t.Errorf("the input is not as it was after masking with restore")
	}

	// a failure half-way (the source holds another value) still puts back what was masked
	other := RegisterInput(&td)
	other.ContainerDefinitions[0].Environment[1].Value = aws.String("y")
	if _, _, err := maskedJSONOf(in, other, nil, nil, classifyFlagged, true); err == nil {
		t.Fatal("a value missing from the source is an error")
	}
	if !reflect.DeepEqual(*in, want) {
		t.Errorf("the input is not as it was after a failed masking with restore")
	}

	if _, _, err := maskedJSONOf(in, nil, nil, nil, classifyFlagged, false); err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(in.ContainerDefinitions[0].Environment[0].Value); got != MaskedValue {
		t.Errorf("without restore the input stays masked, got %q", got)
	}
}
