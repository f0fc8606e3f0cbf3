package atotest

import (
	"testing"

	"github.com/rampartsec/rampart/collector/ato"
	"github.com/rampartsec/rampart/collector/ato/simulate"
	"github.com/rampartsec/rampart/event"
)

// Traffic, Campaign, Detection and Signal are package simulate's, where
// the generated traffic lives (it also serves `rampart simulate`).
type (
	Traffic   = simulate.Traffic
	Campaign  = simulate.Campaign
	Detection = simulate.Detection
	Signal    = ato.Signal
)

// Generate is simulate.Generate.
func Generate(seed uint64) *Traffic { return simulate.Generate(seed) }

// GenerateBusy is simulate.GenerateBusy.
func GenerateBusy(seed uint64) *Traffic { return simulate.GenerateBusy(seed) }

// Check feeds tr's events to observe and fails t on every problem
// simulate.Evaluate finds: a campaign not detected within 60 s of its
// start, distributed stuffing naming fewer than 90% of its IPs, a signal
// about no campaign, a signal or decision naming a benign IP.
func Check(t *testing.T, tr *Traffic, observe func(*event.Event) ([]ato.Signal, error)) []Detection {
	t.Helper()
	res, err := simulate.Evaluate(tr, observe)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d events in %v (%.0f events/s), %d signals", res.Events, res.Elapsed, float64(res.Events)/res.Elapsed.Seconds(), res.Signals)
	for _, d := range res.Detections {
		if d.Signal != nil {
			t.Logf("%-20s %-32s detected after %5.1fs, %d/%d IPs named, %d decisions", d.Campaign.Name, d.Campaign.Want, d.DetectionDelay().Seconds(), len(d.Named), len(d.Campaign.IPs), d.Decisions)
		}
	}
	for _, p := range res.Problems {
		t.Error(p)
	}
	return res.Detections
}
