package filepatch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/tailscale/hujson"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/internal/textsafe"
	"github.com/ecsfix/ecsfix/plan"
)

// Building the patch of a plan: each registration whose source task definition was read from a file
// (detect.TaskDefinition.Source) becomes edits of that file; what the edits need in AWS first (a log
// group, a role grant) is a prerequisite; what cannot be written into a file is left out with the reason.

var bom = []byte{0xEF, 0xBB, 0xBF}

// Patch is the fixes of a plan written into the files of its task definitions.
type Patch struct {
	Files []*File
	// Prerequisites are changes in AWS the edited task definitions need before they are deployed.
	Prerequisites []string
	// LeftOut are fixes and findings of file task definitions that are not in the patch, with the reason.
	LeftOut []string
}

// File is one edited file.
type File struct {
	// Name is the file as its task definitions' Source names it.
	Name string
	// Old and New are its whole text before and after the edits (a byte-order mark kept).
	Old, New []byte
	// Fixes are the task definitions fixed in it.
	Fixes []Fix
	// hidden are the 0-based lines of Old that hold a value the plan masks.
	hidden map[int]bool
}

// Fix is the fix of one task definition in a file.
type Fix struct {
	TaskDefinition string // its detect.FileID, or its ARN
	Controls       []string
	Edits          []plan.Edit
	// Ops are the operations applied, with pointers into the file.
	Ops []Op
	// LeftOut says which of the task definition's fixes are not in the file, and why ("" when none).
	LeftOut string
}

// onlySecrets reports whether every control of an action is a secrets control (its support action is
// for the ECS.8 edits a file leaves out).
func onlySecrets(controls []string) bool {
	for _, c := range controls {
		if !isSecretsControl(c) {
			return false
		}
	}
	return len(controls) > 0
}

// isSecretsControl reports whether a control's fix moves values into Secrets Manager (ECS.8 and the
// plaintext-credentials exposure).
func isSecretsControl(control string) bool {
	return strings.EqualFold(control, detect.ECS8ID) || strings.EqualFold(control, detect.ExposurePlaintextCredentialsID)
}

// Reader reads a file named as a Source names it. A *NotPatchable error leaves the file's task
// definitions out of the patch with its reason; any other error fails Build.
type Reader func(name string) ([]byte, error)

// NotPatchable is a Reader's error for a file that is not patched (a symbolic link), with the reason.
type NotPatchable struct{ Reason string }

func (e *NotPatchable) Error() string { return e.Reason }

// symlinkReason is why a symbolic link is not patched: its target, read as a file of its own, is.
const symlinkReason = "a symbolic link: patch its target"

// utf16Reason is why a UTF-16 file is not patched.
const utf16Reason = "the file is UTF-16: ecsfix patches UTF-8 files; convert it to UTF-8 (iconv -f UTF-16 -t UTF-8) to patch it"

// RootReader reads files under root (name maps a Source's file to its name there); a symbolic link is
// not read but NotPatchable (its target is patched under its own name).
func RootReader(root *os.Root, name func(string) (string, error)) Reader {
	return func(file string) ([]byte, error) {
		n, err := name(file)
		if err != nil {
			return nil, err
		}
		st, err := root.Lstat(n)
		if err != nil {
			return nil, err
		}
		if st.Mode()&fs.ModeSymlink != 0 {
			return nil, &NotPatchable{Reason: symlinkReason}
		}
		return root.ReadFile(n)
	}
}

// unpatchable is why a file's text is not patched ("" when it is).
func unpatchable(b []byte) string {
	if bytes.HasPrefix(b, []byte{0xFF, 0xFE}) || bytes.HasPrefix(b, []byte{0xFE, 0xFF}) {
		return utf16Reason
	}
	return ""
}

// leaveOut lists a registration of a file not patched: the task definition with its controls, then each
// of its edits.
func leaveOut(out *Patch, td *detect.TaskDefinition, a *plan.Action, why string) {
	out.LeftOut = append(out.LeftOut, fmt.Sprintf("%s (%s): %s", td.ARN(), strings.Join(a.Controls, ", "), why))
	for _, e := range a.RegisterTaskDefinition.Edits {
		out.LeftOut = append(out.LeftOut, fmt.Sprintf("%s: %s %s: %s (not made: %s)", td.ARN(), e.Control, e.Path, e.Change, why))
	}
}

