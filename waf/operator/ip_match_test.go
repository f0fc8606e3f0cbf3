package operator

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
)

var ipParseRows = []string{
	"1.2.3.4", "0.0.0.0", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5", "1..2.3",
	"::", "::1", "1::", "2001:db8::1", "2001:DB8:0:0:0:0:0:1", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9",
	"1:2:3:4:5:6:7::", "::1:2:3:4:5:6:7", "1::2::3", ":1::", "1:::2", "12345::", "::ffff:1.2.3.4",
	"::ffff:1.2.3", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:1.2.3.4", "fe80::1%eth0", "fe80::1%", "1.2.3.4%eth0",
	"", ":", "::%x", "1.2.3.4 ", "g::1", "::1:", "0000:0000::", "00000::",
}

// refKey is the reference: netip.ParseAddr, zone dropped, mapped as IPv6.
func refKey(s string) (ipKey, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return ipKey{}, false
	}
	return keyOf(a.WithZone("")), true
}

func TestParseIPKey(t *testing.T) {
	for _, s := range ipParseRows {
		got, gok := parseIPKey([]byte(s))
		want, wok := refKey(s)
		if gok != wok || got != want {
			t.Errorf("parseIPKey(%q) = %x, %v; netip says %x, %v", s, got, gok, want, wok)
		}
	}
}

func FuzzParseIPKey(f *testing.F) {
	for _, s := range ipParseRows {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, gok := parseIPKey([]byte(s))
		want, wok := refKey(s)
		if gok != wok || got != want {
			t.Fatalf("parseIPKey(%q) = %x, %v; netip says %x, %v", s, got, gok, want, wok)
		}
	})
}

// TestIPSetRandom checks lookups against a linear scan over random nested
// prefixes and expirations.
func TestIPSetRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const now = 1000
	live := func(exp int64) bool { return exp == 0 || exp > now }
	randAddr := func(v6 bool) netip.Addr {
		if v6 {
			var b [16]byte
			b[0], b[1] = 0x20, 0x01
			for i := 2; i < 16; i++ {
				b[i] = byte(rng.IntN(4))
			}
			return netip.AddrFrom16(b)
		}
		return netip.AddrFrom4([4]byte{10, byte(rng.IntN(4)), byte(rng.IntN(4)), byte(rng.IntN(4))})
	}
	for range 300 {
		var entries []DataEntry
		var prefixes []netip.Prefix
		var exps []int64
		for range 1 + rng.IntN(30) {
			v6 := rng.IntN(3) == 0
			a := randAddr(v6)
			bits := a.BitLen() - rng.IntN(a.BitLen()+1)
			if rng.IntN(2) == 0 {
				bits = a.BitLen() - rng.IntN(12)
			}
			p := netip.PrefixFrom(a, bits).Masked()
			exp := int64(0)
			if rng.IntN(3) == 0 {
				exp = int64(rng.IntN(2000))
			}
			entries = append(entries, DataEntry{Value: p.String(), Expiration: exp})
			prefixes = append(prefixes, p)
			exps = append(exps, exp)
		}
		set, err := newIPSet(entries)
		if err != nil {
			t.Fatal(err)
		}
		for range 50 {
			a := randAddr(rng.IntN(3) == 0)
			want := false
			for i, p := range prefixes {
				if p.Contains(a) && live(exps[i]) {
					want = true
				}
			}
			p, got := set.lookup(a, live)
			if got != want {
				t.Fatalf("lookup(%v) = %v, want %v; entries %v", a, got, want, entries)
			}
			if got && !p.Contains(a) {
				t.Fatalf("lookup(%v) returned %v, which does not contain it", a, p)
			}
			if got {
				// Most specific live entry.
				for i, q := range prefixes {
					if q.Contains(a) && live(exps[i]) && q.Bits() > p.Bits() {
						t.Fatalf("lookup(%v) = %v, but %v is more specific", a, p, q)
					}
				}
			}
			// The IPv4-mapped form finds the same.
			if a.Is4() {
				if _, got6 := set.lookup(netip.AddrFrom16(a.As16()), live); got6 != got {
					t.Fatalf("mapped lookup of %v = %v, want %v", a, got6, got)
				}
			}
		}
	}
}

func ipListOp(tb testing.TB, n int) (Operator, []Value) {
	rng := rand.New(rand.NewPCG(uint64(n), 1))
	list := make([]string, n)
	for i := range list {
		if i%10 == 0 {
			list[i] = fmt.Sprintf("%d.%d.%d.0/24", 1+rng.IntN(223), rng.IntN(256), rng.IntN(256))
		} else {
			list[i] = fmt.Sprintf("%d.%d.%d.%d", 1+rng.IntN(223), rng.IntN(256), rng.IntN(256), rng.IntN(256))
		}
	}
	raw, _ := json.Marshal(list)
	op, err := newIPMatch(Params{Raw: map[string]json.RawMessage{"list": raw}})
	if err != nil {
		tb.Fatal(err)
	}
	vals := make([]Value, 1024)
	for i := range vals {
		s := fmt.Sprintf("%d.%d.%d.%d", 1+rng.IntN(223), rng.IntN(256), rng.IntN(256), rng.IntN(256))
		if i%4 == 0 {
			s = list[rng.IntN(n)]
			if p, err := netip.ParsePrefix(s); err == nil {
				s = p.Addr().Next().String()
			}
		}
		if i%16 == 1 {
			s = fmt.Sprintf("2001:db8::%x", rng.IntN(1<<16))
		}
		vals[i] = Value{Kind: String, Bytes: []byte(s)}
	}
	return op, vals
}

func TestIPMatchLarge(t *testing.T) {
	op, vals := ipListOp(t, 100_000)
	hits := 0
	for _, v := range vals {
		if _, ok := op.Eval(v); ok {
			hits++
		}
	}
	// A quarter of the values are drawn from the list.
	if hits < len(vals)/4 {
		t.Fatalf("%d hits of %d, want at least %d", hits, len(vals), len(vals)/4)
	}
}

func benchmarkIPMatch(b *testing.B, n int) {
	op, vals := ipListOp(b, n)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		op.Eval(vals[i%len(vals)])
		i++
	}
}

func BenchmarkIPMatch10k(b *testing.B)  { benchmarkIPMatch(b, 10_000) }
func BenchmarkIPMatch100k(b *testing.B) { benchmarkIPMatch(b, 100_000) }
