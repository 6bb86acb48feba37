package plan

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsjson"
)

// Secrets stay secret (DESIGN principle 6). Before and After of a registration are the
// RegisterTaskDefinition input in the CLI's JSON form with every secret-bearing value replaced by
// MaskedValue:
//   - unconditionally, whatever it looks like, every value of the places where applications put secrets
//     in ways no pattern recognises ("--db-password" "Hunter2…", "PGPASSWORD=… psql"): every environment
//     value, every element of a container's command, entryPoint and healthCheck.command, every
//     dockerLabels value, every logConfiguration.options value (except those of the options in
//     visibleLogOptions, which configure where and how logs go and hold no secret) and every
//     firelensConfiguration.options value;
//   - any other string that detect.ClassifyEnv flags: key/value pairs and map entries (driver options,
//     proxy properties) by key and value, and plain fields by value.
//
// ARNs that name a secret (secrets[].valueFrom, repositoryCredentials.credentialsParameter) are not
// secret values and are kept.
//
// A masked value's path uses indexes (containerDefinitions[0].environment[2].value) and map keys
// (containerDefinitions[0].dockerLabels["com.example.token"]). SourcePath locates the value in the source
// revision's registrable form (RegisterInput of the source); the applier takes it from there at apply time
// (Input). Nothing derived from a value (no digest) is recorded: a digest of a weak password is the
// password. Revisions are immutable, so the source revision's ARN identifies its values; Input checks
// that the source is that revision, and that each value fills the same place it had there (the same
// container and, for an environment entry, the same variable).

var (
	keyValuePairType  = reflect.TypeFor[ecstypes.KeyValuePair]()
	registerInputType = reflect.TypeFor[ecs.RegisterTaskDefinitionInput]()
)

// kvName and kvValue are the indexes of KeyValuePair's Name and Value fields.
var kvName, kvValue = func() (int, int) {
	n, _ := keyValuePairType.FieldByName("Name")
	v, _ := keyValuePairType.FieldByName("Value")
	return n.Index[0], v.Index[0]
}()

// alwaysMaskedLists and alwaysMaskedMaps are the lists of strings and the string maps whose every value
// is masked, as paths below a container definition.
var (
	alwaysMaskedLists = regexp.MustCompile(`^containerDefinitions\[\d+\]\.(command|entryPoint|healthCheck\.command)$`)
	alwaysMaskedMaps  = regexp.MustCompile(`^containerDefinitions\[\d+\]\.(dockerLabels|logConfiguration\.options|firelensConfiguration\.options)$`)
	logOptionsPath    = regexp.MustCompile(`^containerDefinitions\[\d+\]\.logConfiguration\.options$`)
)

// visibleLogOptions are the logConfiguration.options keys whose values are not secrets: they stay
// visible (masked only when detect.ClassifyEnv flags them, like any other string).
var visibleLogOptions = map[string]bool{
	"awslogs-group": true, "awslogs-region": true, "awslogs-stream-prefix": true, "awslogs-create-group": true,
	"awslogs-datetime-format": true, "awslogs-multiline-pattern": true, "mode": true, "max-buffer-size": true,
}

// maskedValue is one value found to need masking: its path and value, and where it is when that is
// the place setPath would set through its path (exact): the settable string itself, or a map of strings
// and the value's key. Masking then sets it there without parsing and walking the path again.
type maskedValue struct {
	path  string
	value string
	exact bool
	at    reflect.Value // the string, or the map when key is valid
	key   reflect.Value
}

// set puts s where the value is (only when exact).
func (m *maskedValue) set(s string) {
	if m.key.IsValid() {
		m.at.SetMapIndex(m.key, reflect.ValueOf(s).Convert(m.at.Type().Elem()))
		return
	}
	m.at.SetString(s)
}

// SecretValues returns the values of a revision that the plan masks (by the rule above): what the
// applier must never print, and scrubs from any message it writes.
func SecretValues(td *detect.TaskDefinition) []string {
	found := findSecrets(RegisterInput(td), classifyFlagged)
	out := make([]string, 0, len(found))
	for _, m := range found {
		out = append(out, m.value)
	}
	return out
}

