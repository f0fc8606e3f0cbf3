// Package lfi detects local file inclusion and path traversal: a request
// input that, found in the file path an application is about to open,
// takes it out of the directory the application meant.
//
// Check(path, inputs) looks for each input, of any length, verbatim in the
// path and reports it when that occurrence
//
//   - starts the path and is absolute: "/etc/passwd", "\\server\share",
//     "C:\Windows\win.ini" (the reason says when the file is a known
//     sensitive one: /etc, /proc, /root, /var/log, C:\Windows, ...). The
//     input must name something after its root, or be the whole path: a
//     bare root ("/", "//", "/./", "C:\", "\\") followed by the
//     application's text is the application's choice of file. A short
//     absolute input (at most 3 bytes, "/a") must end where a segment of
//     the path ends ("/a" in "/a/b", not in "/app/b"), as it is otherwise
//     as likely the first letters of the application's own base directory;
//   - starts the path at a home directory: "~" followed by a separator or
//     the end of the path, or "~user" followed by a separator, the whole
//     first segment being the input's (Go's os package does not expand
//     "~", but a path handed to a shell or to a library that expands it
//     is read from the user's home);
//   - adds a ".." segment of its own (both dots, possibly encoded, within
//     the input) that climbs above the directory holding the input's first
//     byte: ".." and "../" are complete traversals, while "." or "./" found
//     in a ".." the application wrote is not. Normalization follows POSIX
//     normpath and Windows
//     ntpath at once: / and \ both separate, "." and empty segments vanish,
//     and, for paths that reach a decoder later, %2e %2f %5c, double
//     encoding (%252e), overlong UTF-8 (%c0%ae, %c0%af, %c1%9c) and %u002e
//     are read as the characters they encode. "..;" stays a plain name:
//     the Java path-parameter trick is a URL matter (see rasp/ssrf), and a
//     file system opens a directory called "..;".
//
// Benign: a name inside the base directory, with dots that stay inside
// after normalization ("a..b.txt", "2024/../report.pdf",
// "....//....//etc/passwd", "..data"), and relative paths that mention
// system files without leaving ("etc/passwd" under the base).
//
// Cost: an input without "..", nor a '%' that could encode a dot, is
// compared with the start of the path only. Any other is looked for at
// every occurrence, the path scanned once per input in all (occurrences
// come in order), and each occurrence judged over its own bytes: at most
// O(len(path) + occurrences × len(input)) per input, without allocation.
// Measured on 2 cores: inputs such as ".." and "a.." occurring at every
// third offset of a 4 KB name cost 0.6 ms in all (545 ms before the scan
// was shared).
//
// Known limits:
//   - Inputs are matched verbatim: an input the application decoded or
//     rewrote before building the path is not seen.
//   - Symbolic links, mount points and Windows short names (PROGRA~1) are
//     not resolved; Check reasons about text only.
//   - Windows trailing-dot and trailing-space trimming ("..." or ".. "
//     segments) and alternate data streams are not modelled.
//   - An absolute input counts only at the start of the path: a template
//     that joins with os.path.join-like semantics should pass the joined
//     result, which then starts with the input.
//   - A request string ".." found in a ".." segment the application wrote
//     itself is reported, as the text cannot tell the two apart.
//   - A short absolute input followed by the application's suffix in the
//     same segment ("/ab" + ".txt") is not reported; from 4 bytes on
//     ("/flag" + ".txt") it is.
//   - An input made only of separators and "." is the root, and reported
//     only as the whole path: a root given by one input and a relative
//     path given by another ("/" and "etc/passwd") are not combined.
package lfi
