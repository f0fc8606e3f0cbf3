package waf

import (
	"encoding/base64"
	"testing"
)

// TestNameKeys checks which decoded JSON documents are read as a string
// too: those with a key that is not a name.
func TestNameKeys(t *testing.T) {
	for doc, want := range map[string]bool{
		`{"sub":"user-1","iat":1732442890,"scope":"read write"}`:            true,
		`{"https://example.com/roles":["admin"],"email":"a+b@example.com"}`: true,
		`[{"id":1,"tags":{"x-y":"z"}}]`:                                     true,
		`{"user":"admin","password":{"$ne":""}}`:                            false,
		`{"<script>":1}`:                                                    false,
		`{"a b":1}`:                                                         false,
		`{"":1}`:                                                            false,
		`{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{"j":1}}}}}}}}}}`:     false, // deeper than nameKeys looks
	} {
		v, ok := parseJSONText(doc)
		if !ok {
			t.Fatalf("%s: not parsed", doc)
		}
		if got := nameKeys(v, 0); got != want {
			t.Errorf("nameKeys(%s) = %v, want %v", doc, got, want)
		}
	}
}

// TestDecodedDocumentKeys checks that an operator key in Base64 JSON is
// found (the document is read as a string), that a key that is a name is
// read as a value, and that a JWT's claims are read as values.
func TestDecodedDocumentKeys(t *testing.T) {
	e := mustEngine(t, `{"version": "2.2", "rules": [
	 {"id": "t-op", "name": "operator key", "tags": {"type": "nosql_injection", "category": "nosqli"},
	  "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "server.request.body"}], "regex": "\\{\"\\$ne\""}}]},
	 {"id": "t-proto", "name": "prototype key", "tags": {"type": "js_code_injection", "category": "rce"},
	  "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "server.request.body"}], "regex": "^__proto__$"}}]},
	 {"id": "t-sq", "name": "quote", "tags": {"type": "sql_injection", "category": "sqli"},
	  "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "server.request.headers.no_cookies"}], "regex": "^1' or '1'='1$"}}]}]}`)
	b64 := base64.StdEncoding.EncodeToString([]byte(`{"user":"admin","password":{"$ne":""}}`))
	res := run(e, Address{Name: AddrBody, Value: Map([]Field{{Key: "filter", Value: String(b64)}})})
	if len(res.Matches) != 1 || res.Matches[0].RuleID != "t-op" || res.Matches[0].Decoded != DecodedBase64 {
		t.Errorf("operator key in Base64 JSON: %+v", res.Matches)
	}
	// A key that is a name, read as a value.
	b64 = base64.StdEncoding.EncodeToString([]byte(`{"text":"a","title":{"__proto__":{"where":null}}}`))
	res = run(e, Address{Name: AddrBody, Value: Map([]Field{{Key: "doc", Value: String(b64)}})})
	if len(res.Matches) != 1 || res.Matches[0].RuleID != "t-proto" || res.Matches[0].Decoded != DecodedBase64 {
		t.Errorf("name key in Base64 JSON: %+v", res.Matches)
	}
	enc := base64.RawURLEncoding.EncodeToString
	tok := "Bearer " + enc([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc([]byte(`{"sub":"1' or '1'='1","iat":1732442890}`)) + ".c2lnbmF0dXJl"
	res = run(e, Address{Name: AddrHeaders, Value: Map([]Field{{Key: "authorization", Value: Strings(tok)}})})
	if len(res.Matches) != 1 || res.Matches[0].RuleID != "t-sq" || res.Matches[0].Decoded != DecodedJWT {
		t.Errorf("claim of a JWT: %+v", res.Matches)
	}
}
