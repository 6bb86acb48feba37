package plan

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// The diff of a registration normalises two task definitions (normalizeTaskDefinitionDoc) and encodes
// them (encodeGenericJSON) for every registration of a plan. For a document of the usual shape (strings
// of printable ASCII without escapes, no repeated key, lists whose order the normalisation sets without
// comparing whole elements) the same is done here on a light tree of the document's own bytes, without
// the maps, interfaces and strings of decodeGenericJSON; anything else (and every error) goes the
// generic way. TestNormalizedTextAgreesWithGeneric compares the two.

// tnode is a JSON value of a document: kind is '{', '[', '"' (a string: text is its content, without its
// quotes), '0' (a number: text is as written), 't', 'f' or 'n'; an object's members and an array's
// elements are kids, a member's key is key. key and text are spans of the document's bytes (tspan), so
// that a node holds one pointer only (its kids) for the garbage collector to follow.
type tnode struct {
	kind      byte
	key, text tspan
	kids      []tnode
}

// tspan is a span of bytes: of the document (off >= 0) or of tconst (off < 0: -off-1).
type tspan struct{ off, n int32 }

// tconst holds the strings the normalisation writes (MaskedValue, defaults and their keys).
const tconst = MaskedValue + "DISABLED" + "tcp" + "transitEncryption" + "protocol" + "readOnly" + "essential" + "privileged" +
	"readonlyRootFilesystem"

// constSpan is the span of s in tconst.
func constSpan(s string) tspan {
	i := strings.Index(tconst, s)
	if i < 0 {
		panic("normalize: " + s + " is not in tconst")
	}
	return tspan{off: int32(-i - 1), n: int32(len(s))}
}

var (
	spanMasked, spanDisabled, spanTCP                         = constSpan(MaskedValue), constSpan("DISABLED"), constSpan("tcp")
	spanTransitEncryption, spanProtocol, spanReadOnly         = constSpan("transitEncryption"), constSpan("protocol"), constSpan("readOnly")
	spanEssential, spanPrivileged, spanReadonlyRootFilesystem = constSpan("essential"), constSpan("privileged"), constSpan("readonlyRootFilesystem")
)

var tconstBytes = []byte(tconst)

// bytes is the span's bytes in src (the document).
func (s tspan) bytes(src []byte) []byte {
	if s.off < 0 {
		i := -s.off - 1
		return tconstBytes[i : i+s.n]
	}
	return src[s.off : s.off+s.n]
}

// is reports whether the span's bytes are str.
func (s tspan) is(src []byte, str string) bool {
	if int(s.n) != len(str) {
		return false
	}
	if s.off < 0 {
		i := -s.off - 1
		return tconst[i:i+s.n] == str
	}
	return string(src[s.off:s.off+s.n]) == str
}

// tparser parses a document into tnodes; ok turns false at the first thing it does not take. The
// members or elements of the containers being parsed are gathered on stack, then copied to a list of
// their own, the size they need.
type tparser struct {
	s     []byte
	i     int
	ok    bool
	stack []tnode
	arena *treeArena
}

// treeArena hands out the lists of a tree's members and elements from chunks of nodes it reuses from one
// document to the next (reset): no allocation of its own for each object and array of a document.
type treeArena struct {
	chunks [][]tnode
	cur    int // the chunk being filled
}

// treeChunk is the size of an arena's chunk, in nodes.
const treeChunk = 512

// reset makes the arena's chunks free again: the trees they held are no longer used.
func (a *treeArena) reset() {
	for i := 0; i <= a.cur && i < len(a.chunks); i++ {
		a.chunks[i] = a.chunks[i][:0]
	}
	a.cur = 0
}

// take is a copy of nodes in the arena with room for more after them (the normalisation fills in
// defaults): appended to, the list grows into its room, and beyond it out of the arena.
func (a *treeArena) take(nodes []tnode, room int) []tnode {
	need := len(nodes) + room
	for {
		if a.cur == len(a.chunks) {
			a.chunks = append(a.chunks, make([]tnode, 0, max(need, treeChunk)))
		}
		c := a.chunks[a.cur]
		if n := len(c); cap(c)-n >= need {
			c = c[:n+need]
			copy(c[n:], nodes)
			a.chunks[a.cur] = c
			return c[n : n+len(nodes) : n+need]
		}
		if len(c) == 0 { // a chunk too small for this list even empty
			a.chunks[a.cur] = make([]tnode, 0, max(need, treeChunk))
			continue
		}
		a.cur++
	}
}

// objectRoom is the room an object's members are given for the defaults the normalisation adds
// (a container's essential, privileged and readonlyRootFilesystem).
const objectRoom = 3

