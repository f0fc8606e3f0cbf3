package waf_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/rules"
)

func benchEngine(b *testing.B, opts waf.Options) *waf.Engine {
	b.Helper()
	rs, _, err := waf.ParseRuleset(rules.Default())
	if err != nil {
		b.Fatal(err)
	}
	// No cache of clean values: every run evaluates the whole request, as
	// a request with new values does.
	opts.Timeout, opts.AllMatches, opts.ValueCache = -1, true, -1
	e, err := waf.New(rs, opts)
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// benchModes are the engine's settings measured: libddwaf's limits
// (strings cut at 4096 bytes, containers at 256 elements, no decoding),
// whole values only, decoding only, and both (the default).
var benchModes = []struct {
	name string
	opts waf.Options
}{
	{"limits", waf.Options{NoDecode: true, NoWholeValues: true}},
	{"whole", waf.Options{NoDecode: true}},
	{"decode", waf.Options{NoWholeValues: true}},
	{"default", waf.Options{}},
}

func benchRun(b *testing.B, e *waf.Engine, addrs []waf.Address, bytes int) {
	b.SetBytes(int64(bytes))
	b.ReportAllocs()
	matched := 0
	for b.Loop() {
		c := e.NewContext()
		if len(c.Run(addrs).Matches) > 0 {
			matched++
		}
		c.Close()
	}
	b.ReportMetric(float64(matched)/float64(b.N), "matched/op")
}

func body(v waf.Value) []waf.Address {
	return []waf.Address{{Name: waf.AddrBody, Value: waf.Map([]waf.Field{{Key: "q", Value: v}})}}
}

// BenchmarkPadding evaluates a JSON field holding an attack after 8, 32
// and 128 KB of text, and the same text without the attack.
func BenchmarkPadding(b *testing.B) {
	const attack = "1' union select password from users--"
	for _, kb := range []int{8, 32, 128} {
		pad := strings.Repeat("lorem ipsum dolor sit amet ", kb<<10/27+1)[:kb<<10]
		for _, m := range benchModes {
			e := benchEngine(b, m.opts)
			b.Run(fmt.Sprintf("%dKB/attack/%s", kb, m.name), func(b *testing.B) {
				benchRun(b, e, body(waf.String(pad+" "+attack)), len(pad))
			})
			b.Run(fmt.Sprintf("%dKB/benign/%s", kb, m.name), func(b *testing.B) {
				benchRun(b, e, body(waf.String(pad)), len(pad))
			})
		}
	}
}

// BenchmarkElements evaluates a JSON array of 1000 elements, the last an
// attack, and the same array without it.
func BenchmarkElements(b *testing.B) {
	mk := func(last string) waf.Value {
		fs := make([]waf.Field, 1000)
		for i := range fs {
			fs[i].Value = waf.String(fmt.Sprintf("item-%d", i))
		}
		fs[999].Value = waf.String(last)
		return waf.List(fs)
	}
	for _, m := range benchModes {
		e := benchEngine(b, m.opts)
		b.Run("1000/attack/"+m.name, func(b *testing.B) {
			benchRun(b, e, body(mk("<script>alert(1)</script>")), 1000)
		})
		b.Run("1000/benign/"+m.name, func(b *testing.B) { benchRun(b, e, body(mk("item-999")), 1000) })
	}
}

// BenchmarkDecode evaluates a request whose values are Base64: an attack,
// and random tokens (which the decoder rejects).
func BenchmarkDecode(b *testing.B) {
	tok := make([]byte, 48)
	for i := range tok {
		tok[i] = byte(i*151 + 7)
	}
	cases := map[string]string{
		"attack": base64.StdEncoding.EncodeToString([]byte("1' union select password from users--")),
		"token":  base64.StdEncoding.EncodeToString(tok),
	}
	for name, v := range cases {
		for _, m := range benchModes {
			e := benchEngine(b, m.opts)
			b.Run(name+"/"+m.name, func(b *testing.B) { benchRun(b, e, body(waf.String(v)), len(v)) })
		}
	}
}
