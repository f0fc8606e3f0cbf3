package waf

import "testing"

// TestDecodedFormSharesVariants: a value's escape-decoded form is
// evaluated with the variants of the value itself, so that an operator
// that already ran on the same transformed bytes does not run again. The
// rules that read the value without decoding it still see the decoded
// form, and report it as decoded; a rule that matched the value itself
// reports the value, once. (A header: the request target is evaluated
// decoded only for escapes besides its own percent-encoding, see
// TestTargetEscapes.)
func TestDecodedFormSharesVariants(t *testing.T) {
	e := mustEngine(t, `{
 "version": "2.2", "metadata": {"rules_version": "t1"},
 "rules": [
  {"id": "r-decoded", "name": "script, read as sent", "tags": {"type": "xss", "category": "xss"},
   "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "server.request.headers.no_cookies", "key_path": ["referer"]}], "regex": "<script"}}]},
  {"id": "r-urldecode", "name": "script, URL-decoded", "tags": {"type": "xss", "category": "xss"},
   "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "server.request.headers.no_cookies", "key_path": ["referer"]}], "regex": "<script"}}],
   "transformers": ["url_decode_iis", "lowercase"]},
  {"id": "r-twice", "name": "twice-encoded quote, URL-decoded once", "tags": {"type": "sqli", "category": "sqli"},
   "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "server.request.headers.no_cookies", "key_path": ["referer"]}], "regex": "%27 or"}}],
   "transformers": ["url_decode"]}
 ]}`)
	res := run(e, referer("/a?q=%3CSCRIPT%3Ealert(1)"))
	got := map[string]Match{}
	for _, m := range res.Matches {
		if _, dup := got[m.RuleID]; dup {
			t.Errorf("%s reported twice", m.RuleID)
		}
		got[m.RuleID] = m
	}
	if m, ok := got["r-urldecode"]; !ok || m.Decoded != "" {
		t.Errorf("r-urldecode: %+v (want a match on the value as sent)", got)
	}
	if m, ok := got["r-decoded"]; !ok || m.Decoded != DecodedEscapes {
		t.Errorf("r-decoded: %+v (want a match on the decoded form)", got)
	}
	// %252527 decodes to %2527 (the decoded form), which url_decode turns
	// into %27: the decoded form's chain gives other bytes than the
	// value's (%2527), and is evaluated.
	res = run(e, referer("/a?q=1%252527%20or%201=1"))
	found := false
	for _, m := range res.Matches {
		found = found || m.RuleID == "r-twice"
	}
	if !found {
		t.Errorf("r-twice did not match the decoded form: %+v", res.Matches)
	}
}

// referer is a Referer header as the headers address.
func referer(v string) Address {
	return Address{Name: AddrHeaders, Value: Map([]Field{{Key: "referer", Value: Strings(v)}})}
}
