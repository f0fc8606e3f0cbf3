package ui

import (
	"testing"
	"time"
)

func TestStepFor(t *testing.T) {
	for _, tc := range []struct{ span, want time.Duration }{
		{0, time.Second},
		{10 * time.Second, time.Second},
		{time.Minute, time.Second},
		{61 * time.Second, 2 * time.Second},
		{10 * time.Minute, 10 * time.Second},
		{12 * time.Minute, 15 * time.Second},
		{time.Hour, time.Minute},
		{24 * time.Hour, 30 * time.Minute},
		{7 * 24 * time.Hour, 3 * time.Hour},
		{30 * 24 * time.Hour, 12 * time.Hour},
		{365 * 24 * time.Hour, 7 * 24 * time.Hour},
		{1000 * 24 * time.Hour, 17 * 24 * time.Hour}, // whole days beyond the list
	} {
		got := stepFor(tc.span)
		if got != tc.want {
			t.Errorf("stepFor(%v) = %v, want %v", tc.span, got, tc.want)
		}
		if got*maxTimelineBars < tc.span {
			t.Errorf("stepFor(%v) = %v: more than %d bars", tc.span, got, maxTimelineBars)
		}
	}
}

// failBars returns the number of failure bars of a chart and their sum.
func failBars(c *chart) (n int, sum int64) {
	for _, l := range c.Legend {
		if l.Name == "failures" {
			sum = l.Total
		}
	}
	for _, b := range c.Bars {
		if b.Class == "c-fail" {
			n++
		}
	}
	return n, sum
}

func logins(at time.Time, n int, every time.Duration) []Login {
	var ls []Login
	for i := 0; i < n; i++ {
		ls = append(ls, Login{Time: at.Add(time.Duration(i) * every), IP: "192.0.2.1"})
	}
	return ls
}

// TestTimelineBuckets: the bars of a campaign's timeline are sized for the
// window drawn; a 10-minute burst inside a day is zoomed to, in many bars,
// and the whole day (asked for) is 49 bars of 30 minutes.
func TestTimelineBuckets(t *testing.T) {
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	first, last := day, day.Add(24*time.Hour)
	burst := logins(day.Add(20*time.Hour+3*time.Minute), 40, 15*time.Second) // 9m45s
	ls := append(append([]Login{{Time: first}}, burst...), Login{Time: last, Success: true})

	v := timeline(ls, first, last, false)
	if !v.Zoomed || v.In != 40 || v.Out != 2 || v.Step != 15*time.Second {
		t.Fatalf("a burst in a day: zoomed %v, %d in, %d out, bars of %v; want zoomed, 40, 2, 15s", v.Zoomed, v.In, v.Out, v.Step)
	}
	if !v.From.Before(burst[0].Time) || !v.To.After(burst[39].Time) || v.To.Sub(v.From) > 15*time.Minute {
		t.Errorf("zoomed to %v–%v, want around the burst %v–%v", v.From, v.To, burst[0].Time, burst[39].Time)
	}
	if n, sum := failBars(v.Chart); n != 40 || sum != 40 {
		t.Errorf("zoomed: %d failure bars summing %d, want 40 of 1", n, sum)
	}
	if v.StepName() != "15s" {
		t.Errorf("step name %q", v.StepName())
	}

	w := timeline(ls, first, last, true)
	if w.Zoomed || w.Step != 30*time.Minute || w.In != 42 || w.Out != 0 {
		t.Fatalf("the whole day: zoomed %v, bars of %v, %d in, %d out", w.Zoomed, w.Step, w.In, w.Out)
	}
	if n := len(w.Chart.XTicks); n != 5 {
		t.Errorf("%d x ticks", n)
	}
	if n, sum := failBars(w.Chart); n < 2 || n > 3 || sum != 41 {
		t.Errorf("the whole day: %d failure bars summing %d, want the first login's and the burst's one or two, 41 in all", n, sum)
	}
	if w.StepName() != "30m" {
		t.Errorf("step name %q", w.StepName())
	}
	// the bars cover [first, last]: 48 half hours and the last instant's
	bucketsOf := func(v *timelineView) int {
		if len(v.Chart.Bars) == 0 {
			return 0
		}
		bw := v.Chart.Bars[0].W + 2
		return int((float64(chartW-chartLeft-chartRight) / bw) + 0.5)
	}
	if n := bucketsOf(w); n != 49 {
		t.Errorf("the whole day in %d buckets, want 49", n)
	}

	// evenly spread attempts: nothing to zoom to
	spread := logins(first, 48, 30*time.Minute)
	if v := timeline(spread, first, last, false); v.Zoomed || v.In != 48 {
		t.Errorf("attempts over the whole day: zoomed %v, %d in", v.Zoomed, v.In)
	}
	// too few attempts to say where the activity is
	if v := timeline([]Login{{Time: first}, {Time: first.Add(time.Minute)}, {Time: last}}, first, last, false); v.Zoomed {
		t.Error("3 attempts zoomed")
	}
	// a campaign of one instant
	one := timeline(logins(first, 5, 0), first, first, false)
	if one.In != 5 || one.Step != time.Second { // zoomed to a minute around it
		t.Errorf("one instant: %d in, bars of %v", one.In, one.Step)
	}
	if n, sum := failBars(one.Chart); n != 1 || sum != 5 {
		t.Errorf("one instant: %d bars summing %d", n, sum)
	}
	// a 12-second campaign: a bar a second
	short := timeline(logins(first, 12, time.Second), first, first.Add(11*time.Second), false)
	if n, _ := failBars(short.Chart); short.Zoomed || short.Step != time.Second || n != 12 {
		t.Errorf("12 s: zoomed %v, bars of %v, %d bars", short.Zoomed, short.Step, n)
	}
}

func TestBusiestRun(t *testing.T) {
	for _, tc := range []struct {
		counts []int64
		i, j   int
		ok     bool
	}{
		{[]int64{0, 0, 0, 0, 0, 0, 0, 0, 0, 30, 1, 0, 0, 0, 0, 0}, 9, 9, true},   // 30 of 31 in one bar of 16
		{[]int64{0, 0, 0, 0, 0, 0, 0, 0, 5, 30, 0, 0, 0, 0, 0, 0}, 8, 9, true},   // two bars of 16
		{[]int64{1, 0, 0, 0, 0, 0, 0, 0, 5, 30, 4, 0, 0, 0, 0, 0}, 8, 10, false}, // three bars of 16: over an eighth
		{[]int64{3, 3, 3, 3, 3, 3, 3, 3}, 0, 0, false},                           // spread
		{[]int64{0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0}, 0, 0, false},   // too few
		{nil, 0, 0, false},
	} {
		i, j, ok := busiestRun(tc.counts)
		if ok != tc.ok || ok && (i != tc.i || j != tc.j) {
			t.Errorf("%v: %d–%d %v, want %d–%d %v", tc.counts, i, j, ok, tc.i, tc.j, tc.ok)
		}
	}
}
