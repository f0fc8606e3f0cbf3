package rampart_test

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/rules"
)

// docFiles returns README.md and every page of docs/.
func docFiles(t *testing.T) []string {
	t.Helper()
	pages, err := filepath.Glob("docs/*.md")
	if err != nil || len(pages) == 0 {
		t.Fatalf("docs/*.md: %v (%d pages)", err, len(pages))
	}
	return append([]string{"README.md"}, pages...)
}

func readDoc(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestREADMEIsShort keeps the README an entry point: what rampart is, the
// two commands, install, the minimal examples and the links; the rest is
// in docs/.
func TestREADMEIsShort(t *testing.T) {
	s := readDoc(t, "README.md")
	if n := strings.Count(s, "\n"); n > 150 {
		t.Errorf("README.md has %d lines; move detail to docs/ (at most 150)", n)
	}
	lines := strings.SplitN(s, "\n", 6)
	if len(lines) < 5 || !strings.HasPrefix(lines[3], "go run ./cmd/rampart demo") || !strings.HasPrefix(lines[4], "./scripts/test.sh") {
		t.Errorf("README.md must start with the demo command and the test command, got:\n%s", strings.Join(lines[:min(len(lines), 5)], "\n"))
	}
}

var (
	mdLink    = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	mdHeading = regexp.MustCompile(`(?m)^#{1,6} (.+)$`)
	// statusNote finds what belongs in the team's notes, not in users'
	// docs: issue numbers and session talk.
	statusNote = regexp.MustCompile(`(?i)\bissues? ?#?[0-9]+|\(#[0-9]+\)|this session|previous session|next step|\bTODO\b`)
)

// slug is the anchor GitHub gives a heading.
func slug(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	var b strings.Builder
	for _, r := range h {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func anchors(t *testing.T, name string) map[string]bool {
	set := map[string]bool{}
	for _, m := range mdHeading.FindAllStringSubmatch(readDoc(t, name), -1) {
		set[slug(m[1])] = true
	}
	return set
}

// TestDocsLinks checks that every relative link of the README and docs/
// names a file that exists and, with a #fragment, a heading of it.
func TestDocsLinks(t *testing.T) {
	for _, name := range docFiles(t) {
		for _, m := range mdLink.FindAllStringSubmatch(readDoc(t, name), -1) {
			link := m[1]
			if strings.Contains(link, "://") || strings.HasPrefix(link, "mailto:") {
				continue
			}
			file, frag, _ := strings.Cut(link, "#")
			target := name
			if file != "" {
				target = filepath.Join(filepath.Dir(name), file)
				if _, err := os.Stat(target); err != nil {
					t.Errorf("%s: link %q: %v", name, link, err)
					continue
				}
			}
			if frag != "" && strings.HasSuffix(target, ".md") && !anchors(t, target)[frag] {
				t.Errorf("%s: link %q: %s has no heading #%s", name, link, target, frag)
			}
		}
	}
}

// TestDocsHaveNoStatusNotes keeps issue numbers and status notes out of
// the users' docs.
func TestDocsHaveNoStatusNotes(t *testing.T) {
	for _, name := range docFiles(t) {
		for i, line := range strings.Split(readDoc(t, name), "\n") {
			if m := statusNote.FindString(line); m != "" {
				t.Errorf("%s:%d: %q reads as a status note: %s", name, i+1, m, line)
			}
		}
	}
}

// TestConfigurationDocListsEveryVariable checks that docs/configuration.md
// names every RAMPART_ variable the module's code reads.
func TestConfigurationDocListsEveryVariable(t *testing.T) {
	doc := readDoc(t, "docs/configuration.md")
	used := map[string]bool{}
	re := regexp.MustCompile(`"(RAMPART_[A-Z0-9_]+)"`)
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "node_modules" || path == "bench") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllSubmatch(b, -1) {
			used[string(m[1])] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Names that are not variables of rampart: the misspelling of the
	// misspelled-variable test, and the test suites' own plumbing between
	// a test and the child process it starts.
	for _, v := range []string{"RAMPART_MOED", "RAMPART_TEST_CHILD", "RAMPART_TEST_ARGS"} {
		delete(used, v)
	}
	var missing []string
	for v := range used {
		if !strings.Contains(doc, "`"+v) {
			missing = append(missing, v)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("docs/configuration.md does not list %v", missing)
	}
	if len(used) < 15 {
		t.Errorf("found only %d RAMPART_ variables in the code: the scan is broken", len(used))
	}
}

// TestDocsRuleCounts checks the default ruleset's figures in the docs
// against the ruleset the library embeds.
func TestDocsRuleCounts(t *testing.T) {
	a, err := rampart.New(rampart.Config{Enabled: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	st := a.Status()
	total := st.Rules + st.ExploitRules
	waf := readDoc(t, "docs/waf.md")
	for _, want := range []string{
		fmt.Sprintf("%d rules, %d request rules", total, st.Rules),
		fmt.Sprintf("%d exploit-prevention rules", st.ExploitRules),
		fmt.Sprintf("ok, %d rules", lintCount(t)),
		fmt.Sprintf("(%d request rules)", st.Rules),
	} {
		if !strings.Contains(waf, want) {
			t.Errorf("docs/waf.md does not say %q", want)
		}
	}
	cfg := readDoc(t, "docs/configuration.md")
	if want := fmt.Sprintf("rules=%d exploit_rules=%d", st.Rules, st.ExploitRules); !strings.Contains(cfg, want) {
		t.Errorf("docs/configuration.md's startup line does not say %q", want)
	}
}

// lintCount is the number of rules "rampart rules lint" reports for the
// default ruleset: every rule in it, the disabled ones included.
func lintCount(t *testing.T) int {
	rs, _, err := waf.ParseRuleset(rules.Default())
	if err != nil {
		t.Fatal(err)
	}
	return len(rs.Rules) + len(rs.CustomRules)
}
