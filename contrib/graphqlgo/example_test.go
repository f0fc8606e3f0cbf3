package graphqlguard_test

import (
	"context"
	"net/http"

	graphql "github.com/graph-gophers/graphql-go"
	"github.com/graph-gophers/graphql-go/relay"

	"github.com/rampartsec/rampart"
	graphqlguard "github.com/rampartsec/rampart/contrib/graphqlgo"
)

type exampleResolver struct{}

func (*exampleResolver) Hello(ctx context.Context, args struct{ Name string }) string {
	return "Hello, " + args.Name
}

// A graphql-go server behind rampart: the tracer evaluates the resolvers'
// arguments, Handler evaluates the HTTP request and answers a blocked one
// with a GraphQL error.
func ExampleTracer() {
	agent := rampart.Default() // nil when rampart is disabled: Handler returns relay's handler
	schema := graphql.MustParseSchema(`type Query { hello(name: String!): String! }`, &exampleResolver{},
		graphql.Tracer(graphqlguard.Tracer{Agent: agent}))
	http.Handle("/query", graphqlguard.Handler(agent, &relay.Handler{Schema: schema}))
	// Output:
}
