package engines

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"strconv"
	"strings"

	"github.com/rampartsec/rampart/internal/corpus"
)

// Wire returns the request's headers as a server would receive them: the
// corpus headers in order, plus a Content-Length when the request has a
// body and neither Content-Length nor Transfer-Encoding (many CRS
// regression requests leave it out; a real client always sends one).
func Wire(r *corpus.Request) [][2]string {
	h := r.Request.Headers
	if r.Request.Body == "" {
		return h
	}
	for _, kv := range h {
		if strings.EqualFold(kv[0], "Content-Length") || strings.EqualFold(kv[0], "Transfer-Encoding") {
			return h
		}
	}
	out := make([][2]string, len(h), len(h)+1)
	copy(out, h)
	return append(out, [2]string{"Content-Length", strconv.Itoa(len(r.Request.Body))})
}

// header returns the first value of a header, case-insensitively.
func header(h [][2]string, name string) string {
	for _, kv := range h {
		if strings.EqualFold(kv[0], name) {
			return kv[1]
		}
	}
	return ""
}

// splitURI splits a raw request target into its path and raw query.
func splitURI(uri string) (path, rawQuery string) {
	if i := strings.IndexByte(uri, '?'); i >= 0 {
		return uri[:i], uri[i+1:]
	}
	return uri, ""
}

// parseQuery decodes a query string leniently: a pair that fails to
// unescape is kept raw rather than dropped, since attacks often carry
// malformed escapes.
func parseQuery(raw string) map[string][]string {
	out := map[string][]string{}
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		out[unescape(k)] = append(out[unescape(k)], unescape(v))
	}
	return out
}

func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// parseCookies splits every Cookie header into name → values.
func parseCookies(h [][2]string) map[string][]string {
	out := map[string][]string{}
	for _, kv := range h {
		if !strings.EqualFold(kv[0], "Cookie") {
			continue
		}
		for part := range strings.SplitSeq(kv[1], ";") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			k, v, _ := strings.Cut(part, "=")
			out[k] = append(out[k], v)
		}
	}
	return out
}

// parseBody decodes a body the way an integration with body inspection
// does: JSON into generic values, URL-encoded and multipart forms into
// name → values; anything else (XML, text, unknown or malformed) is
// passed as its raw text. It returns nil for an empty body.
func parseBody(contentType, body string) any {
	if body == "" {
		return nil
	}
	mt, params, _ := mime.ParseMediaType(contentType)
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		d := json.NewDecoder(strings.NewReader(body))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err == nil {
			return jsonNumbers(v)
		}
	case mt == "application/x-www-form-urlencoded":
		return parseQuery(body)
	case mt == "multipart/form-data" && params["boundary"] != "":
		if f := parseMultipart(body, params["boundary"]); f != nil {
			return f
		}
	}
	return body
}

// jsonNumbers turns json.Number into float64 or int64, the scalar types
// that encoders of generic Go values understand.
func jsonNumbers(v any) any {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		if f, err := t.Float64(); err == nil {
			return f
		}
		return string(t)
	case map[string]any:
		for k, e := range t {
			t[k] = jsonNumbers(e)
		}
	case []any:
		for i, e := range t {
			t[i] = jsonNumbers(e)
		}
	}
	return v
}

// parseMultipart returns the form fields of a multipart body (file parts
// contribute their content under the field name), or nil when the body
// is not valid multipart.
func parseMultipart(body, boundary string) map[string][]string {
	mr := multipart.NewReader(strings.NewReader(body), boundary)
	out := map[string][]string{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if len(out) == 0 {
				return nil
			}
			break
		}
		var b bytes.Buffer
		_, _ = io.Copy(&b, io.LimitReader(p, 1<<20))
		name := p.FormName()
		out[name] = append(out[name], b.String())
	}
	return out
}
