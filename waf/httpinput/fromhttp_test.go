package httpinput

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/waf"
)

func TestFromHTTPServer(t *testing.T) {
	const limit = 4096
	o := &Options{BodyLimit: limit}
	type seen struct {
		inspected, handler []byte
		req                *Request
		capacity           int
		err                error
	}
	got := make(chan seen, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /items/{id}/{rest...}", func(w http.ResponseWriter, r *http.Request) {
		req, err := FromHTTP(r, o)
		var s seen
		s.req, s.err = req, err
		if req != nil {
			s.inspected, s.capacity = req.Body, cap(req.Body)
		}
		s.handler, _ = io.ReadAll(r.Body)
		got <- s
	})
	srv := httptest.NewServer(mux) // listens on 127.0.0.1
	defer srv.Close()

	big := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB, 256× the limit
	for _, c := range []struct {
		name    string
		body    []byte
		chunked bool
	}{
		{"large with length", big, false},
		{"large chunked", big, true},
		{"small", []byte(`{"a":"b"}`), false},
		{"exactly the limit", big[:limit], true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var body io.Reader = bytes.NewReader(c.body)
			if c.chunked {
				body = io.MultiReader(body) // hides the length: chunked encoding
			}
			req, err := http.NewRequest("POST", srv.URL+"/items/42/a/b?x=1", body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", "203.0.113.7")
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			s := <-got
			if s.err != nil {
				t.Fatal(s.err)
			}
			if !bytes.Equal(s.handler, c.body) {
				t.Errorf("handler read %d bytes, want %d (the whole body)", len(s.handler), len(c.body))
			}
			wantInspected := min(len(c.body), limit+1)
			if len(s.inspected) != wantInspected || !bytes.Equal(s.inspected, c.body[:wantInspected]) {
				t.Errorf("inspected %d bytes, want the first %d", len(s.inspected), wantInspected)
			}
			if s.capacity > limit+1 {
				t.Errorf("buffered %d bytes for a limit of %d", s.capacity, limit)
			}
			r := s.req
			if r.Method != "POST" || r.URI != "/items/42/a/b?x=1" || !strings.HasPrefix(r.RemoteAddr, "127.0.0.1:") {
				t.Errorf("request line: %q %q from %q", r.Method, r.URI, r.RemoteAddr)
			}
			as, err := Build(r, o, nil)
			if err != nil {
				t.Fatal(err)
			}
			if v, _ := addr(as, waf.AddrPathParams); render(v) != `{"id":"42","rest":"a/b"}` {
				t.Errorf("path params %s", render(v))
			}
			if v, _ := addr(as, waf.AddrClientIP); render(v) != `"203.0.113.7"` { // loopback peer is trusted
				t.Errorf("client ip %s", render(v))
			}
			h, _ := addr(as, waf.AddrHeaders)
			if v, ok := h.Get("host"); !ok || !strings.HasPrefix(v.Index(0).Value.Str(), "127.0.0.1:") {
				t.Errorf("headers %s", render(h))
			}
			_, _, err = Body("application/json", r.Body, o)
			if wantTrunc := len(c.body) > limit; errors.Is(err, ErrTruncated) != wantTrunc {
				t.Errorf("Body error %v, want truncated %v", err, wantTrunc)
			}
		})
	}
}

type closeBody struct {
	io.Reader
	closed bool
}

func (c *closeBody) Close() error { c.closed = true; return nil }

type failReader struct{ n int }

func (f *failReader) Read(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errors.New("connection reset")
	}
	n := min(len(p), f.n)
	for i := range n {
		p[i] = 'x'
	}
	f.n -= n
	return n, nil
}

func TestFromHTTPBody(t *testing.T) {
	orig := &closeBody{Reader: strings.NewReader("hello world")}
	r := httptest.NewRequest("PUT", "/x", nil)
	r.Body = orig
	r.ContentLength = -1
	req, err := FromHTTP(r, &Options{BodyLimit: 5})
	if err != nil || string(req.Body) != "hello " {
		t.Fatalf("inspected %q, %v", req.Body, err)
	}
	rest, _ := io.ReadAll(r.Body)
	if string(rest) != "hello world" {
		t.Errorf("handler read %q", rest)
	}
	r.Body.Close()
	if !orig.closed {
		t.Error("closing the new body did not close the original")
	}

	// A read error is returned and seen again by the handler.
	r = httptest.NewRequest("PUT", "/x", nil)
	r.Body = io.NopCloser(&failReader{n: 3})
	req, err = FromHTTP(r, nil)
	if err == nil || string(req.Body) != "xxx" {
		t.Errorf("got %q, %v; want the 3 bytes and an error", req.Body, err)
	}
	if b, err := io.ReadAll(r.Body); string(b) != "xxx" || err == nil {
		t.Errorf("handler got %q, %v", b, err)
	}

	// Inspection off: the body is not touched.
	r = httptest.NewRequest("POST", "/x", strings.NewReader("abc"))
	body := r.Body
	req, _ = FromHTTP(r, &Options{BodyLimit: -1})
	if req.Body != nil || r.Body != body {
		t.Error("BodyLimit -1 read the body")
	}
	// No body.
	r = httptest.NewRequest("GET", "/x?q=1", nil)
	req, _ = FromHTTP(r, nil)
	if req.Body != nil || req.URI != "/x?q=1" {
		t.Errorf("GET: body %q, uri %q", req.Body, req.URI)
	}
}
