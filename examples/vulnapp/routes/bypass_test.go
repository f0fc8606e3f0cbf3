package routes_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/event"
)

// A bypass is an exploit wrapped in a trick that once got it past the sink
// checks (padding, position, relabelled bodies, very short inputs), and a
// benign request of the same shape.
type bypass struct {
	name             string
	route            string // e.g. "/users"
	param            string
	exploit, benign  string // the parameter's value; %PORT% is the server's port
	how              string // query, query-after-300, json, json-after-300, json-1mib-key, json-as-text, json-no-type, form-no-type
	detector, sink   string
	leak, benignWant string
}

var pad = strings.Repeat("a", 4200)

var bypasses = []bypass{
	// Padding inside the same value.
	{name: "sqli after 4 KB of padding", route: "/users", param: "name", how: "query",
		exploit: pad + "' OR '1'='1", benign: pad, detector: "sqli", sink: "SQL sink", leak: "bob@example.com", benignWant: `"users":[]`},
	{name: "ssrf with padded userinfo", route: "/fetch", param: "url", how: "query",
		exploit: "http://" + pad + "@127.0.0.1:%PORT%/upstream/admin", benign: "https://public.example.test/" + pad,
		detector: "ssrf", sink: "HTTP sink", leak: "/upstream/admin", benignWant: "not found (stub"},
	{name: "shell injection after padding", route: "/ping", param: "host", how: "query",
		exploit: "127.0.0.1" + strings.Repeat(" ", 4200) + "; echo INJECTED-$((6*7))", benign: "127.0.0.1" + strings.Repeat(" ", 4200),
		detector: "shi", sink: "shell sink", leak: "INJECTED-42", benignWant: `"output"`},
	// Position: after many parameters or keys, after a huge key.
	{name: "sqli after 300 query parameters", route: "/users", param: "name", how: "query-after-300",
		exploit: "x' OR '1'='1", benign: "alice", detector: "sqli", sink: "SQL sink", leak: "bob@example.com", benignWant: "alice@example.com"},
	{name: "sqli after 300 JSON keys", route: "/users", param: "name", how: "json-after-300",
		exploit: "x' OR '1'='1", benign: "alice", detector: "sqli", sink: "SQL sink", leak: "bob@example.com", benignWant: "alice@example.com"},
	{name: "sqli after a 1 MiB JSON key", route: "/users", param: "name", how: "json-1mib-key",
		exploit: "x' OR '1'='1", benign: "alice", detector: "sqli", sink: "SQL sink", leak: "bob@example.com", benignWant: "alice@example.com"},
	{name: "lfi after 300 JSON keys", route: "/files", param: "name", how: "json-after-300",
		exploit: "../private-key.pem", benign: "reports/q3.txt", detector: "lfi", sink: "file sink", leak: "EXAMPLE KEY", benignWant: "Quarterly report"},
	// Relabelled bodies.
	{name: "sqli in JSON sent as text/plain", route: "/users", param: "name", how: "json-as-text",
		exploit: "x' OR '1'='1", benign: "alice", detector: "sqli", sink: "SQL sink", leak: "bob@example.com", benignWant: "alice@example.com"},
	{name: "sqli in JSON with no Content-Type", route: "/users", param: "name", how: "json-no-type",
		exploit: "x' OR '1'='1", benign: "alice", detector: "sqli", sink: "SQL sink", leak: "bob@example.com", benignWant: "alice@example.com"},
	{name: "shell injection in JSON with no Content-Type", route: "/ping", param: "host", how: "json-no-type",
		exploit: "127.0.0.1; echo INJECTED-$((6*7))", benign: "127.0.0.1", detector: "shi", sink: "shell sink", leak: "INJECTED-42", benignWant: `"output"`},
	{name: "ssrf in a form with no Content-Type", route: "/fetch", param: "url", how: "form-no-type",
		exploit: "http://127.0.0.1:%PORT%/upstream/admin", benign: "https://public.example.test/page", detector: "ssrf", sink: "HTTP sink", leak: "/upstream/admin", benignWant: "not found (stub"},
	// Inputs of two or three bytes that are whole exploits.
	{name: "shell ;id", route: "/ping", param: "host", how: "query", exploit: ";id", benign: "id1",
		detector: "shi", sink: "shell sink", leak: "uid=", benignWant: `"output"`},
	{name: "shell |id", route: "/ping", param: "host", how: "query", exploit: "|id", benign: "::1",
		detector: "shi", sink: "shell sink", leak: "uid=", benignWant: `"output"`},
	{name: "shell &id", route: "/ping", param: "host", how: "query", exploit: "&id", benign: "a.b",
		detector: "shi", sink: "shell sink", leak: "uid=", benignWant: `"output"`},
	{name: "sql '--", route: "/users", param: "name", how: "query", exploit: "'--", benign: "bob",
		detector: "sqli", sink: "SQL sink", benignWant: "bob@example.com"},
	{name: "sql '#", route: "/users", param: "name", how: "query", exploit: "'#", benign: "#1",
		detector: "sqli", sink: "SQL sink", benignWant: `"users":[]`},
	{name: "sql ')#", route: "/users", param: "name", how: "query", exploit: "')#", benign: "a)#",
		detector: "sqli", sink: "SQL sink", benignWant: `"users":[]`},
	{name: "exec option -c", route: "/convert", param: "file", how: "query", exploit: "-c", benign: "c",
		detector: "cmdi", sink: "exec sink", benignWant: `"output"`},
}

