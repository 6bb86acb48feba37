package awsjson

import "hash/maphash"

// Strings is a table of interned strings, shared by the decoders of many documents one after the other
// (not safe for concurrent use: give each goroutine its own): a string read that is in the table is the table's copy, so that a value repeated across
// documents (a role ARN, an image, an option's name) is allocated and kept once. Only strings of at most
// maxInterned bytes go in, and at most the table's size of them: past it, strings are allocated as
// without a table. Drop the table when the documents are decoded; the strings stay with the values.
type Strings struct {
	m   map[string]string
	max int
	// recent caches strings of the table by a hash of their bytes, one per slot: most strings read are
	// member names and values read a moment before, found there without a look-up in the (large) table.
	recent [recentSlots]string
	seed   maphash.Seed
}

// recentSlots is the size of Strings.recent, a power of two.
const recentSlots = 1 << 10

// maxInterned is the length of the longest string interned: names, enums, ARNs and images repeat;
// longer values (policy documents, commands) rarely do.
const maxInterned = 128

// NewStrings is an empty table of at most size strings.
func NewStrings(size int) *Strings {
	return &Strings{m: make(map[string]string, min(size, 1024)), max: size, seed: maphash.MakeSeed()}
}

// get returns b as a string: the table's copy when it has one; else a new string, added to the table
// while it has room.
func (s *Strings) get(b []byte) string {
	if len(b) > maxInterned {
		return string(b)
	}
	slot := &s.recent[maphash.Bytes(s.seed, b)&(recentSlots-1)]
	if *slot == string(b) {
		return *slot
	}
	if v, ok := s.m[string(b)]; ok {
		*slot = v
		return v
	}
	v := string(b)
	if len(s.m) < s.max {
		s.m[v] = v
		*slot = v
	}
	return v
}

// Len is the number of strings in the table.
func (s *Strings) Len() int {
	return len(s.m)
}
