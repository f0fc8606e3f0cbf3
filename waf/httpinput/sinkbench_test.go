package httpinput

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/waf"
)

// BenchmarkSinkStringsJSON1MiB: collecting the strings of a dense 1 MiB
// JSON body (about 54,000 strings) for exploit prevention.
func BenchmarkSinkStringsJSON1MiB(b *testing.B) {
	var body strings.Builder
	body.WriteString(`{"items":[`)
	for i := 0; body.Len() < 1<<20-200; i++ {
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"id":"item-%d","title":"A title of item %d","tags":["red","blue"],"note":"%s"}`, i, i, strings.Repeat("n", 40))
	}
	body.WriteString(`]}`)
	r := &Request{Method: "POST", URI: "/", Body: []byte(body.String()), Headers: [][2]string{{"Content-Type", "application/json"}}}
	s := NewSinkInputs(r, nil)
	out := make([]string, 0, 1<<16)
	b.SetBytes(int64(body.Len()))
	b.ReportAllocs()
	for b.Loop() {
		out = out[:0]
		s.Strings(waf.AddrBody, nil, func(str string) { out = append(out, str) })
	}
}
