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
// The regular expressions use Go's RE2 syntax and each requires a literal
// of a few characters, so the engine's literal prefilter skips them on
// ordinary values.
package rules

import _ "embed"

//go:embed default.json
var defaultRuleset []byte

// Default returns the default ruleset as JSON. The caller gets its own copy
// and may modify it.
func Default() []byte {
	return append([]byte(nil), defaultRuleset...)
}