// classifyFlagged says whether detect.ClassifyEnv flags a name and value.
func classifyFlagged(name, value string) bool {
	_, flagged := detect.ClassifyEnv(name, value)
	return flagged
}

// findSecrets lists the secret-bearing string values of a registration input, in a stable order. flagged
// is detect.ClassifyEnv's verdict (classifyFlagged; tests may count its calls). It only reads the input.
// The path of a value is built in one buffer as the walk goes, made a string only for a value found
// (findSecretsReference, in mask_reference_test.go, is the same walk building every path).
func findSecrets(in *ecs.RegisterTaskDefinitionInput, flagged func(name, value string) bool) []maskedValue {
	f := secretFinder{flagged: flagged, path: make([]byte, 0, 128)}
	if w := secretWalkOf(registerInputType); w != nil {
		w(&f, unsafe.Pointer(in), "", "", false) // walk's walk, by plans (mask_walk.go)
	}
	return f.out
}

// secretFinder is findSecrets' walk: path is the JSON path of the value being looked at; belowMap counts
// the maps of non-strings the walk is in (a value there is not one setPath sets: not exact).
type secretFinder struct {
	flagged  func(name, value string) bool
	path     []byte
	belowMap int
	out      []maskedValue
	keys     []string // scratch for a map's keys (walkStringMap)
}

func (f *secretFinder) found(value string, at, key reflect.Value) {
	exact := f.belowMap == 0 && (key.IsValid() || at.CanSet())
	f.out = append(f.out, maskedValue{path: string(f.path), value: value, exact: exact, at: at, key: key})
}

func (f *secretFinder) walk(v reflect.Value, field, name string, always bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			f.walk(v.Elem(), field, name, always)
		}
	case reflect.Struct:
		if v.Type() == keyValuePairType {
			n, val := derefString(v.Field(kvName)), v.Field(kvValue)
			if val.IsNil() {
				return
			}
			s := val.Elem().String()
			if field == "environment" || f.flagged(n, s) {
				l := len(f.path)
				f.path = append(f.path, ".value"...)
				f.found(s, val.Elem(), reflect.Value{})
				f.path = f.path[:l]
			}
			return
		}
		for _, jf := range jsonFields(v.Type()) {
			if jf.inert {
				continue
			}
			fv := v.Field(jf.index)
			switch fv.Kind() { // nothing to find in an absent or empty value: no path to build
			case reflect.Pointer, reflect.Interface:
				if fv.IsNil() {
					continue
				}
			case reflect.Slice, reflect.Map:
				if fv.Len() == 0 {
					continue
				}
			}
			l := len(f.path)
			if l > 0 {
				f.path = append(f.path, '.')
			}
			f.path = append(f.path, jf.name...)
			f.walk(fv, jf.name, "", false)
			f.path = f.path[:l]
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return
		}
		all := v.Type().Elem().Kind() == reflect.String && alwaysMaskedList(f.path)
		l := len(f.path)
		for i := 0; i < v.Len(); i++ {
			f.path = append(f.path, '[')
			f.path = strconv.AppendInt(f.path, int64(i), 10)
			f.path = append(f.path, ']')
			f.walk(v.Index(i), field, "", all)
			f.path = f.path[:l]
		}
	case reflect.Map:
		keys := make([]string, 0, v.Len())
		for _, k := range v.MapKeys() {
			keys = append(keys, k.String())
		}
		sort.Strings(keys)
		all := alwaysMaskedMap(f.path)
		logOpts := logOptions(f.path)
		ofStrings := v.Type().Key().Kind() == reflect.String && v.Type().Elem().Kind() == reflect.String
		l := len(f.path)
		for _, k := range keys {
			kv := reflect.ValueOf(k).Convert(v.Type().Key())
			f.path = appendMapKey(f.path, k)
			always := all && !(logOpts && visibleLogOptions[k])
			if ofStrings {
				// a map of strings: the value is looked at here, where it has its key (the String case)
				if s := v.MapIndex(kv).String(); s != MaskedValue && (always || f.flagged(k, s)) {
					f.found(s, v, kv)
				}
			} else {
				f.belowMap++
				f.walk(v.MapIndex(kv), field, k, always)
				f.belowMap--
			}
			f.path = f.path[:l]
		}
	case reflect.String:
		s := v.String()
		if s == MaskedValue {
			return
		}
		if always || f.flagged(name, s) {
			f.found(s, v, reflect.Value{})
		}
	}
}

