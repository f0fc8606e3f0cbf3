package waf_test

import (
	"os"
	"testing"

	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/rules"
)

func benchInit(b *testing.B, src []byte) {
	b.ReportAllocs()
	for b.Loop() {
		rs, _, err := waf.ParseRuleset(src)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := waf.New(rs, waf.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInit measures ruleset parse and compile: the cold-start cost.
func BenchmarkInit(b *testing.B) {
	b.Run("default", func(b *testing.B) { benchInit(b, rules.Default()) })
	b.Run("datadog", func(b *testing.B) {
		src, err := os.ReadFile("../../shared/data/datadog-recommended-ruleset.json")
		if err != nil {
			b.Skip(err)
		}
		benchInit(b, src)
	})
}
