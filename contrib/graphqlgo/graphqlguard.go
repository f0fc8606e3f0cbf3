// Package graphqlguard protects GraphQL servers built with graph-gophers'
// graphql-go (github.com/graph-gophers/graphql-go) with rampart: the WAF
// evaluates the arguments of every field of an operation, variables
// substituted, before any resolver runs, and exploit prevention compares
// the sinks reached inside the resolvers (sqlguard, contrib/pgx, execguard,
// fsguard) with each argument, so that an injection in a GraphQL variable
// or in an argument written inside the query document is found as the
// value the resolver received, not as a piece of the request body.
//
//	agent := rampart.Default()
//	schema := graphql.MustParseSchema(sdl, &resolver{}, graphql.Tracer(graphqlguard.Tracer{Agent: agent}))
//	http.Handle("/query", graphqlguard.Handler(agent, &relay.Handler{Schema: schema}))
//
// Tracer is a graphql-go tracer (the schema option graphql.Tracer): its
// TraceQuery runs after the schema has validated the document and before
// the root resolvers, and its TraceField before each resolver. A tracer
// cannot return an error, so a blocked operation is stopped by the
// context the tracer hands back, already canceled (with a
// *rampart.BlockedError as its cause, context.Cause): graphql-go calls no
// resolver on a canceled context. Handler is httpguard's middleware (the
// request line, headers and body go through the WAF first, and the
// request's security context reaches the resolvers on their context) with
// a GraphQL block response: it replaces whatever the GraphQL handler
// writes for a blocked request with the blocking action's HTTP status (403
// by default) and a GraphQL error, {"errors": [{"message": ...,
// "extensions": {"code": "BLOCKED", "rule": ...}}], "data": null}. The
// tracer reads the security context from the operation's context: behind
// another rampart guard (a router module, lambdaguard) it works the same,
// and BlockResponse gives the body to answer with when the schema is
// executed by code of your own.
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
// graphql-go does not expose its parsed document to a tracer, so
// TraceQuery parses the query again with gqlparser's parser
// (github.com/vektah/gqlparser/v2/parser, no schema needed). If that parser
// does not accept a document graphql-go has accepted, the arguments are
// still evaluated as graphql.server.all_resolvers, field by field, with
// the values graphql-go passes to each resolver (TraceField), before that
// resolver runs. Subscriptions (Schema.Subscribe) are not covered:
// graphql-go calls no tracer before the subscription's resolver.
package graphqlguard

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/graph-gophers/graphql-go"
	gqlerrors "github.com/graph-gophers/graphql-go/errors"
	"github.com/graph-gophers/graphql-go/introspection"
	"github.com/graph-gophers/graphql-go/trace/tracer"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/httpguard"
	"github.com/rampartsec/rampart/internal/gqlvalue"
	"github.com/rampartsec/rampart/waf"
)

// Tracer is the graphql-go tracer that evaluates the resolvers' arguments
// (graphql.MustParseSchema(sdl, res, graphql.Tracer(graphqlguard.Tracer{Agent:
// agent}))). Agent, the agent of the guard in front, tells whether a rule
// reads graphql.server.all_resolvers and graphql.server.resolver; nil runs
// only graphql.server.all_resolvers. Next, when set, is a tracer of your
// own (OpenTelemetry's, OpenTracing's) that Tracer calls around its own
// work, its validation tracing included.
type Tracer struct {
	Agent *rampart.Agent
	Next  tracer.Tracer
}

var (
	_ tracer.Tracer           = Tracer{}
	_ tracer.ValidationTracer = Tracer{}
)

// stateKey is the context key of an operation's queryState.
type stateKey struct{}

// queryState is what TraceQuery leaves on the operation's context for
// TraceField.
type queryState struct {
	sec *rampart.Request
	// resolver: a rule reads graphql.server.resolver.
	resolver bool
	// fieldByField: the document could not be walked, each field's
	// arguments are evaluated as graphql.server.all_resolvers in
	// TraceField.
	fieldByField bool
}

// stop returns ctx canceled, with the block as its cause, when the
// request is blocked (graphql-go then calls no resolver under it), and ctx
// itself otherwise. The contexts of requests that are not blocked are left
// as they are: a cancelable context of rampart's own under every
// operation would make database/sql and drivers watch it with a goroutine
// per statement.
func (st *queryState) stop(ctx context.Context) (context.Context, bool) {
	a := st.sec.Blocked()
	if a == nil {
		return ctx, false
	}
	ctx, cancel := context.WithCancelCause(ctx)
	cancel(&rampart.BlockedError{RuleID: a.RuleID, Action: a})
	return ctx, true
}

