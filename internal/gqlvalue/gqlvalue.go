// Package gqlvalue is what the GraphQL integrations (contrib/gqlgen,
// contrib/graphqlgo) share that needs no GraphQL library: the conversion of
// resolver arguments to WAF values, and the block response's envelope.
package gqlvalue

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strconv"

	"github.com/rampartsec/rampart/httpguard"
	"github.com/rampartsec/rampart/waf"
)

// FromGo converts a Go argument value (a variable's JSON value, or what a
// GraphQL server passes to a resolver: strings, numbers, booleans, maps and
// lists, or the Go values of custom scalars) to a WAF value. Nesting past
// twice waf.MaxDepth reads as null.
func FromGo(v any) waf.Value { return fromGo(v, 0) }

func fromGo(v any, depth int) waf.Value {
	if depth > 2*waf.MaxDepth {
		return waf.Null()
	}
	switch x := v.(type) {
	case nil:
		return waf.Null()
	case string:
		return waf.String(x)
	case bool:
		return waf.Bool(x)
	case int:
		return waf.Int(int64(x))
	case int32:
		return waf.Int(int64(x))
	case int64:
		return waf.Int(x)
	case float64:
		return waf.Number(strconv.FormatFloat(x, 'g', -1, 64))
	case json.Number:
		return waf.Number(string(x))
	case map[string]any:
		out := make([]waf.Field, 0, len(x))
		for k, e := range x {
			out = append(out, waf.Field{Key: k, Value: fromGo(e, depth+1)})
		}
		return waf.Map(out)
	case []any:
		out := make([]waf.Field, len(x))
		for i, e := range x {
			out[i].Value = fromGo(e, depth+1)
		}
		return waf.List(out)
	case fmt.Stringer:
		return waf.String(x.String())
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return waf.String(rv.String())
	case reflect.Slice, reflect.Array:
		out := make([]waf.Field, rv.Len())
		for i := range rv.Len() {
			out[i].Value = fromGo(rv.Index(i).Interface(), depth+1)
		}
		return waf.List(out)
	}
	return waf.String(fmt.Sprint(v))
}

// Message is the message of the GraphQL error a blocked request gets.
func Message(a *waf.Action) string {
	return "This request was blocked by the application's security policy (rule " + a.RuleID + ")."
}

// Extensions are the GraphQL error's extensions: code BLOCKED and the rule.
func Extensions(a *waf.Action) map[string]any {
	return map[string]any{"code": "BLOCKED", "rule": a.RuleID}
}

// WriteBlock writes the response of a blocked GraphQL request: the
// action's status and body (the GraphQL response, marshaled as JSON),
// headers set afresh; a redirect action redirects, as httpguard does.
func WriteBlock(w http.ResponseWriter, r *http.Request, a *waf.Action, body any) {
	if a.Type == "redirect_request" && a.Location != "" {
		httpguard.WriteBlockResponse(w, r, a)
		return
	}
	h := w.Header()
	for k := range h {
		delete(h, k)
	}
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	b, _ := json.Marshal(body)
	w.WriteHeader(a.StatusCode)
	_, _ = w.Write(append(b, '\n'))
}
