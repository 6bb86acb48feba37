// Package typeplan keeps what a reflective walker decided about each type once (its plan: which fields
// to visit, at which offsets, and how), so that values are walked without deciding again: awsjson's
// encoder, the planner's copier and its search for secrets each keep their plans in a Cache.
package typeplan

import (
	"reflect"
	"sync"
)

// Cache holds the plan of each type, made on first use and safe for concurrent use.
type Cache[P any] struct {
	plans sync.Map // reflect.Type -> P
}

// Of is the plan of t: made by build the first time, kept. A type that refers to itself (a struct with a
// slice of itself) reaches Of again while its plan is being made: it then gets forward's plan, made of a
// function that waits for the plan being made and returns it (nil-like P included), so that build can
// finish. Two goroutines that ask for a new type at once get the same plan.
func (c *Cache[P]) Of(t reflect.Type, build func(reflect.Type) P, forward func(made func() P) P) P {
	if p, ok := c.plans.Load(t); ok {
		return p.(P)
	}
	var (
		wg   sync.WaitGroup
		made P
	)
	wg.Add(1)
	p, loaded := c.plans.LoadOrStore(t, forward(func() P {
		wg.Wait()
		return made
	}))
	if loaded {
		return p.(P)
	}
	made = build(t)
	wg.Done()
	c.plans.Store(t, made)
	return made
}
