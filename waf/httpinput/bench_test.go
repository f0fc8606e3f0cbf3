package httpinput

import (
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
	"github.com/rampartsec/rampart/waf"
)

// benchRequests returns the corpus requests, those whose body's media type
// satisfies keep when keep is not nil.
func benchRequests(b *testing.B, keep func(mt string) bool) ([]*Request, int64) {
	var out []*Request
	var size int64
	for _, c := range corpus.Requests(b) {
		r := corpusRequest(&c)
		mt, _ := mediaType(contentType(r.Headers))
		if keep != nil && (len(r.Body) == 0 || !keep(mt)) {
			continue
		}
		out = append(out, r)
		size += int64(len(r.URI) + len(r.Body))
		for _, h := range r.Headers {
			size += int64(len(h[0]) + len(h[1]))
		}
	}
	if len(out) == 0 {
		b.Skip("no requests")
	}
	return out, size / int64(len(out))
}

// benchBuild measures Build + BuildBody per request, cycling through reqs:
// one op is one request, so allocs/op is the allocations of one request.
func benchBuild(b *testing.B, keep func(string) bool) {
	reqs, avg := benchRequests(b, keep)
	dst := make([]waf.Address, 0, 16)
	b.SetBytes(avg)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r := reqs[i%len(reqs)]
		i++
		as, _ := Build(r, nil, dst[:0])
		_, _ = BuildBody(r, nil, as)
	}
}

func BenchmarkBuildAll(b *testing.B) { benchBuild(b, nil) }

func BenchmarkBuildNoBody(b *testing.B) {
	reqs, avg := benchRequests(b, nil)
	dst := make([]waf.Address, 0, 16)
	b.SetBytes(avg)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_, _ = Build(reqs[i%len(reqs)], nil, dst[:0])
		i++
	}
}

func BenchmarkBodyJSON(b *testing.B) { benchBuild(b, isJSONType) }
func BenchmarkBodyForm(b *testing.B) {
	benchBuild(b, func(mt string) bool { return mt == "application/x-www-form-urlencoded" })
}
func BenchmarkBodyMultipart(b *testing.B) {
	benchBuild(b, func(mt string) bool { return strings.HasPrefix(mt, "multipart/") })
}
func BenchmarkBodyXML(b *testing.B) { benchBuild(b, isXMLType) }

func BenchmarkClientIP(b *testing.B) {
	h := [][2]string{{"Host", "api.example.com"}, {"X-Forwarded-For", "198.51.100.1, 203.0.113.7, 10.0.0.2"}}
	o := &Options{TrustedProxies: PrivateNetworks()}
	b.ReportAllocs()
	for b.Loop() {
		ClientIP("10.0.0.3:4431", h, o)
	}
}
