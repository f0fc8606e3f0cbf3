package lambdaguard

import (
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/internal/eventtest"
	"github.com/rampartsec/rampart/waf"
)

// attack is a query value that the default ruleset blocks (XSS).
const attack = "<script>alert(document.cookie)</script>"

// injection is a query value that changes the structure of the SQL
// statement built from it: exploit prevention blocks it at the sink.
const injection = "x' OR '1'='1"

// statement is what a vulnerable handler builds from name.
func statement(name string) string { return "SELECT id, name FROM users WHERE name = '" + name + "'" }

// sinkEvents records what an agent exports.
type sinkEvents = eventtest.Recorder

// testAgent returns a blocking agent built by NewAgent (function labels,
// no extension) whose events go to the returned sink.
func testAgent(t testing.TB) (*rampart.Agent, *sinkEvents) {
	return testAgentMode(t, rampart.ModeBlock)
}

// testAgentMode is testAgent with the WAF's mode given (exploit prevention
// blocks either way).
func testAgentMode(t testing.TB, wafMode rampart.Mode) (*rampart.Agent, *sinkEvents) {
	t.Helper()
	t.Setenv("RAMPART_EXTENSION_ADDR", "off")
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "orders")
	t.Setenv("AWS_LAMBDA_FUNCTION_VERSION", "7")
	s := &sinkEvents{}
	a, err := NewAgent(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, WAFMode: wafMode, Exporter: s, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return a, s
}

