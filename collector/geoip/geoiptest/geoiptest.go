// Package geoiptest writes MaxMind DB files for tests: Build encodes
// networks and their records into the format the GeoLite2 files use (a
// binary search tree of 24-bit records over 128-bit addresses, IPv4 at
// ::/96, 16 zero bytes, the data section, "\xab\xcd\xefMaxMind.com" and
// the metadata map), so that the tests read a real database through the
// same reader as `rampart serve` without shipping one.
package geoiptest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
)

// Network is a network of a database and its record.
type Network struct {
	Prefix netip.Prefix
	Record map[string]any
}

// Country is the record of a GeoLite2-Country (or City) network.
func Country(iso, name string) map[string]any {
	return map[string]any{"country": map[string]any{"iso_code": iso, "names": map[string]any{"en": name, "de": name + " (de)"},
		"geoname_id": uint32(1)}, "continent": map[string]any{"code": "EU"}}
}

// ASN is the record of a GeoLite2-ASN network.
func ASN(n uint32, org string) map[string]any {
	return map[string]any{"autonomous_system_number": n, "autonomous_system_organization": org}
}

// Merge returns one record with the keys of all of rs (a GeoIP2-ISP-like
// file that has both).
func Merge(rs ...map[string]any) map[string]any {
	out := map[string]any{}
	for _, r := range rs {
		for k, v := range r {
			out[k] = v
		}
	}
	return out
}