// eightSpaces is eight spaces read as a little-endian uint64.
const eightSpaces = 0x2020202020202020

// maxTreeDepth bounds the parser's recursion (a deeper document goes the generic way).
const maxTreeDepth = 200

func (p *tparser) space() {
	for p.i+8 <= len(p.s) && binary.LittleEndian.Uint64(p.s[p.i:]) == eightSpaces { // indentation, 8 at a time
		p.i += 8
	}
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// str parses a string of printable ASCII without escapes at p.i (its opening quote); its content.
func (p *tparser) str() tspan {
	start := p.i + 1
	for j := start; j < len(p.s); j++ {
		switch c := p.s[j]; {
		case c == '"':
			p.i = j + 1
			return tspan{off: int32(start), n: int32(j - start)}
		case c < 0x20 || c > 0x7e || c == '\\':
			p.ok = false
			return tspan{}
		}
	}
	p.ok = false
	return tspan{}
}

// gathered takes the members or elements gathered on the stack from mark off it: a list of their own
// (none once the parse has failed).
func (p *tparser) gathered(mark, room int) []tnode {
	var kids []tnode
	if p.ok {
		kids = p.arena.take(p.stack[mark:], room)
	}
	p.stack = p.stack[:mark]
	return kids
}

func (p *tparser) value(depth int) (n tnode) {
	p.space()
	if p.i >= len(p.s) || depth > maxTreeDepth {
		p.ok = false
		return tnode{}
	}
	switch c := p.s[p.i]; {
	case c == '{':
		p.i++
		n = tnode{kind: '{'}
		p.space()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return n
		}
		mark := len(p.stack)
		for p.ok {
			p.space()
			if p.i >= len(p.s) || p.s[p.i] != '"' {
				p.ok = false
				break
			}
			k := p.str()
			p.space()
			if !p.ok || p.i >= len(p.s) || p.s[p.i] != ':' {
				p.ok = false
				break
			}
			p.i++
			v := p.value(depth + 1)
			v.key = k
			p.stack = append(p.stack, v)
			p.space()
			if p.i >= len(p.s) {
				p.ok = false
				break
			}
			if p.s[p.i] == '}' {
				p.i++
				break
			}
			if p.s[p.i] != ',' {
				p.ok = false
				break
			}
			p.i++
		}
		n.kids = p.gathered(mark, objectRoom)
		return n
	case c == '[':
		p.i++
		n = tnode{kind: '['}
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			return n
		}
		mark := len(p.stack)
		for p.ok {
			v := p.value(depth + 1)
			p.stack = append(p.stack, v)
			p.space()
			if p.i >= len(p.s) {
				p.ok = false
				break
			}
			if p.s[p.i] == ']' {
				p.i++
				break
			}
			if p.s[p.i] != ',' {
				p.ok = false
				break
			}
			p.i++
		}
		n.kids = p.gathered(mark, 0)
		return n
	case c == '"':
		return tnode{kind: '"', text: p.str()}
	case c == 't' || c == 'f' || c == 'n':
		word := "null"
		if c == 't' {
			word = "true"
		} else if c == 'f' {
			word = "false"
		}
		if !bytes.HasPrefix(p.s[p.i:], []byte(word)) {
			p.ok = false
			return tnode{}
		}
		p.i += len(word)
		return tnode{kind: c}
	case c == '-' || ('0' <= c && c <= '9'):
		start := p.i
		p.i = numberEnd(p.s, p.i)
		if !isJSONNumber(string(p.s[start:p.i])) {
			p.ok = false
		}
		return tnode{kind: '0', text: tspan{off: int32(start), n: int32(p.i - start)}}
	}
	p.ok = false
	return tnode{}
}

// treeWork is what normalising a document on a tree uses, reused from one document to the next
// (treeWorks): the parser's stack, the arena of the tree's nodes, and the texts.
type treeWork struct {
	stack         []tnode
	arena         treeArena
	before, after []byte // the normalised texts of a diff
	bl, al        []string
	lines         []diffLine
	out           []byte
	paths         map[string]parsedPath // parsed masked paths (setMaskedCached)
}

var treeWorks = sync.Pool{New: func() any { return &treeWork{stack: make([]tnode, 0, 64)} }}

// getTreeWork is a treeWork of treeWorks; put gives it back.
func getTreeWork() *treeWork { return treeWorks.Get().(*treeWork) }

