// Command fn is the function the end-to-end tests run under the Lambda
// runtime interface emulator: one typed handler per HTTP event type
// (FN_EVENT=v1|v2|alb|url), or a raw lambda.Handler (FN_EVENT=raw), each
// wrapped with lambdaguard.Wrap. Every handler builds a SQL statement from
// the "name" query parameter by concatenation and checks it at the sink, as
// a SQL guard would before running it.
package main

import (
	"context"
	"encoding/json"
	"net/url"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/lambdaguard"
)

// lookup is the vulnerable code: the statement is built by concatenation.
func lookup(ctx context.Context, name string) (string, error) {
	stmt := "SELECT id, name FROM users WHERE name = '" + name + "'"
	if err := rampart.CheckSQL(ctx, "sqlite", stmt); err != nil {
		return "", err
	}
	return `{"user":` + quote(name) + `}`, nil
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

func main() {
	var h any
	switch os.Getenv("FN_EVENT") {
	case "v1":
		h = func(ctx context.Context, in events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
			name := first(in.QueryStringParameters["name"])
			if vs := in.MultiValueQueryStringParameters["name"]; len(vs) > 0 {
				name = vs[0]
			}
			body, err := lookup(ctx, name)
			return events.APIGatewayProxyResponse{StatusCode: 200, Body: body}, err
		}
	case "v2":
		h = func(ctx context.Context, in events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			q, _ := url.ParseQuery(in.RawQueryString)
			body, err := lookup(ctx, q.Get("name"))
			return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: body}, err
		}
	case "url":
		h = func(ctx context.Context, in events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error) {
			q, _ := url.ParseQuery(in.RawQueryString)
			body, err := lookup(ctx, q.Get("name"))
			return events.LambdaFunctionURLResponse{StatusCode: 200, Body: body}, err
		}
	case "alb":
		h = func(ctx context.Context, in events.ALBTargetGroupRequest) (events.ALBTargetGroupResponse, error) {
			raw := first(in.QueryStringParameters["name"])
			if vs := in.MultiValueQueryStringParameters["name"]; len(vs) > 0 {
				raw = vs[0]
			}
			name, _ := url.QueryUnescape(raw) // ALB does not decode
			body, err := lookup(ctx, name)
			resp := events.ALBTargetGroupResponse{StatusCode: 200, StatusDescription: "200 OK", Body: body}
			if in.MultiValueHeaders != nil {
				resp.MultiValueHeaders = map[string][]string{"Content-Type": {"application/json"}}
			}
			return resp, err
		}
	default:
		h = lambda.NewHandler(func(ctx context.Context, in map[string]any) (map[string]any, error) {
			if rampart.FromContext(ctx) == nil && os.Getenv("RAMPART_ENABLED") == "true" {
				return map[string]any{"context": false}, nil
			}
			return map[string]any{"context": true, "got": in}, nil
		})
	}
	lambda.Start(lambdaguard.Wrap(h))
}
