package xss

import (
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
)

func benchPayloads(b *testing.B, category string) {
	ps := corpus.Payloads(b, category)
	vals := make([][]byte, len(ps))
	n := 0
	for i, p := range ps {
		vals[i] = []byte(p.Payload)
		n += len(p.Payload)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, v := range vals {
			Check(v)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e6, "MB/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(vals)), "ns/value")
}

func BenchmarkCheckAttacks(b *testing.B) { benchPayloads(b, "xss") }
func BenchmarkCheckBenign(b *testing.B)  { benchPayloads(b, "benign") }

// BenchmarkCheck50Bytes measures a typical short form value.
func BenchmarkCheck50Bytes(b *testing.B) {
	v := []byte("Great product; fast shipping & nice packaging. 5/5")
	b.ReportAllocs()
	b.SetBytes(int64(len(v)))
	for b.Loop() {
		Check(v)
	}
}

// BenchmarkCheckRichText measures an HTML fragment without handlers.
func BenchmarkCheckRichText(b *testing.B) {
	v := []byte(`<p>Hello <strong>team</strong>,</p><p>See the <a href="https://docs.example.com/guide">guide</a> for details.</p>`)
	b.ReportAllocs()
	b.SetBytes(int64(len(v)))
	for b.Loop() {
		Check(v)
	}
}
