package regex

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/waf/rules"
)

// defaultExprs returns the distinct match_regex expressions of the
// default ruleset, as match_regex gives them to Parse ((?i) when case-insensitive).
func defaultExprs(t *testing.T) []string {
	b := rules.Default()
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

// TestKnownTable fails while known_table.bin is stale: it must be
// EncodeKnown of the default ruleset's expressions, as go generate writes
// it.
func TestKnownTable(t *testing.T) {
	exprs := defaultExprs(t)
	blob, err := EncodeKnown(exprs)
	if err != nil {
		t.Fatal(err)
	}
	if string(blob) != knownBlob {
		t.Fatalf("known_table.bin is stale (the default ruleset or the analysis changed): run go generate ./waf/regex")
	}
	t.Logf("%d expressions, %d bytes", len(exprs), len(blob))
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
		want, err := analyzeFresh(e)
		if err != nil {
			t.Fatal(err)
		}
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
