package cmdi

import (
	"encoding/base64"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeEncoded decodes the argument of PowerShell's -EncodedCommand:
// base64 (padded or not) of UTF-16LE text. starts[u] is the byte offset in
// the decoded text of the character that starts at UTF-16 unit u, or -1
// when unit u is the second half of a surrogate pair; starts has one more
// entry than there are units (the text's length).
func decodeEncoded(enc string) (text string, starts []int, ok bool) {
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		if raw, err = base64.RawStdEncoding.DecodeString(enc); err != nil {
			return "", nil, false
		}
	}
	n := len(raw) / 2
	units := make([]uint16, n)
	for i := range units {
		units[i] = uint16(raw[2*i]) | uint16(raw[2*i+1])<<8
	}
	buf := make([]byte, 0, n)
	starts = make([]int, n+1)
	for u := 0; u < n; u++ {
		starts[u] = len(buf)
		r := rune(units[u])
		if utf16.IsSurrogate(r) && u+1 < n {
			if p := utf16.DecodeRune(r, rune(units[u+1])); p != utf8.RuneError {
				buf = utf8.AppendRune(buf, p)
				u++
				starts[u] = -1
				continue
			}
		}
		if utf16.IsSurrogate(r) {
			r = utf8.RuneError
		}
		buf = utf8.AppendRune(buf, r)
	}
	starts[n] = len(buf)
	return string(buf), starts, true
}

// decodedRange returns the span [x, y) of the decoded text that base64
// characters [a, b) of the encoded argument determine entirely (whole
// bytes, whole UTF-16 units, whole characters); some is false when they
// determine no whole character.
func decodedRange(starts []int, textLen, a, b int) (x, y int, some bool) {
	if a < 0 || b <= a {
		return 0, 0, false
	}
	// Base64 character i holds bits [6i, 6i+6); byte k is bits [8k, 8k+8).
	bytesA, bytesB := (3*a+3)/4, 3*b/4
	ua, ub := (bytesA+1)/2, bytesB/2
	units := len(starts) - 1
	ub = min(ub, units)
	for ua < ub && starts[ua] < 0 {
		ua++
	}
	for ub > ua && ub < units && starts[ub] < 0 {
		ub--
	}
	if ua >= ub {
		return 0, 0, false
	}
	x, y = starts[ua], textLen
	if ub < units {
		y = starts[ub]
	}
	return x, y, x < y
}
