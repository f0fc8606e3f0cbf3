package literal

import (
	_ "embed"
	"encoding/binary"
	"unsafe"
)

// Matchers built at generation time.
//
// matcher_table.bin holds the automata of the pattern sets that the default
// ruleset gives NewMatcher (the engine's prefilter and the phrase_match
// lists), written by internal/gen:
//
//	go generate ./waf/literal
//
// (which first regenerates waf/regex's table: the prefilter literals come
// from its analysis).
// NewMatcher looks each pattern set up by a 64-bit hash of its patterns and,
// when it is there, takes the byte classes, output lists and DFA rows from
// the table instead of building the trie, the failure links and the rows.
// Any other pattern set is built as before. TestKnownMatchers fails while
// the table is stale, and TestKnownMatchersFresh checks that every matcher
// of the table equals the one NewMatcher builds from scratch.
//
// Layout, little-endian: "RMT1", the entry count, then per entry its key
// (u64), pattern count, offset and length in the blob (u32 each). An entry,
// at an offset that is a multiple of 8: nclass, states, DFA width (16 or
// 32), output count (u32 each), the 256 byte classes, outStart (states+1
// u32), outs (i32), then the DFA rows (u16 or u32).

//go:generate go run ../regex/internal/gen -o ../regex/known_table.bin
//go:generate go run ./internal/gen

//go:embed matcher_table.bin
var knownMatchers string

// useKnown lets tests build every matcher from scratch.
var useKnown = true

// recordPatterns, when set (by RecordPatterns), receives every pattern set
// that NewMatcher is given.
var recordPatterns func(patterns []string)

// RecordPatterns sets a function that receives (a copy of) every pattern
// set NewMatcher is given from then on; nil stops it. The table's generator
// and tests use it to collect the pattern sets of the default ruleset. It
// must not be called concurrently with NewMatcher.
func RecordPatterns(f func(patterns []string)) { recordPatterns = f }

// Prebuilt returns NewMatcher(patterns) when it costs next to nothing:
// the pattern set is in the table of known matchers, or pattern sets are
// being recorded (RecordPatterns, which wants every set of a ruleset in the
// order it loads). Otherwise it returns nil, for the caller to build the
// matcher when it needs it.
func Prebuilt(patterns []string) *Matcher {
	if recordPatterns != nil {
		return NewMatcher(patterns)
	}
	return knownMatcher(patterns)
}

const knownMagic = "RMT1"

// patternsKey hashes a pattern set (FNV-1a over each pattern's length and
// bytes).
func patternsKey(patterns []string) uint64 {
	h := uint64(14695981039346656037)
	const prime = 1099511628211
	for _, p := range patterns {
		n := uint64(len(p))
		for range 4 {
			h = (h ^ (n & 0xff)) * prime
			n >>= 8
		}
		for i := 0; i < len(p); i++ {
			h = (h ^ uint64(p[i])) * prime
		}
	}
	return h
}

// littleEndian reports whether the machine's byte order is the table's, in
// which case aligned sections are used in place.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// knownMatcher returns the matcher of patterns from the table, or nil.
func knownMatcher(patterns []string) *Matcher {
	blob := knownMatchers
	if !useKnown || len(blob) < 8 || blob[:4] != knownMagic {
		return nil
	}
	u32 := func(off int) uint32 { return binary.LittleEndian.Uint32([]byte(blob[off : off+4])) }
	count := int(u32(4))
	key := patternsKey(patterns)
	for i := range count {
		e := 8 + i*20
		if e+20 > len(blob) {
			return nil
		}
		if binary.LittleEndian.Uint64([]byte(blob[e:e+8])) != key || int(u32(e+8)) != len(patterns) {
			continue
		}
		off, n := int(u32(e+12)), int(u32(e+16))
		if off+n > len(blob) {
			return nil
		}
		return decodeMatcher(blob[off:off+n], patterns)
	}
	return nil
}

