package operator

import "github.com/rampartsec/rampart/rasp/sqli"

// sqliDetector (sqli_detector) reports a request input that changed the
// structure of a SQL statement: see package rasp/sqli. The dialect comes
// from the sink's database system.
type sqliDetector struct{}

func newSQLiDetector(Params) (Detector, error) { return sqliDetector{}, nil }

func (sqliDetector) Detect(s *Sink, inputs []string) (Finding, bool) {
	f, ok := sqli.Check(sqli.ParseDialect(s.System), s.Resource, inputs)
	return Finding{Input: f.Input, Reason: f.Reason}, ok
}

var _ Detector = sqliDetector{}

func init() {
	registerDetector(DetectorInfo{Name: "sqli_detector", Short: "sqli", Sink: "sql", Factory: newSQLiDetector})
}
