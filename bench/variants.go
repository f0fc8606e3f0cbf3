package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"mime"
	"net/url"
	"strconv"
	"strings"

	"github.com/rampartsec/rampart/internal/corpus"
)

// The variants: every corpus request re-sent with the value that carries
// its payload (see payloadSlots) transformed, the rest of the request
// unchanged. Benign requests get the same transformations of their own
// longest user value, so that false positives are measured too.
//
//   - base64: the value Base64-encoded (standard alphabet, padded).
//   - base64url: the value Base64url-encoded without padding (the
//     encoding of JWT segments and URL-safe tokens).
//   - padded-8k, padded-64k: the value after at least 8 KiB / 64 KiB of
//     benign filler ("lorem ipsum " repeated) in the same value.
//   - deep-container: a JSON string field replaced by an array whose 300th
//     element is the value (299 short benign strings before it); only for
//     requests whose value is a JSON string field.
//   - removed: attacks only, the value replaced by "x": the control. What
//     an engine flags here it flags for something outside the chosen
//     value (a payload in the path or the method, the shape of the
//     request), so it bounds how much of each variant row is not about the
//     encoding at all.
var variantNames = []string{"base64", "base64url", "padded-8k", "padded-64k", "deep-container", "removed"}

// Filler sizes of the padded variants.
const (
	fillerWord  = "lorem ipsum "
	deepElement = 300 // the payload's position (1-based) in deep-container
)

var (
	filler8k  = strings.Repeat(fillerWord, (8<<10+len(fillerWord)-1)/len(fillerWord))
	filler64k = strings.Repeat(fillerWord, (64<<10+len(fillerWord)-1)/len(fillerWord))
	// deepPrefix is the JSON of the 299 elements before the payload.
	deepPrefix = func() string {
		var b strings.Builder
		b.WriteByte('[')
		for i := 1; i < deepElement; i++ {
			fmt.Fprintf(&b, `"item %d",`, i)
		}
		return b.String()
	}()
)

// slotKind is where a value sits in a request.
type slotKind string

const (
	inQuery     slotKind = "query"     // a query parameter value
	inForm      slotKind = "form"      // a URL-encoded form field value
	inJSON      slotKind = "json"      // a string field of a JSON body (not an object key)
	inMultipart slotKind = "multipart" // the content of a multipart part
	inXML       slotKind = "xml"       // a text node or attribute value of an XML body
	inBody      slotKind = "body"      // a whole body that is none of the above
	inCookie    slotKind = "cookie"    // a cookie value
	inHeader    slotKind = "header"    // a header value
)

// Where a slot's raw bytes are: the request target, the body, or the
// header with this index.
const (
	locURI  = -1
	locBody = -2
)

// slot is one value of a request: its kind, where its raw (encoded)
// bytes are, and the value as the application reads it.
type slot struct {
	kind       slotKind
	loc        int // locURI, locBody, or a header index
	start, end int // the raw bytes, in the URI, the body or the header value
	value      string
}

// skipHeaders are the headers that are never a payload's slot: the
// protocol's own (their values are parsed, not read as input) and the
// cookie header, whose values are slots of their own.
var skipHeaders = map[string]bool{
	"host": true, "content-type": true, "content-length": true, "transfer-encoding": true,
	"cookie": true, "connection": true,
}