func readEvent[T any](t testing.TB, name string) T {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func readPayload(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDetect(t *testing.T) {
	for name, want := range map[string]Kind{
		"apigw-v1.json": KindAPIGatewayV1, "apigw-v2.json": KindAPIGatewayV2, "alb.json": KindALB,
		"alb-multi.json": KindALB, "function-url.json": KindFunctionURL, "sqs.json": KindOther,
	} {
		if got := Detect(readPayload(t, name)); got != want {
			t.Errorf("%s: Detect = %v, want %v", name, got, want)
		}
	}
	for _, p := range []string{"", "null", "[1,2]", `"x"`, `{"httpMethod": "GET"}`, `{"version":"2.0","rawPath":"/"}`, "{bad json"} {
		if got := Detect([]byte(p)); got != KindOther {
			t.Errorf("Detect(%q) = %v, want other", p, got)
		}
	}
}

func headerValues(hs [][2]string, name string) []string {
	var out []string
	for _, h := range hs {
		if strings.EqualFold(h[0], name) {
			out = append(out, h[1])
		}
	}
	return out
}

func TestRequestModel(t *testing.T) {
	v1 := readEvent[events.APIGatewayProxyRequest](t, "apigw-v1.json")
	r := FromAPIGatewayV1(&v1)
	if r.Method != "GET" || r.URI != "/users/42?name=alice&tag=a&tag=b" || r.RemoteAddr != "203.0.113.7" || r.PathParams["id"] != "42" {
		t.Errorf("v1: %+v", r)
	}
	if got := headerValues(r.Headers, "user-agent"); len(got) != 1 || got[0] != "curl/8.5.0" {
		t.Errorf("v1 user-agent = %q (multi-value and single-value maps merged once)", got)
	}

	// Decoded query values are escaped again, so that the model decodes
	// them once: a '&' inside a value stays inside it.
	v1.MultiValueQueryStringParameters = map[string][]string{"q": {"a&b=c d"}}
	v1.QueryStringParameters = map[string]string{"q": "a&b=c d", "only": "single"}
	if r := FromAPIGatewayV1(&v1); r.URI != "/users/42?only=single&q="+url.QueryEscape("a&b=c d") {
		t.Errorf("v1 escaped URI = %q", r.URI)
	}

	v2 := readEvent[events.APIGatewayV2HTTPRequest](t, "apigw-v2.json")
	r = FromAPIGatewayV2(&v2)
	if r.URI != "/users/42?name=alice&tag=a&tag=b" || r.RemoteAddr != "203.0.113.7" || r.PathParams["id"] != "42" {
		t.Errorf("v2: %+v", r)
	}
	if got := headerValues(r.Headers, "cookie"); strings.Join(got, "|") != "theme=dark|lang=en" {
		t.Errorf("v2 cookies = %q", got)
	}

	fu := readEvent[events.LambdaFunctionURLRequest](t, "function-url.json")
	fu.Body = base64.StdEncoding.EncodeToString([]byte(`{"a":1}`))
	fu.IsBase64Encoded = true
	r = FromFunctionURL(&fu)
	if string(r.Body) != `{"a":1}` || r.RemoteAddr != "203.0.113.7" {
		t.Errorf("function URL: body %q, ip %q", r.Body, r.RemoteAddr)
	}
	fu.Body = "not base64 <script>"
	if r := FromFunctionURL(&fu); string(r.Body) != fu.Body {
		t.Errorf("bad base64 body = %q, want it inspected as is", r.Body)
	}

	alb := readEvent[events.ALBTargetGroupRequest](t, "alb-multi.json")
	r = FromALB(&alb)
	if r.URI != "/users/42?name=alice&tag=a&tag=b" || r.RemoteAddr != "203.0.113.7" {
		t.Errorf("ALB multi: URI %q, ip %q", r.URI, r.RemoteAddr)
	}
	alb = readEvent[events.ALBTargetGroupRequest](t, "alb.json")
	alb.QueryStringParameters = map[string]string{"q": "%3Cscript%3E"}
	if r := FromALB(&alb); r.URI != "/users/42?q=%3Cscript%3E" {
		t.Errorf("ALB query kept as received: %q", r.URI)
	}
}

// cases are the four HTTP event types, each as a typed handler, with an
// attack put into its query.
type httpCase struct {
	name    string
	file    string
	typed   func(g *Guard, called *bool, stmt string) any
	invoke  func(h any, ctx context.Context, payload []byte) (status int, headers map[string]string, body string, err error)
	inject  func(payload []byte, q string) []byte
	multiOK bool
}

func mutate(t testing.TB, payload []byte, f func(m map[string]any)) []byte {
	var m map[string]any
	if err := json.Unmarshal(payload, &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func typed[In, Out any](status func(Out) (int, map[string]string, string), ok func() Out) (func(g *Guard, called *bool, stmt string) any, func(h any, ctx context.Context, payload []byte) (int, map[string]string, string, error)) {
	wrap := func(g *Guard, called *bool, stmt string) any {
		return g.Wrap(func(ctx context.Context, in In) (Out, error) {
			*called = true
			if sec := rampart.FromContext(ctx); sec == nil {
				panic("no security context")
			} else if stmt != "" {
				if err := rampart.CheckSQL(ctx, "sqlite", stmt); err != nil {
					var zero Out
					return zero, err
				}
			}
			return ok(), nil
		})
	}
	invoke := func(h any, ctx context.Context, payload []byte) (int, map[string]string, string, error) {
		var in In
		if err := json.Unmarshal(payload, &in); err != nil {
			return 0, nil, "", err
		}
		out, err := h.(func(context.Context, In) (Out, error))(ctx, in)
		s, hs, b := status(out)
		return s, hs, b, err
	}
	return wrap, invoke
}

func httpCases(t testing.TB) []httpCase {
	var cs []httpCase
	w1, i1 := typed[events.APIGatewayProxyRequest](func(o events.APIGatewayProxyResponse) (int, map[string]string, string) {
		return o.StatusCode, o.Headers, o.Body
	}, func() events.APIGatewayProxyResponse {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: "ok"}
	})
	cs = append(cs, httpCase{name: "apigw-v1", file: "apigw-v1.json", typed: w1, invoke: i1, inject: func(p []byte, q string) []byte {
		return mutate(t, p, func(m map[string]any) {
			m["multiValueQueryStringParameters"] = map[string]any{"q": []string{q}}
			m["queryStringParameters"] = map[string]any{"q": q}
		})
	}})
	w2, i2 := typed[events.APIGatewayV2HTTPRequest](func(o events.APIGatewayV2HTTPResponse) (int, map[string]string, string) {
		return o.StatusCode, o.Headers, o.Body
	}, func() events.APIGatewayV2HTTPResponse {
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "ok"}
	})
	cs = append(cs, httpCase{name: "apigw-v2", file: "apigw-v2.json", typed: w2, invoke: i2, inject: func(p []byte, q string) []byte {
		return mutate(t, p, func(m map[string]any) { m["rawQueryString"] = "q=" + url.QueryEscape(q) })
	}})
	wu, iu := typed[events.LambdaFunctionURLRequest](func(o events.LambdaFunctionURLResponse) (int, map[string]string, string) {
		return o.StatusCode, o.Headers, o.Body
	}, func() events.LambdaFunctionURLResponse {
		return events.LambdaFunctionURLResponse{StatusCode: 200, Body: "ok"}
	})
	cs = append(cs, httpCase{name: "function-url", file: "function-url.json", typed: wu, invoke: iu, inject: func(p []byte, q string) []byte {
		return mutate(t, p, func(m map[string]any) { m["rawQueryString"] = "q=" + url.QueryEscape(q) })
	}})
	albStatus := func(o events.ALBTargetGroupResponse) (int, map[string]string, string) {
		hs := o.Headers
		if o.MultiValueHeaders != nil {
			hs = map[string]string{}
			for k, vs := range o.MultiValueHeaders {
				hs[k] = strings.Join(vs, ",")
			}
		}
		return o.StatusCode, hs, o.Body
	}
	wa, ia := typed[events.ALBTargetGroupRequest](albStatus, func() events.ALBTargetGroupResponse {
		return events.ALBTargetGroupResponse{StatusCode: 200, Body: "ok"}
	})
	cs = append(cs, httpCase{name: "alb", file: "alb.json", typed: wa, invoke: ia, inject: func(p []byte, q string) []byte {
		return mutate(t, p, func(m map[string]any) { m["queryStringParameters"] = map[string]any{"q": url.QueryEscape(q)} })
	}})
	cs = append(cs, httpCase{name: "alb-multi", file: "alb-multi.json", typed: wa, invoke: ia, multiOK: true, inject: func(p []byte, q string) []byte {
		return mutate(t, p, func(m map[string]any) {
			m["multiValueQueryStringParameters"] = map[string]any{"q": []string{url.QueryEscape(q)}}
		})
	}})
	return cs
}

func TestTypedHandlers(t *testing.T) {
	agent, sink := testAgent(t)
	g := &Guard{Agent: agent}
	raspAgent, raspSink := testAgentMode(t, rampart.ModeMonitor)
	rasp := &Guard{Agent: raspAgent}
	for _, c := range httpCases(t) {
		t.Run(c.name, func(t *testing.T) {
			payload := readPayload(t, c.file)
			var called bool

			status, _, body, err := c.invoke(c.typed(g, &called, ""), context.Background(), payload)
			if err != nil || status != 200 || body != "ok" || !called {
				t.Fatalf("benign: status %d body %q err %v called %v", status, body, err, called)
			}

			called = false
			n := len(sink.Events())
			status, hs, body, err := c.invoke(c.typed(g, &called, ""), context.Background(), c.inject(payload, attack))
			if err != nil || status != 403 || called {
				t.Fatalf("attack: status %d err %v called %v", status, err, called)
			}
			if hs["Content-Type"] != "application/json" || !strings.Contains(body, `"error":"blocked"`) {
				t.Errorf("attack: headers %v body %q", hs, body)
			}
			evs := sink.Events()
			if len(evs) != n+1 || !evs[n].Blocked || evs[n].Function != "orders:7" || evs[n].Request.ClientIP != "203.0.113.7" {
				t.Fatalf("attack event: %d events, last %+v", len(evs), evs[len(evs)-1])
			}

			// HTML for a browser.
			html := mutate(t, c.inject(payload, attack), func(m map[string]any) {
				if mh, ok := m["multiValueHeaders"].(map[string]any); ok {
					mh["accept"] = []string{"text/html,application/xhtml+xml"}
					delete(mh, "Accept")
				}
				if h, ok := m["headers"].(map[string]any); ok {
					h["accept"] = "text/html,application/xhtml+xml"
					delete(h, "Accept")
				}
			})
			status, hs, body, _ = c.invoke(c.typed(g, &called, ""), context.Background(), html)
			if status != 403 || !strings.HasPrefix(hs["Content-Type"], "text/html") || !strings.Contains(body, "<h1>Request blocked</h1>") {
				t.Errorf("html block: %d %v %q", status, hs, body)
			}

			// Blocked at the sink, inside the handler, by exploit prevention
			// (the WAF only monitors).
			called = false
			n = len(raspSink.Events())
			status, _, body, err = c.invoke(c.typed(rasp, &called, statement(injection)), context.Background(), c.inject(payload, injection))
			if err != nil || status != 403 || !called || !strings.Contains(body, `"error":"blocked"`) {
				t.Errorf("sink block: status %d body %q err %v called %v", status, body, err, called)
			}
			var exploit *event.Event
			for _, e := range raspSink.Events()[n:] {
				if e.Type == event.TypeExploit {
					exploit = e
				}
			}
			if exploit == nil || exploit.Exploit.Detector != "sqli" || !exploit.Blocked || exploit.Function != "orders:7" {
				t.Errorf("exploit event: %+v", exploit)
			}
		})
	}
}

func TestALBMultiValueResponse(t *testing.T) {
	agent, _ := testAgent(t)
	h := New(agent, func(ctx context.Context, in events.ALBTargetGroupRequest) (events.ALBTargetGroupResponse, error) {
		return events.ALBTargetGroupResponse{StatusCode: 200}, nil
	}).(func(context.Context, events.ALBTargetGroupRequest) (events.ALBTargetGroupResponse, error))
	for _, multi := range []bool{false, true} {
		in := readEvent[events.ALBTargetGroupRequest](t, map[bool]string{false: "alb.json", true: "alb-multi.json"}[multi])
		in.Path = "/etc/passwd/../../../../etc/passwd"
		in.Headers = map[string]string{"user-agent": "sqlmap/1.7"}
		if multi {
			in.Headers = nil
			in.MultiValueHeaders = map[string][]string{"user-agent": {"sqlmap/1.7"}}
		}
		out, _ := h(context.Background(), in)
		if out.StatusCode != 403 || out.StatusDescription != "403 Forbidden" {
			t.Fatalf("multi=%v: %+v", multi, out)
		}
		if multi != (out.MultiValueHeaders != nil) || multi == (out.Headers != nil) {
			t.Errorf("multi=%v: headers %v, multiValueHeaders %v", multi, out.Headers, out.MultiValueHeaders)
		}
	}
}

// invokeFunc is a raw lambda.Handler.
type invokeFunc func(ctx context.Context, payload []byte) ([]byte, error)

func (f invokeFunc) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return f(ctx, payload)
}

func TestRawHandler(t *testing.T) {
	agent, _ := testAgent(t)
	g := &Guard{Agent: agent}
	for _, c := range httpCases(t) {
		t.Run(c.name, func(t *testing.T) {
			var seen []byte
			h := g.Handler(invokeFunc(func(ctx context.Context, in []byte) ([]byte, error) {
				if rampart.FromContext(ctx) == nil {
					t.Error("no security context")
				}
				seen = in
				return []byte(`{"statusCode":201,"body":"made"}`), nil
			}))
			payload := readPayload(t, c.file)
			out, err := h.Invoke(context.Background(), payload)
			if err != nil || !strings.Contains(string(out), `"statusCode":201`) || string(seen) != string(payload) {
				t.Fatalf("benign: %s %v (payload reached the handler unchanged: %v)", out, err, string(seen) == string(payload))
			}
			seen = nil
			out, err = h.Invoke(context.Background(), c.inject(payload, attack))
			if err != nil || seen != nil {
				t.Fatalf("attack: err %v, handler called %v", err, seen != nil)
			}
			var resp struct {
				StatusCode        int                 `json:"statusCode"`
				Body              string              `json:"body"`
				MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
			}
			if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode != 403 || !strings.Contains(resp.Body, "blocked") {
				t.Fatalf("attack: %s", out)
			}
			if c.multiOK && resp.MultiValueHeaders["Content-Type"] == nil {
				t.Errorf("ALB multi-value: %s", out)
			}
		})
	}
}

func TestOtherEventsPassThrough(t *testing.T) {
	agent, sink := testAgent(t)
	payload := readPayload(t, "sqs.json")
	var got events.SQSEvent
	h := New(agent, func(ctx context.Context, in events.SQSEvent) error {
		if rampart.FromContext(ctx) == nil {
			t.Error("no security context for an SQS event")
		}
		got = in
		return nil
	})
	out, err := h.(lambda.Handler).Invoke(context.Background(), payload)
	if err != nil || len(got.Records) != 1 || got.Records[0].Body != "<script>alert(1)</script>" {
		t.Fatalf("SQS: out %s err %v got %+v", out, err, got)
	}
	if n := len(sink.Events()); n != 0 {
		t.Errorf("an SQS message body is not an HTTP request: %d events", n)
	}

	// Typed, through Func.
	f := Func(&Guard{Agent: agent}, func(ctx context.Context, in events.SQSEvent) (string, error) {
		if rampart.FromContext(ctx) == nil {
			return "", context.Canceled
		}
		return "done", nil
	})
	if s, err := f(context.Background(), got); s != "done" || err != nil {
		t.Errorf("typed SQS: %q %v", s, err)
	}
}

func TestDisabledAddsNothing(t *testing.T) {
	h := func(ctx context.Context, in events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{StatusCode: 200}, nil
	}
	w := New(nil, h)
	if reflect.ValueOf(w).Pointer() != reflect.ValueOf(h).Pointer() {
		t.Fatal("New(nil, h) is not h itself")
	}
	var raw lambda.Handler = lambda.NewHandler(h)
	if New(nil, raw) != raw {
		t.Fatal("New(nil, handler) is not the handler itself")
	}
	if Func[events.APIGatewayV2HTTPRequest](nil, h) == nil {
		t.Fatal("Func(nil, h) is nil")
	}
	in := readEvent[events.APIGatewayV2HTTPRequest](t, "apigw-v2.json")
	ctx := context.Background()
	f := w.(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error))
	if n := testing.AllocsPerRun(100, func() { _, _ = f(ctx, in) }); n != 0 {
		t.Errorf("disabled: %v allocations per invocation, want 0", n)
	}
}

