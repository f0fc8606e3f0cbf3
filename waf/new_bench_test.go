package waf_test

import (
	"github.com/rampartsec/rampart/internal/corpus"
	"testing"

	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/rules"
)

// BenchmarkNew measures New alone, on a ruleset parsed once: the
// compilation without the warm-up ("compile"), and with it ("warm").
func BenchmarkNew(b *testing.B) {
	run := func(b *testing.B, src []byte) {
		rs, _, err := waf.ParseRuleset(src)
		if err != nil {
			b.Fatal(err)
		}
		for _, mode := range []struct {
			name string
			opts waf.Options
		}{{"compile", waf.Options{NoWarmUp: true}}, {"warm", waf.Options{}}} {
			b.Run(mode.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := waf.New(rs, mode.opts); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
	b.Run("default", func(b *testing.B) { run(b, rules.Default()) })
	b.Run("datadog", func(b *testing.B) {
		run(b, corpus.Data(b, corpus.DatadogRuleset))
	})
}
