// Package gqlguard protects GraphQL servers built with gqlgen
// (github.com/99designs/gqlgen) with rampart: the WAF evaluates the
// arguments of every field of an operation, variables substituted, before
// any resolver runs, and exploit prevention compares the sinks reached
// inside the resolvers (sqlguard, contrib/pgx, execguard, fsguard) with
// each argument, so that an injection in a GraphQL variable or in an
// argument written inside the query document is found as the value the
// resolver received, not as a piece of the request body.
//
//	srv := handler.New(generated.NewExecutableSchema(cfg))
//	srv.AddTransport(transport.POST{})
//	agent := rampart.Default()
//	srv.Use(gqlguard.Extension{Agent: agent})
//	http.Handle("/query", gqlguard.Handler(agent, srv))
//
// Handler is httpguard's middleware (the request line, headers and body go
// through the WAF first, and the request's security context reaches the
// resolvers on their context) with a GraphQL block response: a blocked
// request is answered with the blocking action's HTTP status (403 by
// default) and a GraphQL error, {"errors": [{"message": ..., "extensions":
// {"code": "BLOCKED", "rule": ...}}], "data": null}. The extension reads
// the security context from the operation's context: behind another
// rampart guard (a router module, lambdaguard) it works the same.
//
// Addresses:
//
//   - graphql.server.all_resolvers: field name → list of argument maps,
//     one per occurrence of the field in the operation (fragments
//     followed), run once before the root resolvers;
//   - graphql.server.resolver: field name → argument map, run before each
//     resolver with arguments, only when a rule reads it (the default
//     ruleset does not).
//
// An operation blocked by its arguments gets no resolver run; a resolver
// blocked at a sink returns a *rampart.BlockedError, and the response is
// the block response.
package gqlguard

import (
	"context"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/httpguard"
	"github.com/rampartsec/rampart/internal/gqlvalue"
	"github.com/rampartsec/rampart/waf"
)

// Extension is the gqlgen handler extension
// (srv.Use(gqlguard.Extension{Agent: agent})). Agent, the agent of the
// guard in front, tells whether a rule reads graphql.server.resolver; nil
// runs only graphql.server.all_resolvers.
type Extension struct {
	Agent *rampart.Agent
}

var (
	_ graphql.HandlerExtension     = Extension{}
	_ graphql.OperationInterceptor = Extension{}
	_ graphql.FieldInterceptor     = Extension{}
)

// ExtensionName names the extension.
func (Extension) ExtensionName() string { return "RampartGuard" }

// Validate accepts every schema.
func (Extension) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation evaluates the arguments of the operation's fields
// (graphql.server.all_resolvers) and answers a blocked operation with the
// block error, before any resolver runs.
func (Extension) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	sec := rampart.FromContext(ctx)
	if sec == nil || !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	if a := sec.Blocked(); a != nil {
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{blockError(a)}})
	}
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation != nil {
		all := allResolvers(oc)
		if all.Len() > 0 {
			sec.Run(waf.Address{Name: waf.AddrGraphQLAllResolvers, Value: all})
		}
	}
	if a := sec.Blocked(); a != nil {
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{blockError(a)}})
	}
	return next(ctx)
}

// InterceptField runs graphql.server.resolver before a resolver with
// arguments, when a rule reads it, and refuses to resolve a field of a
// blocked request.
func (e Extension) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	sec := rampart.FromContext(ctx)
	if sec == nil {
		return next(ctx)
	}
	fc := graphql.GetFieldContext(ctx)
	if fc != nil && fc.IsResolver && fc.Field.Field != nil && len(fc.Field.Arguments) > 0 {
		if e.Agent != nil && e.Agent.Engine().Reads(waf.AddrGraphQLResolver) {
			var vars map[string]any
			if graphql.HasOperationContext(ctx) {
				vars = graphql.GetOperationContext(ctx).Variables
			}
			args := fc.Field.ArgumentMap(vars)
			sec.Run(waf.Address{Name: waf.AddrGraphQLResolver, Value: waf.Map([]waf.Field{{Key: fc.Field.Name, Value: gqlvalue.FromGo(args)}})})
		}
	}
	if a := sec.Blocked(); a != nil && fc != nil && fc.IsResolver {
		return nil, &rampart.BlockedError{RuleID: a.RuleID, Action: a}
	}
	return next(ctx)
}

// Handler protects the GraphQL HTTP handler h with agent, as
// httpguard.New does, answering a blocked request with WriteBlockResponse;
// a nil agent returns h.
func Handler(agent *rampart.Agent, h http.Handler) http.Handler {
	if agent == nil {
		return h
	}
	return &httpguard.Guard{Agent: agent, Next: h, BlockResponse: WriteBlockResponse}
}

// WriteBlockResponse writes the response of a blocked GraphQL request:
// the action's status and a GraphQL error naming the rule (a redirect
// action redirects, as httpguard does).
func WriteBlockResponse(w http.ResponseWriter, r *http.Request, a *waf.Action) {
	gqlvalue.WriteBlock(w, r, a, &graphql.Response{Errors: gqlerror.List{blockError(a)}})
}

func blockError(a *waf.Action) *gqlerror.Error {
	return &gqlerror.Error{Message: gqlvalue.Message(a), Extensions: gqlvalue.Extensions(a)}
}

// maxSelectionDepth bounds the walk of an operation's selections.
const maxSelectionDepth = 64

// allResolvers returns graphql.server.all_resolvers for the operation:
// each field with arguments, in order of first appearance, with the list
// of its argument maps.
func allResolvers(oc *graphql.OperationContext) waf.Value {
	w := resolverWalk{vars: oc.Variables, index: map[string]int{}, frags: map[string]bool{}}
	w.selections(oc.Operation.SelectionSet, 0)
	out := make([]waf.Field, len(w.fields))
	for i, f := range w.fields {
		out[i] = waf.Field{Key: f.name, Value: waf.List(f.args)}
	}
	return waf.Map(out)
}

type resolverWalk struct {
	vars   map[string]any
	fields []struct {
		name string
		args []waf.Field
	}
	index map[string]int
	frags map[string]bool
}

func (w *resolverWalk) selections(set ast.SelectionSet, depth int) {
	if depth > maxSelectionDepth {
		return
	}
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			if len(s.Arguments) > 0 {
				args := gqlvalue.FromGo(s.ArgumentMap(w.vars))
				i, ok := w.index[s.Name]
				if !ok {
					i = len(w.fields)
					w.index[s.Name] = i
					w.fields = append(w.fields, struct {
						name string
						args []waf.Field
					}{name: s.Name})
				}
				w.fields[i].args = append(w.fields[i].args, waf.Field{Value: args})
			}
			w.selections(s.SelectionSet, depth+1)
		case *ast.InlineFragment:
			w.selections(s.SelectionSet, depth+1)
		case *ast.FragmentSpread:
			if s.Definition != nil && !w.frags[s.Name] {
				w.frags[s.Name] = true
				w.selections(s.Definition.SelectionSet, depth+1)
			}
		}
	}
}