// put gives w back to treeWorks, without what grew beyond a megabyte (left to the collector).
func (w *treeWork) put() {
	w.arena.reset()
	if cap(w.before) > 1<<20 || cap(w.after) > 1<<20 || cap(w.out) > 1<<20 || cap(w.bl) > 1<<16 || cap(w.al) > 1<<16 ||
		cap(w.lines) > 1<<16 || len(w.arena.chunks) > 64 {
		return
	}
	clear(w.bl[:cap(w.bl)]) // no string of a text kept alive
	clear(w.al[:cap(w.al)])
	clear(w.lines[:cap(w.lines)])
	treeWorks.Put(w)
}

// parseTree parses raw, one JSON object, into a tree whose lists are in w's arena; false for anything
// the tree does not hold (see above), a repeated key included.
func (w *treeWork) parseTree(raw []byte) (tnode, bool) {
	if len(raw) >= math.MaxInt32 {
		return tnode{}, false
	}
	p := tparser{s: raw, ok: true, stack: w.stack[:0], arena: &w.arena}
	n := p.value(0)
	w.stack = p.stack[:0]
	p.space()
	if !p.ok || p.i != len(raw) || n.kind != '{' || !noRepeatedKeys(raw, &n) {
		return tnode{}, false
	}
	return n, true
}

func noRepeatedKeys(src []byte, n *tnode) bool {
	if n.kind == '{' && len(n.kids) > 1 && len(n.kids) <= 16 {
		for i := 1; i < len(n.kids); i++ {
			for j := range i {
				if bytes.Equal(n.kids[i].key.bytes(src), n.kids[j].key.bytes(src)) {
					return false
				}
			}
		}
	} else if n.kind == '{' && len(n.kids) > 1 {
		keys := make([][]byte, len(n.kids))
		for i := range n.kids {
			keys[i] = n.kids[i].key.bytes(src)
		}
		slices.SortFunc(keys, bytes.Compare)
		for i := 1; i < len(keys); i++ {
			if bytes.Equal(keys[i-1], keys[i]) {
				return false
			}
		}
	}
	for i := range n.kids {
		if !noRepeatedKeys(src, &n.kids[i]) {
			return false
		}
	}
	return true
}

// member is the value of key in object n of the document src, or nil.
func (n *tnode) member(src []byte, key string) *tnode {
	if n.kind != '{' {
		return nil
	}
	for i := range n.kids {
		if n.kids[i].key.is(src, key) {
			return &n.kids[i]
		}
	}
	return nil
}

// lookup is lookupJSONPath's place in the tree, or nil.
func (n *tnode) lookup(src []byte, path string) *tnode {
	steps, err := parseJSONPath(path)
	if err != nil {
		return nil
	}
	return n.lookupSteps(src, steps)
}

// lookupSteps is lookup of a path parsed (parseJSONPath).
func (n *tnode) lookupSteps(src []byte, steps []pathStep) *tnode {
	cur := n
	for _, s := range steps {
		key := s.key
		if s.selector {
			key = s.sel
		}
		if !s.selector || cur.kind == '{' {
			if cur = cur.member(src, key); cur == nil {
				return nil
			}
			continue
		}
		if cur.kind != '[' {
			return nil
		}
		if i, err := strconv.Atoi(s.sel); err == nil && !s.quoted {
			if i < 0 || i >= len(cur.kids) {
				return nil
			}
			cur = &cur.kids[i]
			continue
		}
		var found *tnode
		for i := range cur.kids {
			if name := cur.kids[i].member(src, "name"); name != nil && name.kind == '"' && name.text.is(src, s.sel) {
				found = &cur.kids[i]
				break
			}
		}
		if found == nil {
			return nil
		}
		cur = found
	}
	return cur
}

// setMasked puts MaskedValue in place of the value at path, when there is one.
func (n *tnode) setMasked(src []byte, path string) {
	if v := n.lookup(src, path); v != nil {
		*v = tnode{kind: '"', key: v.key, text: spanMasked}
	}
}

// maxCachedPaths bounds treeWork's cache of parsed paths.
const maxCachedPaths = 4096

// setMaskedCached is setMasked with the path parsed once per treeWork (the same masked places recur
// from one registration to the next).
func (w *treeWork) setMaskedCached(n *tnode, src []byte, path string) {
	c, ok := w.paths[path]
	if !ok {
		steps, err := parseJSONPath(path)
		c = parsedPath{steps: steps, ok: err == nil} // no place for a path that does not parse (lookup)
		if len(w.paths) >= maxCachedPaths {
			clear(w.paths)
		}
		if w.paths == nil {
			w.paths = map[string]parsedPath{}
		}
		w.paths[path] = c
	}
	if !c.ok {
		return
	}
	if v := n.lookupSteps(src, c.steps); v != nil {
		*v = tnode{kind: '"', key: v.key, text: spanMasked}
	}
}

