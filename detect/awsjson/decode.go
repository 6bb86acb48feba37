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

// The decoder fills SDK types from the JSON read by a reader, by reflection, one value at a time: it
// never builds the document's tree. It is strict: every member must match an exported field
// (case-insensitively, so camelCase ECS and PascalCase EC2/IAM keys both work), every value must have the
// field's type, and anything else is an error naming the JSON path.
// path is a JSON path, built as a linked list and rendered only when an error needs it.
type path struct {
	parent *path
	key    string
	index  int // used when key == "" and isIndex
	isIdx  bool
}

func (p *path) field(key string) *path { return &path{parent: p, key: key} }
func (p *path) elem(i int) *path       { return &path{parent: p, index: i, isIdx: true} }

// The decoder's own paths reuse one node per nesting depth instead of allocating one per member: the
// path of the value being read is a chain with one node at each depth, and a path outlives its value
// only as the text an error or an UnknownField renders at once.

// node is the decoder's node for the current depth of its reader.
func (d *decoder) node() *path {
	depth := d.r.depth
	for len(d.nodes) <= depth {
		d.nodes = append(d.nodes, new(path))
	}
	return d.nodes[depth]
}

// field is p.field(key) in the decoder's node for the current depth.
func (d *decoder) field(p *path, key string) *path {
	n := d.node()
	*n = path{parent: p, key: key}
	return n
}

// elem is p.elem(i) in the decoder's node for the current depth.
func (d *decoder) elem(p *path, i int) *path {
	n := d.node()
	*n = path{parent: p, index: i, isIdx: true}
	return n
}

func (p *path) String() string {
	if p == nil {
		return "(document)"
	}
	return p.render(0)
}

// below renders the path without its first member ("" when the path is that member alone, or empty).
func (p *path) below() string { return p.render(1) }

