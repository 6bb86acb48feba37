package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Normalisation makes a diff of two task definitions show only real change (ecspresso's diff.go does the
// same): lists whose order carries no meaning are sorted by their key fields, a few defaults that AWS
// documents are filled in so that an explicit default does not show as a change, and read-only fields
// that DescribeTaskDefinition returns but RegisterTaskDefinition does not take are dropped. It works on
// decoded generic JSON, so it does not depend on SDK types.

// readOnlyTaskDefinitionFields are set by ECS, not by the caller of RegisterTaskDefinition.
var readOnlyTaskDefinitionFields = []string{
	"taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities",
	"registeredAt", "registeredBy", "deregisteredAt",
}

// containerDefaults are the container-definition defaults the ECS API reference documents
// (ContainerDefinition): a container is essential unless it says otherwise, not privileged, and has a
// writable root filesystem.
var containerDefaults = map[string]any{
	"essential":              true,
	"privileged":             false,
	"readonlyRootFilesystem": false,
}

// unorderedLists name the lists whose order carries no meaning and the fields that identify an element.
// Elements that tie on their key fields are ordered by their whole JSON, so any permutation normalises
// to the same list. Not here on purpose: environmentFiles, dnsServers, dnsSearchDomains, entryPoint,
// command (order matters).
var (
	taskDefinitionLists = map[string][]string{
		"containerDefinitions":    {"name"},
		"volumes":                 {"name"},
		"tags":                    {"key"},
		"placementConstraints":    {"type", "expression"},
		"inferenceAccelerators":   {"deviceName"},
		"requiresCompatibilities": nil, // strings
	}
	containerLists = map[string][]string{
		"environment":          {"name"},
		"secrets":              {"name"},
		"mountPoints":          {"containerPath", "sourceVolume"},
		"portMappings":         {"containerPort", "protocol", "hostPort", "name"},
		"volumesFrom":          {"sourceContainer"},
		"ulimits":              {"name"},
		"extraHosts":           {"hostname", "ipAddress"},
		"systemControls":       {"namespace"},
		"dependsOn":            {"containerName"},
		"resourceRequirements": {"type"},
		"links":                nil,
	}
)

// NormalizeTaskDefinition returns the normalised form of a task definition (RegisterTaskDefinition input
// or DescribeTaskDefinition output, in the AWS CLI's JSON form) as indented JSON with sorted keys and a
// trailing newline.
func NormalizeTaskDefinition(raw []byte) ([]byte, error) {
	doc, err := decodeGenericJSON(raw)
	if err != nil {
		return nil, err
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("task definition is not a JSON object")
	}
	normalizeTaskDefinitionDoc(m)
	return encodeGenericJSON(m)
}

// decodeGenericJSON decodes one JSON value, keeping numbers exact: what a json.Decoder with UseNumber
// decodes into an any (objects as map[string]any, arrays as []any, numbers as json.Number), with
// anything after the value refused as the decoder's next token would be. A document of plain JSON
// followed by nothing but white space is parsed directly (parseGenericJSON, the same values,
// TestParseGenericJSONAgreesWithDecoder); anything else, errors included, through the json.Decoder.
func decodeGenericJSON(raw []byte) (any, error) {
	if v, ok := parseGenericJSON(raw); ok {
		return v, nil
	}
	return decodeGenericJSONStd(raw)
}

// decodeGenericJSONStd is decodeGenericJSON through encoding/json.
func decodeGenericJSONStd(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, fmt.Errorf("unexpected data after the JSON value")
	}
	return v, nil
}

// parseGenericJSON parses raw, one JSON value and white space around it, into the values a json.Decoder
// with UseNumber makes; false for anything else (invalid JSON, more than one value, nesting deeper than
// maxParseDepth), which decodeGenericJSON leaves to the json.Decoder.
func parseGenericJSON(raw []byte) (any, bool) {
	p := genericParser{s: raw}
	v, ok := p.value(0)
	if !ok {
		return nil, false
	}
	p.space()
	return v, p.i == len(raw)
}

// maxParseDepth bounds parseGenericJSON's recursion (encoding/json refuses beyond 10,000 levels).
const maxParseDepth = 500

type genericParser struct {
	s []byte
	i int
}

