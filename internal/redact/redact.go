// Package redact is rampart's single redaction policy: which keys, headers
// and values are sensitive and never leave the process in clear
// (passwords, tokens, API keys, authorization headers, cookies, sessions).
package redact

import "strings"

// Placeholder replaces a redacted value.
const Placeholder = "<redacted>"

// sensitiveParts are substrings that make a key name sensitive when they
// occur in it, compared case-insensitively after removing '-', '_' and '.'.
var sensitiveParts = []string{
	"pass", "pwd", "secret", "token", "apikey", "accesskey", "privatekey",
	"authorization", "auth", "cookie", "session", "sessid", "jwt", "bearer",
	"credential", "signature", "otp", "csrf", "xsrf", "ssn", "creditcard", "cardnumber", "cvv",
}

// sensitiveExact are key names that are sensitive only as a whole.
var sensitiveExact = []string{"key", "pin", "sid", "code"}

// Key reports whether a key (a JSON field, form field, query parameter,
// header or cookie name) holds a sensitive value.
func Key(name string) bool {
	if name == "" {
		return false
	}
	var buf [64]byte
	n := 0
	for i := 0; i < len(name) && n < len(buf); i++ {
		c := name[i]
		switch {
		case c == '-' || c == '_' || c == '.' || c == ' ':
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		buf[n] = c
		n++
	}
	k := string(buf[:n])
	for _, p := range sensitiveParts {
		if strings.Contains(k, p) {
			return true
		}
	}
	for _, e := range sensitiveExact {
		if k == e || strings.HasSuffix(k, e) && len(k) <= len(e)+8 && strings.HasSuffix(k, "key") {
			return true
		}
	}
	return false
}

// Path reports whether any key of a key path is sensitive.
func Path(keys []string) bool {
	for _, k := range keys {
		if Key(k) {
			return true
		}
	}
	return false
}

// Address reports whether every value of a WAF address is sensitive
// (cookies, the session id).
func Address(name string) bool {
	return name == "server.request.cookies" || name == "usr.session_id"
}

// Value redacts credentials embedded in a value itself: "Bearer xyz",
// "Basic xyz" and JSON Web Tokens keep their scheme but lose the secret.
func Value(v string) string {
	for _, scheme := range []string{"bearer ", "basic ", "digest ", "token "} {
		if len(v) >= len(scheme) && strings.EqualFold(v[:len(scheme)], scheme) {
			return v[:len(scheme)] + Placeholder
		}
	}
	if looksLikeJWT(v) {
		return Placeholder
	}
	return v
}

func looksLikeJWT(v string) bool {
	if len(v) < 20 || !strings.HasPrefix(v, "eyJ") {
		return false
	}
	return strings.Count(v, ".") == 2
}

// Truncate cuts s to at most n bytes on a UTF-8 boundary, marking the cut.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && i > n-4 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i] + "…"
}
