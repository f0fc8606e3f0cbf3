package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/httpinput"
	"github.com/rampartsec/rampart/waf/rules"
)

// replayRequest is one line of the requests format (corpus FORMAT.md).
type replayRequest struct {
	ID       string `json:"id"`
	Source   string `json:"source"`
	Label    string `json:"label"`
	Category string `json:"category"`
	Request  struct {
		Method   string      `json:"method"`
		URI      string      `json:"uri"`
		Headers  [][2]string `json:"headers"`
		Body     string      `json:"body"`
		ClientIP string      `json:"client_ip"`
	} `json:"request"`
}

// verdict is one output line of replay, as fixed in DESIGN.md.
type verdict struct {
	ID         string   `json:"id"`
	Verdict    string   `json:"verdict"`
	Rules      []string `json:"rules"`
	Categories []string `json:"categories"`
	DurationUS float64  `json:"duration_us"`
}

func loadEngine(rulesArg string, timeout time.Duration) (*waf.Engine, error) {
	var src []byte
	if rulesArg == "" || rulesArg == "default" {
		src = rules.Default()
	} else {
		b, err := os.ReadFile(rulesArg)
		if err != nil {
			return nil, err
		}
		src = b
	}
	rs, _, err := waf.ParseRuleset(src)
	if err != nil {
		return nil, err
	}
	if timeout == 0 {
		timeout = -1 // offline: verdicts must not depend on the machine's load
	}
	return waf.New(rs, waf.Options{Timeout: timeout, AllMatches: true})
}

// evaluate runs one request through the engine, as httpguard does: header
// phase, then body phase.
func evaluate(eng *waf.Engine, opts *httpinput.Options, rr *replayRequest) verdict {
	start := time.Now()
	in := &httpinput.Request{Method: rr.Request.Method, URI: rr.Request.URI, Headers: rr.Request.Headers, Body: []byte(rr.Request.Body), RemoteAddr: rr.Request.ClientIP}
	ctx := eng.NewContext()
	addrs, _ := httpinput.Build(in, opts, nil)
	res := ctx.Run(addrs)
	matches := res.Matches
	if ctx.Blocked() == nil {
		n := len(addrs)
		addrs, _ = httpinput.BuildBody(in, opts, addrs)
		if len(addrs) > n {
			matches = append(matches, ctx.Run(addrs[n:]).Matches...)
		}
	}
	blocked := ctx.Blocked() != nil
	ctx.Close()
	v := verdict{ID: rr.ID, Verdict: "pass", Rules: []string{}, Categories: []string{}, DurationUS: float64(time.Since(start).Nanoseconds()) / 1e3}
	seen := map[string]bool{}
	for _, m := range matches {
		v.Rules = append(v.Rules, m.RuleID)
		if !seen[m.Category] {
			seen[m.Category] = true
			v.Categories = append(v.Categories, m.Category)
		}
	}
	switch {
	case blocked:
		v.Verdict = "block"
	case len(matches) > 0:
		v.Verdict = "monitor"
	}
	return v
}

