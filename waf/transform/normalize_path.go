package transform

import "bytes"

// normalizePath resolves "." and ".." in a '/'-separated path as libddwaf
// does (src/transformer/normalize_path.cpp in github.com/DataDog/libddwaf):
// a lexical pass over the bytes, not over segments, with its quirks kept so
// that rules written against libddwaf match the same values.
//
// Reading left to right, a '.' that is followed by '/' or ends the value:
//
//   - when it starts the value or follows a '/', it is skipped with the
//     '/' after it ("./a" is "a", "a/./b" is "a/b");
//   - when it ends a "/..", the output goes back to the '/' before the
//     previous segment ("a/b/../c" is "a/c"); with no '/' left in the
//     output, the path restarts at a '/', so that a traversal out of a
//     relative path is rooted ("a/../../etc/passwd" is "/etc/passwd");
//   - otherwise it is copied: "a./b", and a leading "..", which has no '/'
//     before it ("../a" stays "../a", but "../../a" is "/a").
//
// Every other byte is copied: empty segments stay ("a//b"), and
// percent-escapes are not decoded (chain url_decode first). As in
// libddwaf, a value is left as it is when the pass moved no byte and took
// back no segment: "./", ".", "a/./" and "a/." stay as they are, while
// "a/./b" is "a/b".
//
// Growth: len(out) <= len(src). The pass may write a segment that a later
// ".." takes back, so it needs room for len(src) bytes.
func normalizePath(dst, src []byte) []byte {
	return appendCleanPath(dst, src, false)
}

// appendCleanPath implements normalize_path, and normalize_path_win when
// backslash is set, in which case every '\' is read as a '/' first.
//
// Going back over a segment scans bytes that are then discarded, so the
// whole pass stays linear.
func appendCleanPath(dst, src []byte, backslash bool) []byte {
	base := len(dst)
	at := func(i int) byte {
		if c := src[i]; c != '\\' || !backslash {
			return c
		}
		return '/'
	}
	moved := false // a byte was written at another position, or a segment taken back
	for r := 0; r < len(src); {
		if c := at(r); c != '.' || r+1 < len(src) && at(r+1) != '/' {
			// Copy up to the next '.' at once.
			j := bytes.IndexByte(src[r+1:], '.')
			if j < 0 {
				j = len(src)
			} else {
				j += r + 1
			}
			moved = moved || len(dst)-base != r
			dst = appendPathBytes(dst, src[r:j], backslash)
			r = j
			continue
		}
		// A '.' before a '/' or at the end.
		switch {
		case r == 0 || at(r-1) == '/':
			r += 2
		case r > 1 && at(r-1) == '.' && at(r-2) == '/':
			w := len(dst) - base
			w -= min(w, 3)
			for w != 0 && dst[base+w] != '/' {
				w--
			}
			dst = append(dst[:base+w], '/')
			r += 2
			moved = true
		default:
			moved = moved || len(dst)-base != r
			dst = append(dst, '.')
			r++
		}
	}
	if !moved {
		// As libddwaf: nothing moved, the value is returned as it was
		// (with its backslashes turned into slashes, for the Windows form).
		return appendPathBytes(dst[:base], src, backslash)
	}
	return dst
}

// appendPathBytes appends s, with every '\' written '/' when backslash is
// set.
func appendPathBytes(dst, s []byte, backslash bool) []byte {
	for backslash {
		i := bytes.IndexByte(s, '\\')
		if i < 0 {
			break
		}
		dst = append(append(dst, s[:i]...), '/')
		s = s[i+1:]
	}
	return append(dst, s...)
}

func init() { register("normalize_path", normalizePath, "normalizePath") }