func (p *genericParser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *genericParser) value(depth int) (any, bool) {
	p.space()
	if p.i >= len(p.s) || depth > maxParseDepth {
		return nil, false
	}
	switch c := p.s[p.i]; {
	case c == '{':
		p.i++
		m := map[string]any{}
		p.space()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return m, true
		}
		for {
			p.space()
			if p.i >= len(p.s) || p.s[p.i] != '"' {
				return nil, false
			}
			k, ok := p.str()
			if !ok {
				return nil, false
			}
			p.space()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				return nil, false
			}
			p.i++
			v, ok := p.value(depth + 1)
			if !ok {
				return nil, false
			}
			m[k] = v // a repeated key: the last value, as encoding/json
			p.space()
			if p.i >= len(p.s) {
				return nil, false
			}
			switch p.s[p.i] {
			case ',':
				p.i++
			case '}':
				p.i++
				return m, true
			default:
				return nil, false
			}
		}
	case c == '[':
		p.i++
		l := []any{}
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			return l, true
		}
		for {
			v, ok := p.value(depth + 1)
			if !ok {
				return nil, false
			}
			l = append(l, v)
			p.space()
			if p.i >= len(p.s) {
				return nil, false
			}
			switch p.s[p.i] {
			case ',':
				p.i++
			case ']':
				p.i++
				return l, true
			default:
				return nil, false
			}
		}
	case c == '"':
		return p.str()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	case c == '-' || ('0' <= c && c <= '9'):
		start := p.i
		p.i = numberEnd(p.s, p.i)
		n := string(p.s[start:p.i])
		if !isJSONNumber(n) {
			return nil, false
		}
		return json.Number(n), true
	}
	return nil, false
}

func (p *genericParser) literal(word string) bool {
	if !bytes.HasPrefix(p.s[p.i:], []byte(word)) {
		return false
	}
	p.i += len(word)
	return true
}

// str parses the string at p.i (its opening quote) as encoding/json unquotes it: the escapes JSON has
// (a \u escape of half a surrogate pair, not followed by the other half, as U+FFFD), bytes that are not
// UTF-8 as U+FFFD; a control character or another escape is not JSON.
func (p *genericParser) str() (string, bool) {
	p.i++
	start := p.i
	plain := true
	for ; p.i < len(p.s); p.i++ {
		c := p.s[p.i]
		if c == '"' {
			break
		}
		if c == '\\' || c < ' ' || c >= utf8.RuneSelf {
			plain = false
			break
		}
	}
	if plain {
		if p.i >= len(p.s) {
			return "", false
		}
		p.i++
		return string(p.s[start : p.i-1]), true
	}
	b := append([]byte(nil), p.s[start:p.i]...)
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return string(b), true
		case c < ' ':
			return "", false
		case c == '\\':
			if p.i+1 >= len(p.s) {
				return "", false
			}
			switch e := p.s[p.i+1]; e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r := hex4(p.s[p.i+2:])
				if r < 0 {
					return "", false
				}
				p.i += 6
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if p.i+1 < len(p.s) && p.s[p.i] == '\\' && p.s[p.i+1] == 'u' {
						r2 = hex4(p.s[p.i+2:])
					}
					if d := utf16.DecodeRune(r, r2); d != unicode.ReplacementChar {
						p.i += 6
						b = utf8.AppendRune(b, d)
						continue
					}
					r = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, r)
				continue
			default:
				return "", false
			}
			p.i += 2
		case c < utf8.RuneSelf:
			b = append(b, c)
			p.i++
		default:
			r, size := utf8.DecodeRune(p.s[p.i:])
			p.i += size
			b = utf8.AppendRune(b, r) // RuneError for a byte that is not UTF-8
		}
	}
	return "", false
}

