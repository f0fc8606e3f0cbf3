package gqlguard_test

import (
	"net/http"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/rampartsec/rampart"
	gqlguard "github.com/rampartsec/rampart/contrib/gqlgen"
	"github.com/rampartsec/rampart/contrib/gqlgen/internal/testserver"
)

// A gqlgen server behind rampart: Handler evaluates the HTTP request and
// answers a blocked one with a GraphQL error, the extension evaluates the
// resolvers' arguments.
func ExampleExtension() {
	agent := rampart.Default()
	srv := handler.New(testserver.NewExecutableSchema(testserver.Config{Resolvers: &testserver.Resolver{}}))
	srv.AddTransport(transport.POST{})
	srv.Use(gqlguard.Extension{Agent: agent})
	http.Handle("/query", gqlguard.Handler(agent, srv))
}
