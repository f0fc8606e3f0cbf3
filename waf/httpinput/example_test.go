package httpinput_test

import (
	"fmt"

	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/httpinput"
)

// Build gives the addresses of the header phase, BuildBody those of the
// body; both append to the same slice.
func ExampleBuild() {
	r := &httpinput.Request{
		Method: "POST",
		URI:    "/login?next=%2Fhome",
		Headers: [][2]string{
			{"Host", "app.example.com"},
			{"Content-Type", "application/json"},
			{"Cookie", "sid=abc123"},
			{"X-Forwarded-For", "6.6.6.6"}, // ignored: the peer is no trusted proxy
		},
		Body:       []byte(`{"login":"admin","password":"' or 1=1--"}`),
		RemoteAddr: "203.0.113.7:51234",
	}
	as, err := httpinput.Build(r, nil, nil)
	if err != nil {
		fmt.Println(err)
	}
	as, err = httpinput.BuildBody(r, nil, as)
	if err != nil {
		fmt.Println(err)
	}
	for _, a := range as {
		fmt.Println(a.Name, show(a.Value))
	}
	// Output:
	// server.request.method POST
	// server.request.uri.raw /login?next=%2Fhome
	// server.request.query {next: [/home]}
	// server.request.headers.no_cookies {host: [app.example.com], content-type: [application/json], x-forwarded-for: [6.6.6.6]}
	// server.request.cookies {sid: [abc123]}
	// http.client_ip 203.0.113.7
	// server.request.body {login: admin, password: ' or 1=1--}
}

func show(v waf.Value) string {
	switch v.Kind() {
	case waf.KindMap, waf.KindList:
		s := "["
		if v.Kind() == waf.KindMap {
			s = "{"
		}
		for i := range v.Len() {
			if i > 0 {
				s += ", "
			}
			if f := v.Index(i); v.Kind() == waf.KindMap {
				s += f.Key + ": " + show(f.Value)
			} else {
				s += show(f.Value)
			}
		}
		if v.Kind() == waf.KindMap {
			return s + "}"
		}
		return s + "]"
	}
	return v.Str()
}
