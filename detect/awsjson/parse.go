// This file holds the JSON reader: a tokenizer over a stream that keeps what encoding/json throws away
// and the decoder needs (the order of object members, duplicate keys, the exact text of numbers, the line
// and column of every value, the text of a value kept as text), and never holds more of the document
// than the value the decoder asks for.

package awsjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"unicode/utf8"
)

type nodeKind uint8

const (
	kindNull nodeKind = iota
	kindBool
	kindNumber
	kindString
	kindObject
	kindArray
)

func (k nodeKind) String() string {
	switch k {
	case kindNull:
		return "null"
	case kindBool:
		return "boolean"
	case kindNumber:
		return "number"
	case kindString:
		return "string"
	case kindObject:
		return "object"
	default:
		return "array"
	}
}

// maxDepth bounds nesting so that hostile input cannot exhaust the stack.
const maxDepth = 200

// position is a place in the input: a byte offset, and a 1-based line and column (columns count bytes).
type position struct {
	off       int64
	line, col int
}

var startOfInput = position{line: 1, col: 1}

type syntaxError struct {
	at  position
	msg string
}

func (e *syntaxError) Error() string { return e.msg }

// readError is a failure to read the input (not a problem with its content).
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

// reader reads JSON tokens from a stream through a small buffer.
type reader struct {
	src  io.Reader
	buf  []byte
	i, n int      // buf[i:n] is read and not yet consumed
	at   position // of buf[i]
	eof  bool     // src has nothing more
	err  error    // why src failed, other than its end
	// depth is the nesting of objects and arrays at the current position.
	depth int
	// capture, when set, receives every byte consumed (the text of a value kept as text).
	capture *bytes.Buffer
	str     []byte // a string's bytes as they are read
	// intern, when set, gives the strings read (names and values) from a table of those read before.
	intern *Strings
}

const readBuffer = 32 << 10

// buffers are the readers' buffers, reused: a snapshot reads thousands of small files.
var buffers = sync.Pool{New: func() any { return new([readBuffer]byte) }}

// newReader reads src; release gives its buffer back once it is done.
func newReader(src io.Reader) *reader {
	return &reader{src: src, buf: buffers.Get().(*[readBuffer]byte)[:], at: startOfInput}
}

func (r *reader) release() {
	if r.src != nil && cap(r.buf) == readBuffer {
		buffers.Put((*[readBuffer]byte)(r.buf[:readBuffer]))
	}
	r.buf = nil
}

// newBytesReader reads data, which starts at position at of a larger input.
func newBytesReader(data []byte, at position) *reader {
	return &reader{buf: data, n: len(data), eof: true, at: at}
}

// fill makes k bytes available unless the input ends first, and reports whether they are.
func (r *reader) fill(k int) bool {
	for r.n-r.i < k && !r.eof {
		if r.i > 0 {
			r.n = copy(r.buf, r.buf[r.i:r.n])
			r.i = 0
		}
		m, err := r.src.Read(r.buf[r.n:])
		r.n += m
		switch {
		case err == io.EOF:
			r.eof = true
		case err != nil:
			r.eof, r.err = true, err
		}
	}
	return r.n-r.i >= k
}

// peek returns the next byte without consuming it; ok is false at the end of the input.
func (r *reader) peek() (c byte, ok bool) {
	if r.i >= r.n && !r.fill(1) {
		return 0, false
	}
	return r.buf[r.i], true
}

// next consumes one byte, which must be available.
func (r *reader) next() {
	c := r.buf[r.i]
	r.i++
	r.at.off++
	if c == '\n' {
		r.at.line++
		r.at.col = 1
	} else {
		r.at.col++
	}
	if r.capture != nil {
		r.capture.WriteByte(c)
	}
}

// advance consumes k available bytes that hold no newline.
func (r *reader) advance(k int) {
	if r.capture != nil {
		r.capture.Write(r.buf[r.i : r.i+k])
	}
	r.i += k
	r.at.off += int64(k)
	r.at.col += k
}

func (r *reader) errorAt(at position, format string, args ...any) error {
	if r.err != nil {
		return &readError{r.err}
	}
	return &syntaxError{at: at, msg: fmt.Sprintf(format, args...)}
}

func (r *reader) errorf(format string, args ...any) error {
	return r.errorAt(r.at, format, args...)
}