// Write builds a database of databaseType (GeoLite2-City, GeoLite2-ASN...)
// holding nets into a file name in t's temporary directory and returns its
// path.
func Write(t testing.TB, name, databaseType string, nets ...Network) string {
	t.Helper()
	b, err := Build(databaseType, nets...)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Build returns a MaxMind DB of databaseType (ip_version 6, 24-bit
// records) holding nets. A network inside another is allowed: the more
// specific one's record wins.
func Build(databaseType string, nets ...Network) ([]byte, error) {
	type leaf struct {
		bits [16]byte
		n    int
		data int
	}
	var leaves []leaf
	var data []byte
	offsets := map[string]int{} // a record encoded once
	for _, nw := range nets {
		if !nw.Prefix.IsValid() {
			return nil, fmt.Errorf("geoiptest: invalid prefix %v", nw.Prefix)
		}
		p := nw.Prefix.Masked()
		var l leaf
		if a := p.Addr(); a.Is4() {
			v4 := a.As4()
			copy(l.bits[12:], v4[:])
			l.n = 96 + p.Bits()
		} else {
			l.bits = a.As16()
			l.n = p.Bits()
		}
		if l.n == 0 {
			return nil, fmt.Errorf("geoiptest: %v covers every address", p)
		}
		enc, err := encode(nil, nw.Record)
		if err != nil {
			return nil, err
		}
		off, ok := offsets[string(enc)]
		if !ok {
			off = len(data)
			offsets[string(enc)] = off
			data = append(data, enc...)
		}
		l.data = off
		leaves = append(leaves, l)
	}
	// less specific first, so that a more specific network splits it
	sort.SliceStable(leaves, func(i, j int) bool { return leaves[i].n < leaves[j].n })

	type node struct{ child [2]any } // nil (no data), *node, or int (a data offset)
	root := &node{}
	for _, l := range leaves {
		cur := root
		for i := 0; i < l.n; i++ {
			bit := l.bits[i/8] >> (7 - i%8) & 1
			if i == l.n-1 {
				cur.child[bit] = l.data
				break
			}
			next, ok := cur.child[bit].(*node)
			if !ok {
				next = &node{child: [2]any{cur.child[bit], cur.child[bit]}}
				cur.child[bit] = next
			}
			cur = next
		}
	}
	// number the nodes breadth first, the root 0
	nodes := []*node{root}
	index := map[*node]int{root: 0}
	for i := 0; i < len(nodes); i++ {
		for _, c := range nodes[i].child {
			if n, ok := c.(*node); ok {
				index[n] = len(nodes)
				nodes = append(nodes, n)
			}
		}
	}
	count := len(nodes)
	if count+16+len(data) >= 1<<24 {
		return nil, fmt.Errorf("geoiptest: too big for 24-bit records")
	}
	var out bytes.Buffer
	for _, n := range nodes {
		for _, c := range n.child {
			var v int
			switch c := c.(type) {
			case nil:
				v = count
			case *node:
				v = index[c]
			case int:
				v = count + 16 + c
			}
			out.Write([]byte{byte(v >> 16), byte(v >> 8), byte(v)})
		}
	}
	out.Write(make([]byte, 16))
	out.Write(data)
	out.WriteString("\xab\xcd\xefMaxMind.com")
	meta, err := encode(nil, map[string]any{
		"node_count":                  uint32(count),
		"record_size":                 uint16(24),
		"ip_version":                  uint16(6),
		"database_type":               databaseType,
		"languages":                   []any{"en", "de"},
		"binary_format_major_version": uint16(2),
		"binary_format_minor_version": uint16(0),
		"build_epoch":                 uint64(1767225600), // 2026-01-01
		"description":                 map[string]any{"en": "rampart test database"},
	})
	if err != nil {
		return nil, err
	}
	out.Write(meta)
	return out.Bytes(), nil
}

// The data section's types.
const (
	typeString = 2
	typeDouble = 3
	typeUint16 = 5
	typeUint32 = 6
	typeMap    = 7
	typeInt32  = 8
	typeUint64 = 9
	typeArray  = 11
	typeBool   = 14
)

// control appends the control byte of a value of type typ and size, the
// extended type byte of types above 7, and the size bytes.
func control(b []byte, typ, size int) []byte {
	var first byte
	if typ <= 7 {
		first = byte(typ << 5)
	}
	var sz []byte
	switch {
	case size < 29:
		first |= byte(size)
	case size < 29+256:
		first |= 29
		sz = []byte{byte(size - 29)}
	case size < 285+65536:
		first |= 30
		sz = binary.BigEndian.AppendUint16(nil, uint16(size-285))
	default:
		s := size - 65821
		first |= 31
		sz = []byte{byte(s >> 16), byte(s >> 8), byte(s)}
	}
	b = append(b, first)
	if typ > 7 {
		b = append(b, byte(typ-7))
	}
	return append(b, sz...)
}

// uintBytes is v big-endian without its leading zero bytes.
func uintBytes(v uint64) []byte {
	b := binary.BigEndian.AppendUint64(nil, v)
	for len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	return b
}

// encode appends the encoding of v: a string, uint16, uint32, uint64,
// int32, float64, bool, []any, []string or map[string]any.
func encode(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case string:
		return append(control(b, typeString, len(v)), v...), nil
	case uint16:
		u := uintBytes(uint64(v))
		return append(control(b, typeUint16, len(u)), u...), nil
	case uint32:
		u := uintBytes(uint64(v))
		return append(control(b, typeUint32, len(u)), u...), nil
	case uint64:
		u := uintBytes(v)
		return append(control(b, typeUint64, len(u)), u...), nil
	case int32:
		u := uintBytes(uint64(uint32(v)))
		return append(control(b, typeInt32, len(u)), u...), nil
	case float64:
		return binary.BigEndian.AppendUint64(control(b, typeDouble, 8), math.Float64bits(v)), nil
	case bool:
		n := 0
		if v {
			n = 1
		}
		return control(b, typeBool, n), nil
	case []string:
		b = control(b, typeArray, len(v))
		for _, s := range v {
			b, _ = encode(b, s)
		}
		return b, nil
	case []any:
		b = control(b, typeArray, len(v))
		for _, e := range v {
			var err error
			if b, err = encode(b, e); err != nil {
				return nil, err
			}
		}
		return b, nil
	case map[string]any:
		b = control(b, typeMap, len(v))
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			b, _ = encode(b, k)
			var err error
			if b, err = encode(b, v[k]); err != nil {
				return nil, err
			}
		}
		return b, nil
	}
	return nil, fmt.Errorf("geoiptest: cannot encode %T", v)
}
