package waf

import (
	"testing"

	"github.com/rampartsec/rampart/waf/rules"
)

// TestPartialViewsBounded: values crafted to bring every combination of
// changing transformers to every merged view build at most
// maxPartialViews partial views; the others evaluate their groups one by
// one.
func TestPartialViewsBounded(t *testing.T) {
	rs, _, err := ParseRuleset(rules.Default())
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(rs, Options{Timeout: -1, WaitWarmUp: true})
	if err != nil {
		t.Fatal(err)
	}
	c := e.NewContext()
	defer c.Close()
	combos, merged := 0, 0
	for _, vs := range e.views {
		for _, vw := range vs {
			mv := vw.merged.Load()
			if mv == nil {
				continue
			}
			for i := 1; i < len(mv.partials); i++ {
				miss, k := uint32(0), 0
				for f := mv.fns; f != 0; f &= f - 1 {
					if i&(1<<k) != 0 {
						miss |= f & -f
					}
					k++
				}
				p := c.partial(mv, miss)
				if p == nil || p.miss != miss {
					t.Fatalf("combination %b: partial view %+v", miss, p)
				}
				if partialIndex(miss, mv.fns) != i {
					t.Fatalf("partialIndex(%b, %b) = %d, want %d", miss, mv.fns, partialIndex(miss, mv.fns), i)
				}
				combos++
				if p.mv != nil {
					merged++
				}
			}
		}
	}
	if combos <= maxPartialViews {
		t.Fatalf("%d combinations: the default ruleset no longer exercises the bound", combos)
	}
	if e.nPartials > maxPartialViews || merged > maxPartialViews {
		t.Errorf("%d partial views built (%d merged) for %d combinations, want at most %d", e.nPartials, merged, combos, maxPartialViews)
	}
}
