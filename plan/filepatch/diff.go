package filepatch

import (
	"fmt"
	"sort"
	"strings"

	"github.com/aymanbagabas/go-udiff"
)

// The unified diff of one file, in git's form (diff --git a/… b/…), with hunks whose context never shows
// a line that must not be printed: the line-level edits come from go-udiff; the hunks are made here so
// that their context can stop short of such a line.

// contextLines is the context a hunk shows on each side when no line stops it.
const contextLines = 3

// ErrHidden is returned by UnifiedDiff when a change cannot be shown without printing a line that must
// not be printed (a changed line holds such a value, or no line of context is left after a change).
type ErrHidden struct{ Line int }

func (e *ErrHidden) Error() string {
	return fmt.Sprintf("line %d, which holds a value ecsfix does not print, is part of the change or its only context", e.Line)
}

type lineEdit struct {
	from, to int      // old lines [from, to) replaced
	add      []string // by these lines
}

// splitKeep splits text into lines, each with its line ending.
func splitKeep(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// lineEdits converts go-udiff's line-aligned byte edits into edits of line ranges.
func lineEdits(old, new string) []lineEdit {
	lines := splitKeep(old)
	starts := make([]int, len(lines)+1)
	for i, l := range lines {
		starts[i+1] = starts[i] + len(l)
	}
	lineOf := func(off int) int { return sort.SearchInts(starts, off) } // the first line starting at or after off
	var out []lineEdit
	for _, e := range udiff.Lines(old, new) {
		out = append(out, lineEdit{from: lineOf(e.Start), to: lineOf(e.End), add: splitKeep(e.New)})
	}
	return out
}

// GitPath quotes a path as git does in a diff header when it holds a character git quotes (a control
// character, a double quote, a backslash, a byte outside ASCII).
func GitPath(p string) string {
	need := false
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x7f {
			need = true
		}
	}
	if !need {
		return p
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\%03o`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// UnifiedDiff is the git diff of one file (path relative to where git apply runs) from old to new. hidden
// reports whether an old line (0-based) must not be printed: context stops short of it, and a change
// that would show it is refused (*ErrHidden). "" when old and new are equal.
func UnifiedDiff(path, old, new string, hidden func(line int) bool) (string, error) {
	if old == new {
		return "", nil
	}
	if hidden == nil {
		hidden = func(int) bool { return false }
	}
	oldLines := splitKeep(old)
	edits := lineEdits(old, new)
	for _, e := range edits {
		for l := e.from; l < e.to; l++ {
			if hidden(l) {
				return "", &ErrHidden{Line: l + 1}
			}
		}
	}
	a, b := "a/"+path, "b/"+path
	var out strings.Builder
	tab := ""
	if strings.Contains(path, " ") {
		tab = "\t" // as git writes a name holding a space
	}
	fmt.Fprintf(&out, "diff --git %s %s\n--- %s%s\n+++ %s%s\n", GitPath(a), GitPath(b), GitPath(a), tab, GitPath(b), tab)

	// group edits into hunks: an unchanged stretch longer than twice the context, or holding a hidden
	// line, separates two hunks
	var groups [][]lineEdit
	for i, e := range edits {
		if i > 0 {
			prev := edits[i-1]
			split := e.from-prev.to > 2*contextLines
			for l := prev.to; l < e.from && !split; l++ {
				split = hidden(l)
			}
			if !split {
				groups[len(groups)-1] = append(groups[len(groups)-1], e)
				continue
			}
		}
		groups = append(groups, []lineEdit{e})
	}
	delta := 0 // new line number minus old line number before the current group
	for _, g := range groups {
		first, last := g[0], g[len(g)-1]
		lead := first.from
		for lead > 0 && first.from-lead < contextLines && !hidden(lead-1) {
			lead--
		}
		trail := last.to
		for trail < len(oldLines) && trail-last.to < contextLines && !hidden(trail) {
			trail++
		}
		if trail == last.to && last.to < len(oldLines) {
			return "", &ErrHidden{Line: last.to + 1}
		}
		var body strings.Builder
		oldN, newN := 0, 0
		emit := func(prefix string, lines []string) {
			for _, l := range lines {
				body.WriteString(prefix)
				body.WriteString(l)
				if !strings.HasSuffix(l, "\n") {
					body.WriteString("\n\\ No newline at end of file\n")
				}
			}
		}
		pos := lead
		added := 0
		for _, e := range g {
			emit(" ", oldLines[pos:e.from])
			oldN += e.from - pos
			newN += e.from - pos
			emit("-", oldLines[e.from:e.to])
			oldN += e.to - e.from
			emit("+", e.add)
			newN += len(e.add)
			added += len(e.add) - (e.to - e.from)
			pos = e.to
		}
		emit(" ", oldLines[pos:trail])
		oldN += trail - pos
		newN += trail - pos
		oldStart, newStart := lead+1, lead+1+delta
		if oldN == 0 {
			oldStart--
		}
		if newN == 0 {
			newStart--
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", hunkRange(oldStart, oldN), hunkRange(newStart, newN))
		out.WriteString(body.String())
		delta += added
	}
	return out.String(), nil
}

func hunkRange(start, n int) string {
	if n == 1 {
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}
