package shell

import (
	"strings"
	"testing"
)

var tokRows = []struct {
	in    string
	kinds []Kind
}{
	{"ls -l", []Kind{Word, Blank, Word}},
	{"a;b", []Kind{Word, Operator, Word}},
	{"a && b || c | d |& e & f", []Kind{Word, Blank, Operator, Blank, Word, Blank, Operator, Blank, Word, Blank, Operator, Blank, Word, Blank, Operator, Blank, Word, Blank, Operator, Blank, Word}},
	{"echo 'a b'", []Kind{Word, Blank, QuoteOpen, Text, QuoteClose}},
	{`echo "a $(id) b"`, []Kind{Word, Blank, QuoteOpen, Text, Subst, Text, QuoteClose}},
	{`echo "$HOME"`, []Kind{Word, Blank, QuoteOpen, Param, QuoteClose}},
	{"echo `id`", []Kind{Word, Blank, Subst}},
	{"echo ${x:-$(id)}", []Kind{Word, Blank, Param}},
	{"echo $((1+(2*3)))", []Kind{Word, Blank, Subst}},
	{"cat <in >out 2>&1 >>log", []Kind{Word, Blank, Redirect, Word, Blank, Redirect, Word, Blank, Redirect, Word, Blank, Redirect, Word}},
	{"cat <<<word <<EOF", []Kind{Word, Blank, Redirect, Word, Blank, Redirect, Word}},
	{"diff <(a) >(b)", []Kind{Word, Blank, Subst, Blank, Subst}},
	{"a # c\nb", []Kind{Word, Blank, Comment, Newline, Word}},
	{"a#b", []Kind{Word}},
	{`a\ b`, []Kind{Word}},
	{"echo $'a\\'b'", []Kind{Word, Blank, QuoteOpen, Text, QuoteClose}},
	{"echo $(unterminated", []Kind{Word, Blank, Invalid}},
	{"echo 'open", []Kind{Word, Blank, QuoteOpen, Text}},
	{"x2>y", []Kind{Word, Redirect, Word}},
	{"2>y", []Kind{Redirect, Word}},
	{"$", []Kind{Word}},
}

func TestTokenize(t *testing.T) {
	for _, r := range tokRows {
		toks := Tokenize(r.in, nil)
		checkTiles(t, r.in, toks)
		var got []Kind
		for _, tk := range toks {
			got = append(got, tk.Kind)
		}
		if len(got) != len(r.kinds) {
			t.Errorf("Tokenize(%q) kinds %v, want %v", r.in, got, r.kinds)
			continue
		}
		for i := range got {
			if got[i] != r.kinds[i] {
				t.Errorf("Tokenize(%q) kinds %v, want %v", r.in, got, r.kinds)
				break
			}
		}
	}
}

func TestMaxTokens(t *testing.T) {
	s := strings.Repeat("a;", MaxTokens)
	toks := Tokenize(s, nil)
	checkTiles(t, s, toks)
	if len(toks) > MaxTokens {
		t.Fatalf("%d tokens > MaxTokens", len(toks))
	}
	if toks[len(toks)-1].Kind != Invalid {
		t.Fatalf("last token %v, want Invalid", toks[len(toks)-1].Kind)
	}
}

func TestMaxDepth(t *testing.T) {
	s := strings.Repeat("$(", MaxDepth*4) + strings.Repeat(")", MaxDepth*4)
	toks := Tokenize(s, nil)
	checkTiles(t, s, toks)
	if toks[0].Kind != Invalid {
		t.Fatalf("deep nesting: %v, want Invalid", toks[0].Kind)
	}
}

// checkTiles asserts that toks tile s exactly.
func checkTiles(t *testing.T, s string, toks []Token) {
	t.Helper()
	p := 0
	for _, tk := range toks {
		if tk.Start != p || tk.End <= tk.Start || tk.End > len(s) {
			t.Fatalf("Tokenize(%q): token %+v at %d does not tile", s, tk, p)
		}
		if int(tk.Kind) >= len(kindNames) {
			t.Fatalf("Tokenize(%q): bad kind %d", s, tk.Kind)
		}
		p = tk.End
	}
	if p != len(s) {
		t.Fatalf("Tokenize(%q): tokens end at %d of %d", s, p, len(s))
	}
	if len(toks) > MaxTokens {
		t.Fatalf("Tokenize(%q): %d tokens", s, len(toks))
	}
}
