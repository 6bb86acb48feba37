package plan

import (
	"encoding/json"
	"fmt"
	"strings"
	"unsafe"

	"github.com/ecsfix/ecsfix/detect"
)

// The register-task-definition change kind: a fixed revision registered from a source revision. The
// applier re-derives it by re-running the remedies its edits name on the source revision it reads at
// apply time and comparing the result with After (change_register_rebuild.go).

// RegisterTaskDefinition registers a fixed revision derived from a source revision.
const RegisterTaskDefinition ActionType = "register-task-definition"

// RegisterTaskDefinitionChange registers After, a copy of the source revision with every registrable
// field carried over plus the edits. Before and After are RegisterTaskDefinition inputs in the AWS CLI's
// JSON form (the form `aws ecs register-task-definition --cli-input-json` takes), with secret-bearing
// values replaced by Masked placeholders.
type RegisterTaskDefinitionChange struct {
	SourceArn string          `json:"sourceArn"`
	Family    string          `json:"family"`
	Before    json.RawMessage `json:"before"`
	After     json.RawMessage `json:"after"`
	// Edits list the changes made to Before, one line each, labelled with their control.
	Edits  []Edit   `json:"edits"`
	Masked []Masked `json:"masked,omitempty"`
	// SecretRefs are secrets[].valueFrom placeholders in After that name secrets created by earlier
	// create-secret actions; the applier writes the created secret's ARN there (with ":KEY::" when the
	// secret holds a JSON object).
	SecretRefs []SecretRef `json:"secretRefs,omitempty"`
}

// SecretRef locates a valueFrom placeholder in After and the secret it stands for.
type SecretRef struct {
	Path string `json:"path"` // e.g. containerDefinitions[0].secrets[1].valueFrom
	From string `json:"from"` // the id of the create-secret action
	Key  string `json:"key,omitempty"`
}

// Edit is one change inside a task definition.
type Edit struct {
	Control string `json:"control"`
	Path    string `json:"path"` // e.g. containerDefinitions[web].readonlyRootFilesystem
	Change  string `json:"change"`
	// Risk, when set, is the risk of this edit where it is higher than its control's (an ECS.5 edit of a
	// container whose writable paths cannot be known), and Why says what makes it so. The action's risk
	// floor takes it into account; the applier re-derives the edits, so a lowered Risk does not survive.
	Risk Risk   `json:"risk,omitempty"`
	Why  string `json:"why,omitempty"`
}

// MaskedValue is the placeholder a masked value has in Before and After.
const MaskedValue = "(masked)"

// Masked is a value left out of the plan: Path locates the placeholder in After (a JSON path such as
// containerDefinitions[0].environment[2].value), SourcePath the value in the source revision; the applier
// takes the value from the source revision at apply time. Nothing derived from the value (no digest) is
// recorded: revisions are immutable, so the source revision's ARN identifies the value.
type Masked struct {
	Path       string `json:"path"`
	SourcePath string `json:"sourcePath"`
}

// Touches implements Change: the source revision.
func (r *RegisterTaskDefinitionChange) Touches() []string { return []string{r.SourceArn} }

// Writes implements Change: a new revision of the source revision's family, which changes the family's
// latest ACTIVE revision, a fact of the source revision.
func (r *RegisterTaskDefinitionChange) Writes(a *Action) []string {
	return uniqueStrings(a.Resource, r.SourceArn)
}

// Facts implements Change: the source revision's status and its family's latest ACTIVE revision.
func (r *RegisterTaskDefinitionChange) Facts(*Action) []FactCheck {
	return []FactCheck{{Resource: r.SourceArn, ResourceType: detect.TypeTaskDefinition, Facts: []string{FactStatus, FactLatestActive}}}
}

// Rederivable implements Change: the new revision is rebuilt from the source revision read at apply
// time by re-running the remedies its edits name (RebuildRegistration, change_register_rebuild.go).
func (r *RegisterTaskDefinitionChange) Rederivable() bool { return true }

func (r *RegisterTaskDefinitionChange) implicitDependencies() []string { return nil }