// hex4 is the value of the four hex digits s starts with, or -1.
func hex4(s []byte) rune {
	if len(s) < 4 {
		return -1
	}
	var r rune
	for _, c := range s[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// encodeGenericJSON writes v indented by two spaces, keys sorted, without HTML escaping, and a trailing
// newline: what a json.Encoder with SetEscapeHTML(false) and SetIndent("", "  ") writes. Values that
// decodeGenericJSON makes (objects, arrays, strings, json.Number, booleans, null) are written directly
// (appendGenericJSON); a value holding anything else goes through encoding/json.
func encodeGenericJSON(v any) ([]byte, error) {
	if b, ok := appendGenericJSON(make([]byte, 0, 1024), v, 0); ok {
		return append(b, '\n'), nil
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// appendGenericJSON appends v as encoding/json writes it indented by two spaces at the given depth
// (HTML not escaped, map keys sorted); false when v holds a value of another type, or a json.Number that
// is not a number, which encoding/json then encodes (or refuses).
func appendGenericJSON(b []byte, v any, depth int) ([]byte, bool) {
	switch t := v.(type) {
	case nil:
		return append(b, "null"...), true
	case bool:
		if t {
			return append(b, "true"...), true
		}
		return append(b, "false"...), true
	case string:
		return appendJSONString(b, t), true
	case json.Number:
		s := string(t)
		if s == "" {
			s = "0" // as encoding/json writes an empty Number
		}
		if !isJSONNumber(s) {
			return b, false
		}
		return append(b, s...), true
	case map[string]any:
		if t == nil {
			return append(b, "null"...), true
		}
		if len(t) == 0 {
			return append(b, "{}"...), true
		}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONIndent(b, depth+1)
			b = appendJSONString(b, k)
			b = append(b, ": "...)
			var ok bool
			if b, ok = appendGenericJSON(b, t[k], depth+1); !ok {
				return b, false
			}
		}
		b = appendJSONIndent(b, depth)
		return append(b, '}'), true
	case []any:
		if t == nil {
			return append(b, "null"...), true
		}
		if len(t) == 0 {
			return append(b, "[]"...), true
		}
		b = append(b, '[')
		for i, e := range t {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONIndent(b, depth+1)
			var ok bool
			if b, ok = appendGenericJSON(b, e, depth+1); !ok {
				return b, false
			}
		}
		b = appendJSONIndent(b, depth)
		return append(b, ']'), true
	}
	return b, false
}

// appendJSONIndent starts a line at the given depth (two spaces a level).
func appendJSONIndent(b []byte, depth int) []byte {
	b = append(b, '\n')
	for range depth {
		b = append(b, ' ', ' ')
	}
	return b
}

// appendJSONString appends s quoted as encoding/json quotes a string without HTML escaping: ", \ and
// control characters escaped (\b \f \n \r \t by name, others as \u00XX), bytes that are not UTF-8 as
// \ufffd, U+2028 and U+2029 as \u2028 and \u2029; everything else as it is.
func appendJSONString(b []byte, s string) []byte { return appendJSONQuoted(b, s, &jsonPlain) }

// jsonPlain marks the bytes encoding/json writes in a string as they are without HTML escaping: printable
// ASCII but for the quote and the backslash.
var jsonPlain = jsonPlainBytes()

// jsonPlainBytes is the table of printable ASCII bytes but the quote, the backslash and escaped.
func jsonPlainBytes(escaped ...byte) (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range append([]byte{'"', '\\'}, escaped...) {
		t[c] = false
	}
	return t
}

// appendJSONQuoted appends s quoted as encoding/json quotes a string, the bytes that plain marks written as
// they are and every other ASCII byte escaped (\b \f \n \r \t \" \\ by name, others as \u00XX); bytes
// that are not UTF-8 as \ufffd, U+2028 and U+2029 as \u2028 and \u2029.
func appendJSONQuoted(b []byte, s string, plain *[256]bool) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if plain[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// isJSONNumber reports whether s is a number in JSON's grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func isJSONNumber(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' {
		s = s[1:]
		if s == "" {
			return false
		}
	}
	digits := func() bool {
		n := 0
		for n < len(s) && '0' <= s[n] && s[n] <= '9' {
			n++
		}
		s = s[n:]
		return n > 0
	}
	switch {
	case s[0] == '0':
		s = s[1:]
	case '1' <= s[0] && s[0] <= '9':
		digits()
	default:
		return false
	}
	if len(s) >= 2 && s[0] == '.' && '0' <= s[1] && s[1] <= '9' {
		s = s[1:]
		digits()
	}
	if len(s) >= 2 && (s[0] == 'e' || s[0] == 'E') {
		t := s[1:]
		if t[0] == '+' || t[0] == '-' {
			t = t[1:]
		}
		s = t
		if !digits() {
			return false
		}
	}
	return s == ""
}

// normalizeTaskDefinitionDoc normalises a decoded task definition in place.
func normalizeTaskDefinitionDoc(td map[string]any) {
	for _, f := range readOnlyTaskDefinitionFields {
		delete(td, f)
	}
	dropEmpty(td)
	// No task-level default is filled: networkMode's default is bridge on Linux but NAT ("default") on
	// Windows, so an absent network mode is shown as absent.
	if cds, ok := td["containerDefinitions"].([]any); ok {
		for _, c := range cds {
			if cd, ok := c.(map[string]any); ok {
				normalizeContainer(cd)
			}
		}
	}
	if vols, ok := td["volumes"].([]any); ok {
		for _, v := range vols {
			vol, ok := v.(map[string]any)
			if !ok {
				continue
			}
			// EFSVolumeConfiguration: "If this parameter is omitted, the default value of DISABLED is used."
			if efs, ok := vol["efsVolumeConfiguration"].(map[string]any); ok {
				fillDefaults(efs, map[string]any{"transitEncryption": "DISABLED"})
			}
		}
	}
	sortLists(td, taskDefinitionLists)
}

func normalizeContainer(cd map[string]any) {
	fillDefaults(cd, containerDefaults)
	if pms, ok := cd["portMappings"].([]any); ok {
		for _, p := range pms {
			if pm, ok := p.(map[string]any); ok {
				// PortMapping.protocol: "The default is tcp."
				fillDefaults(pm, map[string]any{"protocol": "tcp"})
			}
		}
	}
	if mps, ok := cd["mountPoints"].([]any); ok {
		for _, p := range mps {
			if mp, ok := p.(map[string]any); ok {
				// MountPoint.readOnly: "The default value is false."
				fillDefaults(mp, map[string]any{"readOnly": false})
			}
		}
	}
	if lp, ok := cd["linuxParameters"].(map[string]any); ok {
		if caps, ok := lp["capabilities"].(map[string]any); ok {
			sortLists(caps, map[string][]string{"add": nil, "drop": nil})
		}
		sortLists(lp, map[string][]string{"devices": {"hostPath", "containerPath"}})
	}
	sortLists(cd, containerLists)
}

// dropEmpty removes null, empty-list and empty-object members recursively: in a RegisterTaskDefinition
// input each means the same as an absent field (and the API returns [] for a list never set).
func dropEmpty(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			dropEmpty(e)
			if isEmptyJSON(e) {
				delete(t, k)
			}
		}
	case []any:
		for _, e := range t {
			dropEmpty(e)
		}
	}
}

