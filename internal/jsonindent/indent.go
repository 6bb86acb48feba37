// Package jsonindent indents compact JSON as encoding/json's Indent does, faster: encoding/json steps
// its scanner through every byte; the output of json.Marshal, compact and valid, needs only its
// strings skipped and its punctuation laid out.
package jsonindent

import (
	"bytes"
	"encoding/json"
	"sync"
)

// appendIndent appends src, the output of json.Marshal (compact, valid JSON), indented as
// json.Indent(dst, src, prefix, indent) writes it: each element on a new line starting with prefix and
// one indent per level of nesting, ": " after keys, empty objects and arrays as {} and []. It reports
// false for input it does not lay out (white space outside strings, an unterminated string, unbalanced
// brackets), which Indent gives to json.Indent.
func appendIndent(dst []byte, src []byte, prefix, indent string) ([]byte, bool) {
	dst, depth, ok := appendIndentAt(dst, src, prefix, indent, 0)
	return dst, ok && depth == 0
}

// appendIndentAt is appendIndent of a piece of compact JSON that starts at the given depth of nesting;
// it returns the depth where the piece ends (false: a bracket closes more than is open).
func appendIndentAt(dst []byte, src []byte, prefix, indent string, depth int) ([]byte, int, bool) {
	var lines lineStarts
	newline := func() { dst = lines.append(dst, prefix, indent, depth) }
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch c {
		case '"':
			j := i + 1
			for ; j < len(src); j++ { // to the closing quote, over escapes
				if b := src[j]; b == '\\' {
					j++
				} else if b == '"' {
					break
				}
			}
			if j >= len(src) {
				return dst, depth, false
			}
			dst = append(dst, src[i:j+1]...)
			i = j
		case '{', '[':
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				dst = append(dst, c, src[i+1])
				i++
				continue
			}
			dst = append(dst, c)
			depth++
			newline()
		case '}', ']':
			depth--
			if depth < 0 {
				return dst, depth, false
			}
			newline()
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			newline()
		case ':':
			dst = append(dst, ':', ' ')
		case ' ', '\t', '\n', '\r':
			return dst, depth, false
		default:
			dst = append(dst, c)
		}
	}
	return dst, depth, true
}

// Indent writes src, the output of json.Marshal (compact, valid JSON), indented to dst, as
// json.Indent(dst, src, prefix, indent) does (TestIndentAgreesWithEncodingJSON). It does not validate:
// input it cannot lay out (white space outside strings, an unterminated string, unbalanced brackets)
// goes to json.Indent, and so does its error; other input that is not JSON is laid out as it comes.
func Indent(dst *bytes.Buffer, src []byte, prefix, indent string) error {
	dst.Grow(2*len(src) + 64) // room for the usual indentation: appended in place
	if b, ok := appendIndent(dst.AvailableBuffer(), src, prefix, indent); ok {
		dst.Write(b)
		return nil
	}
	return json.Indent(dst, src, prefix, indent)
}

// Element writes v as element i of a JSON array that json.MarshalIndent lays out with the given indent
// at the depth of prefix (the prefix of the element's own lines): the comma after the element before
// (i > 0), a new line with prefix, then json.Marshal(v) indented. Elements written in parallel into
// buffers of their own, then joined in order, give the bytes the whole array's MarshalIndent gives.
func Element(dst *bytes.Buffer, i int, v any, prefix, indent string) error {
	if i > 0 {
		dst.WriteByte(',')
	}
	dst.WriteByte('\n')
	dst.WriteString(prefix)
	enc := encoders.Get().(*encoder)
	defer enc.put()
	if err := enc.json.Encode(v); err != nil { // json.Marshal's bytes (and error) and a newline
		return err
	}
	return Indent(dst, bytes.TrimSuffix(enc.buf.Bytes(), []byte("\n")), prefix, indent)
}

// encoder is a json.Encoder with its buffer, reused (encoders) rather than json.Marshal's copy of its
// output made each time.
type encoder struct {
	buf  bytes.Buffer
	json *json.Encoder
}

var encoders = sync.Pool{New: func() any {
	e := new(encoder)
	e.json = json.NewEncoder(&e.buf)
	return e
}}

// put returns e to encoders, emptied; one grown beyond a megabyte is left to the collector.
func (e *encoder) put() {
	if e.buf.Cap() > 1<<20 {
		return
	}
	e.buf.Reset()
	encoders.Put(e)
}
