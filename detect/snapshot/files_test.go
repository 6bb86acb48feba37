// This file tests that a snapshot stays inside its folder and within its limits.

package snapshot

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestSymlinks(t *testing.T) {
	outside := writeTree(t, map[string]string{"secret.json": svcA})
	dir := writeTree(t, map[string]string{"ecs/taskdef.json": tdWeb1, "real/services.json": svcA})
	link := func(t *testing.T, target, name string) string {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.Symlink(target, p); err != nil {
			t.Skipf("symbolic links: %v", err)
		}
		t.Cleanup(func() { os.Remove(p) })
		return p
	}

	// A link to a file inside the folder is followed.
	link(t, filepath.Join("..", "real", "services.json"), "ecs/services.json")
	snap, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Inventory.Services) != 1 {
		t.Errorf("services = %d", len(snap.Inventory.Services))
	}

	// A link leading outside, absolute or through .., is refused, naming the link.
	for _, target := range []string{
		filepath.Join(outside, "secret.json"),
		filepath.Join("..", "..", filepath.Base(outside), "secret.json"),
	} {
		t.Run(target, func(t *testing.T) {
			p := link(t, target, "ecs/escape.json")
			_, err := Open(dir)
			if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "outside the snapshot folder") {
				t.Errorf("error = %v", err)
			}
		})
	}

	// A link to a folder is not followed, inside or outside.
	link(t, outside, "ecs/elsewhere")
	link(t, filepath.Join("..", "real"), "ecs/again")
	if _, err := Open(dir); err != nil {
		t.Errorf("links to folders: %v", err)
	}

	// A dangling link is an error naming it.
	p := link(t, "nothing.json", "ecs/dangling.json")
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("dangling link: %v", err)
	}
}

// TestLimits: a huge file (sparse: no disk used) and a folder of many tiny files are refused before
// they are read, naming the limit and the file.
func TestLimits(t *testing.T) {
	t.Run("file size", func(t *testing.T) {
		dir := writeTree(t, map[string]string{"ecs/services.json": svcA})
		big := filepath.Join(dir, "ecs", "big.json")
		f, err := os.Create(big)
		if err != nil {
			t.Fatal(err)
		}
		// 500 MB, the size the issue reports, as a sparse file: if it were read, the test would fail on
		// its content, not pass.
		if err := f.Truncate(500 << 20); err != nil {
			t.Fatal(err)
		}
		f.Close()
		// Given alone, the file is refused; in a folder, it is a read error of its own and the other
		// files are read.
		if _, err := Open(big); err == nil || !strings.Contains(err.Error(), big) || !strings.Contains(err.Error(), "snapshot.max_file_bytes") {
			t.Errorf("Open(%s) = %v", big, err)
		}
		snap, err := Open(dir)
		if err != nil {
			t.Fatalf("Open(%s) = %v", dir, err)
		}
		if errs := snap.Inventory.Errors; len(errs) != 1 || errs[0].Resource != big || errs[0].ResourceType != ResourceTypeFile ||
			!strings.Contains(errs[0].Message, "snapshot.max_file_bytes") {
			t.Errorf("read errors = %+v", errs)
		}
		if len(snap.Inventory.Services) != 1 {
			t.Errorf("the other file was not read: %d services", len(snap.Inventory.Services))
		}
		// A configured limit applies too.
		_, err = OpenWith(filepath.Join(dir, "ecs", "services.json"), Limits{MaxFileBytes: 100})
		if err == nil || !strings.Contains(err.Error(), "more than 100 (the limit snapshot.max_file_bytes; raise it to read the file)") {
			t.Errorf("small limit: %v", err)
		}
	})

	t.Run("file count", func(t *testing.T) {
		dir := t.TempDir()
		const n = 2000
		for i := range n {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%05d.json", i)), []byte("{}"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		_, err := OpenWith(dir, Limits{MaxFiles: n / 4})
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("more than %d files and folders (the limit snapshot.max_files)", n/4)) {
			t.Errorf("error = %v", err)
		}
		// Within the limit, the files are read (and these are not AWS CLI documents: each is a read error).
		snap, err := OpenWith(dir, Limits{MaxFiles: n})
		if err != nil {
			t.Fatalf("within the limit: %v", err)
		}
		if errs := snap.Inventory.Errors; len(errs) != n || !strings.Contains(errs[0].Message, "not a recognised AWS CLI document") {
			t.Errorf("within the limit: %d read errors, first %+v", len(errs), errs[0])
		}
	})

	t.Run("total bytes", func(t *testing.T) {
		dir := writeTree(t, map[string]string{"a/services.json": svcA, "b/taskdef.json": tdWeb1})
		lim := Limits{MaxTotalBytes: int64(len(svcA) + len(tdWeb1) - 1)}
		_, err := OpenWith(dir, lim)
		// The error names the file at which the sum went over (the folders are walked in the
		// file system's order).
		if err == nil || !strings.Contains(err.Error(), "snapshot.max_total_bytes") ||
			!strings.Contains(err.Error(), filepath.Join(dir, "b", "taskdef.json")) && !strings.Contains(err.Error(), filepath.Join(dir, "a", "services.json")) {
			t.Errorf("error = %v", err)
		}
		lim.MaxTotalBytes++
		if _, err := OpenWith(dir, lim); err != nil {
			t.Errorf("at the limit: %v", err)
		}
	})
}

