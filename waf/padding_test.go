package waf_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/waf"
)

// TestPaddedPayload checks that a payload that only counts as a whole
// value (a remote-inclusion URL, a bare command, a SQL clause opening the
// value) is read as one after or before padding in the same value, and
// that the match says so.
func TestPaddedPayload(t *testing.T) {
	e := newEngineWith(t, waf.Options{AllMatches: true})
	for _, fill := range []string{strings.Repeat("A", 8192), strings.Repeat("lorem ipsum ", 700), strings.Repeat("%20", 3000)} {
		fillText, _ := url.QueryUnescape(fill)
		for _, p := range []string{
			"http://198.51.100.23/c99.txt?",
			"ftp://198.51.100.7/r57.txt",
			"cscli alerts list",
			"time ifconfig",
			"ldap://127.0.0.1/",
		} {
			for i, v := range []string{fill + url.QueryEscape(p), url.QueryEscape(p) + fill} {
				res := evalTarget(e, "/page?include="+v)
				if res.Block == nil {
					t.Errorf("%q with %d bytes of %.4q padding: not blocked", p, len(fillText), fillText)
					continue
				}
				// Before the padding, the rules that read a value's start
				// match the value as it is; spaces are whitespace that
				// the rules skip. After other padding, the rest read on
				// its own is the payload the whole-value rules see.
				if i == 0 && strings.TrimSpace(fillText) != "" {
					unpadded := false
					for _, m := range res.Matches {
						unpadded = unpadded || m.Decoded == waf.DecodedPadding
					}
					if !unpadded {
						t.Errorf("%q after %.4q padding: no match says %q (%s matched %q)", p, fillText, waf.DecodedPadding, res.Matches[0].RuleID, res.Matches[0].Value)
					}
				}
			}
		}
	}
	// Without whole values, the rules read what libddwaf reads.
	off := newEngineWith(t, waf.Options{NoWholeValues: true})
	if res := evalTarget(off, "/page?include="+strings.Repeat("A", 8192)+"cscli+alerts+list"); len(res.Matches) > 0 {
		t.Errorf("NoWholeValues: matched %s", res.Matches[0].RuleID)
	}
}
