package collector

import (
	"context"
	"encoding/json"
	"time"

	"github.com/rampartsec/rampart/collector/ato"
	"github.com/rampartsec/rampart/event"
)

// ATODetector runs the account-takeover detectors of package ato on the
// collector's user events and maps their signals, and the decisions its
// policy proposes, to the collector's.
type ATODetector struct {
	det *ato.Detector
	pol ato.Policy
	now func() time.Time
}

// NewATODetector returns the Detector over det with the response policy
// pol (the zero Policy is ato's default responses).
func NewATODetector(det *ato.Detector, pol ato.Policy) *ATODetector {
	return &ATODetector{det: det, pol: pol, now: time.Now}
}

var _ Detector = (*ATODetector)(nil)

// Observe feeds ev to the detectors and returns their detections.
func (a *ATODetector) Observe(ctx context.Context, ev *event.Event) ([]Detection, error) {
	sigs, err := a.det.Observe(ctx, ev)
	out := make([]Detection, 0, len(sigs))
	for i := range sigs {
		s := &sigs[i]
		cs := Signal{Key: "ato\x1f" + s.Key, Type: s.Type, Severity: s.Severity, Title: s.Reason,
			Service: ev.Service, Env: ev.Env, FirstSeen: s.FirstSeen, LastSeen: s.LastSeen, IPs: s.IPs, Count: int64(s.New)}
		for _, u := range s.Users {
			if u.ID != "" {
				cs.Users = append(cs.Users, u.ID)
			} else if u.Login != "" {
				cs.Users = append(cs.Users, u.Login)
			}
		}
		if s.Update {
			// The campaign goes on: what it adds to the signal's count.
			out = append(out, Detection{Signal: cs, Update: true})
			continue
		}
		// The detector's evidence becomes an event of the signal: what it
		// counted, its figures and the attempts, for the person triaging.
		evidence, err := json.Marshal(map[string]any{"type": EventDetection, "time": s.DetectedAt, "signal_type": s.Type,
			"reason": s.Reason, "count": s.Count, "failures": s.Failures, "ips": s.IPs, "users": s.Users,
			"metrics": s.Metrics, "timeline": s.Timeline})
		if err == nil {
			cs.Evidence = []json.RawMessage{evidence}
		}
		d := Detection{Signal: cs}
		for _, r := range a.pol.Respond(*s) {
			d.Decisions = append(d.Decisions, Decision{Kind: r.Kind, Value: r.Value, Reason: r.Reason,
				ExpiresAt: a.now().Add(r.Duration).UTC()})
		}
		out = append(out, d)
	}
	return out, err
}
