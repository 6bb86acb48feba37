package awsread

// The walk of a raw DescribeTaskDefinition response against the SDK's model, on crafted bodies, and the
// model itself checked against the SDK's Go types.

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecsschemas "github.com/aws/aws-sdk-go-v2/service/ecs/schemas"
	smithy "github.com/aws/smithy-go"
)

const secretValue = "Sup3rSecretEnvValue-42"

func TestUnknownFieldsPaths(t *testing.T) {
	t.Parallel()
	body := `{
	  "futureTopLevel": {"x": 1},
	  "taskDefinition": {
	    "family": "web", "revision": 3, "cpu": "256", "ipcMode": "task",
	    "ephemeralStorage": {"sizeInGiB": 30, "futureSize": 2},
	    "runtimePlatform": {"cpuArchitecture": "ARM64"},
	    "enableFaultInjection": true,
	    "inferenceAccelerators": [{"deviceName": "d", "deviceType": "t"}],
	    "containerDefinitions": [
	      {"name": "a", "environment": [{"name": "DB_PASSWORD", "value": "` + secretValue + `"}],
	       "dockerLabels": {"anyLabel": "x", "futureLike": "y"},
	       "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "g"}, "futureLog": "` + secretValue + `"}},
	      {"name": "b", "futureContainerField": {"nested": {"deep": ["` + secretValue + `"]}}, "nullField": null,
	       "Name": "case differs: the SDK reads only \"name\""}
	    ],
	    "volumes": [{"name": "v", "efsVolumeConfiguration": {"fileSystemId": "fs-1", "futureEfs": 1}}],
	    "placementConstraints": [{"type": "memberOf", "expression": "x", "futureConstraint": 1}],
	    "proxyConfiguration": {"type": "APPMESH", "containerName": "envoy", "properties": [{"name": "p", "value": "v", "futureProp": 1}]},
	    "future.dotted key\u0007": 1
	  },
	  "tags": [{"key": "team", "value": "x", "futureTag": "` + secretValue + `"}]
	}`
	got, err := unknownFields([]byte(body), describeResponse)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"futureTopLevel",
		"taskDefinition.ephemeralStorage.futureSize",
		"taskDefinition.containerDefinitions[0].logConfiguration.futureLog",
		"taskDefinition.containerDefinitions[1].futureContainerField",
		"taskDefinition.containerDefinitions[1].Name",
		"taskDefinition.volumes[0].efsVolumeConfiguration.futureEfs",
		"taskDefinition.placementConstraints[0].futureConstraint",
		"taskDefinition.proxyConfiguration.properties[0].futureProp",
		`taskDefinition["future.dotted key\a"]`,
		"tags[0].futureTag",
	}
	if !slices.Equal(got, want) {
		t.Errorf("unknown fields:\n got %q\nwant %q", got, want)
	}
	for _, p := range got {
		if strings.Contains(p, secretValue) {
			t.Errorf("path %q holds a value", p)
		}
	}
}

