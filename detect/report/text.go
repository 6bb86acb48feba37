package report

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/internal/ordered"
	"github.com/ecsfix/ecsfix/internal/textsafe"
)

// TextOptions shape the human table.
type TextOptions struct {
	// All shows every verdict, not only failures.
	All bool
	// Color uses ANSI colours (only when the stream is a terminal and NO_COLOR is unset).
	Color bool
}

const (
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiDim    = "\x1b[2m"
	ansiBold   = "\x1b[1m"
	ansiReset  = "\x1b[0m"
)

// Text writes FAILED results (or, with All, every verdict) grouped by resource, then what could not be
// evaluated or read, then a summary line.
func Text(w io.Writer, r *Report, o TextOptions) error {
	// Buffered: a line is a write to w no more (the cli's w is the terminal or a file).
	bw := bufio.NewWriterSize(w, 64<<10)
	p := &printer{w: bw, color: o.Color}
	keep := func(res *detect.Result) bool {
		if res.Status == detect.NotEvaluated {
			return false
		}
		return o.All || res.Status == detect.Failed
	}
	groups := byResource(r.Results, keep)
	ctlWidth := 0
	for _, g := range groups {
		for _, res := range g.results {
			ctlWidth = max(ctlWidth, len(res.Control))
		}
	}
	// The groups in chunks, each chunk into a buffer of its own on GOMAXPROCS workers, written in order
	// (ordered.Write): the printing of 100,000 results in parallel, a few chunks in memory at a time.
	chunks := (len(groups) + textChunk - 1) / textChunk
	err := ordered.Write(bw, chunks, func(c int, b *bytes.Buffer) error {
		cp := &printer{w: b, color: o.Color}
		for _, g := range groups[c*textChunk : min(len(groups), (c+1)*textChunk)] {
			textGroup(cp, g, ctlWidth)
		}
		return cp.err
	})
	if err != nil {
		return err
	}
	if len(groups) == 0 && !o.All {
		p.printf("No failing controls.\n\n")
	}

	var unknown []detect.Result
	for _, res := range r.Results {
		if res.Status == detect.NotEvaluated {
			unknown = append(unknown, res)
		}
	}
	if len(unknown) > 0 {
		p.printf("%s\n", p.paint(ansiYellow, "Not evaluated (the inventory lacks what these controls need):"))
		for _, res := range unknown {
			p.printf("  %s  %s  %s\n", res.Control, res.ResourceArn, res.Reason)
		}
		p.printf("\n")
	}
	if len(r.Errors) > 0 {
		p.printf("%s\n", p.paint(ansiRed, "Could not read (the scan is incomplete; nothing below was evaluated):"))
		for _, e := range r.Errors {
			p.printf("  %s\n", e.Error())
		}
		p.printf("\n")
	}
	s := r.Summary()
	p.printf("%d resources, %d verdicts: %s, %d suppressed, %d passed, %d not applicable; %d not evaluated, %d read errors\n",
		s.Resources, s.Evaluated, p.paint(failColour(s.Failed), fmt.Sprintf("%d failed", s.Failed)), s.Suppressed,
		s.Passed, s.NotApplicable, s.NotEvaluated, s.Errors)
	if p.err != nil {
		return p.err
	}
	return bw.Flush()
}

// textChunk is the number of resources rendered together.
const textChunk = 128

// textGroup prints a resource and its results. Its lines are what
//
//	p.printf("%s  %s\n", p.paint(ansiBold, g.arn), p.paint(ansiDim, g.resourceType))
//	p.printf("  %s  %-*s  %-8s  %s\n", p.paint(colour, fmt.Sprintf("%-10s", status)), ctlWidth, res.Control, res.Severity, res.Reason)
//
// print (the reference, render_reference_test.go), appended to a buffer without fmt: a report prints a
// line for each of 100,000 results.
func textGroup(p *printer, g group, ctlWidth int) {
	if p.err != nil {
		return
	}
	b := p.buf[:0]
	b = p.appendPaint(b, ansiBold, g.arn)
	b = append(b, "  "...)
	b = p.appendPaint(b, ansiDim, g.resourceType)
	b = append(b, '\n')
	p.write(b)
	for _, res := range g.results {
		status, colour := statusLabel(*res)
		b = append(b[:0], "  "...)
		b = p.appendPaint(b, colour, status+spaces[:max(0, 10-len(status))]) // %-10s of an ASCII label
		b = append(b, "  "...)
		b = appendPadded(b, textsafe.Line(res.Control), ctlWidth)
		b = append(b, "  "...)
		b = appendPadded(b, string(res.Severity), 8) // printf prints a Severity as it is
		b = append(b, "  "...)
		b = append(b, textsafe.Line(res.Reason)...)
		b = append(b, '\n')
		p.write(b)
		if s := res.Suppressed; s != nil {
			note := s.By
			if s.Reason != "" {
				note += ": " + s.Reason
			}
			if s.Expires != nil {
				note += ", " + detect.ExpiryText(*s.Expires)
			}
			p.printf("  %s  %s\n", strings.Repeat(" ", 10), p.paint(ansiDim, "suppressed by "+note))
		}
	}
	p.printf("\n")
}

func statusLabel(res detect.Result) (string, string) {
	switch {
	case res.Status == detect.Failed && res.Suppressed != nil:
		return "SUPPRESSED", ansiYellow
	case res.Status == detect.Failed:
		return "FAILED", ansiRed
	case res.Status == detect.Passed:
		return "PASSED", ansiGreen
	default:
		return "N/A", ansiDim
	}
}

func failColour(n int) string {
	if n > 0 {
		return ansiRed
	}
	return ansiGreen
}

// printer remembers the first write error so that rendering code stays linear.
type printer struct {
	w     io.Writer
	color bool
	err   error
	buf   []byte // the line being built (textGroup)
}

// write writes a line built in b, keeping b's room for the next.
func (p *printer) write(b []byte) {
	if p.err == nil {
		_, p.err = p.w.Write(b)
	}
	p.buf = b
}

// appendPaint appends what paint returns.
func (p *printer) appendPaint(b []byte, code, s string) []byte {
	if !p.color {
		return append(b, textsafe.Line(s)...)
	}
	return append(append(append(b, code...), textsafe.Line(s)...), ansiReset...)
}

// appendPadded appends s padded with spaces to width runes, as printf's %-*s does.
func appendPadded(b []byte, s string, width int) []byte {
	b = append(b, s...)
	for n := utf8.RuneCountInString(s); n < width; n++ {
		b = append(b, ' ')
	}
	return b
}

// spaces pads the status labels.
const spaces = "          "

// printf is the output boundary of the text report: every string it prints is escaped (textsafe.Args),
// so a control character or bidi override in a resource name, reason or error is shown, not obeyed.
func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, textsafe.Args(args)...)
	}
}

// paint escapes s and colours it; the colour codes survive printf.
func (p *printer) paint(code, s string) textsafe.Safe {
	if !p.color {
		return textsafe.Safe(textsafe.Line(s))
	}
	return textsafe.Safe(code + textsafe.Line(s) + ansiReset)
}