// validate checks a registration's documents and that every masked place holds the placeholder, never a
// value.
func (r *RegisterTaskDefinitionChange) validate(_ *Action, earlier map[string]*Action) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if r.SourceArn == "" || r.Family == "" {
		bad("registerTaskDefinition: sourceArn and family are required")
	}
	before, err := decodeObject(r.Before)
	if err != nil {
		bad("registerTaskDefinition: before: %v", err)
	}
	after, err := decodeObject(r.After)
	if err != nil {
		bad("registerTaskDefinition: after: %v", err)
	}
	for i, m := range r.Masked {
		if _, err := parseJSONPath(m.Path); err != nil {
			bad("registerTaskDefinition: masked %d: path: %v", i+1, err)
		}
		if _, err := parseJSONPath(m.SourcePath); err != nil {
			bad("registerTaskDefinition: masked %d: sourcePath: %v", i+1, err)
		}
		// Say where, never what: the value may be the secret itself.
		if after != nil {
			switch v, _, ok := lookupJSONPath(after, m.Path); {
			case !ok:
				bad("registerTaskDefinition: after has no placeholder at masked path %s", m.Path)
			case v != MaskedValue:
				bad("registerTaskDefinition: after holds a value at masked path %s instead of %q", m.Path, MaskedValue)
			}
		}
		if before != nil {
			if v, _, ok := lookupJSONPath(before, m.SourcePath); ok && v != MaskedValue {
				bad("registerTaskDefinition: before holds a value at masked path %s instead of %q", m.SourcePath, MaskedValue)
			}
		}
	}
	for i, ref := range r.SecretRefs {
		if _, err := parseJSONPath(ref.Path); err != nil {
			bad("registerTaskDefinition: secret ref %d: path: %v", i+1, err)
			continue
		}
		cs := earlier[ref.From]
		if cs == nil || cs.Type != CreateSecret || cs.CreateSecret == nil {
			bad("registerTaskDefinition: secret ref %d (%s): from %q is not an earlier create-secret action", i+1, ref.Path, ref.From)
		} else {
			switch {
			case cs.CreateSecret.JSON && !cs.CreateSecret.hasKey(ref.Key):
				bad("registerTaskDefinition: secret ref %d (%s): key %q is not a key of the JSON secret of %s", i+1, ref.Path, ref.Key, ref.From)
			case !cs.CreateSecret.JSON && ref.Key != "":
				bad("registerTaskDefinition: secret ref %d (%s): the secret of %s is plain text, it has no key %q", i+1, ref.Path, ref.From, ref.Key)
			}
		}
		if after != nil {
			if v, _, ok := lookupJSONPath(after, ref.Path); !ok || v != secretPlaceholder(ref.From) {
				bad("registerTaskDefinition: secret ref %d: after does not hold the placeholder %q at %s", i+1, secretPlaceholder(ref.From), ref.Path)
			}
		}
	}
	return errs
}

// validateControls: a registration fixes task-definition controls and exposure traits that have a
// registration remediation, its edits too.
func (r *RegisterTaskDefinitionChange) validateControls(a *Action, _ map[string]*Action) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, c := range a.Controls {
		if _, ok := fixFor(c); !ok {
			bad("controls: %q is not a control that a new task-definition revision fixes", c)
		}
	}
	for i, e := range r.Edits {
		if _, ok := fixFor(e.Control); !ok {
			bad("registerTaskDefinition: edit %d: control %q is not a control that a new task-definition revision fixes", i+1, e.Control)
		}
	}
	return errs
}

// riskFloor: the highest risk of its Controls and its Edits' controls, and of any edit's own Risk
// (Edit.Why says why); high when it names none. Each reason names the edit ("containerDefinitions[app].
// privileged: removed (ECS.4: high by default)"), or the control when no edit names it.
func (r *RegisterTaskDefinitionChange) riskFloor(_ *Plan, a *Action, overrides map[string]Risk) RiskFloor {
	return editsFloor(a.Controls, r.Edits, overrides)
}