func (r *reader) describe() string {
	c, ok := r.peek()
	if !ok {
		return "end of input"
	}
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("character %q", c)
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

func (r *reader) skipSpace() {
	for {
		c, ok := r.peek()
		if !ok {
			return
		}
		switch c {
		case ' ', '\t', '\r':
			r.advance(1)
		case '\n':
			r.next()
		default:
			return
		}
	}
}

// document reads exactly one JSON value with value (surrounded by optional white space and an optional
// UTF-8 byte-order mark, as some Windows editors write it, which is not part of the document).
func (r *reader) document(value func() error) error {
	if r.fill(3) && r.buf[r.i] == 0xEF && r.buf[r.i+1] == 0xBB && r.buf[r.i+2] == 0xBF {
		r.advance(3)
	}
	r.skipSpace()
	if err := value(); err != nil {
		return err
	}
	r.skipSpace()
	if _, ok := r.peek(); ok {
		return r.errorf("unexpected %s after the end of the document", r.describe())
	}
	if r.err != nil {
		return &readError{r.err}
	}
	return nil
}

// kind skips white space and tells the kind of the value that follows, from its first byte.
func (r *reader) kind() (nodeKind, error) {
	r.skipSpace()
	c, ok := r.peek()
	switch {
	case !ok:
		return 0, r.errorf("unexpected end of input, expected a value")
	case c == '{':
		return kindObject, nil
	case c == '[':
		return kindArray, nil
	case c == '"':
		return kindString, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return kindNumber, nil
	case c == 't' || c == 'f':
		return kindBool, nil
	case c == 'n':
		return kindNull, nil
	}
	return 0, r.errorf("unexpected %s, expected a value", r.describe())
}

// skip reads one value, checking it and keeping nothing of it.
func (r *reader) skip() error {
	k, err := r.kind()
	if err != nil {
		return err
	}
	switch k {
	case kindObject:
		return r.object(false, func(string, position) error { return r.skip() })
	case kindArray:
		return r.array(func(int) error { return r.skip() })
	case kindString:
		_, err = r.string(false)
	case kindNumber:
		_, err = r.number(false)
	default:
		_, err = r.literal()
	}
	return err
}

// raw reads one value and returns its text, and where it starts.
func (r *reader) raw() ([]byte, position, error) {
	if _, err := r.kind(); err != nil {
		return nil, r.at, err
	}
	at := r.at
	var b bytes.Buffer
	r.capture = &b
	err := r.skip()
	r.capture = nil
	return b.Bytes(), at, err
}

func (r *reader) enter() error {
	r.depth++
	if r.depth > maxDepth {
		return r.errorf("document nested deeper than %d levels", maxDepth)
	}
	r.next() // { or [
	return nil
}

// object reads an object, calling member with each member's name and where the name starts; member
// reads the value. keys=false does not keep names (member gets "").
func (r *reader) object(keys bool, member func(key string, at position) error) error {
	if err := r.enter(); err != nil {
		return err
	}
	r.skipSpace()
	if c, ok := r.peek(); ok && c == '}' {
		r.leave()
		return nil
	}
	for {
		r.skipSpace()
		if c, ok := r.peek(); !ok || c != '"' {
			return r.errorf("unexpected %s, expected a member name in double quotes", r.describe())
		}
		at := r.at
		key, err := r.string(keys)
		if err != nil {
			return err
		}
		r.skipSpace()
		if c, ok := r.peek(); !ok || c != ':' {
			return r.errorf("unexpected %s, expected ':' after a member name", r.describe())
		}
		r.next()
		r.skipSpace()
		if err := member(key, at); err != nil {
			return err
		}
		if done, err := r.separator('}'); err != nil || done {
			return err
		}
	}
}

// array reads an array, calling elem with each element's index; elem reads the element.
func (r *reader) array(elem func(i int) error) error {
	if err := r.enter(); err != nil {
		return err
	}
	r.skipSpace()
	if c, ok := r.peek(); ok && c == ']' {
		r.leave()
		return nil
	}
	for i := 0; ; i++ {
		r.skipSpace()
		if err := elem(i); err != nil {
			return err
		}
		if done, err := r.separator(']'); err != nil || done {
			return err
		}
	}
}

// separator reads what follows a member or an element: ',' (another follows) or closing.
func (r *reader) separator(closing byte) (done bool, err error) {
	r.skipSpace()
	c, ok := r.peek()
	switch {
	case !ok:
		return false, r.errorf("unexpected end of input, expected ',' or '%c'", closing)
	case c == ',':
		r.next()
		return false, nil
	case c == closing:
		r.leave()
		return true, nil
	}
	return false, r.errorf("unexpected %s, expected ',' or '%c'", r.describe(), closing)
}

// leave consumes the closing bracket of an object or array.
func (r *reader) leave() {
	r.next()
	r.depth--
}

// literal reads true, false or null.
func (r *reader) literal() (bool, error) {
	word := "null"
	switch r.buf[r.i] {
	case 't':
		word = "true"
	case 'f':
		word = "false"
	}
	if !r.fill(len(word)) || string(r.buf[r.i:r.i+len(word)]) != word {
		return false, r.errorf("invalid literal, expected %s", word)
	}
	r.advance(len(word))
	return word == "true", nil
}

// string reads a string starting at the opening quote; with keep, it returns its value.
func (r *reader) string(keep bool) (string, error) {
	start := r.at
	r.next() // "
	escaped, badUTF8 := false, false
	r.str = r.str[:0]
	for {
		if r.i >= r.n && !r.fill(1) {
			return "", r.errorAt(start, "unterminated string")
		}
		// a run of plain ASCII, consumed at once
		j := r.i
		for j < r.n {
			c := r.buf[j]
			if c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
				break
			}
			j++
		}
		if j > r.i {
			if keep {
				r.str = append(r.str, r.buf[r.i:j]...)
			}
			r.advance(j - r.i)
			continue
		}
		c := r.buf[r.i]
		switch {
		case c == '"':
			r.next()
			if badUTF8 {
				return "", r.errorAt(start, "invalid UTF-8 in string")
			}
			if !keep {
				return "", nil
			}
			if !escaped {
				if r.intern != nil {
					return r.intern.get(r.str), nil
				}
				return string(r.str), nil
			}
			quoted := make([]byte, 0, len(r.str)+2)
			quoted = append(append(append(quoted, '"'), r.str...), '"')
			var s string
			if err := json.Unmarshal(quoted, &s); err != nil {
				return "", r.errorAt(start, "invalid string: %v", err)
			}
			return s, nil
		case c == '\\':
			escaped = true
			if !r.fill(2) {
				r.next()
				return "", r.errorf("unterminated escape sequence")
			}
			size := 2
			switch r.buf[r.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				size = 6
				ok := r.fill(6)
				for k := 2; k < 6; k++ {
					if !ok && r.i+k >= r.n || !isHex(r.buf[r.i+k]) {
						return "", r.errorf("invalid \\u escape in string")
					}
				}
			default:
				return "", r.errorf("invalid escape sequence in string")
			}
			if keep {
				r.str = append(r.str, r.buf[r.i:r.i+size]...)
			}
			r.advance(size)
		case c < 0x20:
			return "", r.errorf("control character 0x%02x in string (escape it)", c)
		default: // the first byte of a multi-byte sequence, checked whole once the string ends
			r.fill(utf8.UTFMax)
			ru, size := utf8.DecodeRune(r.buf[r.i:r.n])
			if ru == utf8.RuneError && size == 1 {
				badUTF8 = true
			}
			if keep {
				r.str = append(r.str, r.buf[r.i:r.i+size]...)
			}
			r.advance(size)
		}
	}
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// number reads a number; with keep, it returns its text.
func (r *reader) number(keep bool) (string, error) {
	r.str = r.str[:0]
	take := func() {
		if keep {
			r.str = append(r.str, r.buf[r.i])
		}
		r.advance(1)
	}
	digits := func() {
		for c, ok := r.peek(); ok && isDigit(c); c, ok = r.peek() {
			take()
		}
	}
	if c, _ := r.peek(); c == '-' {
		take()
	}
	switch c, ok := r.peek(); {
	case ok && c == '0':
		take()
	case ok && isDigit(c):
		digits()
	default:
		return "", r.errorf("invalid number")
	}
	if c, ok := r.peek(); ok && c == '.' {
		take()
		if c, ok := r.peek(); !ok || !isDigit(c) {
			return "", r.errorf("invalid number: expected a digit after the decimal point")
		}
		digits()
	}
	if c, ok := r.peek(); ok && (c == 'e' || c == 'E') {
		take()
		if c, ok := r.peek(); ok && (c == '+' || c == '-') {
			take()
		}
		if c, ok := r.peek(); !ok || !isDigit(c) {
			return "", r.errorf("invalid number: expected a digit in the exponent")
		}
		digits()
	}
	return string(r.str), nil
}
