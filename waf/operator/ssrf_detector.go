package operator

import (
	"net/netip"

	"github.com/rampartsec/rampart/rasp/ssrf"
)

// ssrfDetector (ssrf_detector) reports a request input that controls an
// outgoing URL's scheme, userinfo, host or port, climbs its path, or uses a
// dangerous scheme: see package rasp/ssrf. At dial time, when the sink
// carries the resolved address, it reports an input that chose the whole
// host of a name that resolved to an internal address (DNS rebinding).
type ssrfDetector struct{}

func newSSRFDetector(Params) (Detector, error) { return ssrfDetector{}, nil }

func (ssrfDetector) Detect(s *Sink, inputs []string) (Finding, bool) {
	if s.Resolved != "" {
		ip, err := netip.ParseAddr(s.Resolved)
		if err != nil {
			return Finding{}, false
		}
		f, ok := ssrf.CheckResolved(s.Resource, inputs, ip)
		return Finding{Input: f.Input, Reason: f.Reason}, ok
	}
	f, ok := ssrf.Check(s.Resource, inputs)
	return Finding{Input: f.Input, Reason: f.Reason}, ok
}

var _ Detector = ssrfDetector{}

func init() {
	registerDetector(DetectorInfo{Name: "ssrf_detector", Short: "ssrf", Sink: "http", Factory: newSSRFDetector})
}