// editsFloor is the floor of a registration's (or a move's) controls and edits: each edit at its
// control's risk and at its own Risk when set; each control no edit answers at its risk; high when there
// is none. A control's reason quotes its edit when it has one ("containerDefinitions[app].privileged:
// remove privileged true (ECS.4: high by default)"), else lists their paths; an edit with its own Risk
// is quoted with its Why.
func editsFloor(controls []string, edits []Edit, overrides map[string]Risk) RiskFloor {
	if len(controls) == 0 && len(edits) == 0 {
		return highBecause("it names no control and no edit, so nothing bounds what it changes")
	}
	var f RiskFloor
	var order []string
	byControl := map[string][]Edit{}
	for _, e := range edits {
		if _, ok := byControl[e.Control]; !ok {
			order = append(order, e.Control)
		}
		byControl[e.Control] = append(byControl[e.Control], e)
	}
	for _, c := range order {
		es := byControl[c]
		if len(es) == 1 {
			f.raiseControl(c, editText(es[0]), overrides)
			continue
		}
		var paths []string
		for _, e := range es {
			paths = append(paths, e.Path)
		}
		r, why := controlRiskWhy(c, overrides)
		f.raise(r, fmt.Sprintf("%d edits of %s: %s (%s)", len(es), c, strings.Join(paths, ", "), why))
	}
	for _, e := range edits {
		if e.Risk != "" {
			why := e.Why
			if why == "" {
				why = "the edit is marked " + string(e.Risk)
			}
			f.raise(e.Risk, editText(e)+" ("+e.Control+": "+why+")")
		}
	}
	for _, c := range controls {
		answered := false
		for _, e := range edits {
			answered = answered || sameRemedy(e.Control, c)
		}
		if !answered {
			f.raiseControl(c, "", overrides)
		}
	}
	return f
}

// editsFloorRisk is editsFloor's risk, raised in the same order, without its reasons.
func editsFloorRisk(controls []string, edits []Edit, overrides map[string]Risk) Risk {
	if len(controls) == 0 && len(edits) == 0 {
		return RiskHigh
	}
	var f Risk
	raise := func(r Risk) { // RiskFloor.raise, for the risk alone
		if f == "" || r.Rank() > f.Rank() {
			f = r
		}
	}
	// each control at its risk, in the order of its first edit (raising one again changes nothing)
	for _, e := range edits {
		raise(controlRisk(e.Control, overrides))
	}
	for _, e := range edits {
		if e.Risk != "" {
			raise(e.Risk)
		}
	}
	for _, c := range controls {
		answered := false
		for _, e := range edits {
			answered = answered || sameRemedy(e.Control, c)
		}
		if !answered {
			raise(controlRisk(c, overrides))
		}
	}
	return f
}

// sameRemedy reports whether two controls are answered by one remedy (ECS.4 and EXPOSURE.privileged),
// or are the same control.
func sameRemedy(a, b string) bool {
	if strings.EqualFold(a, b) {
		return true
	}
	ra, oka := remedyFor(a)
	rb, okb := remedyFor(b)
	return oka && okb && ra.ID == rb.ID
}

// editText is an edit as a reason quotes it: "containerDefinitions[app].privileged: removed".
func editText(e Edit) string {
	if e.Change == "" {
		return e.Path
	}
	return e.Path + ": " + e.Change
}

func (r *RegisterTaskDefinitionChange) details() changeDetails {
	return changeDetails{edits: r.Edits, masked: r.Masked, secretRefs: r.SecretRefs, source: detect.ShortARN(r.SourceArn)}
}

// diff diffs the normalised Before and After, with every masked place showing MaskedValue (the plan
// holds placeholders there already; masking again costs nothing and keeps a mistake out of the output).
// Each is masked and normalised on a light tree where it can (treeNormalizedText, the same bytes), else
// both the generic way (genericDiff).
func (r *RegisterTaskDefinitionChange) diff() (string, error) {
	w := getTreeWork()
	defer w.put()
	d, err := r.diffTo(w)
	return string(d), err
}