// TraceQuery evaluates the arguments of the operation's fields
// (graphql.server.all_resolvers), before any resolver runs. The context it
// returns is canceled when the request is blocked, so graphql-go calls no
// resolver.
func (t Tracer) TraceQuery(ctx context.Context, queryString, operationName string, variables map[string]any, varTypes map[string]*introspection.Type) (context.Context, tracer.QueryFinishFunc) {
	var nextFinish tracer.QueryFinishFunc
	if t.Next != nil {
		ctx, nextFinish = t.Next.TraceQuery(ctx, queryString, operationName, variables, varTypes)
	}
	sec := rampart.FromContext(ctx)
	if sec == nil {
		if nextFinish != nil {
			return ctx, nextFinish
		}
		return ctx, noopQueryFinish
	}
	st := &queryState{sec: sec}
	st.resolver = t.Agent != nil && t.Agent.Engine().Reads(waf.AddrGraphQLResolver)
	ctx = context.WithValue(ctx, stateKey{}, st)
	if sec.Blocked() == nil && (t.Agent == nil || t.Agent.Engine().Reads(waf.AddrGraphQLAllResolvers)) {
		all, ok := allResolvers(queryString, operationName, variables)
		switch {
		case !ok:
			st.fieldByField = true
		case all.Len() > 0:
			sec.Run(waf.Address{Name: waf.AddrGraphQLAllResolvers, Value: all})
		}
	}
	ctx, _ = st.stop(ctx)
	if nextFinish != nil {
		return ctx, nextFinish
	}
	return ctx, noopQueryFinish
}

// TraceField runs graphql.server.resolver before a resolver with
// arguments, when a rule reads it, and refuses to resolve a field of a
// blocked request (blocked by a rule or at a sink inside another
// resolver): the field's context is canceled. Trivial fields (a
// struct field or a method without context, arguments or error) are not
// looked at.
func (t Tracer) TraceField(ctx context.Context, label, typeName, fieldName string, trivial bool, args map[string]any) (context.Context, tracer.FieldFinishFunc) {
	finish := noopFieldFinish
	if t.Next != nil {
		ctx, finish = t.Next.TraceField(ctx, label, typeName, fieldName, trivial, args)
	}
	if trivial {
		return ctx, finish
	}
	st, _ := ctx.Value(stateKey{}).(*queryState)
	if st == nil {
		return ctx, finish
	}
	if ctx, stopped := st.stop(ctx); stopped {
		return ctx, finish
	}
	if len(args) > 0 && (st.fieldByField || st.resolver) {
		m := gqlvalue.FromGo(args)
		if st.fieldByField {
			st.sec.Run(waf.Address{Name: waf.AddrGraphQLAllResolvers, Value: waf.Map([]waf.Field{{Key: fieldName, Value: waf.List([]waf.Field{{Value: m}})}})})
		}
		if st.resolver && st.sec.Blocked() == nil {
			st.sec.Run(waf.Address{Name: waf.AddrGraphQLResolver, Value: waf.Map([]waf.Field{{Key: fieldName, Value: m}})})
		}
		ctx, _ = st.stop(ctx)
	}
	return ctx, finish
}

// TraceValidation traces the validation of a document with Next, when it
// traces validation (tracer.ValidationTracer).
func (t Tracer) TraceValidation(ctx context.Context) tracer.ValidationFinishFunc {
	if v, ok := t.Next.(tracer.ValidationTracer); ok {
		return v.TraceValidation(ctx)
	}
	return noopQueryFinish
}

func noopQueryFinish([]*gqlerrors.QueryError) {}
func noopFieldFinish(*gqlerrors.QueryError)   {}

// Handler protects the GraphQL HTTP handler h (a *relay.Handler, or a
// handler of your own that calls Schema.Exec with the request's context)
// with agent, as httpguard.New does, answering a blocked request with
// WriteBlockResponse, whatever h wrote for it; a nil agent returns h.
func Handler(agent *rampart.Agent, h http.Handler) http.Handler {
	if agent == nil {
		return h
	}
	return &httpguard.Guard{Agent: agent, Next: h, BlockResponse: WriteBlockResponse}
}

