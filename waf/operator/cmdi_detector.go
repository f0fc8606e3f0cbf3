package operator

import "github.com/rampartsec/rampart/rasp/cmdi"

// cmdiDetector (cmdi_detector) reports a request input that is the program
// of an exec call, injects into the script of a shell or interpreter run
// with -c, or became an option: see package rasp/cmdi.
type cmdiDetector struct{}

func newCMDIDetector(Params) (Detector, error) { return cmdiDetector{}, nil }

func (cmdiDetector) Detect(s *Sink, inputs []string) (Finding, bool) {
	f, ok := cmdi.Check(s.Argv, inputs)
	return Finding{Input: f.Input, Reason: f.Reason}, ok
}

var _ Detector = cmdiDetector{}

func init() {
	registerDetector(DetectorInfo{Name: "cmdi_detector", Short: "cmdi", Sink: "exec", Factory: newCMDIDetector})
}
