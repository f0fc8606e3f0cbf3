package xss

import (
	"strings"
	"testing"
)

// workPerByte bounds the work a check may do per input byte (plus
// workFixed): four decoded forms, four HTML contexts with one rescan of
// comments and attribute values, three script passes with a bounded
// lookahead per token. It only has to hold a quadratic blow-up out.
const (
	workPerByte = 1024
	workFixed   = 4096
)

var contexts = [...]Context{InData, InTag, InDoubleQuoted, InSingleQuoted, InUnquoted}

// checkTiling fails unless the tokens of s in context ctx tile s: each
// token is non-empty and starts where the previous one ended.
func checkTiling(t *testing.T, s []byte, ctx Context) {
	t.Helper()
	tz := NewTokenizer(s, ctx)
	pos, n := 0, 0
	for {
		tok, ok := tz.Next()
		if !ok {
			break
		}
		n++
		if tok.Start != pos || tok.End <= tok.Start || tok.End > len(s) {
			t.Fatalf("context %d: token %d %v [%d,%d) after offset %d in %.200q", ctx, n, tok.Kind, tok.Start, tok.End, pos, s)
		}
		pos = tok.End
		if n > len(s) {
			t.Fatalf("context %d: %d tokens for %d bytes", ctx, n, len(s))
		}
	}
	if pos != len(s) {
		t.Fatalf("context %d: tokens end at %d of %d in %q", ctx, pos, len(s), s)
	}
}

func FuzzCheck(f *testing.F) {
	for _, c := range cases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s := []byte(in)
		var c1, c2 checker
		h1, ok1 := c1.check(s)
		h2, ok2 := c2.check(s)
		if h1 != h2 || ok1 != ok2 || c1.steps != c2.steps {
			t.Fatalf("not deterministic on %q: %q %v (%d steps), then %q %v (%d steps)", in, h1, ok1, c1.steps, h2, ok2, c2.steps)
		}
		if ok1 != (h1 != "") || len(h1) > maxHighlight {
			t.Fatalf("match %v with highlight %q", ok1, h1)
		}
		if in != string(s) {
			t.Fatal("Check modified its input")
		}
		if limit := workPerByte*len(s) + workFixed; c1.steps > limit {
			t.Fatalf("%d steps for %d bytes (limit %d)", c1.steps, len(s), limit)
		}
		for _, ctx := range contexts {
			checkTiling(t, s, ctx)
		}
	})
}

// TestLinear runs long adversarial inputs and bounds the work per byte.
func TestLinear(t *testing.T) {
	for _, unit := range []string{
		"<a ", "<a b=", `<a b="`, "<!--", "<![CDATA[", "</", "<script>", "<style>x",
		"alert(", "(alert)", "top[", "a.b(", "'", `"-`, "';alert(", "javascript:",
		"&#", "&#x3c", "&lt;", "%3c", "%", "data:", "{{", "\\u0061", "on", " onx=",
		"<x y='", "`", "/*", "//\n", "<svg><![CDATA[", "-->",
	} {
		s := []byte(strings.Repeat(unit, 200_000/len(unit)))
		var c checker
		c.check(s)
		per := c.steps / len(s)
		t.Logf("%q: %d steps per byte", unit, per)
		if per > workPerByte/8 {
			t.Errorf("%q repeated: %d steps per byte", unit, per)
		}
		for _, ctx := range contexts {
			checkTiling(t, s[:min(len(s), 4096)], ctx)
		}
	}
}

func TestTokens(t *testing.T) {
	s := []byte(`a<img src="x" onerror=y><!--c--></p><?pi?><script>1<2</script>`)
	var got []string
	tz := NewTokenizer(s, InData)
	for {
		tok, ok := tz.Next()
		if !ok {
			break
		}
		got = append(got, tok.Kind.String()+":"+string(s[tok.Start:tok.End]))
	}
	want := []string{
		"Text:a", "StartTag:<img", "Space: ", "AttrName:src", "Equals:=", `AttrValue:"x"`, "Space: ",
		"AttrName:onerror", "Equals:=", "AttrValue:y", "TagClose:>", "Comment:<!--c-->", "EndTag:</p",
		"TagClose:>", "Bogus:<?pi?>", "StartTag:<script", "TagClose:>", "RawText:1<2", "EndTag:</script", "TagClose:>",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("tokens\n got %q\nwant %q", got, want)
	}
	tz = NewTokenizer([]byte(`x" onload=y>`), InDoubleQuoted)
	tok, _ := tz.Next()
	if tok.Kind != AttrValue || tok.End != 2 {
		t.Errorf("first token in a double-quoted value: %v [%d,%d), want AttrValue [0,2)", tok.Kind, tok.Start, tok.End)
	}
}
