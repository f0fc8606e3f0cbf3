package httpinput

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rampartsec/rampart/internal/corpus"
	"github.com/rampartsec/rampart/waf"
)

func corpusRequest(c *corpus.Request) *Request {
	return &Request{
		Method:     c.Request.Method,
		URI:        c.Request.URI,
		Headers:    c.Request.Headers,
		Body:       []byte(c.Request.Body),
		RemoteAddr: c.Request.ClientIP,
	}
}

func contentType(hs [][2]string) string {
	for _, h := range hs {
		if strings.EqualFold(h[0], "content-type") {
			return h[1]
		}
	}
	return ""
}

// TestCorpus runs Build and BuildBody over every corpus request. It checks
// that the output stays within the limits and the size of the input, and
// compares the body parsers with the standard library's on every body: a
// body that encoding/json, mime/multipart or encoding/xml accepts must parse
// here, into the same values. Syntax errors are counted by content type.
func TestCorpus(t *testing.T) {
	reqs := corpus.Requests(t)
	type count struct{ bodies, syntax, truncated int }
	counts := map[string]*count{}
	for i := range reqs {
		c := &reqs[i]
		r := corpusRequest(c)
		as, err := Build(r, nil, nil)
		if err != nil {
			t.Errorf("%s: Build: %v", c.ID, err)
		}
		if _, ok := addr(as, waf.AddrClientIP); !ok && c.Request.ClientIP != "" {
			t.Errorf("%s: no client ip for %q", c.ID, c.Request.ClientIP)
		}
		n := len(as)
		as, err = BuildBody(r, nil, as)
		ct := contentType(r.Headers)
		mt, params := mediaType(ct)
		var se *SyntaxError
		if len(r.Body) > 0 {
			k := mt
			if !isJSONType(mt) && !isXMLType(mt) && !strings.HasPrefix(mt, "multipart/") && mt != "application/x-www-form-urlencoded" {
				k = "raw (" + mt + ")"
			}
			if counts[k] == nil {
				counts[k] = &count{}
			}
			counts[k].bodies++
			switch {
			case errors.As(err, &se):
				counts[k].syntax++
			case errors.Is(err, ErrTruncated):
				counts[k].truncated++
			case err != nil:
				t.Errorf("%s: unexpected error %v", c.ID, err)
			}
		}

		inBytes := len(r.URI) + len(r.Body) + len(r.RemoteAddr)
		for _, h := range r.Headers {
			inBytes += len(h[0]) + len(h[1])
		}
		nodes, strBytes := 0, 0
		for _, a := range as {
			if d, w := shape(a.Value); d > MaxDepth || w > MaxContainerSize {
				t.Errorf("%s: %s has depth %d, widest container %d", c.ID, a.Name, d, w)
			}
			nd, sb := size(a.Value)
			nodes += nd
			strBytes += sb
		}
		// Every node comes from at least one input byte (plus the fixed
		// addresses); decoding only shrinks strings, and a file name is
		// stored twice (its part and the filenames list).
		if nodes > inBytes+16 || strBytes > 2*inBytes+64 {
			t.Errorf("%s: %d nodes, %d string bytes from %d input bytes", c.ID, nodes, strBytes, inBytes)
		}

		if len(r.Body) == 0 {
			continue
		}
		body, _ := addr(as[n:], waf.AddrBody)
		switch {
		case isJSONType(mt):
			compareJSON(t, c.ID, r.Body, body, se)
		case strings.HasPrefix(mt, "multipart/"):
			compareMultipart(t, c.ID, r.Body, param(params, "boundary"), body, se)
		case isXMLType(mt):
			if xmlWellFormed(r.Body) && se != nil {
				t.Errorf("%s: encoding/xml accepts the body, we fail: %v", c.ID, se)
			}
		}
	}
	var keys []string
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	t.Logf("%d requests; bodies by content type (parsed / syntax errors, inspected as text / truncated):", len(reqs))
	for _, k := range keys {
		c := counts[k]
		t.Logf("  %-40s %5d / %4d / %d", k, c.bodies-c.syntax, c.syntax, c.truncated)
	}
}