// Build writes the fixes of p for its file task definitions (those of inv with a Source) into their
// files, read with read. A registration that cannot be written is left out with the reason; an error is
// returned only when a file cannot be read.
func Build(p *plan.Plan, inv *detect.Inventory, read Reader) (*Patch, error) {
	out := &Patch{}
	byID := map[string]*detect.TaskDefinition{}
	for i := range inv.TaskDefinitions {
		if td := &inv.TaskDefinitions[i]; td.Source != nil {
			byID[td.ARN()] = td
		}
	}
	actions := map[string]*plan.Action{}
	for i := range p.Actions {
		actions[p.Actions[i].ID] = &p.Actions[i]
	}
	files := map[string]*File{}
	texts := map[string]*Text{}
	skip := map[string]string{} // file → why it is not patched
	prereq := map[string]bool{}
	live := 0
	for i := range p.Actions {
		a := &p.Actions[i]
		td := byID[a.Resource]
		if td == nil || a.Type != plan.RegisterTaskDefinition || a.RegisterTaskDefinition == nil {
			if td == nil && !isSupport(a, p, byID) {
				live++
			}
			continue
		}
		c := a.RegisterTaskDefinition
		if len(c.Edits) == 0 {
			continue // a re-registration to keep a family's order: nothing changes in a file
		}
		f := files[td.Source.File]
		if why, ok := skip[td.Source.File]; ok {
			leaveOut(out, td, a, td.Source.File+": "+why)
			continue
		}
		if f == nil {
			b, err := read(td.Source.File)
			var np *NotPatchable
			if errors.As(err, &np) {
				skip[td.Source.File] = np.Reason
				leaveOut(out, td, a, td.Source.File+": "+np.Reason)
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", td.Source.File, err)
			}
			if why := unpatchable(b); why != "" {
				skip[td.Source.File] = why
				leaveOut(out, td, a, td.Source.File+": "+why)
				continue
			}
			f = &File{Name: td.Source.File, Old: b, hidden: map[int]bool{}}
			files[f.Name] = f
			texts[f.Name] = NewText(bytes.TrimPrefix(b, bom))
		}
		t := texts[f.Name]
		fix, why := applyRegistration(t, td, a)
		if why != "" {
			out.LeftOut = append(out.LeftOut, fmt.Sprintf("%s (%s): %s", td.ARN(), strings.Join(a.Controls, ", "), why))
			continue
		}
		f.Fixes = append(f.Fixes, *fix)
		if fix.LeftOut != "" {
			out.LeftOut = append(out.LeftOut, fmt.Sprintf("%s: %s", td.ARN(), fix.LeftOut))
		}
		for _, id := range a.DependsOn {
			if d := actions[id]; d != nil && !detect.IsFileID(d.Resource) && !(fix.LeftOut != "" && onlySecrets(d.Controls)) {
				prereq[fmt.Sprintf("%s: %s (for %s)", d.Type, d.Summary, td.ARN())] = true
			}
		}
	}
	for _, s := range p.Skipped {
		if byID[s.Resource] != nil {
			out.LeftOut = append(out.LeftOut, fmt.Sprintf("%s %s: %s", s.Control, s.Resource, s.Reason))
		}
	}
	if live > 0 {
		out.LeftOut = append(out.LeftOut, fmt.Sprintf("%d action(s) on resources in AWS (not files): save the plan with --out and use ecsfix apply", live))
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		f := files[name]
		if len(f.Fixes) == 0 {
			continue
		}
		f.New = append([]byte(nil), texts[name].Bytes()...)
		if bytes.HasPrefix(f.Old, bom) {
			f.New = append(append([]byte(nil), bom...), f.New...)
		}
		if err := markHidden(f, byID, p); err != nil {
			return nil, err
		}
		out.Files = append(out.Files, f)
	}
	out.Prerequisites = slices.Sorted(maps.Keys(prereq))
	return out, nil
}

// isSupport reports whether an action only supports registrations of file task definitions (a log
// group, a role grant they need): it is a prerequisite, not an action left out.
func isSupport(a *plan.Action, p *plan.Plan, byID map[string]*detect.TaskDefinition) bool {
	for _, b := range p.Actions {
		if byID[b.Resource] != nil && slices.Contains(b.DependsOn, a.ID) {
			return true
		}
	}
	return false
}

