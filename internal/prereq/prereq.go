// Package prereq decides what a test does when something it needs from
// the machine is missing: the shared corpus, a database, a server, a
// tool, a permission. It skips; or, under RAMPART_REQUIRE=1 (as on CI),
// it fails, so that a run with a prerequisite missing cannot pass for a
// complete one.
//
// RAMPART_REQUIRE has one meaning: exactly "1" makes every prerequisite
// required. Unset, empty or any other value ("0", "true"), the tests
// whose prerequisites are missing skip.
package prereq

import (
	"os"
	"testing"
)

// Env is the variable that makes the prerequisites required.
const Env = "RAMPART_REQUIRE"

// Required reports whether a missing prerequisite fails the test
// (RAMPART_REQUIRE=1) instead of skipping it.
func Required() bool { return os.Getenv(Env) == "1" }

// Missing skips tb for the missing prerequisite that format and args
// describe, or fails it with that message when prerequisites are
// required.
func Missing(tb testing.TB, format string, args ...any) {
	tb.Helper()
	if Required() {
		tb.Fatalf(format+" ("+Env+"=1)", args...)
	} else {
		tb.Skipf(format, args...)
	}
}
