package rules_test

import (
	"slices"
	"testing"

	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/httpinput"
)

// TestVectorsAsRPCInputs runs the vectors again as a gRPC message and as
// GraphQL resolver arguments: every attack that a rule flags from the
// query and body alone is flagged by that rule when the same values come
// as grpc.server.request.message or graphql.server.all_resolvers (and no
// HTTP address), and no benign one is.
func TestVectorsAsRPCInputs(t *testing.T) {
	eng := newEngine(t)
	vs := loadVectors(t)
	raw := loadRaw(t)
	matches := func(addrs []waf.Address) []string {
		ctx := eng.NewContext()
		defer ctx.Close()
		var ids []string
		for _, m := range ctx.Run(addrs).Matches {
			ids = append(ids, m.RuleID)
		}
		return ids
	}
	// args returns the vector's query and body values, the addresses the
	// RPC inputs stand for.
	args := func(v vector) (waf.Value, bool) {
		in := &httpinput.Request{Method: "POST", URI: v.URI, Headers: v.Headers, Body: []byte(v.Body)}
		addrs, _ := httpinput.Build(in, nil, nil)
		addrs, _ = httpinput.BuildBody(in, nil, addrs)
		var fields []waf.Field
		for _, a := range addrs {
			if a.Name == waf.AddrQuery || a.Name == waf.AddrBody {
				fields = append(fields, waf.Field{Key: a.Name, Value: a.Value})
			}
		}
		return waf.Map(fields), len(fields) > 0
	}
	checked := 0
	for _, r := range raw.Rules {
		readsRPC := false
		for _, c := range r.Conditions {
			for _, in := range c.Parameters.Inputs {
				readsRPC = readsRPC || in.Address == waf.AddrGRPCMessage
			}
		}
		if !readsRPC {
			continue
		}
		for i, a := range vs[r.ID].Attack {
			v, ok := args(a)
			if !ok {
				continue
			}
			q, _ := v.Get(waf.AddrQuery)
			b, _ := v.Get(waf.AddrBody)
			var http []waf.Address
			if q.Kind() != waf.KindNull {
				http = append(http, waf.Address{Name: waf.AddrQuery, Value: q})
			}
			if b.Kind() != waf.KindNull {
				http = append(http, waf.Address{Name: waf.AddrBody, Value: b})
			}
			if !slices.Contains(matches(http), r.ID) {
				continue // flagged through another address (headers, URI)
			}
			checked++
			gq := waf.Map([]waf.Field{{Key: "search", Value: waf.List([]waf.Field{{Value: v}})}})
			for _, addr := range []waf.Address{{Name: waf.AddrGRPCMessage, Value: v}, {Name: waf.AddrGraphQLAllResolvers, Value: gq}} {
				if ids := matches([]waf.Address{addr}); !slices.Contains(ids, r.ID) {
					t.Errorf("%s attack %d as %s: not flagged (matched %v)", r.ID, i, addr.Name, ids)
				}
			}
		}
		for i, bv := range vs[r.ID].Benign {
			v, ok := args(bv)
			if !ok {
				continue
			}
			if ids := matches([]waf.Address{{Name: waf.AddrGRPCMessage, Value: v}}); slices.Contains(ids, r.ID) {
				t.Errorf("%s benign %d as a gRPC message: flagged", r.ID, i)
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d attack vectors checked as RPC inputs", checked)
	}
}
