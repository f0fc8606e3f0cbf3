package main

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
)

// enginePackages are the import-path prefixes of each engine's code and its
// own dependencies, for counting package-level initialisation (work done
// before main, which the in-process init and RSS figures cannot see).
var enginePackages = map[string][]string{
	"rampart-default":         {"github.com/rampartsec/rampart"},
	"rampart-default-literal": {"github.com/rampartsec/rampart"},
	"rampart-datadog":         {"github.com/rampartsec/rampart"},
	"libddwaf":                {"github.com/DataDog/go-libddwaf", "github.com/ebitengine/purego"},
	"coraza-crs": {"github.com/corazawaf/", "github.com/petar-dambovaliev/", "github.com/tidwall/",
		"github.com/goccy/", "github.com/kaptinlin/", "github.com/valllabh/", "rsc.io/binaryregexp",
		"github.com/gotnospirit/", "github.com/magefile/"},
}

// notEngine are prefixes of the harness itself, excluded from every engine.
var notEngine = []string{"github.com/rampartsec/rampart/bench", "github.com/rampartsec/rampart/internal/corpus"}

// pkgInit sums the GODEBUG=inittrace=1 lines of an engine's packages from a
// worker's stderr and returns the remaining lines. Lines look like
//
//	init github.com/x/y @1.2 ms, 0.015 ms clock, 4096 bytes, 30 allocs
func pkgInit(engine string, stderr []byte) (ms, kib float64, rest []byte) {
	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(stderr))
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		if len(f) < 9 || f[0] != "init" || f[6] != "clock," {
			out.WriteString(line + "\n")
			continue
		}
		if !ownedBy(engine, f[1]) {
			continue
		}
		c, _ := strconv.ParseFloat(f[4], 64)
		b, _ := strconv.ParseFloat(f[7], 64)
		ms += c
		kib += b / 1024
	}
	return ms, kib, out.Bytes()
}

func ownedBy(engine, pkg string) bool {
	for _, p := range notEngine {
		if strings.HasPrefix(pkg, p) {
			return false
		}
	}
	for _, p := range enginePackages[engine] {
		if strings.HasPrefix(pkg, p) {
			return true
		}
	}
	return false
}
