package awsjson

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	ecsdocument "github.com/aws/aws-sdk-go-v2/service/ecs/document"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	smithyjson "github.com/aws/smithy-go/document/json"
)

// The decoder fills SDK types from the parsed JSON tree by reflection. It is strict: every member must
// match an exported field (case-insensitively, so camelCase ECS and PascalCase EC2/IAM keys both work),
// every value must have the field's type, and anything else is an error naming the JSON path.

// path is a JSON path, built as a linked list and rendered only when an error needs it.
type path struct {
	parent *path
	key    string
	index  int // used when key == "" and isIndex
	isIdx  bool
}

func (p *path) field(key string) *path { return &path{parent: p, key: key} }
func (p *path) elem(i int) *path       { return &path{parent: p, index: i, isIdx: true} }

func (p *path) String() string {
	if p == nil {
		return "(document)"
	}
	var parts []*path
	for q := p; q != nil; q = q.parent {
		parts = append(parts, q)
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		q := parts[i]
		switch {
		case q.isIdx:
			fmt.Fprintf(&b, "[%d]", q.index)
		case isPlainKey(q.key):
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(q.key)
		default:
			fmt.Fprintf(&b, "[%s]", strconv.Quote(q.key))
		}
	}
	return b.String()
}

func isPlainKey(k string) bool {
	if k == "" {
		return false
	}
	for _, c := range k {
		if !(c == '_' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// decodeError is a problem with one value of a document.
type decodeError struct {
	file string
	path string
	msg  string
	line int
	col  int
}

func (e *decodeError) Error() string {
	return fmt.Sprintf("%s: %s: %s (line %d, column %d)", e.file, e.path, e.msg, e.line, e.col)
}

type decoder struct {
	file string
	src  []byte
	// policy lists extra fields (beyond policyFields) holding IAM policy documents.
	policy map[reflect.Type]map[string]bool
}

// isPolicy reports whether a struct field holds an IAM policy document: the CLI prints it as a JSON
// object, the model keeps text.
func (d *decoder) isPolicy(t reflect.Type, field string) bool {
	return policyFields[t][field] || d.policy[t][field]
}

func (d *decoder) errAt(off int, p *path, format string, args ...any) error {
	line, col := lineCol(d.src, off)
	return &decodeError{file: d.file, path: p.String(), msg: fmt.Sprintf(format, args...), line: line, col: col}
}

func (d *decoder) mismatch(n *node, p *path, want string) error {
	return d.errAt(n.start, p, "expected %s, got %s", want, n.kind)
}

var (
	timeType        = reflect.TypeFor[time.Time]()
	ecsDocumentType = reflect.TypeFor[ecsdocument.Interface]()
	byteSliceType   = reflect.TypeFor[[]byte]()
)

type fieldInfo struct {
	index int
	name  string
}

type structInfo struct {
	byName map[string]fieldInfo // lower-cased Go field name
	n      int
}

var structCache sync.Map // reflect.Type -> *structInfo

// policyFields lists, per struct type, the fields that hold IAM policy documents.
var policyFields = map[reflect.Type]map[string]bool{
	reflect.TypeFor[iamtypes.Role]():          {"AssumeRolePolicyDocument": true},
	reflect.TypeFor[iamtypes.RoleDetail]():    {"AssumeRolePolicyDocument": true},
	reflect.TypeFor[iamtypes.PolicyDetail]():  {"PolicyDocument": true},
	reflect.TypeFor[iamtypes.PolicyVersion](): {"Document": true},
}

func infoOf(t reflect.Type) *structInfo {
	if si, ok := structCache.Load(t); ok {
		return si.(*structInfo)
	}
	si := &structInfo{byName: map[string]fieldInfo{}}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		si.byName[strings.ToLower(f.Name)] = fieldInfo{index: i, name: f.Name}
	}
	si.n = t.NumField()
	structCache.Store(t, si)
	return si
}

// decode stores the JSON value n into v (which must be settable).
func (d *decoder) decode(n *node, v reflect.Value, p *path) error {
	t := v.Type()
	if n.kind == kindNull {
		v.Set(reflect.Zero(t))
		return nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		return d.decode(n, v.Elem(), p)
	case reflect.Interface:
		if t == ecsDocumentType {
			dec := json.NewDecoder(bytes.NewReader(d.src[n.start:n.end]))
			dec.UseNumber()
			var x any
			if err := dec.Decode(&x); err != nil {
				return d.errAt(n.start, p, "invalid document: %v", err)
			}
			v.Set(reflect.ValueOf(ecsdocument.Interface(&openDocument{Interface: ecsdocument.NewLazyDocument(x), value: x})))
			return nil
		}
		if members, ok := unions[t]; ok {
			return d.decodeUnion(n, v, p, members)
		}
		return d.errAt(n.start, p, "unsupported field type %s", t)
	case reflect.Struct:
		if t == timeType {
			tm, err := parseTime(n)
			if err != nil {
				return d.errAt(n.start, p, "%v", err)
			}
			v.Set(reflect.ValueOf(tm))
			return nil
		}
		return d.decodeStruct(n, v, p)
	case reflect.String:
		if n.kind != kindString {
			return d.mismatch(n, p, "string")
		}
		v.SetString(n.s)
		return nil
	case reflect.Bool:
		if n.kind != kindBool {
			return d.mismatch(n, p, "boolean")
		}
		v.SetBool(n.b)
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if n.kind != kindNumber {
			return d.mismatch(n, p, "integer")
		}
		i, err := strconv.ParseInt(n.s, 10, t.Bits())
		if err != nil {
			return d.errAt(n.start, p, "expected an integer that fits in %d bits, got %s", t.Bits(), n.s)
		}
		v.SetInt(i)
		return nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if n.kind != kindNumber {
			return d.mismatch(n, p, "integer")
		}
		u, err := strconv.ParseUint(n.s, 10, t.Bits())
		if err != nil {
			return d.errAt(n.start, p, "expected a non-negative integer that fits in %d bits, got %s", t.Bits(), n.s)
		}
		v.SetUint(u)
		return nil
	case reflect.Float32, reflect.Float64:
		if n.kind != kindNumber {
			return d.mismatch(n, p, "number")
		}
		f, err := strconv.ParseFloat(n.s, t.Bits())
		if err != nil {
			return d.errAt(n.start, p, "number %s out of range", n.s)
		}
		v.SetFloat(f)
		return nil
	case reflect.Slice:
		if t == byteSliceType {
			if n.kind != kindString {
				return d.mismatch(n, p, "base64 string")
			}
			b, err := base64.StdEncoding.DecodeString(n.s)
			if err != nil {
				return d.errAt(n.start, p, "invalid base64: %v", err)
			}
			v.SetBytes(b)
			return nil
		}
		if n.kind != kindArray {
			return d.mismatch(n, p, "array")
		}
		s := reflect.MakeSlice(t, len(n.elems), len(n.elems))
		for i, e := range n.elems {
			if err := d.decode(e, s.Index(i), p.elem(i)); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return d.errAt(n.start, p, "unsupported map type %s", t)
		}
		if n.kind != kindObject {
			return d.mismatch(n, p, "object")
		}
		m := reflect.MakeMapWithSize(t, len(n.keys))
		for _, kv := range n.keys {
			k := reflect.ValueOf(kv.key).Convert(t.Key())
			if m.MapIndex(k).IsValid() {
				return d.errAt(kv.keyOff, p.field(kv.key), "duplicate key")
			}
			e := reflect.New(t.Elem()).Elem()
			if err := d.decode(kv.val, e, p.field(kv.key)); err != nil {
				return err
			}
			m.SetMapIndex(k, e)
		}
		v.Set(m)
		return nil
	default:
		return d.errAt(n.start, p, "unsupported field type %s", t)
	}
}

func (d *decoder) decodeStruct(n *node, v reflect.Value, p *path) error {
	if n.kind != kindObject {
		return d.mismatch(n, p, "object")
	}
	si := infoOf(v.Type())
	var seen []bool
	if len(n.keys) > 1 {
		seen = make([]bool, si.n)
	}
	for _, kv := range n.keys {
		fp := p.field(kv.key)
		fi, ok := si.byName[strings.ToLower(kv.key)]
		if !ok {
			return d.errAt(kv.keyOff, fp, "unknown field")
		}
		if seen != nil {
			if seen[fi.index] {
				return d.errAt(kv.keyOff, fp, "duplicate field")
			}
			seen[fi.index] = true
		}
		f := v.Field(fi.index)
		if d.isPolicy(v.Type(), fi.name) {
			if err := d.decodePolicy(kv.val, f, fp); err != nil {
				return err
			}
			continue
		}
		if err := d.decode(kv.val, f, fp); err != nil {
			return err
		}
	}
	return nil
}

// openDocument is an open-content value (a Smithy document, such as a lifecycle hook's hookDetails) read
// from a snapshot. It behaves like the document the SDK's deserializer builds; the lazy document it embeds
// supplies the marker method the SDK's interface requires, but its UnmarshalSmithyDocument is not usable
// on decoded values, hence this type.
type openDocument struct {
	ecsdocument.Interface
	value any // as encoding/json decodes it with UseNumber
}

func (d *openDocument) UnmarshalSmithyDocument(v any) error {
	return smithyjson.NewDecoder().DecodeJSONInterface(d.value, v)
}

func (d *openDocument) MarshalSmithyDocument() ([]byte, error) { return json.Marshal(d.value) }

// unions lists the members of the SDK's union types (interfaces satisfied by one struct per member, each
// holding the member's value in a field named Value). The CLI prints a union as an object with one key,
// the member's name.
var unions = unionMembers(
	&ecstypes.SharingStrategyMemberNvidiaMps{},
	&ecstypes.ServiceConnectContainerConfigurationMemberLogLevel{},
)

func unionMembers(members ...any) map[reflect.Type]map[string]reflect.Type {
	out := map[reflect.Type]map[string]reflect.Type{}
	for _, m := range members {
		pt := reflect.TypeOf(m)
		name := pt.Elem().Name()
		// the interface is the part of the name before "Member"; find it among the fields' users
		iface, member, ok := strings.Cut(name, "Member")
		if !ok {
			panic("awsjson: " + name + " is not a union member type")
		}
		it := unionInterface(pt, iface)
		if out[it] == nil {
			out[it] = map[string]reflect.Type{}
		}
		out[it][strings.ToLower(member)] = pt.Elem()
	}
	return out
}

// unionInterface finds the interface a member type satisfies, by name, among the known unions.
func unionInterface(member reflect.Type, name string) reflect.Type {
	for _, it := range []reflect.Type{
		reflect.TypeFor[ecstypes.SharingStrategy](),
		reflect.TypeFor[ecstypes.ServiceConnectContainerConfiguration](),
	} {
		if it.Name() == name && member.Implements(it) {
			return it
		}
	}
	panic("awsjson: no union interface " + name + " for " + member.String())
}

func (d *decoder) decodeUnion(n *node, v reflect.Value, p *path, members map[string]reflect.Type) error {
	if n.kind != kindObject {
		return d.mismatch(n, p, "object with one member")
	}
	if len(n.keys) != 1 {
		return d.errAt(n.start, p, "expected exactly one member of %s, got %d", v.Type().Name(), len(n.keys))
	}
	kv := n.keys[0]
	st, ok := members[strings.ToLower(kv.key)]
	if !ok {
		return d.errAt(kv.keyOff, p.field(kv.key), "unknown field")
	}
	m := reflect.New(st)
	f := m.Elem().FieldByName("Value")
	if !f.IsValid() {
		return d.errAt(kv.keyOff, p.field(kv.key), "unsupported union member %s", st)
	}
	if err := d.decode(kv.val, f, p.field(kv.key)); err != nil {
		return err
	}
	v.Set(m)
	return nil
}

// decodePolicy stores an IAM policy document as JSON text. The CLI prints it as an object (it decodes
// the URL-encoded text the API returns); a string is accepted too, URL-decoded when it is still encoded.
func (d *decoder) decodePolicy(n *node, f reflect.Value, p *path) error {
	var text string
	switch n.kind {
	case kindNull:
		f.Set(reflect.Zero(f.Type()))
		return nil
	case kindObject, kindArray:
		var b bytes.Buffer
		if err := json.Compact(&b, d.src[n.start:n.end]); err != nil {
			return d.errAt(n.start, p, "invalid policy document: %v", err)
		}
		text = b.String()
	case kindString:
		text = n.s
		if strings.HasPrefix(strings.TrimSpace(text), "%") {
			u, err := url.PathUnescape(text)
			if err != nil {
				return d.errAt(n.start, p, "invalid URL-encoded policy document: %v", err)
			}
			text = u
		}
	default:
		return d.mismatch(n, p, "policy document (object)")
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(text)
	case reflect.Pointer:
		f.Set(reflect.ValueOf(&text))
	default:
		return d.errAt(n.start, p, "unsupported field type %s", f.Type())
	}
	return nil
}

// parseTime reads a timestamp as the CLI prints it: an ISO-8601 string (AWS CLI v2, and v1 for XML
// services) or epoch seconds with an optional fraction (AWS CLI v1 for JSON services). Times are kept in
// UTC, as the SDK returns them.
func parseTime(n *node) (time.Time, error) {
	switch n.kind {
	case kindString:
		s := strings.TrimSpace(n.s)
		for _, layout := range []string{
			time.RFC3339Nano,
			"2006-01-02T15:04:05Z0700",
			"2006-01-02T15:04:05Z07",
			"2006-01-02T15:04:05",
			"2006-01-02 15:04:05Z07:00",
			"2006-01-02 15:04:05Z0700",
			"2006-01-02 15:04:05",
		} {
			if t, err := time.Parse(layout, s); err == nil {
				return t.UTC(), nil
			}
		}
		if looksNumeric(s) {
			return parseEpoch(s)
		}
		return time.Time{}, fmt.Errorf("invalid timestamp %q (want ISO 8601, e.g. 2024-05-01T12:00:00.123000+00:00, or epoch seconds)", n.s)
	case kindNumber:
		return parseEpoch(n.s)
	default:
		return time.Time{}, fmt.Errorf("expected a timestamp (string or epoch seconds), got %s", n.kind)
	}
}

func looksNumeric(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// parseEpoch reads epoch seconds exactly (to the nanosecond) when written in plain decimal notation.
func parseEpoch(s string) (time.Time, error) {
	bad := fmt.Errorf("invalid epoch timestamp %s", s)
	intPart, frac, hasFrac := strings.Cut(s, ".")
	if !strings.ContainsAny(s, "eE") {
		sec, err := strconv.ParseInt(intPart, 10, 64)
		if err != nil || sec > 253402300799 || sec < -62135596800 { // years 1..9999
			return time.Time{}, bad
		}
		var nsec int64
		if hasFrac {
			if frac == "" || len(frac) > 9 && strings.Trim(frac[9:], "0123456789") != "" {
				return time.Time{}, bad
			}
			if len(frac) > 9 {
				frac = frac[:9]
			}
			frac += strings.Repeat("0", 9-len(frac))
			nsec, err = strconv.ParseInt(frac, 10, 64)
			if err != nil {
				return time.Time{}, bad
			}
			if strings.HasPrefix(intPart, "-") {
				nsec = -nsec
			}
		}
		return time.Unix(sec, nsec).UTC(), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || f > 253402300799 || f < -62135596800 {
		return time.Time{}, bad
	}
	sec, fr := math.Modf(f)
	return time.Unix(int64(sec), int64(fr*1e9)).UTC(), nil
}
