package hexdigit

import (
	"strconv"
	"testing"
)

// TestAllBytes checks every byte against strconv's reading of it as a
// base-16 digit.
func TestAllBytes(t *testing.T) {
	for c := 0; c < 256; c++ {
		want, err := strconv.ParseUint(string(rune(c)), 16, 8)
		isHex := err == nil && c < 0x80
		if got := Is(byte(c)); got != isHex {
			t.Errorf("Is(%#x) = %v, want %v", c, got, isHex)
		}
		v, ok := Value(byte(c))
		if ok != isHex || isHex && uint64(v) != want || !isHex && v != 0 {
			t.Errorf("Value(%#x) = %d, %v; want %d, %v", c, v, ok, want, isHex)
		}
	}
}

func TestPair(t *testing.T) {
	for _, tt := range []struct {
		name   string
		hi, lo byte
		want   byte
		ok     bool
	}{
		{"digits", '4', '1', 0x41, true},
		{"lower", 'f', 'e', 0xfe, true},
		{"upper", 'F', 'E', 0xfe, true},
		{"mixed", 'c', '0', 0xc0, true},
		{"zero", '0', '0', 0, true},
		{"bad high", 'g', '1', 0, false},
		{"bad low", '1', 'G', 0, false},
		{"percent", '%', '2', 0, false},
		{"high bit", 0xc1, '1', 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Pair(tt.hi, tt.lo)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Pair(%q, %q) = %#x, %v; want %#x, %v", tt.hi, tt.lo, got, ok, tt.want, tt.ok)
			}
		})
	}
}