// diffTo is diff in w's buffers: the diff is w's until w is put back.
func (r *RegisterTaskDefinitionChange) diffTo(w *treeWork) ([]byte, error) {
	var sourcePaths, paths []string
	if len(r.Masked) > 0 {
		sourcePaths = make([]string, len(r.Masked))
		paths = make([]string, len(r.Masked))
		for i, m := range r.Masked {
			sourcePaths[i], paths[i] = m.SourcePath, m.Path
		}
	}
	b, ok := w.appendNormalized(w.before[:0], r.Before, sourcePaths)
	if !ok {
		d, err := r.genericDiff()
		return []byte(d), err
	}
	w.before = b
	a, ok := w.appendNormalized(w.after[:0], r.After, paths)
	if !ok {
		d, err := r.genericDiff()
		return []byte(d), err
	}
	w.after = a
	return w.unifiedDiff(r.diffOldLabel(), r.diffNewLabel(), unsafe.String(unsafe.SliceData(b), len(b)), unsafe.String(unsafe.SliceData(a), len(a)))
}

func (r *RegisterTaskDefinitionChange) diffOldLabel() string {
	return "task-definition/" + detect.ShortARN(r.SourceArn)
}

func (r *RegisterTaskDefinitionChange) diffNewLabel() string {
	return "task-definition/" + r.Family + " (new revision)"
}

// genericDiff is diff through decodeGenericJSON's maps.
func (r *RegisterTaskDefinitionChange) genericDiff() (string, error) {
	before, err := decodeObject(r.Before)
	if err != nil {
		return "", fmt.Errorf("task definition %s: before: %w", r.SourceArn, err)
	}
	after, err := decodeObject(r.After)
	if err != nil {
		return "", fmt.Errorf("task definition %s: after: %w", r.SourceArn, err)
	}
	for _, m := range r.Masked {
		if _, set, ok := lookupJSONPath(before, m.SourcePath); ok {
			set(MaskedValue)
		}
		if _, set, ok := lookupJSONPath(after, m.Path); ok {
			set(MaskedValue)
		}
	}
	normalizeTaskDefinitionDoc(before)
	normalizeTaskDefinitionDoc(after)
	b, err := encodeGenericJSON(before)
	if err != nil {
		return "", err
	}
	aj, err := encodeGenericJSON(after)
	if err != nil {
		return "", err
	}
	return unifiedDiff(r.diffOldLabel(), r.diffNewLabel(), string(b), string(aj))
}

// registrationFamily is the family key (account, region, family) of a registration.
func registrationFamily(a *Action) (string, bool) {
	if a.Type != RegisterTaskDefinition || a.RegisterTaskDefinition == nil {
		return "", false
	}
	return a.Account + "\x00" + a.Region + "\x00" + a.RegisterTaskDefinition.Family, true
}

// registrationAction returns the register-task-definition action with the given id (nil when id is empty
// or names no registration of the plan).
func (p *Plan) registrationAction(id string) *Action {
	if p == nil || id == "" {
		return nil
	}
	for i := range p.Actions {
		if a := &p.Actions[i]; a.ID == id && a.Type == RegisterTaskDefinition && a.RegisterTaskDefinition != nil {
			return a
		}
	}
	return nil
}

// isExecutionRole reports whether role is the execution role of a registration of the plan (in its
// After) or of the source revision it registers from (its Before).
func (p *Plan) isExecutionRole(role string) bool {
	if p == nil || role == "" {
		return false
	}
	for i := range p.Actions {
		r := p.Actions[i].RegisterTaskDefinition
		if p.Actions[i].Type != RegisterTaskDefinition || r == nil {
			continue
		}
		for _, doc := range []json.RawMessage{r.After, r.Before} {
			var td struct {
				ExecutionRoleArn string `json:"executionRoleArn"`
			}
			if len(doc) == 0 || json.Unmarshal(doc, &td) != nil || td.ExecutionRoleArn == "" {
				continue
			}
			if td.ExecutionRoleArn == role || roleArnOf(td.ExecutionRoleArn, r.SourceArn) == role {
				return true
			}
		}
	}
	return false
}
