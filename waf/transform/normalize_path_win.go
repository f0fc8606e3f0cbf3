package transform

// normalizePathWin is normalize_path for Windows paths, as libddwaf (and
// ModSecurity's normalisePathWin) do it: every backslash is turned into a
// slash, then the path is normalized ("a\b\..\c" is "a/c"; "a\b" is "a/b").
// Drive letters and UNC prefixes have no special meaning: "C:\x\..\y" is
// "C:/y".
//
// Growth: len(out) <= len(src).
func normalizePathWin(dst, src []byte) []byte {
	return appendCleanPath(dst, src, true)
}

func init() { register("normalize_path_win", normalizePathWin, "normalizePathWin") }
