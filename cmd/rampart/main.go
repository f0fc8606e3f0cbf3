// Command rampart is rampart's command line: replay captured requests
// through a ruleset, lint rulesets, and run the demo.
//
//	rampart replay --rules default|FILE --in FILE.jsonl [--summary]
//	rampart rules lint [FILE]
//	rampart rasp check --in FILE.jsonl [--summary]
//	rampart serve [--addr 127.0.0.1:8080] [--data DIR] [--database postgres://...] [--state redis://...]
//	rampart extension
//	rampart simulate [--seeds 1,2,3] [--state redis://...] [--collectors N]
//	rampart demo [--keep=false] [--ui-addr 127.0.0.1:8080]
//	rampart version
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
)

const usage = `usage:
  rampart replay --rules default|FILE --in FILE.jsonl [--summary]
      evaluate requests (JSON lines, see ../shared/corpus/FORMAT.md) and print
      one verdict per line, or per-category recall and false-positive tables
  rampart rules lint [FILE]
      validate a ruleset (default: the embedded one), list every problem, and
      warn on the addresses it reads that nobody sends (typos: "did you
      mean server.request.query?"; a note for the libddwaf addresses that
      rampart does not send yet, such as gRPC responses)
  rampart rasp check [--rules default|FILE] --in FILE.jsonl [--summary]
      run sink calls (JSON lines, see ../shared/corpus/FORMAT.md) through the
      exploit-prevention rules: one verdict per line, or recall and false
      positives per sink
  rampart serve [--addr 127.0.0.1:8080] [--data DIR] [--database postgres://...] [--state redis://...]
      run the collector: authenticated ingest, signals, decisions (see README)
  rampart simulate [--seeds 1,2,3] [--state redis://...] [--collectors N]
      generated login traffic with account-takeover campaigns, in event time,
      through the collector's detectors: detection delay, IPs named, false
      signals per campaign
  rampart extension
      run as the rampart AWS Lambda extension (layer: extensions/rampart):
      takes the function's events on localhost, forwards them to
      RAMPART_ENDPOINT, caches decisions; RAMPART_PROXY=on for proxy mode
  rampart demo [--keep=false] [--ui-addr 127.0.0.1:8080] [--data DIR]
      start the collector and its UI, attack the example application (as a
      net/http service, and as a Lambda function when aws-lambda-rie is
      installed) with SQL injection, SSRF, shell injection, file inclusion
      and a credential-stuffing campaign, print what was detected and
      blocked, and leave the UI up
  rampart version
      print the binary's version (stamped by scripts/release.sh, else the
      module's), the library's, the Go release and the platform
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
	case "extension":
		err = extensionCmd(os.Args[2:], os.Stderr)
	case "version", "--version":
		err = versionCmd(os.Args[2:], os.Stdout)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return
	default:
		cmd, ok := backendCommands[os.Args[1]]
		if !ok {
			fmt.Fprintf(os.Stderr, "rampart: unknown command %q\n\n%s", os.Args[1], usage)
			os.Exit(2)
		}
		err = cmd(os.Args[2:])
	}
	if code := exitStatus(err); code != 0 {
		fmt.Fprintln(os.Stderr, "rampart:", err)
		os.Exit(code)
	}
}

// exitStatus is the process's exit status after a command returned err:
// 0 for none and for -h/--help (the command printed its usage), else 1.
func exitStatus(err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 1
}
