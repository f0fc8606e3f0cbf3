package transform

import "bytes"

// urlPath keeps the part of a URL (or of a request target) before its query
// string and fragment: everything up to the first '?' or '#'. Nothing else
// is parsed, as in libddwaf: the scheme and authority of a full URL stay
// ("http://h/a?b" is "http://h/a"), "/path/?a=b" is "/path/", "?a=b" and
// "#f" are empty, and a URL without '?' or '#' is unchanged.
//
// Growth: len(out) <= len(src).
func urlPath(dst, src []byte) []byte {
	return append(dst, pathPart(src)...)
}

// pathPart returns src up to its first '?' or '#'.
func pathPart(src []byte) []byte {
	if i := bytes.IndexAny(src, "?#"); i >= 0 {
		return src[:i]
	}
	return src
}

func init() { register("url_path", urlPath, "_sqr_filename") }
