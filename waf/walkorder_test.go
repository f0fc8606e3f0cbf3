package waf_test

import (
	"testing"

	"github.com/rampartsec/rampart/waf"
)

// TestWalkOrder: a run reads the request's values and target before its
// headers, so that a blocking match in the path ends it before a header
// is read, whatever order the addresses come in.
func TestWalkOrder(t *testing.T) {
	e := defaultEngine(t)
	hdr := waf.Address{Name: waf.AddrHeaders, Value: waf.Map([]waf.Field{{Key: "user-agent", Value: waf.Strings("() { :; }; /bin/cat /etc/passwd")}})}
	q := waf.Address{Name: waf.AddrURIRaw, Value: waf.String("/files/../../../../etc/passwd")}
	for _, addrs := range [][]waf.Address{{hdr, q}, {q, hdr}} {
		c := e.NewContext()
		res := c.Run(addrs)
		c.Close()
		if len(res.Matches) != 1 || res.Matches[0].Address != waf.AddrURIRaw || res.Block == nil {
			t.Fatalf("matches %+v: want the target's alone, blocking", res.Matches)
		}
	}
	// Every match when asked for: the header's too.
	all := newEngineWith(t, waf.Options{AllMatches: true})
	c := all.NewContext()
	res := c.Run([]waf.Address{hdr, q})
	c.Close()
	seen := map[string]bool{}
	for _, m := range res.Matches {
		seen[m.Address] = true
	}
	if !seen[waf.AddrHeaders] || !seen[waf.AddrURIRaw] {
		t.Fatalf("AllMatches: matches in %v, want both addresses", seen)
	}
}
