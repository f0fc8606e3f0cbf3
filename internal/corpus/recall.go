package corpus

import (
	"fmt"
	"slices"
	"testing"
)

// RASPFloors are the figures RASPRecall holds a checker to on one sink's
// corpus: floors set at the measured figures, as regression checks.
type RASPFloors struct {
	// Recall is the least share of the exploit cases reported, overall
	// and in each group.
	Recall float64
	// MaxFP is the most benign cases reported (false positives).
	MaxFP int
	// Group, when set, names the group of a case (its SQL dialect): the
	// recall floor holds in every group, and the figures are logged per
	// group.
	Group func(RASPCase) string
	// MinGroups, MinExploit and MinBenign are the least the corpus must
	// hold, so that a corpus that shrank cannot pass for a checker that
	// kept its figures.
	MinGroups, MinExploit, MinBenign int
}

// raspTally counts the cases of a group.
type raspTally struct{ exploit, caught, benign, fp int }

func (t raspTally) recall() float64 { return float64(t.caught) / float64(t.exploit) }

// RASPRecall runs check over every case of rasp/<sink>.jsonl (loaded with
// RASP: a missing corpus skips, or fails under RAMPART_REQUIRE=1) and
// holds the figures to floors. check reports whether the sink's checker
// reports the case, and why (logged for a false positive). The missed
// exploits and the false positives are logged one by one, the figures
// per group and overall; a label other than exploit or benign, or a
// corpus without exploits, fails the test.
func RASPRecall(tb testing.TB, sink string, floors RASPFloors, check func(c RASPCase) (reported bool, reason string)) {
	tb.Helper()
	cases := RASP(tb, sink)
	groups := map[string]*raspTally{}
	for _, c := range cases {
		g := ""
		if floors.Group != nil {
			g = floors.Group(c)
		}
		st := groups[g]
		if st == nil {
			st = &raspTally{}
			groups[g] = st
		}
		reported, reason := check(c)
		switch c.Label {
		case "exploit":
			st.exploit++
			if reported {
				st.caught++
			} else {
				tb.Logf("missed %s", describe(c))
			}
		case "benign":
			st.benign++
			if reported {
				st.fp++
				tb.Logf("false positive %s: %s", describe(c), reason)
			}
		default:
			tb.Errorf("%s: label %q, want exploit or benign", c.ID, c.Label)
		}
	}
	var all raspTally
	for _, st := range groups {
		all.exploit, all.caught, all.benign, all.fp = all.exploit+st.exploit, all.caught+st.caught, all.benign+st.benign, all.fp+st.fp
	}
	if floors.Group != nil {
		names := make([]string, 0, len(groups))
		for g := range groups {
			names = append(names, g)
		}
		slices.Sort(names)
		for _, g := range names {
			st := groups[g]
			tb.Logf("%s %-10s exploit %d/%d caught, benign %d, false positives %d", sink, g, st.caught, st.exploit, st.benign, st.fp)
			if st.exploit > 0 && st.recall() < floors.Recall {
				tb.Errorf("%s %s: recall %d/%d = %.4f < floor %.4f", sink, g, st.caught, st.exploit, st.recall(), floors.Recall)
			}
		}
	}
	tb.Logf("%s corpus: %d cases, recall %d/%d = %.4f, false positives %d/%d", sink, len(cases), all.caught, all.exploit, all.recall(), all.fp, all.benign)
	switch {
	case all.exploit == 0:
		tb.Errorf("%s corpus: no exploit case", sink)
	case all.recall() < floors.Recall:
		tb.Errorf("%s corpus: recall %.4f < floor %.4f", sink, all.recall(), floors.Recall)
	}
	if all.fp > floors.MaxFP {
		tb.Errorf("%s corpus: %d false positives > ceiling %d", sink, all.fp, floors.MaxFP)
	}
	if len(groups) < floors.MinGroups || all.exploit < floors.MinExploit || all.benign < floors.MinBenign {
		tb.Errorf("%s corpus shrank: %d groups, %d exploit, %d benign cases (want at least %d, %d, %d)",
			sink, len(groups), all.exploit, all.benign, floors.MinGroups, floors.MinExploit, floors.MinBenign)
	}
}

// describe names a case for the log: its id, dialect, input, and
// resource or argv.
func describe(c RASPCase) string {
	where := fmt.Sprintf("%q", c.Resource)
	if len(c.Argv) > 0 {
		where = fmt.Sprintf("%q", c.Argv)
	}
	if c.Dialect != "" {
		return fmt.Sprintf("%s (%s): input %q in %s", c.ID, c.Dialect, c.Input, where)
	}
	return fmt.Sprintf("%s: input %q in %s", c.ID, c.Input, where)
}
