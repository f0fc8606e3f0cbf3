package lambdaguard

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/httpinput"
)

// FuzzDecode decodes arbitrary payloads as invocation events and checks
// properties of the request model that the WAF sees:
//   - decoding is deterministic and never fails on a payload Detect
//     classified (a decoding failure is an other event);
//   - the query of an API Gateway REST event decodes back to exactly its
//     multi-value parameters, so no value hides from the WAF or leaks into
//     another;
//   - every header value of the event is in the model (bounded by
//     maxValues per name);
//   - the request model builds within its limits, and the block response
//     in the event's format is valid JSON with status 403.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "events", "*.json"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"httpMethod":"GET","path":"/a","multiValueQueryStringParameters":{"a&b":["c=d","e f"],"":[""]},"requestContext":{}}`))
	f.Add([]byte(`{"version":"2.0","rawPath":"/","rawQueryString":"a=%zz","cookies":["a=b; c=d"],"body":"PHNjcmlwdD4=","isBase64Encoded":true,"requestContext":{"http":{"method":"POST","sourceIp":"::1"}}}`))
	f.Add([]byte(`{"httpMethod":"GET","path":"/","headers":{"x-forwarded-for":"1.2.3.4,,"},"requestContext":{"elb":{}}}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		ev, err := Decode(payload)
		if ev.Kind == KindOther {
			if ev.Request != nil {
				t.Fatal("an other event with a request")
			}
			return
		}
		if err != nil || ev.Request == nil {
			t.Fatalf("kind %v: request %v, error %v", ev.Kind, ev.Request, err)
		}
		again, _ := Decode(payload)
		if again.Kind != ev.Kind || again.Request.URI != ev.Request.URI || string(again.Request.Body) != string(ev.Request.Body) || len(again.Request.Headers) != len(ev.Request.Headers) {
			t.Fatal("decoding is not deterministic")
		}
		switch ev.Kind {
		case KindAPIGatewayV1:
			var in events.APIGatewayProxyRequest
			if err := json.Unmarshal(payload, &in); err != nil {
				t.Fatal(err)
			}
			checkV1Query(t, &in, ev.Request.URI)
			checkHeaders(t, in.Headers, in.MultiValueHeaders, ev.Request.Headers)
		case KindALB:
			var in events.ALBTargetGroupRequest
			if err := json.Unmarshal(payload, &in); err != nil {
				t.Fatal(err)
			}
			checkHeaders(t, in.Headers, in.MultiValueHeaders, ev.Request.Headers)
		}
		addrs, _ := httpinput.Build(ev.Request, nil, nil)
		addrs, _ = httpinput.BuildBody(ev.Request, nil, addrs)
		for _, a := range addrs {
			if n := countValues(a.Value, 0); n > 4*httpinput.MaxParams+httpinput.MaxHeaders*maxValues {
				t.Fatalf("address %s holds %d values", a.Name, n)
			}
		}
		resp := BlockResponse(&waf.Action{Type: "block_request", StatusCode: 403, ContentType: "auto", RuleID: "r"}, ev.Header("accept"))
		out, err := ev.Marshal(resp, "r")
		if err != nil {
			t.Fatal(err)
		}
		var back struct {
			StatusCode     int `json:"statusCode"`
			PolicyDocument struct {
				Statement []struct{ Effect string }
			} `json:"policyDocument"`
		}
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("block response %s: %v", out, err)
		}
		if ev.Kind == KindAuthorizer || ev.Kind == KindAuthorizerV2 {
			if len(back.PolicyDocument.Statement) != 1 || back.PolicyDocument.Statement[0].Effect != "Deny" {
				t.Fatalf("authorizer deny %s", out)
			}
		} else if back.StatusCode != 403 {
			t.Fatalf("block response %s", out)
		}
	})
}

func countValues(v waf.Value, depth int) int {
	n := 1
	if depth > 64 {
		return n
	}
	for i := range v.Len() {
		n += countValues(v.Index(i).Value, depth+1)
	}
	return n
}

// checkV1Query checks that uri's query decodes to the event's parameters:
// the multi-value ones, and the single-value ones the multi-value map
// lacks.
func checkV1Query(t *testing.T, in *events.APIGatewayProxyRequest, uri string) {
	t.Helper()
	want := url.Values{}
	for k, vs := range in.MultiValueQueryStringParameters {
		want[k] = append(want[k], vs[:min(len(vs), maxValues)]...)
	}
	for k, v := range in.QueryStringParameters {
		if _, ok := in.MultiValueQueryStringParameters[k]; !ok {
			want[k] = append(want[k], v)
		}
	}
	_, raw, _ := strings.Cut(uri, "?")
	got, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatalf("query %q: %v", raw, err)
	}
	for k, vs := range want {
		if len(vs) == 0 {
			continue
		}
		if !slices.Equal(got[k], vs) {
			t.Fatalf("parameter %q: %q in the URI, %q in the event", k, got[k], vs)
		}
	}
	for k := range got {
		if len(want[k]) == 0 {
			t.Fatalf("parameter %q in the URI, not in the event", k)
		}
	}
}

// checkHeaders checks that every header value of the event is in the model.
func checkHeaders(t *testing.T, single map[string]string, multi map[string][]string, hs [][2]string) {
	t.Helper()
	has := map[[2]string]bool{}
	for _, h := range hs {
		has[h] = true
	}
	for k, vs := range multi {
		for _, v := range vs[:min(len(vs), maxValues)] {
			if !has[[2]string{k, v}] {
				t.Fatalf("header %q: %q missing", k, v)
			}
		}
	}
	for k, v := range single {
		if _, ok := multi[k]; !ok && !has[[2]string{k, v}] {
			t.Fatalf("header %q: %q missing", k, v)
		}
	}
}
