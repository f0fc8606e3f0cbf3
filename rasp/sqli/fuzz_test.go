package sqli

import "testing"

// FuzzTokenize checks, for every dialect, that token spans tile the input,
// that the count stays within len(input)+1 and MaxTokens, that kinds are
// valid, that the Scanner and Tokenize agree, and that a closed literal
// begins and ends the way its kind says.
func FuzzTokenize(f *testing.F) {
	for _, r := range lexRows {
		f.Add(r.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var buf []Token
		for _, d := range Dialects() {
			buf = Tokenize(d, s, buf)
			checkTiling(t, s, buf)
			if len(buf) > MaxTokens {
				t.Fatalf("%d tokens > MaxTokens", len(buf))
			}
			var sc Scanner
			sc.Reset(d, s)
			for i := 0; ; i++ {
				tk, ok := sc.Next()
				if !ok {
					if i != len(buf) {
						t.Fatalf("%v: Scanner gave %d tokens, Tokenize %d", d, i, len(buf))
					}
					break
				}
				if i >= len(buf) || tk != buf[i] {
					t.Fatalf("%v: Scanner token %d %+v differs", d, i, tk)
				}
			}
			for _, tk := range buf {
				text := s[tk.Start:tk.End]
				switch tk.Kind {
				case Whitespace:
					for i := 0; i < len(text); i++ {
						if !isSpace(text[i]) {
							t.Fatalf("%v: whitespace token %q", d, text)
						}
					}
				case Number:
					if !isDigit(text[0]) && text[0] != '.' {
						t.Fatalf("%v: number token %q", d, text)
					}
				case String:
					last := text[len(text)-1]
					if len(text) < 2 || (last != '\'' && last != '"' && last != '$') {
						t.Fatalf("%v: string token %q is not closed", d, text)
					}
				case Keyword, Function:
					if Lookup(text) == 0 {
						t.Fatalf("%v: keyword %q not in the table", d, text)
					}
				}
			}
		}
	})
}
