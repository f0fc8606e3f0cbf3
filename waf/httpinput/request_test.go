package httpinput

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/waf"
)

func TestBuild(t *testing.T) {
	for _, r := range []struct {
		name string
		req  Request
		want map[string]string // address → render; "-" means absent
		err  bool
	}{
		{
			name: "get with query, headers and cookies",
			req: Request{
				Method: "GET",
				URI:    "/search?q=a%27+or+1%3D1&q=2&empty&x=%zz+%41",
				Headers: [][2]string{
					{"Host", "api.example.com"}, {"User-Agent", " curl/8 "}, {"Cookie", "sid=abc; theme=\"dark\" ;  ; bare"},
					{"X-Custom-Header", "a"}, {"x-custom-header", "b"}, {"COOKIE", "sid=2"},
				},
				RemoteAddr: "203.0.113.7:5555",
			},
			want: map[string]string{
				waf.AddrMethod:     `"GET"`,
				waf.AddrURIRaw:     `"/search?q=a%27+or+1%3D1&q=2&empty&x=%zz+%41"`,
				waf.AddrQuery:      `{"q":["a' or 1=1","2"],"empty":[""],"x":["%zz A"]}`,
				waf.AddrHeaders:    `{"host":["api.example.com"],"user-agent":["curl/8"],"x-custom-header":["a","b"]}`,
				waf.AddrCookies:    `{"sid":["abc","2"],"theme":["dark"],"":["bare"]}`,
				waf.AddrPathParams: "-",
				waf.AddrClientIP:   `"203.0.113.7"`,
			},
		},
		{
			name: "no query, path params sorted, spoofed xff ignored",
			req: Request{
				Method: "POST", URI: "/users/42/files/..%2f..%2fetc", PathParams: map[string]string{"user": "42", "file": "../../etc"},
				Headers:    [][2]string{{"X-Forwarded-For", "1.2.3.4"}},
				RemoteAddr: "198.51.100.9:1",
			},
			want: map[string]string{
				waf.AddrQuery:      "-",
				waf.AddrCookies:    "-",
				waf.AddrHeaders:    `{"x-forwarded-for":["1.2.3.4"]}`,
				waf.AddrPathParams: `{"file":"../../etc","user":"42"}`,
				waf.AddrClientIP:   `"198.51.100.9"`,
			},
		},
		{
			name: "question mark only and no remote address",
			req:  Request{Method: "GET", URI: "/?"},
			want: map[string]string{waf.AddrQuery: "-", waf.AddrHeaders: `{}`, waf.AddrClientIP: "-"},
		},
		{
			name: "query keeps # and ; in values",
			req:  Request{Method: "GET", URI: "/a?x=1;y=2#frag"},
			want: map[string]string{waf.AddrQuery: `{"x":["1;y=2#frag"]}`},
		},
		{
			name: "too many query params",
			req:  Request{Method: "GET", URI: "/?" + strings.Repeat("a=1&", MaxParams+5)},
			err:  true,
		},
		{
			name: "too many distinct names",
			req: Request{Method: "GET", URI: func() string {
				var b strings.Builder
				b.WriteString("/?")
				for i := range MaxContainerSize + 10 {
					fmt.Fprintf(&b, "k%d=v&", i)
				}
				return b.String()
			}()},
			err: true,
		},
	} {
		t.Run(r.name, func(t *testing.T) {
			as, err := Build(&r.req, nil, nil)
			if (err != nil) != r.err || err != nil && !errors.Is(err, ErrTruncated) {
				t.Errorf("err = %v, want error %v", err, r.err)
			}
			for name, want := range r.want {
				v, ok := addr(as, name)
				got := "-"
				if ok {
					got = render(v)
				}
				if got != want {
					t.Errorf("%s\n got %s\nwant %s", name, got, want)
				}
			}
			for _, a := range as {
				if d, w := shape(a.Value); d > 2 || w > MaxContainerSize {
					t.Errorf("%s: depth %d, widest %d", a.Name, d, w)
				}
			}
		})
	}
}

func TestBuildBody(t *testing.T) {
	r := &Request{
		Method: "POST", URI: "/upload",
		Headers: [][2]string{{"content-type", "multipart/form-data; boundary=b"}, {"Content-Type", "application/json"}},
		Body:    []byte("--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.php\"\r\n\r\n<?php\r\n--b--\r\n"),
	}
	as, err := BuildBody(r, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := addr(as, waf.AddrBodyFilenames); render(v) != `["a.php"]` {
		t.Errorf("filenames %s", render(v))
	}
	if v, _ := addr(as, waf.AddrBody); !strings.Contains(render(v), `"content":"<?php"`) {
		t.Errorf("body %s", render(v))
	}
	if as, _ := BuildBody(&Request{Method: "GET"}, nil, nil); len(as) != 0 {
		t.Errorf("empty body gave %d addresses", len(as))
	}
	if as, _ := BuildBody(r, &Options{BodyLimit: -1}, nil); len(as) != 0 {
		t.Errorf("inspection off gave %d addresses", len(as))
	}
}

func TestUnescape(t *testing.T) {
	for in, want := range map[string]string{
		"":           "",
		"plain":      "plain",
		"a+b":        "a b",
		"%41%42":     "AB",
		"%4":         "%4",
		"%":          "%",
		"%%41":       "%A",
		"%zz":        "%zz",
		"%c3%a9":     "é",
		"%00":        "\x00",
		"100%+sure%": "100% sure%",
	} {
		if got := unescape(in); got != want {
			t.Errorf("unescape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLowerName(t *testing.T) {
	for in, want := range map[string]string{
		"User-Agent": "user-agent", "user-agent": "user-agent", "X-My-Header": "x-my-header",
		"ACCEPT": "accept", strings.Repeat("A", 40): strings.Repeat("a", 40), "": "",
	} {
		if got := lowerName(in); got != want {
			t.Errorf("lowerName(%q) = %q", in, got)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = lowerName("Content-Type") }); n != 0 {
		t.Errorf("lowerName of a common header allocates %v times", n)
	}
}

// TestBuildAllocs keeps the header phase of a typical request to a handful
// of allocations: one slab of fields, the decoded query values, and the
// client IP's text.
func TestBuildAllocs(t *testing.T) {
	r := &Request{
		Method: "GET", URI: "/api/items?page=2&sort=name&filter=a%20b",
		Headers: [][2]string{
			{"Host", "api.example.com"}, {"User-Agent", "Mozilla/5.0"}, {"Accept", "application/json"},
			{"Accept-Language", "en-US"}, {"Accept-Encoding", "gzip"}, {"Cookie", "sid=abc; theme=dark"},
			{"Referer", "https://example.com/"}, {"Connection", "keep-alive"},
		},
		RemoteAddr: "203.0.113.7:443",
	}
	dst := make([]waf.Address, 0, 16)
	n := testing.AllocsPerRun(100, func() { _, _ = Build(r, nil, dst[:0]) })
	if n > 3 {
		t.Errorf("Build: %v allocations, want <= 3", n)
	}
}
