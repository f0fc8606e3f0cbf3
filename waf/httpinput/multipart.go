package httpinput

import (
	"io"
	"mime/quotedprintable"
	"strings"

	"github.com/rampartsec/rampart/internal/hexdigit"
	"github.com/rampartsec/rampart/waf"
)

// parseMultipart parses a multipart body (RFC 7578) delimited by boundary.
// Lines may end in CRLF or a bare LF, as Go's mime/multipart accepts. It
// returns the map of part names to their values, the list of file names,
// whether parts were dropped at a limit, and a syntax error when the body is
// not multipart (no boundary, no delimiter, no closing delimiter in a body
// that was not truncated).
func parseMultipart(s, boundary string, truncated bool) (waf.Value, waf.Value, bool, *SyntaxError) {
	if boundary == "" || len(boundary) > 200 {
		return waf.Value{}, waf.Value{}, false, &SyntaxError{Format: "multipart", Msg: "no valid boundary parameter"}
	}
	dash := "--" + boundary
	pos, closed := firstDelimiter(s, dash)
	if closed {
		return waf.Map(nil), waf.Null(), false, nil
	}
	if pos < 0 {
		if truncated {
			return waf.Map(nil), waf.Null(), false, nil
		}
		return waf.Value{}, waf.Value{}, false, &SyntaxError{Format: "multipart", Msg: "no delimiter line"}
	}
	// Like mime/multipart, the first delimiter line sets the line ending
	// that precedes every later delimiter: in a CRLF body, "\n--boundary"
	// is content, so that a part cannot hide text from us as the headers of
	// a part the application does not see.
	nl := "\n"
	if e := strings.IndexByte(s[pos:], '\n'); e > 0 && s[pos+e-1] == '\r' {
		nl = "\r\n"
	}

	a := newArena(3*min(strings.Count(s, dash), MaxParts) + 8)
	pairs := a.alloc(min(strings.Count(s, dash), MaxParts))
	var names []waf.Field
	k := 0
	dropped := false
	pos += len(dash)
	for {
		// pos is just after a delimiter.
		if strings.HasPrefix(s[pos:], "--") {
			break // the closing delimiter; the epilogue is ignored
		}
		eol := strings.IndexByte(s[pos:], '\n')
		if eol < 0 {
			if truncated {
				break
			}
			return waf.Value{}, waf.Value{}, false, &SyntaxError{Format: "multipart", Offset: pos, Msg: "unexpected end after delimiter"}
		}
		pos += eol + 1
		if pos == len(s) {
			break // nothing after a delimiter line: no part, as mime/multipart reads it
		}
		if k == len(pairs) {
			dropped = true
			break
		}
		h, err := readPartHeaders(s, pos)
		if err != nil {
			return waf.Value{}, waf.Value{}, false, err
		}
		if h.end < 0 {
			if truncated || h.atEOF {
				// Headers cut by the end of the body: mime/multipart reads
				// that as the end of the parts, and so does the application.
				break
			}
			return waf.Value{}, waf.Value{}, false, &SyntaxError{Format: "multipart", Offset: pos, Msg: "unterminated part headers"}
		}
		pos = h.end
		end, next := partEnd(s, pos, dash, nl)
		final := false
		if end < 0 {
			if !truncated {
				return waf.Value{}, waf.Value{}, false, &SyntaxError{Format: "multipart", Offset: pos, Msg: "no closing delimiter"}
			}
			end, final = len(s), true
		}
		content := ""
		if end > pos {
			content = s[pos:end]
		}
		if strings.EqualFold(h.cte, "quoted-printable") {
			content = decodeQP(content)
		}
		pairs[k] = partField(&a, &h, content, &names, &dropped)
		k++
		if final {
			break
		}
		pos = next
	}
	v, t := group(&a, pairs[:k])
	files := waf.Null()
	if names != nil {
		files = waf.List(names)
	}
	return v, files, dropped || t, nil
}

// firstDelimiter returns the offset of the first delimiter line, at the
// start of the body or of a line, or -1; closed reports a closing
// delimiter before any part, which ends the body.
func firstDelimiter(s, dash string) (pos int, closed bool) {
	for from := 0; from < len(s); {
		i := strings.Index(s[from:], dash)
		if i < 0 {
			break
		}
		i += from
		if i == 0 || s[i-1] == '\n' {
			rest := s[i+len(dash):]
			if strings.HasPrefix(rest, "--") {
				// A closing delimiter before any part ends the body when
				// it ends its line with CRLF or the body, as for
				// mime/multipart; otherwise it is preamble.
				if r := strings.TrimLeft(rest[2:], " \t"); r == "" || strings.HasPrefix(r, "\r\n") {
					return -1, true
				}
			} else if isDelimiterEnd(rest, "") {
				return i, false
			}
		}
		from = i + len(dash)
	}
	return -1, false
}

// partHeaders are the headers of a part that the parse reads.
type partHeaders struct {
	disp, ctype, cte string
	// end is the offset of the content, after the empty line; -1 when the
	// headers do not end (atEOF: the body ended first).
	end   int
	atEOF bool
}

