// Copyright 2022 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.
//
// (The LICENSE-BSD file of github.com/aymanbagabas/go-udiff, whose lcs package this is a copy of.)

package plan

// diffLinesWith is lcs.DiffLines of github.com/aymanbagabas/go-udiff (v0.4.1): its two-sided algorithm
// copied as it is, for lines, with the labels of its edit graph (a triangle of slices per diff, allocated
// afresh by the package) kept in an lcsLabels reused from one diff to the next, each level cleared
// before its first use in a diff (what a fresh one holds: zeros). The same comparisons in the same
// order, so the same differences: TestDiffLinesAgreesWithUdiff and FuzzDiffLines compare the two.

import (
	"fmt"
	"sort"

	"github.com/aymanbagabas/go-udiff/lcs"
)

// lcsMaxDiffs is lcs's maxDiffs (a limit on how deeply the LCS algorithm searches).
const lcsMaxDiffs = 100

// lcsLabels is lcs's label, reused: level D (D+1 entries) is valid in the current diff when used[D].
type lcsLabels struct {
	vec  [][]int
	used []bool
}

// reset starts a diff: no level is valid.
func (t *lcsLabels) reset() { clear(t.used) }

func (t *lcsLabels) set(D, k, x int) {
	for len(t.vec) <= D {
		t.vec = append(t.vec, nil)
		t.used = append(t.used, false)
	}
	if !t.used[D] { // lcs's label makes the level here: zeros
		if t.vec[D] == nil {
			t.vec[D] = make([]int, D+1)
		} else {
			clear(t.vec[D])
		}
		t.used[D] = true
	}
	t.vec[D][(D+k)/2] = x // known that D+k is even
}

func (t *lcsLabels) get(d, k int) int {
	if d >= len(t.used) || !t.used[d] {
		panic(fmt.Sprintf("lcs: level %d read before it is set", d)) // lcs: an index out of range of a nil level
	}
	return t.vec[d][(d+k)/2]
}

// lcsWork holds the labels of the forward and backward passes and the differences found, reused.
type lcsWork struct {
	vf, vb lcsLabels
	diffs  []lcs.Diff
}

// diffLines is lcs.DiffLines(a, b); the differences are w's until its next diff.
func (w *lcsWork) diffLines(a, b []string) []lcs.Diff {
	w.vf.reset()
	w.vb.reset()
	limit := lcsMaxDiffs / 2
	g := &lcsGraph{a: a, b: b, vf: &w.vf, vb: &w.vb, limit: limit, ux: len(a), uy: len(b), delta: len(a) - len(b)}
	l := lcsTwosided(g)
	w.diffs = l.toDiffs(w.diffs[:0], len(a), len(b))
	return w.diffs
}

// lcsGraph is lcs's editGraph, for lines.
type lcsGraph struct {
	a, b   []string
	vf, vb *lcsLabels
	limit  int
	// the bounding rectangle of the current edit graph
	lx, ly, ux, uy int
	delta          int // common subexpression: (ux-lx)-(uy-ly)
}

// lcsDiags is lcs's lcs: a longest common sequence.
type lcsDiags []lcsDiag

// lcsDiag is a piece of the edit graph where A[X+i] == B[Y+i], for 0<=i<Len.
type lcsDiag struct {
	X, Y int
	Len  int
}

// toDiffs converts an LCS to a list of edits, appended to diffs.
func (l lcsDiags) toDiffs(diffs []lcs.Diff, alen, blen int) []lcs.Diff {
	var pa, pb int // offsets in a, b
	for _, d := range l {
		if pa < d.X || pb < d.Y {
			diffs = append(diffs, lcs.Diff{Start: pa, End: d.X, ReplStart: pb, ReplEnd: d.Y})
		}
		pa = d.X + d.Len
		pb = d.Y + d.Len
	}
	if pa < alen || pb < blen {
		diffs = append(diffs, lcs.Diff{Start: pa, End: alen, ReplStart: pb, ReplEnd: blen})
	}
	return diffs
}

// sort sorts in place, by lowest X, and if tied, inversely by Len
func (l lcsDiags) sort() lcsDiags {
	sort.Slice(l, func(i, j int) bool {
		if l[i].X != l[j].X {
			return l[i].X < l[j].X
		}
		return l[i].Len > l[j].Len
	})
	return l
}

