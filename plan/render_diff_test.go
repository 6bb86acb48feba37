package plan

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// randomDiffText is a text of up to n lines drawn from a few, so that two of them share lines and
// differ in runs, with or without a newline at its end.
func randomDiffText(rng *rand.Rand, n int) string {
	pieces := []string{"a", "b", "c", "  \"name\": \"web\",", "}", "", "é☃", "\xff", "x\ty", "{"}
	var b strings.Builder
	lines := rng.Intn(n + 1)
	for i := range lines {
		b.WriteString(pieces[rng.Intn(len(pieces))])
		if i < lines-1 || rng.Intn(4) > 0 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// unifiedDiff gives go-udiff's bytes: on random texts (edits at the start, the end, texts without a last
// newline, empty texts, long common runs) and on texts that differ a little, as a fix's do.
func TestUnifiedDiffAgreesWithUdiff(t *testing.T) {
	rng := rand.New(rand.NewSource(29))
	check := func(before, after string) {
		t.Helper()
		want, wantErr := refUnifiedDiff("a/x", "b/x (new)", before, after)
		got, gotErr := unifiedDiff("a/x", "b/x (new)", before, after)
		if got != want || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
			t.Fatalf("unifiedDiff(%q, %q):\n got %q, %v\nwant %q, %v", before, after, got, gotErr, want, wantErr)
		}
	}
	differ := 0
	for i := range 20000 {
		n := 6
		if i%4 == 0 {
			n = 60
		}
		before, after := randomDiffText(rng, n), randomDiffText(rng, n)
		if rng.Intn(2) == 0 { // a few lines changed in a long text
			lines := strings.SplitAfter(before, "\n")
			for range 1 + rng.Intn(3) {
				j := rng.Intn(len(lines))
				switch rng.Intn(3) {
				case 0:
					lines[j] = "changed\n"
				case 1:
					if len(lines) == 1 {
						continue
					}
					lines = append(lines[:j], lines[j+1:]...)
				default:
					lines = append(lines[:j], append([]string{"inserted\n"}, lines[j:]...)...)
				}
			}
			after = strings.Join(lines, "")
		}
		check(before, after)
		if before != after {
			differ++
		}
	}
	for _, pair := range [][2]string{{"", ""}, {"", "a\n"}, {"a\n", ""}, {"a", "a\n"}, {"a\n", "a"}, {"a\nb", "a\nc"},
		{"a\n", "a\na\n"}, {"a\nb\n", "a\nb\nc\n"}, {"x\n" + strings.Repeat("a\n", 20) + "y\n", "z\n" + strings.Repeat("a\n", 20) + "w\n"}} {
		check(pair[0], pair[1])
	}
	if differ < 10000 {
		t.Fatalf("only %d pairs differ", differ)
	}
}
