package graphqlguard

import (
	"context"
	"errors"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	gqlerrors "github.com/graph-gophers/graphql-go/errors"
	"github.com/graph-gophers/graphql-go/introspection"
	"github.com/graph-gophers/graphql-go/trace/tracer"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/internal/eventtest"
	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/rules"
)

func request(t *testing.T) (*rampart.Agent, *rampart.Request, context.Context) {
	t.Helper()
	agent, err := rampart.New(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, Rules: rules.Default(), Exporter: &eventtest.Recorder{}, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	sec := agent.BeginHTTP(httptest.NewRequest("POST", "/query", nil))
	t.Cleanup(func() { sec.Finish(200) })
	return agent, sec, rampart.WithRequest(context.Background(), sec)
}

// A document the walk cannot read (here, not GraphQL at all; in practice
// one gqlparser would reject and graphql-go accepts): the arguments
// graphql-go passes to each resolver are evaluated as all_resolvers,
// before the resolver, and a blocked one gets a canceled context with the
// block as its cause, as does every resolver after it.
func TestFieldByField(t *testing.T) {
	agent, sec, ctx := request(t)
	tr := Tracer{Agent: agent}
	qctx, finish := tr.TraceQuery(ctx, "not a GraphQL document", "", nil, nil)
	defer finish(nil)
	fctx, _ := tr.TraceField(qctx, "Query.search", "Query", "search", false, map[string]any{"q": "widget"})
	if fctx.Err() != nil || sec.Blocked() != nil {
		t.Fatal("benign argument blocked")
	}
	fctx, _ = tr.TraceField(qctx, "Query.search", "Query", "search", false, map[string]any{"q": "x' UNION SELECT password FROM users --"})
	if fctx.Err() == nil {
		t.Fatal("injection not stopped")
	}
	if c, _ := tr.TraceField(qctx, "Query.item", "Query", "item", false, nil); c.Err() == nil {
		t.Error("a resolver after the block not stopped")
	}
	var be *rampart.BlockedError
	if !errors.As(context.Cause(fctx), &be) || !strings.HasPrefix(be.RuleID, "rp-sqli") {
		t.Fatalf("cause %v", context.Cause(fctx))
	}
	m := sec.Matches()
	if len(m) == 0 || m[0].Address != "graphql.server.all_resolvers" || strings.Join(m[0].KeyPath, ".") != "search.0.q" {
		t.Errorf("matches %+v", m)
	}
}

type recordingTracer struct{ calls []string }

func (r *recordingTracer) TraceQuery(ctx context.Context, q, op string, _ map[string]any, _ map[string]*introspection.Type) (context.Context, tracer.QueryFinishFunc) {
	r.calls = append(r.calls, "query "+op)
	return ctx, func([]*gqlerrors.QueryError) { r.calls = append(r.calls, "query finished") }
}

func (r *recordingTracer) TraceField(ctx context.Context, label, _, _ string, trivial bool, _ map[string]any) (context.Context, tracer.FieldFinishFunc) {
	r.calls = append(r.calls, "field "+label)
	return ctx, func(*gqlerrors.QueryError) { r.calls = append(r.calls, "field finished") }
}

func (r *recordingTracer) TraceValidation(context.Context) tracer.ValidationFinishFunc {
	r.calls = append(r.calls, "validation")
	return func([]*gqlerrors.QueryError) {}
}

// Next is called around the tracer's own work, trivial fields and
// validation included; without a request on the context, the tracer only
// calls Next.
func TestNext(t *testing.T) {
	agent, _, ctx := request(t)
	next := &recordingTracer{}
	tr := Tracer{Agent: agent, Next: next}
	tr.TraceValidation(ctx)(nil)
	qctx, finish := tr.TraceQuery(ctx, `query Q { item(id: "1") { id } }`, "Q", nil, nil)
	fctx, ffinish := tr.TraceField(qctx, "Query.item", "Query", "item", false, map[string]any{"id": "1"})
	ffinish(nil)
	_, ffinish = tr.TraceField(fctx, "Item.id", "Item", "id", true, nil)
	ffinish(nil)
	finish(nil)
	if got := strings.Join(next.calls, ", "); got != "validation, query Q, field Query.item, field finished, field Item.id, field finished, query finished" {
		t.Errorf("next saw %s", got)
	}
	if qctx.Err() != nil || fctx.Err() != nil {
		t.Error("benign operation's context canceled")
	}
	bare := context.Background()
	if c, _ := tr.TraceQuery(bare, `{ item(id: "1") { id } }`, "", nil, nil); c != bare {
		t.Error("without a request, the context changed")
	}
	if (Tracer{}).TraceValidation(ctx) == nil {
		t.Error("no validation finish without Next")
	}
}

// The walk: fields with arguments in order of first appearance, one
// argument map per occurrence, literals and variables as the WAF values
// they are.
func TestAllResolvers(t *testing.T) {
	q := `query Q($v: String, $n: Int) { a: item(id: $v) { id } search(q: "s", limit: $n) { ...F } x: item(id: "2") { id } }
fragment F on Item { id other(list: [1, 2.5, true, null, ENUM, {k: """block"""}]) }
query R { item(id: "r") { id } }`
	all, ok := allResolvers(q, "Q", map[string]any{"v": "var", "n": float64(3)})
	if !ok {
		t.Fatal("not walked")
	}
	if got := dump(all); got != `{item:[{id:"var"},{id:"2"}],search:[{q:"s",limit:3}],other:[{list:[1,2.5,true,null,"ENUM",{k:"block"}]}]}` {
		t.Errorf("all_resolvers %s", got)
	}
	if _, ok := allResolvers(q, "", nil); ok {
		t.Error("two operations and no name: walked")
	}
	if _, ok := allResolvers(q, "S", nil); ok {
		t.Error("no operation S: walked")
	}
	if all, ok := allResolvers(`{ a { b } }`, "", nil); !ok || all.Len() != 0 {
		t.Errorf("no arguments: %v %s", ok, dump(all))
	}
}

// dump writes v compactly: maps {k:v}, lists [v], strings quoted.
func dump(v waf.Value) string {
	var b strings.Builder
	var walk func(v waf.Value)
	walk = func(v waf.Value) {
		switch v.Kind() {
		case waf.KindNull:
			b.WriteString("null")
		case waf.KindString:
			b.WriteString(strconv.Quote(v.Str()))
		case waf.KindNumber:
			b.WriteString(v.Str())
		case waf.KindBool:
			b.WriteString(strconv.FormatBool(v.BoolValue()))
		case waf.KindMap, waf.KindList:
			open, end := "{", "}"
			if v.Kind() == waf.KindList {
				open, end = "[", "]"
			}
			b.WriteString(open)
			for i := range v.Len() {
				if i > 0 {
					b.WriteByte(',')
				}
				f := v.Index(i)
				if v.Kind() == waf.KindMap {
					b.WriteString(f.Key + ":")
				}
				walk(f.Value)
			}
			b.WriteString(end)
		}
	}
	walk(v)
	return b.String()
}

// BenchmarkTraceQuery is the tracer's work before the root resolvers
// (the document parsed again, graphql.server.all_resolvers built and
// evaluated), without the execution: "begin" is the request's evaluation
// at the HTTP layer alone (no body), "trace" the same and TraceQuery; the
// tracer's cost is the difference.
func BenchmarkTraceQuery(b *testing.B) {
	agent, err := rampart.New(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, Rules: rules.Default(), Exporter: &eventtest.Recorder{}, Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	tr := Tracer{Agent: agent}
	q := `query Search($q: String!, $id: ID!) { search(q: $q, limit: 5) { id name } item(id: $id) { name } }`
	vars := map[string]any{"q": "blue widgets", "id": "42"}
	for _, trace := range []bool{false, true} {
		name := "begin"
		if trace {
			name = "trace"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sec := agent.BeginHTTP(httptest.NewRequest("POST", "/query", nil))
				if trace {
					ctx, finish := tr.TraceQuery(rampart.WithRequest(context.Background(), sec), q, "Search", vars, nil)
					finish(nil)
					if ctx.Err() != nil || sec.Blocked() != nil {
						b.Fatal("blocked")
					}
				}
				sec.Finish(200)
			}
		})
	}
}
