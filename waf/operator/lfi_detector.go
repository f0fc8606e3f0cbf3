package operator

import "github.com/rampartsec/rampart/rasp/lfi"

// lfiDetector (lfi_detector) reports a request input that, joined into a
// file path, leaves the intended directory, is an absolute path or names a
// sensitive system file: see package rasp/lfi.
type lfiDetector struct{}

func newLFIDetector(Params) (Detector, error) { return lfiDetector{}, nil }

func (lfiDetector) Detect(s *Sink, inputs []string) (Finding, bool) {
	f, ok := lfi.Check(s.Resource, inputs)
	return Finding{Input: f.Input, Reason: f.Reason}, ok
}

var _ Detector = lfiDetector{}

func init() {
	registerDetector(DetectorInfo{Name: "lfi_detector", Short: "lfi", Sink: "file", Factory: newLFIDetector})
}
