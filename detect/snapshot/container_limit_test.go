package snapshot

// Tests for the limit of container definitions in a task definition read from a file.

import (
	"fmt"
	"strings"
	"testing"
)

func containerList(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(`{"name": "c%d", "image": "x"}`, i)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func TestContainerLimit(t *testing.T) {
	shapes := []struct {
		name, where string
		doc         func(list string) string
	}{
		{"task definition of its own", "containerDefinitions", func(l string) string { return `{"family": "web", "containerDefinitions": ` + l + `}` }},
		{"describe-task-definition output", "taskDefinition.containerDefinitions", func(l string) string {
			return `{"taskDefinition": {"taskDefinitionArn": "arn:aws:ecs:eu-west-1:111122223333:task-definition/web:3", "status": "ACTIVE", "containerDefinitions": ` + l + `}}`
		}},
		{"container-definitions array", "the array", func(l string) string { return l }},
	}
	for _, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			in, err := Parse("td.json", []byte(sh.doc(containerList(MaxContainers))))
			if err != nil {
				t.Fatalf("%d containers: %v", MaxContainers, err)
			}
			if n := len(in.TaskDefinitions[0].ContainerDefinitions); n != MaxContainers {
				t.Errorf("%d containers read, want %d", n, MaxContainers)
			}
			_, err = Parse("td.json", []byte(sh.doc(containerList(MaxContainers+1))))
			want := "td.json: " + sh.where + ": more than 10 container definitions; ECS allows at most 10 in a task definition"
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%d containers: error %v, want %q", MaxContainers+1, err, want)
			}
		})
	}
}

// TestContainerLimitStreams: a file of many containers is refused at the eleventh, before the decode
// bound (which counts what is decoded) is reached.
func TestContainerLimitStreams(t *testing.T) {
	doc := containerList(200000)
	_, err := Parse("big.json", []byte(doc))
	if err == nil || !strings.Contains(err.Error(), "big.json: the array: more than 10 container definitions") {
		t.Errorf("error = %v", err)
	}
}
