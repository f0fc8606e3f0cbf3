package lambdaguard

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/rampartsec/rampart"
)

func rawEvent(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDetectAuthorizersAndWebSocket(t *testing.T) {
	for name, want := range map[string]Kind{
		"authorizer-token.json":      KindAuthorizer,
		"authorizer-request.json":    KindAuthorizer,
		"authorizer-httpapi-v1.json": KindAuthorizer,
		"authorizer-v2.json":         KindAuthorizerV2,
		"websocket-connect.json":     KindWebSocket,
		"websocket-message.json":     KindWebSocket,
		"websocket-disconnect.json":  KindWebSocket,
		"apigw-v1.json":              KindAPIGatewayV1,
		"apigw-v2.json":              KindAPIGatewayV2,
		"sqs.json":                   KindOther,
	} {
		b, err := os.ReadFile(filepath.Join("testdata", "events", name))
		if err != nil {
			t.Fatal(err)
		}
		if got := Detect(b); got != want {
			t.Errorf("%s: Detect = %v, want %v", name, got, want)
		}
	}
	// A proxy event that merely has a "type" field is still a proxy event.
	v1 := rawEvent(t, "apigw-v1.json")
	v1["type"] = "REQUEST"
	if got := Detect(marshal(t, v1)); got != KindAPIGatewayV1 {
		t.Errorf("a v1 proxy event with a type field: %v", got)
	}
}

func TestAuthorizerRequestModel(t *testing.T) {
	cases := []struct {
		file, method, uri, header, value, ip string
	}{
		{"authorizer-token.json", "GET", "/orders/42", "authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl", ""},
		{"authorizer-request.json", "GET", "/orders?status=open", "x-api-key", "k-123", "203.0.113.7"},
		{"authorizer-httpapi-v1.json", "POST", "/login?next=%2Fhome", "x-api-key", "k-123", "203.0.113.7"},
		{"authorizer-v2.json", "GET", "/orders?status=open", "authorization", "Bearer abc.def.ghi", "203.0.113.7"},
		{"websocket-connect.json", "GET", "/$connect?room=general", "origin", "https://app.example.com", "203.0.113.7"},
		{"websocket-message.json", "POST", "/sendmessage", "", "", "203.0.113.7"},
		{"websocket-disconnect.json", "GET", "/$disconnect", "host", "ws1234.execute-api.us-east-1.amazonaws.com", "203.0.113.7"},
	}
	for _, c := range cases {
		b, _ := os.ReadFile(filepath.Join("testdata", "events", c.file))
		ev, err := Decode(b)
		if err != nil || ev.Request == nil {
			t.Fatalf("%s: %v %+v", c.file, err, ev)
		}
		r := ev.Request
		if r.Method != c.method || r.URI != c.uri || r.RemoteAddr != c.ip {
			t.Errorf("%s: %s %s from %q", c.file, r.Method, r.URI, r.RemoteAddr)
		}
		if c.header != "" && ev.Header(c.header) != c.value {
			t.Errorf("%s: header %s = %q", c.file, c.header, ev.Header(c.header))
		}
	}
	b, _ := os.ReadFile(filepath.Join("testdata", "events", "websocket-message.json"))
	ev, _ := Decode(b)
	if !strings.Contains(string(ev.Request.Body), "hello everyone") {
		t.Errorf("the WebSocket message is the body: %q", ev.Request.Body)
	}
}

// TestAuthorizerDeny: an attack on an authorizer is answered with a deny in
// the authorizer's own shape (a proxy response would be an invalid
// authorizer answer, which API Gateway turns into a 500), through the raw
// handler and the typed one alike.
func TestAuthorizerDeny(t *testing.T) {
	agent, sink := testAgent(t)
	g := &Guard{Agent: agent}
	called := 0
	raw := g.Handler(lambda.NewHandler(func(ctx context.Context, in json.RawMessage) (map[string]any, error) {
		called++
		return map[string]any{"isAuthorized": true}, nil
	}))

	req := rawEvent(t, "authorizer-request.json")
	req["queryStringParameters"] = map[string]any{"status": attack}
	req["multiValueQueryStringParameters"] = map[string]any{"status": []string{attack}}
	out, err := raw.Invoke(context.Background(), marshal(t, req))
	if err != nil {
		t.Fatal(err)
	}
	var deny events.APIGatewayCustomAuthorizerResponse
	if err := json.Unmarshal(out, &deny); err != nil {
		t.Fatal(err)
	}
	st := deny.PolicyDocument.Statement
	if deny.PrincipalID == "" || len(st) != 1 || st[0].Effect != "Deny" || st[0].Resource[0] != req["methodArn"] || st[0].Action[0] != "execute-api:Invoke" {
		t.Fatalf("REQUEST authorizer deny: %s", out)
	}
	if !strings.Contains(string(out), `"Version":"2012-10-17"`) || deny.Context["rule"] == "" {
		t.Errorf("the policy's JSON: %s", out)
	}

	v2 := rawEvent(t, "authorizer-v2.json")
	v2["rawQueryString"] = "status=" + url.QueryEscape(attack)
	out, err = raw.Invoke(context.Background(), marshal(t, v2))
	if err != nil {
		t.Fatal(err)
	}
	var both struct {
		IsAuthorized   *bool                                   `json:"isAuthorized"`
		PolicyDocument events.APIGatewayCustomAuthorizerPolicy `json:"policyDocument"`
	}
	if err := json.Unmarshal(out, &both); err != nil || both.IsAuthorized == nil || *both.IsAuthorized ||
		len(both.PolicyDocument.Statement) != 1 || both.PolicyDocument.Statement[0].Effect != "Deny" {
		t.Fatalf("HTTP API authorizer deny (both formats): %s", out)
	}
	if called != 0 {
		t.Errorf("the authorizer ran %d times for blocked requests", called)
	}

	// The typed handlers.
	tok := readEvent[events.APIGatewayCustomAuthorizerRequest](t, "authorizer-token.json")
	tok.AuthorizationToken = "Bearer " + attack
	th := g.Wrap(func(ctx context.Context, in events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		called++
		return events.APIGatewayCustomAuthorizerResponse{PrincipalID: "alice"}, nil
	}).(func(context.Context, events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error))
	resp, err := th(context.Background(), tok)
	if err != nil || resp.PolicyDocument.Statement == nil || resp.PolicyDocument.Statement[0].Effect != "Deny" || resp.PolicyDocument.Statement[0].Resource[0] != tok.MethodArn {
		t.Fatalf("TOKEN authorizer: %+v %v", resp, err)
	}
	sh := g.Wrap(func(ctx context.Context, in events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
		called++
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true}, nil
	}).(func(context.Context, events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error))
	in2 := readEvent[events.APIGatewayV2CustomAuthorizerV2Request](t, "authorizer-v2.json")
	if ok, err := sh(context.Background(), in2); err != nil || !ok.IsAuthorized {
		t.Fatalf("benign v2 authorizer: %+v %v", ok, err)
	}
	in2.Headers["x-search"] = attack
	if no, err := sh(context.Background(), in2); err != nil || no.IsAuthorized {
		t.Fatalf("simple-response authorizer: %+v %v", no, err)
	}
	if called != 1 {
		t.Errorf("authorizer calls = %d, want 1 (the benign one)", called)
	}
	var blocked int
	for _, e := range sink.Events() {
		if e.Blocked {
			blocked++
		}
	}
	if blocked < 4 {
		t.Errorf("%d blocked attack events, want 4", blocked)
	}
}

