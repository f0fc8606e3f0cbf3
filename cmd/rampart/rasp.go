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

	"github.com/rampartsec/rampart/rasp/cmdi"
	"github.com/rampartsec/rampart/rasp/lfi"
	"github.com/rampartsec/rampart/rasp/shell"
	"github.com/rampartsec/rampart/rasp/sqli"
	"github.com/rampartsec/rampart/rasp/ssrf"
)

// raspCase is one line of the rasp format (corpus FORMAT.md).
type raspCase struct {
	ID       string   `json:"id"`
	Label    string   `json:"label"`
	Sink     string   `json:"sink"`
	Dialect  string   `json:"dialect"`
	Input    string   `json:"input"`
	Resource string   `json:"resource"`
	Argv     []string `json:"argv"`
}

// raspVerdict is one output line of `rampart rasp check`, as fixed in
// DESIGN.md.
type raspVerdict struct {
	ID       string `json:"id"`
	Exploit  bool   `json:"exploit"`
	Detector string `json:"detector,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// checkCase runs the detector of the case's sink.
func checkCase(c *raspCase) (raspVerdict, error) {
	v := raspVerdict{ID: c.ID}
	in := []string{c.Input}
	var reason string
	var ok bool
	switch c.Sink {
	case "sql":
		f, hit := sqli.Check(sqli.ParseDialect(c.Dialect), c.Resource, in)
		reason, ok, v.Detector = f.Reason, hit, "sqli"
	case "shell":
		f, hit := shell.Check(c.Resource, in)
		reason, ok, v.Detector = f.Reason, hit, "shi"
	case "exec":
		argv := c.Argv
		if len(argv) == 0 {
			argv = strings.Fields(c.Resource)
		}
		f, hit := cmdi.Check(argv, in)
		reason, ok, v.Detector = f.Reason, hit, "cmdi"
	case "http":
		f, hit := ssrf.Check(c.Resource, in)
		reason, ok, v.Detector = f.Reason, hit, "ssrf"
	case "file":
		f, hit := lfi.Check(c.Resource, in)
		reason, ok, v.Detector = f.Reason, hit, "lfi"
	default:
		return v, fmt.Errorf("unknown sink %q (want sql, shell, exec, http or file)", c.Sink)
	}
	v.Exploit = ok
	if ok {
		v.Reason = reason
	} else {
		v.Detector = ""
	}
	return v, nil
}

func raspCmd(args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "check" {
		return errors.New("usage: rampart rasp check --in FILE.jsonl [--summary]")
	}
	fs := flag.NewFlagSet("rasp check", flag.ContinueOnError)
	inPath := fs.String("in", "", "sink calls, JSON lines (- for stdin)")
	summary := fs.Bool("summary", false, "print recall and false positives per sink instead of one line per case")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *inPath == "" {
		return errors.New("rasp check: --in is required")
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
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	bw := bufio.NewWriter(out)
	defer bw.Flush()
	enc := json.NewEncoder(bw)
	type tally struct{ exploits, caught, benign, fp int }
	sums := map[string]*tally{}
	line := 0
	for sc.Scan() {
		line++
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var c raspCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			return fmt.Errorf("%s:%d: %v", *inPath, line, err)
		}
		v, err := checkCase(&c)
		if err != nil {
			return fmt.Errorf("%s:%d: %v", *inPath, line, err)
		}
		if !*summary {
			if err := enc.Encode(v); err != nil {
				return err
			}
			continue
		}
		t := sums[c.Sink]
		if t == nil {
			t = &tally{}
			sums[c.Sink] = t
		}
		if c.Label == "exploit" {
			t.exploits++
			if v.Exploit {
				t.caught++
			}
		} else {
			t.benign++
			if v.Exploit {
				t.fp++
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if *summary {
		sinks := make([]string, 0, len(sums))
		for s := range sums {
			sinks = append(sinks, s)
		}
		sort.Strings(sinks)
		fmt.Fprintf(bw, "| %-6s | %8s | %8s | %8s | %8s | %8s |\n", "sink", "exploits", "caught", "recall", "benign", "flagged")
		fmt.Fprintf(bw, "|--------|----------|----------|----------|----------|----------|\n")
		for _, s := range sinks {
			t := sums[s]
			rec := "-"
			if t.exploits > 0 {
				rec = fmt.Sprintf("%.2f%%", 100*float64(t.caught)/float64(t.exploits))
			}
			fmt.Fprintf(bw, "| %-6s | %8d | %8d | %8s | %8d | %8d |\n", s, t.exploits, t.caught, rec, t.benign, t.fp)
		}
	}
	return nil
}
