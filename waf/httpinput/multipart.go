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
	// The first delimiter: at the start of the body or of a line.
	pos := -1
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
					return waf.Map(nil), waf.Null(), false, nil
				}
			} else if isDelimiterEnd(rest, "") {
				pos = i
				break
			}
		}
		from = i + len(dash)
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
	nlDash := nl + dash

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
		// Headers, up to an empty line.
		var disp, ctype, cte string
		var seen [3]bool
		var last *string // the header a folded line continues
		hdrEnd := -1
		atEOF := false
		for p := pos; p-pos <= MaxPartHeaderBytes; {
			e := strings.IndexByte(s[p:], '\n')
			if e < 0 {
				atEOF = true
				break
			}
			line := strings.TrimSuffix(s[p:p+e], "\r")
			p += e + 1
			if line == "" {
				hdrEnd = p
				break
			}
			if line[0] == ' ' || line[0] == '\t' {
				// A folded line continues the previous header, as
				// net/textproto reads it; it cannot start the block.
				if p-e-1 == pos {
					return waf.Value{}, waf.Value{}, false, &SyntaxError{Format: "multipart", Offset: pos, Msg: "malformed part header line"}
				}
				if last != nil {
					*last += " " + strings.TrimSpace(line)
				}
				continue
			}
			name, val, ok := strings.Cut(line, ":")
			if !ok { // mime/multipart fails on it too; inspect the body as text
				return waf.Value{}, waf.Value{}, false, &SyntaxError{Format: "multipart", Offset: p - e - 1, Msg: "malformed part header line"}
			}
			// The first of repeated headers counts, as for mime/multipart.
			val = strings.TrimSpace(val)
			last = nil
			switch name = strings.TrimSpace(name); {
			case !seen[0] && strings.EqualFold(name, "content-disposition"):
				disp, seen[0], last = val, true, &disp
			case !seen[1] && strings.EqualFold(name, "content-type"):
				ctype, seen[1], last = val, true, &ctype
			case !seen[2] && strings.EqualFold(name, "content-transfer-encoding"):
				cte, seen[2], last = val, true, &cte
			}
		}
		if hdrEnd < 0 {
			if truncated || atEOF {
				// Headers cut by the end of the body: mime/multipart reads
				// that as the end of the parts, and so does the application.
				break
			}
			return waf.Value{}, waf.Value{}, false, &SyntaxError{Format: "multipart", Offset: pos, Msg: "unterminated part headers"}
		}
		pos = hdrEnd
		// Content, up to the next delimiter line.
		end, next := -1, -1
		if strings.HasPrefix(s[pos:], dash) && isDelimiterEnd(s[pos+len(dash):], nl) {
			end, next = pos, pos+len(dash) // empty content, as mime/multipart allows
		}
		for from := pos; end < 0 && from < len(s); {
			i := strings.Index(s[from:], nlDash)
			if i < 0 {
				break
			}
			i += from
			if isDelimiterEnd(s[i+len(nlDash):], nl) {
				end, next = i, i+len(nlDash)
				break
			}
			from = i + len(nlDash)
		}
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
		if strings.EqualFold(cte, "quoted-printable") {
			content = decodeQP(content)
		}

		_, dparams := mediaType(disp)
		name := param(dparams, "name")
		filename := param(dparams, "filename")
		if ext, ok := decodeExtValue(param(dparams, "filename*")); ok {
			if filename != "" && filename != ext {
				names = appendName(names, filename, &dropped)
			}
			filename = ext
		}
		if filename == "" {
			pairs[k] = waf.Field{Key: name, Value: waf.String(content)}
		} else {
			names = appendName(names, filename, &dropped)
			f := a.alloc(3)
			f[0] = waf.Field{Key: "filename", Value: waf.String(filename)}
			f[1] = waf.Field{Key: "content_type", Value: waf.String(ctype)}
			n := 2
			if prefix := content[:min(len(content), MaxFilePrefix)]; prefix != "" && strings.IndexByte(prefix, 0) < 0 {
				f[2] = waf.Field{Key: "content", Value: waf.String(prefix)}
				n = 3
			}
			pairs[k] = waf.Field{Key: name, Value: waf.Map(f[:n:n])}
		}
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