// decodeMatcher builds the matcher of patterns from its table entry.
func decodeMatcher(d string, patterns []string) *Matcher {
	if len(d) < 16+256 {
		return nil
	}
	u32 := func(off int) uint32 { return binary.LittleEndian.Uint32([]byte(d[off : off+4])) }
	nc, states, width, nouts := int(u32(0)), int(u32(4)), int(u32(8)), int(u32(12))
	p := 16 + 256
	need := p + 4*(states+1) + 4*nouts + width/8*states*nc
	if need != len(d) || (width != 16 && width != 32) {
		return nil
	}
	m := &Matcher{n: len(patterns), lens: make([]int, len(patterns)), nclass: uint32(nc)}
	for i, s := range patterns {
		m.lens[i] = len(s)
		if s == "" {
			m.empty = append(m.empty, int32(i))
		}
	}
	copy(m.class[:], d[16:16+256])
	m.outStart = sectionU32(d[p : p+4*(states+1)])
	p += 4 * (states + 1)
	outs := sectionU32(d[p : p+4*nouts])
	m.outs = unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(outs))), len(outs))
	p += 4 * nouts
	if width == 16 {
		m.delta16 = sectionU16(d[p:])
	} else {
		m.delta32 = sectionU32(d[p:])
	}
	if len(m.outs) == 0 {
		m.outs = nil
	}
	m.setColumns(uint32(states))
	return m
}

// sectionU32 returns s as little-endian uint32s: s itself when the machine
// is little-endian and s is aligned, else a copy. The slice is never
// written to.
func sectionU32(s string) []uint32 {
	n := len(s) / 4
	if n == 0 {
		return []uint32{}
	}
	if ptr := unsafe.StringData(s); littleEndian && uintptr(unsafe.Pointer(ptr))%4 == 0 {
		return unsafe.Slice((*uint32)(unsafe.Pointer(ptr)), n)
	}
	out := make([]uint32, n)
	for i := range out {
		out[i] = binary.LittleEndian.Uint32([]byte(s[4*i : 4*i+4]))
	}
	return out
}

// sectionU16 is sectionU32 for uint16s.
func sectionU16(s string) []uint16 {
	n := len(s) / 2
	if n == 0 {
		return []uint16{}
	}
	if ptr := unsafe.StringData(s); littleEndian && uintptr(unsafe.Pointer(ptr))%2 == 0 {
		return unsafe.Slice((*uint16)(unsafe.Pointer(ptr)), n)
	}
	out := make([]uint16, n)
	for i := range out {
		out[i] = binary.LittleEndian.Uint16([]byte(s[2*i : 2*i+2]))
	}
	return out
}

// EncodeKnown returns the table of known matchers (the format of
// matcher_table.bin) holding the matchers of the pattern sets, built from
// scratch, in order (duplicates once). matcher_table.bin is EncodeKnown of
// the sets that loading the default ruleset gives NewMatcher, written by
// `go generate` (internal/gen); a test fails while it differs.
func EncodeKnown(sets [][]string) []byte {
	type entry struct {
		key  uint64
		n    int
		data []byte
	}
	var entries []entry
	seen := map[uint64]bool{}
	for _, ps := range sets {
		k := patternsKey(ps)
		if seen[k] {
			continue
		}
		seen[k] = true
		entries = append(entries, entry{k, len(ps), encodeMatcher(buildMatcher(ps))})
	}
	head := 8 + 20*len(entries)
	out := make([]byte, 0, head)
	out = append(out, knownMagic...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(entries)))
	off := (head + 7) &^ 7
	offs := make([]int, len(entries))
	for i, e := range entries {
		offs[i] = off
		out = binary.LittleEndian.AppendUint64(out, e.key)
		out = binary.LittleEndian.AppendUint32(out, uint32(e.n))
		out = binary.LittleEndian.AppendUint32(out, uint32(off))
		out = binary.LittleEndian.AppendUint32(out, uint32(len(e.data)))
		off = (off + len(e.data) + 7) &^ 7
	}
	for i, e := range entries {
		for len(out) < offs[i] {
			out = append(out, 0)
		}
		out = append(out, e.data...)
	}
	return out
}

// encodeMatcher returns m's table entry.
func encodeMatcher(m *Matcher) []byte {
	width, states := 16, 0
	if m.delta16 == nil {
		width = 32
	}
	states = len(m.outStart) - 1
	var b []byte
	for _, v := range []int{int(m.nclass), states, width, len(m.outs)} {
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	b = append(b, m.class[:]...)
	for _, v := range m.outStart {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	for _, v := range m.outs {
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	for _, v := range m.delta16 {
		b = binary.LittleEndian.AppendUint16(b, v)
	}
	for _, v := range m.delta32 {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return b
}
