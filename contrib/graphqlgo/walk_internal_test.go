package graphqlguard

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	graphql "github.com/graph-gophers/graphql-go"
	gqlerrors "github.com/graph-gophers/graphql-go/errors"
	"github.com/graph-gophers/graphql-go/introspection"
	"github.com/graph-gophers/graphql-go/trace/tracer"

	"github.com/rampartsec/rampart/internal/gqlvalue"
	"github.com/rampartsec/rampart/waf"
)

// argsTracer records, per field, the arguments graphql-go passes to its
// resolvers, and the query's all_resolvers as the walk builds it.
type argsTracer struct {
	mu     sync.Mutex
	fields map[string][]string
	all    waf.Value
}

func (a *argsTracer) TraceQuery(ctx context.Context, q, op string, vars map[string]any, _ map[string]*introspection.Type) (context.Context, tracer.QueryFinishFunc) {
	a.all, _ = allResolvers(q, op, vars)
	return ctx, func([]*gqlerrors.QueryError) {}
}

func (a *argsTracer) TraceField(ctx context.Context, _, _, field string, _ bool, args map[string]any) (context.Context, tracer.FieldFinishFunc) {
	if len(args) > 0 {
		a.mu.Lock()
		a.fields[field] = append(a.fields[field], canonical(gqlvalue.FromGo(args)))
		a.mu.Unlock()
	}
	return ctx, func(*gqlerrors.QueryError) {}
}

// canonical writes v with map keys sorted and numbers as floats.
func canonical(v waf.Value) string {
	switch v.Kind() {
	case waf.KindString:
		return strconv.Quote(v.Str())
	case waf.KindNumber:
		f, _ := strconv.ParseFloat(v.Str(), 64)
		return strconv.FormatFloat(f, 'g', -1, 64)
	case waf.KindBool:
		return strconv.FormatBool(v.BoolValue())
	case waf.KindMap:
		var parts []string
		for i := range v.Len() {
			f := v.Index(i)
			parts = append(parts, f.Key+":"+canonical(f.Value))
		}
		sort.Strings(parts)
		return "{" + strings.Join(parts, ",") + "}"
	case waf.KindList:
		var parts []string
		for i := range v.Len() {
			parts = append(parts, canonical(v.Index(i).Value))
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	return "null"
}

type walkRoot struct{}

type walkIn struct {
	S *string
	L *[]*int32
	N *walkIn
}

type walkObj struct{}

func (*walkRoot) F(args struct {
	A *string
	B *[]*string
	C *walkIn
	E *string
}) *walkObj {
	return &walkObj{}
}
func (*walkObj) G(args struct{ X *string }) *string { return args.X }

// The walk sees the arguments graphql-go passes to the resolvers:
// literals, variables, default values, lists, input objects, block
// strings and escapes, aliases, fragments and inline fragments.
func TestWalkMatchesGraphQLGo(t *testing.T) {
	rec := &argsTracer{}
	s := graphql.MustParseSchema(`
schema { query: Query }
enum E { ONE TWO }
input In { s: String, l: [Int], n: In }
type Query { f(a: String, b: [String], c: In, e: String): Obj }
type Obj { g(x: String): String }`, &walkRoot{}, graphql.Tracer(rec))
	for _, c := range []struct {
		q    string
		vars map[string]any
	}{
		{`{ f(a: "x' OR 1=1 --") { g(x: "\u0041\n\"q\"") } }`, nil},
		{`query($v: String, $w: [String] = ["d1", "d2"]) { f(a: $v, b: $w) { g } }`, map[string]any{"v": "<script>"}},
		{`query($i: In) { f(c: $i) { x: g(x: "1") y: g(x: "2") } }`, map[string]any{"i": map[string]any{"s": "s", "l": []any{1, 2}, "n": map[string]any{"s": "deep"}}}},
		{`{ f(c: {s: """block "quoted" \n""", l: [1, 2, 3], n: {s: "nested"}}, b: ["a", "b"]) { ...G ... on Obj { h: g(x: "inline") } } } fragment G on Obj { g(x: "frag") }`, nil},
		{"query Q($a: String = \"dflt\") { one: f(a: $a) { g } two: f(a: \"lit\", e: \"e\") { g } }", nil},
	} {
		rec.fields = map[string][]string{}
		if resp := s.Exec(context.Background(), c.q, "", c.vars); len(resp.Errors) > 0 {
			t.Fatalf("%s: %v", c.q, resp.Errors)
		}
		want := map[string][]string{}
		for i := range rec.all.Len() {
			f := rec.all.Index(i)
			for j := range f.Value.Len() {
				want[f.Key] = append(want[f.Key], canonical(f.Value.Index(j).Value))
			}
		}
		for k := range want {
			sort.Strings(want[k])
			sort.Strings(rec.fields[k])
			if strings.Join(want[k], " ") != strings.Join(rec.fields[k], " ") {
				t.Errorf("%s: %s: walk %v, graphql-go %v", c.q, k, want[k], rec.fields[k])
			}
		}
		if len(want) != len(rec.fields) {
			t.Errorf("%s: walk %v, graphql-go %v", c.q, want, rec.fields)
		}
	}
}
