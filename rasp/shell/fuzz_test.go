package shell

import (
	"strings"
	"testing"
)

func FuzzTokenize(f *testing.F) {
	for _, r := range tokRows {
		f.Add(r.in)
	}
	for _, r := range checkRows {
		f.Add(r.cmd)
	}
	f.Fuzz(func(t *testing.T, s string) {
		toks := Tokenize(s, nil)
		checkTiles(t, s, toks)
		again := Tokenize(s, make([]Token, 0, 4))
		if len(again) != len(toks) {
			t.Fatalf("not deterministic")
		}
		for i := range toks {
			if toks[i] != again[i] {
				t.Fatalf("not deterministic at %d", i)
			}
		}
	})
}

func FuzzCheck(f *testing.F) {
	for _, r := range checkRows {
		f.Add(r.cmd, r.input)
	}
	f.Fuzz(func(t *testing.T, cmd, in string) {
		fd, got := Check(cmd, []string{in})
		fd2, got2 := Check(cmd, []string{in})
		if got != got2 || fd != fd2 {
			t.Fatalf("not deterministic")
		}
		if got && (fd.Input != in || fd.Reason == "" || !strings.Contains(cmd, in)) {
			t.Fatalf("bad finding %+v", fd)
		}
		if !strings.Contains(cmd, in) && got {
			t.Fatalf("reported an absent input")
		}
		// An input of plain letters placed as its own word is never reported.
		if len(in) >= MinInput && strings.Trim(in, "abcdefghijklmnopqrstuvwxyz") == "" {
			if _, bad := Check("echo "+in, []string{in}); bad {
				t.Fatalf("plain word %q reported", in)
			}
		}
		// An input with a command separator between words is reported.
		if len(in) >= MinInput && strings.Trim(in, "abcdefghijklmnopqrstuvwxyz") == "" {
			inj := in + "; id"
			if _, bad := Check("echo "+inj, []string{inj}); !bad {
				t.Fatalf("%q not reported", inj)
			}
		}
	})
}