// jsonField is an exported field of a struct type: its index and its JSON name (awsjson.Fields). inert
// says it holds no string (a number or a boolean, or a pointer to one): findSecrets has nothing to look
// at there.
type jsonField struct {
	index int
	name  string
	inert bool
}

// jsonFieldsOf caches jsonFields: findSecrets walks thousands of values of a few dozen types.
var jsonFieldsOf sync.Map // reflect.Type -> []jsonField

// jsonFields are a struct type's exported fields, in order, with their JSON names: awsjson.Fields, each
// marked inert or not.
func jsonFields(t reflect.Type) []jsonField {
	if f, ok := jsonFieldsOf.Load(t); ok {
		return f.([]jsonField)
	}
	all := awsjson.Fields(t)
	fs := make([]jsonField, 0, len(all))
	for _, f := range all {
		ft := t.Field(f.Index).Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		fs = append(fs, jsonField{index: f.Index, name: f.Name, inert: ft.Kind() != reflect.String && scalarKind(ft.Kind())})
	}
	jsonFieldsOf.Store(t, fs)
	return fs
}

// fieldIndexesOf caches fieldByJSONName's maps: paths are followed through a few dozen types.
var fieldIndexesOf sync.Map // reflect.Type -> map[string]int

// fieldByJSONName is the index of the first exported field of a struct type whose JSON name is name.
func fieldByJSONName(t reflect.Type, name string) (int, bool) {
	m, ok := fieldIndexesOf.Load(t)
	if !ok {
		idx := map[string]int{}
		for _, i := range exportedFields(t) {
			n := awsjson.JSONName(t.Field(i).Name)
			if _, dup := idx[n]; !dup {
				idx[n] = i
			}
		}
		m, _ = fieldIndexesOf.LoadOrStore(t, idx)
	}
	i, ok := m.(map[string]int)[name]
	return i, ok
}

// mapKeyPath appends a map key to a path: dotted when the key is plain (dockerLabels.team), quoted in
// brackets otherwise (dockerLabels["com.example.token"]).
func mapKeyPath(path, key string) string {
	if key != "" && !strings.ContainsAny(key, ".[]\"\\") {
		return path + "." + key
	}
	return path + "[" + strconv.Quote(key) + "]"
}

// appendMapKey is mapKeyPath appending to a path being built.
func appendMapKey(path []byte, key string) []byte {
	if key != "" && !strings.ContainsAny(key, ".[]\"\\") {
		return append(append(path, '.'), key...)
	}
	return append(strconv.AppendQuote(append(path, '['), key), ']')
}

func derefString(v reflect.Value) string {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	return v.String()
}

