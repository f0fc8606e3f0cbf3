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

	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/rules"
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

// raspChecker runs sink calls through the WAF engine's exploit-prevention
// rules, the path the guards take: the case's input is the request's query
// parameter, the resource the sink's addresses.
type raspChecker struct{ eng *waf.Engine }

func newRASPChecker(rulesArg string) (*raspChecker, error) {
	src := rules.ExploitRules()
	if rulesArg != "" && rulesArg != "default" {
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
	eng, err := waf.New(rs, waf.Options{Timeout: -1, AllMatches: true})
	if err != nil {
		return nil, err
	}
	if eng.SinkRuleCount() == 0 {
		return nil, errors.New("the ruleset has no exploit-prevention rules")
	}
	return &raspChecker{eng: eng}, nil
}

// checkCase runs the case's sink call.
func (rc *raspChecker) checkCase(c *raspCase) (raspVerdict, error) {
	v := raspVerdict{ID: c.ID}
	var addrs []waf.Address
	switch c.Sink {
	case "sql":
		addrs = []waf.Address{{Name: waf.AddrDBStatement, Value: waf.String(c.Resource)}, {Name: waf.AddrDBSystem, Value: waf.String(c.Dialect)}}
	case "shell":
		addrs = []waf.Address{{Name: waf.AddrShellCmd, Value: waf.String(c.Resource)}}
	case "exec":
		argv := c.Argv
		if len(argv) == 0 {
			argv = strings.Fields(c.Resource)
		}
		addrs = []waf.Address{{Name: waf.AddrExecCmd, Value: waf.Strings(argv...)}}
	case "http":
		addrs = []waf.Address{{Name: waf.AddrNetURL, Value: waf.String(c.Resource)}}
	case "file":
		addrs = []waf.Address{{Name: waf.AddrFSFile, Value: waf.String(c.Resource)}}
	default:
		return v, fmt.Errorf("unknown sink %q (want sql, shell, exec, http or file)", c.Sink)
	}
	ctx := rc.eng.NewContext()
	defer ctx.Close()
	ctx.Run([]waf.Address{{Name: waf.AddrQuery, Value: waf.Map([]waf.Field{{Key: "input", Value: waf.Strings(c.Input)}})}})
	res := ctx.RunSink(addrs)
	for _, m := range res.Matches {
		if m.Exploit != nil {
			v.Exploit, v.Detector, v.Reason = true, m.Exploit.Detector, m.Exploit.Reason
			break
		}
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
	rulesArg := fs.String("rules", "default", "ruleset with the exploit-prevention rules: default or a file in the libddwaf format")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	rc, err := newRASPChecker(*rulesArg)
	if err != nil {
		return fmt.Errorf("rasp check: %w", err)
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
		v, err := rc.checkCase(&c)
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
