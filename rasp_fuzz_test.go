package rampart_test

import (
	"errors"
	"fmt"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/waf/httpinput"
)

// A wrapped exploit: a value the application puts in a resource, and how
// padding fits inside it without changing what it does.
type wrappedCase struct {
	exploit string
	pad     func(pad, v string) string
	check   func(r *rampart.Request, v string) error
}

var wrappedCases = []wrappedCase{
	{"x' OR '1'='1", func(p, v string) string { return p + v }, func(r *rampart.Request, v string) error {
		return r.CheckSQL("sqlite", "SELECT id, name FROM users WHERE name = '"+v+"'")
	}},
	{"'--", func(p, v string) string { return p + v }, func(r *rampart.Request, v string) error {
		return r.CheckSQL("postgresql", "SELECT id FROM users WHERE name = '"+v+"' AND active")
	}},
	{";id", func(p, v string) string { return p + v }, func(r *rampart.Request, v string) error {
		return r.CheckShell("ping -c 1 " + v)
	}},
	{"$(cat /etc/passwd)", func(p, v string) string { return p + v }, func(r *rampart.Request, v string) error {
		return r.CheckShell("echo hello " + v)
	}},
	{"../../../etc/passwd", func(p, v string) string { return p + "/../" + v }, func(r *rampart.Request, v string) error {
		return r.CheckFile("/srv/app/files/" + v)
	}},
	{"http://127.0.0.1:8080/admin", func(p, v string) string { return "http://" + p + "@" + strings.TrimPrefix(v, "http://") },
		func(r *rampart.Request, v string) error { return r.CheckURL(v) }},
	{"-c", func(p, v string) string { return v }, func(r *rampart.Request, v string) error {
		return r.CheckExec([]string{"wc", "-l", v})
	}},
}

// wrappedRequest puts value under name in a request shaped by the fuzzed
// parameters: params other fields before it, in the query or the body
// (JSON under any label, form, multipart), nested depth levels deep.
func wrappedRequest(tb testing.TB, a *rampart.Agent, name, value string, where, params, depth uint8) *rampart.Request {
	var target = "/api"
	var body, ctype string
	var q strings.Builder
	for i := range int(params) {
		fmt.Fprintf(&q, "f%d=v%d&", i, i)
	}
	switch where % 6 {
	case 0: // query
		target += "?" + q.String() + name + "=" + url.QueryEscape(value)
	case 1, 2, 3: // JSON labelled json, text/plain, or not at all
		var j strings.Builder
		for range int(depth % 64) {
			j.WriteString(`{"n":`)
		}
		j.WriteString("{")
		for i := range int(params) {
			fmt.Fprintf(&j, `"k%d":"v%d",`, i, i)
		}
		fmt.Fprintf(&j, "%q:%q}", name, value)
		j.WriteString(strings.Repeat("}", int(depth%64)))
		body = j.String()
		ctype = [...]string{"application/json", "text/plain", ""}[where%6-1]
	case 4: // form without its label
		body = q.String() + name + "=" + url.QueryEscape(value)
	case 5: // multipart
		var b strings.Builder
		w := multipart.NewWriter(&b)
		for i := range int(params) {
			w.WriteField(fmt.Sprintf("f%d", i), "v")
		}
		w.WriteField(name, value)
		w.Close()
		body, ctype = b.String(), w.FormDataContentType()
	}
	method := "GET"
	if body != "" {
		method = "POST"
	}
	hr := httptest.NewRequest(method, target, strings.NewReader(body))
	if ctype != "" {
		hr.Header.Set("Content-Type", ctype)
	}
	in, err := httpinput.FromHTTP(hr, a.InputOptions())
	if err != nil {
		tb.Fatal(err)
	}
	r := a.NewRequest(in)
	r.Body()
	return r
}

// FuzzWrappedExploitStaysCaught: an exploit that the sink check catches
// alone stays caught whatever is added around it: padding inside the
// value, other parameters or keys before it, a body relabelled or not
// labelled, deeper nesting.
func FuzzWrappedExploitStaysCaught(f *testing.F) {
	a, err := rampart.New(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, WAFMode: rampart.ModeMonitor,
		Exporter: rampart.ExporterFunc(func(*event.Event) {}), Timeout: -1})
	if err != nil {
		f.Fatal(err)
	}
	for i := range wrappedCases {
		f.Add(uint8(i), uint16(0), uint8(0), uint8(0), uint8(0))
		f.Add(uint8(i), uint16(4200), uint8(1), uint8(255), uint8(30))
		f.Add(uint8(i), uint16(100), uint8(5), uint8(44), uint8(3))
	}
	f.Fuzz(func(t *testing.T, which uint8, padLen uint16, where, params, depth uint8) {
		c := wrappedCases[int(which)%len(wrappedCases)]
		alone := wrappedRequest(t, a, "v", c.exploit, 0, 0, 0)
		if err := c.check(alone, c.exploit); !errors.Is(err, rampart.ErrBlocked) {
			t.Fatalf("%q alone: %v", c.exploit, err)
		}
		alone.Finish(403)
		v := c.pad(strings.Repeat("a", int(padLen%9000)), c.exploit)
		r := wrappedRequest(t, a, "v", v, where, params, depth)
		defer r.Finish(200)
		if err := c.check(r, v); !errors.Is(err, rampart.ErrBlocked) {
			t.Fatalf("%.60q (pad %d, where %d, %d params, depth %d): %v", c.exploit, padLen%9000, where%6, params, depth%64, err)
		}
	})
}

var _ = time.Second