func replayCmd(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	rulesArg := fs.String("rules", "default", "ruleset: default or a file in the libddwaf JSON format")
	inPath := fs.String("in", "", "requests, JSON lines (- for stdin)")
	summary := fs.Bool("summary", false, "print recall and false-positive tables instead of one line per request")
	timeout := fs.Duration("timeout", 0, "time budget per request, as in production (default: none, so verdicts do not depend on load)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *inPath == "" {
		return errors.New("replay: --in is required")
	}
	eng, err := loadEngine(*rulesArg, *timeout)
	if err != nil {
		return err
	}
	var r io.Reader = os.Stdin
	if *inPath != "-" {
		f, err := os.Open(*inPath)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	// The corpus gives the client IP directly: trust it as the peer.
	opts := &httpinput.Options{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	bw := bufio.NewWriter(out)
	defer bw.Flush()
	enc := json.NewEncoder(bw)
	sum := newSummary()
	line := 0
	for sc.Scan() {
		line++
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		var rr replayRequest
		if err := json.Unmarshal(sc.Bytes(), &rr); err != nil {
			return fmt.Errorf("%s:%d: %v", *inPath, line, err)
		}
		v := evaluate(eng, opts, &rr)
		if *summary {
			sum.add(&rr, &v)
			continue
		}
		if err := enc.Encode(v); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if *summary {
		sum.print(bw)
	}
	return nil
}

type tally struct{ n, flagged int }

type summary struct {
	attackByCat  map[string]*tally
	attackBySrc  map[string]*tally
	benignBySrc  map[string]*tally
	rulesOnBenig map[string]int
	attacks      tally
	benign       tally
	durations    []float64
}

func newSummary() *summary {
	return &summary{attackByCat: map[string]*tally{}, attackBySrc: map[string]*tally{}, benignBySrc: map[string]*tally{}, rulesOnBenig: map[string]int{}}
}

func bump(m map[string]*tally, k string, flagged bool) {
	t := m[k]
	if t == nil {
		t = &tally{}
		m[k] = t
	}
	t.n++
	if flagged {
		t.flagged++
	}
}

// sourceName shortens a corpus source path to its project and file.
func sourceName(s string) string {
	parts := strings.Split(s, "/")
	if len(parts) <= 2 {
		return s
	}
	if parts[0] == "coreruleset" {
		return "coreruleset"
	}
	return parts[0] + "/" + parts[len(parts)-1]
}

func (s *summary) add(rr *replayRequest, v *verdict) {
	flagged := v.Verdict != "pass"
	s.durations = append(s.durations, v.DurationUS)
	if rr.Label == "attack" {
		s.attacks.n++
		if flagged {
			s.attacks.flagged++
		}
		bump(s.attackByCat, rr.Category, flagged)
		bump(s.attackBySrc, sourceName(rr.Source), flagged)
		return
	}
	s.benign.n++
	if flagged {
		s.benign.flagged++
		for _, r := range v.Rules {
			s.rulesOnBenig[r]++
		}
	}
	bump(s.benignBySrc, sourceName(rr.Source), flagged)
}

func pct(t tally) string {
	if t.n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f%%", 100*float64(t.flagged)/float64(t.n))
}

func (s *summary) print(w io.Writer) {
	table := func(title, col string, m map[string]*tally) {
		fmt.Fprintf(w, "\n%s\n", title)
		fmt.Fprintf(w, "| %-40s | %8s | %8s | %8s |\n", col, "total", "flagged", "rate")
		fmt.Fprintf(w, "|%s|%s|%s|%s|\n", strings.Repeat("-", 42), strings.Repeat("-", 10), strings.Repeat("-", 10), strings.Repeat("-", 10))
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "| %-40s | %8d | %8d | %8s |\n", k, m[k].n, m[k].flagged, pct(*m[k]))
		}
	}
	fmt.Fprintf(w, "attacks flagged (recall): %d/%d = %s\n", s.attacks.flagged, s.attacks.n, pct(s.attacks))
	fmt.Fprintf(w, "benign flagged (false positives): %d/%d = %s\n", s.benign.flagged, s.benign.n, pct(s.benign))
	if len(s.durations) > 0 {
		sort.Float64s(s.durations)
		fmt.Fprintf(w, "latency per request (parse + evaluate): p50 %.1f µs, p99 %.1f µs\n", s.durations[len(s.durations)/2], s.durations[len(s.durations)*99/100])
	}
	if len(s.attackByCat) > 0 {
		table("Recall per attack category", "category", s.attackByCat)
		table("Recall per attack source", "source", s.attackBySrc)
	}
	if len(s.benignBySrc) > 0 {
		table("False positives per benign source", "source", s.benignBySrc)
	}
	if len(s.rulesOnBenig) > 0 {
		fmt.Fprintf(w, "\nRules flagging benign requests\n")
		keys := make([]string, 0, len(s.rulesOnBenig))
		for k := range s.rulesOnBenig {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return s.rulesOnBenig[keys[i]] > s.rulesOnBenig[keys[j]] })
		for _, k := range keys {
			fmt.Fprintf(w, "  %-20s %d\n", k, s.rulesOnBenig[k])
		}
	}
}
