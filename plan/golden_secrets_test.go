package plan

// No golden file, and no seed of the fuzz corpus, holds a secret value of the fixtures or of the demo
// snapshot, nor any public digest of one.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/detect/snapshot"
)

func TestGoldenFilesHoldNoSecretDigests(t *testing.T) {
	var values []string
	for _, v := range fixtureSecrets {
		values = append(values, v)
	}
	in, err := snapshot.Load(filepath.Join("..", "testdata", "demo"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range in.TaskDefinitions {
		values = append(values, SecretValues(&in.TaskDefinitions[i])...)
	}
	var files []string
	for _, pattern := range []string{filepath.Join("..", "testdata", "golden", "*"), filepath.Join("testdata", "fuzz", "FuzzRead", "*"), filepath.Join("testdata", "pins", "*")} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 5 || len(values) < 3 {
		t.Fatalf("found %d files and %d values: the test checks nothing", len(files), len(values))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text, lower := string(data), strings.ToLower(string(data))
		for _, v := range values {
			if len(v) < 6 {
				continue // too short to be told from ordinary text ("info", "true")
			}
			if strings.Contains(text, v) {
				t.Errorf("%s holds a secret value of length %d", f, len(v))
			}
			for _, d := range valueDigests(v) {
				if strings.Contains(text, d) || strings.Contains(lower, strings.ToLower(d)) {
					t.Errorf("%s holds a digest (%s) of a secret value", f, d)
				}
			}
		}
	}
}
