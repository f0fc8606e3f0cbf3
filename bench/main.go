// Command bench compares WAF engines on the shared request corpus: init
// time, memory, latency per request, allocations and detections. Each
// engine runs in its own process (the command re-executes itself with
// -worker), so that one engine's heap, mapped libraries and caches never
// count against another.
//
//	go run .                  # every engine, a readable table
//	go run . -json            # one JSON object on stdout
//	go run . -from run.json   # the tables of a saved -json report
//	go run . -engines libddwaf,coraza-crs -passes 5
//	go run . -variants base64,padded-8k   # fewer variants of the corpus requests
package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rampartsec/rampart/bench/engines"
	"github.com/rampartsec/rampart/internal/corpus"
)

func main() {
	var (
		jsonOut   = flag.Bool("json", false, "print one JSON object instead of a table")
		list      = flag.String("engines", strings.Join(engines.Names(), ","), "comma-separated engines to run")
		passes    = flag.Int("passes", 3, "timed passes over the corpus (after one warm-up pass)")
		rounds    = flag.Int("rounds", 3, "runs of every engine, in turns: each timing is the median of its rounds")
		budget    = flag.Duration("budget", 0, "time budget per run for rampart and libddwaf (0: their defaults, 5ms and 2ms, negative: unlimited)")
		ruleset   = flag.String("ruleset", "", "Datadog-format ruleset (default: "+corpus.DatadogRuleset+" in the data folder beside the corpus)")
		corpusDir = flag.String("corpus", "", "corpus directory (default: $RAMPART_CORPUS, or ../shared/corpus beside the repository)")
		sizes     = flag.Bool("binsize", true, "measure the binary-size increase of a hello-world server")
		floor     = flag.Bool("floor", true, "measure the machine's floor: a fixed computation per request, timed as the engines are")
		noCache   = flag.Bool("no-value-cache", false, "turn off rampart's cache of clean values")
		varList   = flag.String("variants", strings.Join(variantNames, ","), "comma-separated variants of the corpus requests to evaluate (none: only the corpus)")
		limit     = flag.Duration("timeout", 30*time.Minute, "give up on an engine whose worker runs longer")
		from      = flag.String("from", "", "print the tables of a report saved with -json, and run nothing")
		worker    = flag.Bool("worker", false, "internal: run one engine in this process")
		engine    = flag.String("engine", "", "internal: the engine a worker runs")
		out       = flag.String("out", "", "internal: where a worker writes its result")
	)
	flag.Parse()

	if *from != "" {
		if err := printSaved(*from, *list); err != nil {
			fatal(err)
		}
		return
	}
	dir, err := findCorpus(*corpusDir)
	if err != nil {
		fatal(err)
	}
	rs := *ruleset
	if rs == "" {
		rs = filepath.Join(dir, "..", "data", corpus.DatadogRuleset)
	}
	opt := engines.Options{Budget: *budget, RulesetPath: rs, NoValueCache: *noCache}
	noValueCache = *noCache
	variants, err := parseVariants(*varList)
	if err != nil {
		fatal(err)
	}
	variantFlag = strings.Join(variants, ",")

	if *worker {
		res, err := runWorker(*engine, dir, opt, *passes, variants)
		if err != nil {
			fatal(err)
		}
		b, _ := json.Marshal(res)
		if err := os.WriteFile(*out, b, 0o644); err != nil {
			fatal(err)
		}
		return
	}

	report := Report{Engines: map[string]*Result{}, Passes: *passes, Rounds: max(*rounds, 1)}
	self, err := os.Executable()
	if err != nil {
		fatal(err)
	}
	tmp, err := os.MkdirTemp("", "rampart-bench-")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(tmp)
	var order []string
	for _, name := range strings.Split(*list, ",") {
		if name = strings.TrimSpace(name); name != "" {
			order = append(order, name)
		}
	}
	runs := slices.Clone(order)
	if *floor {
		runs = append(runs, floorName)
	}
	// The engines take turns, round after round, each round starting one
	// engine further: a slow minute of the machine falls on all of them
	// alike, and no engine always runs first. The variants run in the
	// first round only.
	results := map[string][]*Result{}
	failed := map[string]bool{}
	for round := range report.Rounds {
		for k := range runs {
			name := runs[(k+round)%len(runs)]
			if failed[name] {
				continue
			}
			fmt.Fprintf(os.Stderr, "bench: %s (round %d of %d) ...\n", name, round+1, report.Rounds)
			start := time.Now()
			vs := variantFlag
			if round > 0 {
				vs = ""
			}
			res, err := spawn(self, tmp, name, dir, rs, *budget, *passes, *limit, vs)
			if err != nil {
				fmt.Fprintf(os.Stderr, "bench: %s: %v\n", name, err)
				report.Errors = append(report.Errors, fmt.Sprintf("%s: %v", name, err))
				failed[name] = true
				continue
			}
			fmt.Fprintf(os.Stderr, "bench: %s done in %s\n", name, time.Since(start).Round(time.Second))
			results[name] = append(results[name], res)
		}
	}
	for name, rs := range results {
		if failed[name] {
			continue
		}
		if name == floorName {
			report.Floor = mergeRounds(rs)
		} else {
			report.Engines[name] = mergeRounds(rs)
		}
	}
	if *sizes {
		fmt.Fprintln(os.Stderr, "bench: binary sizes ...")
		report.BinaryBaseMiB, report.BinarySizeMiB, report.BinarySizeNotes = binarySizes(tmp)
	}
	if *jsonOut {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(report); err != nil {
			fatal(err)
		}
	} else {
		printTable(os.Stdout, &report, order)
	}
	if len(report.Engines) == 0 {
		os.Exit(1)
	}
}

