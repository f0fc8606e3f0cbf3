package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBinaryDependencies checks what the rampart binary carries: no test
// helper (the demo and the example function dial through
// internal/loopback, not internal/nettest) in either build, and none of
// the collector in the Lambda extension's (-tags lambdaext).
func TestBinaryDependencies(t *testing.T) {
	testHelpers := []string{"testing", "github.com/rampartsec/rampart/internal/nettest", "github.com/rampartsec/rampart/internal/eventtest",
		"github.com/rampartsec/rampart/internal/lambdatest", "github.com/rampartsec/rampart/internal/corpus",
		"github.com/rampartsec/rampart/collector/storetest", "github.com/rampartsec/rampart/collector/ato/atotest",
		"github.com/rampartsec/rampart/collector/geoip/geoiptest"}
	for _, c := range []struct {
		tags, pkg string
		banned    []string
	}{
		{"", ".", testHelpers},
		// The example function, which the demo builds and runs.
		{"", "github.com/rampartsec/rampart/examples/lambda", testHelpers},
		{"lambdaext", ".", append(testHelpers, "github.com/rampartsec/rampart/collector", "github.com/rampartsec/rampart/internal/demo",
			"github.com/jackc/pgx", "modernc.org/sqlite", "github.com/redis/go-redis",
			"github.com/oschwald/maxminddb-golang")},
	} {
		out, err := exec.Command("go", "list", "-tags", c.tags, "-deps", c.pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -tags %q -deps %s: %v\n%s", c.tags, c.pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, b := range c.banned {
				if dep == b || strings.HasPrefix(dep, b+"/") {
					t.Errorf("%s (-tags %q) depends on %s", c.pkg, c.tags, dep)
				}
			}
		}
	}
}