// render renders the path, leaving out its first skip components.
func (p *path) render(skip int) string {
	var parts []*path
	for q := p; q != nil; q = q.parent {
		parts = append(parts, q)
	}
	var b strings.Builder
	for i := len(parts) - 1 - skip; i >= 0; i-- {
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
	r    *reader
	// policy lists extra fields (beyond policyFields) holding IAM policy documents (Options.Policy).
	policy []PolicyField
	// each lists slice fields whose elements go one at a time to a function instead of into the slice
	// (Options.Each; the last for a field counts).
	each []EachField
	// extra lists members decoded into targets of their own (Options.Extra; the last for a key counts).
	extra []ExtraField
	// unknown, when set, is given the members that match no field instead of failing (Options.Unknown).
	unknown func(UnknownField) error
	// used estimates the bytes of the values decoded so far (kept or not); max bounds it (0: no bound).
	used, max int64
	// nodes are the path nodes of field and elem, by depth.
	nodes []*path
	// scratch holds the slices arrays are decoded into before they are copied out.
	scratch *scratch
}

// scratch is, per slice type, the slices (addressable reflect values, empty, their elements zero) that
// arrays of that type are decoded into, a stack each (an array may hold arrays of its own type). A
// decoder takes one from a pool and gives it back, so that the documents decoded one after the other
// reuse them.
type scratch struct {
	free map[reflect.Type][]reflect.Value
}

var scratches = sync.Pool{New: func() any { return &scratch{free: map[reflect.Type][]reflect.Value{}} }}

// maxScratchBytes bounds the backing array of a slice kept for reuse: a large array's is dropped.
const maxScratchBytes = 64 << 10

// get returns an empty slice of type t, settable.
func (s *scratch) get(t reflect.Type) reflect.Value {
	if l := s.free[t]; len(l) > 0 {
		v := l[len(l)-1]
		s.free[t] = l[:len(l)-1]
		return v
	}
	return reflect.New(t).Elem()
}

// put clears v (what its elements point to is not kept alive) and keeps it for reuse when it is small.
func (s *scratch) put(t reflect.Type, v reflect.Value) {
	v.Clear()
	v.SetLen(0)
	if uintptr(v.Cap())*t.Elem().Size() > maxScratchBytes {
		return
	}
	s.free[t] = append(s.free[t], v)
}

// charge adds n bytes to the values decoded, failing past the bound: a few bytes of JSON can make a
// large value (an empty object is a whole struct), so the input's size alone does not bound the memory.
// eachFor is the function that takes the elements of field of t one at a time (nil: none).
func (d *decoder) eachFor(t reflect.Type, field string) func(int, any) error {
	for i := len(d.each) - 1; i >= 0; i-- {
		if e := d.each[i]; e.Type == t && e.Field == field {
			return e.Elem
		}
	}
	return nil
}

// ownPolicy reports whether Options.Policy names field of t.
func (d *decoder) ownPolicy(t reflect.Type, field string) bool {
	for _, p := range d.policy {
		if p.Type == t && p.Field == field {
			return true
		}
	}
	return false
}

// extraFor is the target of a member of t that matches no field (Options.Extra, keys matched as
// lower-cased).
func (d *decoder) extraFor(t reflect.Type, key string) (any, bool) {
	lower := strings.ToLower(key)
	for i := len(d.extra) - 1; i >= 0; i-- {
		if e := d.extra[i]; e.Type == t && strings.ToLower(e.Key) == lower {
			return e.Target, true
		}
	}
	return nil, false
}

// concerns reports whether Options.Policy or Options.Each name a field of t.
func (d *decoder) concerns(t reflect.Type) bool {
	for _, p := range d.policy {
		if p.Type == t {
			return true
		}
	}
	for _, e := range d.each {
		if e.Type == t {
			return true
		}
	}
	return false
}

func (d *decoder) charge(n uintptr, at position, p *path) error {
	d.used += int64(n)
	if d.max > 0 && d.used > d.max {
		return d.errAt(at, p, "the values decoded so far take more than %d bytes, the bound for this input (JSON whose few bytes make large values, such as many empty objects, is refused)", d.max)
	}
	return nil
}

func (d *decoder) errAt(at position, p *path, format string, args ...any) error {
	return &decodeError{file: d.file, path: p.String(), msg: fmt.Sprintf(format, args...), line: at.line, col: at.col}
}

func (d *decoder) mismatch(k nodeKind, at position, p *path, want string) error {
	return d.errAt(at, p, "expected %s, got %s", want, k)
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
	// exact holds the spellings most documents use (the Go field name, as EC2's and IAM's outputs
	// spell it, and with its first letter lower-cased, as ECS's do), found without lower-casing the key:
	// a shortcut to what byName gives.
	exact map[string]fieldInfo
	n     int
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
	si := &structInfo{byName: map[string]fieldInfo{}, exact: map[string]fieldInfo{}}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		si.byName[strings.ToLower(f.Name)] = fieldInfo{index: i, name: f.Name}
	}
	for _, fi := range si.byName {
		for _, name := range []string{fi.name, strings.ToLower(fi.name[:1]) + fi.name[1:]} {
			if si.byName[strings.ToLower(name)] == fi {
				si.exact[name] = fi
			}
		}
	}
	si.n = t.NumField()
	structCache.Store(t, si)
	return si
}

