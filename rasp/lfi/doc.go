// Package lfi detects local file inclusion and path traversal: a request
// input that, found in the file path an application is about to open,
// takes it out of the directory the application meant.
//
// Check(path, inputs) looks for each input (at least MinInput bytes)
// verbatim in the path and reports it when that occurrence
//
//   - starts the path and is absolute: "/etc/passwd", "\\server\share",
//     "C:\Windows\win.ini" (the reason says when the file is a known
//     sensitive one: /etc, /proc, /root, /var/log, C:\Windows, ...);
//   - adds a ".." segment that climbs above the directory holding the
//     input's first byte. Normalization follows POSIX normpath and Windows
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
//   - Inputs shorter than MinInput ("..") are ignored.
package lfi
