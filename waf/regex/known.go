package regex

import (
	_ "embed"
	"encoding/binary"
	"slices"
	"strings"
	"sync"
)

// The default ruleset's expressions are known in advance: their parse,
// validation, split into branches and prefilter analysis (the larger part
// of compiling a ruleset) are done when the ruleset is generated, and
// stored in known_table.bin (EncodeKnown, written by internal/gen: run
// `go generate ./waf/regex`). Parse looks every expression up by a hash of
// its text and, when it is known, skips the parse and the analysis; other
// expressions (user rulesets, Datadog's) are analyzed as usual.
// TestKnownTable encodes the table again from the default ruleset and
// fails when the file is stale.
//
// Layout (integers little-endian; uvarint where not fixed):
//
//	"RPK1", u32 entries, u32 filters offset, u32 filter count
//	index: entries × (u64 FNV-1a hash, u32 length, u32 record offset), sorted
//	record: prefilters of the whole expression, uvarint branch count, then
//	        per branch: uvarint n, n bytes of spans (uvarint start, length
//	        pairs), prefilters
//	prefilters: uvarint literal count, each a uvarint offset of a string
//	        (uvarint length, bytes); uvarint filter id + 1 (0: none)
//	filters: per filter a uvarint set count, 32 bytes per set
//
// An expression is identified by its 64-bit hash and its length: a
// collision between a ruleset's expression and one of the table's is
// vanishingly unlikely (and rulesets are trusted configuration).
//
// The generator compiles this package, so the file must exist for it to
// run (any content does: EncodeKnown does not read the table).

//go:generate go run ./internal/gen

// knownBlob is the table of the default ruleset's expressions.
//
//go:embed known_table.bin
var knownBlob string

const (
	knownMagic     = "RPK1"
	knownHeaderLen = 16
	knownEntryLen  = 16
)

// fnv64 is the FNV-1a hash of s.
func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func knownU32(off int) int { return int(binary.LittleEndian.Uint32([]byte(knownBlob[off : off+4]))) }

// lookupKnown returns the offset + 1 of expr's record, or 0.
func lookupKnown(expr string) int {
	if len(knownBlob) < knownHeaderLen || knownBlob[:4] != knownMagic {
		return 0
	}
	n := knownU32(4)
	h := fnv64(expr)
	lo, hi := 0, n
	for lo < hi {
		mid := (lo + hi) / 2
		e := knownHeaderLen + mid*knownEntryLen
		eh := binary.LittleEndian.Uint64([]byte(knownBlob[e : e+8]))
		el := knownU32(e + 8)
		if eh < h || eh == h && el < len(expr) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo == n {
		return 0
	}
	e := knownHeaderLen + lo*knownEntryLen
	if binary.LittleEndian.Uint64([]byte(knownBlob[e:e+8])) != h || knownU32(e+8) != len(expr) {
		return 0
	}
	return knownU32(e+12) + 1
}

// knownReader decodes knownBlob from an offset.
type knownReader struct{ off int }

func (r *knownReader) uvarint() int {
	v, n := uvarintString(knownBlob[r.off:])
	r.off += n
	return int(v)
}

func uvarintString(s string) (uint64, int) {
	var v uint64
	for i := 0; i < len(s) && i < binary.MaxVarintLen64; i++ {
		b := s[i]
		v |= uint64(b&0x7f) << (7 * i)
		if b < 0x80 {
			return v, i + 1
		}
	}
	return 0, len(s)
}

// prefilters decodes a literal list and a filter reference. The lists are
// decoded once for all (knownLiterals), so an expression's list costs no
// allocation; the slice returned is shared and must not be modified.
func (r *knownReader) prefilters() ([]string, *ByteFilter) {
	var lits []string
	t := knownLiterals()
	if i, ok := slices.BinarySearch(t.at, int32(r.off)); ok {
		start := int32(0)
		if i > 0 {
			start = t.end[i-1]
		}
		if end := t.end[i]; end > start {
			lits = t.lits[start:end:end]
		}
		for n := r.uvarint(); n > 0; n-- {
			r.uvarint()
		}
	} else {
		lits = r.literals(nil)
	}
	var bf *ByteFilter
	if id := r.uvarint(); id > 0 {
		bf = knownFilters()[id-1]
	}
	return lits, bf
}

// literals appends the strings of a literal list to dst (nil for an
// empty list).
func (r *knownReader) literals(dst []string) []string {
	for n := r.uvarint(); n > 0; n-- {
		s := knownReader{r.uvarint()}
		l := s.uvarint()
		dst = append(dst, knownBlob[s.off:s.off+l])
	}
	return dst
}

// knownLiteralTable holds every literal list of knownBlob: the list at
// offset at[i] is lits[end[i-1]:end[i]] (from 0 for the first).
type knownLiteralTable struct {
	at, end []int32
	lits    []string
}

// knownLiterals decodes every literal list of the table at once (a few
// thousand strings, in one array): the default ruleset uses all of them,
// and one allocation costs less than one for each of its expressions.
var knownLiterals = sync.OnceValue(func() *knownLiteralTable {
	t := &knownLiteralTable{}
	if len(knownBlob) < knownHeaderLen || knownBlob[:4] != knownMagic {
		return t
	}
	list := func(r *knownReader) {
		t.at = append(t.at, int32(r.off))
		t.lits = r.literals(t.lits)
		t.end = append(t.end, int32(len(t.lits)))
		r.uvarint() // filter id
	}
	for i := range knownU32(4) {
		r := knownReader{knownU32(knownHeaderLen + i*knownEntryLen + 12)}
		list(&r)
		for n := r.uvarint(); n > 0; n-- {
			r.off += r.uvarint() // spans
			list(&r)
		}
	}
	if !slices.IsSorted(t.at) {
		// The records are written in the order of the index; should they
		// not be, the lists are sorted by offset.
		idx := make([]int, len(t.at))
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(a, b int) int { return int(t.at[a] - t.at[b]) })
		st := &knownLiteralTable{at: make([]int32, 0, len(idx)), end: make([]int32, 0, len(idx)), lits: make([]string, 0, len(t.lits))}
		for _, i := range idx {
			start := int32(0)
			if i > 0 {
				start = t.end[i-1]
			}
			st.at = append(st.at, t.at[i])
			st.lits = append(st.lits, t.lits[start:t.end[i]]...)
			st.end = append(st.end, int32(len(st.lits)))
		}
		t = st
	}
	return t
})