// applyRegistration applies a registration's edits to the text of its file; on failure the text is left
// as it was and the reason is returned.
func applyRegistration(t *Text, td *detect.TaskDefinition, a *plan.Action) (*Fix, string) {
	c := a.RegisterTaskDefinition
	ops, err := Diff(c.Before, c.After)
	if err != nil {
		return nil, "its planned change cannot be read: " + err.Error()
	}
	base, err := SplitPointer(td.Source.Pointer)
	if err != nil {
		return nil, err.Error()
	}
	var fileOps []Op
	for _, op := range ops {
		if len(c.SecretRefs) > 0 && secretsEdit(op) {
			continue // ECS.8: left out (see leftOutSecrets)
		}
		if bytes.Contains(op.Value, []byte(plan.MaskedValue)) {
			return nil, "its change would write a value the plan masks; make it by hand"
		}
		path := op.Path
		if td.Source.ContainersOnly {
			if len(path) < 2 || path[0] != "containerDefinitions" {
				return nil, fmt.Sprintf("the file holds only container definitions, and the fix changes %s", Pointer(path))
			}
			path = path[1:]
		}
		fileOps = append(fileOps, Op{Kind: op.Kind, Path: append(append([]string(nil), base...), path...), Value: op.Value})
	}
	masked := maskedPaths(td, c)
	fold := folderOf(td.Source)
	t.Fold = fold
	root, err := t.parsed()
	if err != nil {
		return nil, err.Error()
	}
	if _, missing, err := hiddenLines(t.b, root, masked, fold); err != nil || missing != "" {
		// fail closed: a value the plan masks that is not where the file should hold it could be printed
		// on any line, so no line of this task definition is
		return nil, fmt.Sprintf("a value ecsfix masks (at %s) is not where the file should hold it; the task definition is left out so that none of its text is printed", missing)
	}
	ver, hidden := -1, map[int]bool{}
	t.Keep = func(off int) bool {
		if ver != t.ver {
			ver, hidden = t.ver, nil
			if r, err := t.parsed(); err == nil {
				if h, missing, err := hiddenLines(t.b, r, masked, fold); err == nil && missing == "" {
					hidden = h
				}
			}
		}
		return hidden == nil || hidden[bytes.Count(t.b[:off], []byte{'\n'})] // unknown: keep every line
	}
	saved := t.b
	fail := func(why string) (*Fix, string) {
		t.set(saved)
		return nil, why
	}
	for i, op := range fileOps {
		spelled, err := t.Apply(op)
		if err != nil {
			return fail(fmt.Sprintf("its edit at %s cannot be made in the file: %v", op.Pointer(), err))
		}
		fileOps[i] = spelled
	}
	t.Keep = nil
	if err := verify(saved, t.b, fileOps); err != nil {
		return fail(err.Error())
	}
	fix := &Fix{TaskDefinition: td.ARN(), Controls: a.Controls, Edits: c.Edits, Ops: fileOps}
	if len(c.SecretRefs) > 0 {
		fix.Controls, fix.Edits = nil, nil
		secretControls := map[string]bool{}
		for _, e := range c.Edits {
			if isSecretsControl(e.Control) {
				secretControls[e.Control] = true
			} else {
				fix.Edits = append(fix.Edits, e)
			}
		}
		for _, ctl := range a.Controls {
			if !secretControls[ctl] && !isSecretsControl(ctl) {
				fix.Controls = append(fix.Controls, ctl)
			}
		}
		fix.LeftOut = secretsLeftOut
		if len(fileOps) == 0 {
			return fail(secretsLeftOut)
		}
	}
	return fix, ""
}

// secretsEdit reports whether an operation is part of moving values into Secrets Manager (ECS.8): an
// environment entry removed, a secrets entry added naming a secret the plan creates, the execution role
// given to read it. Such edits name secrets that do not exist yet: they are left out of a file.
func secretsEdit(op Op) bool {
	if bytes.Contains(op.Value, []byte("(secret from ")) {
		return true
	}
	p := op.Path
	switch {
	case len(p) >= 3 && p[0] == "containerDefinitions" && (p[2] == "environment" || p[2] == "secrets"):
		return true
	case len(p) == 1 && p[0] == "executionRoleArn":
		return true
	}
	return false
}

// secretsLeftOut says what to do by hand for the ECS.8 edits left out of a file.
const secretsLeftOut = "moving values into Secrets Manager (ECS.8) is not in this patch: the secrets must be created first; create each one, then replace the environment entry with a secrets entry naming its ARN (and give the execution role secretsmanager:GetSecretValue on it)"

// maskedPaths are the paths in the file (spelled as the plan spells them) of the values the plan masks
// in the source task definition.
func maskedPaths(td *detect.TaskDefinition, c *plan.RegisterTaskDefinitionChange) [][]string {
	base, _ := SplitPointer(td.Source.Pointer)
	var out [][]string
	for _, m := range c.Masked {
		toks, err := plan.PathTokens(m.SourcePath)
		if err != nil {
			out = append(out, []string{m.SourcePath}) // found nowhere: fails closed
			continue
		}
		if td.Source.ContainersOnly {
			if len(toks) == 0 || toks[0] != "containerDefinitions" {
				out = append(out, append([]string{"(containers of)"}, toks...))
				continue
			}
			toks = toks[1:]
		}
		out = append(out, append(append([]string(nil), base...), toks...))
	}
	return out
}

