package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
	"github.com/rampartsec/rampart/internal/prereq"
)

// TestRASPCorpus runs every case of the corpus's rasp folder through the
// engine's exploit-prevention rules (the path the guards take): recall of at
// least 99% of the exploits and no false positive, per sink.
func TestRASPCorpus(t *testing.T) {
	dir := filepath.Join(corpus.Dir(t), "rasp")
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if len(files) == 0 {
		prereq.Missing(t, "no rasp cases in %s", dir)
	}
	rc, err := newRASPChecker("default")
	if err != nil {
		t.Fatal(err)
	}
	type tally struct{ exploits, caught, benign, fp int }
	sums := map[string]*tally{}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			var c raspCase
			if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
				t.Fatal(err)
			}
			v, err := rc.checkCase(&c)
			if err != nil {
				t.Fatal(err)
			}
			s := sums[c.Sink]
			if s == nil {
				s = &tally{}
				sums[c.Sink] = s
			}
			if c.Label == "exploit" {
				s.exploits++
				if v.Exploit {
					s.caught++
				}
			} else {
				s.benign++
				if v.Exploit {
					s.fp++
					t.Errorf("%s: benign case flagged (%s: %s)", c.ID, v.Detector, v.Reason)
				}
			}
		}
		fh.Close()
	}
	for _, sink := range []string{"sql", "http", "shell", "exec", "file"} {
		s := sums[sink]
		if s == nil || s.exploits == 0 || s.benign == 0 {
			t.Errorf("sink %s: no cases", sink)
			continue
		}
		if recall := float64(s.caught) / float64(s.exploits); recall < 0.99 {
			t.Errorf("sink %s: recall %.2f%% (%d/%d), want ≥ 99%%", sink, 100*recall, s.caught, s.exploits)
		}
	}
}
