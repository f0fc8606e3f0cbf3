// Command wrapped is the hello function of plain, protected by rampart:
// TestBinarySize compares their sizes.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/rampartsec/rampart/lambdaguard"
)

func hello(ctx context.Context, in events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "hello"}, nil
}

func main() { lambda.Start(lambdaguard.Wrap(hello)) }
