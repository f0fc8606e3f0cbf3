// Command gen writes known_table.bin, the precomputed analysis of the
// default ruleset's regular expressions (see package regex), from the
// ruleset that package rules embeds. It is run by go generate:
//
//	go generate ./waf/regex
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/rampartsec/rampart/waf/regex"
	"github.com/rampartsec/rampart/waf/rules"
)

func main() {
	out := flag.String("o", "known_table.bin", "the file to write")
	flag.Parse()
	exprs, err := matchRegexExprs(rules.Default())
	if err != nil {
		log.Fatal(err)
	}
	blob, err := regex.EncodeKnown(exprs)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, blob, 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d expressions, %d bytes\n", *out, len(exprs), len(blob))
}

// matchRegexExprs returns the distinct expressions of a ruleset's
// match_regex conditions as the operator gives them to regex.Parse, with
// (?i) unless case-sensitive, in the order of the ruleset.
func matchRegexExprs(ruleset []byte) ([]string, error) {
	var rs struct {
		Rules []struct {
			Conditions []struct {
				Operator   string `json:"operator"`
				Parameters struct {
					Regex   string `json:"regex"`
					Options struct {
						CaseSensitive bool `json:"case_sensitive"`
					} `json:"options"`
				} `json:"parameters"`
			} `json:"conditions"`
		} `json:"rules"`
	}
	if err := json.Unmarshal(ruleset, &rs); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for _, r := range rs.Rules {
		for _, c := range r.Conditions {
			if strings.TrimPrefix(c.Operator, "!") != "match_regex" {
				continue
			}
			e := c.Parameters.Regex
			if !c.Parameters.Options.CaseSensitive {
				e = "(?i)" + e
			}
			if !seen[e] {
				seen[e] = true
				out = append(out, e)
			}
		}
	}
	return out, nil
}
