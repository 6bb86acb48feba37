package cli

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/report"
	"github.com/ecsfix/ecsfix/plan"
	"github.com/ecsfix/ecsfix/plan/filepatch"
)

// plan --format patch [--write]: the plan's fixes of the task definitions read from files, as a diff of
// those files (git apply takes it) or written into them. Files are read and written through an os.Root on
// the --snapshot folder (the folder of the --snapshot file): nothing outside it is read or written.

// snapshotFiles locates a snapshot's files: the folder they are in, how a task definition's
// Source.File names one under it, and the path git apply sees.
type snapshotFiles struct {
	dir    string
	single string // the --snapshot file's name under dir, when it is one file
	given  string // --snapshot as given
}

func newSnapshotFiles(snapshot string) (*snapshotFiles, error) {
	st, err := os.Stat(snapshot)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return &snapshotFiles{dir: snapshot, given: snapshot}, nil
	}
	return &snapshotFiles{dir: filepath.Dir(snapshot), single: filepath.Base(snapshot), given: snapshot}, nil
}

// name is a Source.File's name under dir.
func (s *snapshotFiles) name(file string) (string, error) {
	if s.single != "" {
		if file == s.given || file == filepath.ToSlash(s.given) || file == s.single {
			return s.single, nil
		}
		return "", fmt.Errorf("%s is not the --snapshot file %s", file, s.given)
	}
	n := filepath.FromSlash(file)
	if !filepath.IsLocal(n) {
		return "", fmt.Errorf("%s is not a file inside the --snapshot folder %s", file, s.given)
	}
	return n, nil
}

// display is the path of a Source.File as git apply sees it, run where ecsfix runs.
func (s *snapshotFiles) display(file string) string {
	p := filepath.ToSlash(s.given)
	if s.single == "" {
		p = path.Join(p, file)
	}
	p = path.Clean(p)
	if filepath.IsAbs(p) {
		if wd, err := os.Getwd(); err == nil {
			if r, err := filepath.Rel(wd, filepath.FromSlash(p)); err == nil && filepath.IsLocal(r) {
				return filepath.ToSlash(r)
			}
		}
	}
	return p
}

// fillSources gives a task definition read from a describe-task-definition document of the snapshot,
// whose reader did not record where it was, its place: the document's taskDefinition object in the file
// its ARN was located in. A task definition that already has its Source keeps it.
func (s *snapshotFiles) fillSources(inv *detect.Inventory, origins map[string]report.Origin) {
	for i := range inv.TaskDefinitions {
		td := &inv.TaskDefinitions[i]
		o, ok := origins[td.ARN()]
		if td.Source != nil || !ok || o.File == "" {
			continue
		}
		file := o.File
		if s.single == "" {
			r, err := filepath.Rel(s.dir, filepath.FromSlash(o.File))
			if err != nil || !filepath.IsLocal(r) {
				continue
			}
			file = filepath.ToSlash(r)
		}
		td.Source = &detect.FileSource{File: file, Line: o.Line, Pointer: "/taskDefinition"}
	}
}

func (o *planOptions) patch(p *plan.Plan, rep *report.Report, inv *detect.Inventory) error {
	sf, err := newSnapshotFiles(o.snapshot)
	if err != nil {
		return fmt.Errorf("--snapshot: %w", err)
	}
	sf.fillSources(inv, rep.Origins)
	root, err := os.OpenRoot(sf.dir)
	if err != nil {
		return fmt.Errorf("--snapshot: %w", err)
	}
	defer root.Close()
	pt, err := filepatch.Build(p, inv, func(file string) ([]byte, error) {
		n, err := sf.name(file)
		if err != nil {
			return nil, err
		}
		return root.ReadFile(n)
	})
	if err != nil {
		return fmt.Errorf("read task-definition file %w", err)
	}
	out := pt.Unified(sf.display)
	if !o.write {
		if _, err := fmt.Fprint(o.g.io.Out, out); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
		return nil
	}
	// --write: the header (what is fixed, the prerequisites, what is left out), then the files written
	if i := strings.Index(out, "\ndiff --git "); i >= 0 {
		out = out[:i+1]
	}
	fmt.Fprint(o.g.io.Out, out)
	written, err := pt.Write(root, sf.name)
	for _, f := range written {
		fmt.Fprintf(o.g.io.Out, "wrote %s\n", sf.display(f))
	}
	if err != nil {
		return fmt.Errorf("--write: %w", err)
	}
	return nil
}
