package httpinput

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/waf"
)

func sinkStrings(s *SinkInputs, name string, keyPath ...string) []string {
	var out []string
	s.Strings(name, keyPath, func(str string) { out = append(out, str) })
	return out
}

func TestSinkInputsHaveNoWAFLimits(t *testing.T) {
	var q strings.Builder
	for i := range 1500 {
		fmt.Fprintf(&q, "p%d=v%d&", i, i)
	}
	q.WriteString("name=x%27+OR+%271%27%3D%271")
	var j strings.Builder
	j.WriteString(`{"big":"` + strings.Repeat("a", 8000) + `' OR 1=1",`)
	for i := range 300 {
		fmt.Fprintf(&j, `"k%d":%d,`, i, i)
	}
	j.WriteString(`"deep":` + strings.Repeat("[", 2000) + `"bottom"` + strings.Repeat("]", 2000) + `,`)
	j.WriteString(`"` + strings.Repeat("k", 1<<20) + `":1,"last":"after the huge key"}`)
	r := &Request{
		Method: "POST", URI: "/x?" + q.String(),
		Headers: [][2]string{{"Content-Type", "text/plain"}, {"User-Agent", "ua' --"}, {"Cookie", "a=1; sid=c'--"}},
		Body:    []byte(j.String()),
	}
	s := NewSinkInputs(r, nil)
	if got := sinkStrings(s, waf.AddrQuery); !slices.Contains(got, "x' OR '1'='1") || len(got) != 1501 {
		t.Errorf("query: %d strings, last %q", len(got), got[len(got)-1])
	}
	body := sinkStrings(s, waf.AddrBody)
	for _, want := range []string{strings.Repeat("a", 8000) + "' OR 1=1", "bottom", "after the huge key", j.String()} {
		if !slices.Contains(body, want) {
			t.Errorf("body: %.40q missing", want)
		}
	}
	if got := sinkStrings(s, waf.AddrHeaders, "user-agent"); !slices.Equal(got, []string{"ua' --"}) {
		t.Errorf("user-agent: %q", got)
	}
	if got := sinkStrings(s, waf.AddrCookies); !slices.Contains(got, "c'--") {
		t.Errorf("cookies: %q", got)
	}
	if p, ok := s.Locate(waf.AddrBody, nil, "bottom"); !ok || len(p) != 2001 || p[0] != "deep" {
		t.Errorf("Locate bottom: %d elements, %v", len(p), ok)
	}
	if p, ok := s.Locate(waf.AddrQuery, nil, "x' OR '1'='1"); !ok || !slices.Equal(p, []string{"name"}) {
		t.Errorf("Locate name: %q %v", p, ok)
	}
	if s.Strings("server.io.fs.file", nil, func(string) {}) {
		t.Error("an address the source does not hold")
	}
}

func TestSinkInputsBodyShapes(t *testing.T) {
	cases := []struct {
		name, ctype, body string
		want              []string
		keyPath           []string
	}{
		{"json unlabelled", "", `{"a":{"b":["x","y\u0027"]},"k' OR 1=1":1}`, []string{"x", "y'", "k' OR 1=1"}, nil},
		{"json key path", "", `{"a":{"b":["x","y"]},"c":"z"}`, []string{"x", "y"}, []string{"a", "b"}},
		{"json in a json string", "application/json", `{"data":"{\"name\":\"n' OR 1=1\"}"}`, []string{"n' OR 1=1"}, nil},
		{"json truncated", "application/json", `{"a":"first","b":"sec`, []string{"first"}, nil},
		{"form unlabelled", "", `url=http%3A%2F%2F127.0.0.1%2F&x=1`, []string{"http://127.0.0.1/", "1"}, nil},
		{"multipart unlabelled", "", "--XyZ\r\nContent-Disposition: form-data; name=\"host\"\r\n\r\n;id\r\n--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"../../etc/passwd\"\r\n\r\ndata\r\n--XyZ--\r\n", []string{";id", "../../etc/passwd", "data"}, nil},
		{"xml", "text/xml", `<a x="1&apos;--"><b>t&lt;x</b><![CDATA[c']]></a>`, []string{"1'--", "t<x", "c'"}, nil},
		{"text", "text/plain", `just ' text`, []string{"just ' text"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := &Request{Method: "POST", URI: "/", Body: []byte(c.body)}
			if c.ctype != "" {
				r.Headers = [][2]string{{"Content-Type", c.ctype}}
			}
			got := sinkStrings(NewSinkInputs(r, nil), waf.AddrBody, c.keyPath...)
			for _, w := range c.want {
				if !slices.Contains(got, w) {
					t.Errorf("missing %q in %q", w, got)
				}
			}
			if c.keyPath != nil && len(got) != len(c.want) {
				t.Errorf("key path %q: %q, want %q", c.keyPath, got, c.want)
			}
		})
	}
}

// TestSinkInputsSeeWhatTheHandlerReads: a body longer than the WAF's
// inspection limit is seen by the sinks as far as the handler read it, up
// to SinkBodyLimit.
func TestSinkInputsSeeWhatTheHandlerReads(t *testing.T) {
	body := `{"pad":"` + strings.Repeat("p", 3000) + `","name":"x' OR '1'='1"}`
	hr := httptest.NewRequest("POST", "/users", strings.NewReader(body))
	o := &Options{BodyLimit: 1024, SinkBodyLimit: 4096}
	in, err := FromHTTP(hr, o)
	if err != nil {
		t.Fatal(err)
	}
	s := NewSinkInputs(in, o)
	before := s.Gen()
	if got := sinkStrings(s, waf.AddrBody); slices.Contains(got, "x' OR '1'='1") {
		t.Fatal("seen before the handler read it")
	}
	b, _ := io.ReadAll(hr.Body)
	if string(b) != body {
		t.Fatal("the handler did not read the body unchanged")
	}
	if s.Gen() == before {
		t.Error("Gen did not change")
	}
	if got := sinkStrings(s, waf.AddrBody); !slices.Contains(got, "x' OR '1'='1") {
		t.Errorf("not seen after the handler read it: %.100q", got)
	}
	// The limit holds.
	hr = httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("z", 10000)))
	in, _ = FromHTTP(hr, o)
	io.ReadAll(hr.Body)
	if got := NewSinkInputs(in, o).body(); len(got) != 4096 {
		t.Errorf("kept %d bytes, want 4096", len(got))
	}
}

// FuzzSinkJSON: every key and string that encoding/json finds in a valid
// document is among the sink inputs, whatever the nesting and the label.
func FuzzSinkJSON(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `[1,"x",{"k":[true,null,"y"]}]`, `"s"`, `{"a":{"b":{"c":"d"}},"e":[[],{}]}`, `{"\u00e9":"\ud83d\ude00"}`, `{"x":"{\"y\":\"z\"}"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		r := &Request{Method: "POST", URI: "/", Body: []byte(doc)}
		got := map[string]bool{}
		NewSinkInputs(r, nil).Strings(waf.AddrBody, nil, func(s string) { got[s] = true })
		var v any
		if json.Unmarshal([]byte(doc), &v) != nil {
			return
		}
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case string:
				if !got[v] {
					t.Fatalf("string %q of %q not seen", v, doc)
				}
			case []any:
				for _, e := range v {
					walk(e)
				}
			case map[string]any:
				for k, e := range v {
					if !got[k] && !waf.PlainKey(k) {
						t.Fatalf("key %q of %q not seen", k, doc)
					}
					walk(e)
				}
			}
		}
		walk(v)
	})
}
