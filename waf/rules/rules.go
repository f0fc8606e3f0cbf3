// Package rules embeds rampart's default WAF ruleset, written for rampart in
// the libddwaf JSON format (version 2.x).
//
// The ruleset covers SQL injection, cross-site scripting, path traversal and
// file inclusion, command and code injection (Unix and Windows shells, PHP,
// Node.js, Ruby, Perl and Java, including deserialization gadgets), SSRF,
// NoSQL injection, server-side template injection, Log4Shell lookups,
// security scanners and probes for sensitive files, and HTTP protocol
// attacks (CRLF injection, request smuggling markers, null bytes, invalid
// methods). Two blocking rules read the rules_data lists "blocked_ips"
// (ip_match over http.client_ip) and "blocked_users" (exact_match over
// usr.id), which the collector's decisions fill at run time.
//
// Every rule's tags.category is one of the corpus categories (sqli, xss,
// lfi, rce, ssrf, nosqli, ssti, jndi, scanner, protocol), or
// security_response for the two blocking rules. Every rule has attack and
// benign vectors in testdata/vectors.json, run through the real engine.
//
// The exploit-prevention rules (rasp.json) run at the sinks: one rule per
// detector (sqli_detector over server.db.statement and server.db.system,
// ssrf_detector over server.io.net.url, shi_detector over
// server.sys.shell.cmd, cmdi_detector over server.sys.exec.cmd,
// lfi_detector over server.io.fs.file), each comparing the resource with
// the request's query, body, path parameters, gRPC message, GraphQL resolver
// arguments, cookies and the User-Agent,
// Referer and X-Forwarded-For headers, blocking in block mode and asking
// for a stack trace. They live in their own file, spliced into the rules
// array by Default, so that the generated request rules stay one file.
//
// The regular expressions use Go's RE2 syntax and each requires a literal
// of a few characters, so the engine's literal prefilter skips them on
// ordinary values.
package rules

import (
	"bytes"
	_ "embed"
)

//go:embed default.json
var defaultRuleset []byte

//go:embed rasp.json
var raspRules []byte

// rulesKey opens the rules array in default.json.
var rulesKey = []byte(`"rules": [`)

// Default returns the default ruleset as JSON: the request rules of
// default.json with the exploit-prevention rules of rasp.json first in its
// rules array. The caller gets its own copy and may modify it.
func Default() []byte {
	i := bytes.Index(defaultRuleset, rulesKey)
	body := bytes.TrimSpace(raspRules)
	if i < 0 || len(body) < 2 || body[0] != '[' || body[len(body)-1] != ']' {
		// Not the layout the generator writes: the request rules alone
		// (TestDefaultHasRASP fails on this).
		return append([]byte(nil), defaultRuleset...)
	}
	body = bytes.TrimSpace(body[1 : len(body)-1])
	i += len(rulesKey)
	out := make([]byte, 0, len(defaultRuleset)+len(body)+2)
	out = append(out, defaultRuleset[:i]...)
	out = append(out, body...)
	out = append(out, ',')
	out = append(out, defaultRuleset[i:]...)
	return out
}

// ExploitRules returns a ruleset of the exploit-prevention rules alone, for
// applications that want exploit prevention without the request rules.
func ExploitRules() []byte {
	out := []byte(`{"version": "2.2", "metadata": {"rules_version": "0.1.0"}, "rules": `)
	out = append(out, bytes.TrimSpace(raspRules)...)
	return append(out, '}')
}

// RequestRules returns default.json alone: the request rules without the
// exploit-prevention rules.
func RequestRules() []byte { return append([]byte(nil), defaultRuleset...) }
