package awsjson

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"
	"testing/iotest"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// FuzzUnmarshal: any input either fails with an error naming the input, or decodes to a value that
// Marshal writes and Unmarshal reads back equal.
func FuzzUnmarshal(f *testing.F) {
	for _, seed := range []string{
		`{"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx", "privileged": false, "environment": [{"name": "A", "value": "b"}]}]}`,
		`{"volumes": [{"name": "v", "efsVolumeConfiguration": {"fileSystemId": "fs-1", "transitEncryptionPort": 2999}}], "pidMode": "host"}`,
		`{"containerDefinitions": [{"resourceRequirements": [{"type": "GPU", "value": "1", "sharingStrategy": {"nvidiaMps": {}}}], "dockerLabels": {"a.b": "c"}}]}`,
		`{"tags": [{"key": "k", "value": "v"}], "cpu": "256", "memory": null}`,
		`{"family": 1}`, `[`, `{"bogus": true}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var in ecs.RegisterTaskDefinitionInput
		err := Unmarshal("fuzz.json", data, &in)
		// Read as a stream cut after every byte, the input gives the same error, or the same value.
		var streamed ecs.RegisterTaskDefinitionInput
		_, serr := Scan("fuzz.json", iotest.OneByteReader(bytes.NewReader(data)), nil)
		if serr == nil {
			serr = Decode("fuzz.json", iotest.OneByteReader(bytes.NewReader(data)), &streamed, Options{})
		}
		if fmt.Sprint(serr) != fmt.Sprint(err) || (err == nil && !reflect.DeepEqual(streamed, in)) {
			t.Fatalf("stream: %v, whole: %v", serr, err)
		}
		if err != nil {
			if len(err.Error()) < 9 || err.Error()[:9] != "fuzz.json" {
				t.Errorf("error does not name the input: %v", err)
			}
			return
		}
		b, err := Marshal(&in)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		var again ecs.RegisterTaskDefinitionInput
		if err := Unmarshal("again.json", b, &again); err != nil {
			t.Fatalf("re-read: %v\n%s", err, b)
		}
		b2, err := Marshal(&again)
		if err != nil || string(b2) != string(b) {
			t.Fatalf("not stable:\n%s\n%s", b, b2)
		}
	})
}

// FuzzMarshalToIsMarshal: of any document that decodes, as a registration input and as a task definition,
// MarshalTo writes what the first encoder wrote (referenceMarshal), and MarshalMasked with no masks too.
func FuzzMarshalToIsMarshal(f *testing.F) {
	for _, seed := range []string{
		`{"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx", "privileged": false, "cpu": 0, "environment": [{"name": "A", "value": "b\u2028<&>"}]}]}`,
		`{"volumes": [{"name": "v", "efsVolumeConfiguration": {"fileSystemId": "fs-1", "transitEncryptionPort": 2999}}], "pidMode": "host", "tags": []}`,
		`{"containerDefinitions": [{"resourceRequirements": [{"type": "GPU", "value": "1", "sharingStrategy": {"nvidiaMps": {}}}], "dockerLabels": {"a.b": "c", "": "\u0001"}, "logConfiguration": {"logDriver": "awslogs", "options": {}}}]}`,
		`{"taskDefinitionArn": "arn:aws:ecs:us-east-1:1:task-definition/a:1", "registeredAt": 1700000000.123, "revision": 3, "compatibilities": ["EC2"], "containerDefinitions": [{"command": [], "ulimits": [{"name": "nofile", "softLimit": -1, "hardLimit": 0}]}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var in ecs.RegisterTaskDefinitionInput
		var td ecstypes.TaskDefinition
		for _, v := range []any{&in, &td} {
			if Unmarshal("fuzz.json", data, v) != nil {
				continue
			}
			want, werr := referenceMarshal(v)
			var got, masked bytes.Buffer
			gerr := MarshalTo(&got, v)
			merr := MarshalMasked(&masked, v, &Masks{})
			if fmt.Sprint(gerr) != fmt.Sprint(werr) || fmt.Sprint(merr) != fmt.Sprint(werr) {
				t.Fatalf("errors: MarshalTo %v, MarshalMasked %v, reference %v", gerr, merr, werr)
			}
			if werr == nil && (!bytes.Equal(got.Bytes(), want) || !bytes.Equal(masked.Bytes(), want)) {
				t.Fatalf("MarshalTo\n%s\nMarshalMasked\n%s\nreference\n%s", got.Bytes(), masked.Bytes(), want)
			}
		}
	})
}
