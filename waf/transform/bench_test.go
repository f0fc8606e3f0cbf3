package transform

import (
	"encoding/base64"
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
)

// benchInputs are the corpus payload categories each transformer is
// measured on: the inputs it meets in rules.
var benchInputs = map[string][]string{
	"lowercase":           {"sqli", "xss"},
	"url_decode":          {"lfi", "xss"},
	"url_decode_iis":      {"lfi", "xss"},
	"html_entity_decode":  {"xss"},
	"js_decode":           {"xss"},
	"css_decode":          {"xss"},
	"base64_decode":       {"xss", "sqli"}, // encoded first
	"base64url_decode":    {"xss", "sqli"}, // encoded first
	"compress_whitespace": {"sqli"},
	"remove_nulls":        {"lfi"},
	"remove_comments":     {"sqli"},
	"remove_stack_frames": {"benign", "rce"},
	"normalize_path":      {"lfi"},
	"normalize_path_win":  {"lfi"},
	"shell_unescape":      {"rce"},
	"unicode_normalize":   {"benign", "xss"},
	"base64_encode":       {"xss", "sqli"},
	"url_path":            {"lfi", "benign"},
	"url_basename":        {"lfi", "benign"},
	"url_querystring":     {"lfi", "benign"},
}

// BenchmarkTransformers runs each transformer over every payload of its
// categories per iteration and reports the input bytes per second.
func BenchmarkTransformers(b *testing.B) {
	for _, n := range Names() {
		f, _, _ := Lookup(n)
		b.Run(n, func(b *testing.B) {
			var inputs [][]byte
			total, longest := 0, 0
			for _, cat := range benchInputs[n] {
				for _, p := range corpus.Payloads(b, cat) {
					in := []byte(p.Payload)
					switch n {
					case "base64_decode":
						in = []byte(base64.StdEncoding.EncodeToString(in))
					case "base64url_decode":
						in = []byte(base64.RawURLEncoding.EncodeToString(in))
					}
					inputs = append(inputs, in)
					total += len(in)
					longest = max(longest, len(in))
				}
			}
			if len(inputs) == 0 {
				b.Fatalf("no corpus inputs for %s", n)
			}
			dst := make([]byte, 0, MaxGrowth*longest)
			b.SetBytes(int64(total))
			b.ReportAllocs()
			for b.Loop() {
				for _, in := range inputs {
					dst = f(dst[:0], in)
				}
			}
			b.ReportMetric(float64(total)*float64(b.N)/b.Elapsed().Seconds(), "bytes/s")
		})
	}
}