// fix repairs an overlapping lcs (only called if two-sided stops early): from the set of diagonals in l,
// a maximal non-conflicting set, by lcs's greedy heuristic.
func (l lcsDiags) fix() lcsDiags {
	if len(l) == 0 {
		return nil
	}
	sort.Slice(l, func(i, j int) bool { return l[i].Len > l[j].Len })
	tmp := make(lcsDiags, 0, len(l))
	tmp = append(tmp, l[0])
	for i := 1; i < len(l); i++ {
		var dir lcsDirection
		nxt := l[i]
		for _, in := range tmp {
			if dir, nxt = lcsOverlap(in, nxt); dir == lcsEmpty || dir == lcsBad {
				break
			}
		}
		if nxt.Len > 0 && dir != lcsBad {
			tmp = append(tmp, nxt)
		}
	}
	tmp.sort()
	return tmp
}

type lcsDirection int

const (
	lcsEmpty    lcsDirection = iota // diag is empty (so not in lcs)
	lcsLeftdown                     // proposed acceptably to the left and below
	lcsRightup                      // proposed diag is acceptably to the right and above
	lcsBad                          // proposed diag is inconsistent with the lcs so far
)

// lcsOverlap trims the proposed diag prop so it doesn't overlap with the existing diag that has already
// been added to the lcs.
func lcsOverlap(exist, prop lcsDiag) (lcsDirection, lcsDiag) {
	if prop.X <= exist.X && exist.X < prop.X+prop.Len {
		// remove the end of prop where it overlaps with the X end of exist
		delta := prop.X + prop.Len - exist.X
		prop.Len -= delta
		if prop.Len <= 0 {
			return lcsEmpty, prop
		}
	}
	if exist.X <= prop.X && prop.X < exist.X+exist.Len {
		// remove the beginning of prop where overlaps with exist
		delta := exist.X + exist.Len - prop.X
		prop.Len -= delta
		if prop.Len <= 0 {
			return lcsEmpty, prop
		}
		prop.X += delta
		prop.Y += delta
	}
	if prop.Y <= exist.Y && exist.Y < prop.Y+prop.Len {
		// remove the end of prop that overlaps (in Y) with exist
		delta := prop.Y + prop.Len - exist.Y
		prop.Len -= delta
		if prop.Len <= 0 {
			return lcsEmpty, prop
		}
	}
	if exist.Y <= prop.Y && prop.Y < exist.Y+exist.Len {
		// remove the beginning of peop that overlaps with exist
		delta := exist.Y + exist.Len - prop.Y
		prop.Len -= delta
		if prop.Len <= 0 {
			return lcsEmpty, prop
		}
		prop.X += delta // no test reaches this code
		prop.Y += delta
	}
	if prop.X+prop.Len <= exist.X && prop.Y+prop.Len <= exist.Y {
		return lcsLeftdown, prop
	}
	if exist.X+exist.Len <= prop.X && exist.Y+exist.Len <= prop.Y {
		return lcsRightup, prop
	}
	// prop can't be in an lcs that contains exist
	return lcsBad, prop
}

// prepend a diagonal (x,y)-(x+1,y+1) segment either to an empty lcs or to its first Diag. prepend is
// only called to extend diagonals the backward direction.
func (l lcsDiags) prepend(x, y int) lcsDiags {
	if len(l) > 0 {
		d := &l[0]
		if d.X == x+1 && d.Y == y+1 {
			// extend the diagonal down and to the left
			d.X, d.Y = x, y
			d.Len++
			return l
		}
	}
	r := lcsDiag{X: x, Y: y, Len: 1}
	return append([]lcsDiag{r}, l...)
}

// append appends a diagonal, or extends the existing one. by adding the edge (x,y)-(x+1.y+1). append
// is only called to extend diagonals in the forward direction.
func (l lcsDiags) append(x, y int) lcsDiags {
	if len(l) > 0 {
		last := &l[len(l)-1]
		// Expand last element if adjoining.
		if last.X+last.Len == x && last.Y+last.Len == y {
			last.Len++
			return l
		}
	}
	return append(l, lcsDiag{X: x, Y: y, Len: 1})
}

