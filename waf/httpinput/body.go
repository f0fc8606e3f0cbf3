package httpinput

import (
	"errors"
	"strings"
	"time"

	"github.com/rampartsec/rampart/waf"
)

// Body parses a request body according to its Content-Type and returns the
// value of server.request.body and that of server.request.body.filenames
// (a list of strings, or null when the body names no file).
//
//   - JSON (application/json, text/json, application/x-json,
//     application/csp-report, any +json type; GraphQL requests included):
//     maps (keys in order, repeats kept), lists, strings (unescaped),
//     numbers (their text), booleans and null.
//   - application/x-www-form-urlencoded: like the query, a map from each
//     name to the list of its decoded values.
//   - multipart/* with a boundary: a map from each part's name to the list
//     of its values; a file part's value is a map {"filename",
//     "content_type", "content"} where content is at most MaxFilePrefix
//     bytes and only present when they look like text. File names (from
//     filename and filename*) also go to the filenames list.
//     Quoted-printable parts are decoded, as Go's mime/multipart does.
//   - XML (text/xml, application/xml, application/x-xml, any +xml type): a
//     map of the document's top-level items in order: "#doctype" (the
//     DOCTYPE as written, "<!DOCTYPE ...>", internal subset and ENTITY
//     declarations included, so that rules see an XXE attempt), "#directive"
//     (other <!...>), "#comment", "?target" (processing instructions other
//     than the XML declaration) and the root element under its name. An
//     element with no attribute, child or comment is the string of its text;
//     any other is a map of "@attr" → value, child name → child, "#text" →
//     each text run that is not only blanks, and "#comment", in document
//     order. Names keep their prefix as written ("soap:Body"). Entities are
//     never resolved: the predefined ones and character references are
//     decoded, any other (&xxe;) stays as written. Elements too deep for
//     MaxDepth add their attributes and text to the deepest map.
//   - anything else (text/plain, no Content-Type, unknown types): the body
//     as one string.
//
// Content-Type parameters other than the boundary are ignored, charset
// included: bytes are taken as UTF-8. Only the first Options.BodyLimit bytes
// are parsed; when body is longer, the partial body is parsed as far as it
// goes (an unfinished string or container is kept as it stands) and the
// error wraps ErrTruncated. When the body does not parse as its type, it is
// returned as one string and the error is a *SyntaxError. Parts dropped at
// a limit are reported with ErrTruncated. The values are usable in every
// case; the error is for the caller to log or count.
func Body(contentType string, body []byte, o *Options) (waf.Value, waf.Value, error) {
	return BodyUntil(contentType, body, o, time.Time{})
}

// ErrDeadline is matched (errors.Is) by the error of BodyUntil when the
// parse stopped at its deadline; the values hold what was parsed by then.
var ErrDeadline = errors.New("httpinput: body parse stopped at the time budget")

// BodyUntil is Body with a deadline (zero: none): the formats whose
// parsing can cost more than a few milliseconds per megabyte (XML) stop
// when it passes, keep what they read, and the error wraps ErrDeadline.
// JSON, forms and multipart are parsed in time linear in their size at
// about 2–4 ms per MiB and are bounded by Options.BodyLimit.
func BodyUntil(contentType string, body []byte, o *Options, deadline time.Time) (waf.Value, waf.Value, error) {
	o = o.orDefault()
	limit := o.bodyLimit()
	if limit == 0 {
		return waf.Null(), waf.Null(), nil
	}
	truncated := false
	if len(body) > limit {
		body, truncated = body[:limit], true
	}
	s := string(body) // one copy; every string below is a slice of it when it can be
	var (
		v, files waf.Value
		dropped  bool
		serr     *SyntaxError
		format   string
	)
	mt, params := mediaType(contentType)
	switch {
	case isJSONType(mt):
		format = "json"
		v, dropped, serr = parseJSON(s, truncated)
	case mt == "application/x-www-form-urlencoded":
		format = "form"
		a := newArena(3 * min(countPairs(s, '&'), MaxParams))
		v, dropped = parseURLEncoded(&a, s, '&')
	case strings.HasPrefix(mt, "multipart/"):
		format = "multipart"
		v, files, dropped, serr = parseMultipart(s, param(params, "boundary"), truncated)
	case isXMLType(mt):
		format = "xml"
		var late bool
		v, dropped, serr = parseXML(s, truncated, deadline, &late)
		if late && serr == nil {
			return v, waf.Null(), ErrDeadline
		}
	default:
		v = waf.String(s)
	}
	if serr != nil {
		v, files = waf.String(s), waf.Null()
	}
	switch {
	case serr != nil && truncated:
		return v, files, joinErr(serr, &LimitError{What: "body", Limit: limit})
	case serr != nil:
		return v, files, serr
	case truncated:
		return v, files, &LimitError{What: "body", Limit: limit}
	case dropped:
		return v, files, &LimitError{What: format, Limit: MaxContainerSize}
	}
	return v, files, nil
}