func TestColdStartAndLabels(t *testing.T) {
	agent, sink := testAgent(t)
	h := New(agent, func(ctx context.Context, in events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{StatusCode: 200}, nil
	}).(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error))
	in := readEvent[events.APIGatewayV2HTTPRequest](t, "apigw-v2.json")
	in.RawQueryString = "q=" + url.QueryEscape(attack)
	invocations.Store(0) // a new execution environment
	for range 2 {
		if out, _ := h(context.Background(), in); out.StatusCode != 403 {
			t.Fatalf("status %d", out.StatusCode)
		}
	}
	evs := sink.Events()
	if len(evs) != 2 {
		t.Fatalf("%d events", len(evs))
	}
	if !evs[0].ColdStart || evs[1].ColdStart {
		t.Errorf("cold start: %v then %v, want true then false", evs[0].ColdStart, evs[1].ColdStart)
	}
	for _, e := range evs {
		if e.Function != "orders:7" || e.Service != "orders" || e.Version != rampart.Version {
			t.Errorf("labels: function %q service %q version %q", e.Function, e.Service, e.Version)
		}
	}
}

func TestFailOpen(t *testing.T) {
	agent, _ := testAgent(t)
	g := &Guard{Agent: agent, BlockResponse: func(*waf.Action, string) *Response { panic("boom") }}
	h := g.Wrap(func(ctx context.Context, in events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{StatusCode: 200}, nil
	}).(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error))
	in := readEvent[events.APIGatewayV2HTTPRequest](t, "apigw-v2.json")
	in.RawQueryString = "q=" + url.QueryEscape(attack)
	before := agent.Stats().Panics.Load()
	out, err := h(context.Background(), in)
	if err != nil || out.StatusCode != 403 || !strings.Contains(out.Body, `"error":"blocked"`) {
		t.Fatalf("a failing custom block response falls back to the default one: %+v %v", out, err)
	}
	if agent.Stats().Panics.Load() != before+1 {
		t.Error("the fault was not counted")
	}
}

