package waf_test

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/waf"
)

// TestBase64BinaryPayload checks that a traversal whose separators are
// control or overlong bytes, sent Base64-encoded, is read decoded, and
// that the control bytes of decoded binary data do not count as protocol
// violations (a NUL or a bare CR in a Base64 blob is no injection).
func TestBase64BinaryPayload(t *testing.T) {
	e := defaultEngine(t)
	eval := func(target string) *waf.Result { return evalTarget(e, target) }
	for _, p := range []string{
		"..\xc1\x1c..\xc1\x1c..\xc1\x1c..\xc1\x1cetc\xc1\x1cpasswd",
		".\x00.\xc0%qf.\x00.\xc0%qf.\x00.\xc0%qfetc\xc0%qfissue",
		"..\x01/..\x01/..\x01/..\x01/etc/issue",
		// Overlong encodings too dense for text, read percent-encoded.
		"\xc0\xae\xc0\xae\xc0%9v\xc0\xae\xc0\xae\xc0%9vetc\xc0%9vissue",
		"\xe0\x80\xae\xe0\x80\xae\xc1%pc\xe0\x80\xae\xe0\x80\xae\xc1%pcetc\xc1%pcissue",
		"\xc0\xee\xc0\xee\xc0/\xc0\xee\xc0\xee\xc0/\xc0\xee\xc0\xee\xc0/etc\xc0/passwd",
	} {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawURLEncoding} {
			target := "/download?file=" + url.QueryEscape(enc.EncodeToString([]byte(p)))
			res := eval(target)
			if res.Block == nil {
				t.Errorf("%s (%q): not blocked", target, p)
				continue
			}
			for _, m := range res.Matches {
				if m.Decoded != waf.DecodedBase64 {
					t.Errorf("%s: %s matched %q decoded %q, want %q", target, m.RuleID, m.Value, m.Decoded, waf.DecodedBase64)
				}
				if m.Type != "lfi" {
					t.Errorf("%s: %s (type %s) matched", target, m.RuleID, m.Type)
				}
			}
		}
	}
	// Mostly printable binary: a protocol buffer's strings between length
	// bytes, a NUL-separated record, delimiter bytes between fields.
	for _, raw := range []string{
		"\n\x0ealice@example\x12\x08password\x1a\x04read",
		"user\x00alice\x00role\x00admin\x00",
		"v=1\x01\x02name=alice\x7f\x10zone=eu-west\x00",
		strings.Repeat("ab\x00", 8),
	} {
		target := "/api/session?state=" + url.QueryEscape(base64.StdEncoding.EncodeToString([]byte(raw)))
		if res := eval(target); len(res.Matches) > 0 {
			t.Errorf("%q: matched %s (%q)", raw, res.Matches[0].RuleID, res.Matches[0].Value)
		}
	}
}