// decode reads the next value into v (which must be settable).
func (d *decoder) decode(v reflect.Value, p *path) error {
	t := v.Type()
	k, err := d.r.kind()
	if err != nil {
		return err
	}
	at := d.r.at
	if k == kindNull {
		if _, err := d.r.literal(); err != nil {
			return err
		}
		v.Set(reflect.Zero(t))
		return nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			if err := d.charge(t.Elem().Size(), at, p); err != nil {
				return err
			}
			v.Set(reflect.New(t.Elem()))
		}
		return d.decode(v.Elem(), p)
	case reflect.Interface:
		if t == ecsDocumentType {
			raw, at, err := d.r.raw()
			if err != nil {
				return err
			}
			// decoded as encoding/json does, into maps and slices: several times the text
			if err := d.charge(8*uintptr(len(raw)), at, p); err != nil {
				return err
			}
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			var x any
			if err := dec.Decode(&x); err != nil {
				return d.errAt(at, p, "invalid document: %v", err)
			}
			v.Set(reflect.ValueOf(ecsdocument.Interface(&openDocument{Interface: ecsdocument.NewLazyDocument(x), value: x})))
			return nil
		}
		if members, ok := unions[t]; ok {
			return d.decodeUnion(k, v, p, members)
		}
		return d.errAt(at, p, "unsupported field type %s", t)
	case reflect.Struct:
		if t == timeType {
			var text string
			switch k {
			case kindString:
				text, err = d.r.string(true)
			case kindNumber:
				text, err = d.r.number(true)
			}
			if err != nil {
				return err
			}
			tm, err := parseTime(k, text)
			if err != nil {
				return d.errAt(at, p, "%v", err)
			}
			v.Set(reflect.ValueOf(tm))
			return nil
		}
		return d.decodeStruct(k, v, p)
	case reflect.String:
		if k != kindString {
			return d.mismatch(k, at, p, "string")
		}
		s, err := d.r.string(true)
		if err != nil {
			return err
		}
		if err := d.charge(uintptr(len(s)), at, p); err != nil {
			return err
		}
		v.SetString(s)
		return nil
	case reflect.Bool:
		if k != kindBool {
			return d.mismatch(k, at, p, "boolean")
		}
		b, err := d.r.literal()
		if err != nil {
			return err
		}
		v.SetBool(b)
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if k != kindNumber {
			return d.mismatch(k, at, p, "integer")
		}
		s, err := d.r.number(true)
		if err != nil {
			return err
		}
		i, err := strconv.ParseInt(s, 10, t.Bits())
		if err != nil {
			return d.errAt(at, p, "expected an integer that fits in %d bits, got %s", t.Bits(), s)
		}
		v.SetInt(i)
		return nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if k != kindNumber {
			return d.mismatch(k, at, p, "integer")
		}
		s, err := d.r.number(true)
		if err != nil {
			return err
		}
		u, err := strconv.ParseUint(s, 10, t.Bits())
		if err != nil {
			return d.errAt(at, p, "expected a non-negative integer that fits in %d bits, got %s", t.Bits(), s)
		}
		v.SetUint(u)
		return nil
	case reflect.Float32, reflect.Float64:
		if k != kindNumber {
			return d.mismatch(k, at, p, "number")
		}
		s, err := d.r.number(true)
		if err != nil {
			return err
		}
		f, err := strconv.ParseFloat(s, t.Bits())
		if err != nil {
			return d.errAt(at, p, "number %s out of range", s)
		}
		v.SetFloat(f)
		return nil
	case reflect.Slice:
		if t == byteSliceType {
			if k != kindString {
				return d.mismatch(k, at, p, "base64 string")
			}
			s, err := d.r.string(true)
			if err != nil {
				return err
			}
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return d.errAt(at, p, "invalid base64: %v", err)
			}
			if err := d.charge(uintptr(len(b)), at, p); err != nil {
				return err
			}
			v.SetBytes(b)
			return nil
		}
		if k != kindArray {
			return d.mismatch(k, at, p, "array")
		}
		// The elements are decoded into a scratch slice of their type, reused from array to array, then
		// copied into a slice of their number, the one allocation of the array: the inventory holds these
		// slices (no spare capacity), and growing one element at a time would allocate at each doubling.
		sc := d.scratch.get(t)
		err := d.r.array(func(i int) error {
			ep := d.elem(p, i)
			if err := d.charge(t.Elem().Size(), d.r.at, ep); err != nil {
				return err
			}
			if sc.Len() == sc.Cap() {
				sc.Grow(1)
			}
			sc.SetLen(i + 1) // a zero element: the scratch is cleared when put back
			return d.decode(sc.Index(i), ep)
		})
		if err != nil {
			return err // the scratch is dropped with what it holds
		}
		n := sc.Len()
		s := reflect.MakeSlice(t, n, n)
		reflect.Copy(s, sc)
		d.scratch.put(t, sc)
		v.Set(s)
		return nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return d.errAt(at, p, "unsupported map type %s", t)
		}
		if k != kindObject {
			return d.mismatch(k, at, p, "object")
		}
		m := reflect.MakeMap(t)
		err := d.r.object(true, func(key string, keyAt position) error {
			kv := reflect.ValueOf(key).Convert(t.Key())
			if m.MapIndex(kv).IsValid() {
				return d.errAt(keyAt, p.field(key), "duplicate key")
			}
			kp := d.field(p, key)
			if err := d.charge(uintptr(len(key))+t.Key().Size()+t.Elem().Size(), keyAt, kp); err != nil {
				return err
			}
			e := reflect.New(t.Elem()).Elem()
			if err := d.decode(e, kp); err != nil {
				return err
			}
			m.SetMapIndex(kv, e)
			return nil
		})
		if err != nil {
			return err
		}
		v.Set(m)
		return nil
	default:
		return d.errAt(at, p, "unsupported field type %s", t)
	}
}

