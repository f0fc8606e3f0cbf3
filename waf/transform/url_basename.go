package transform

import "bytes"

// urlBasename keeps the last segment of a URL's path: what follows the last
// '/' before the query string and fragment (see url_path), as libddwaf
// does: "/path/index.php?a=b" is "index.php", a path that ends in '/' has
// an empty basename ("/path/index/?a=b", "/" and "?a=b" are all empty),
// and a value without '/', '?' or '#' is unchanged. The authority counts as
// a segment when there is no path: "http://host" is "host".
//
// Growth: len(out) <= len(src).
func urlBasename(dst, src []byte) []byte {
	p := pathPart(src)
	return append(dst, p[bytes.LastIndexByte(p, '/')+1:]...)
}

func init() { register("url_basename", urlBasename, "_sqr_basename") }
