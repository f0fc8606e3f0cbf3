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
	for _, r := range shortRows {
		f.Add(r.cmd, r.input)
	}
	for _, r := range commentRows {
		f.Add(r.cmd, r.input)
	}
	f.Fuzz(func(t *testing.T, cmd, in string) {
		fd, got := Check(cmd, []string{in})
		fd2, got2 := Check(cmd, []string{in})
		if got != got2 || fd != fd2 {
			t.Fatalf("not deterministic")
		}
		if got && (fd.Input != in || fd.Reason == "" || Occurring(cmd, in) == "") {
			t.Fatalf("bad finding %+v", fd)
		}
		if got && len(trimBlanks(Occurring(cmd, in))) < 2 {
			t.Fatalf("one-byte input %q reported: %s", in, fd.Reason)
		}
		// A command line given as one element is judged as the line.
		fa, gotArgs := CheckArgs([]string{cmd}, []string{in})
		if gotArgs != got || fa != fd {
			t.Fatalf("CheckArgs of one element: %v %+v, Check: %v %+v", gotArgs, fa, got, fd)
		}
		plain := in != "" && strings.Trim(in, "abcdefghijklmnopqrstuvwxyz") == ""
		if plain {
			// A word of plain letters is never reported...
			if f, bad := Check("echo "+in, []string{in}); bad {
				t.Fatalf("plain word %q reported: %s", in, f.Reason)
			}
			// ...and a separator or substitution next to it always is.
			for _, inj := range []string{in + "; id", ";" + in, "|" + in, in + "&&", "$(" + in} {
				if _, bad := Check("echo "+inj, []string{inj}); !bad {
					t.Fatalf("%q not reported", inj)
				}
			}
		}
		// Inside single quotes written by the application, an input with
		// no single quote is data.
		if in != "" && !strings.Contains(in, "'") {
			q := "echo '" + in + "' done"
			if f, bad := Check(q, []string{in}); bad && strings.Count(q, in) == 1 {
				t.Fatalf("%q inside quotes reported: %s", in, f.Reason)
			}
		}
	})
}

func FuzzCheckArgs(f *testing.F) {
	for _, r := range argsRows {
		f.Add(strings.Join(r.args, "\x00"), r.input)
	}
	f.Fuzz(func(t *testing.T, joined, in string) {
		args := strings.Split(joined, "\x00")
		fd, got := CheckArgs(args, []string{in})
		line := strings.Join(args, " ")
		if got && (fd.Input != in || Occurring(line, in) == "") {
			t.Fatalf("bad finding %+v", fd)
		}
		if in != "" && OccursJoined(args, in) != strings.Contains(line, in) {
			t.Fatalf("OccursJoined(%q, %q) disagrees with the joined line", args, in)
		}
		if in != "" && SpansJoined(args, in) != refSpans(args, in) {
			t.Fatalf("SpansJoined(%q, %q) = %v, reference differs", args, in, !refSpans(args, in))
		}
		// What Check reports on the joined line CheckArgs reports too.
		if _, lineBad := Check(line, []string{in}); lineBad && !got {
			t.Fatalf("CheckArgs missed what Check reports on %q", line)
		}
	})
}

// refCheck is Check without its shortcuts: every occurrence found by
// strings.Index, every covered token visited in order. FuzzCheck compares
// the two, so that the prefix counts, the skips and the KMP scan never
// change a verdict.
func refCheck(cmd, in string) bool {
	s := Occurring(cmd, in)
	if len(trimBlanks(s)) < 2 {
		return false
	}
	l := newLine(cmd)
	for off := 0; off <= len(cmd)-len(s); {
		i := strings.Index(cmd[off:], s)
		if i < 0 {
			return false
		}
		a, b := off+i, off+i+len(s)
		off = a + 1
		for a < b && isBlank(cmd[a]) {
			a++
		}
		for b > a && isBlank(cmd[b-1]) {
			b--
		}
		if b-a < 2 {
			continue
		}
		quotes, verdict, known := 0, "", false
		for k, t := range l.toks {
			if t.End <= a || t.Start >= b {
				continue
			}
			if r, done := l.cover(k, a, b, 0, &quotes); done {
				verdict, known = r, true
				break
			}
		}
		if !known {
			if quotes != 0 && l.toks[len(l.toks)-1].Kind != QuoteClose && unterminated(l.toks) {
				return true
			}
			n := 0
			for j := b - 1; j >= a && cmd[j] == '\\'; j-- {
				n++
			}
			if n%2 == 1 && b < len(cmd) && !inSingleQuotes(cmd, l.toks, b-1) {
				return true
			}
		}
		if verdict != "" {
			return true
		}
	}
	return false
}

func FuzzCheckReference(f *testing.F) {
	for _, r := range checkRows {
		f.Add(r.cmd, r.input)
	}
	for _, r := range shortRows {
		f.Add(r.cmd, r.input)
	}
	for _, c := range worstCases {
		f.Add(c.cmd[:min(len(c.cmd), 300)], c.input[:min(len(c.input), 100)])
	}
	f.Add(strings.Repeat("'a'", 40), strings.Repeat("a''", 30)+"a")
	f.Add("echo $(echo "+strings.Repeat("ab ", 30)+")", strings.Repeat("ab ", 25))
	f.Fuzz(func(t *testing.T, cmd, in string) {
		_, got := Check(cmd, []string{in})
		if want := refCheck(cmd, in); got != want {
			t.Fatalf("Check(%q, %q) = %v, reference %v", cmd, in, got, want)
		}
	})
}

// refSpans is SpansJoined by joining: an occurrence of s in the joined
// line that covers a joining space.
func refSpans(args []string, s string) bool {
	line := strings.Join(args, " ")
	bounds := boundaries(args)
	for off := 0; off <= len(line)-len(s); off++ {
		if !strings.HasPrefix(line[off:], s) {
			continue
		}
		for _, p := range bounds {
			if off <= p && p < off+len(s) {
				return true
			}
		}
	}
	return false
}
