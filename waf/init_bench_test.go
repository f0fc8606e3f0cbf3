package waf_test

import (
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
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
		benchInit(b, corpus.Data(b, corpus.DatadogRuleset))
	})
}
