package ui

import (
	"math"
	"slices"
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

// maxTimelineBars bounds the bars of a campaign's timeline.
const maxTimelineBars = 60

// timelineSteps are the widths a timeline's bars may have, shortest
// first: it takes the shortest that spans its window in at most
// maxTimelineBars bars, so that ten minutes are 40 bars of 15 s and a day
// 48 of 30 minutes.
var timelineSteps = []time.Duration{
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 2 * 24 * time.Hour, 7 * 24 * time.Hour,
}

// stepFor returns the width of a timeline's bars over a window of length
// span: one of timelineSteps, or whole days beyond them.
func stepFor(span time.Duration) time.Duration {
	for _, st := range timelineSteps {
		if span <= st*maxTimelineBars {
			return st
		}
	}
	const day = 24 * time.Hour
	return (span/maxTimelineBars/day + 1) * day
}

// The zoom of a timeline: when zoomShare of a campaign's logins (and at
// least zoomMin of them) fall within a zoomRatio-th of the signal's span,
// the timeline shows that window, padded, rather than the whole span, where
// a 10-minute burst inside a day would be one bar.
const (
	zoomShare = 0.9
	zoomRatio = 8
	zoomMin   = 5
	// zoomPad is the least padding on each side of a zoomed window.
	zoomPad = 30 * time.Second
)

// timelineView is a campaign's login chart and the window it shows.
type timelineView struct {
	Chart *chart
	// From and To bound the window shown; Step is the width of a bar.
	From, To time.Time
	Step     time.Duration
	// Zoomed says the window is the busiest part of the signal's span,
	// not all of it: In of the logins fell inside it, Out outside.
	Zoomed  bool
	In, Out int
}

// StepName is the width of a bar, for the page ("15s", "30m", "1d").
func (v *timelineView) StepName() string {
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}} {
		if v.Step >= u.d && v.Step%u.d == 0 {
			return strconv.FormatInt(int64(v.Step/u.d), 10) + u.name
		}
	}
	return strconv.FormatInt(int64(v.Step/time.Second), 10) + "s"
}

// timeline buckets logins into a failures/successes chart over the
// signal's span [first, last], or over the busiest part of it (see
// zoomShare) unless whole is set.
func timeline(ls []Login, first, last time.Time, whole bool) *timelineView {
	if !last.After(first) {
		first, last = first.Add(-time.Minute), last.Add(time.Minute)
	}
	v := &timelineView{From: first, To: last}
	if !whole {
		if from, to, ok := busiest(ls, first, last); ok {
			v.From, v.To, v.Zoomed = from, to, true
		}
	}
	v.Step = stepFor(v.To.Sub(v.From))
	start := v.From.Truncate(v.Step)
	n := int(v.To.Sub(start)/v.Step) + 1
	end := start.Add(time.Duration(n) * v.Step)
	fails, oks := make([]int64, n), make([]int64, n)
	for _, l := range ls {
		if l.Time.Before(v.From) || l.Time.After(v.To) || !l.Time.Before(end) {
			v.Out++
			continue
		}
		v.In++
		b := int(l.Time.Sub(start) / v.Step)
		if l.Success {
			oks[b]++
		} else {
			fails[b]++
		}
	}
	v.Chart = stacked("Login failures and successes over time", start, v.Step,
		[]string{"failures", "successes"}, []string{"c-fail", "c-ok"}, fails, oks)
	return v
}

// busiestRun returns the shortest run of buckets [i, j] holding zoomShare
// of counts' sum (at least zoomMin), when it is at most a zoomRatio-th of
// the buckets.
func busiestRun(counts []int64) (i, j int, ok bool) {
	var total int64
	for _, c := range counts {
		total += c
	}
	if total < zoomMin {
		return 0, 0, false
	}
	need := int64(math.Ceil(zoomShare * float64(total)))
	best := len(counts) + 1
	var sum int64
	lo := 0
	for hi, c := range counts {
		sum += c
		for lo < hi && sum-counts[lo] >= need {
			sum -= counts[lo]
			lo++
		}
		if sum >= need && hi-lo+1 < best {
			best, i, j = hi-lo+1, lo, hi
		}
	}
	if best*zoomRatio > len(counts) {
		return 0, 0, false
	}
	return i, j, true
}

// busiest returns the shortest window holding zoomShare of the logins,
// padded and within [first, last], when it is at most a zoomRatio-th of
// that span.
func busiest(ls []Login, first, last time.Time) (from, to time.Time, ok bool) {
	if len(ls) < zoomMin {
		return
	}
	ts := make([]int64, len(ls))
	for i, l := range ls {
		ts[i] = l.Time.UnixNano()
	}
	slices.Sort(ts)
	k := int(math.Ceil(zoomShare * float64(len(ts))))
	best, width := 0, int64(math.MaxInt64)
	for i := 0; i+k <= len(ts); i++ {
		if w := ts[i+k-1] - ts[i]; w < width {
			best, width = i, w
		}
	}
	if time.Duration(width)*zoomRatio > last.Sub(first) {
		return
	}
	pad := max(time.Duration(width)/10, zoomPad)
	from = time.Unix(0, ts[best]).UTC().Add(-pad)
	to = time.Unix(0, ts[best+k-1]).UTC().Add(pad)
	if from.Before(first) {
		from = first
	}
	if to.After(last) {
		to = last
	}
	return from, to, true
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
