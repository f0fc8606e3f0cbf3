package shell

import (
	"strings"
	"testing"
)

// Worst cases an attacker can force on one check: the command line is the
// application's (a few KB at most), the input any string of it.
var worstCases = []struct{ name, cmd, input string }{
	{"one-word-2-byte-input", "echo " + strings.Repeat("a", 4096), "aa"},
	{"one-word-long-input", "echo " + strings.Repeat("a", 4096), strings.Repeat("a", 2048)},
	{"quoted-runs", "echo " + strings.Repeat("'a'", 1365), strings.Repeat("a''", 682) + "a"},
	{"inside-substitution", "echo $(echo " + strings.Repeat("a", 4096) + ")", "aa"},
	{"inside-comment", "ls # " + strings.Repeat("a;", 2048), "a;a"},
	{"escapes", "echo " + strings.Repeat(`\a`, 2048), strings.Repeat(`a\`, 1024) + "a"},
}

func BenchmarkCheckWorst(b *testing.B) {
	for _, c := range worstCases {
		b.Run(c.name, func(b *testing.B) {
			if _, bad := Check(c.cmd, []string{c.input}); bad {
				b.Fatalf("reported")
			}
			b.ReportAllocs()
			for b.Loop() {
				Check(c.cmd, []string{c.input})
			}
		})
	}
}