func TestUnknownFieldsNone(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{}`, `{"taskDefinition": null, "tags": []}`, `{"taskDefinition": {"family": "x", "futureNull": null}}`} {
		got, err := unknownFields([]byte(body), describeResponse)
		if err != nil || len(got) != 0 {
			t.Errorf("%s: %q, %v", body, got, err)
		}
	}
}

func TestUnknownFieldsUnwalkable(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat(`{"taskDefinition":`, 1) + strings.Repeat(`{"containerDefinitions":[`, 1) + `{"futureField":` +
		strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}]}}`
	if got, err := unknownFields([]byte(deep), describeResponse); err != nil || !slices.Equal(got, []string{"taskDefinition.containerDefinitions[0].futureField"}) {
		t.Errorf("an unknown member's deep value is skipped, not walked: %q, %v", got, err)
	}
	for _, body := range []string{
		`{"taskDefinition": {"family": "` + secretValue, // cut
		`{"taskDefinition": {}} {"again": 1}`,           // two values
		`{"taskDefinition": {"family": ` + secretValue + `}}`,
		``,
	} {
		_, err := unknownFields([]byte(body), describeResponse)
		if !errors.Is(err, errUnwalkable) {
			t.Errorf("%q: %v, want errUnwalkable", body, err)
		}
		if err != nil && strings.Contains(err.Error(), secretValue) {
			t.Errorf("the error holds the body: %v", err)
		}
	}
}

func TestMemberPath(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ path, key, want string }{
		{"", "tags", "tags"},
		{"taskDefinition", "ipcMode", "taskDefinition.ipcMode"},
		{"a", "has space", `a["has space"]`},
		{"a", "\x1b[31mred", `a["\x1b[31mred"]`},
		{"a", strings.Repeat("k", 70), `a["` + strings.Repeat("k", 64) + `\u2026"]`},
		{"a", "", `a[""]`},
	} {
		if got := member(tt.path, tt.key); got != tt.want {
			t.Errorf("member(%q, %q) = %q, want %q", tt.path, tt.key, got, tt.want)
		}
	}
}

// TestModelMatchesGoTypes checks the model the walk uses against the SDK's Go types: every structure
// reachable from the response has one Go field per member, named as the member with its first letter
// upper-cased, and no other field. The model is what the SDK's decoder reads (it looks each JSON member
// up by the model's name, exactly); the Go type is what it keeps.
func TestModelMatchesGoTypes(t *testing.T) {
	t.Parallel()
	seen := map[reflect.Type]bool{}
	var walk func(s *smithy.Schema, ty reflect.Type, path string)
	walk = func(s *smithy.Schema, ty reflect.Type, path string) {
		for ty.Kind() == reflect.Pointer {
			ty = ty.Elem()
		}
		switch s.Type() {
		case smithy.ShapeTypeList, smithy.ShapeTypeSet:
			if ty.Kind() != reflect.Slice {
				t.Errorf("%s: list modelled, Go %s", path, ty)
				return
			}
			walk(s.ListMember(), ty.Elem(), path+"[]")
		case smithy.ShapeTypeMap:
			if ty.Kind() != reflect.Map {
				t.Errorf("%s: map modelled, Go %s", path, ty)
				return
			}
			walk(s.MapValue(), ty.Elem(), path+"[*]")
		case smithy.ShapeTypeStructure:
			if ty.Kind() != reflect.Struct {
				t.Errorf("%s: structure modelled, Go %s", path, ty)
				return
			}
			if seen[ty] {
				return
			}
			seen[ty] = true
			fields := map[string]reflect.StructField{}
			for i := 0; i < ty.NumField(); i++ {
				f := ty.Field(i)
				if f.IsExported() && f.Name != "ResultMetadata" {
					fields[f.Name] = f
				}
			}
			for name, m := range s.Members() {
				goName := string(unicode.ToUpper(rune(name[0]))) + name[1:]
				f, ok := fields[goName]
				if !ok {
					t.Errorf("%s.%s: modelled, no Go field %s in %s", path, name, goName, ty)
					continue
				}
				delete(fields, goName)
				walk(m, f.Type, path+"."+name)
			}
			for name := range fields {
				t.Errorf("%s: Go field %s.%s is not modelled: the walk would call its member unknown", path, ty, name)
			}
		case smithy.ShapeTypeUnion:
			if ty.Kind() != reflect.Interface {
				t.Errorf("%s: union modelled, Go %s", path, ty)
			}
		}
	}
	walk(describeResponse, reflect.TypeOf(ecs.DescribeTaskDefinitionOutput{}), "")
	if len(seen) < 20 {
		t.Errorf("only %d structures walked", len(seen))
	}
	// Members whose Go name is not simply the JSON name capitalised would show above; these are checked
	// by name, the model's spelling being the wire's.
	td := ecsschemas.TaskDefinition
	for _, name := range []string{"ipcMode", "pidMode", "cpu", "inferenceAccelerators", "ephemeralStorage", "runtimePlatform", "enableFaultInjection", "proxyConfiguration", "placementConstraints"} {
		if td.Member(name) == nil {
			t.Errorf("taskDefinition member %s is not in the model", name)
		}
	}
	if ecsschemas.Volume.Member("fsxWindowsFileServerVolumeConfiguration") == nil || ecsschemas.ContainerDefinition.Member("dockerLabels").Type() != smithy.ShapeTypeMap {
		t.Error("volume or container members are not as the wire spells them")
	}
}

// TestSnapshotTestdataKnown walks every task definition the repository's test data holds (AWS CLI
// describe-task-definition output, which spells members as the API does) against the model: none is
// unknown, so a live read of the same revisions reports nothing.
func TestSnapshotTestdataKnown(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "demo", "ecs", "task-definitions", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test data: %v", err)
	}
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := unknownFields(body, describeResponse)
		if err != nil || len(got) != 0 {
			t.Errorf("%s: %q, %v", f, got, err)
		}
		// And the walk does see into them: an added member is found.
		added := strings.Replace(string(body), `"containerDefinitions": [`, `"containerDefinitions": [{"name": "x", "futureX": 1},`, 1)
		if got, _ := unknownFields([]byte(added), describeResponse); !slices.Equal(got, []string{"taskDefinition.containerDefinitions[0].futureX"}) {
			t.Errorf("%s with an added member: %q", f, got)
		}
	}
}
