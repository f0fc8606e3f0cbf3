package main

import (
	"slices"
	"testing"
)

// TestMergeRounds: timings are the medians of the rounds, detections are
// the first round's, and each round's p50 and p99 are kept.
func TestMergeRounds(t *testing.T) {
	rs := []*Result{
		{P50us: 20, P99us: 100, InitMs: 5, AttacksFlagged: 7, Variants: map[string]*VariantResult{"base64": {Attacks: 3}}},
		{P50us: 30, P99us: 90, InitMs: 9, AttacksFlagged: 7},
		{P50us: 10, P99us: 300, InitMs: 4, AttacksFlagged: 7},
	}
	m := mergeRounds(rs)
	if m.P50us != 20 || m.P99us != 100 || m.InitMs != 5 {
		t.Errorf("medians: p50 %v p99 %v init %v, want 20 100 5", m.P50us, m.P99us, m.InitMs)
	}
	if m.AttacksFlagged != 7 || m.Variants["base64"] == nil {
		t.Error("the first round's detections and variants are lost")
	}
	if !slices.Equal(m.RoundP99us, []float64{100, 90, 300}) || !slices.Equal(m.RoundP50us, []float64{20, 30, 10}) {
		t.Errorf("rounds: %v %v", m.RoundP50us, m.RoundP99us)
	}
	if rs[0].P99us != 100 || rs[0].RoundP99us != nil {
		t.Error("the first round's result was modified")
	}
	if two := mergeRounds(rs[:2]); two.P50us != 25 {
		t.Errorf("median of two rounds: %v, want their mean 25", two.P50us)
	}
	if mergeRounds(nil) != nil {
		t.Error("no rounds: want nil")
	}
}