// readPartHeaders reads a part's headers from pos, up to the empty line
// (at most MaxPartHeaderBytes).
func readPartHeaders(s string, pos int) (partHeaders, *SyntaxError) {
	h := partHeaders{end: -1}
	var seen [3]bool
	var last *string // the header a folded line continues
	for p := pos; p-pos <= MaxPartHeaderBytes; {
		e := strings.IndexByte(s[p:], '\n')
		if e < 0 {
			h.atEOF = true
			break
		}
		line := strings.TrimSuffix(s[p:p+e], "\r")
		p += e + 1
		if line == "" {
			h.end = p
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			// A folded line continues the previous header, as
			// net/textproto reads it; it cannot start the block.
			if p-e-1 == pos {
				return h, &SyntaxError{Format: "multipart", Offset: pos, Msg: "malformed part header line"}
			}
			if last != nil {
				*last += " " + strings.TrimSpace(line)
			}
			continue
		}
		name, val, ok := strings.Cut(line, ":")
		if !ok { // mime/multipart fails on it too; inspect the body as text
			return h, &SyntaxError{Format: "multipart", Offset: p - e - 1, Msg: "malformed part header line"}
		}
		// The first of repeated headers counts, as for mime/multipart.
		val = strings.TrimSpace(val)
		last = nil
		switch name = strings.TrimSpace(name); {
		case !seen[0] && strings.EqualFold(name, "content-disposition"):
			h.disp, seen[0], last = val, true, &h.disp
		case !seen[1] && strings.EqualFold(name, "content-type"):
			h.ctype, seen[1], last = val, true, &h.ctype
		case !seen[2] && strings.EqualFold(name, "content-transfer-encoding"):
			h.cte, seen[2], last = val, true, &h.cte
		}
	}
	return h, nil
}

// partEnd returns where the content starting at pos ends (the line ending
// before the next delimiter) and where the delimiter's rest starts, or -1
// when no delimiter follows.
func partEnd(s string, pos int, dash, nl string) (end, next int) {
	if strings.HasPrefix(s[pos:], dash) && isDelimiterEnd(s[pos+len(dash):], nl) {
		return pos, pos + len(dash) // empty content, as mime/multipart allows
	}
	nlDash := nl + dash
	for from := pos; from < len(s); {
		i := strings.Index(s[from:], nlDash)
		if i < 0 {
			break
		}
		i += from
		if isDelimiterEnd(s[i+len(nlDash):], nl) {
			return i, i + len(nlDash)
		}
		from = i + len(nlDash)
	}
	return -1, -1
}

// partField returns the field of one part: name and content, or for a file
// its name, content type and the first MaxFilePrefix bytes of text
// content; file names go to names.
func partField(a *arena, h *partHeaders, content string, names *[]waf.Field, dropped *bool) waf.Field {
	_, dparams := mediaType(h.disp)
	name := param(dparams, "name")
	filename := param(dparams, "filename")
	if ext, ok := decodeExtValue(param(dparams, "filename*")); ok {
		if filename != "" && filename != ext {
			*names = appendName(*names, filename, dropped)
		}
		filename = ext
	}
	if filename == "" {
		return waf.Field{Key: name, Value: waf.String(content)}
	}
	*names = appendName(*names, filename, dropped)
	f := a.alloc(3)
	f[0] = waf.Field{Key: "filename", Value: waf.String(filename)}
	f[1] = waf.Field{Key: "content_type", Value: waf.String(h.ctype)}
	n := 2
	if prefix := content[:min(len(content), MaxFilePrefix)]; prefix != "" && strings.IndexByte(prefix, 0) < 0 {
		f[2] = waf.Field{Key: "content", Value: waf.String(prefix)}
		n = 3
	}
	return waf.Field{Key: name, Value: waf.Map(f[:n:n])}
}

// isDelimiterEnd reports whether s, what follows "--boundary", completes a
// delimiter line: "--" (the closing one), or blanks then the line ending nl
// (either ending when nl is empty), or the end of the body.
func isDelimiterEnd(s, nl string) bool {
	if strings.HasPrefix(s, "--") {
		return true
	}
	s = strings.TrimLeft(s, " \t")
	switch nl {
	case "":
		return s == "" || s[0] == '\n' || strings.HasPrefix(s, "\r\n")
	case "\n":
		return s == "" || s[0] == '\n'
	}
	return s == "" || strings.HasPrefix(s, "\r\n")
}

func appendName(names []waf.Field, n string, dropped *bool) []waf.Field {
	if len(names) >= MaxContainerSize {
		*dropped = true
		return names
	}
	return append(names, waf.Field{Value: waf.String(n)})
}

// decodeExtValue decodes an RFC 2231/5987 value (charset'lang'percent-encoded)
// with the rules of Go's mime package, which decides what the application
// sees: the charset must be utf-8 or us-ascii and every escape valid, or the
// parameter is ignored (ok false).
func decodeExtValue(v string) (string, bool) {
	charset, rest, ok := strings.Cut(v, "'")
	if !ok {
		return "", false
	}
	if cs := strings.ToLower(charset); cs != "utf-8" && cs != "us-ascii" {
		return "", false
	}
	_, v, ok = strings.Cut(rest, "'")
	if !ok {
		return "", false
	}
	if strings.IndexByte(v, '%') < 0 {
		return v, true
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '%' {
			if i+2 >= len(v) {
				return "", false
			}
			d, ok := hexdigit.Pair(v[i+1], v[i+2])
			if !ok {
				return "", false
			}
			b.WriteByte(d)
			i += 2
			continue
		}
		b.WriteByte(v[i])
	}
	return b.String(), true
}

// decodeQP decodes a quoted-printable part, or returns it as it is when it
// is not valid quoted-printable (Go's reader would fail the request then).
func decodeQP(s string) string {
	var b strings.Builder
	if _, err := io.Copy(&b, quotedprintable.NewReader(strings.NewReader(s))); err != nil {
		return s
	}
	return b.String()
}
