package plan

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"sync"
	"testing"
)

// A registration's diff reuses its work (the arena of the trees, the texts, the lines: treeWork) from
// one registration to the next and on several goroutines at once: each diff is still the reference's,
// whatever was diffed before it with the same work.
func TestRegisterDiffReusingWorkAgreesWithReference(t *testing.T) {
	var regs []*RegisterTaskDefinitionChange
	for name, p := range comparedPlans(t) {
		if name == "large 2500" {
			continue
		}
		for _, a := range p.Actions {
			if r := a.RegisterTaskDefinition; r != nil {
				regs = append(regs, r)
			}
		}
	}
	// variants: masked places added (the paths' cache), documents swapped, one that is not JSON
	rng := rand.New(rand.NewSource(5))
	n := len(regs)
	for i := range n {
		r := *regs[i]
		o := regs[rng.Intn(n)]
		switch i % 4 {
		case 0:
			r.Before, r.After = r.After, r.Before
		case 1:
			r.After = o.After
			r.Masked = append(append([]Masked(nil), r.Masked...), Masked{Path: "containerDefinitions[0].image", SourcePath: "family"},
				Masked{Path: "bad[path", SourcePath: "containerDefinitions[0].environment[0].value"})
		case 2:
			r.Before = json.RawMessage(`{"family": "x", "containerDefinitions": [{"name": "a"}]}`)
		case 3:
			r.After = json.RawMessage(`{"family": `)
		}
		regs = append(regs, &r)
	}
	if len(regs) < 40 {
		t.Fatalf("only %d registrations", len(regs))
	}
	want := make([]string, len(regs))
	wantErr := make([]error, len(regs))
	for i, r := range regs {
		want[i], wantErr[i] = refRegisterDiff(r)
	}
	check := func(i int) {
		got, err := regs[i].diff()
		if got != want[i] || fmt.Sprint(err) != fmt.Sprint(wantErr[i]) {
			t.Errorf("registration %d: diff\n%s (%v)\nthe reference's\n%s (%v)", i, got, err, want[i], wantErr[i])
		}
	}
	for range 2 {
		for i := range regs {
			check(i)
		}
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range regs {
				check((k*7 + g*13) % len(regs))
			}
		}()
	}
	wg.Wait()
}

// The arena gives each list room of its own: appending within it touches no other list, appending
// beyond it moves the list out of the arena.
func TestTreeArenaRoom(t *testing.T) {
	var a treeArena
	node := func(k byte) tnode { return tnode{kind: k} }
	for round := range 3 {
		a.reset()
		var lists [][]tnode
		for i := range 3000 { // beyond a chunk
			l := a.take([]tnode{node('a' + byte(i%20)), node('0')}, i%3)
			lists = append(lists, l)
		}
		for i := range lists {
			for range i % 5 {
				lists[i] = append(lists[i], node('x'))
			}
		}
		for i, l := range lists {
			if len(l) != 2+i%5 || l[0].kind != 'a'+byte(i%20) || l[1].kind != '0' {
				t.Fatalf("round %d: list %d is %v", round, i, l)
			}
			for _, k := range l[2:] {
				if k.kind != 'x' {
					t.Fatalf("round %d: list %d is %v", round, i, l)
				}
			}
		}
	}
}
