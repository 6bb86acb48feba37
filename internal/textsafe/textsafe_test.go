package textsafe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
)

func TestEscape(t *testing.T) {
	tests := []struct{ in, line, text string }{
		{"plain text, café, 東京, C:\\path", "plain text, café, 東京, C:\\path", "plain text, café, 東京, C:\\path"},
		{"alice\x1b[2J", `alice\x1b[2J`, `alice\x1b[2J`},
		{"evil\u202etxt.exe", `evil\u202etxt.exe`, `evil\u202etxt.exe`},
		{"a\nb\tc\r", `a\nb\tc\r`, "a\nb\tc\\r"},
		{"nul\x00 del\x7f c1\u0085 csi\u009b", `nul\x00 del\x7f c1\u0085 csi\u009b`, `nul\x00 del\x7f c1\u0085 csi\u009b`},
		{"iso\u2066late\u2069 lrm\u200e sep\u2028", `iso\u2066late\u2069 lrm\u200e sep\u2028`, `iso\u2066late\u2069 lrm\u200e sep\u2028`},
		{"bad\xffutf8 \uFFFD", `bad\xffutf8 ` + "\uFFFD", `bad\xffutf8 ` + "\uFFFD"},
	}
	for _, tt := range tests {
		if got := Line(tt.in); got != tt.line {
			t.Errorf("Line(%q) = %q, want %q", tt.in, got, tt.line)
		}
		if got := Text(tt.in); got != tt.text {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.text)
		}
		// Escaping twice changes nothing more.
		if got := Line(Line(tt.in)); got != tt.line {
			t.Errorf("Line is not idempotent on %q: %q", tt.in, got)
		}
	}
}

func TestWriter(t *testing.T) {
	var b bytes.Buffer
	n, err := fmt.Fprintf(NewWriter(&b), "applied a1 (%s)\nnext\n", "web\x1b]0;pwned\x07")
	if err != nil || n != len("applied a1 (web\x1b]0;pwned\x07)\nnext\n") {
		t.Fatalf("n %d, err %v", n, err)
	}
	if got, want := b.String(), "applied a1 (web\\x1b]0;pwned\\x07)\nnext\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestClip(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 80, "short"},
		{"abcdef", 3, "abc…"},
		{"aé", 2, "a…"}, // é is two bytes: the cut moves back to its start
		{"日本語", 4, "日…"},
	} {
		if got := Clip(c.in, c.n); got != c.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

func TestJSON(t *testing.T) {
	for in, want := range map[string]string{
		`{"a":"plain é ✓"}`:                `{"a":"plain é ✓"}`,
		"{\"a\":\"x\u202ey\u0085z\"}":      `{"a":"x\u202ey\u0085z"}`,
		"{\"a\":\"\u2066\u200f\x7f\"}":     `{"a":"\u2066\u200f\u007f"}`,
		"{\"a\":\"bad\xffbyte\"}":          `{"a":"bad\ufffdbyte"}`,
		"{\"a\":\"\\u001b kept escaped\"}": `{"a":"\u001b kept escaped"}`,
	} {
		got := string(JSON([]byte(in)))
		if got != want {
			t.Errorf("JSON(%q) = %q, want %q", in, got, want)
		}
		var a, b any
		if json.Unmarshal([]byte(got), &b) != nil {
			t.Errorf("JSON(%q) = %q is not JSON", in, got)
		} else if in != "{\"a\":\"bad\xffbyte\"}" && (json.Unmarshal([]byte(in), &a) != nil || !reflect.DeepEqual(a, b)) {
			t.Errorf("JSON(%q) = %q decodes to %v, want %v", in, got, b, a)
		}
	}
}
