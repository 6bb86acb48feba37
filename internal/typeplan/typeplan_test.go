package typeplan

import (
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
)

// plan is a test plan: the names of a struct's fields, each with its own type's plan.
type plan func() []string

type node struct {
	Name     string
	Children []node
	Next     *node
}

// TestOfMakesEachPlanOnceAndResolvesRecursion: a type that refers to itself is planned once, its inner
// references get the forwarding plan, which answers with the plan made; concurrent first uses agree.
func TestOfMakesEachPlanOnceAndResolvesRecursion(t *testing.T) {
	var c Cache[plan]
	var builds atomic.Int32
	var nodeInner []plan // the plans node's fields got while node's was being made
	var build func(reflect.Type) plan
	of := func(t reflect.Type) plan {
		return c.Of(t, build, func(made func() plan) plan { return func() []string { return made()() } })
	}
	build = func(t reflect.Type) plan {
		builds.Add(1)
		if t.Kind() != reflect.Struct {
			return func() []string { return []string{t.Kind().String()} }
		}
		var inner []plan
		var names []string
		for f := range t.Fields() {
			names = append(names, f.Name)
			ft := f.Type
			for ft.Kind() == reflect.Slice || ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			inner = append(inner, of(ft)) // node's own plan, while it is being made: the forwarder
		}
		if t == reflect.TypeFor[node]() {
			nodeInner = inner
		}
		return func() []string { return names }
	}
	var wg sync.WaitGroup
	got := make([][]string, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = of(reflect.TypeFor[node]())()
		}()
	}
	wg.Wait()
	for i, g := range got {
		if !reflect.DeepEqual(g, []string{"Name", "Children", "Next"}) {
			t.Errorf("plan %d = %v", i, g)
		}
	}
	if n := builds.Load(); n != 2 { // node and string, once each
		t.Errorf("%d plans made, want 2 (node, string)", n)
	}
	// the forwarders the recursive references got answer with the plan made
	for i, f := range nodeInner[1:] {
		if got := f(); !reflect.DeepEqual(got, []string{"Name", "Children", "Next"}) {
			t.Errorf("forwarder %d answers %v", i, got)
		}
	}
}
