package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rampartsec/rampart/bench/engines"
	"github.com/rampartsec/rampart/internal/corpus"
)

// Report is what `go run . -json` prints.
type Report struct {
	Engines map[string]*Result `json:"engines"`
	// Floor is the machine's floor (see runFloor), when measured.
	Floor           *Result            `json:"floor,omitempty"`
	BinarySizeMiB   map[string]float64 `json:"binary_size_mib"` // growth over BinaryBaseMiB
	BinaryBaseMiB   float64            `json:"binary_base_mib"` // the hello-world server alone
	BinarySizeNotes map[string]string  `json:"binary_size_notes,omitempty"`
	Passes          int                `json:"passes"`
	Rounds          int                `json:"rounds"`
	Errors          []string           `json:"errors,omitempty"`
}

// Result is one engine's figures.
type Result struct {
	InitMs     float64 `json:"init_ms"`
	ReadyMs    float64 `json:"ready_ms"` // init, then a background warm-up's end (= init without one)
	RSSMiB     float64 `json:"rss_mib"`
	PkgInitMs  float64 `json:"pkg_init_ms"`  // package initialisers of the engine, before main
	PkgInitKiB float64 `json:"pkg_init_kib"` // bytes they allocated
	P50us      float64 `json:"p50_us"`
	P99us      float64 `json:"p99_us"`
	// BestP50us and BestP99us are the percentiles of each request's best
	// time over the timed passes: the engine's own cost per request, with
	// the machine's transient stalls (interrupts, a neighbour's CPU)
	// taken out. They are reported beside p50/p99, which keep every
	// sample.
	BestP50us      float64               `json:"best_p50_us"`
	BestP99us      float64               `json:"best_p99_us"`
	MeanUs         float64               `json:"mean_us"`
	PrepareUs      float64               `json:"prepare_us"` // mean, not in p50/p99
	CPUUs          float64               `json:"cpu_us"`     // process CPU time per request (all threads, GC included)
	Allocs         float64               `json:"allocs"`
	AttacksFlagged int                   `json:"attacks_flagged"`
	Attacks        int                   `json:"attacks"`
	BenignFlagged  int                   `json:"benign_flagged"`
	Benign         int                   `json:"benign"`
	Categories     map[string]*Detection `json:"categories"`
	TimedOut       int                   `json:"timed_out"`
	Errors         int                   `json:"errors"`
	Requests       int                   `json:"requests"`
	// RoundP50us and RoundP99us are p50 and p99 in each round (see
	// mergeRounds); the other timings are their rounds' medians.
	RoundP50us []float64 `json:"round_p50_us,omitempty"`
	RoundP99us []float64 `json:"round_p99_us,omitempty"`
	// Variants are the detections on the variants of the corpus
	// requests (see variants.go), by variant name; "plain" and
	// "plain-json" are the same requests unchanged (those that have a
	// payload slot, and those whose slot is a JSON field), from the
	// warm-up pass.
	Variants map[string]*VariantResult `json:"variants,omitempty"`
}

// VariantResult is one engine's detections on one variant.
type VariantResult struct {
	Attacks        int `json:"attacks"`
	AttacksFlagged int `json:"attacks_flagged"`
	Benign         int `json:"benign"`
	BenignFlagged  int `json:"benign_flagged"`
	TimedOut       int `json:"timed_out"`
	Errors         int `json:"errors"`
	// MeanUs is the mean time of one evaluation (prepare excluded).
	MeanUs float64 `json:"mean_us"`
	// SampleEvery is N when only one request in N was evaluated (the
	// counts are of those); 0 or 1 for all.
	SampleEvery int `json:"sample_every,omitempty"`
}

func (v *VariantResult) count(label string, vd engines.Verdict) {
	if label == "attack" {
		v.Attacks++
		if vd.Flagged {
			v.AttacksFlagged++
		}
	} else {
		v.Benign++
		if vd.Flagged {
			v.BenignFlagged++
		}
	}
	if vd.TimedOut {
		v.TimedOut++
	}
	if vd.Err {
		v.Errors++
	}
}

// Detection counts flagged requests of one corpus category.
type Detection struct {
	Flagged int `json:"flagged"`
	Total   int `json:"total"`
}