// requestSlots returns every value of a request that a variant can carry:
// query values, cookie values, header values (but skipHeaders), and the
// body's values by its Content-Type: JSON string fields, form fields,
// multipart contents, XML text nodes and attribute values, else (other
// types, or a body that does not parse as its type) the whole body. The
// path is not a slot.
func requestSlots(r *corpus.Request) []slot {
	var out []slot
	if i := strings.IndexByte(r.Request.URI, '?'); i >= 0 {
		out = appendPairs(out, inQuery, locURI, r.Request.URI, i+1)
	}
	for hi, kv := range r.Request.Headers {
		name := strings.ToLower(kv[0])
		if name == "cookie" {
			out = appendCookies(out, hi, kv[1])
			continue
		}
		if skipHeaders[name] {
			continue
		}
		out = append(out, slot{kind: inHeader, loc: hi, start: 0, end: len(kv[1]), value: kv[1]})
	}
	body := r.Request.Body
	if body == "" {
		return out
	}
	mt, params, _ := mime.ParseMediaType(headerValue(r, "Content-Type"))
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		if s, ok := jsonStrings(body); ok {
			return append(out, s...)
		}
	case mt == "application/x-www-form-urlencoded":
		return appendPairs(out, inForm, locBody, body, 0)
	case strings.HasPrefix(mt, "multipart/") && params["boundary"] != "":
		if s, ok := multipartContents(body, params["boundary"]); ok {
			return append(out, s...)
		}
	case mt == "application/xml" || mt == "text/xml" || mt == "application/x-xml" || strings.HasSuffix(mt, "+xml"):
		if s, ok := xmlValues(body); ok {
			return append(out, s...)
		}
	}
	return append(out, slot{kind: inBody, loc: locBody, start: 0, end: len(body), value: body})
}

func headerValue(r *corpus.Request, name string) string {
	for _, kv := range r.Request.Headers {
		if strings.EqualFold(kv[0], name) {
			return kv[1]
		}
	}
	return ""
}

// appendPairs adds the values of the name=value pairs of s[from:]
// (separated by &), percent-decoded; a value that fails to decode is
// taken as it is, as lenient servers do.
func appendPairs(out []slot, kind slotKind, loc int, s string, from int) []slot {
	for pos := from; pos <= len(s); {
		end := strings.IndexByte(s[pos:], '&')
		if end < 0 {
			end = len(s)
		} else {
			end += pos
		}
		if eq := strings.IndexByte(s[pos:end], '='); eq >= 0 {
			v := s[pos+eq+1 : end]
			if u, err := url.QueryUnescape(v); err == nil {
				v = u
			}
			out = append(out, slot{kind: kind, loc: loc, start: pos + eq + 1, end: end, value: v})
		}
		pos = end + 1
	}
	return out
}

// appendCookies adds the values of a Cookie header (name=value; ...).
func appendCookies(out []slot, hi int, h string) []slot {
	for pos := 0; pos < len(h); {
		end := strings.IndexByte(h[pos:], ';')
		if end < 0 {
			end = len(h)
		} else {
			end += pos
		}
		if eq := strings.IndexByte(h[pos:end], '='); eq >= 0 {
			out = append(out, slot{kind: inCookie, loc: hi, start: pos + eq + 1, end: end, value: h[pos+eq+1 : end]})
		}
		pos = end + 1
	}
	return out
}

// jsonStrings returns the string fields of a JSON document (array
// elements and object values, at any depth; not keys), with the byte
// range of each string literal. ok is false when body is not one JSON
// value.
func jsonStrings(body string) (out []slot, ok bool) {
	dec := json.NewDecoder(strings.NewReader(body))
	type frame struct{ object, wantKey bool }
	var stack []frame
	values := 0
	for {
		before := int(dec.InputOffset())
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false
		}
		if d, isDelim := tok.(json.Delim); isDelim && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			continue
		}
		if len(stack) == 0 {
			if values++; values > 1 {
				return nil, false
			}
		}
		top := len(stack) - 1
		if top >= 0 && stack[top].object {
			if stack[top].wantKey {
				stack[top].wantKey = false
				continue // a key
			}
			stack[top].wantKey = true
		}
		switch t := tok.(type) {
		case json.Delim:
			stack = append(stack, frame{object: t == '{', wantKey: t == '{'})
		case string:
			start := before
			for start < len(body) && body[start] != '"' {
				start++
			}
			out = append(out, slot{kind: inJSON, loc: locBody, start: start, end: int(dec.InputOffset()), value: t})
		}
	}
	return out, values == 1
}

