// Package corpus finds the shared folder beside the repository
// (../shared: the attack and benign corpora in shared/corpus, see its
// FORMAT.md, and reference data such as Datadog's recommended ruleset in
// shared/data) and loads it for tests, benchmarks and the replay tools.
//
// The corpus folder is $RAMPART_CORPUS when it is set, and the data
// folder is then its sibling ($RAMPART_CORPUS/../data); otherwise both
// are in the nearest folder named shared beside the working directory or
// one of its parents, which for a test is ../shared beside the module
// root.
//
// Tests call Dir, Shared, DataFile or the loaders with a testing.TB: when
// what they need is missing they skip, or fail under RAMPART_REQUIRE=1
// (see internal/prereq).
package corpus

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/rampartsec/rampart/internal/prereq"
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

// DatadogRuleset is the name of Datadog's recommended ruleset in the data
// folder (see DataFile).
const DatadogRuleset = "datadog-recommended-ruleset.json"

// ErrMissing is returned when the corpus directory cannot be found.
var ErrMissing = errors.New("corpus: ../shared/corpus not found (set RAMPART_CORPUS)")

// Find returns the corpus directory: $RAMPART_CORPUS, or the corpus
// folder of FindShared.
func Find() (string, error) {
	if d := os.Getenv("RAMPART_CORPUS"); d != "" {
		return d, nil
	}
	s, err := FindShared()
	if err != nil {
		return "", err
	}
	return filepath.Join(s, "corpus"), nil
}

// FindShared returns the shared folder: the parent of $RAMPART_CORPUS
// when it is set, otherwise the nearest folder named shared, holding
// corpus/FORMAT.md, beside the working directory or one of its parents
// (../shared beside the repository root).
func FindShared() (string, error) {
	if d := os.Getenv("RAMPART_CORPUS"); d != "" {
		return filepath.Dir(filepath.Clean(d)), nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		s := filepath.Join(d, "..", "shared")
		if st, err := os.Stat(filepath.Join(s, "corpus", "FORMAT.md")); err == nil && !st.IsDir() {
			return s, nil
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
		prereq.Missing(tb, "%v", err)
	}
	return d
}

// Shared returns the shared folder for a test (see FindShared), skipping
// the test when it is missing, or failing it when RAMPART_REQUIRE=1.
func Shared(tb testing.TB) string {
	tb.Helper()
	s, err := FindShared()
	if err != nil {
		prereq.Missing(tb, "%v", err)
	}
	return s
}

// DataFile returns the path of the file name in the shared data folder
// (shared/data; DatadogRuleset), skipping the test when it is missing, or
// failing it when RAMPART_REQUIRE=1.
func DataFile(tb testing.TB, name string) string {
	tb.Helper()
	p := filepath.Join(Shared(tb), "data", name)
	if _, err := os.Stat(p); err != nil {
		prereq.Missing(tb, "shared data: %v", err)
	}
	return p
}

// Data returns the content of DataFile(tb, name).
func Data(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(DataFile(tb, name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
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