// lcsOK enforces the constraint on d, k.
func lcsOK(d, k int) bool {
	return d >= 0 && -d <= k && k <= d
}

// lcsCommonPrefixLen is the length of the common prefix of a and b.
func lcsCommonPrefixLen(a, b []string) int {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	return i
}

// lcsCommonSuffixLen is the length of the common suffix of a and b.
func lcsCommonSuffixLen(a, b []string) int {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[len(a)-1-i] == b[len(b)-1-i] {
		i++
	}
	return i
}

// --- FORWARD ---

// fdone decides if the forward path has reached the upper right corner of the rectangle. If so, it
// also returns the computed lcs.
func (e *lcsGraph) fdone(D, k int) (bool, lcsDiags) {
	// x, y, k are relative to the rectangle
	x := e.vf.get(D, k)
	y := x - k
	if x == e.ux && y == e.uy {
		return true, e.forwardlcs(D, k)
	}
	return false, nil
}

// run the forward algorithm, until success or up to the limit on D.
func lcsForward(e *lcsGraph) lcsDiags {
	e.setForward(0, 0, e.lx)
	if ok, ans := e.fdone(0, 0); ok {
		return ans
	}
	// from D to D+1
	for D := range e.limit {
		e.setForward(D+1, -(D + 1), e.getForward(D, -D))
		if ok, ans := e.fdone(D+1, -(D + 1)); ok {
			return ans
		}
		e.setForward(D+1, D+1, e.getForward(D, D)+1)
		if ok, ans := e.fdone(D+1, D+1); ok {
			return ans
		}
		for k := -D + 1; k <= D-1; k += 2 {
			// these are tricky and easy to get backwards
			lookv := e.lookForward(k, e.getForward(D, k-1)+1)
			lookh := e.lookForward(k, e.getForward(D, k+1))
			if lookv > lookh {
				e.setForward(D+1, k, lookv)
			} else {
				e.setForward(D+1, k, lookh)
			}
			if ok, ans := e.fdone(D+1, k); ok {
				return ans
			}
		}
	}
	// D is too large
	// find the D path with maximal x+y inside the rectangle and
	// use that to compute the found part of the lcs
	kmax := -e.limit - 1
	diagmax := -1
	for k := -e.limit; k <= e.limit; k += 2 {
		x := e.getForward(e.limit, k)
		y := x - k
		if x+y > diagmax && x <= e.ux && y <= e.uy {
			diagmax, kmax = x+y, k
		}
	}
	return e.forwardlcs(e.limit, kmax)
}

// recover the lcs by backtracking from the farthest point reached
func (e *lcsGraph) forwardlcs(D, k int) lcsDiags {
	var ans lcsDiags
	for x := e.getForward(D, k); x != 0 || x-k != 0; {
		if lcsOK(D-1, k-1) && x-1 == e.getForward(D-1, k-1) {
			// if (x-1,y) is labelled D-1, x--,D--,k--,continue
			D, k, x = D-1, k-1, x-1
			continue
		} else if lcsOK(D-1, k+1) && x == e.getForward(D-1, k+1) {
			// if (x,y-1) is labelled D-1, x, D--,k++, continue
			D, k = D-1, k+1
			continue
		}
		// if (x-1,y-1)--(x,y) is a diagonal, prepend,x--,y--, continue
		y := x - k
		ans = ans.prepend(x+e.lx-1, y+e.ly-1)
		x--
	}
	return ans
}

// start at (x,y), go up the diagonal as far as possible, and label the result with d
func (e *lcsGraph) lookForward(k, relx int) int {
	rely := relx - k
	x, y := relx+e.lx, rely+e.ly
	if x < e.ux && y < e.uy {
		x += lcsCommonPrefixLen(e.a[x:e.ux], e.b[y:e.uy])
	}
	return x
}

func (e *lcsGraph) setForward(d, k, relx int) {
	x := e.lookForward(k, relx)
	e.vf.set(d, k, x-e.lx)
}

func (e *lcsGraph) getForward(d, k int) int {
	return e.vf.get(d, k)
}

// --- BACKWARD ---