// TestFileOverLimitWhileRead: a file that holds more than max_file_bytes when it is read (it grew after
// it was measured) is refused with the limit's error, whichever pass over it notices.
func TestFileOverLimitWhileRead(t *testing.T) {
	dir := writeTree(t, map[string]string{"ecs/taskdef.json": tdWeb1})
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	for _, max := range []int64{10, int64(len(tdWeb1)) / 2, int64(len(tdWeb1)) - 1} {
		s := &source{root: root, dir: dir, lim: Limits{MaxFileBytes: max}.withDefaults()}
		_, err := s.parse("ecs/taskdef.json", nil)
		want := fmt.Sprintf("snapshot: %s holds more than %d bytes (the limit snapshot.max_file_bytes; raise it to read the file)", filepath.Join(dir, "ecs", "taskdef.json"), max)
		if err == nil || err.Error() != want {
			t.Errorf("limit %d: %v", max, err)
		}
	}
	s := &source{root: root, dir: dir, lim: Limits{MaxFileBytes: int64(len(tdWeb1))}.withDefaults()}
	if _, err := s.parse("ecs/taskdef.json", nil); err != nil {
		t.Errorf("at the limit: %v", err)
	}
}

// TestLocate: a resource's line is that of the first quoted occurrence of its ARN in the file, as a search
// of the whole text finds it, wherever the file's buffers are cut.
func TestLocate(t *testing.T) {
	const arn = "arn:aws:ecs:eu-west-1:123456789012:service/prod/a"
	filler := strings.Repeat(`"x": "`+strings.Repeat("y", 1000)+"\",\n", 70) // past a buffer
	for name, doc := range map[string]string{
		"own field":              "{\n\"services\": [{\n\"serviceArn\": \"" + arn + "\"}]}",
		"after a long file":      "{\n" + filler + "\"services\": [{\n\"serviceArn\": \"" + arn + "\"}]}",
		"earlier inside a value": "{\"a\": \"say \\\"" + arn + "\"\n}\n\"" + arn + "\"",
		"a longer string first":  "\"" + arn + "/more\"\n\n\"" + arn + "\"",
		"a prefix first":         "\"arn:aws\"\n\"" + arn + "\"",
		"as a key":               "{\n\n\"" + arn + "\": 1}",
		"not quoted":             arn + "\n",
		"unterminated":           "\n\"" + arn,
	} {
		t.Run(name, func(t *testing.T) {
			p := &part{services: []item[ecstypes.Service]{{id: arn}, {id: `has"quote`}}}
			if err := p.locate(strings.NewReader(doc)); err != nil {
				t.Fatal(err)
			}
			want := 0
			if off := strings.Index(doc, `"`+arn+`"`); off >= 0 {
				want = strings.Count(doc[:off], "\n") + 1
			}
			if got, ok := p.lines[arn]; got != want || ok != (want > 0) {
				t.Errorf("line %d (found %v), want %d", got, ok, want)
			}
			if _, ok := p.lines[`has"quote`]; ok {
				t.Error("an ARN holding a quote was located")
			}
		})
	}
}

// TestDecodeBound: a file whose few bytes would decode to far more memory (empty objects, each a whole
// struct) is refused, naming the file and the element; AWS CLI output is far from the bound.
func TestDecodeBound(t *testing.T) {
	// (empty volumes: 100,000 empty container definitions are refused by the container limit first)
	doc := `{"taskDefinition": {"taskDefinitionArn": "arn:aws:ecs:eu-west-1:1:task-definition/a:1", "containerDefinitions": [], "volumes": [` +
		strings.Repeat(`{},`, 100_000) + `{}]}}`
	dir := writeTree(t, map[string]string{"ecs/taskdef.json": doc})
	_, err := Load(filepath.Join(dir, "ecs", "taskdef.json"))
	if err == nil || !strings.Contains(err.Error(), "taskdef.json: taskDefinition.volumes[") ||
		!strings.Contains(err.Error(), "the values decoded so far take more than") {
		t.Errorf("error = %v", err)
	}
	// In a folder, the file is a read error naming it.
	in, err := Load(dir)
	if err != nil || len(in.Errors) != 1 || !strings.HasPrefix(in.Errors[0].Message, "taskDefinition.volumes[") ||
		!strings.Contains(in.Errors[0].Message, "the values decoded so far take more than") {
		t.Errorf("folder: %v, %+v", err, in)
	}
	// A small document may decode to more than decodeFactor times its size.
	if _, err := Parse("small.json", []byte(`{"taskDefinition": {"taskDefinitionArn": "arn:aws:ecs:eu-west-1:1:task-definition/a:1", "containerDefinitions": [{}, {}, {}]}}`)); err != nil {
		t.Errorf("small document: %v", err)
	}
}
