package plan

import (
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"testing"

	"github.com/aymanbagabas/go-udiff/lcs"
)

// sameDiffs compares the copy's differences with lcs.DiffLines' (an empty list and none are the same).
func sameDiffs(t *testing.T, what string, w *lcsWork, a, b []string) {
	t.Helper()
	want := lcs.DiffLines(a, b)
	got := w.diffLines(a, b)
	if len(want) == 0 && len(got) == 0 {
		return
	}
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("%s: %v, lcs.DiffLines %v\na %q\nb %q", what, got, want, a, b)
	}
}

// The copy of go-udiff's algorithm (labels reused from one diff to the next) finds the differences
// lcs.DiffLines finds: on sequences of a few distinct lines (many equal paths to choose from), short and
// long (beyond the depth the algorithm searches, where it patches partial paths together), edits
// near each other and far apart, one work for all of them in turn.
func TestDiffLinesAgreesWithUdiff(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	var w lcsWork
	for i := range 20000 {
		alphabet := 1 + rng.Intn(6)
		n := rng.Intn([]int{8, 30, 120, 400}[i%4])
		a := make([]string, n)
		for j := range a {
			a[j] = fmt.Sprintf("l%d\n", rng.Intn(alphabet))
		}
		var b []string
		switch i % 3 {
		case 0: // unrelated
			for range rng.Intn(n + 3) {
				b = append(b, fmt.Sprintf("l%d\n", rng.Intn(alphabet)))
			}
		default: // a edited here and there
			rate := []int{3, 40}[i%2]
			for _, l := range a {
				switch rng.Intn(rate) {
				case 0: // dropped
				case 1:
					b = append(b, l, fmt.Sprintf("n%d\n", rng.Intn(alphabet)))
				case 2:
					b = append(b, fmt.Sprintf("l%d\n", rng.Intn(alphabet)))
				default:
					b = append(b, l)
				}
			}
		}
		sameDiffs(t, fmt.Sprintf("case %d", i), &w, a, b)
		sameDiffs(t, fmt.Sprintf("case %d swapped", i), &w, b, a)
	}
}

func FuzzDiffLines(f *testing.F) {
	f.Add("a\nb\nc\n", "a\nc\nb\n")
	f.Add("", "x")
	f.Add("babaab", "cccaba")
	f.Add("aabbaa", "aacaba")
	f.Fuzz(func(t *testing.T, a, b string) {
		var w lcsWork
		split := func(s string) []string { // each byte a line, so that short inputs have many
			return strings.Split(s, "")
		}
		sameDiffs(t, "fuzzed", &w, split(a), split(b))
		sameDiffs(t, "fuzzed again", &w, splitDiffLines(a), splitDiffLines(b))
	})
}