// recover the lcs by backtracking
func (e *lcsGraph) backwardlcs(D, k int) lcsDiags {
	var ans lcsDiags
	for x := e.getBackward(D, k); x != e.ux || x-(k+e.delta) != e.uy; {
		if lcsOK(D-1, k-1) && x == e.getBackward(D-1, k-1) {
			// D--, k--, x unchanged
			D, k = D-1, k-1
			continue
		} else if lcsOK(D-1, k+1) && x+1 == e.getBackward(D-1, k+1) {
			// D--, k++, x++
			D, k, x = D-1, k+1, x+1
			continue
		}
		y := x - (k + e.delta)
		ans = ans.append(x+e.lx, y+e.ly)
		x++
	}
	return ans
}

// start at (x,y), go down the diagonal as far as possible,
func (e *lcsGraph) lookBackward(k, relx int) int {
	rely := relx - (k + e.delta) // forward k = k + e.delta
	x, y := relx+e.lx, rely+e.ly
	if x > 0 && y > 0 {
		x -= lcsCommonSuffixLen(e.a[0:x], e.b[0:y])
	}
	return x
}

// convert to rectangle, and label the result with d
func (e *lcsGraph) setBackward(d, k, relx int) {
	x := e.lookBackward(k, relx)
	e.vb.set(d, k, x-e.lx)
}

func (e *lcsGraph) getBackward(d, k int) int {
	return e.vb.get(d, k)
}

// -- TWOSIDED ---

func lcsTwosided(e *lcsGraph) lcsDiags {
	// The termination condition could be improved, as either the forward
	// or backward pass could succeed before Myers' Lemma applies.
	// Aside from questions of efficiency (is the extra testing cost-effective)
	// this is more likely to matter when e.limit is reached.
	e.setForward(0, 0, e.lx)
	e.setBackward(0, 0, e.ux)

	// from D to D+1
	for D := range e.limit {
		// just finished a backwards pass, so check
		if got, ok := e.twoDone(D, D); ok {
			return e.twolcs(D, D, got)
		}
		// do a forwards pass (D to D+1)
		e.setForward(D+1, -(D + 1), e.getForward(D, -D))
		e.setForward(D+1, D+1, e.getForward(D, D)+1)
		for k := -D + 1; k <= D-1; k += 2 {
			// these are tricky and easy to get backwards
			lookv := e.lookForward(k, e.getForward(D, k-1)+1)
			lookh := e.lookForward(k, e.getForward(D, k+1))
			if lookv > lookh {
				e.setForward(D+1, k, lookv)
			} else {
				e.setForward(D+1, k, lookh)
			}
		}
		// just did a forward pass, so check
		if got, ok := e.twoDone(D+1, D); ok {
			return e.twolcs(D+1, D, got)
		}
		// do a backward pass, D to D+1
		e.setBackward(D+1, -(D + 1), e.getBackward(D, -D)-1)
		e.setBackward(D+1, D+1, e.getBackward(D, D))
		for k := -D + 1; k <= D-1; k += 2 {
			// these are tricky and easy to get wrong
			lookv := e.lookBackward(k, e.getBackward(D, k-1))
			lookh := e.lookBackward(k, e.getBackward(D, k+1)-1)
			if lookv < lookh {
				e.setBackward(D+1, k, lookv)
			} else {
				e.setBackward(D+1, k, lookh)
			}
		}
	}

	// D too large. combine a forward and backward partial lcs
	// first, a forward one
	kmax := -e.limit - 1
	diagmax := -1
	for k := -e.limit; k <= e.limit; k += 2 {
		x := e.getForward(e.limit, k)
		y := x - k
		if x+y > diagmax && x <= e.ux && y <= e.uy {
			diagmax, kmax = x+y, k
		}
	}
	if kmax < -e.limit {
		panic(fmt.Sprintf("no forward paths when limit=%d?", e.limit))
	}
	l := e.forwardlcs(e.limit, kmax)
	// now a backward one
	// find the D path with minimal x+y inside the rectangle and
	// use that to compute the lcs
	diagmin := 1 << 25 // infinity
	for k := -e.limit; k <= e.limit; k += 2 {
		x := e.getBackward(e.limit, k)
		y := x - (k + e.delta)
		if x+y < diagmin && x >= 0 && y >= 0 {
			diagmin, kmax = x+y, k
		}
	}
	if kmax < -e.limit {
		panic(fmt.Sprintf("no backward paths when limit=%d?", e.limit))
	}
	l = append(l, e.backwardlcs(e.limit, kmax)...)
	// These may overlap (e.forwardlcs and e.backwardlcs return sorted lcs)
	return l.fix()
}

