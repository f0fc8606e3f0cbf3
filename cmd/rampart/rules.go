package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/rules"
)

func rulesCmd(args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "lint" {
		return errors.New("usage: rampart rules lint [FILE]")
	}
	src, name := rules.Default(), "default"
	if len(args) > 1 {
		b, err := os.ReadFile(args[1])
		if err != nil {
			return err
		}
		src, name = b, args[1]
	}
	rs, warnings, err := waf.ParseRuleset(src)
	for _, w := range warnings {
		fmt.Fprintln(out, "warning:", w)
	}
	if err != nil {
		return err
	}
	eng, err := waf.New(rs, waf.Options{})
	if err != nil {
		return err
	}
	for _, w := range eng.Warnings() {
		fmt.Fprintln(out, "warning:", w)
	}
	fmt.Fprintf(out, "%s: ok, %d rules (%d custom), %d rules_data lists, rules_version %q\n", name, len(rs.Rules)+len(rs.CustomRules), len(rs.CustomRules), len(rs.Data), rs.RulesVersion)
	return nil
}
