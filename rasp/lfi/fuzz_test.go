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
		if in != "" && ok1 != checkEvery(p, in) {
			t.Fatalf("shortcuts changed the verdict on %q in %q (%v)", in, p, ok1)
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

// checkEvery is Check for one input without its shortcuts: every
// occurrence is judged, each from a scan of the path from its start.
func checkEvery(p, in string) bool {
	for off := 0; off < len(p); {
		k := strings.Index(p[off:], in)
		if k < 0 {
			return false
		}
		s := off + k
		if s == 0 {
			if _, ok := judgeStart(p, len(in)); ok {
				return true
			}
		}
		var st pathState
		st.advance(p, s, false)
		if climbs(p, s, s+len(in), st, false, true) {
			return true
		}
		off = s + 1
	}
	return false
}