// size returns the number of nodes of v and the bytes of its strings and keys.
func size(v waf.Value) (nodes, bytes int) {
	nodes, bytes = 1, len(v.Str())
	for i := range v.Len() {
		f := v.Index(i)
		n, b := size(f.Value)
		nodes += n
		bytes += b + len(f.Key)
	}
	return nodes, bytes
}

func compareJSON(t *testing.T, id string, body []byte, got waf.Value, se *SyntaxError) {
	t.Helper()
	valid := json.Valid(body)
	if valid != (se == nil) && !bytes.HasPrefix(body, []byte("\uFEFF")) {
		t.Errorf("%s: json.Valid = %v, our error = %v", id, valid, se)
		return
	}
	if !valid || !utf8.Valid(body) { // encoding/json replaces invalid UTF-8; we keep bytes
		return
	}
	want, err := refJSON(json.NewDecoder(bytes.NewReader(body)))
	if err != nil {
		t.Fatalf("%s: reference: %v", id, err)
	}
	if d, w := shape(want); d > MaxDepth || w > MaxContainerSize {
		return // the reference is not truncated
	}
	if render(got) != render(want) {
		t.Errorf("%s: JSON\n got %s\nwant %s", id, render(got), render(want))
	}
}

// refJSON builds a value from encoding/json's tokens, the reference for
// the JSON parser.
func refJSON(d *json.Decoder) (waf.Value, error) {
	d.UseNumber()
	tok, err := d.Token()
	if err != nil {
		return waf.Value{}, err
	}
	switch tok := tok.(type) {
	case json.Delim:
		var fs []waf.Field
		for d.More() {
			var f waf.Field
			if tok == '{' {
				k, err := d.Token()
				if err != nil {
					return waf.Value{}, err
				}
				f.Key = k.(string)
			}
			if f.Value, err = refJSON(d); err != nil {
				return waf.Value{}, err
			}
			fs = append(fs, f)
		}
		if _, err := d.Token(); err != nil {
			return waf.Value{}, err
		}
		if tok == '{' {
			return waf.Map(fs), nil
		}
		return waf.List(fs), nil
	case string:
		return waf.String(tok), nil
	case json.Number:
		return waf.Number(string(tok)), nil
	case bool:
		return waf.Bool(tok), nil
	}
	return waf.Null(), nil
}

// compareMultipart checks the parts against mime/multipart when it reads the
// body without error: same names, same field values, same file names.
func compareMultipart(t *testing.T, id string, body []byte, boundary string, got waf.Value, se *SyntaxError) {
	t.Helper()
	if boundary == "" {
		return
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	var want []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return // not valid for Go either
		}
		content, err := io.ReadAll(p)
		if err != nil {
			return
		}
		_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
		if err != nil {
			return
		}
		if fn := params["filename"]; fn != "" {
			want = append(want, fmt.Sprintf("%q F %q", params["name"], fn))
		} else {
			want = append(want, fmt.Sprintf("%q V %q", params["name"], content))
		}
	}
	// mime/multipart reports a body cut inside a part's headers as a clean
	// end (io.EOF); we inspect such a body as text. Compare only bodies
	// that end with their closing delimiter.
	if len(want) > MaxParts || !bytes.Contains(body, []byte("\n--"+boundary+"--")) {
		return
	}
	if se != nil {
		t.Errorf("%s: mime/multipart reads %d parts, we fail: %v", id, len(want), se)
		return
	}
	var have []string
	for i := range got.Len() {
		f := got.Index(i)
		for j := range f.Value.Len() {
			v := f.Value.Index(j).Value
			if v.Kind() == waf.KindMap {
				fn, _ := v.Get("filename")
				have = append(have, fmt.Sprintf("%q F %q", f.Key, fn.Str()))
			} else {
				have = append(have, fmt.Sprintf("%q V %q", f.Key, v.Str()))
			}
		}
	}
	slices.Sort(want)
	slices.Sort(have)
	if !slices.Equal(want, have) {
		t.Errorf("%s: multipart\n got %q\nwant %q", id, have, want)
	}
}

// xmlWellFormed reports whether encoding/xml reads body in strict mode
// (undefined entities aside, which we keep as text).
func xmlWellFormed(body []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	for {
		if _, err := d.Token(); err != nil {
			return err == io.EOF
		}
	}
}
