package waf_test

import (
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/rules"
)

// BenchmarkNew measures New alone: the compilation without the warm-up
// ("compile": NoWarmUp, which merges the views' chain groups in New), and
// with it ("warm": New returns while the warm-up runs). The ruleset is parsed again before
// each New, untimed: New splits and analyzes the operators that the
// parsed ruleset holds, once, so an engine built again from the same
// Ruleset would not pay it.
func BenchmarkNew(b *testing.B) {
	run := func(b *testing.B, src []byte) {
		for _, mode := range []struct {
			name string
			opts waf.Options
		}{{"compile", waf.Options{NoWarmUp: true}}, {"warm", waf.Options{}}} {
			b.Run(mode.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					b.StopTimer()
					rs, _, err := waf.ParseRuleset(src)
					if err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
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