func (d *decoder) decodeStruct(k nodeKind, v reflect.Value, p *path) error {
	if k != kindObject {
		return d.mismatch(k, d.r.at, p, "object")
	}
	t := v.Type()
	si := infoOf(t)
	// the options that concern this type, looked up once rather than for each member
	policy, own := policyFields[t], d.concerns(t)
	var seen [4]uint64 // the fields seen, by index (a struct of more fields uses seenMore past them)
	var seenMore []bool
	var extraSeen map[string]bool
	return d.r.object(true, func(key string, keyAt position) error {
		fp := d.field(p, key)
		fi, ok := si.exact[key]
		if !ok {
			fi, ok = si.byName[strings.ToLower(key)]
		}
		if !ok {
			if target, ok := d.extraFor(t, key); ok {
				if extraSeen[strings.ToLower(key)] {
					return d.errAt(keyAt, fp, "duplicate field")
				}
				if extraSeen == nil {
					extraSeen = map[string]bool{}
				}
				extraSeen[strings.ToLower(key)] = true
				return d.decode(reflect.ValueOf(target).Elem(), fp)
			}
			if d.unknown == nil {
				return d.errAt(keyAt, fp, "unknown field")
			}
			if err := d.unknown(UnknownField{Path: fp.String(), Inner: fp.below(), Line: keyAt.line, Column: keyAt.col}); err != nil {
				return err
			}
			return d.r.skip()
		}
		if i := fi.index; i < 64*len(seen) {
			if seen[i/64]&(1<<(i%64)) != 0 {
				return d.errAt(keyAt, fp, "duplicate field")
			}
			seen[i/64] |= 1 << (i % 64)
		} else {
			if seenMore == nil {
				seenMore = make([]bool, si.n)
			}
			if seenMore[i] {
				return d.errAt(keyAt, fp, "duplicate field")
			}
			seenMore[i] = true
		}
		f := v.Field(fi.index)
		if policy[fi.name] || own && d.ownPolicy(t, fi.name) {
			return d.decodePolicy(f, fp)
		}
		if own {
			if each := d.eachFor(t, fi.name); each != nil {
				return d.decodeEach(f.Type(), each, fp)
			}
		}
		return d.decode(f, fp)
	})
}

