package lambdaguard_test

import (
	"context"
	"fmt"
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