// TestDirectDelivery: without the extension, the events go to the
// collector at RAMPART_ENDPOINT through package report's exporter, flushed
// before the invocation returns.
func TestDirectDelivery(t *testing.T) {
	var mu sync.Mutex
	var got []map[string]any
	col := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			body = zr
		}
		if r.URL.Path != "/v1/events" {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		var b struct{ Events []map[string]any }
		if err := json.NewDecoder(body).Decode(&b); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		mu.Lock()
		got = append(got, b.Events...)
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer col.Close()
	t.Setenv("RAMPART_EXTENSION_ADDR", "off")
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "orders")
	t.Setenv("AWS_LAMBDA_FUNCTION_VERSION", "7")
	a, err := NewAgent(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, Endpoint: col.URL, APIKey: "k", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(context.Background())
	g := &Guard{Agent: a, FlushTimeout: 5 * time.Second}
	h := g.Wrap(func(ctx context.Context, in events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{StatusCode: 200}, nil
	}).(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error))
	in := readEvent[events.APIGatewayV2HTTPRequest](t, "apigw-v2.json")
	in.RawQueryString = "q=" + url.QueryEscape(attack)
	if out, _ := h(context.Background(), in); out.StatusCode != 403 {
		t.Fatalf("status %d", out.StatusCode)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0]["type"] != "attack" || got[0]["function"] != "orders:7" {
		t.Fatalf("the collector got %v before the invocation returned", got)
	}
}