// joinErr joins two errors; a separate function keeps errors.Join's variadic
// slice off the common path.
func joinErr(a, b error) error {
	return &joined{a, b}
}

type joined struct{ a, b error }

func (j *joined) Error() string   { return j.a.Error() + "; " + j.b.Error() }
func (j *joined) Unwrap() []error { return []error{j.a, j.b} }

// mediaType splits a Content-Type into its lower-case media type and the rest
// (the parameters). It never fails: garbage yields garbage that matches no
// known type.
func mediaType(ct string) (string, string) {
	mt, params, _ := strings.Cut(ct, ";")
	return strings.ToLower(strings.TrimSpace(mt)), params
}

// param returns the value of the named parameter in a ";"-separated list of
// name=value pairs, unquoted, or "". Malformed pairs are skipped.
func param(params, name string) string {
	for params != "" {
		params = strings.TrimLeft(params, " \t;")
		seg := params
		if semi := strings.IndexByte(params, ';'); semi >= 0 {
			seg = params[:semi]
		}
		eq := strings.IndexByte(seg, '=')
		if eq < 0 { // a parameter without a value
			params = params[len(seg):]
			continue
		}
		k := strings.TrimSpace(params[:eq])
		v, rest := paramValue(params[eq+1:])
		if strings.EqualFold(k, name) {
			return v
		}
		params = rest
	}
	return ""
}

// paramValue reads a token or a quoted string at the start of s and returns
// it and what follows the next ';'. In a quoted string a backslash escapes
// the special characters of RFC 2045 only, as Go's mime package does, so
// that a Windows path sent with plain backslashes keeps them.
func paramValue(s string) (string, string) {
	s = strings.TrimLeft(s, " \t")
	if s == "" || s[0] != '"' {
		v, rest, _ := strings.Cut(s, ";")
		return strings.TrimSpace(v), rest
	}
	end := -1
	esc := false
	for i := 1; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && isTSpecial(s[i+1]) {
			esc = true
			i++
			continue
		}
		if s[i] == '"' {
			end = i
			break
		}
	}
	if end < 0 { // unterminated: take the rest
		end = len(s)
	}
	v := s[1:end]
	rest := ""
	if end < len(s) {
		if i := strings.IndexByte(s[end:], ';'); i >= 0 {
			rest = s[end+i+1:]
		}
	}
	if esc {
		var b strings.Builder
		for i := 0; i < len(v); i++ {
			if v[i] == '\\' && i+1 < len(v) && isTSpecial(v[i+1]) {
				i++
			}
			b.WriteByte(v[i])
		}
		v = b.String()
	}
	return v, rest
}

func isTSpecial(c byte) bool { return strings.IndexByte(`()<>@,;:\\"/[]?=`, c) >= 0 }

func isJSONType(mt string) bool {
	switch mt {
	case "application/json", "text/json", "application/x-json", "application/csp-report":
		return true
	}
	return strings.HasSuffix(mt, "+json")
}

func isXMLType(mt string) bool {
	switch mt {
	case "application/xml", "text/xml", "application/x-xml":
		return true
	}
	return strings.HasSuffix(mt, "+xml")
}