// parsedPath is a path parsed (parseJSONPath), ok when it parses.
type parsedPath struct {
	steps []pathStep
	ok    bool
}

// treeNormalizer is normalizeTaskDefinitionDoc on a tree; ok turns false where the tree cannot follow
// it (a comparison of whole elements).
type treeNormalizer struct {
	src []byte // the document
	ok  bool
}

func (t *treeNormalizer) taskDefinition(td *tnode) {
	td.kids = slices.DeleteFunc(td.kids, func(m tnode) bool {
		return slices.Contains(readOnlyTaskDefinitionFields, string(m.key.bytes(t.src)))
	})
	dropEmptyTree(td)
	if cds := td.member(t.src, "containerDefinitions"); cds != nil && cds.kind == '[' {
		for i := range cds.kids {
			if cds.kids[i].kind == '{' {
				t.container(&cds.kids[i])
			}
		}
	}
	if vols := td.member(t.src, "volumes"); vols != nil && vols.kind == '[' {
		for i := range vols.kids {
			if efs := vols.kids[i].member(t.src, "efsVolumeConfiguration"); efs != nil && efs.kind == '{' {
				t.fillDefault(efs, spanTransitEncryption, tnode{kind: '"', text: spanDisabled})
			}
		}
	}
	t.sortLists(td, taskDefinitionLists)
}

func (t *treeNormalizer) container(cd *tnode) {
	// containerDefaults, in the order of their keys (the members are sorted when encoded)
	t.fillDefault(cd, spanEssential, tnode{kind: 't'})
	t.fillDefault(cd, spanPrivileged, tnode{kind: 'f'})
	t.fillDefault(cd, spanReadonlyRootFilesystem, tnode{kind: 'f'})
	if pms := cd.member(t.src, "portMappings"); pms != nil && pms.kind == '[' {
		for i := range pms.kids {
			if pms.kids[i].kind == '{' {
				t.fillDefault(&pms.kids[i], spanProtocol, tnode{kind: '"', text: spanTCP})
			}
		}
	}
	if mps := cd.member(t.src, "mountPoints"); mps != nil && mps.kind == '[' {
		for i := range mps.kids {
			if mps.kids[i].kind == '{' {
				t.fillDefault(&mps.kids[i], spanReadOnly, tnode{kind: 'f'})
			}
		}
	}
	if lp := cd.member(t.src, "linuxParameters"); lp != nil && lp.kind == '{' {
		if caps := lp.member(t.src, "capabilities"); caps != nil && caps.kind == '{' {
			t.sortLists(caps, capabilityLists)
		}
		t.sortLists(lp, deviceLists)
	}
	t.sortLists(cd, containerLists)
}

// The lists of a container's linuxParameters that are sorted, as normalizeTaskDefinitionDoc sorts them.
var (
	capabilityLists = map[string][]string{"add": nil, "drop": nil}
	deviceLists     = map[string][]string{"devices": {"hostPath", "containerPath"}}
)

func (t *treeNormalizer) fillDefault(m *tnode, key tspan, v tnode) {
	if m.member(t.src, string(key.bytes(t.src))) == nil {
		v.key = key
		m.kids = append(m.kids, v)
	}
}

// dropEmptyTree is dropEmpty: null, [] and {} members removed, innermost first.
func dropEmptyTree(n *tnode) {
	for i := range n.kids {
		dropEmptyTree(&n.kids[i])
	}
	if n.kind == '{' {
		n.kids = slices.DeleteFunc(n.kids, func(m tnode) bool {
			return m.kind == 'n' || (m.kind == '{' || m.kind == '[') && len(m.kids) == 0
		})
	}
}

// sortLists is sortLists on the tree: each named list of m sorted (stably, as sort.SliceStable there) by
// lessByKeys' order.
func (t *treeNormalizer) sortLists(m *tnode, lists map[string][]string) {
	for name, keys := range lists {
		list := m.member(t.src, name)
		if list == nil || list.kind != '[' {
			continue
		}
		l := list.kids
		// the algorithm of sort.SliceStable (the same comparisons and moves), without its reflection
		slices.SortStableFunc(l, func(a, b tnode) int { return t.lessByKeys(&a, &b, keys) })
	}
}

func (t *treeNormalizer) lessByKeys(a, b *tnode, keys []string) int {
	if a.kind == '{' && b.kind == '{' {
		for _, k := range keys {
			if c := t.compareScalars(a.member(t.src, k), b.member(t.src, k)); c != 0 {
				return c
			}
		}
	}
	return t.compareScalars(a, b)
}

