package waf_test

import (
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/rules"
)

func benchInit(b *testing.B, src []byte) {
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		rs, _, err := waf.ParseRuleset(src)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := waf.New(rs, waf.Options{}); err != nil {
			b.Fatal(err)
		}
	}
	if cpu := processCPU() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
	}
}

// BenchmarkInit measures ruleset parse and compile: the cold-start cost.
// Besides the wall time it reports the CPU time of all threads (cpu-ms/op,
// where the process's CPU time is known): loading runs on all CPUs, and on
// a loaded machine its wall time follows the CPU time.
func BenchmarkInit(b *testing.B) {
	b.Run("default", func(b *testing.B) { benchInit(b, rules.Default()) })
	b.Run("datadog", func(b *testing.B) {
		benchInit(b, corpus.Data(b, corpus.DatadogRuleset))
	})
}
