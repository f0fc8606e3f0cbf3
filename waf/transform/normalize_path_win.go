package transform

// normalizePathWin is normalize_path for Windows paths: a backslash
// separates segments as a slash does, and every separator in the result is
// a '/' ("a\b\..\c" is "a/c"). Drive letters and UNC prefixes have no
// special meaning: "C:\x\..\y" is "C:/y".
//
// Growth: len(out) <= len(src).
func normalizePathWin(dst, src []byte) []byte {
	return appendCleanPath(dst, src, true)
}

func init() { register("normalize_path_win", normalizePathWin, "normalizePathWin") }
