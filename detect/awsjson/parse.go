package awsjson

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// A small JSON parser that keeps what encoding/json throws away and the decoder needs: the order of
// object members, duplicate keys, the exact text of numbers, and the byte offset of every value (for
// error messages and for keeping IAM policy documents as the text they were).

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

type node struct {
	kind  nodeKind
	b     bool
	s     string // a string's value, or a number's text
	elems []*node
	keys  []member
	start int // offset of the value's first byte
	end   int // offset just past the value
}

type member struct {
	key    string
	keyOff int
	val    *node
}

// maxDepth bounds nesting so that hostile input cannot exhaust the stack.
const maxDepth = 200

type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string { return e.msg }

type parser struct {
	src   []byte
	pos   int
	depth int
}

// parseJSON parses exactly one JSON value (surrounded by optional white space).
func parseJSON(src []byte) (*node, error) {
	p := &parser{src: src}
	// A UTF-8 byte-order mark, as some Windows editors write it, is not part of the document.
	if len(src) >= 3 && src[0] == 0xEF && src[1] == 0xBB && src[2] == 0xBF {
		p.pos = 3
	}
	p.skipSpace()
	n, err := p.value()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos < len(p.src) {
		return nil, p.errorf("unexpected %s after the end of the document", p.describe())
	}
	return n, nil
}

func (p *parser) errorf(format string, args ...any) error {
	return &syntaxError{off: p.pos, msg: fmt.Sprintf(format, args...)}
}

func (p *parser) describe() string {
	if p.pos >= len(p.src) {
		return "end of input"
	}
	c := p.src[p.pos]
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("character %q", c)
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

func (p *parser) skipSpace() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value() (*node, error) {
	if p.pos >= len(p.src) {
		return nil, p.errorf("unexpected end of input, expected a value")
	}
	start := p.pos
	switch c := p.src[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return &node{kind: kindString, s: s, start: start, end: p.pos}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't':
		return p.literal("true", &node{kind: kindBool, b: true})
	case c == 'f':
		return p.literal("false", &node{kind: kindBool})
	case c == 'n':
		return p.literal("null", &node{kind: kindNull})
	default:
		return nil, p.errorf("unexpected %s, expected a value", p.describe())
	}
}

func (p *parser) literal(word string, n *node) (*node, error) {
	if len(p.src)-p.pos < len(word) || string(p.src[p.pos:p.pos+len(word)]) != word {
		return nil, p.errorf("invalid literal, expected %s", word)
	}
	n.start = p.pos
	p.pos += len(word)
	n.end = p.pos
	return n, nil
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return p.errorf("document nested deeper than %d levels", maxDepth)
	}
	return nil
}

func (p *parser) object() (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	n := &node{kind: kindObject, start: p.pos}
	p.pos++ // {
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == '}' {
		p.close(n)
		return n, nil
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != '"' {
			return nil, p.errorf("unexpected %s, expected a member name in double quotes", p.describe())
		}
		keyOff := p.pos
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			return nil, p.errorf("unexpected %s, expected ':' after a member name", p.describe())
		}
		p.pos++
		p.skipSpace()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		n.keys = append(n.keys, member{key: key, keyOff: keyOff, val: v})
		if done, err := p.separator(n, '}'); err != nil || done {
			return n, err
		}
	}
}

func (p *parser) array() (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	n := &node{kind: kindArray, start: p.pos}
	p.pos++ // [
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == ']' {
		p.close(n)
		return n, nil
	}
	for {
		p.skipSpace()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		n.elems = append(n.elems, v)
		if done, err := p.separator(n, ']'); err != nil || done {
			return n, err
		}
	}
}

// separator reads what follows a member or an element: ',' (another follows) or closing, the end of n.
func (p *parser) separator(n *node, closing byte) (done bool, err error) {
	p.skipSpace()
	if p.pos >= len(p.src) {
		return false, p.errorf("unexpected end of input, expected ',' or '%c'", closing)
	}
	switch p.src[p.pos] {
	case ',':
		p.pos++
		return false, nil
	case closing:
		p.close(n)
		return true, nil
	}
	return false, p.errorf("unexpected %s, expected ',' or '%c'", p.describe(), closing)
}

// close consumes the closing bracket of n and leaves it.
func (p *parser) close(n *node) {
	p.pos++
	n.end = p.pos
	p.depth--
}

// str reads a string starting at the opening quote.
func (p *parser) str() (string, error) {
	start := p.pos
	p.pos++ // "
	escaped := false
	for {
		if p.pos >= len(p.src) {
			p.pos = start
			return "", p.errorf("unterminated string")
		}
		c := p.src[p.pos]
		switch {
		case c == '"':
			p.pos++
			raw := p.src[start:p.pos]
			if !utf8.Valid(raw) {
				p.pos = start
				return "", p.errorf("invalid UTF-8 in string")
			}
			if !escaped {
				return string(raw[1 : len(raw)-1]), nil
			}
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				p.pos = start
				return "", p.errorf("invalid string: %v", err)
			}
			return s, nil
		case c == '\\':
			escaped = true
			if p.pos+1 >= len(p.src) {
				p.pos++
				return "", p.errorf("unterminated escape sequence")
			}
			switch p.src[p.pos+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.pos += 2
			case 'u':
				for i := 2; i < 6; i++ {
					if p.pos+i >= len(p.src) || !isHex(p.src[p.pos+i]) {
						return "", p.errorf("invalid \\u escape in string")
					}
				}
				p.pos += 6
			default:
				return "", p.errorf("invalid escape sequence in string")
			}
		case c < 0x20:
			return "", p.errorf("control character 0x%02x in string (escape it)", c)
		default:
			p.pos++
		}
	}
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (p *parser) number() (*node, error) {
	start := p.pos
	if p.src[p.pos] == '-' {
		p.pos++
	}
	switch {
	case p.pos < len(p.src) && p.src[p.pos] == '0':
		p.pos++
	case p.pos < len(p.src) && isDigit(p.src[p.pos]):
		for p.pos < len(p.src) && isDigit(p.src[p.pos]) {
			p.pos++
		}
	default:
		return nil, p.errorf("invalid number")
	}
	if p.pos < len(p.src) && p.src[p.pos] == '.' {
		p.pos++
		if p.pos >= len(p.src) || !isDigit(p.src[p.pos]) {
			return nil, p.errorf("invalid number: expected a digit after the decimal point")
		}
		for p.pos < len(p.src) && isDigit(p.src[p.pos]) {
			p.pos++
		}
	}
	if p.pos < len(p.src) && (p.src[p.pos] == 'e' || p.src[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.src) && (p.src[p.pos] == '+' || p.src[p.pos] == '-') {
			p.pos++
		}
		if p.pos >= len(p.src) || !isDigit(p.src[p.pos]) {
			return nil, p.errorf("invalid number: expected a digit in the exponent")
		}
		for p.pos < len(p.src) && isDigit(p.src[p.pos]) {
			p.pos++
		}
	}
	return &node{kind: kindNumber, s: string(p.src[start:p.pos]), start: start, end: p.pos}, nil
}

// lineCol turns a byte offset into a 1-based line and column (columns count bytes).
func lineCol(src []byte, off int) (line, col int) {
	if off > len(src) {
		off = len(src)
	}
	line, col = 1, 1
	for _, c := range src[:off] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}
