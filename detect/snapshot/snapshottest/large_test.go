package snapshottest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteLargePrintsAsTheCLI checks that the files are laid out as `aws ... --output json` prints them:
// one member a line, indented by four spaces a level, ending with a newline.
func TestWriteLargePrintsAsTheCLI(t *testing.T) {
	dir := t.TempDir()
	WriteLarge(t, dir, 10, 1)
	for _, name := range []string{"taskdef-fam0001-1.json", "services-000.json"} {
		data, err := os.ReadFile(filepath.Join(dir, "ecs", name))
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		if !strings.HasPrefix(text, "{\n    \"") || !strings.HasSuffix(text, "\n}\n") {
			t.Errorf("%s: not laid out as the CLI prints it:\n%.200s", name, text)
		}
		for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
			indent := len(line) - len(strings.TrimLeft(line, " "))
			if indent%4 != 0 || strings.Contains(line, `", "`) || strings.Contains(line, "\t") {
				t.Errorf("%s:%d: %q is not one member a line indented by 4", name, i+1, line)
			}
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "ecs", "taskdef-fam0001-1.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "\n        \"taskDefinitionArn\": \"arn:aws:ecs:eu-west-1:123456789012:task-definition/fam0001:1\",\n") {
		t.Errorf("the task definition's ARN is not on a line of its own at depth 2:\n%.300s", data)
	}
}
