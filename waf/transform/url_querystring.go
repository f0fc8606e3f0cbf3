package transform

import "bytes"

// urlQuerystring keeps a URL's query string, without its '?' and without
// the fragment: "index.php?a=b#frag" is "a=b", "?a=b" is "a=b". A URL with
// no query string (no '?' before the first '#') gives the empty string, as
// in libddwaf: "index.php" and "index.php#x" are both empty. A '?' inside
// the query string is kept ("?a=b&c=?d" is "a=b&c=?d").
//
// Growth: len(out) <= len(src).
func urlQuerystring(dst, src []byte) []byte {
	i := bytes.IndexAny(src, "?#")
	if i < 0 || src[i] == '#' {
		return dst
	}
	q := src[i+1:]
	if j := bytes.IndexByte(q, '#'); j >= 0 {
		q = q[:j]
	}
	return append(dst, q...)
}

func init() { register("url_querystring", urlQuerystring, "_sqr_querystring") }
