package gqlvalue

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/waf"
)

type scalar string

func (s scalar) String() string { return "scalar:" + string(s) }

func TestFromGo(t *testing.T) {
	v := FromGo(map[string]any{"q": "x' or 1=1", "n": 3, "f": 1.5, "ok": true, "list": []any{"a", nil}, "s": scalar("v"), "tags": []string{"b"}})
	for key, want := range map[string]string{"q": "x' or 1=1", "s": "scalar:v"} {
		got, ok := v.Get(key)
		if !ok || got.Kind() != waf.KindString || got.Str() != want {
			t.Errorf("%s: %v", key, got)
		}
	}
	if l, _ := v.Get("tags"); l.Kind() != waf.KindList || l.Len() != 1 {
		t.Errorf("tags: %v", l)
	}
	// Nesting past the bound reads as null, in bounded time.
	var deep any = "leaf"
	for range 10 * waf.MaxDepth {
		deep = []any{deep}
	}
	cur := FromGo(deep)
	for cur.Kind() == waf.KindList {
		cur = cur.Index(0).Value
	}
	if cur.Kind() != waf.KindNull {
		t.Errorf("the leaf under %d lists: %v", 10*waf.MaxDepth, cur)
	}
}

func TestWriteBlock(t *testing.T) {
	a := &waf.Action{Type: "block_request", StatusCode: 403, RuleID: "rp-sqli-020"}
	w := httptest.NewRecorder()
	w.Header().Set("X-Leftover", "1")
	WriteBlock(w, httptest.NewRequest("POST", "/query", nil), a, map[string]any{"errors": []any{map[string]any{"message": Message(a), "extensions": Extensions(a)}}, "data": nil})
	if w.Code != 403 || w.Header().Get("X-Leftover") != "" || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%d %v", w.Code, w.Header())
	}
	var body struct {
		Errors []struct {
			Message    string
			Extensions map[string]string
		}
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || len(body.Errors) != 1 || body.Errors[0].Extensions["code"] != "BLOCKED" || !strings.Contains(body.Errors[0].Message, "rp-sqli-020") {
		t.Fatalf("%s", w.Body)
	}
	r := &waf.Action{Type: "redirect_request", StatusCode: 303, Location: "/blocked"}
	w = httptest.NewRecorder()
	WriteBlock(w, httptest.NewRequest("POST", "/query", nil), r, nil)
	if w.Code != 303 || w.Header().Get("Location") != "/blocked" {
		t.Fatalf("redirect: %d %v", w.Code, w.Header())
	}
}
