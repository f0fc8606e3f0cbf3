package waf_test

import (
	"encoding/base64"
	"strconv"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/waf"
)

// TestWalkBytesBound checks that a walk inspects at most MaxWalkBytes of
// string bytes, decoded values counted: an attack in a field past the
// bound is not read, the same attack before it is, and documents decoded
// from Base64 use the bound up as their raw strings do.
func TestWalkBytesBound(t *testing.T) {
	e := defaultEngine(t)
	// MaxWalkBytes/MaxStringLength fillers use the bound up exactly, and
	// the attack is as long: it fits only where a filler would.
	filler := strings.Repeat("lorem ipsum ", waf.MaxStringLength/12+1)[:waf.MaxStringLength]
	attack := "<script>alert(document.cookie)</script>" + filler[39:]
	run := func(fields []waf.Field) bool {
		c := e.NewContext()
		defer c.Close()
		res := c.Run([]waf.Address{{Name: waf.AddrBody, Value: waf.Map(fields)}})
		return len(res.Matches) > 0
	}
	body := func(n, at int, item string) []waf.Field {
		fs := make([]waf.Field, n)
		for i := range fs {
			fs[i] = waf.Field{Key: "f" + strconv.Itoa(i), Value: waf.String(item)}
		}
		fs[at].Value = waf.String(attack)
		return fs
	}
	n := waf.MaxWalkBytes/len(filler) + 20
	if !run(body(n, 10, filler)) {
		t.Error("an attack before the bound was not flagged")
	}
	if run(body(n, n-1, filler)) {
		t.Errorf("an attack after %d bytes of strings was flagged: the walk is not bounded", (n-1)*len(filler))
	}
	// The same bytes as Base64 JSON documents: each counts its raw
	// string, its decoded strings and the document read as a string (its
	// key is not a name), so that fewer of them fit.
	doc := base64.StdEncoding.EncodeToString([]byte(`{"a b":"` + filler[:len(filler)*3/4-14] + `"}`))
	m := waf.MaxWalkBytes / len(doc)
	if run(body(m, m/2, doc)) {
		t.Errorf("an attack after %d Base64 JSON documents (their raw strings half the bound) was flagged: decoded documents are not counted", m/2)
	}
	// Keys that are names: the raw string and the decoded ones count.
	doc = base64.StdEncoding.EncodeToString([]byte(`{"a":"` + filler[:len(filler)*3/4-12] + `"}`))
	m = waf.MaxWalkBytes / len(doc)
	if run(body(m, m*2/3, doc)) {
		t.Errorf("an attack after %d Base64 JSON documents (their raw strings two thirds of the bound) was flagged: decoded strings are not counted", m*2/3)
	}
}