// loadCorpus reads every requests/*.jsonl file of the corpus.
func loadCorpus(dir string) ([]corpus.Request, error) {
	files, err := filepath.Glob(filepath.Join(dir, "requests", "*.jsonl"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no requests/*.jsonl under %s", dir)
	}
	var all []corpus.Request
	for _, f := range files {
		rs, err := corpus.ReadJSONL[corpus.Request](f)
		if err != nil {
			return nil, err
		}
		all = append(all, rs...)
	}
	return all, nil
}

// rssMiB returns this process's resident set size after a collection that
// also returns freed memory to the OS.
func rssMiB() float64 {
	debug.FreeOSMemory()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// runWorker measures one engine in this process.
func runWorker(name, dir string, opt engines.Options, passes int, variants []string) (*Result, error) {
	reqs, err := loadCorpus(dir)
	if err != nil {
		return nil, err
	}
	if name == floorName {
		return runFloor(len(reqs), passes), nil
	}
	rssBefore := rssMiB()
	start := time.Now()
	eng, err := engines.New(name, opt)
	if err != nil {
		return nil, err
	}
	initDur := time.Since(start)
	readyDur := initDur
	if w, ok := eng.(engines.Warmer); ok {
		<-w.Warmed()
		readyDur = time.Since(start)
	}
	rssAfter := rssMiB()

	prepared := make([]any, len(reqs))
	for i := range reqs {
		if prepared[i], err = eng.Prepare(&reqs[i]); err != nil {
			return nil, fmt.Errorf("%s: prepare %s: %w", name, reqs[i].ID, err)
		}
	}

	// Time a second, warm round of Prepare: the parsing cost each engine's
	// integration pays per request, reported apart from the latency.
	t0 := time.Now()
	for i := range reqs {
		_, _ = eng.Prepare(&reqs[i])
	}
	prepDur := time.Since(t0)

	res := &Result{
		PrepareUs:  us(prepDur / time.Duration(len(reqs))),
		InitMs:     float64(initDur.Microseconds()) / 1000,
		ReadyMs:    float64(readyDur.Microseconds()) / 1000,
		RSSMiB:     rssAfter - rssBefore,
		Categories: map[string]*Detection{},
		Requests:   len(reqs),
	}

	// Warm-up pass, also the pass whose verdicts are counted.
	rules := make([]string, 0, 64)
	plain := make([]engines.Verdict, len(reqs))
	for i := range reqs {
		var v engines.Verdict
		rules, v = safeEval(eng, prepared[i], rules[:0], reqs[i].ID)
		plain[i] = v
		r := &reqs[i]
		d := res.Categories[r.Category]
		if d == nil {
			d = &Detection{}
			res.Categories[r.Category] = d
		}
		d.Total++
		if v.Flagged {
			d.Flagged++
		}
		if r.Label == "attack" {
			res.Attacks++
			if v.Flagged {
				res.AttacksFlagged++
			}
		} else {
			res.Benign++
			if v.Flagged {
				res.BenignFlagged++
			}
		}
		if v.TimedOut {
			res.TimedOut++
		}
		if v.Err {
			res.Errors++
		}
	}

	// Timed passes, on this one goroutine.
	lat := make([]time.Duration, 0, passes*len(reqs))
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	cpu0 := cpuTime()
	for range passes {
		for i := range prepared {
			t := time.Now()
			rules, _ = safeEval(eng, prepared[i], rules[:0], "")
			lat = append(lat, time.Since(t))
		}
	}
	cpu1 := cpuTime()
	runtime.ReadMemStats(&m1)

	if n := len(lat); n > 0 {
		latencies(res, lat, len(prepared))
		res.Allocs = float64(m1.Mallocs-m0.Mallocs) / float64(n)
		res.CPUUs = us((cpu1 - cpu0) / time.Duration(n))
	}
	if len(variants) > 0 {
		prepared = nil
		if res.Variants, err = runVariants(name, eng, reqs, plain, variants); err != nil {
			return nil, err
		}
	}
	eng.Close()
	return res, nil
}

// variantSample gives, for an engine and a variant, N when only one
// request in N is evaluated: Coraza + CRS takes about 3 ms per request on
// the Base64 variants, 40 ms with 8 KiB of padding, 350 ms with 64 KiB and
// 70 ms with a 300-element array (measured here), which would take the
// run past an hour.
var variantSample = map[[2]string]int{
	{"coraza-crs", "base64"}:         4,
	{"coraza-crs", "base64url"}:      4,
	{"coraza-crs", "padded-8k"}:      40,
	{"coraza-crs", "padded-64k"}:     200,
	{"coraza-crs", "deep-container"}: 20,
}

// runVariants evaluates every variant of every request that has a
// payload slot, once each, after the timed passes (so they do not change
// the latency figures), one variant request built and prepared at a time.
func runVariants(name string, eng engines.Engine, reqs []corpus.Request, plain []engines.Verdict, variants []string) (map[string]*VariantResult, error) {
	slots := payloadSlots(reqs)
	out := map[string]*VariantResult{"plain": {}, "plain-json": {}}
	for i, s := range slots {
		if s == nil {
			continue
		}
		out["plain"].count(reqs[i].Label, plain[i])
		if s.kind == inJSON {
			out["plain-json"].count(reqs[i].Label, plain[i])
		}
	}
	rules := make([]string, 0, 64)
	for _, vn := range variants {
		vr := &VariantResult{SampleEvery: variantSample[[2]string{name, vn}]}
		every := max(vr.SampleEvery, 1)
		var total time.Duration
		k := 0
		for i := range reqs {
			v, ok := makeVariant(&reqs[i], slots[i], vn)
			if !ok {
				continue
			}
			if k++; (k-1)%every != 0 {
				continue
			}
			p, err := eng.Prepare(&v)
			if err != nil {
				return nil, fmt.Errorf("%s: prepare %s: %w", name, v.ID, err)
			}
			t := time.Now()
			var vd engines.Verdict
			rules, vd = safeEval(eng, p, rules[:0], v.ID)
			total += time.Since(t)
			vr.count(v.Label, vd)
		}
		if n := vr.Attacks + vr.Benign; n > 0 {
			vr.MeanUs = us(total / time.Duration(n))
		}
		out[vn] = vr
	}
	return out, nil
}

func us(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 }

// latencies fills res's percentiles from the samples of the timed passes,
// nr requests each, in order (it sorts lat).
func latencies(res *Result, lat []time.Duration, nr int) {
	n := len(lat)
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	if nr > 0 && n >= 2*nr {
		best := slices.Clone(lat[:nr])
		for k := nr; k+nr <= n; k += nr {
			for i, d := range lat[k : k+nr] {
				best[i] = min(best[i], d)
			}
		}
		slices.Sort(best)
		res.BestP50us = us(best[nr/2])
		res.BestP99us = us(best[min(nr-1, nr*99/100)])
	}
	slices.Sort(lat)
	res.P50us = us(lat[n/2])
	res.P99us = us(lat[min(n-1, n*99/100)])
	res.MeanUs = us(sum / time.Duration(n))
}

// floorName is the pseudo-engine of the machine's floor: no WAF, the same
// fixed amount of computation for every request.
const floorName = "floor"

// floorWork is the computation the floor does per request, about
// rampart's median on this machine.
const floorWork = 25 * time.Microsecond

// runFloor times a fixed computation (about floorWork) once per corpus
// request, passes times after a warm-up pass, as runWorker times an
// engine: its p99 over its p50 is what the machine alone adds to the tail
// of a request that always does the same work (interrupts, the
// hypervisor, timer reads).
func runFloor(nr, passes int) *Result {
	iters := calibrate(floorWork)
	res := &Result{Requests: nr, Categories: map[string]*Detection{}}
	for range nr {
		spin(iters)
	}
	lat := make([]time.Duration, 0, passes*nr)
	for range passes {
		for range nr {
			t := time.Now()
			spin(iters)
			lat = append(lat, time.Since(t))
		}
	}
	latencies(res, lat, nr)
	return res
}

// spinSink keeps spin's work from being optimized away.
var spinSink uint64

// spin does n steps of a linear congruential generator: work with no
// memory traffic, the same every time.
func spin(n int) {
	x := spinSink | 1
	for range n {
		x = x*6364136223846793005 + 1442695040888963407
	}
	spinSink = x
}

// calibrate returns the spin steps that take about d, from the fastest of
// a few timed runs.
func calibrate(d time.Duration) int {
	const probe = 1 << 16
	best := time.Duration(1 << 62)
	for range 20 {
		t := time.Now()
		spin(probe)
		best = min(best, time.Since(t))
	}
	return max(1, int(float64(probe)*float64(d)/float64(best)))
}

// safeEval runs one evaluation; an engine that panics fails open, as a WAF
// in production must: the request counts as an error, not flagged. The
// first panics are reported on stderr with the request id.
func safeEval(eng engines.Engine, p any, rules []string, id string) (out []string, v engines.Verdict) {
	defer func() {
		if r := recover(); r != nil {
			if id != "" && panics < 10 {
				fmt.Fprintf(os.Stderr, "bench: engine panicked on %s: %v\n", id, r)
			}
			panics++
			out, v = rules, engines.Verdict{Err: true}
		}
	}()
	return eng.Eval(p, rules)
}

var panics int

// cpuTime returns the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
