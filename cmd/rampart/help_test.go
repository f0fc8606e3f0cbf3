//go:build !lambdaext

package main

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"
)

// -h and --help print the command's flags and exit 0 (not 1 with "flag:
// help requested"); a bad flag still exits 1.
func TestHelpExitsZero(t *testing.T) {
	for name, cmd := range map[string]func([]string, *bytes.Buffer) error{
		"demo":     func(a []string, b *bytes.Buffer) error { return demoCmd(a, b) },
		"serve":    func(a []string, b *bytes.Buffer) error { return serveCmd(a, b) },
		"simulate": func(a []string, b *bytes.Buffer) error { return simulateCmd(a, b) },
	} {
		for _, arg := range []string{"-h", "--help"} {
			var out bytes.Buffer
			err := cmd([]string{arg}, &out)
			if !errors.Is(err, flag.ErrHelp) || exitStatus(err) != 0 {
				t.Errorf("%s %s: %v (exit %d)", name, arg, err, exitStatus(err))
			}
			if !strings.Contains(out.String(), "Usage of") {
				t.Errorf("%s %s printed no usage: %q", name, arg, out.String())
			}
		}
		var out bytes.Buffer
		if err := cmd([]string{"--no-such-flag"}, &out); exitStatus(err) != 1 {
			t.Errorf("%s --no-such-flag: %v (exit %d)", name, err, exitStatus(err))
		}
	}
}
