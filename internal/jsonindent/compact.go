package jsonindent

import (
	"bytes"
	"encoding/binary"
)

// plainString marks the bytes a JSON string holds as they are and json.Marshal writes unchanged: not a
// quote, a backslash or a control character, and not <, > or & (escaped for HTML) nor 0xE2 (the first
// byte of U+2028 and U+2029, escaped too; looked at apart).
var plainString = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = true
	}
	for _, c := range []byte{'"', '\\', '<', '>', '&', 0xE2} {
		t[c] = false
	}
	return t
}()

// maxCompactDepth bounds the nesting appendIndentedValue follows (encoding/json refuses beyond 10,000
// levels).
const maxCompactDepth = 1000

// skipSpace skips JSON's white space from i.
func skipSpace(src []byte, i int) int {
	for i+8 <= len(src) && binary.LittleEndian.Uint64(src[i:]) == 0x2020202020202020 { // indentation, 8 spaces at a time
		i += 8
	}
	for i < len(src) {
		switch src[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// appendString appends the string whose opening quote is at i as json.Marshal writes it in a
// json.RawMessage (json.Compact with HTML escaping): <, > and & written \u003c, \u003e and \u0026, U+2028
// and U+2029 as \u2028 and \u2029, everything else as it is; the index after its closing quote, or -1 for
// a string json.Marshal refuses.
func appendString(dst, src []byte, i int) ([]byte, int) {
	const hex = "0123456789abcdef"
	start := i // src[start:i] is still to append
	for i++; i < len(src); {
		c := src[i]
		if plainString[c] {
			i++
			continue
		}
		switch c {
		case '"':
			return append(dst, src[start:i+1]...), i + 1
		case '\\':
			if i+1 >= len(src) {
				return dst, -1
			}
			switch src[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(src) {
					return dst, -1
				}
				for _, h := range src[i+2 : i+6] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return dst, -1
					}
				}
				i += 6
			default:
				return dst, -1
			}
		case '<', '>', '&':
			dst = append(dst, src[start:i]...)
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			i++
			start = i
		case 0xE2:
			if i+2 < len(src) && src[i+1] == 0x80 && src[i+2]&^1 == 0xA8 {
				dst = append(dst, src[start:i]...)
				dst = append(dst, '\\', 'u', '2', '0', '2', hex[src[i+2]&0xF])
				i += 3
				start = i
				continue
			}
			i++
		default:
			return dst, -1
		}
	}
	return dst, -1
}

// skipNumber skips the number at i: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?; the index after it, or
// -1.
func skipNumber(src []byte, i int) int {
	digits := func() bool {
		start := i
		for i < len(src) && '0' <= src[i] && src[i] <= '9' {
			i++
		}
		return i > start
	}
	if src[i] == '-' {
		i++
	}
	switch {
	case i >= len(src):
		return -1
	case src[i] == '0':
		i++
	case '1' <= src[i] && src[i] <= '9':
		digits()
	default:
		return -1
	}
	if i < len(src) && src[i] == '.' {
		i++
		if !digits() {
			return -1
		}
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		i++
		if i < len(src) && (src[i] == '+' || src[i] == '-') {
			i++
		}
		if !digits() {
			return -1
		}
	}
	return i
}

// Span is a part of json.Marshal's output, compact[Start:End], that IndentSpliced replaces with Value.
type Span struct {
	Start, End int
	Value      []byte
}

// IndentSpliced writes compact (json.Marshal's output) indented as Indent(dst, compact, prefix, indent)
// does, with each span's part replaced by its Value (one JSON value, in any layout) as json.Marshal
// writes a json.RawMessage (json.Compact with HTML escaping): the bytes Indent writes of json.Marshal's
// output for the value with those json.RawMessages in place of what the spans cover
// (TestIndentSplicedAgreesWithMarshal). The spans are in order, each covering a whole value of compact.
// It reports false, and writes nothing, for a Value that is not JSON (which json.Marshal refuses) or
// nests deeper than maxCompactDepth, or for compact it cannot lay out (as Indent, see appendIndent).
func IndentSpliced(dst *bytes.Buffer, compact []byte, spans []Span, prefix, indent string) bool {
	n := len(compact)
	for _, s := range spans {
		n += len(s.Value)
	}
	dst.Grow(2*n + 64)
	b := dst.AvailableBuffer()
	depth, pos, ok := 0, 0, false
	for _, s := range spans {
		if b, depth, ok = appendIndentAt(b, compact[pos:s.Start], prefix, indent, depth); !ok {
			return false
		}
		if b, ok = appendIndentedValue(b, s.Value, prefix, indent, depth); !ok {
			return false
		}
		pos = s.End
	}
	if b, depth, ok = appendIndentAt(b, compact[pos:], prefix, indent, depth); !ok || depth != 0 {
		return false
	}
	dst.Write(b)
	return true
}

// appendIndentedValue appends src, one JSON value in any layout, as Indent lays out json.Marshal's
// output for src as a json.RawMessage (white space outside strings dropped, strings as appendString
// writes them), at the given depth of nesting (TestIndentedValueAgreesWithMarshal); false for src that
// json.Marshal refuses or that nests deeper than maxCompactDepth.
func appendIndentedValue(dst, src []byte, prefix, indent string, base int) ([]byte, bool) {
	var stack [maxCompactDepth]byte // '{' or '[' of each open object or array
	depth := 0
	var lines lineStarts
	newline := func() { dst = lines.append(dst, prefix, indent, base+depth) }
	key := func(i int) int { // a key and its colon at i, white space around them dropped
		if i = skipSpace(src, i); i >= len(src) || src[i] != '"' {
			return -1
		}
		if dst, i = appendString(dst, src, i); i < 0 {
			return -1
		}
		if i = skipSpace(src, i); i >= len(src) || src[i] != ':' {
			return -1
		}
		dst = append(dst, ':', ' ')
		return i + 1
	}
	i := 0
	for {
		// a value at i
		i = skipSpace(src, i)
		if i >= len(src) {
			return dst, false
		}
		switch c := src[i]; {
		case c == '{' || c == '[':
			dst = append(dst, c)
			if i = skipSpace(src, i+1); i < len(src) && src[i] == c+2 { // {} or []
				dst = append(dst, c+2)
				i++
				break
			}
			if depth == maxCompactDepth {
				return dst, false
			}
			stack[depth] = c
			depth++
			newline()
			if c == '{' {
				if i = key(i); i < 0 {
					return dst, false
				}
			}
			continue
		case c == '"':
			if dst, i = appendString(dst, src, i); i < 0 {
				return dst, false
			}
		case c == 't' || c == 'f' || c == 'n':
			word := "null"
			if c == 't' {
				word = "true"
			} else if c == 'f' {
				word = "false"
			}
			if !bytes.HasPrefix(src[i:], []byte(word)) {
				return dst, false
			}
			dst = append(dst, word...)
			i += len(word)
		default:
			j := skipNumber(src, i)
			if j < 0 {
				return dst, false
			}
			dst = append(dst, src[i:j]...)
			i = j
		}
		// after a value: close what it ends, then a comma and the next value, or the end
		for {
			i = skipSpace(src, i)
			if depth == 0 {
				return dst, i == len(src)
			}
			if i >= len(src) {
				return dst, false
			}
			open := stack[depth-1]
			if c := src[i]; c == open+2 { // } or ]
				depth--
				newline()
				dst = append(dst, c)
				i++
				continue
			} else if c != ',' {
				return dst, false
			}
			dst = append(dst, ',')
			newline()
			i++
			if open == '{' {
				if i = key(i); i < 0 {
					return dst, false
				}
			}
			break
		}
	}
}

// lineStarts appends a new line, a prefix and an indent per level of nesting, from a copy it keeps of
// the deepest it has written (one append rather than one per level).
type lineStarts struct{ b []byte }

func (l *lineStarts) append(dst []byte, prefix, indent string, depth int) []byte {
	n := 1 + len(prefix) + depth*len(indent)
	if len(l.b) < n {
		if len(l.b) == 0 {
			l.b = append(append(make([]byte, 0, 64), '\n'), prefix...)
		}
		for len(l.b) < n {
			l.b = append(l.b, indent...)
		}
	}
	return append(dst, l.b[:n]...)
}

// AppendValue appends src, one JSON value in any layout, as json.MarshalIndent lays out a
// json.RawMessage holding src at the given depth of nesting below prefix (white space outside strings
// dropped, strings as json.Marshal's HTML-escaping compaction writes them); false for src that
// json.Marshal refuses or that nests deeper than it follows (the caller then goes through encoding/json,
// for its bytes or its error).
func AppendValue(dst, src []byte, prefix, indent string, depth int) ([]byte, bool) {
	return appendIndentedValue(dst, src, prefix, indent, depth)
}
