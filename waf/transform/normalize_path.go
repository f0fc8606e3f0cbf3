package transform

// normalizePath resolves a '/'-separated path lexically:
//
//   - empty segments ("//") and "." segments are dropped;
//   - ".." removes the segment before it; a ".." with nothing left to
//     remove is dropped too, and makes the path absolute, since a traversal
//     out of a relative base goes towards the root ("a/../../etc/passwd" is
//     "/etc/passwd", as in libddwaf);
//   - a leading '/' is kept, and a trailing '/' is kept (or added when the
//     path ends in "." or ".."), since "dir/" and "dir" differ to a server.
//
// A path that resolves to nothing is "/" when absolute and "" when
// relative. Unlike path.Clean, the result never starts with "..", never
// ends in "." and only ends in '/' as described. Percent-escapes are not
// decoded: chain url_decode first. The result is a fixed point.
//
// Growth: len(out) <= len(src).
func normalizePath(dst, src []byte) []byte {
	return appendCleanPath(dst, src, false)
}

// appendCleanPath implements normalize_path, and normalize_path_win when
// backslash is set, in which case '\' separates segments as '/' does.
//
// dst[base:] is kept in the form [/]seg(/seg)*, so removing the last segment
// is a scan back to the previous '/', over bytes that are then discarded:
// the whole run stays linear.
func appendCleanPath(dst, src []byte, backslash bool) []byte {
	base := len(dst)
	rooted := len(src) > 0 && (src[0] == '/' || backslash && src[0] == '\\')
	if rooted {
		dst = append(dst, '/')
	}
	trailing := false // the last segment read asks for a trailing '/'
	for i := 0; i < len(src); {
		if c := src[i]; c == '/' || backslash && c == '\\' {
			i++
			continue
		}
		j := i
		for j < len(src) && src[j] != '/' && !(backslash && src[j] == '\\') {
			j++
		}
		seg := src[i:j]
		trailing = j < len(src) // a separator follows
		i = j
		switch {
		case len(seg) == 1 && seg[0] == '.':
			trailing = true
		case len(seg) == 2 && seg[0] == '.' && seg[1] == '.':
			trailing = true
			out := dst[base:]
			switch {
			case len(out) == 0:
				dst = append(dst, '/') // climbing out of a relative path
				rooted = true
			case rooted && len(out) == 1:
				// already at the root: nothing to remove
			default:
				k := len(out) - 1
				for k >= 0 && out[k] != '/' {
					k--
				}
				if k == 0 && rooted {
					k = 1 // keep the root
				}
				if k < 0 {
					k = 0
				}
				dst = dst[:base+k]
			}
		default:
			if out := dst[base:]; len(out) > 0 && !(rooted && len(out) == 1) {
				dst = append(dst, '/')
			}
			dst = append(dst, seg...)
		}
	}
	if out := dst[base:]; trailing && len(out) > 0 && out[len(out)-1] != '/' {
		dst = append(dst, '/')
	}
	return dst
}

func init() { register("normalize_path", normalizePath, "normalizePath") }
