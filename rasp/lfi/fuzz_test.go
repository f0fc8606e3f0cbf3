package lfi

import (
	"strings"
	"testing"
)

// FuzzCheck: Check never panics, is deterministic, reports only an input
// that occurs in the path, and reports nothing when the input is absent.
// A name without dots, percent signs or a leading separator or '~' never
// counts; an input of separators and dots without ".." counts only when
// it is the whole path.
func FuzzCheck(f *testing.F) {
	for _, r := range rows {
		f.Add(r.path, r.input)
	}
	for _, p := range pairs {
		f.Add(p.exploit, p.eIn)
		f.Add(p.benign, p.bIn)
	}
	f.Fuzz(func(t *testing.T, p, in string) {
		f1, ok1 := Check(p, []string{in})
		f2, ok2 := Check(p, []string{in})
		if ok1 != ok2 || f1 != f2 {
			t.Fatalf("not deterministic: %v %+v / %v %+v", ok1, f1, ok2, f2)
		}
		if ok1 && (f1.Input != in || !strings.Contains(p, in) || in == "" || f1.Reason == "") {
			t.Fatalf("bad finding %+v for %q in %q", f1, in, p)
		}
		if ok1 && strings.Trim(in, "./\\") == "" && !strings.Contains(in, "..") && in != p {
			t.Fatalf("separators %q reported in %q: %s", in, p, f1.Reason)
		}
		if ok1 && !strings.ContainsAny(in, ".%") && !strings.HasPrefix(p, in) {
			t.Fatalf("dot-free input %q reported in %q: %s", in, p, f1.Reason)
		}
		// A dot-free name joined under a base directory stays inside.
		const base = "/var/www/uploads/"
		if !strings.ContainsAny(in, ".%") && !strings.Contains(base, in) && in != "" {
			if f, ok := Check(base+in, []string{in}); ok {
				t.Fatalf("name %q under %s reported: %s", in, base, f.Reason)
			}
		}
	})
}
