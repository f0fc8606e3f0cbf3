package ui

import (
	"strconv"
	"time"
)

// The charts are drawn here as SVG shapes, which the templates write out:
// no script is needed to see them, and the CSP forbids inline styles, so
// every colour comes from a class in app.css.

// Chart geometry, in SVG user units.
const (
	chartW      = 800
	chartH      = 220
	chartLeft   = 48
	chartBottom = 24
	chartTop    = 8
	chartRight  = 28
)

// chart is a stacked bar chart.
type chart struct {
	W, H   int
	Bars   []bar
	YTicks []tick
	XTicks []tick
	Legend []legend
	// Empty is true when every value is zero.
	Empty bool
	// Label describes the chart for screen readers.
	Label string
}

type bar struct {
	X, Y, W, H float64
	Class      string
	Title      string
}

type tick struct {
	X, Y  float64
	Label string
}

type legend struct {
	Class, Name string
	Total       int64
}

// niceMax rounds m up to 1, 2 or 5 times a power of ten.
func niceMax(m int64) int64 {
	if m < 4 {
		// four grid lines of whole numbers
		return 4
	}
	p := int64(1)
	for {
		for _, f := range []int64{1, 2, 5} {
			if f*p >= m {
				return f * p
			}
		}
		p *= 10
	}
}

// stacked draws series (one slice per series, one value per bucket)
// stacked bottom to top, buckets of width step from start.
func stacked(label string, start time.Time, step time.Duration, names, classes []string, series ...[]int64) *chart {
	c := &chart{W: chartW, H: chartH, Label: label, Empty: true}
	n := 0
	if len(series) > 0 {
		n = len(series[0])
	}
	var max int64
	for i := 0; i < n; i++ {
		var sum int64
		for _, s := range series {
			sum += s[i]
		}
		if sum > max {
			max = sum
		}
	}
	for k, s := range series {
		var t int64
		for _, v := range s {
			t += v
		}
		c.Legend = append(c.Legend, legend{Class: classes[k], Name: names[k], Total: t})
	}
	if n == 0 {
		return c
	}
	top := niceMax(max)
	plotW := float64(chartW - chartLeft - chartRight)
	plotH := float64(chartH - chartBottom - chartTop)
	bw := plotW / float64(n)
	for i := 0; i < n; i++ {
		y := float64(chartH - chartBottom)
		at := start.Add(time.Duration(i) * step)
		for k, s := range series {
			v := s[i]
			if v == 0 {
				continue
			}
			c.Empty = false
			h := plotH * float64(v) / float64(top)
			y -= h
			c.Bars = append(c.Bars, bar{X: chartLeft + float64(i)*bw + 1, Y: y, W: max1(bw-2, 1), H: h, Class: classes[k],
				Title: strconv.FormatInt(v, 10) + " " + names[k] + ", " + at.UTC().Format("Jan 2 15:04") + " UTC"})
		}
	}
	for _, f := range []int64{0, 1, 2, 3, 4} {
		v := top * f / 4
		c.YTicks = append(c.YTicks, tick{X: chartLeft - 6, Y: float64(chartH-chartBottom) - plotH*float64(f)/4, Label: strconv.FormatInt(v, 10)})
	}
	layout := tickLayout(step * time.Duration(n) / 4)
	for i := 0; i <= 4; i++ {
		b := n * i / 4
		c.XTicks = append(c.XTicks, tick{X: chartLeft + float64(b)*bw, Y: chartH - 6, Label: start.Add(time.Duration(b) * step).UTC().Format(layout)})
	}
	return c
}

func max1(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}

// timeline buckets logins into a failures/successes chart.
func timeline(ls []Login, first, last time.Time) *chart {
	const n = 60
	if !last.After(first) {
		first, last = first.Add(-time.Minute), last.Add(time.Minute)
	}
	step := (last.Sub(first) + n - 1) / n
	if step <= 0 {
		step = time.Second
	}
	fails, oks := make([]int64, n), make([]int64, n)
	for _, l := range ls {
		b := int(l.Time.Sub(first) / step)
		if b < 0 || b >= n {
			if b == n {
				b = n - 1
			} else {
				continue
			}
		}
		if l.Success {
			oks[b]++
		} else {
			fails[b]++
		}
	}
	return stacked("Login failures and successes over time", first, step,
		[]string{"failures", "successes"}, []string{"c-fail", "c-ok"}, fails, oks)
}

// tickLayout returns the time layout of axis labels apart by gap: fine
// enough that neighbouring labels differ (seconds below a minute, the day
// with the time from 6 h up to 48 h, so that a day's first and last
// labels differ, the day alone beyond).
func tickLayout(gap time.Duration) string {
	switch {
	case gap < time.Minute:
		return "15:04:05"
	case gap >= 48*time.Hour:
		return "Jan 2"
	case gap >= 6*time.Hour:
		return "Jan 2 15:04"
	}
	return "15:04"
}