// xmlValues returns the text nodes (but those of white space only) and
// attribute values of an XML body. ok is false when it does not parse.
func xmlValues(body string) (out []slot, ok bool) {
	d := xml.NewDecoder(strings.NewReader(body))
	d.Strict = false // unknown entities (XXE's &xxe;) are kept as text
	for {
		before := int(d.InputOffset())
		tok, err := d.RawToken()
		if err == io.EOF {
			return out, true
		}
		if err != nil {
			return nil, false
		}
		after := int(d.InputOffset())
		switch t := tok.(type) {
		case xml.CharData:
			if strings.TrimSpace(string(t)) != "" {
				out = append(out, slot{kind: inXML, loc: locBody, start: before, end: after, value: string(t)})
			}
		case xml.StartElement:
			out = appendAttrs(out, body, before, after, t.Attr)
		}
	}
}

// appendAttrs adds the attribute values of the start tag body[from:to],
// attrs as the decoder read them, in order; none when the raw tag does
// not line up with them.
func appendAttrs(out []slot, body string, from, to int, attrs []xml.Attr) []slot {
	tag := body[from:to]
	pos := 1
	var add []slot
	for _, a := range attrs {
		eq := strings.IndexByte(tag[pos:], '=')
		if eq < 0 {
			return out
		}
		j := pos + eq + 1
		for j < len(tag) && (tag[j] == ' ' || tag[j] == '\t' || tag[j] == '\n' || tag[j] == '\r') {
			j++
		}
		if j >= len(tag) || (tag[j] != '"' && tag[j] != '\'') {
			return out
		}
		k := strings.IndexByte(tag[j+1:], tag[j])
		if k < 0 {
			return out
		}
		add = append(add, slot{kind: inXML, loc: locBody, start: from + j + 1, end: from + j + 1 + k, value: a.Value})
		pos = j + 1 + k + 1
	}
	return append(out, add...)
}

// multipartContents returns the content of every part of a multipart
// body. ok is false when the body has no delimiter line.
func multipartContents(body, boundary string) (out []slot, ok bool) {
	dash := "--" + boundary
	var delims []int // offsets of delimiter lines
	for pos := 0; ; {
		i := strings.Index(body[pos:], dash)
		if i < 0 {
			break
		}
		i += pos
		if i == 0 || body[i-1] == '\n' {
			delims = append(delims, i)
		}
		pos = i + len(dash)
	}
	for k := 0; k+1 < len(delims); k++ {
		d := delims[k]
		if strings.HasPrefix(body[d+len(dash):], "--") {
			break // the closing delimiter
		}
		nl := strings.IndexByte(body[d:], '\n')
		if nl < 0 || d+nl+1 > delims[k+1] {
			break
		}
		partStart := d + nl + 1
		partEnd := delims[k+1] - 1 // the \n before the next delimiter
		if partEnd > partStart && body[partEnd-1] == '\r' {
			partEnd--
		}
		if partEnd < partStart {
			continue
		}
		part := body[partStart:partEnd]
		hdrEnd := -1
		switch {
		case strings.HasPrefix(part, "\r\n"):
			hdrEnd = 2
		case strings.HasPrefix(part, "\n"):
			hdrEnd = 1
		default:
			if i := strings.Index(part, "\r\n\r\n"); i >= 0 {
				hdrEnd = i + 4
			} else if i := strings.Index(part, "\n\n"); i >= 0 {
				hdrEnd = i + 2
			}
		}
		if hdrEnd < 0 {
			continue
		}
		out = append(out, slot{kind: inMultipart, loc: locBody, start: partStart + hdrEnd, end: partEnd, value: part[hdrEnd:]})
	}
	return out, len(delims) > 0
}