// WriteBlockResponse writes the response of a blocked GraphQL request:
// the action's status and BlockResponse as JSON (a redirect action
// redirects, as httpguard does).
func WriteBlockResponse(w http.ResponseWriter, r *http.Request, a *waf.Action) {
	gqlvalue.WriteBlock(w, r, a, BlockResponse(a))
}

// BlockResponse returns the GraphQL response of a request blocked by
// action a: no data, and one error naming the rule, with the extensions
// code BLOCKED. Code that executes the schema itself answers with it when
// rampart.FromContext(ctx).Blocked() returns an action after Schema.Exec.
func BlockResponse(a *waf.Action) *graphql.Response {
	return &graphql.Response{
		Errors: []*gqlerrors.QueryError{{
			Message:    gqlvalue.Message(a),
			Extensions: gqlvalue.Extensions(a),
		}},
		Data: json.RawMessage("null"),
	}
}

// maxSelectionDepth bounds the walk of an operation's selections.
const maxSelectionDepth = 64

// allResolvers returns graphql.server.all_resolvers for the operation of
// the document query named operationName (the only one when it is
// empty): each field with arguments, in order of first appearance, with
// the list of its argument maps. ok is false when the document does not
// parse or has no such operation.
func allResolvers(query, operationName string, vars map[string]any) (all waf.Value, ok bool) {
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return waf.Value{}, false
	}
	var op *ast.OperationDefinition
	if operationName != "" {
		op = doc.Operations.ForName(operationName)
	} else if len(doc.Operations) == 1 {
		op = doc.Operations[0]
	}
	if op == nil {
		return waf.Value{}, false
	}
	w := resolverWalk{doc: doc, vars: vars, index: map[string]int{}, frags: map[string]bool{}}
	w.selections(op.SelectionSet, 0)
	out := make([]waf.Field, len(w.fields))
	for i, f := range w.fields {
		out[i] = waf.Field{Key: f.name, Value: waf.List(f.args)}
	}
	return waf.Map(out), true
}

type resolverField struct {
	name string
	args []waf.Field
}

type resolverWalk struct {
	doc    *ast.QueryDocument
	vars   map[string]any
	fields []resolverField
	index  map[string]int
	frags  map[string]bool
}

func (w *resolverWalk) selections(set ast.SelectionSet, depth int) {
	if depth > maxSelectionDepth {
		return
	}
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			if len(s.Arguments) > 0 {
				args := make([]waf.Field, len(s.Arguments))
				for i, a := range s.Arguments {
					args[i] = waf.Field{Key: a.Name, Value: w.value(a.Value, 0)}
				}
				i, ok := w.index[s.Name]
				if !ok {
					i = len(w.fields)
					w.index[s.Name] = i
					w.fields = append(w.fields, resolverField{name: s.Name})
				}
				w.fields[i].args = append(w.fields[i].args, waf.Field{Value: waf.Map(args)})
			}
			w.selections(s.SelectionSet, depth+1)
		case *ast.InlineFragment:
			w.selections(s.SelectionSet, depth+1)
		case *ast.FragmentSpread:
			if !w.frags[s.Name] {
				w.frags[s.Name] = true
				if f := w.doc.Fragments.ForName(s.Name); f != nil {
					w.selections(f.SelectionSet, depth+1)
				}
			}
		}
	}
}

// value converts an argument written in the document to a WAF value,
// variables substituted (graphql-go has filled in the variables' default
// values).
func (w *resolverWalk) value(v *ast.Value, depth int) waf.Value {
	if v == nil || depth > 2*waf.MaxDepth {
		return waf.Null()
	}
	switch v.Kind {
	case ast.Variable:
		return gqlvalue.FromGo(w.vars[v.Raw])
	case ast.IntValue, ast.FloatValue:
		return waf.Number(v.Raw)
	case ast.StringValue, ast.BlockValue, ast.EnumValue:
		return waf.String(v.Raw)
	case ast.BooleanValue:
		return waf.Bool(v.Raw == "true")
	case ast.ListValue:
		out := make([]waf.Field, len(v.Children))
		for i, c := range v.Children {
			out[i].Value = w.value(c.Value, depth+1)
		}
		return waf.List(out)
	case ast.ObjectValue:
		out := make([]waf.Field, len(v.Children))
		for i, c := range v.Children {
			out[i] = waf.Field{Key: c.Name, Value: w.value(c.Value, depth+1)}
		}
		return waf.Map(out)
	}
	return waf.Null()
}
