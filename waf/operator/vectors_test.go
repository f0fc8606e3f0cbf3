package operator

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/waf/regex"
)

// vector is one row of testdata/<operator>.json.
type vector struct {
	Name   string                     `json:"name"`
	Params map[string]json.RawMessage `json:"params"`
	// Value is the scalar handed to Eval: a JSON string, number, boolean
	// or null. Key marks a string as a map key (Kind Key).
	Value json.RawMessage `json:"value"`
	Key   bool            `json:"key"`
	// Data declares rules_data lists by id; Now is the clock for their
	// expirations (Unix seconds, default vectorNow).
	Data map[string]struct {
		Type    string      `json:"type"`
		Entries []DataEntry `json:"entries"`
	} `json:"data"`
	Now int64 `json:"now"`
	// Error rows expect the factory to reject the parameters.
	Error     bool    `json:"error"`
	Match     bool    `json:"match"`
	Highlight *string `json:"highlight"`
}

const vectorNow = 1_700_000_000

// vectorValue decodes a row's value.
func vectorValue(t *testing.T, raw json.RawMessage, key bool) Value {
	t.Helper()
	if len(raw) == 0 {
		return Value{Kind: Null}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		t.Fatalf("value %s: %v", raw, err)
	}
	switch x := x.(type) {
	case nil:
		return Value{Kind: Null}
	case bool:
		return Value{Kind: Bool, Bool: x}
	case json.Number:
		f, err := x.Float64()
		if err != nil && !math.IsInf(f, 0) {
			t.Fatalf("value %s: %v", raw, err)
		}
		return Value{Kind: Number, Bytes: []byte(x.String()), Num: f}
	case string:
		if key {
			return Value{Kind: Key, Bytes: []byte(x)}
		}
		return Value{Kind: String, Bytes: []byte(x)}
	}
	t.Fatalf("value %s: not a scalar", raw)
	return Value{}
}

// vectorParams builds a row's Params, with its rules_data lists.
func vectorParams(t *testing.T, v vector) Params {
	now := v.Now
	if now == 0 {
		now = vectorNow
	}
	return Params{
		Raw: v.Params,
		Data: func(id, kind string) *Data {
			d, err := NewData(id, kind)
			if err != nil {
				t.Fatal(err)
			}
			d.now = func() time.Time { return time.Unix(now, 0) }
			if decl, ok := v.Data[id]; ok {
				if decl.Type != kind {
					d, err = NewData(id, decl.Type)
					if err != nil {
						t.Fatal(err)
					}
				}
				if err := d.Update(decl.Entries); err != nil {
					t.Fatal(err)
				}
			}
			return d
		},
	}
}

// TestVectors runs every testdata/<operator>.json file. It fails when a
// file names no registered operator, and when a registered operator has
// no file: every operator ships vectors.
func TestVectors(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		covered[name] = true
		t.Run(name, func(t *testing.T) {
			factory, ok := factories[name]
			if !ok {
				t.Fatalf("%s: no operator %q is registered", file, name)
			}
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var rows []vector
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&rows); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if len(rows) == 0 {
				t.Fatalf("%s: no vectors", file)
			}
			matches, misses := 0, 0
			seen := map[string]bool{}
			for _, row := range rows {
				if row.Name == "" || seen[row.Name] {
					t.Fatalf("%s: empty or duplicate row name %q", file, row.Name)
				}
				seen[row.Name] = true
				t.Run(row.Name, func(t *testing.T) {
					op, err := factory(vectorParams(t, row))
					if row.Error {
						if err == nil {
							t.Fatalf("params %v accepted, want an error", row.Params)
						}
						return
					}
					if err != nil {
						t.Fatalf("params: %v", err)
					}
					val := vectorValue(t, row.Value, row.Key)
					hl, ok := op.Eval(val)
					if ok != row.Match {
						t.Fatalf("Eval(%s) = %v (highlight %q), want %v", row.Value, ok, hl, row.Match)
					}
					if ok && row.Highlight != nil && hl != *row.Highlight {
						t.Fatalf("Eval(%s) highlight = %q, want %q", row.Value, hl, *row.Highlight)
					}
					if ok {
						matches++
						return
					}
					misses++
					// Steady state: match_regex builds its automaton, and
					// the automaton its states, in the first evaluations.
					for range 2 * regex.DFAAfter {
						op.Eval(val)
					}
					if a := testing.AllocsPerRun(20, func() { op.Eval(val) }); a != 0 {
						t.Errorf("Eval(%s) allocates %v times without matching", row.Value, a)
					}
				})
			}
			// exists cannot fail to match: the engine decides absence.
			probe, _ := factory(Params{Raw: map[string]json.RawMessage{}})
			_, existence := probe.(Existence)
			if matches == 0 || (misses == 0 && !existence) {
				t.Errorf("%s: %d matching and %d non-matching rows; want both", file, matches, misses)
			}
		})
	}
	var missing []string
	for _, n := range Names() {
		if !covered[n] {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		t.Errorf("registered operators without testdata/<name>.json vectors: %s", strings.Join(missing, ", "))
	}
	if !slices.IsSorted(Names()) {
		t.Error("Names is not sorted")
	}
}