// payloadSlots picks, for every request, the slot that carries its
// payload, or nil when none does. For an attack it is the longest slot
// value that is neither token-like (letters, digits, '.', '_', '-' only,
// after an optional "Bearer " or "Basic ": ids, numbers, session ids,
// JWTs) nor filler, a value that a benign request of the corpus also
// holds (the headers every client of the corpus sends, its User-Agent
// strings); attacks whose payload is elsewhere (the path, the method, a
// header of skipHeaders) get none. For a benign request it is its longest
// user value: the longest value that is not token-like, of the query, the
// body or a cookie, else of a header that no other benign request holds.
func payloadSlots(reqs []corpus.Request) []*slot {
	all := make([][]slot, len(reqs))
	benignIn := map[string]int{} // value -> benign requests holding it
	for i := range reqs {
		all[i] = requestSlots(&reqs[i])
		if reqs[i].Label == "attack" {
			continue
		}
		seen := map[string]bool{}
		for _, s := range all[i] {
			if !seen[s.value] {
				seen[s.value] = true
				benignIn[s.value]++
			}
		}
	}
	out := make([]*slot, len(reqs))
	for i := range reqs {
		benign := reqs[i].Label != "attack"
		var best *slot
		better := func(s *slot) bool { return best == nil || len(s.value) > len(best.value) }
		for k := range all[i] {
			s := &all[i][k]
			if tokenLike(s.value) || (!benign && benignIn[s.value] > 0) {
				continue
			}
			if benign && s.kind == inHeader {
				continue
			}
			if better(s) {
				best = s
			}
		}
		if benign && best == nil {
			for k := range all[i] {
				s := &all[i][k]
				if s.kind == inHeader && !tokenLike(s.value) && benignIn[s.value] == 1 && better(s) {
					best = s
				}
			}
		}
		out[i] = best
	}
	return out
}

// tokenLike reports whether v holds nothing a payload needs: only
// letters, digits, '.', '_' and '-', after an optional auth scheme.
func tokenLike(v string) bool {
	for _, p := range []string{"Bearer ", "Basic "} {
		if strings.HasPrefix(v, p) {
			v = v[len(p):]
			break
		}
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// variantApplies reports whether a variant is built for a request of this
// label whose payload is in s.
func variantApplies(name, label string, s *slot) bool {
	switch {
	case s == nil:
		return false
	case name == "deep-container":
		return s.kind == inJSON
	case name == "removed":
		return label == "attack"
	}
	return true
}

// makeVariant returns the request with the value in s transformed by the
// named variant; ok is false when the variant does not apply (see
// variantApplies) or is unknown. The Content-Length, if the request has
// one, is set to the new body's length.
func makeVariant(r *corpus.Request, s *slot, name string) (corpus.Request, bool) {
	if !variantApplies(name, r.Label, s) {
		return corpus.Request{}, false
	}
	var v string
	switch name {
	case "base64":
		v = base64.StdEncoding.EncodeToString([]byte(s.value))
	case "base64url":
		v = base64.RawURLEncoding.EncodeToString([]byte(s.value))
	case "padded-8k":
		v = filler8k + s.value
	case "padded-64k":
		v = filler64k + s.value
	case "deep-container", "removed":
		v = s.value
		if name == "removed" {
			v = "x"
		}
	default:
		return corpus.Request{}, false
	}
	var raw string
	switch s.kind {
	case inQuery, inForm:
		raw = url.QueryEscape(v)
	case inXML:
		var b strings.Builder
		_ = xml.EscapeText(&b, []byte(v))
		raw = b.String()
	case inJSON:
		raw = jsonQuote(v)
		if name == "deep-container" {
			raw = deepPrefix + raw + "]"
		}
	default:
		raw = v
	}
	out := *r
	out.ID = r.ID + "/" + name
	splice := func(s0 string) string { return s0[:s.start] + raw + s0[s.end:] }
	out.Request.Headers = append([][2]string(nil), r.Request.Headers...)
	switch s.loc {
	case locURI:
		out.Request.URI = splice(r.Request.URI)
	case locBody:
		out.Request.Body = splice(r.Request.Body)
		for i, kv := range out.Request.Headers {
			if strings.EqualFold(kv[0], "Content-Length") {
				out.Request.Headers[i][1] = strconv.Itoa(len(out.Request.Body))
			}
		}
	default:
		out.Request.Headers[s.loc][1] = splice(r.Request.Headers[s.loc][1])
	}
	return out, true
}

// jsonQuote returns v as a JSON string literal, without escaping <, >
// and & (as most JSON clients send them).
func jsonQuote(v string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSuffix(b.String(), "\n")
}