// folderOf is the Folder of a task definition's file: the reader's types below its Source.Pointer.
func folderOf(src *detect.FileSource) Folder {
	base, _ := SplitPointer(src.Pointer)
	if src.ContainersOnly {
		return fieldFolder(base, containersType)
	}
	return fieldFolder(base, taskDefinitionType)
}

// hiddenLines are the 0-based lines of text (parsed as root) that hold any of the values at the paths,
// members matched as fold says; missing is the first path the text holds nothing at ("" when none).
func hiddenLines(text []byte, root *hujson.Value, paths [][]string, fold Folder) (map[int]bool, string, error) {
	out := map[int]bool{}
	var nl []int
	for _, p := range paths {
		f, _, err := resolve(root, p, fold)
		if err != nil {
			return nil, Pointer(p), err
		}
		if f == nil {
			return nil, Pointer(p), nil
		}
		if nl == nil {
			nl = newlines(text)
		}
		markLinesAt(out, nl, f.StartOffset, f.EndOffset)
	}
	return out, "", nil
}

// newlines are the offsets of text's line feeds.
func newlines(text []byte) []int {
	out := []int{}
	for i, c := range text {
		if c == '\n' {
			out = append(out, i)
		}
	}
	return out
}

// markLinesAt marks the 0-based lines that bytes [from, to) of a text are on; nl are its line feeds.
func markLinesAt(lines map[int]bool, nl []int, from, to int) {
	// the line of an offset is the number of line feeds before it
	for l, last := sort.SearchInts(nl, from), sort.SearchInts(nl, to); l <= last; l++ {
		lines[l] = true
	}
}

// markLines marks the 0-based lines of text that bytes [from, to) are on.
func markLines(lines map[int]bool, text []byte, from, to int) {
	markLinesAt(lines, newlines(text), from, to)
}

// markHidden records the lines of the file's old text that hold a masked value of any task definition
// with a registration in it; when one of its masked values is not found, every line of that task
// definition (fail closed).
func markHidden(f *File, byID map[string]*detect.TaskDefinition, p *plan.Plan) error {
	old := bytes.TrimPrefix(f.Old, bom)
	v, err := hujson.Parse(old)
	if err != nil {
		markLines(f.hidden, old, 0, len(old))
		return nil
	}
	for i := range p.Actions {
		a := &p.Actions[i]
		td := byID[a.Resource]
		if td == nil || td.Source.File != f.Name || a.RegisterTaskDefinition == nil {
			continue
		}
		fold := folderOf(td.Source)
		lines, missing, err := hiddenLines(old, &v, maskedPaths(td, a.RegisterTaskDefinition), fold)
		if err != nil || missing != "" {
			whole := &v
			if base, err := SplitPointer(td.Source.Pointer); err == nil {
				if w, _, _ := resolve(&v, base, nil); w != nil {
					whole = w
				}
			}
			markLines(f.hidden, old, whole.StartOffset, whole.EndOffset)
			continue
		}
		for l := range lines {
			f.hidden[l] = true
		}
	}
	return nil
}

// verify checks that the edited text is JSON and that it decodes to the old text's value with the
// operations applied to it as values: the text surgery did what the operations say, and nothing else.
func verify(old, new []byte, ops []Op) error {
	if !json.Valid(new) {
		return fmt.Errorf("the edited file would not be valid JSON")
	}
	var want, got any
	if err := json.Unmarshal(old, &want); err != nil {
		return fmt.Errorf("the file is not JSON: %w", err)
	}
	if err := json.Unmarshal(new, &got); err != nil {
		return err
	}
	for _, op := range ops {
		var err error
		if want, err = applyValue(want, op.Path, op); err != nil {
			return fmt.Errorf("edit at %s: %w", op.Pointer(), err)
		}
	}
	if !reflect.DeepEqual(want, got) {
		return fmt.Errorf("the edited file does not hold the planned change (an edit of the text went wrong)")
	}
	return nil
}