// skipPrefilters moves past a literal list and a filter reference.
func (r *knownReader) skipPrefilters() {
	for n := r.uvarint(); n > 0; n-- {
		r.uvarint()
	}
	r.uvarint()
}

// knownFilters are the byte filters of the table, shared by every
// expression that uses them.
var knownFilters = sync.OnceValue(func() []*ByteFilter {
	r := knownReader{knownU32(8)}
	out := make([]*ByteFilter, knownU32(12))
	for i := range out {
		sets := make([]ByteSet, r.uvarint())
		for j := range sets {
			for k := range sets[j] {
				sets[j][k] = binary.LittleEndian.Uint64([]byte(knownBlob[r.off : r.off+8]))
				r.off += 8
			}
		}
		out[i] = &ByteFilter{Sets: sets}
	}
	return out
})

// knownPrefilters returns the prefilters of the whole expression of the
// record at rec-1.
func knownPrefilters(rec int) ([]string, *ByteFilter) {
	r := knownReader{rec - 1}
	return r.prefilters()
}

// knownBranches builds the branches of a known expression, already
// analyzed; nil when it does not split.
func (e *Expr) knownBranches() []Expr {
	r := knownReader{e.known - 1}
	r.skipPrefilters()
	n := r.uvarint()
	if n < 2 {
		return nil
	}
	out := make([]Expr, n)
	for i := range out {
		l := r.uvarint()
		b := &out[i]
		b.expr, b.spans = e.expr, knownBlob[r.off:r.off+l]
		r.off += l
		// The prefilters are decoded by analyze, which the engine runs
		// on all CPUs.
		b.pref = r.off + 1
		r.skipPrefilters()
	}
	e.tree = nil
	return out
}

// knownBranchText is the text of a branch of expr given its spans.
func knownBranchText(expr, spans string) string {
	var b strings.Builder
	for len(spans) > 0 {
		start, n := uvarintString(spans)
		spans = spans[n:]
		l, n := uvarintString(spans)
		spans = spans[n:]
		b.WriteString(expr[start : start+l])
	}
	return b.String()
}