// request builds the request of a bypass case for value v.
func (b bypass) request(s *server, v string) *http.Request {
	v = strings.ReplaceAll(v, "%PORT%", port(s))
	u := s.URL + b.route
	var body, ctype string
	method := http.MethodPost
	switch b.how {
	case "query":
		method, u = http.MethodGet, u+"?"+b.param+"="+url.QueryEscape(v)
	case "query-after-300":
		var q strings.Builder
		for i := range 300 {
			fmt.Fprintf(&q, "p%d=%d&", i, i)
		}
		method, u = http.MethodGet, u+"?"+q.String()+b.param+"="+url.QueryEscape(v)
	case "json-after-300":
		var j strings.Builder
		j.WriteString("{")
		for i := range 300 {
			fmt.Fprintf(&j, `"k%d":"v%d",`, i, i)
		}
		fmt.Fprintf(&j, "%q:%q}", b.param, v)
		body, ctype = j.String(), "application/json"
	case "json-1mib-key":
		body, ctype = fmt.Sprintf(`{"%s":1,%q:%q}`, strings.Repeat("k", 1<<20), b.param, v), "application/json"
	case "json-as-text":
		body, ctype = fmt.Sprintf(`{%q:%q}`, b.param, v), "text/plain"
	case "json-no-type":
		body = fmt.Sprintf(`{%q:%q}`, b.param, v)
	case "form-no-type":
		body = b.param + "=" + url.QueryEscape(v)
	}
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	return req
}

func send(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestBypassesStoppedAtTheSink sends each bypass through the vulnerable
// application, once with the WAF and exploit prevention both blocking and
// once with the WAF monitoring, so that the sinks alone decide: every
// exploit is answered 403 by its sink with the sink's line in the stack
// trace, and the benign request of the same shape is answered 200.
func TestBypassesStoppedAtTheSink(t *testing.T) {
	for _, wafMode := range []rampart.Mode{rampart.ModeMonitor, rampart.ModeBlock} {
		t.Run("waf-"+string(wafMode), func(t *testing.T) {
			s := start(t, &rampart.Config{Enabled: true, Mode: rampart.ModeBlock, WAFMode: wafMode, Timeout: time.Second})
			for _, b := range bypasses {
				t.Run(b.name, func(t *testing.T) {
					code, body := send(t, b.request(s, b.benign))
					if code != 200 || !strings.Contains(body, b.benignWant) {
						t.Errorf("benign: %d %.200q, want 200 with %q", code, body, b.benignWant)
					}
					for _, ev := range s.rec.Take() {
						if ev.Type == event.TypeExploit {
							t.Errorf("benign request reported an exploit: %+v", ev.Exploit)
						}
					}
					code, body = send(t, b.request(s, b.exploit))
					if code != http.StatusForbidden || b.leak != "" && strings.Contains(body, b.leak) {
						t.Errorf("exploit: %d %.300q, want 403", code, body)
					}
					evs := s.rec.Take()
					var ex *event.Exploit
					for _, ev := range evs {
						if ev.Type == event.TypeExploit && ex == nil {
							ex = ev.Exploit
						}
					}
					if ex == nil {
						if wafMode == rampart.ModeBlock && code == http.StatusForbidden {
							return // the WAF stopped it first: fine in full block mode
						}
						t.Fatalf("exploit: no exploit event (%d events)", len(evs))
					}
					want := sinkLine(t, b.sink)
					loc := ""
					if ex.Location != nil {
						loc = fmt.Sprintf("%s:%d", ex.Location.File, ex.Location.Line)
					}
					if !strings.HasSuffix(loc, want) || len(ex.Stack) == 0 {
						t.Errorf("exploit at %q with %d frames, want %s", loc, len(ex.Stack), want)
					}
					if ex.Detector != b.detector && !(b.detector == "shi" && ex.Detector == "cmdi" || b.detector == "cmdi" && ex.Detector == "shi") {
						t.Errorf("detector %s, want %s (%+v)", ex.Detector, b.detector, ex)
					}
				})
			}
			if r := s.dialer.Refused(); len(r) != 0 {
				t.Errorf("dials off loopback: %v", r)
			}
		})
	}
}