// compareScalars is compareScalars for values of the tree (nil: absent); a whole object or array is
// not compared here (ok turns false).
func (t *treeNormalizer) compareScalars(a, b *tnode) int {
	if a != nil && b != nil && a.kind == '0' && b.kind == '0' {
		af, aerr := strconv.ParseFloat(string(a.text.bytes(t.src)), 64)
		bf, berr := strconv.ParseFloat(string(b.text.bytes(t.src)), 64)
		if aerr == nil && berr == nil && af != bf {
			if af < bf {
				return -1
			}
			return 1
		}
	}
	if a != nil && b != nil && a.kind == '"' && b.kind == '"' {
		return bytes.Compare(a.text.bytes(t.src), b.text.bytes(t.src))
	}
	return bytes.Compare(t.scalarJSON(a), t.scalarJSON(b))
}

// scalarJSON is jsonString of a scalar: json.Marshal's bytes ("" for an absent value or null).
func (t *treeNormalizer) scalarJSON(n *tnode) []byte {
	if n == nil {
		return nil
	}
	switch n.kind {
	case 'n':
		return nil
	case 't':
		return []byte("true")
	case 'f':
		return []byte("false")
	case '0':
		return n.text.bytes(t.src)
	case '"':
		b := make([]byte, 0, n.text.n+2)
		b = append(b, '"')
		for _, c := range n.text.bytes(t.src) { // printable ASCII: json.Marshal escapes <, > and & only
			if c == '<' || c == '>' || c == '&' {
				b = append(b, '\\', 'u', '0', '0', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xF])
				continue
			}
			b = append(b, c)
		}
		return append(b, '"')
	}
	t.ok = false
	return nil
}

// appendTree appends n as appendGenericJSON appends it at the given depth (members sorted by key).
func appendTree(b []byte, src []byte, n *tnode, depth int) []byte {
	switch n.kind {
	case 'n':
		b = append(b, "null"...)
	case 't':
		b = append(b, "true"...)
	case 'f':
		b = append(b, "false"...)
	case '0':
		b = append(b, n.text.bytes(src)...)
	case '"':
		b = append(b, '"')
		b = append(b, n.text.bytes(src)...)
		b = append(b, '"')
	case '{', '[':
		if len(n.kids) == 0 {
			return append(b, n.kind, n.kind+2)
		}
		if n.kind == '{' {
			slices.SortFunc(n.kids, func(x, y tnode) int { return bytes.Compare(x.key.bytes(src), y.key.bytes(src)) })
		}
		b = append(b, n.kind)
		for i := range n.kids {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendTreeIndent(b, depth+1)
			if n.kind == '{' {
				b = append(b, '"')
				b = append(b, n.kids[i].key.bytes(src)...)
				b = append(b, '"', ':', ' ')
			}
			b = appendTree(b, src, &n.kids[i], depth+1)
		}
		b = appendTreeIndent(b, depth)
		b = append(b, n.kind+2)
	}
	return b
}

// treeIndent is a new line and indentation, by depth.
const treeIndent = "\n                                                                "

// appendTreeIndent is appendJSONIndent: a new line at the given depth (two spaces a level).
func appendTreeIndent(b []byte, depth int) []byte {
	if n := 1 + 2*depth; n <= len(treeIndent) {
		return append(b, treeIndent[:n]...)
	}
	return appendJSONIndent(b, depth)
}

// treeNormalizedText is the text a registration's diff shows of a document, masked at each of paths:
// what decodeObject, MaskedValue at each path (lookupJSONPath), normalizeTaskDefinitionDoc and
// encodeGenericJSON give, done on the tree; false where the tree does not hold the document or cannot
// follow the normalisation, which the generic way then does.
func treeNormalizedText(raw []byte, paths []string) (string, bool) {
	w := getTreeWork()
	defer w.put()
	b, ok := w.appendNormalized(nil, raw, paths)
	return string(b), ok
}

// appendNormalized appends treeNormalizedText(raw, paths) to dst, the tree in w's arena (reset first:
// the trees it held before are no longer used); false (and dst as it was) where the generic way is to
// do it.
func (w *treeWork) appendNormalized(dst, raw []byte, paths []string) ([]byte, bool) {
	w.arena.reset()
	td, ok := w.parseTree(raw)
	if !ok {
		return dst, false
	}
	for _, p := range paths {
		w.setMaskedCached(&td, raw, p)
	}
	t := treeNormalizer{src: raw, ok: true}
	t.taskDefinition(&td)
	if !t.ok {
		return dst, false
	}
	dst = slices.Grow(dst, len(raw)+len(raw)/4)
	dst = appendTree(dst, raw, &td, 0)
	return append(dst, '\n'), true
}
