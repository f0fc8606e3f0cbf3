package operator

import "github.com/rampartsec/rampart/rasp/shell"

// shiDetector (shi_detector) reports a request input that spans several
// words of a shell command line or adds operators or substitutions: see
// package rasp/shell. A command line given as a list of words (Sink.Argv
// set) keeps its element boundaries: an input that covers the space
// between two elements is reported too.
type shiDetector struct{}

func newSHIDetector(Params) (Detector, error) { return shiDetector{}, nil }

func (shiDetector) Detect(s *Sink, inputs []string) (Finding, bool) {
	var f shell.Finding
	var ok bool
	if len(s.Argv) > 0 {
		f, ok = shell.CheckArgs(s.Argv, inputs)
	} else {
		f, ok = shell.Check(s.Resource, inputs)
	}
	return Finding{Input: f.Input, Reason: f.Reason}, ok
}

var _ Detector = shiDetector{}

func init() {
	registerDetector(DetectorInfo{Name: "shi_detector", Short: "shi", Sink: "shell", Factory: newSHIDetector})
}
