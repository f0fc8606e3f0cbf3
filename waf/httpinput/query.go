package httpinput

import (
	"strings"

	"github.com/rampartsec/rampart/internal/hexdigit"
	"github.com/rampartsec/rampart/waf"
)

// countPairs returns the number of sep-separated segments in s (an upper
// bound on its pairs: empty segments are skipped when parsing).
func countPairs(s string, sep byte) int {
	if s == "" {
		return 0
	}
	return strings.Count(s, string(rune(sep))) + 1
}

// parseURLEncoded parses a query string or an
// application/x-www-form-urlencoded body into a map from each name to the
// list of its values, names and values percent-decoded with '+' as a space.
// Empty segments ("a=1&&b=2") are skipped; a segment without '=' is a name
// with an empty value. It reports whether pairs were dropped at MaxParams or
// MaxContainerSize.
func parseURLEncoded(a *arena, s string, sep byte) (waf.Value, bool) {
	n := min(countPairs(s, sep), MaxParams)
	pairs := a.alloc(n)
	k := 0
	truncated := false
	for s != "" {
		var part string
		if i := strings.IndexByte(s, sep); i >= 0 {
			part, s = s[:i], s[i+1:]
		} else {
			part, s = s, ""
		}
		if part == "" {
			continue
		}
		if k == n {
			truncated = true
			break
		}
		name, val, _ := strings.Cut(part, "=")
		pairs[k] = waf.Field{Key: unescape(name), Value: waf.String(unescape(val))}
		k++
	}
	v, t := group(a, pairs[:k])
	return v, truncated || t
}

// unescape decodes %XX escapes and '+' as a space. A '%' not followed by two
// hex digits is kept as it is, as browsers and most servers do, so that the
// WAF sees what the application most likely sees.
func unescape(s string) string {
	i := strings.IndexAny(s, "%+")
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+':
			b.WriteByte(' ')
		case c == '%' && i+2 < len(s) && hexdigit.Is(s[i+1]) && hexdigit.Is(s[i+2]):
			d, _ := hexdigit.Pair(s[i+1], s[i+2])
			b.WriteByte(d)
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
