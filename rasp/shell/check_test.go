package shell

import (
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

func TestCheckRows(t *testing.T) {
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

// Floors measured on the corpus; they are regression checks.
const (
	recallFloor = 0.99
	fpCeiling   = 0
)

func TestCorpus(t *testing.T) {
	cs := corpus.RASP(t, "shell")
	var exploit, caught, benign, fp int
	for _, c := range cs {
		f, got := Check(c.Resource, []string{c.Input})
		switch c.Label {
		case "exploit":
			exploit++
			if got {
				caught++
			} else {
				t.Logf("missed %s: %q in %q", c.ID, c.Input, c.Resource)
			}
		case "benign":
			benign++
			if got {
				fp++
				t.Logf("false positive %s: %q in %q: %s", c.ID, c.Input, c.Resource, f.Reason)
			}
		}
	}
	recall := float64(caught) / float64(exploit)
	t.Logf("shell corpus: %d cases, recall %d/%d = %.4f, false positives %d/%d", len(cs), caught, exploit, recall, fp, benign)
	if recall < recallFloor {
		t.Errorf("recall %.4f < floor %.4f", recall, recallFloor)
	}
	if fp > fpCeiling {
		t.Errorf("%d false positives > ceiling %d", fp, fpCeiling)
	}
}
