package lambdaguard_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/internal/lambdatest"
)

// The end-to-end tests run testdata/fn, a Go function wrapped with
// lambdaguard.Wrap, under the Lambda runtime interface emulator, and invoke
// it with real event payloads of each HTTP event type.

type e2eCase struct {
	name, fnEvent, file string
	// with sets the "name" query parameter of the payload to v.
	with func(t *testing.T, payload []byte, v string) []byte
}

func setJSON(t *testing.T, payload []byte, f func(m map[string]any)) []byte {
	t.Helper()
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

var e2eCases = []e2eCase{
	{"apigw-v1", "v1", "apigw-v1.json", func(t *testing.T, p []byte, v string) []byte {
		return setJSON(t, p, func(m map[string]any) {
			m["queryStringParameters"] = map[string]any{"name": v}
			m["multiValueQueryStringParameters"] = map[string]any{"name": []string{v}}
		})
	}},
	{"apigw-v2", "v2", "apigw-v2.json", func(t *testing.T, p []byte, v string) []byte {
		return setJSON(t, p, func(m map[string]any) { m["rawQueryString"] = "name=" + url.QueryEscape(v) })
	}},
	{"function-url", "url", "function-url.json", func(t *testing.T, p []byte, v string) []byte {
		return setJSON(t, p, func(m map[string]any) { m["rawQueryString"] = "name=" + url.QueryEscape(v) })
	}},
	{"alb", "alb", "alb.json", func(t *testing.T, p []byte, v string) []byte {
		return setJSON(t, p, func(m map[string]any) { m["queryStringParameters"] = map[string]any{"name": url.QueryEscape(v)} })
	}},
	{"alb-multi-value", "alb", "alb-multi.json", func(t *testing.T, p []byte, v string) []byte {
		return setJSON(t, p, func(m map[string]any) {
			m["multiValueQueryStringParameters"] = map[string]any{"name": []string{url.QueryEscape(v)}}
		})
	}},
}

type e2eResponse struct {
	StatusCode        int                 `json:"statusCode"`
	StatusDescription string              `json:"statusDescription"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Body              string              `json:"body"`
}

func (r e2eResponse) header(name string) string {
	if v, ok := r.Headers[name]; ok {
		return v
	}
	return strings.Join(r.MultiValueHeaders[name], ",")
}

func invoke(t *testing.T, em *lambdatest.Emulator, payload []byte) e2eResponse {
	t.Helper()
	out, err := em.Invoke(payload)
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	var r e2eResponse
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("response %s: %v", out, err)
	}
	return r
}

// emittedEvents returns the events the function wrote to stderr (its
// default exporter without an extension: Lambda sends them to CloudWatch).
func emittedEvents(t *testing.T, output string) []event.Event {
	var evs []event.Event
	sc := bufio.NewScanner(strings.NewReader(output))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, `{"type":`) {
			continue
		}
		var e event.Event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("event line %q: %v", line, err)
		}
		evs = append(evs, e)
	}
	return evs
}

const (
	xss       = "<script>alert(document.cookie)</script>"
	injection = "x' OR '1'='1"
)

func TestEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no emulator")
	}
	lambdatest.Find(t)
	bootstrap := lambdatest.Build(t, t.TempDir(), "./testdata/fn")
	for _, c := range e2eCases {
		t.Run(c.name, func(t *testing.T) {
			payload, err := os.ReadFile(filepath.Join("testdata", "events", c.file))
			if err != nil {
				t.Fatal(err)
			}
			multi := strings.Contains(c.file, "multi")

			// Block mode: the WAF blocks the attack before the handler.
			t.Run("waf", func(t *testing.T) {
				em := lambdatest.Start(t, bootstrap, "FN_EVENT="+c.fnEvent, "RAMPART_ENABLED=true", "RAMPART_TIMEOUT=1s", "RAMPART_MODE=block", "RAMPART_EXTENSION_ADDR=off")
				r := invoke(t, em, c.with(t, payload, "alice"))
				if r.StatusCode != 200 || r.Body != `{"user":"alice"}` {
					t.Fatalf("benign: %+v", r)
				}
				r = invoke(t, em, c.with(t, payload, xss))
				if r.StatusCode != 403 || !strings.Contains(r.Body, `"error":"blocked"`) || r.header("Content-Type") != "application/json" {
					t.Fatalf("attack: %+v", r)
				}
				if multi && (r.MultiValueHeaders == nil || r.Headers != nil) {
					t.Errorf("ALB with multi-value headers answered with headers %v", r.Headers)
				}
				if c.fnEvent == "alb" && r.StatusDescription != "403 Forbidden" {
					t.Errorf("ALB status description %q", r.StatusDescription)
				}
				em.Stop()
				evs := emittedEvents(t, em.Output())
				if len(evs) != 1 {
					t.Fatalf("%d events, want the attack:\n%s", len(evs), em.Output())
				}
				e := evs[0]
				if e.Type != event.TypeAttack || !e.Blocked || e.Function != "test_function:$LATEST" || e.ColdStart || e.Request.ClientIP != "203.0.113.7" {
					t.Errorf("attack event: %+v (not the cold start: the benign request was first)", e)
				}
			})

			// Exploit prevention blocks at the sink, the WAF only monitors.
			t.Run("sink", func(t *testing.T) {
				em := lambdatest.Start(t, bootstrap, "FN_EVENT="+c.fnEvent, "RAMPART_ENABLED=true", "RAMPART_TIMEOUT=1s", "RAMPART_MODE=block", "RAMPART_WAF_MODE=monitor", "RAMPART_EXTENSION_ADDR=off")
				r := invoke(t, em, c.with(t, payload, injection))
				if r.StatusCode != 403 || !strings.Contains(r.Body, `"error":"blocked"`) {
					t.Fatalf("exploit: %+v", r)
				}
				if r := invoke(t, em, c.with(t, payload, "bob")); r.StatusCode != 200 || r.Body != `{"user":"bob"}` {
					t.Errorf("benign after an exploit: %+v", r)
				}
				em.Stop()
				var exploit *event.Event
				evs := emittedEvents(t, em.Output())
				for i := range evs {
					if evs[i].Type == event.TypeExploit && exploit == nil {
						exploit = &evs[i]
					}
				}
				if len(evs) != 2 {
					t.Errorf("%d events, want the exploit and the WAF's (monitor) attack", len(evs))
				}
				if exploit == nil || exploit.Exploit.Detector != "sqli" || !exploit.Blocked || !exploit.ColdStart || exploit.Function != "test_function:$LATEST" {
					t.Fatalf("exploit event: %+v in %d events", exploit, len(evs))
				}
				if exploit.Exploit.Location == nil || !strings.Contains(exploit.Exploit.Location.Function, "main.lookup") {
					t.Errorf("exploit location %+v, want the function's own lookup", exploit.Exploit.Location)
				}
			})
		})
	}

	// Other events pass through untouched, with a security context.
	t.Run("other-events", func(t *testing.T) {
		em := lambdatest.Start(t, bootstrap, "FN_EVENT=raw", "RAMPART_ENABLED=true", "RAMPART_TIMEOUT=1s", "RAMPART_MODE=block", "RAMPART_EXTENSION_ADDR=off")
		payload, err := os.ReadFile(filepath.Join("testdata", "events", "sqs.json"))
		if err != nil {
			t.Fatal(err)
		}
		out, err := em.Invoke(payload)
		if err != nil {
			t.Fatal(err)
		}
		var r struct {
			Context bool
			Got     map[string]any
		}
		if err := json.Unmarshal(out, &r); err != nil || !r.Context || r.Got["Records"] == nil {
			t.Fatalf("SQS event: %s", out)
		}
	})

	// Disabled: the same function, no rampart.
	t.Run("disabled", func(t *testing.T) {
		em := lambdatest.Start(t, bootstrap, "FN_EVENT=v2")
		payload, _ := os.ReadFile(filepath.Join("testdata", "events", "apigw-v2.json"))
		r := invoke(t, em, e2eCases[1].with(t, payload, xss))
		if r.StatusCode != 200 {
			t.Fatalf("disabled: %+v", r)
		}
	})
}

// TestColdStartUnderEmulator measures what rampart adds to a function's
// init phase on the emulator: the "INIT REPORT(durationMs: ...)" of a hello
// function, plain and wrapped with RAMPART_ENABLED=true (median of 3 runs
// each). Run with -run TestColdStartUnderEmulator -v to see the figures.
func TestColdStartUnderEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no emulator")
	}
	lambdatest.Find(t)
	dir := t.TempDir()
	median := func(pkg string, env ...string) float64 {
		bootstrap := lambdatest.Build(t, filepath.Join(dir, filepath.Base(pkg)), pkg)
		var ds []float64
		for i := range 3 {
			t.Run(fmt.Sprint(filepath.Base(pkg), i), func(t *testing.T) {
				em := lambdatest.Start(t, bootstrap, env...)
				if _, err := em.Invoke([]byte(`{"version":"2.0","rawPath":"/","requestContext":{"stage":"$default","http":{"method":"GET","sourceIp":"203.0.113.7"}}}`)); err != nil {
					t.Fatal(err)
				}
				re := regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)
				m := re.FindStringSubmatch(em.WaitOutput(5*time.Second, re.MatchString))
				if m == nil {
					t.Fatalf("no INIT REPORT in:\n%s", em.Output())
				}
				d, err := strconv.ParseFloat(m[1], 64)
				if err != nil {
					t.Fatal(err)
				}
				ds = append(ds, d)
			})
		}
		if len(ds) != 3 {
			t.Fatalf("%s: %d runs", pkg, len(ds))
		}
		slices.Sort(ds)
		return ds[1]
	}
	for _, d := range []string{"plain", "wrapped"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	plain := median("./testdata/hello/plain")
	wrapped := median("./testdata/hello/wrapped", "RAMPART_ENABLED=true", "RAMPART_EXTENSION_ADDR=off")
	t.Logf("init phase on the emulator (median of 3): hello %.1f ms, hello with lambdaguard.Wrap %.1f ms (+%.1f ms)", plain, wrapped, wrapped-plain)
	if wrapped <= 0 || plain <= 0 {
		t.Errorf("init durations %v and %v", plain, wrapped)
	}
}
