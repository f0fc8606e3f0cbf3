// Package rules embeds rampart's default WAF ruleset, written for rampart
// in the libddwaf JSON format (version 2.x): SQL injection, XSS, path
// traversal and file inclusion, command and code injection, SSRF, NoSQL
// injection, template injection, JNDI/Log4Shell, sensitive file probes,
// scanners, HTTP protocol attacks, and the blocked IP and user lists.
package rules

import _ "embed"

//go:embed default.json
var defaultRuleset []byte

// Default returns the embedded default ruleset. The slice is shared: do not
// modify it.
func Default() []byte { return defaultRuleset }