func joinPath(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

// hashValue is the hex SHA-256 of a document that holds no secret value (a role's policy), for the
// fingerprints that make a plan stale. Never of a secret value, nor of a document that holds one.
func hashValue(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// maskedJSONOf marshals c with its secret-bearing values masked, and lists them. It masks c itself, and
// puts the values back once marshalled when restore is set (c is left as it was; no copy of it is made);
// flagged is detect.ClassifyEnv's verdict. source is the
// unedited input of the source revision: each masked value must be found there, at the same path unless
// moved maps its path to the one it has in the source (an environment entry shifted by the removal of
// others), which is its SourcePath. Values at the paths of plain were set by the planner itself (the
// awslogs options it adds) and are not masked.
func maskedJSONOf(c, source *ecs.RegisterTaskDefinitionInput, moved map[string]string, plain map[string]bool, flagged func(name, value string) bool, restore bool) ([]byte, []Masked, error) {
	return maskedJSON(c, source, nil, moved, plain, flagged, restore)
}

// maskedJSON is maskedJSONOf, given besides, when the caller has them, the source's own secret values by
// path (known): a value masked in c whose SourcePath is among them is checked against it without walking
// the source. Values are masked (and put back) where findSecrets found them when that is exact, through
// their path otherwise.
func maskedJSON(c, source *ecs.RegisterTaskDefinitionInput, known map[string]string, moved map[string]string, plain map[string]bool, flagged func(name, value string) bool, restore bool) ([]byte, []Masked, error) {
	secrets := findSecrets(c, flagged)
	masked := make([]Masked, 0, len(secrets))
	root := reflect.ValueOf(c).Elem()
	var done []*maskedValue // the values masked so far, put back on return when restore is set
	if restore {
		defer func() {
			for _, s := range done {
				if s.exact {
					s.set(s.value)
					continue
				}
				if err := setPath(root, s.path, s.value); err != nil {
					panic(fmt.Sprintf("masking: restoring %s: %v", s.path, err)) // it was just set there
				}
			}
		}()
	}
	for i := range secrets {
		s := &secrets[i]
		if plain[s.path] {
			continue
		}
		srcPath := s.path
		if m, ok := moved[s.path]; ok {
			srcPath = m
		}
		if source != nil {
			sv, ok := known[srcPath]
			if !ok {
				var err error
				if sv, err = getPath(reflect.ValueOf(source).Elem(), srcPath); err != nil {
					sv, ok = "", false
				} else {
					ok = true
				}
			}
			if !ok || sv != s.value {
				return nil, nil, fmt.Errorf("masking %s: the value is not at %s in the source revision", s.path, srcPath)
			}
		}
		if s.exact {
			s.set(MaskedValue)
		} else if err := setPath(root, s.path, MaskedValue); err != nil {
			return nil, nil, fmt.Errorf("masking %s: %w", s.path, err)
		}
		if restore {
			done = append(done, s)
		}
		masked = append(masked, Masked{Path: s.path, SourcePath: srcPath})
	}
	b, err := marshalExact(c)
	if err != nil {
		return nil, nil, err
	}
	return b, masked, nil
}

// registrationJSON is a registration's After (in masked, as maskedJSONOf masks it against the source
// revision td) and Before (td's registrable form, masked), without a copy of td: its secret values are
// found once, serve to check the After's, and are written masked in the Before by the encoder itself
// (awsjson.MarshalMasked: the values at their places, nothing set). It gives what maskedJSONOf gives of
// in, and of a RegisterInput copy of td (registrationReference in revisions_reference_test.go), which
// it falls back to when a value of td is not one a path sets exactly.
func registrationJSON(in *ecs.RegisterTaskDefinitionInput, td *detect.TaskDefinition, moved map[string]string, plain map[string]bool, flagged func(name, value string) bool) (before, after []byte, masked []Masked, err error) {
	view := registerView(td)
	verdicts := flagReplays.Get().(*flagReplay)
	defer flagReplays.Put(verdicts)
	*verdicts = flagReplay{flagged: flagged, verdict: verdicts.verdict[:0]}
	found := findSecrets(view, verdicts.record)
	flagged = verdicts.replay // in holds view's strings, but those the remedies edited, in the same order
	known := make(map[string]string, len(found))
	exact := true
	for _, s := range found {
		if s.exact {
			known[s.path] = s.value
		} else {
			exact = false
		}
	}
	after, masked, err = maskedJSON(in, view, known, moved, plain, flagged, true)
	if err != nil {
		return nil, nil, nil, err
	}
	if !exact { // the reference way: mask a whole copy
		before, _, err = maskedJSONOf(RegisterInput(td), nil, nil, nil, flagged, false)
		return before, after, masked, err
	}
	var masks awsjson.Masks
	for i := range found {
		s := &found[i]
		if s.key.IsValid() {
			if masks.Entries == nil {
				masks.Entries = map[awsjson.MapEntry]string{}
			}
			masks.Entries[awsjson.MapEntry{Map: s.at.UnsafePointer(), Key: s.key.String()}] = MaskedValue
			continue
		}
		if masks.Strings == nil {
			masks.Strings = make(map[*string]string, len(found))
		}
		masks.Strings[(*string)(s.at.Addr().UnsafePointer())] = MaskedValue
	}
	before, err = marshalExactMasked(view, &masks)
	return before, after, masked, err
}

// flagReplay records flagged's verdicts in the order a walk asks for them, and gives them again to a
// second walk over a copy of the value (registrationJSON: the source revision, then the fixed copy)
// for the same strings: the same name and value in memory (same address, same length: the same
// bytes), looked for at the next recorded places; flagged decides any other.
type flagReplay struct {
	flagged func(name, value string) bool
	verdict []flagVerdict
	next    int
}

type flagVerdict struct {
	name, value       *byte
	nameLen, valueLen int
	flagged           bool
}

// flagReplays are reused flagReplays, one per concurrent registrationJSON.
var flagReplays = sync.Pool{New: func() any { return new(flagReplay) }}

// replayWindow is how many recorded verdicts past the next one replay looks at (strings the remedies
// removed).
const replayWindow = 4

func (r *flagReplay) record(name, value string) bool {
	f := r.flagged(name, value)
	r.verdict = append(r.verdict, flagVerdict{unsafe.StringData(name), unsafe.StringData(value), len(name), len(value), f})
	return f
}

func (r *flagReplay) replay(name, value string) bool {
	n, v := unsafe.StringData(name), unsafe.StringData(value)
	for j := r.next; j < len(r.verdict) && j <= r.next+replayWindow; j++ {
		if rv := &r.verdict[j]; rv.value == v && rv.valueLen == len(value) && rv.name == n && rv.nameLen == len(name) {
			r.next = j + 1
			return rv.flagged
		}
	}
	return r.flagged(name, value)
}

// marshalBuffers are the buffers marshalExact writes in: one per concurrent call, reused.
var marshalBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// marshalExact is awsjson.Marshal's output in a slice of its own exact length (a plan keeps thousands of
// them), written in a reused buffer rather than grown in a new one.
func marshalExact(v any) ([]byte, error) {
	return marshalExactMasked(v, nil)
}

// marshalExactMasked is marshalExact writing masks' values in place of those they name
// (awsjson.MarshalMasked).
func marshalExactMasked(v any, masks *awsjson.Masks) ([]byte, error) {
	buf := marshalBuffers.Get().(*bytes.Buffer)
	defer marshalBuffers.Put(buf)
	buf.Reset()
	if err := awsjson.MarshalMasked(buf, v, masks); err != nil {
		return nil, err
	}
	out := make([]byte, buf.Len())
	copy(out, buf.Bytes())
	return out, nil
}

// Input rebuilds the RegisterTaskDefinition input to send: After decoded, each masked value filled from
// the source revision (read at apply time: the revision the plan names) at its SourcePath, which
// must be the same place (samePlace) as its Path in the new revision, and each SecretRef's placeholder
// replaced by the ARN of the secret its create-secret action created (secretArns, by action id; with
// ":KEY::" when the ref has a Key). A missing value, a value taken from another place or a missing ARN
// is an error naming the path, never the value.
func (c *RegisterTaskDefinitionChange) Input(source *detect.TaskDefinition, secretArns map[string]string) (*ecs.RegisterTaskDefinitionInput, error) {
	if source == nil {
		return nil, fmt.Errorf("register %s: no source revision", c.SourceArn)
	}
	if err := checkSource(c.SourceArn, source); err != nil {
		return nil, fmt.Errorf("register: %w", err)
	}
	var in ecs.RegisterTaskDefinitionInput
	if err := awsjson.Unmarshal("plan registration of "+c.SourceArn, c.After, &in); err != nil {
		return nil, err
	}
	src := RegisterInput(source)
	root := reflect.ValueOf(&in).Elem()
	for _, m := range c.Masked {
		v, err := getPath(reflect.ValueOf(src).Elem(), m.SourcePath)
		if err != nil {
			return nil, fmt.Errorf("masked value %s: source revision %s has no value at %s", m.Path, source.ARN(), m.SourcePath)
		}
		if err := samePlace(reflect.ValueOf(src).Elem(), m.SourcePath, root, m.Path); err != nil {
			return nil, fmt.Errorf("masked value %s: %w", m.Path, err)
		}
		cur, err := getPath(root, m.Path)
		if err != nil {
			return nil, fmt.Errorf("masked value %s: the plan's new revision has no value there", m.Path)
		}
		if cur != MaskedValue {
			return nil, fmt.Errorf("masked value %s: the plan's new revision does not hold the mask placeholder there", m.Path)
		}
		if err := setPath(root, m.Path, v); err != nil {
			return nil, fmt.Errorf("masked value %s: %w", m.Path, err)
		}
	}
	for _, r := range c.SecretRefs {
		cur, err := getPath(root, r.Path)
		if err != nil {
			return nil, fmt.Errorf("secret ref %s (secret of %s): the plan's new revision has no value there", r.Path, r.From)
		}
		if cur != secretPlaceholder(r.From) {
			return nil, fmt.Errorf("secret ref %s (secret of %s): the plan's new revision does not hold the placeholder %q there", r.Path, r.From, secretPlaceholder(r.From))
		}
		arn := secretArns[r.From]
		if arn == "" {
			return nil, fmt.Errorf("secret ref %s: no ARN for the secret of action %s", r.Path, r.From)
		}
		if err := setPath(root, r.Path, SecretValueFrom(arn, r.Key)); err != nil {
			return nil, fmt.Errorf("secret ref %s: %w", r.Path, err)
		}
	}
	return &in, nil
}

// checkSource checks that the source revision read at apply time is the one the plan names: revisions
// are immutable, so its ARN identifies its values. (Its status is a fact of the plan's state, checked
// with the others before anything is written: a revision deregistered or deleted since planning makes
// the plan stale.)
func checkSource(want string, source *detect.TaskDefinition) error {
	if source == nil {
		return fmt.Errorf("source revision %s was not read", want)
	}
	if source.ARN() != want {
		return fmt.Errorf("the plan names source revision %s, the revision read is %s", want, source.ARN())
	}
	return nil
}

// samePlace checks that a value taken from srcPath in the source revision lands at dstPath in the new
// revision in the same place: the same fields and map keys, the same container (by name) and, for an
// element of a container's environment, the same variable (by name). The planner only moves values
// between indexes (an environment entry shifted by the removal of others); anything else is a plan
// edited to put a value where it was not.
func samePlace(src reflect.Value, srcPath string, dst reflect.Value, dstPath string) error {
	a, err := placeLabel(src, srcPath)
	if err != nil {
		return fmt.Errorf("source path %s: %w", srcPath, err)
	}
	b, err := placeLabel(dst, dstPath)
	if err != nil {
		return fmt.Errorf("path %s: %w", dstPath, err)
	}
	if a != b {
		return fmt.Errorf("the value at %s in the source revision (%s) is not the one of that place in the new revision (%s)", srcPath, a, b)
	}
	return nil
}

// placeLabel is a path with the index of a container replaced by its name and the index of an
// environment entry by its variable's name: containerDefinitions[web].environment[DB_PASSWORD].value.
func placeLabel(root reflect.Value, p string) (string, error) {
	segs, err := parsePath(p)
	if err != nil {
		return "", err
	}
	var prefix, label strings.Builder
	prev := ""
	for _, s := range segs {
		switch s.kind {
		case 'f':
			prefix.WriteString("." + s.field)
			label.WriteString("." + s.field)
			prev = s.field
			continue
		case 'k':
			q := "[" + strconv.Quote(s.key) + "]"
			prefix.WriteString(q)
			label.WriteString(q)
		case 'i':
			idx := fmt.Sprintf("[%d]", s.index)
			prefix.WriteString(idx)
			if prev == "containerDefinitions" || prev == "environment" {
				name, err := getPath(root, strings.TrimPrefix(prefix.String(), ".")+".name")
				if err != nil {
					return "", fmt.Errorf("no name at %s", strings.TrimPrefix(prefix.String(), "."))
				}
				label.WriteString("[name=" + strconv.Quote(name) + "]")
			} else {
				label.WriteString(idx)
			}
		}
		prev = ""
	}
	return strings.TrimPrefix(label.String(), "."), nil
}

// A path is a sequence of fields (JSON names), indexes [i] and quoted map keys ["k"].
type pathSeg struct {
	field string
	index int
	key   string
	kind  byte // 'f', 'i', 'k'
}

func parsePath(p string) ([]pathSeg, error) {
	segs := make([]pathSeg, 0, 8)
	for i := 0; i < len(p); {
		switch p[i] {
		case '.':
			i++
		case '[':
			if i+1 < len(p) && p[i+1] == '"' {
				// a quoted key: find the closing quote (with escapes) then ']'
				j := i + 2
				for j < len(p) && p[j] != '"' {
					if p[j] == '\\' {
						j++
					}
					j++
				}
				if j+1 >= len(p) || p[j+1] != ']' {
					return nil, fmt.Errorf("bad path %q", p)
				}
				k, err := strconv.Unquote(p[i+1 : j+1])
				if err != nil {
					return nil, fmt.Errorf("bad path %q", p)
				}
				segs = append(segs, pathSeg{key: k, kind: 'k'})
				i = j + 2
				continue
			}
			j := strings.IndexByte(p[i:], ']')
			if j < 0 {
				return nil, fmt.Errorf("bad path %q", p)
			}
			n, err := strconv.Atoi(p[i+1 : i+j])
			if err != nil || n < 0 {
				return nil, fmt.Errorf("bad path %q", p)
			}
			segs = append(segs, pathSeg{index: n, kind: 'i'})
			i += j + 1
		default:
			j := i
			for j < len(p) && p[j] != '.' && p[j] != '[' {
				j++
			}
			segs = append(segs, pathSeg{field: p[i:j], kind: 'f'})
			i = j
		}
	}
	if len(segs) == 0 {
		return nil, fmt.Errorf("empty path")
	}
	return segs, nil
}

// walkPath follows a path to the string it names; it returns the string's value and a setter.
func walkPath(root reflect.Value, p string) (string, func(string), error) {
	segs, err := parsePath(p)
	if err != nil {
		return "", nil, err
	}
	v := root
	for n, s := range segs {
		for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
			if v.IsNil() {
				return "", nil, fmt.Errorf("no value at %s", p)
			}
			v = v.Elem()
		}
		switch s.kind {
		case 'f':
			if v.Kind() == reflect.Map {
				s = pathSeg{key: s.field, kind: 'k'}
			}
		}
		switch s.kind {
		case 'f':
			if v.Kind() != reflect.Struct {
				return "", nil, fmt.Errorf("no value at %s", p)
			}
			i, ok := fieldByJSONName(v.Type(), s.field)
			if !ok {
				return "", nil, fmt.Errorf("no field %s at %s", s.field, p)
			}
			v = v.Field(i)
		case 'i':
			if v.Kind() != reflect.Slice || s.index >= v.Len() {
				return "", nil, fmt.Errorf("no value at %s", p)
			}
			v = v.Index(s.index)
		case 'k':
			if v.Kind() != reflect.Map || v.Type().Key().Kind() != reflect.String || v.Type().Elem().Kind() != reflect.String {
				return "", nil, fmt.Errorf("no value at %s", p)
			}
			if n != len(segs)-1 {
				return "", nil, fmt.Errorf("no value at %s", p)
			}
			m, k := v, reflect.ValueOf(s.key).Convert(v.Type().Key())
			e := m.MapIndex(k)
			if !e.IsValid() {
				return "", nil, fmt.Errorf("no value at %s", p)
			}
			return e.String(), func(x string) { m.SetMapIndex(k, reflect.ValueOf(x).Convert(m.Type().Elem())) }, nil
		}
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return "", nil, fmt.Errorf("no value at %s", p)
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.String || !v.CanSet() {
		return "", nil, fmt.Errorf("no string at %s", p)
	}
	return v.String(), func(x string) { v.SetString(x) }, nil
}

func getPath(root reflect.Value, p string) (string, error) {
	s, _, err := walkPath(root, p)
	return s, err
}

func setPath(root reflect.Value, p, value string) error {
	_, set, err := walkPath(root, p)
	if err != nil {
		return err
	}
	set(value)
	return nil
}
