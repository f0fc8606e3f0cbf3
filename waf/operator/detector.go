package operator

import (
	"fmt"
	"sort"
)

// Detector is an exploit-prevention (RASP) operator: sqli_detector,
// ssrf_detector, shi_detector, cmdi_detector and lfi_detector. Unlike an
// Operator it does not look at one value: it is given the resource that the
// code is about to use at a sink (a SQL statement, a URL, a shell command,
// an argv, a file path) and the request's inputs, and decides whether one of
// the inputs changed the resource's structure.
type Detector interface {
	// Detect reports the input that changed s, and how. inputs are only
	// valid during the call.
	Detect(s *Sink, inputs []string) (Finding, bool)
}

// Sink is the resource a detector checks.
type Sink struct {
	// Resource is the statement, URL, command line or path. For exec sinks
	// it is the argv joined by spaces (for reports); Argv holds the words.
	Resource string
	// Argv is the program and its arguments (exec sinks).
	Argv []string
	// System is the database system of a SQL sink ("postgresql", "sqlite",
	// "mysql", ...), as the driver names it; empty when unknown.
	System string
	// Resolved is the address an outgoing URL's host resolved to, at dial
	// time (the server.io.net.resolved_ip address); empty before.
	Resolved string
}

// Finding is what a detector found.
type Finding struct {
	// Input is the offending input, one of those given to Detect.
	Input string
	// Reason says how the input changed the resource.
	Reason string
}

// DetectorFactory compiles a detector from its condition's parameters
// (the options; its inputs are resolved by the engine).
type DetectorFactory func(p Params) (Detector, error)

// DetectorInfo describes a registered detector.
type DetectorInfo struct {
	// Name is the ruleset name (sqli_detector, ...).
	Name string
	// Short is the detector's short name in reports (sqli, ssrf, shi, cmdi,
	// lfi).
	Short string
	// Sink is the kind of sink it checks (sql, http, shell, exec, file).
	Sink string
	// Factory compiles it.
	Factory DetectorFactory
}

var detectors = map[string]DetectorInfo{}

// registerDetector adds a detector. It panics on an empty or duplicate
// name, or a name an operator already uses; it is only called from init.
func registerDetector(info DetectorInfo) {
	if info.Name == "" || info.Factory == nil {
		panic("operator: registerDetector with empty name or nil factory")
	}
	if _, dup := detectors[info.Name]; dup {
		panic(fmt.Sprintf("operator: detector %q registered twice", info.Name))
	}
	if _, dup := factories[info.Name]; dup {
		panic(fmt.Sprintf("operator: detector %q is already an operator", info.Name))
	}
	detectors[info.Name] = info
}

// LookupDetector returns the detector registered under name. Versioned
// names such as "sqli_detector@v2" resolve to the detector without the
// version: the engine gives every detector the whole request, which is what
// the later versions of the format ask for.
func LookupDetector(name string) (DetectorInfo, bool) {
	if d, ok := detectors[name]; ok {
		return d, true
	}
	for i := 0; i < len(name); i++ {
		if name[i] == '@' {
			d, ok := detectors[name[:i]]
			return d, ok
		}
	}
	return DetectorInfo{}, false
}

// DetectorNames returns the names of the registered detectors, sorted.
func DetectorNames() []string {
	out := make([]string, 0, len(detectors))
	for n := range detectors {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
