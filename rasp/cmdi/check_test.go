package cmdi

import (
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
	"github.com/rampartsec/rampart/rasp/shell"
)

var checkRows = []struct {
	argv    []string
	input   string
	exploit bool
}{
	{[]string{"/bin/bash", "-h"}, "/bin/bash", true},
	{[]string{"/usr/bin/python3", "x.py"}, "python3", true},
	{[]string{"convert", "--output=/etc/x", "o.png"}, "--output=/etc/x", true},
	{[]string{"grep", "-r", "--", "--output=/etc/x"}, "--output=/etc/x", false},
	{[]string{"git", "log", "--grep=--output=/etc/x"}, "--output=/etc/x", false},
	{[]string{"rsync", "-a", "-e sh -c id", "/backup/"}, "-e sh -c id", true},
	{[]string{"ping", "-c", "1", ";cat /etc/passwd"}, ";cat /etc/passwd", false},
	{[]string{"sh", "-c", "ping -c 1 ;cat /etc/passwd"}, ";cat /etc/passwd", true},
	{[]string{"sh", "-c", "ping -c 1 ';cat /etc/passwd'"}, ";cat /etc/passwd", false},
	{[]string{"bash", "-lc", "nslookup $(id)"}, "$(id)", true},
	{[]string{"sh", "-c", "echo \"$1\"", "sh", "$(id)"}, "$(id)", false},
	{[]string{"env", "FOO=1", "bash", "-c", "ls x; id"}, "x; id", true},
	{[]string{"cmd.exe", "/c", "ping -n 1 x & whoami"}, "x & whoami", true},
	{[]string{"cmd.exe", "/c", "ping", "-n", "1", "\"x & whoami\""}, "x & whoami", false},
	{[]string{"powershell", "-NoProfile", "-Command", "Test-Connection x; Get-Process"}, "x; Get-Process", true},
	{[]string{"python3", "-c", "print('hello world')"}, "hello world", false},
	{[]string{"python3", "-c", "print('x'); import os; os.system('id')"}, "x'); import os; os.system('id", true},
	{[]string{"perl", "-e", "print \"${\\`id`}\""}, "${\\`id`}", true},
	{[]string{"node", "-e", "console.log(1);require('child_process')"}, "1);require('child_process'", true},
	{[]string{"wc", "-l", "report.pdf"}, "report.pdf", false},
	{[]string{"wc", "-l", "report.pdf"}, "absent", false},
}

func TestExecRows(t *testing.T) {
	for _, r := range checkRows {
		f, got := Check(r.argv, []string{r.input})
		if got != r.exploit {
			t.Errorf("Check(%q, %q) = %v %q, want %v", r.argv, r.input, got, f.Reason, r.exploit)
		}
		if got && (f.Input != r.input || f.Reason == "") {
			t.Errorf("Check(%q, %q): finding %+v", r.argv, r.input, f)
		}
	}
}

// TestCorpus holds the checker to floors measured on the corpus
// (regression checks): recall 99%, no false positive.
func TestCorpus(t *testing.T) {
	corpus.RASPRecall(t, "exec", corpus.RASPFloors{Recall: 0.99, MaxFP: 0}, func(c corpus.RASPCase) (bool, string) {
		if len(c.Argv) == 0 {
			t.Errorf("%s: no argv", c.ID)
		}
		f, ok := Check(c.Argv, []string{c.Input})
		return ok, f.Reason
	})
}

// TestCorpusNoise feeds every benign argv of the corpus with strings a
// request could hold by chance: every single byte, and every two-byte
// substring of an argument that is not the start of an option and does
// not cross the structure of a script (inside one shell word or quoted
// text, or one name of inline code). None may be reported.
func TestCorpusNoise(t *testing.T) {
	n := 0
	for _, c := range corpus.RASP(t, "exec") {
		if c.Label != "benign" {
			continue
		}
		cm := parse(c.Argv)
		var noise []string
		for j, a := range c.Argv {
			for i := 0; i < len(a); i++ {
				noise = append(noise, a[i:i+1])
			}
			if j == 0 {
				continue
			}
			var spans [][2]int
			switch {
			case j == cm.elem && (cm.lang == posix || cm.lang == powershell):
				for _, tk := range shell.Tokenize(a, nil) {
					if tk.Kind == shell.Word || tk.Kind == shell.Text {
						spans = append(spans, [2]int{tk.Start, tk.End})
					}
				}
			case j == cm.elem:
				continue
			default:
				spans = [][2]int{{0, len(a)}}
			}
			for _, sp := range spans {
				for i := sp[0]; i+2 <= sp[1]; i++ {
					if i == 0 && a[0] == '-' {
						continue
					}
					noise = append(noise, a[i:i+2])
				}
			}
		}
		for _, in := range noise {
			if cm.names(c.Argv, in) || isOption(in) && cm.becameOption(c.Argv, in) {
				continue // the program or an option of it: reported by design
			}
			n++
			if f, bad := Check(c.Argv, []string{in}); bad {
				t.Errorf("%s: noise %q in %q reported: %s", c.ID, in, c.Argv, f.Reason)
			}
		}
	}
	t.Logf("%d noise inputs", n)
}

// TestOptionInScriptArguments: an option-shaped input among the
// positional arguments of sh -c is reported; a plain value there is not.
func TestOptionInScriptArguments(t *testing.T) {
	script := `touch "$0"; wc -c "$1"`
	for _, c := range []struct {
		in   string
		want bool
	}{
		{"--files0-from=/etc/passwd", true},
		{"-c", true},
		{"in.txt", false},
		{"-1", false},
	} {
		_, got := Check([]string{"sh", "-c", script, "/tmp/marker", c.in}, []string{c.in})
		if got != c.want {
			t.Errorf("%q: reported %v, want %v", c.in, got, c.want)
		}
	}
}
