// Command rampart is rampart's command line: replay captured requests
// through a ruleset, lint rulesets, and run the demo.
//
//	rampart replay --rules default|FILE --in FILE.jsonl [--summary]
//	rampart rules lint [FILE]
//	rampart rasp check --in FILE.jsonl [--summary]
//	rampart serve [--addr 127.0.0.1:8080] [--data DIR] [--database postgres://...]
//	rampart demo
package main

import (
	"fmt"
	"os"
)

const usage = `usage:
  rampart replay --rules default|FILE --in FILE.jsonl [--summary]
      evaluate requests (JSON lines, see ../shared/corpus/FORMAT.md) and print
      one verdict per line, or per-category recall and false-positive tables
  rampart rules lint [FILE]
      validate a ruleset (default: the embedded one) and list every problem
  rampart rasp check --in FILE.jsonl [--summary]
      run the exploit-prevention detectors on sink calls (JSON lines, see
      ../shared/corpus/FORMAT.md): one verdict per line, or recall and false
      positives per sink
  rampart serve [--addr 127.0.0.1:8080] [--data DIR] [--database postgres://...] [--state redis://...]
      run the collector: authenticated ingest, signals, decisions (see README)
  rampart demo [--addr 127.0.0.1:0]
      start a small API protected by rampart, replay attacks and normal
      requests against it, and print what was blocked and why
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "replay":
		err = replayCmd(os.Args[2:], os.Stdout)
	case "rules":
		err = rulesCmd(os.Args[2:], os.Stdout)
	case "rasp":
		err = raspCmd(os.Args[2:], os.Stdout)
	case "demo":
		err = demoCmd(os.Args[2:], os.Stdout)
	case "serve":
		err = serveCmd(os.Args[2:], os.Stderr)
	case "extension":
		err = extensionCmd(os.Args[2:], os.Stderr)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "rampart: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "rampart:", err)
		os.Exit(1)
	}
}
