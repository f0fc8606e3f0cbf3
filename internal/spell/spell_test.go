package spell

import "testing"

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "abc", 0}, {"querry", "query", 1}, {"qeury", "query", 1},
		{"RAMPART_MOED", "RAMPART_MODE", 1}, {"kitten", "sitting", 3}, {"", "abc", 3},
		{"abc", "abd", 1}, {"abc", "ab", 1}, {"ab", "abc", 1}, {"ca", "abc", 3},
	} {
		if got := Distance(tc.a, tc.b, 10); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := Distance(tc.a, tc.b, 2); got != min(tc.want, 2) {
			t.Errorf("Distance(%q, %q, bound 2) = %d", tc.a, tc.b, got)
		}
	}
}
