package lambdaguard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/rampartsec/rampart/lambdaguard"
)

func hello(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "hello " + req.QueryStringParameters["name"]}, nil
}

// A function protected by rampart: main calls
// lambda.Start(lambdaguard.Wrap(hello)), and the function runs with
// RAMPART_ENABLED=true (here also RAMPART_MODE=block, and the events go to
// stderr as JSON lines: no extension).
func ExampleWrap() {
	os.Setenv("RAMPART_ENABLED", "true")
	os.Setenv("RAMPART_MODE", "block")
	os.Setenv("RAMPART_EXTENSION_ADDR", "off")

	handler := lambdaguard.Wrap(hello).(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error))
	// lambda.Start(handler) in a real function; here, two invocations.

	ok, _ := handler(context.Background(), events.APIGatewayV2HTTPRequest{
		RawPath: "/hello", RawQueryString: "name=alice", QueryStringParameters: map[string]string{"name": "alice"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", SourceIP: "203.0.113.7"}},
	})
	fmt.Println(ok.StatusCode, ok.Body)

	blocked, _ := handler(context.Background(), events.APIGatewayV2HTTPRequest{
		RawPath: "/hello", RawQueryString: "name=%3Cscript%3Ealert(1)%3C/script%3E",
		RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", SourceIP: "203.0.113.7"}},
	})
	fmt.Println(blocked.StatusCode, blocked.Headers["Content-Type"])
	// Output:
	// 200 hello alice
	// 403 application/json
}

// A net/http handler served from Lambda events: the routes of a mux, with
// the request's security context on r.Context() for the sink guards.
func ExampleHTTPHandler() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s", r.URL.Query().Get("name"))
	})
	h := lambdaguard.HTTPHandler(mux) // lambda.Start(lambdaguard.Wrap(h)) in a real function

	out, _ := h.Invoke(context.Background(), []byte(`{"version":"2.0","rawPath":"/hello","rawQueryString":"name=alice",
		"requestContext":{"stage":"$default","http":{"method":"GET","sourceIp":"203.0.113.7"}}}`))
	var resp events.APIGatewayV2HTTPResponse
	_ = json.Unmarshal(out, &resp)
	fmt.Println(resp.StatusCode, resp.Headers["Content-Type"], resp.Body)
	// Output:
	// 200 text/plain; charset=utf-8 hello alice
}