// Does Myers' Lemma apply?
func (e *lcsGraph) twoDone(df, db int) (int, bool) {
	if (df+db+e.delta)%2 != 0 {
		return 0, false // diagonals cannot overlap
	}
	kmin := max(-df, -db+e.delta)
	kmax := min(df, db+e.delta)
	for k := kmin; k <= kmax; k += 2 {
		x := e.vf.get(df, k)
		u := e.vb.get(db, k-e.delta)
		if u <= x {
			// is it worth looking at all the other k?
			for l := k; l <= kmax; l += 2 {
				x := e.vf.get(df, l)
				y := x - l
				u := e.vb.get(db, l-e.delta)
				v := u - l
				if x == u || u == 0 || v == 0 || y == e.uy || x == e.ux {
					return l, true
				}
			}
			return k, true
		}
	}
	return 0, false
}

func (e *lcsGraph) twolcs(df, db, kf int) lcsDiags {
	// db==df || db+1==df
	x := e.vf.get(df, kf)
	y := x - kf
	kb := kf - e.delta
	u := e.vb.get(db, kb)
	v := u - kf

	// Myers proved there is a df-path from (0,0) to (u,v)
	// and a db-path from (x,y) to (N,M).
	// In the first case the overall path is the forward path
	// to (u,v) followed by the backward path to (N,M).
	// In the second case the path is the backward path to (x,y)
	// followed by the forward path to (x,y) from (0,0).

	// Look for some special cases to avoid computing either of these paths.
	if x == u {
		// "babaab" "cccaba"
		// already patched together
		l := e.forwardlcs(df, kf)
		l = append(l, e.backwardlcs(db, kb)...)
		return l.sort()
	}

	// is (u-1,v) or (u,v-1) labelled df-1?
	// if so, that forward df-1-path plus a horizontal or vertical edge
	// is the df-path to (u,v), then plus the db-path to (N,M)
	if u > 0 && lcsOK(df-1, u-1-v) && e.vf.get(df-1, u-1-v) == u-1 {
		//  "aabbab" "cbcabc"
		l := e.forwardlcs(df-1, u-1-v)
		l = append(l, e.backwardlcs(db, kb)...)
		return l.sort()
	}
	if v > 0 && lcsOK(df-1, (u-(v-1))) && e.vf.get(df-1, u-(v-1)) == u {
		//  "abaabb" "bcacab"
		l := e.forwardlcs(df-1, u-(v-1))
		l = append(l, e.backwardlcs(db, kb)...)
		return l.sort()
	}

	// The path can't possibly contribute to the lcs because it
	// is all horizontal or vertical edges
	if u == 0 || v == 0 || x == e.ux || y == e.uy {
		// "abaabb" "abaaaa"
		if u == 0 || v == 0 {
			return e.backwardlcs(db, kb)
		}
		return e.forwardlcs(df, kf)
	}

	// is (x+1,y) or (x,y+1) labelled db-1?
	if x+1 <= e.ux && lcsOK(db-1, x+1-y-e.delta) && e.vb.get(db-1, x+1-y-e.delta) == x+1 {
		// "bababb" "baaabb"
		l := e.backwardlcs(db-1, kb+1)
		l = append(l, e.forwardlcs(df, kf)...)
		return l.sort()
	}
	if y+1 <= e.uy && lcsOK(db-1, x-(y+1)-e.delta) && e.vb.get(db-1, x-(y+1)-e.delta) == x {
		// "abbbaa" "cabacc"
		l := e.backwardlcs(db-1, kb-1)
		l = append(l, e.forwardlcs(df, kf)...)
		return l.sort()
	}

	// need to compute another path
	// "aabbaa" "aacaba"
	l := e.backwardlcs(db, kb)
	oldx, oldy := e.ux, e.uy
	e.ux = u
	e.uy = v
	l = append(l, lcsForward(e)...)
	e.ux, e.uy = oldx, oldy
	return l.sort()
}
