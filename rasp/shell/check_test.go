package shell

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
)

var checkRows = []struct {
	cmd, input string
	exploit    bool
}{
	{"ping -c 1 example.com", "example.com", false},
	{"ping -c 1 example.com; id", "example.com; id", true},
	{"ping -c 1 'example.com; id'", "example.com; id", false},
	{"ping -c 1 'x'; id; ''", "x'; id; '", true},
	{`echo "hello $(id)"`, "$(id)", true},
	{`echo "hello world"`, "hello world", false},
	{"echo `whoami`", "`whoami`", true},
	{"cat /tmp/a > /etc/passwd", "a > /etc/passwd", true},
	{"cat file2>/dev/null", "file2>/dev/null", true},
	{"ls foo && rm -rf /", "foo && rm -rf /", true},
	{"ls foo || true", "foo || true", true},
	{"ls foo | sh", "foo | sh", true},
	{"ls foo\nid", "foo\nid", true},
	{"ls foo #comment", "foo #comment", true},
	{"ls foo#bar", "foo#bar", false},
	{"cat ${IFS}/etc/passwd", "${IFS}/etc/passwd", true},
	{"echo $HOME/x", "$HOME/x", true},
	{"diff <(cat /etc/passwd) x", "<(cat /etc/passwd)", true},
	{`echo foo\ bar`, `foo\`, true},
	{`echo 'foo\' bar`, `foo\`, false},
	{`echo foo\;id`, `foo\;id`, false},
	{"echo 'it'\\''s'", `it'\''s`, false},
	{"echo 'abc", "'abc", true},
	{"echo $(cat 'notes.txt')", "notes.txt", false},
	{"echo $(cat notes.txt; id)", "notes.txt; id", true},
	{"echo `cat notes.txt`", "notes.txt", false},
	{"echo $((1+2))", "1+2)", true},
	{"echo ab", "ab", false},
	{"echo {cat,/etc/passwd}", "{cat,/etc/passwd}", true},
	{"echo '{cat,/etc/passwd}'", "{cat,/etc/passwd}", false},
	{"echo a{b}c,d", "a{b}c,d", false},
	{"echo other", "absent", false},
	{"echo x 2>&1", "x 2>&1", true},
	{"grep -r ';/usr/bin/id|' /var/log/app", ";/usr/bin/id|", false},
}

// shortRows are pairs of the same shape: an input of one to three bytes
// that adds structure, and the same input (or its plain word) where it
// stays inside one word.
var shortRows = []struct {
	cmd, input string
	exploit    bool
}{
	{"ping -c 1 ;id", ";id", true},
	{"ping -c 1 ';id'", ";id", false},
	{"ping -c 1 id", "id", false},
	{"ping -c 1 |id", "|id", true},
	{"ping -c 1 '|id'", "|id", false},
	{"ping -c 1 &id", "&id", true},
	{"ping -c 1 \\&id", "\\&id", false},
	{"ping -c 1 ;w", ";w", true},
	{"ping -c 1 w", "w", false},
	{"ls x&&y", "&&", true},
	{"ls '&&'", "&&", false},
	{"ls x||y", "||", true},
	{`ls "||"`, "||", false},
	{"ls x\nid", "\nid", true},
	{"ls 'x\nid'", "\nid", false},
	{"ls x\n", "x\n", true},
	{"echo `id`", "`id`", true},
	{"echo '`id`'", "`id`", false},
	{"echo $(id)", "$(", true},
	{"echo '$('", "$(", false},
	{"cat x>f", ">f", true},
	{"cat 'x>f'", ">f", false},
	{"cat <f", "<f", true},
	{"cat x<f", "x<f", true},
	{"cat 'x<f'", "x<f", false},
	{"cmd 2>x", "2>", true},
	{"cmd x 2>/dev/null", "2", false},
	{"head -n 2 f 2>/dev/null", "2", false},
	{"cmd 20>x", "20", false},
	{"ls #x", "#x", true},
	{"ls a#x", "#x", false},
	{"grep 'x'' /var/log/app", "x'", true},
	{"grep 'x' /var/log/app", "x", false},
	{"grep x\\ /var/log", "x\\", true},
	{"grep 'x\\' /var/log", "x\\", false},
	{"echo $PATH", "$P", true},
	{"echo $PATH", "PA", false},
	{"echo $PATH", "ATH", false},
	{"echo $HOME", "HOME", true},
	{"echo ${HOME}", "HO", false},
	{"echo ${HOME:-$(id)}", "ME:-$(id)", true},
	{"echo $((10+2))", "10", false},
	{"echo $((10+2))", "10+", true},
	{"echo $((x+2))", "x+", true},
	{"echo $((abc+2))", "bc", true}, // a name there is evaluated: not data
	{"echo $((0x1f+2))", "0x1f", false},
	{"echo {a,b}", "{a,b}", true},
	{"echo {a,b}", "a,", false},
	{"sh -c x", "sh", false},
	{"ls -l", "-l", false},
	{"ping -c 1 8.8.8.8", "1", false},
	// One byte is never enough: it is a separator or a command, not both.
	{"ls a;b", ";", false},
	{"ls a|b", "|", false},
	{"ls a&", "&", false},
	{"ls #c", "#", false},
	{"echo 'a", "'", false},
	{"ls a\nb", "\n", false},
	{"ls a; b", "; ", false},
	// Blanks at the ends of an input do not count.
	{"ping -c 1  ;id", " ;id ", true},
	{"ping -c 1 x", " x ", false},
}

// commentRows: an input strictly inside the application's own comment is
// dead text; one that starts the comment or leaves it is not.
var commentRows = []struct {
	cmd, input string
	exploit    bool
}{
	{"ls /srv # list the files of bob", "bob", false},
	{"ls /srv # list the files of bob", "of bob", false},
	{"ls /srv # it's bob's", "it's bob", false},
	{"ls /srv # bob; id", "bob; id", false},
	{"ls /srv # bob $(id) `id`", "$(id) `id`", false},
	{"ls /srv # bob\\", "bob\\", false},
	{"ls /srv # bob\nid", "bob\nid", true},
	{"ls /srv #bob", "#bob", true},
	{"ls /srv # bob", "# bob", true},
	{"ls /srv #bob", "srv #bob", true},
	{"echo $(ls # x; y\n)", "x; y", false},
	// A here-document's body is expanded: a '#' there starts no comment.
	{"cat <<EOF\n# note $(id)\nEOF", "$(id)", true},
	{"cat <<'EOF' # note $(id)\nbody\nEOF", "$(id)", true},
	{"cat <<<word # note $(id)", "$(id)", false},
}

// nestedRows: the quoted script of a shell run by the command line is a
// command line again.
var nestedRows = []struct {
	cmd, input string
	exploit    bool
}{
	{"sh -c 'ls x; id'", "x; id", true},
	{"sh -c 'ls \"x; id\"'", "x; id", false},
	{"sudo -u www bash -lc 'ls x|id'", "|id", true},
	{"bash -c -- \"ls x;id\"", ";id", true},
	{"ssh host bash -c 'ls x; id'", "x; id", true},
	{"echo 'ls x; id'", "x; id", false},
	{"sh -c 'ls' 'x; id'", "x; id", false}, // a positional argument, not the script
	{"grep -c 'x; id' f", "x; id", false},
	{"sh -c 'sh -c \"ls x;id\"'", ";id", true},
}

func TestShellShortInputs(t *testing.T) {
	for _, r := range nestedRows {
		f, got := Check(r.cmd, []string{r.input})
		if got != r.exploit {
			t.Errorf("Check(%q, %q) = %v %q, want %v", r.cmd, r.input, got, f.Reason, r.exploit)
		}
	}
	for _, r := range append(shortRows, commentRows...) {
		f, got := Check(r.cmd, []string{r.input})
		if got != r.exploit {
			t.Errorf("Check(%q, %q) = %v %q, want %v", r.cmd, r.input, got, f.Reason, r.exploit)
		}
	}
}

var argsRows = []struct {
	args    []string
	input   string
	exploit bool
}{
	{[]string{"ls", "-l", "x; id"}, "x; id", true},
	{[]string{"ls", "-l", "'x; id'"}, "x; id", false},
	{[]string{"ls", ";id"}, ";id", true},
	{[]string{"ls", "';id'"}, ";id", false},
	{[]string{"ls", "-l", "x y"}, "x y", true}, // the shell splits it
	{[]string{"ls", "-l", "'x y'"}, "x y", false},
	{[]string{"echo", "'a", "b'"}, "a b", true}, // across two elements
	{[]string{"echo", "'a b'"}, "a b", false},
	{[]string{"ping", "-c", "1", "host"}, "1 host", true},
	{[]string{"ping", "-c", "1", "host"}, "host", false},
	{[]string{"ping", "-c", "1", "host"}, " host", false},
	{[]string{"ping", "-c", "1", "host"}, "c 1 h", true},
	{[]string{"ping", "-c", "1", "host"}, "absent", false},
	{[]string{"ping", "-c", "1", "host"}, "1", false},
}

func TestShellArgs(t *testing.T) {
	for _, r := range argsRows {
		f, got := CheckArgs(r.args, []string{r.input})
		if got != r.exploit {
			t.Errorf("CheckArgs(%q, %q) = %v %q, want %v", r.args, r.input, got, f.Reason, r.exploit)
		}
		if got && (f.Input != r.input || f.Reason == "") {
			t.Errorf("CheckArgs(%q, %q): finding %+v", r.args, r.input, f)
		}
	}
}

func TestShellRange(t *testing.T) {
	cmd := "ping -c 1 x; id"
	if r := CheckRange(cmd, 10, len(cmd)); r == "" {
		t.Errorf("range over '; id' not reported")
	}
	if r := CheckRange(cmd, 5, 7); r != "" {
		t.Errorf("range over -c reported: %s", r)
	}
	if r := CheckRange(cmd, 3, 100); r != "" {
		t.Errorf("out of bounds range reported: %s", r)
	}
}

// TestCorpusNoise feeds every benign resource of the corpus with strings a
// request could hold by chance: every single byte, every two-byte
// substring of one word or quoted text, and every whole word. None may be
// reported.
func TestCorpusNoise(t *testing.T) {
	var n int
	for _, c := range corpus.RASP(t, "shell") {
		if c.Label != "benign" {
			continue
		}
		var noise []string
		for i := 0; i < len(c.Resource); i++ {
			noise = append(noise, c.Resource[i:i+1])
		}
		for _, tk := range Tokenize(c.Resource, nil) {
			if tk.Kind != Word && tk.Kind != Text {
				continue
			}
			w := c.Resource[tk.Start:tk.End]
			noise = append(noise, w)
			for i := 0; i+2 <= len(w); i++ {
				noise = append(noise, w[i:i+2])
			}
		}
		for _, in := range noise {
			n++
			if f, bad := Check(c.Resource, []string{in}); bad {
				t.Errorf("%s: noise %q in %q reported: %s", c.ID, in, c.Resource, f.Reason)
			}
		}
	}
	t.Logf("%d noise inputs", n)
}

func TestShellRows(t *testing.T) {
	for _, r := range checkRows {
		f, got := Check(r.cmd, []string{r.input})
		if got != r.exploit {
			t.Errorf("Check(%q, %q) = %v %q, want %v", r.cmd, r.input, got, f.Reason, r.exploit)
		}
		if got && (f.Input != r.input || f.Reason == "") {
			t.Errorf("Check(%q, %q): finding %+v", r.cmd, r.input, f)
		}
	}
}

// TestCorpus holds the checker to floors measured on the corpus
// (regression checks): recall 99%, no false positive.
func TestCorpus(t *testing.T) {
	corpus.RASPRecall(t, "shell", corpus.RASPFloors{Recall: 0.99, MaxFP: 0}, func(c corpus.RASPCase) (bool, string) {
		f, ok := Check(c.Resource, []string{c.Input})
		return ok, f.Reason
	})
}

// TestShellMatchesReference compares Check with refCheck on command lines
// built from a few pieces, with inputs cut from them, long ones included
// (the KMP scan and the prefix counts run past 64 bytes and 4 tokens).
func TestShellMatchesReference(t *testing.T) {
	pieces := []string{"a", "ab", "'a'", `"a"`, " ", ";", `\`, "$(a)", "$((1))", "#", "\n", "$x", "{a,b}", "2>"}
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 3000; n++ {
		var b strings.Builder
		period := 1 + rng.IntN(4)
		unit := make([]string, period)
		for i := range unit {
			unit[i] = pieces[rng.IntN(len(pieces))]
		}
		for b.Len() < 200+rng.IntN(300) {
			if rng.IntN(10) == 0 {
				b.WriteString(pieces[rng.IntN(len(pieces))])
			} else {
				b.WriteString(unit[b.Len()%period])
			}
		}
		cmd := b.String()
		i := rng.IntN(len(cmd))
		j := i + 1 + rng.IntN(min(len(cmd)-i, 150))
		in := cmd[i:j]
		if _, got := Check(cmd, []string{in}); got != refCheck(cmd, in) {
			t.Fatalf("Check(%q, %q) = %v, reference differs", cmd, in, got)
		}
	}
}

func TestShellSpansJoined(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pieces := []string{"", "a", "b", " ", "ab", "a b"}
	for n := 0; n < 5000; n++ {
		args := make([]string, 1+rng.IntN(6))
		for i := range args {
			for k := rng.IntN(4); k > 0; k-- {
				args[i] += pieces[rng.IntN(len(pieces))]
			}
		}
		line := strings.Join(args, " ")
		if line == "" {
			continue
		}
		i := rng.IntN(len(line))
		in := line[i : i+1+rng.IntN(len(line)-i)]
		if got, want := SpansJoined(args, in), refSpans(args, in); got != want {
			t.Fatalf("SpansJoined(%q, %q) = %v, want %v", args, in, got, want)
		}
	}
	long := strings.Repeat("a ", 300)
	if !SpansJoined([]string{long + "x", "y" + long}, "x y") || SpansJoined([]string{long + "x", "z"}, "x y") {
		t.Fatal("long elements")
	}
	if !SpansJoined(strings.Fields(long), long[:401]) {
		t.Fatal("long input across many elements")
	}
}