// noValueCache is the -no-value-cache flag, handed to the workers.
var noValueCache bool

// variantFlag is the -variants list, handed to the workers.
var variantFlag string

// parseVariants returns the variants of a -variants list, checked.
func parseVariants(list string) ([]string, error) {
	var out []string
	for _, v := range strings.Split(list, ",") {
		v = strings.TrimSpace(v)
		if v == "" || v == "none" {
			continue
		}
		if !slices.Contains(variantNames, v) {
			return nil, fmt.Errorf("unknown variant %q (have %s)", v, strings.Join(variantNames, ","))
		}
		out = append(out, v)
	}
	return out, nil
}

// spawn runs one engine in a child process of this same binary and reads
// back its result.
func spawn(self, tmp, name, dir, ruleset string, budget time.Duration, passes int, limit time.Duration, variants string) (*Result, error) {
	out := filepath.Join(tmp, name+".json")
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, self, "-worker", "-engine", name, "-out", out,
		"-corpus", dir, "-ruleset", ruleset, "-budget", budget.String(),
		"-passes", fmt.Sprint(passes), fmt.Sprintf("-no-value-cache=%v", noValueCache),
		"-variants", cmp.Or(variants, "none"))
	// inittrace reports the package initialisers that ran before main.
	godebug := "inittrace=1"
	if g := os.Getenv("GODEBUG"); g != "" {
		godebug = g + "," + godebug
	}
	cmd.Env = append(os.Environ(), "GODEBUG="+godebug)
	var stderr bytes.Buffer
	cmd.Stdout = os.Stderr // engines that print must not pollute -json
	cmd.Stderr = &stderr
	err := cmd.Run()
	initMs, initKiB, rest := pkgInit(name, stderr.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%v: %s", err, strings.TrimSpace(string(rest)))
	}
	os.Stderr.Write(rest)
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	r.PkgInitMs, r.PkgInitKiB = initMs, initKiB
	return &r, nil
}

// printSaved prints the tables of a JSON report, its engines in the
// order of list and then the others.
func printSaved(path, list string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var order []string
	for _, n := range strings.Split(list, ",") {
		if n = strings.TrimSpace(n); r.Engines[n] != nil && !slices.Contains(order, n) {
			order = append(order, n)
		}
	}
	for _, n := range slices.Sorted(maps.Keys(r.Engines)) {
		if !slices.Contains(order, n) {
			order = append(order, n)
		}
	}
	printTable(os.Stdout, &r, order)
	return nil
}

func findCorpus(flagDir string) (string, error) {
	if flagDir != "" {
		return filepath.Abs(flagDir)
	}
	d, err := corpus.Find()
	if err != nil {
		return "", err
	}
	return filepath.Abs(d)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}
