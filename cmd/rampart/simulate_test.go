//go:build !lambdaext

package main

import (
	"strings"
	"testing"
)

// TestSimulate runs `rampart simulate` on one seed in memory: every
// campaign detected, nothing on benign traffic.
func TestSimulate(t *testing.T) {
	var out strings.Builder
	if err := simulateCmd([]string{"--seeds", "1"}, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"brute_force", "credential_stuffing", "account_takeover", "distributed_credential_stuffing", "login_velocity", "no signal or decision on benign traffic"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("simulate output lacks %q:\n%s", want, out.String())
		}
	}
	if err := simulateCmd([]string{"--collectors", "2"}, &out); err == nil {
		t.Error("several collectors without a shared state accepted")
	}
}
