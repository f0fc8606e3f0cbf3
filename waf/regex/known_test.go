package regex

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp/syntax"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/waf/literal"
)

var updateTable = flag.Bool("update", false, "rewrite known_table.go from ../rules/default.json")

// defaultExprs returns the distinct match_regex expressions of the
// default ruleset, as match_regex gives them to Parse ((?i) when case-insensitive).
func defaultExprs(t *testing.T) []string {
	b, err := os.ReadFile("../rules/default.json")
	if err != nil {
		t.Fatal(err)
	}
	var rs struct {
		Rules []struct {
			Conditions []struct {
				Operator   string `json:"operator"`
				Parameters struct {
					Regex   string `json:"regex"`
					Options struct {
						CaseSensitive bool `json:"case_sensitive"`
					} `json:"options"`
				} `json:"parameters"`
			} `json:"conditions"`
		} `json:"rules"`
	}
	if err := json.Unmarshal(b, &rs); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var out []string
	for _, r := range rs.Rules {
		for _, c := range r.Conditions {
			if strings.TrimPrefix(c.Operator, "!") != "match_regex" {
				continue
			}
			e := c.Parameters.Regex
			if !c.Parameters.Options.CaseSensitive {
				e = "(?i)" + e
			}
			if !seen[e] {
				seen[e] = true
				out = append(out, e)
			}
		}
	}
	return out
}

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
func analyzeFresh(t *testing.T, expr string) analysis {
	tree, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		t.Fatalf("%q: %v", expr, err)
	}
	a := analysis{lits: literal.Required(tree), bytes: byteFilterOf(tree)}
	bs := splitAll(expr)
	if len(bs) < 2 {
		return a
	}
	for _, b := range bs {
		bt, err := syntax.Parse(b.text, syntax.Perl)
		if err != nil {
			a.branches = nil // Branches refuses the split
			return a
		}
		a.branches = append(a.branches, branchAnalysis{spans: b.spans, lits: literal.Required(bt), bytes: byteFilterOf(bt), expected: b.text})
	}
	return a
}

// encodeTable builds knownBlob from the analyses of exprs.
func encodeTable(t *testing.T, exprs []string) string {
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
	for _, e := range exprs {
		a := analyzeFresh(t, e)
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
			t.Fatalf("two expressions share a hash and a length")
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
		fixed := rebaseRecord(t, en.rec, strBase)
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
	return string(out)
}

// rebaseRecord adds base to the string offsets of a record.
func rebaseRecord(t *testing.T, rec []byte, base int) []byte {
	out := slices.Clone(rec)
	pos := 0
	uv := func() int {
		v, n := binary.Uvarint(out[pos:])
		if n <= 0 {
			t.Fatal("bad record")
		}
		pos += n
		return int(v)
	}
	fix := func() {
		for range uv() {
			v, n := binary.Uvarint(out[pos:])
			if n != 4 {
				t.Fatalf("string offset of %d bytes", n)
			}
			v += uint64(base)
			if v >= 1<<28 {
				t.Fatal("table too large")
			}
			out[pos], out[pos+1], out[pos+2], out[pos+3] = byte(v)|0x80, byte(v>>7)|0x80, byte(v>>14)|0x80, byte(v>>21)&0x7f
			pos += 4
		}
		uv() // filter id
	}
	fix()
	for range uv() {
		pos += uv()
		fix()
	}
	return out
}

func tableSource(blob string) string {
	var b strings.Builder
	b.WriteString("// Code generated by go test ./waf/regex -run TestKnownTable -update; DO NOT EDIT.\n\n")
	b.WriteString("package regex\n\n")
	b.WriteString("// knownBlob holds the analysis of the default ruleset's expressions; see\n// known.go.\n")
	b.WriteString("var knownBlob = \"\" +\n")
	const width = 64
	for i := 0; i < len(blob); i += width {
		chunk := blob[i:min(i+width, len(blob))]
		q := strconv.Quote(chunk)
		b.WriteString("\t" + q)
		if i+width < len(blob) {
			b.WriteString(" +")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestKnownTable: the table is what the analysis of the default ruleset
// gives today; -update rewrites it.
func TestKnownTable(t *testing.T) {
	exprs := defaultExprs(t)
	blob := encodeTable(t, exprs)
	if *updateTable {
		if err := os.WriteFile("known_table.go", []byte(tableSource(blob)), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %d expressions, %d bytes", len(exprs), len(blob))
		return
	}
	if blob != knownBlob {
		t.Fatalf("known_table.go is stale (the default ruleset or the analysis changed): run go test ./waf/regex -run TestKnownTable -update")
	}
}

// TestKnownMatchesFresh: for every default expression, the Expr built
// from the table has the prefilters and branches of the fresh analysis.
func TestKnownMatchesFresh(t *testing.T) {
	exprs := defaultExprs(t)
	if len(exprs) < 50 {
		t.Fatalf("only %d expressions", len(exprs))
	}
	for _, e := range exprs {
		if lookupKnown(e) == 0 {
			t.Fatalf("%q is not in the table", e)
		}
		o := &Expr{expr: e, known: lookupKnown(e)}
		want := analyzeFresh(t, e)
		if got := o.RequiredLiterals(); !slices.Equal(got, want.lits) {
			t.Fatalf("%q: literals %q, want %q", e, got, want.lits)
		}
		if !sameFilter(o.RequiredBytes(), want.bytes) {
			t.Fatalf("%q: byte filter differs", e)
		}
		bs := o.Branches()
		if len(bs) != len(want.branches) && !(len(bs) == 0 && len(want.branches) < 2) {
			t.Fatalf("%q: %d branches, want %d", e, len(bs), len(want.branches))
		}
		for i := range bs {
			m := &bs[i]
			w := want.branches[i]
			if got := knownBranchText(m.expr, m.spans); got != w.expected {
				t.Fatalf("%q: branch %d is %q, want %q", e, i, got, w.expected)
			}
			if !slices.Equal(m.RequiredLiterals(), w.lits) || !sameFilter(m.RequiredBytes(), w.bytes) {
				t.Fatalf("%q: branch %d prefilters differ", e, i)
			}
		}
	}
	if lookupKnown("(?i)not in the table") != 0 {
		t.Fatal("an unknown expression was found")
	}
}

func sameFilter(a, b *ByteFilter) bool {
	if a == nil || b == nil {
		return a == b
	}
	return slices.Equal(a.Sets, b.Sets)
}