// TestExtensionExporter: the handoff keeps what the extension did not
// acknowledge (with its batch id, for the extension to deduplicate), and
// counts and reports what it had to drop.
func TestExtensionExporter(t *testing.T) {
	var mu sync.Mutex
	var ids []string
	var dropped []int64
	fail := true
	ext := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var h event.Batch
		_ = json.NewDecoder(r.Body).Decode(&h)
		mu.Lock()
		defer mu.Unlock()
		ids = append(ids, h.ID)
		dropped = append(dropped, h.Dropped)
		if fail {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer ext.Close()
	x := NewExporter(nil, strings.TrimPrefix(ext.URL, "http://"))
	for range MaxBuffered + 2 {
		x.Export(&event.Event{Type: event.TypeAttack})
	}
	if x.Dropped() != 2 {
		t.Fatalf("dropped %d, want 2", x.Dropped())
	}
	if err := x.Flush(context.Background()); err == nil {
		t.Fatal("Flush succeeded against a failing extension")
	}
	if !x.pending() {
		t.Fatal("events not kept after a failed handoff")
	}
	mu.Lock()
	fail = false
	mu.Unlock()
	if err := x.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if x.pending() {
		t.Error("still pending after a successful handoff")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(ids) != 2 || ids[0] != ids[1] || dropped[1] != 2 {
		t.Errorf("handoffs %v, dropped %v: want one batch id retried, reporting 2 drops", ids, dropped)
	}
}
