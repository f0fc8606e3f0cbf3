package httpinput

import (
	"slices"
	"strings"

	"github.com/rampartsec/rampart/waf"
)

// headers builds the headers.no_cookies map (lower-case name → list of
// values, values trimmed of surrounding blanks) and the cookies map from the
// first nh header lines; nc bounds the cookie pairs.
func headers(a *arena, hs [][2]string, nh, nc int) (h, c waf.Value, hTrunc, cTrunc bool) {
	hp := a.alloc(nh)
	cp := a.alloc(nc)
	k, kc := 0, 0
	for _, kv := range hs[:nh] {
		name := lowerName(kv[0])
		if name == "cookie" {
			var t bool
			kc, t = cookies(cp, kc, kv[1])
			cTrunc = cTrunc || t
			continue
		}
		hp[k] = waf.Field{Key: name, Value: waf.String(trimBlank(kv[1]))}
		k++
	}
	h, hTrunc = group(a, hp[:k])
	c, t := group(a, cp[:kc])
	return h, c, hTrunc, cTrunc || t
}

func isCookieHeader(name string) bool { return strings.EqualFold(name, "cookie") }

// cookies adds the pairs of one Cookie header to dst from index k and returns
// the new count. Values are kept as sent (not percent-decoded: Go and most
// frameworks do not decode them; rules decode with their transformers),
// except that surrounding double quotes are removed. A part without '=' is a
// value with an empty name, so that a rule still sees it as a value.
func cookies(dst []waf.Field, k int, s string) (int, bool) {
	for s != "" {
		var part string
		if i := strings.IndexByte(s, ';'); i >= 0 {
			part, s = s[:i], s[i+1:]
		} else {
			part, s = s, ""
		}
		part = trimBlank(part)
		if part == "" {
			continue
		}
		if k == len(dst) {
			return k, true
		}
		name, val, ok := strings.Cut(part, "=")
		if !ok {
			name, val = "", part
		}
		val = trimBlank(val)
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			val = val[1 : len(val)-1]
		}
		dst[k] = waf.Field{Key: trimBlank(name), Value: waf.String(val)}
		k++
	}
	return k, false
}

// trimBlank removes spaces and tabs at both ends.
func trimBlank(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// lowerName returns the header name in lower case, without allocating for
// names already in lower case (HTTP/2) or common ones.
func lowerName(s string) string {
	i := 0
	for i < len(s) && !('A' <= s[i] && s[i] <= 'Z') {
		i++
	}
	if i == len(s) {
		return s
	}
	if len(s) <= 32 {
		var buf [32]byte
		b := buf[:len(s)]
		for j := range len(s) {
			c := s[j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b[j] = c
		}
		if c := commonHeader(b); c != "" {
			return c
		}
	}
	return strings.ToLower(s)
}

// commonHeader returns the interned name equal to b, or "".
func commonHeader(b []byte) string {
	switch string(b) {
	case "host":
		return "host"
	case "user-agent":
		return "user-agent"
	case "accept":
		return "accept"
	case "accept-language":
		return "accept-language"
	case "accept-encoding":
		return "accept-encoding"
	case "accept-charset":
		return "accept-charset"
	case "content-type":
		return "content-type"
	case "content-length":
		return "content-length"
	case "content-encoding":
		return "content-encoding"
	case "transfer-encoding":
		return "transfer-encoding"
	case "connection":
		return "connection"
	case "keep-alive":
		return "keep-alive"
	case "cookie":
		return "cookie"
	case "referer":
		return "referer"
	case "origin":
		return "origin"
	case "authorization":
		return "authorization"
	case "cache-control":
		return "cache-control"
	case "pragma":
		return "pragma"
	case "upgrade-insecure-requests":
		return "upgrade-insecure-requests"
	case "x-forwarded-for":
		return "x-forwarded-for"
	case "x-forwarded-proto":
		return "x-forwarded-proto"
	case "x-forwarded-host":
		return "x-forwarded-host"
	case "x-forwarded-port":
		return "x-forwarded-port"
	case "x-real-ip":
		return "x-real-ip"
	case "x-request-id":
		return "x-request-id"
	case "x-requested-with":
		return "x-requested-with"
	case "x-amzn-trace-id":
		return "x-amzn-trace-id"
	case "forwarded":
		return "forwarded"
	case "via":
		return "via"
	case "if-none-match":
		return "if-none-match"
	case "if-modified-since":
		return "if-modified-since"
	case "range":
		return "range"
	case "expect":
		return "expect"
	case "dnt":
		return "dnt"
	case "te":
		return "te"
	case "sec-fetch-site":
		return "sec-fetch-site"
	case "sec-fetch-mode":
		return "sec-fetch-mode"
	case "sec-fetch-dest":
		return "sec-fetch-dest"
	case "sec-fetch-user":
		return "sec-fetch-user"
	case "sec-ch-ua":
		return "sec-ch-ua"
	case "sec-ch-ua-mobile":
		return "sec-ch-ua-mobile"
	case "sec-ch-ua-platform":
		return "sec-ch-ua-platform"
	case "true-client-ip":
		return "true-client-ip"
	}
	return ""
}

// pathParams returns the router's parameters as a map of strings, sorted by
// name so that the result does not depend on map order (and, past
// MaxContainerSize, neither does which ones are kept).
func pathParams(a *arena, pp map[string]string) waf.Value {
	fs := a.alloc(len(pp))
	i := 0
	for k, v := range pp {
		fs[i] = waf.Field{Key: k, Value: waf.String(v)}
		i++
	}
	slices.SortFunc(fs, func(x, y waf.Field) int { return strings.Compare(x.Key, y.Key) })
	n := min(len(fs), MaxContainerSize)
	return waf.Map(fs[:n:n])
}
