package main

import (
	"math"
	"strings"
	"testing"
)

func TestPkgInit(t *testing.T) {
	stderr := strings.Join([]string{
		"init net/http @2.3 ms, 0.011 ms clock, 4712 bytes, 49 allocs",
		"init github.com/corazawaf/coraza/v3/internal/operators @2.4 ms, 0.017 ms clock, 6832 bytes, 52 allocs",
		"init github.com/corazawaf/coraza/v3/internal/seclang @2.4 ms, 0.006 ms clock, 3408 bytes, 4 allocs",
		"init github.com/rampartsec/rampart/waf @2.3 ms, 0.005 ms clock, 1632 bytes, 10 allocs",
		"init github.com/rampartsec/rampart/bench/engines @2.4 ms, 0.001 ms clock, 256 bytes, 2 allocs",
		"bench: engine panicked on x: boom",
		"",
	}, "\n")
	ms, kib, rest := pkgInit("coraza-crs", []byte(stderr))
	if math.Abs(ms-0.023) > 1e-9 || math.Abs(kib-10) > 1e-9 {
		t.Errorf("coraza-crs: %v ms, %v KiB; want 0.023 ms, 10 KiB", ms, kib)
	}
	if string(rest) != "bench: engine panicked on x: boom\n" {
		t.Errorf("rest = %q: init lines must be removed, others kept", rest)
	}
	ms, _, _ = pkgInit("rampart-default", []byte(stderr))
	if math.Abs(ms-0.005) > 1e-9 {
		t.Errorf("rampart-default: %v ms; want 0.005 (the harness's own packages excluded)", ms)
	}
}
