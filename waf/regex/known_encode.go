package regex

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"regexp/syntax"
	"slices"
	"sort"

	"github.com/rampartsec/rampart/waf/literal"
)

// analysis is what the table records of one expression.
type analysis struct {
	lits     []string
	bytes    *ByteFilter
	branches []branchAnalysis
}

type branchAnalysis struct {
	spans    []span
	lits     []string
	bytes    *ByteFilter
	expected string // the branch text, for the tests
}

// analyzeFresh analyzes an expression as Parse and Branches do
// without the table.
func analyzeFresh(expr string) (analysis, error) {
	tree, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return analysis{}, fmt.Errorf("%q: %v", expr, err)
	}
	a := analysis{lits: literal.Required(tree), bytes: byteFilterOf(tree)}
	bs := splitAll(expr)
	if len(bs) < 2 {
		return a, nil
	}
	for _, b := range bs {
		bt, err := syntax.Parse(b.text, syntax.Perl)
		if err != nil {
			a.branches = nil // Branches refuses the split
			return a, nil
		}
		a.branches = append(a.branches, branchAnalysis{spans: b.spans, lits: literal.Required(bt), bytes: byteFilterOf(bt), expected: b.text})
	}
	lits := false
	for _, b := range a.branches {
		lits = lits || b.lits != nil
	}
	if !lits {
		a.branches = nil // Branches refuses a split no branch gains a literal from
	}
	return a, nil
}

// EncodeKnown returns the table of known expressions (see known.go)
// holding the analysis of exprs: their parse, split into branches and
// prefilters, as Parse and Branches compute them without the table.
// Duplicates are recorded once. known_table.bin is EncodeKnown of the
// default ruleset's expressions, written by `go generate` (internal/gen);
// a test fails while it differs.
func EncodeKnown(exprs []string) ([]byte, error) {
	type entry struct {
		hash uint64
		n    int
		rec  []byte
	}
	var (
		strs    bytes.Buffer // strings section, offsets fixed later
		strOff  = map[string]int{}
		filters []*ByteFilter
		fidx    = map[string]int{}
	)
	strID := func(s string) int {
		if off, ok := strOff[s]; ok {
			return off
		}
		off := strs.Len()
		strs.Write(binary.AppendUvarint(nil, uint64(len(s))))
		strs.WriteString(s)
		strOff[s] = off
		return off
	}
	filterKey := func(f *ByteFilter) string { return fmt.Sprint(f.Sets) }
	// Records refer to strings by offset, so the strings section comes
	// first after the index; records are built with placeholders of fixed
	// width (uvarint of offsets can vary, so offsets are written as 4
	// bytes wide uvarints).
	putOff := func(b []byte, off int) []byte {
		return append(b, byte(off)|0x80, byte(off>>7)|0x80, byte(off>>14)|0x80, byte(off>>21)&0x7f)
	}
	prefilters := func(b []byte, lits []string, f *ByteFilter) []byte {
		b = binary.AppendUvarint(b, uint64(len(lits)))
		for _, l := range lits {
			b = putOff(b, strID(l)) // relative to the strings section, fixed below
		}
		id := 0
		if f != nil {
			k := filterKey(f)
			if i, ok := fidx[k]; ok {
				id = i + 1
			} else {
				filters = append(filters, f)
				fidx[k] = len(filters) - 1
				id = len(filters)
			}
		}
		return binary.AppendUvarint(b, uint64(id))
	}
	var entries []entry
	seen := map[string]bool{}
	for _, e := range exprs {
		if seen[e] {
			continue
		}
		seen[e] = true
		a, err := analyzeFresh(e)
		if err != nil {
			return nil, err
		}
		var rec []byte
		rec = prefilters(rec, a.lits, a.bytes)
		rec = binary.AppendUvarint(rec, uint64(len(a.branches)))
		for _, br := range a.branches {
			var sp []byte
			for _, s := range br.spans {
				sp = binary.AppendUvarint(sp, uint64(s.start))
				sp = binary.AppendUvarint(sp, uint64(s.end-s.start))
			}
			rec = binary.AppendUvarint(rec, uint64(len(sp)))
			rec = append(rec, sp...)
			rec = prefilters(rec, br.lits, br.bytes)
		}
		entries = append(entries, entry{fnv64(e), len(e), rec})
	}
	sort.Slice(entries, func(i, j int) bool {
		if entries[i].hash != entries[j].hash {
			return entries[i].hash < entries[j].hash
		}
		return entries[i].n < entries[j].n
	})
	for i := 1; i < len(entries); i++ {
		if entries[i].hash == entries[i-1].hash && entries[i].n == entries[i-1].n {
			return nil, fmt.Errorf("two expressions share a hash and a length")
		}
	}
	strBase := knownHeaderLen + len(entries)*knownEntryLen
	recBase := strBase + strs.Len()
	var recs []byte
	index := make([]byte, 0, len(entries)*knownEntryLen)
	for _, en := range entries {
		// Rebase the string offsets of the record: every 4-byte uvarint
		// written by putOff is shifted by strBase. They are found again by
		// decoding the record.
		fixed, err := rebaseRecord(en.rec, strBase)
		if err != nil {
			return nil, err
		}
		index = binary.LittleEndian.AppendUint64(index, en.hash)
		index = binary.LittleEndian.AppendUint32(index, uint32(en.n))
		index = binary.LittleEndian.AppendUint32(index, uint32(recBase+len(recs)))
		recs = append(recs, fixed...)
	}
	filtBase := recBase + len(recs)
	var fb []byte
	for _, f := range filters {
		fb = binary.AppendUvarint(fb, uint64(len(f.Sets)))
		for _, s := range f.Sets {
			for _, w := range s {
				fb = binary.LittleEndian.AppendUint64(fb, w)
			}
		}
	}
	var out []byte
	out = append(out, knownMagic...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(entries)))
	out = binary.LittleEndian.AppendUint32(out, uint32(filtBase))
	out = binary.LittleEndian.AppendUint32(out, uint32(len(filters)))
	out = append(out, index...)
	out = append(out, strs.Bytes()...)
	out = append(out, recs...)
	out = append(out, fb...)
	return out, nil
}

// rebaseRecord adds base to the string offsets of a record.
func rebaseRecord(rec []byte, base int) ([]byte, error) {
	out := slices.Clone(rec)
	pos := 0
	var err error
	uv := func() int {
		if pos >= len(out) {
			err = errors.New("bad record")
			return 0
		}
		v, n := binary.Uvarint(out[pos:])
		if n <= 0 {
			err = errors.New("bad record")
			pos = len(out)
			return 0
		}
		pos += n
		return int(v)
	}
	fix := func() {
		for range uv() {
			if pos+4 > len(out) {
				err = errors.New("bad record")
				return
			}
			v, n := binary.Uvarint(out[pos:])
			if n != 4 {
				err = fmt.Errorf("string offset of %d bytes", n)
				return
			}
			v += uint64(base)
			if v >= 1<<28 {
				err = errors.New("table too large")
				return
			}
			out[pos], out[pos+1], out[pos+2], out[pos+3] = byte(v)|0x80, byte(v>>7)|0x80, byte(v>>14)|0x80, byte(v>>21)&0x7f
			pos += 4
		}
		uv() // filter id
	}
	fix()
	for n := uv(); err == nil && n > 0; n-- {
		pos += uv()
		fix()
	}
	return out, err
}
