package operator

import "github.com/rampartsec/rampart/rasp/ssrf"

// ssrfDetector (ssrf_detector) reports a request input that controls an
// outgoing URL's scheme, userinfo, host or port, climbs its path, or uses a
// dangerous scheme: see package rasp/ssrf.
type ssrfDetector struct{}

func newSSRFDetector(Params) (Detector, error) { return ssrfDetector{}, nil }

func (ssrfDetector) Detect(s *Sink, inputs []string) (Finding, bool) {
	f, ok := ssrf.Check(s.Resource, inputs)
	return Finding{Input: f.Input, Reason: f.Reason}, ok
}

var _ Detector = ssrfDetector{}

func init() {
	registerDetector(DetectorInfo{Name: "ssrf_detector", Short: "ssrf", Sink: "http", Factory: newSSRFDetector})
}
