package sqli

import (
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
)

// TestCheckCorpusShortCoincidences takes the statements of the corpus's
// benign cases as what applications write, and every 1–3 byte string of
// each as an input that a request happens to hold: none may be reported
// (the shapes reported by design, a comment opener or a ';', aside).
func TestCheckCorpusShortCoincidences(t *testing.T) {
	seen := map[string]bool{}
	n, fp := 0, 0
	for _, c := range corpus.RASP(t, "sql") {
		if c.Label != "benign" || seen[c.Dialect+c.Resource] {
			continue
		}
		seen[c.Dialect+c.Resource] = true
		d := ParseDialect(c.Dialect)
		s := c.Resource
		for k := 1; k <= ShortInput; k++ {
			for a := 0; a+k <= len(s); a++ {
				in := s[a : a+k]
				n++
				if f, ok := Check(d, s, []string{in}); ok && !byDesign(in) {
					fp++
					if fp <= 20 {
						t.Errorf("%s (%s): short input %q reported in %q: %s", c.ID, c.Dialect, in, s, f.Reason)
					}
				}
			}
		}
	}
	t.Logf("%d statements, %d short inputs, %d reported", len(seen), n, fp)
}
