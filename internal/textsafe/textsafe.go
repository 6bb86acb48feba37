// Package textsafe escapes, at the point where ecsfix prints text for people, the characters that could
// act on a terminal or on how text reads instead of being read: C0 and C1 control characters, DEL,
// Unicode's bidirectional overrides and isolates, line and paragraph separators, and bytes that are not
// UTF-8. A name, note, ticket, reason or file content holding ESC [2J or U+202E is then printed as the
// text \x1b[2J or \u202e, not obeyed. Everything else, the backslash included, is left as
// it is, so ordinary text prints unchanged. JSON output escapes what JSON requires; JSON escapes, as
// JSON's own \uXXXX escapes (so values round-trip), what it keeps raw that acts on a terminal or on how
// text reads: DEL, C1 controls (U+0085), bidirectional overrides and isolates.
package textsafe

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Line returns s with every unsafe character escaped, newlines and tabs included: for a value printed
// within a line (a name, a note, a reason), which must not start a line of its own.
func Line(s string) string { return escape(s, false) }

// Text returns s with every unsafe character escaped except newlines and tabs: for a block of several
// lines (an error message joining several errors, a diff).
func Text(s string) string { return escape(s, true) }

// unsafe reports whether r must be escaped; keepLines keeps newlines and tabs.
func unsafe(r rune, keepLines bool) bool {
	switch {
	case r == '\n' || r == '\t':
		return !keepLines
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f: // C0, DEL, C1
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, // Arabic letter mark, left-to-right and right-to-left marks
		r >= 0x202a && r <= 0x202e, // bidi embeddings and overrides
		r >= 0x2066 && r <= 0x2069, // bidi isolates
		r == 0x2028, r == 0x2029:   // line and paragraph separators
		return true
	}
	return false
}

func escape(s string, keepLines bool) string {
	clean := true
	for i, r := range s {
		if unsafe(r, keepLines) || r == utf8.RuneError && isInvalid(s[i:]) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case !unsafe(r, keepLines):
			b.WriteString(s[i : i+size])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		i += size
	}
	return b.String()
}

// isInvalid reports whether s starts with a byte that is not valid UTF-8 (as opposed to an encoded
// U+FFFD, which is printable).
func isInvalid(s string) bool {
	_, size := utf8.DecodeRuneInString(s)
	return size <= 1
}

// Writer escapes, as Text does, what is written through it to W. Each Write is escaped on its own, so a
// writer that splits a character across writes sees its bytes escaped; fmt.Fprintf writes once per call.
type Writer struct {
	W io.Writer
}

// NewWriter returns a Writer writing to w.
func NewWriter(w io.Writer) *Writer { return &Writer{W: w} }

// Write escapes p and writes it, reporting len(p) written when the escaped text is written in full.
func (w *Writer) Write(p []byte) (int, error) {
	if _, err := io.WriteString(w.W, Text(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Safe is text already escaped, or made by ecsfix itself around escaped text (a colour code): Args
// leaves it as it is.
type Safe string

// Args returns a copy of fmt arguments with every string, error and fmt.Stringer escaped as Line; Safe
// values and non-text values are kept. A printer calls it on its arguments, so that every value printed
// through it is escaped without each call site remembering to.
func Args(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case Safe:
			out[i] = v
		case string:
			out[i] = Line(v)
		case error:
			out[i] = Line(v.Error())
		case fmt.Stringer:
			out[i] = Line(v.String())
		default:
			out[i] = a
		}
	}
	return out
}

// Clip shortens s to at most n bytes, cut on a character boundary, with "…" when something was cut off.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// JSON returns b, a JSON document (encoding/json's output: valid UTF-8, control characters below U+0020
// already escaped), with every other character Text would escape written as a JSON escape \uXXXX: DEL,
// C1 controls (U+0085), bidirectional marks, embeddings, overrides and isolates, line and paragraph
// separators. Such characters occur only inside strings, so the document decodes to the same values.
// A byte that is not UTF-8 is written as \ufffd.
func JSON(b []byte) []byte {
	clean := true
	for _, r := range string(b) {
		if r >= 0x7f && unsafe(r, true) || r == utf8.RuneError {
			clean = false
			break
		}
	}
	if clean {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			out = append(out, `\ufffd`...)
		case r >= 0x7f && unsafe(r, true):
			out = fmt.Appendf(out, `\u%04x`, r)
		default:
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	return out
}
