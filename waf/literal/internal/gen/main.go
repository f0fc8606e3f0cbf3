// Command gen writes matcher_table.bin, the automata of the pattern sets
// that loading the default ruleset gives literal.NewMatcher (the engine's
// prefilter literals and the phrase_match lists; see package literal). It
// is run by go generate:
//
//	go generate ./waf/literal
package main

import (
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/literal"
	"github.com/rampartsec/rampart/waf/rules"
)

func main() {
	out := flag.String("o", "matcher_table.bin", "the file to write")
	flag.Parse()
	var sets [][]string
	literal.RecordPatterns(func(ps []string) { sets = append(sets, ps) })
	rs, _, err := waf.ParseRuleset(rules.Default())
	if err != nil {
		log.Fatal(err)
	}
	if _, err := waf.New(rs, waf.Options{}); err != nil {
		log.Fatal(err)
	}
	literal.RecordPatterns(nil)
	blob := literal.EncodeKnown(sets)
	if err := os.WriteFile(*out, blob, 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d pattern sets, %d bytes\n", *out, len(sets), len(blob))
}
