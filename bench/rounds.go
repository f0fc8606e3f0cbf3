package main

import "slices"

// mergeRounds combines an engine's results of several rounds: the
// detections, variants and counts of the first round (every round
// evaluates the same requests the same way; the variants only run in the
// first), and each timing, memory and allocation figure as the median of
// the rounds, so that a round the machine slowed down moves none of them.
func mergeRounds(rs []*Result) *Result {
	if len(rs) == 0 {
		return nil
	}
	out := *rs[0]
	median := func(f func(*Result) *float64) {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = *f(r)
		}
		slices.Sort(v)
		m := v[len(v)/2]
		if len(v)%2 == 0 {
			m = (v[len(v)/2-1] + m) / 2
		}
		*f(&out) = m
	}
	for _, f := range []func(*Result) *float64{
		func(r *Result) *float64 { return &r.InitMs },
		func(r *Result) *float64 { return &r.ReadyMs },
		func(r *Result) *float64 { return &r.RSSMiB },
		func(r *Result) *float64 { return &r.PkgInitMs },
		func(r *Result) *float64 { return &r.PkgInitKiB },
		func(r *Result) *float64 { return &r.P50us },
		func(r *Result) *float64 { return &r.P99us },
		func(r *Result) *float64 { return &r.BestP50us },
		func(r *Result) *float64 { return &r.BestP99us },
		func(r *Result) *float64 { return &r.MeanUs },
		func(r *Result) *float64 { return &r.PrepareUs },
		func(r *Result) *float64 { return &r.CPUUs },
		func(r *Result) *float64 { return &r.Allocs },
	} {
		median(f)
	}
	out.RoundP50us, out.RoundP99us = nil, nil
	for _, r := range rs {
		out.RoundP50us = append(out.RoundP50us, r.P50us)
		out.RoundP99us = append(out.RoundP99us, r.P99us)
	}
	return &out
}
