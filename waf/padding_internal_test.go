package waf

import (
	"strings"
	"testing"
)

func TestPaddingBounds(t *testing.T) {
	words := strings.Repeat("lorem ipsum ", 100) // 1200 bytes
	for _, tc := range []struct {
		name              string
		s                 string
		prefix, prefixRun int
		suffix, suffixRun int
	}{
		{"one character", strings.Repeat("A", 600) + "' or 1=1", 600, 600, 0, 0},
		{"words", words + "cat /etc/passwd", 1200, 1200, 0, 0},
		{"payload starting as the unit does", words + "ls -la", 1200, 1201, 0, 0},
		{"suffix", "cat /etc/passwd" + words, 0, 0, 15, 15},
		{"trimmed suffix", "x=1;id" + strings.TrimRight(words, " "), 0, 0, 17, 6},
		{"both", words + "id" + words, 1200, 1200, 1202, 1202},
		{"a 64-byte unit", strings.Repeat(strings.Repeat("x", 63)+"y", 10) + "payload", 640, 640, 0, 0},
		{"a 65-byte unit is no padding", strings.Repeat(strings.Repeat("x", 64)+"y", 10) + "payload", 0, 0, 0, 0},
		{"too short a run", strings.Repeat("A", MinPadding-1) + "payload", 0, 0, 0, 0},
		{"padding alone", strings.Repeat("A", 4096), 0, 0, 0, 0},
		{"prose", strings.Repeat("The quick brown fox jumps over the lazy dog, then naps. ", 3) + strings.Repeat("Another sentence with other words in it. ", 12), 0, 0, 0, 0},
	} {
		if w, r := paddingPrefix(tc.s); w != tc.prefix || r != tc.prefixRun {
			t.Errorf("%s: paddingPrefix = %d, %d; want %d, %d", tc.name, w, r, tc.prefix, tc.prefixRun)
		}
		if w, r := paddingSuffix(tc.s); w != tc.suffix || r != tc.suffixRun {
			t.Errorf("%s: paddingSuffix = %d, %d; want %d, %d", tc.name, w, r, tc.suffix, tc.suffixRun)
		}
	}
}

// FuzzPadding checks the padding bounds on any string: the run is made of
// one short unit repeated, at least MinPadding long, the whole-unit cut
// inside it, and something is left besides it.
func FuzzPadding(f *testing.F) {
	f.Add(strings.Repeat("A", 600) + "x")
	f.Add(strings.Repeat("lorem ipsum ", 60) + "ls" + strings.Repeat("ab", 300))
	f.Add("x" + strings.Repeat("-=", 400))
	f.Fuzz(func(t *testing.T, s string) {
		if w, r := paddingPrefix(s); r > 0 {
			if r < MinPadding || r >= len(s) || w > r || r-w > maxPaddingUnit {
				t.Fatalf("paddingPrefix = %d, %d for %d bytes", w, r, len(s))
			}
			if p := period(s[:r]); p == 0 || w%p != 0 {
				t.Fatalf("paddingPrefix: %q is no repetition ending at %d", s[:r], w)
			}
		}
		if w, r := paddingSuffix(s); r > 0 {
			if len(s)-r < MinPadding || r <= 0 || w < r || w-r > maxPaddingUnit {
				t.Fatalf("paddingSuffix = %d, %d for %d bytes", w, r, len(s))
			}
			if p := period(s[r:]); p == 0 || (len(s)-w)%p != 0 {
				t.Fatalf("paddingSuffix: %q is no repetition starting at %d", s[r:], w)
			}
		}
	})
}
