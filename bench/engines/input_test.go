package engines

import (
	"reflect"
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
)

func request(method, uri, body string, headers ...[2]string) *corpus.Request {
	var r corpus.Request
	r.Request.Method, r.Request.URI, r.Request.Body, r.Request.Headers = method, uri, body, headers
	r.Request.ClientIP = "203.0.113.7"
	return &r
}

func TestWireAddsContentLength(t *testing.T) {
	r := request("POST", "/", "a=1", [2]string{"Host", "x"})
	if got := Wire(r); len(got) != 2 || got[1] != [2]string{"Content-Length", "3"} {
		t.Errorf("Wire = %v, want a Content-Length of 3 appended", got)
	}
	r = request("POST", "/", "a=1", [2]string{"content-length", "3"})
	if got := Wire(r); len(got) != 1 {
		t.Errorf("Wire = %v, want the request's own Content-Length only", got)
	}
	r = request("GET", "/", "", [2]string{"Host", "x"})
	if got := Wire(r); len(got) != 1 {
		t.Errorf("Wire = %v, want no Content-Length without a body", got)
	}
}

func TestParseQueryKeepsMalformedEscapes(t *testing.T) {
	got := parseQuery("a=1&a=%zz%27&b=%3Cx%3E&&c")
	want := map[string][]string{"a": {"1", "%zz%27"}, "b": {"<x>"}, "c": {""}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseQuery = %v, want %v", got, want)
	}
}

func TestParseBody(t *testing.T) {
	for _, tc := range []struct {
		ct, body string
		want     any
	}{
		{"application/json", `{"q":["x",1,2.5,true,null]}`, map[string]any{"q": []any{"x", int64(1), 2.5, true, nil}}},
		{"application/vnd.api+json; charset=utf-8", `[1]`, []any{int64(1)}},
		{"application/json", `{"q":`, `{"q":`}, // malformed: raw text
		{"application/x-www-form-urlencoded", "a=%27or%201&b=2", map[string][]string{"a": {"'or 1"}, "b": {"2"}}},
		{"multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nv1\r\n--XX--\r\n", map[string][]string{"f": {"v1"}}},
		{"application/xml", "<a>1</a>", "<a>1</a>"},
		{"text/plain", "", nil},
	} {
		if got := parseBody(tc.ct, tc.body); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseBody(%q, %q) = %#v, want %#v", tc.ct, tc.body, got, tc.want)
		}
	}
}

func TestAddressMap(t *testing.T) {
	r := request("POST", "/p?id=1%27", `{"a":"b"}`,
		[2]string{"Host", "x"}, [2]string{"Cookie", "s=1; t=2"}, [2]string{"X-A", "1"}, [2]string{"x-a", "2"},
		[2]string{"Content-Type", "application/json"})
	m := AddressMap(r)
	if m["server.request.method"] != "POST" || m["server.request.uri.raw"] != "/p?id=1%27" || m["http.client_ip"] != "203.0.113.7" {
		t.Errorf("scalars: %v", m)
	}
	h := m["server.request.headers.no_cookies"].(map[string][]string)
	if _, ok := h["cookie"]; ok || !reflect.DeepEqual(h["x-a"], []string{"1", "2"}) || h["content-length"][0] != "9" {
		t.Errorf("headers = %v", h)
	}
	if c := m["server.request.cookies"].(map[string][]string); !reflect.DeepEqual(c, map[string][]string{"s": {"1"}, "t": {"2"}}) {
		t.Errorf("cookies = %v", c)
	}
	if q := m["server.request.query"].(map[string][]string); q["id"][0] != "1'" {
		t.Errorf("query = %v", q)
	}
	if b := m["server.request.body"].(map[string]any); b["a"] != "b" {
		t.Errorf("body = %v", b)
	}
}
