package ssrf

import (
	"strings"
	"testing"
)

// FuzzCheck: Check never panics, is deterministic, reports only an input
// that occurs in the URL, reports nothing when the input is absent, and
// nothing for an input that only fills a query value.
func FuzzCheck(f *testing.F) {
	for _, r := range rows {
		f.Add(r.url, r.input)
	}
	f.Fuzz(func(t *testing.T, u, in string) {
		f1, ok1 := Check(u, []string{in})
		f2, ok2 := Check(u, []string{in})
		if ok1 != ok2 || f1 != f2 {
			t.Fatalf("not deterministic: %v %+v / %v %+v", ok1, f1, ok2, f2)
		}
		if ok1 && (f1.Input != in || !strings.Contains(u, in) || len(in) < MinInput || f1.Reason == "") {
			t.Fatalf("bad finding %+v for %q in %q", f1, in, u)
		}
		if !strings.Contains(u, in) && ok1 {
			t.Fatalf("absent input reported")
		}
		Internal(u)
		Internal(in)
		// An input that only fills a query value is never reported.
		q := "https://api.example.com/search?q=" + in
		if f, ok := Check(q, []string{in}); ok {
			t.Fatalf("query value %q reported: %s", in, f.Reason)
		}
	})
}
