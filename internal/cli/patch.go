package cli

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/report"
	"github.com/ecsfix/ecsfix/internal/textsafe"
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

// openSnapshot locates the --snapshot files and opens the os.Root they are read and written through.
func openSnapshot(snapshot string) (*snapshotFiles, *os.Root, error) {
	sf, err := newSnapshotFiles(snapshot)
	if err != nil {
		return nil, nil, err
	}
	root, err := os.OpenRoot(sf.dir)
	if err != nil {
		return nil, nil, err
	}
	return sf, root, nil
}

func (o *planOptions) patch(p *plan.Plan, inv *detect.Inventory) error {
	sf, root, err := openSnapshot(o.snapshot)
	if err != nil {
		return fmt.Errorf("--snapshot: %w", err)
	}
	defer root.Close()
	pt, err := filepatch.Build(p, inv, filepatch.RootReader(root, sf.name))
	if err != nil {
		return fmt.Errorf("read task-definition file %w", err)
	}
	out := pt.Unified(sf.display)
	w := o.g.io.Out
	if o.g.io.OutTTY {
		// on a terminal, the files' characters that act on it are escaped; redirected (for git apply),
		// the diff holds the files' bytes exactly
		w = textsafe.NewWriter(w)
	}
	if !o.write {
		if _, err := fmt.Fprint(w, out); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
		return nil
	}
	// --write: the header (what is fixed, the prerequisites, what is left out), then the files written
	if i := strings.Index(out, "\ndiff --git "); i >= 0 {
		out = out[:i+1]
	}
	fmt.Fprint(w, out)
	written, err := pt.Write(root, sf.name)
	for _, f := range written {
		fmt.Fprintf(w, "wrote %s\n", textsafe.Line(sf.display(f)))
	}
	if err != nil {
		return fmt.Errorf("--write: %w", err)
	}
	return nil
}

// addFileFindings locates the FAILED results of task definitions read from the snapshot's files at the
// container or field that failed, and gives each the edits of its file that fix it (the same edits as
// plan --format patch), for SARIF. What cannot be located or fixed keeps the result's plain location; a
// failure here is logged, never fatal to the scan.
func (g *globalOptions) addFileFindings(rep *report.Report, inv *detect.Inventory, snapshot string, controls []string) {
	sf, root, err := openSnapshot(snapshot)
	if err != nil {
		return
	}
	defer root.Close()
	texts := map[string][]byte{}
	read := func(file string) ([]byte, error) {
		if b, ok := texts[file]; ok {
			return b, nil
		}
		n, err := sf.name(file)
		if err != nil {
			return nil, err
		}
		b, err := root.ReadFile(n)
		if err == nil {
			texts[file] = b
		}
		return b, err
	}
	byID := map[string]*detect.TaskDefinition{}
	for i := range inv.TaskDefinitions {
		if td := &inv.TaskDefinitions[i]; td.Source != nil {
			byID[td.ARN()] = td
		}
	}
	fixes := map[string]*report.FileFix{} // task definition → fix of its file
	fixed := map[string]map[string]bool{} // task definition → controls its fix fixes
	if p, err := g.planOf(inv, rep, controls, nil); err != nil {
		g.log.Warn("no fixes in the SARIF output", "error", err)
	} else if pt, err := filepatch.Build(p, inv, filepatch.RootReader(root, sf.name)); err != nil {
		g.log.Warn("no fixes in the SARIF output", "error", err)
	} else {
		for _, f := range pt.Files {
			reps, err := f.Replacements()
			if err != nil {
				continue // the fix would show a value ecsfix masks: plan --format patch --write makes it
			}
			ff := &report.FileFix{}
			for _, r := range reps {
				ff.Replacements = append(ff.Replacements, report.Replacement{StartLine: r.StartLine, EndLine: r.EndLine, Inserted: r.Inserted})
			}
			for _, fx := range f.Fixes {
				fixes[fx.TaskDefinition] = ff
				fixed[fx.TaskDefinition] = map[string]bool{}
				for _, c := range fx.Controls {
					fixed[fx.TaskDefinition][c] = true
				}
			}
		}
	}
	rep.FileFindings = map[string]report.FileFinding{}
	for _, res := range rep.Results {
		td := byID[res.ResourceArn]
		if res.Status != detect.Failed || td == nil {
			continue
		}
		text, err := read(td.Source.File)
		if err != nil {
			continue
		}
		container, field := "", ""
		if len(res.Offenders) > 0 {
			container, field = res.Offenders[0].Container, res.Offenders[0].Field
		}
		ff := report.FileFinding{File: sf.display(td.Source.File), Line: filepatch.Locate(text, td.Source, container, field)}
		if fx := fixes[td.ARN()]; fx != nil && fixed[td.ARN()][res.Control] {
			ff.Fix = &report.FileFix{
				Description:  "ecsfix: fix " + res.Control + " and the other findings of this task definition in " + ff.File + " (the edits of ecsfix plan --format patch)",
				Replacements: fx.Replacements,
			}
		}
		rep.FileFindings[report.FileFindingKey(res.Control, res.ResourceArn)] = ff
	}
}