func isEmptyJSON(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(t) == 0
	case []any:
		return len(t) == 0
	}
	return false
}

func fillDefaults(m map[string]any, defaults map[string]any) {
	for k, v := range defaults {
		if _, ok := m[k]; !ok {
			m[k] = v
		}
	}
}

// sortLists sorts the named lists of m by their key fields (nil: the elements themselves).
func sortLists(m map[string]any, lists map[string][]string) {
	for name, keys := range lists {
		list, ok := m[name].([]any)
		if !ok {
			continue
		}
		sort.SliceStable(list, func(i, j int) bool { return lessByKeys(list[i], list[j], keys) < 0 })
	}
}

// lessByKeys compares two elements by their key fields, then by their whole JSON.
func lessByKeys(a, b any, keys []string) int {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		for _, k := range keys {
			if c := compareScalars(am[k], bm[k]); c != 0 {
				return c
			}
		}
	}
	return compareScalars(a, b)
}

// compareScalars orders numbers numerically, strings lexically, anything else by its JSON.
func compareScalars(a, b any) int {
	an, aNum := a.(json.Number)
	bn, bNum := b.(json.Number)
	if aNum && bNum {
		af, aerr := an.Float64()
		bf, berr := bn.Float64()
		if aerr == nil && berr == nil && af != bf {
			if af < bf {
				return -1
			}
			return 1
		}
	}
	as, aStr := a.(string)
	bs, bStr := b.(string)
	if aStr && bStr {
		return strings.Compare(as, bs)
	}
	return strings.Compare(jsonString(a), jsonString(b))
}

func jsonString(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// numberEnd is the end of the run of characters a JSON number may hold (digits, signs, '.', 'e', 'E')
// that starts at s[i]; isJSONNumber then checks the run. Both of the planner's parsers scan numbers so.
func numberEnd(s []byte, i int) int {
	for i < len(s) {
		switch b := s[i]; {
		case '0' <= b && b <= '9', b == '-', b == '+', b == '.', b == 'e', b == 'E':
			i++
			continue
		}
		break
	}
	return i
}
