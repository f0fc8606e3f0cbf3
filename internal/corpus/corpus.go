// Package corpus loads the shared attack and benign corpora
// (../shared/corpus beside the repository, see its FORMAT.md) for tests,
// benchmarks and the replay tools.
//
// Tests call Dir or the loaders with a testing.TB: when the corpus is
// missing they skip, unless RAMPART_REQUIRE=1, when they fail.
package corpus

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Request is one line of requests/*.jsonl.
type Request struct {
	ID       string `json:"id"`
	Source   string `json:"source"`
	Label    string `json:"label"`    // attack | benign
	Category string `json:"category"` // sqli, xss, lfi, rce, ssrf, nosqli, ssti, jndi, scanner, protocol, benign
	Request  struct {
		Method   string      `json:"method"`
		URI      string      `json:"uri"`
		Headers  [][2]string `json:"headers"`
		Body     string      `json:"body"`
		ClientIP string      `json:"client_ip"`
	} `json:"request"`
}

// Payload is one line of payloads/*.jsonl.
type Payload struct {
	ID       string `json:"id"`
	Source   string `json:"source"`
	Label    string `json:"label"`
	Category string `json:"category"`
	Payload  string `json:"payload"`
}

// RASPCase is one line of rasp/*.jsonl.
type RASPCase struct {
	ID       string   `json:"id"`
	Source   string   `json:"source"`
	Label    string   `json:"label"` // exploit | benign
	Sink     string   `json:"sink"`  // sql | shell | exec | http | file
	Dialect  string   `json:"dialect,omitempty"`
	Input    string   `json:"input"`
	Resource string   `json:"resource"`
	Argv     []string `json:"argv,omitempty"`
}

// ErrMissing is returned when the corpus directory cannot be found.
var ErrMissing = errors.New("corpus: ../shared/corpus not found (set RAMPART_CORPUS)")

// Find returns the corpus directory: $RAMPART_CORPUS, or ../shared/corpus
// next to the repository root found by walking up from the working
// directory to the go.mod of the rampart module.
func Find() (string, error) {
	if d := os.Getenv("RAMPART_CORPUS"); d != "" {
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		for _, rel := range []string{"../shared/corpus", "../../shared/corpus"} {
			c := filepath.Join(d, rel)
			if st, err := os.Stat(filepath.Join(c, "FORMAT.md")); err == nil && !st.IsDir() {
				return c, nil
			}
		}
		if filepath.Dir(d) == d {
			return "", ErrMissing
		}
	}
}

// Dir returns the corpus directory for a test, skipping the test when it is
// missing, or failing it when RAMPART_REQUIRE=1.
func Dir(tb testing.TB) string {
	tb.Helper()
	d, err := Find()
	if err != nil {
		if os.Getenv("RAMPART_REQUIRE") == "1" {
			tb.Fatalf("%v (RAMPART_REQUIRE=1)", err)
		}
		tb.Skip(err)
	}
	return d
}

// ReadJSONL decodes every line of a JSON Lines file into a new T.
func ReadJSONL[T any](path string) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		if len(sc.Bytes()) == 0 {
			continue
		}
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		out = append(out, v)
	}
	return out, sc.Err()
}

// Requests loads requests/<name>.jsonl ("benign", "crs-regression",
// "payloads-attacks"), or every requests file when names is empty.
func Requests(tb testing.TB, names ...string) []Request {
	tb.Helper()
	d := Dir(tb)
	if len(names) == 0 {
		names = []string{"payloads-attacks", "crs-regression", "benign"}
	}
	var out []Request
	for _, n := range names {
		rs, err := ReadJSONL[Request](filepath.Join(d, "requests", n+".jsonl"))
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, rs...)
	}
	return out
}

// Payloads loads payloads/<category>.jsonl.
func Payloads(tb testing.TB, category string) []Payload {
	tb.Helper()
	ps, err := ReadJSONL[Payload](filepath.Join(Dir(tb), "payloads", category+".jsonl"))
	if err != nil {
		tb.Fatal(err)
	}
	return ps
}

// RASP loads rasp/<sink>.jsonl (sql, shell, exec, http, file).
func RASP(tb testing.TB, sink string) []RASPCase {
	tb.Helper()
	cs, err := ReadJSONL[RASPCase](filepath.Join(Dir(tb), "rasp", sink+".jsonl"))
	if err != nil {
		tb.Fatal(err)
	}
	return cs
}