// applyValue applies an operation to a decoded JSON value (RFC 6902 semantics, add on an existing
// member replaces it, remove of an absent member does nothing, as Text.Apply).
func applyValue(doc any, path []string, op Op) (any, error) {
	if len(path) == 0 {
		if op.Kind == OpRemove {
			return nil, nil
		}
		var v any
		if err := json.Unmarshal(op.Value, &v); err != nil {
			return nil, err
		}
		return v, nil
	}
	switch d := doc.(type) {
	case map[string]any:
		k := path[0]
		if len(path) == 1 && op.Kind == OpRemove {
			delete(d, k)
			return d, nil
		}
		child, ok := d[k]
		if !ok && len(path) > 1 {
			return nil, fmt.Errorf("no member %q", k)
		}
		v, err := applyValue(child, path[1:], op)
		if err != nil {
			return nil, err
		}
		d[k] = v
		return d, nil
	case []any:
		i, err := strconv.Atoi(path[0])
		if path[0] == "-" {
			i, err = len(d), nil
		}
		if err != nil || i < 0 || i > len(d) {
			return nil, fmt.Errorf("no element %s", path[0])
		}
		if len(path) == 1 {
			switch op.Kind {
			case OpRemove:
				if i == len(d) {
					return nil, fmt.Errorf("no element %d", i)
				}
				return append(d[:i:i], d[i+1:]...), nil
			case OpAdd:
				var v any
				if err := json.Unmarshal(op.Value, &v); err != nil {
					return nil, err
				}
				return append(d[:i:i], append([]any{v}, d[i:]...)...), nil
			}
		}
		if i == len(d) {
			return nil, fmt.Errorf("no element %d", i)
		}
		v, err := applyValue(d[i], path[1:], op)
		if err != nil {
			return nil, err
		}
		d[i] = v
		return d, nil
	}
	return nil, fmt.Errorf("not an object or array")
}

// Display maps a file's Name to the path git apply sees (relative to where it runs).
type Display func(name string) string

// Unified is the patch as git apply takes it: a header of comment lines (every line starts with "#",
// which git apply skips before the first "diff --git") listing the prerequisites and what is left out,
// then one diff per file. The header is escaped as text output is (internal/textsafe); the diffs are the
// files' bytes, exactly, for git apply. A file whose change cannot be shown without printing a value the plan masks is
// listed in the header instead (--write edits it all the same).
func (p *Patch) Unified(display Display) string {
	var head, body strings.Builder
	var hidden []string
	for _, f := range p.Files {
		path := display(f.Name)
		d, err := UnifiedDiff(path, string(f.Old), string(f.New), func(l int) bool { return f.hidden[l] })
		if err != nil {
			hidden = append(hidden, fmt.Sprintf("%s: not shown: %v; --write edits it", path, err))
			continue
		}
		body.WriteString(d)
	}
	line := func(s string) {
		for _, l := range strings.Split(s, "\n") {
			head.WriteString(strings.TrimRight("# "+textsafe.Line(l), " ") + "\n") // names and reasons from files
		}
	}
	line("ecsfix: fixes for task-definition files (apply with git apply, or ecsfix plan --format patch --write)")
	for _, f := range p.Files {
		for _, fx := range f.Fixes {
			line(fmt.Sprintf("%s: %s (%s)", display(f.Name), fx.TaskDefinition, strings.Join(fx.Controls, ", ")))
			for _, e := range fx.Edits {
				line("    " + e.Control + " " + e.Path + ": " + e.Change)
			}
		}
	}
	if len(p.Files) == 0 {
		line("no file needs an edit")
	}
	section := func(title string, items []string) {
		if len(items) == 0 {
			return
		}
		line("")
		line(title)
		for _, s := range items {
			line("  - " + s)
		}
	}
	section("Prerequisites: make these changes in AWS before deploying the edited task definitions:", p.Prerequisites)
	left := append(append([]string(nil), hidden...), p.LeftOut...)
	sort.Strings(left[len(hidden):])
	section("Not in this patch:", left)
	if body.Len() > 0 {
		line("")
	}
	return head.String() + body.String()
}

// EditFile applies operations (pointers into the whole document) to a file's text, keeping a UTF-8
// byte-order mark, and checks the result as Build does.
func EditFile(src []byte, ops []Op) ([]byte, error) {
	text := bytes.TrimPrefix(src, bom)
	t := NewText(text)
	for _, op := range ops {
		if _, err := t.Apply(op); err != nil {
			return nil, fmt.Errorf("edit at %s: %w", op.Pointer(), err)
		}
	}
	if err := verify(text, t.Bytes(), ops); err != nil {
		return nil, err
	}
	if len(text) < len(src) {
		return append(append([]byte(nil), bom...), t.Bytes()...), nil
	}
	return t.Bytes(), nil
}