// decodeEach reads an array for a slice field of type t, passing each element (a pointer to a new value)
// to each instead of keeping it.
func (d *decoder) decodeEach(t reflect.Type, each func(i int, v any) error, p *path) error {
	k, err := d.r.kind()
	if err != nil {
		return err
	}
	switch k {
	case kindNull:
		_, err := d.r.literal()
		return err
	case kindArray:
	default:
		return d.mismatch(k, d.r.at, p, "array")
	}
	// one element value for the whole array, cleared before each element: the function copies what it
	// keeps (EachField), so that a list of large structs does not allocate one per element
	e := reflect.New(t.Elem())
	ptr := e.Interface()
	return d.r.array(func(i int) error {
		ep := d.elem(p, i)
		if err := d.charge(t.Elem().Size(), d.r.at, ep); err != nil {
			return err
		}
		e.Elem().SetZero()
		if err := d.decode(e.Elem(), ep); err != nil {
			return err
		}
		return each(i, ptr)
	})
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

func (d *decoder) decodeUnion(k nodeKind, v reflect.Value, p *path, members map[string]reflect.Type) error {
	if k != kindObject {
		return d.mismatch(k, d.r.at, p, "object with one member")
	}
	// The members are counted before any is decoded, so the value is read as text first (a union's
	// value is small) and decoded from that text.
	raw, at, err := d.r.raw()
	if err != nil {
		return err
	}
	count := 0
	counter := newBytesReader(raw, at)
	if err := counter.object(false, func(string, position) error { count++; return counter.skip() }); err != nil {
		return err
	}
	if count != 1 {
		return d.errAt(at, p, "expected exactly one member of %s, got %d", v.Type().Name(), count)
	}
	sub := *d
	sub.r = newBytesReader(raw, at)
	sub.nodes = nil // its own: the chain of p is in d's
	defer func() { d.used = sub.used }()
	return sub.r.object(true, func(key string, keyAt position) error {
		st, ok := members[strings.ToLower(key)]
		if !ok {
			return d.errAt(keyAt, p.field(key), "unknown field")
		}
		if err := sub.charge(st.Size(), keyAt, p.field(key)); err != nil {
			return err
		}
		m := reflect.New(st)
		f := m.Elem().FieldByName("Value")
		if !f.IsValid() {
			return d.errAt(keyAt, p.field(key), "unsupported union member %s", st)
		}
		if err := sub.decode(f, p.field(key)); err != nil {
			return err
		}
		v.Set(m)
		return nil
	})
}

// decodePolicy stores an IAM policy document as JSON text. The CLI prints it as an object (it decodes
// the URL-encoded text the API returns); a string is accepted too, URL-decoded when it is still encoded.
func (d *decoder) decodePolicy(f reflect.Value, p *path) error {
	k, err := d.r.kind()
	if err != nil {
		return err
	}
	at := d.r.at
	var text string
	switch k {
	case kindNull:
		if _, err := d.r.literal(); err != nil {
			return err
		}
		f.Set(reflect.Zero(f.Type()))
		return nil
	case kindObject, kindArray:
		raw, _, err := d.r.raw()
		if err != nil {
			return err
		}
		var b bytes.Buffer
		if err := json.Compact(&b, raw); err != nil {
			return d.errAt(at, p, "invalid policy document: %v", err)
		}
		text = b.String()
	case kindString:
		if text, err = d.r.string(true); err != nil {
			return err
		}
		if strings.HasPrefix(strings.TrimSpace(text), "%") {
			u, err := url.PathUnescape(text)
			if err != nil {
				return d.errAt(at, p, "invalid URL-encoded policy document: %v", err)
			}
			text = u
		}
	default:
		return d.mismatch(k, at, p, "policy document (object)")
	}
	if err := d.charge(uintptr(len(text)), at, p); err != nil {
		return err
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(text)
	case reflect.Pointer:
		f.Set(reflect.ValueOf(&text))
	default:
		return d.errAt(at, p, "unsupported field type %s", f.Type())
	}
	return nil
}

// parseTime reads a timestamp as the CLI prints it: an ISO-8601 string (AWS CLI v2, and v1 for XML
// services) or epoch seconds with an optional fraction (AWS CLI v1 for JSON services). Times are kept in
// UTC, as the SDK returns them.
func parseTime(k nodeKind, text string) (time.Time, error) {
	switch k {
	case kindString:
		s := strings.TrimSpace(text)
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
		return time.Time{}, fmt.Errorf("invalid timestamp %q (want ISO 8601, e.g. 2024-05-01T12:00:00.123000+00:00, or epoch seconds)", text)
	case kindNumber:
		return parseEpoch(text)
	default:
		return time.Time{}, fmt.Errorf("expected a timestamp (string or epoch seconds), got %s", k)
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