// TestAuthorizerSinkDeny: a sink check that blocks inside an authorizer
// (its SQL lookup of the token) denies too.
func TestAuthorizerSinkDeny(t *testing.T) {
	agent, _ := testAgentMode(t, rampart.ModeMonitor)
	g := &Guard{Agent: agent}
	h := g.Wrap(func(ctx context.Context, in events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		q := "SELECT id FROM keys WHERE key = '" + in.QueryStringParameters["key"] + "'"
		if err := rampart.FromContext(ctx).CheckSQL("sqlite", q); err != nil {
			return events.APIGatewayCustomAuthorizerResponse{}, err
		}
		return events.APIGatewayCustomAuthorizerResponse{PrincipalID: "k"}, nil
	}).(func(context.Context, events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error))
	in := readEvent[events.APIGatewayCustomAuthorizerRequestTypeRequest](t, "authorizer-request.json")
	if ok, err := h(context.Background(), in); err != nil || ok.PrincipalID != "k" {
		t.Fatalf("benign: %+v %v", ok, err)
	}
	in.QueryStringParameters = map[string]string{"key": "x' OR '1'='1"}
	in.MultiValueQueryStringParameters = nil
	resp, err := h(context.Background(), in)
	if err != nil || len(resp.PolicyDocument.Statement) != 1 || resp.PolicyDocument.Statement[0].Effect != "Deny" {
		t.Fatalf("SQL injection through the authorizer's key lookup: %+v %v", resp, err)
	}
}

// TestWebSocketMessageInspected: the body of a WebSocket MESSAGE reaches
// the WAF, and a blocked one gets a 403 route response.
func TestWebSocketMessageInspected(t *testing.T) {
	agent, _ := testAgent(t)
	g := &Guard{Agent: agent}
	calls := 0
	h := g.Wrap(func(ctx context.Context, in events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		calls++
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	}).(func(context.Context, events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error))
	in := readEvent[events.APIGatewayWebsocketProxyRequest](t, "websocket-message.json")
	if ok, err := h(context.Background(), in); err != nil || ok.StatusCode != 200 {
		t.Fatalf("benign message: %+v %v", ok, err)
	}
	in.Body = `{"action":"sendmessage","text":"` + strings.ReplaceAll(attack, `"`, `\"`) + `"}`
	resp, err := h(context.Background(), in)
	if err != nil || resp.StatusCode != 403 || !strings.Contains(resp.Body, "blocked") {
		t.Fatalf("attack in a message: %+v %v", resp, err)
	}
	// Through the raw handler as well.
	raw := g.Handler(lambda.NewHandler(func(ctx context.Context, in json.RawMessage) (map[string]any, error) {
		calls++
		return map[string]any{"statusCode": 200}, nil
	}))
	msg := rawEvent(t, "websocket-message.json")
	msg["body"] = in.Body
	out, err := raw.Invoke(context.Background(), marshal(t, msg))
	if err != nil || !strings.Contains(string(out), `"statusCode":403`) {
		t.Fatalf("raw: %s %v", out, err)
	}
	if calls != 1 {
		t.Errorf("handler calls = %d, want 1", calls)
	}
}
