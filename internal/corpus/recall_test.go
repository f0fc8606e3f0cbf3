package corpus

import (
	"fmt"
	"testing"
)

// failures records the failures RASPRecall reports, and passes the rest
// to the test.
type failures struct {
	testing.TB
	errs []string
}

func (f *failures) Helper()             {}
func (f *failures) Logf(string, ...any) {}
func (f *failures) Errorf(format string, args ...any) {
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}

// RASPRecall passes a checker that reports the exploits and only them, and
// fails one that misses exploits, one that reports benign cases, and a
// corpus smaller than its floors.
func TestRASPRecall(t *testing.T) {
	exact := func(c RASPCase) (bool, string) { return c.Label == "exploit", "exact" }
	for _, c := range []struct {
		name   string
		floors RASPFloors
		check  func(RASPCase) (bool, string)
		fail   bool
	}{
		{"exact", RASPFloors{Recall: 1, Group: func(c RASPCase) string { return c.Dialect }, MinGroups: 2}, exact, false},
		{"none", RASPFloors{Recall: 0.5}, func(RASPCase) (bool, string) { return false, "" }, true},
		{"all", RASPFloors{Recall: 1}, func(RASPCase) (bool, string) { return true, "all" }, true},
		{"all, false positives allowed", RASPFloors{Recall: 1, MaxFP: 1 << 30}, func(RASPCase) (bool, string) { return true, "all" }, false},
		{"one dialect missed", RASPFloors{Recall: 1, Group: func(c RASPCase) string { return c.Dialect }},
			func(c RASPCase) (bool, string) { return c.Label == "exploit" && c.Dialect != "sqlite", "" }, true},
		{"shrank", RASPFloors{Recall: 1, MinExploit: 1 << 30}, exact, true},
	} {
		f := &failures{TB: t}
		RASPRecall(f, "sql", c.floors, c.check)
		if (len(f.errs) > 0) != c.fail {
			t.Errorf("%s: failures %q, want failing %v", c.name, f.errs, c.fail)
		}
	}
}
