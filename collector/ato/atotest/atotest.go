// Package atotest is the contract suite that every ato.Window must pass:
// the in-process ato.Memory and the Redis window of package
// collector/redis run it, so the detectors behave the same on both.
package atotest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rampartsec/rampart/collector/ato"
	"github.com/rampartsec/rampart/event"
)

// Opener opens a Window for a test. Calls with the same name within one
// test return handles on the same state (another client of the same
// store, as a second collector process would have); different names, and
// different tests, are isolated from each other.
type Opener func(t *testing.T, name string) ato.Window

// base is an arbitrary event time: the contract is about event time.
var base = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// Run runs the contract suite against the windows open returns.
func Run(t *testing.T, open Opener) {
	t.Run("AppendRangeOrder", func(t *testing.T) { testAppendRangeOrder(t, open(t, "w")) })
	t.Run("AppendTrimSpan", func(t *testing.T) { testTrimSpan(t, open(t, "w")) })
	t.Run("AppendTrimLimit", func(t *testing.T) { testTrimLimit(t, open(t, "w")) })
	t.Run("RangeBoundsAndLimit", func(t *testing.T) { testRangeBounds(t, open(t, "w")) })
	t.Run("KeysIsolated", func(t *testing.T) { testKeysIsolated(t, open(t, "w")) })
	t.Run("Counters", func(t *testing.T) { testCounters(t, open(t, "w")) })
	t.Run("CountersKeepNewest", func(t *testing.T) { testCountersKeep(t, open(t, "w")) })
	t.Run("AppendRange", func(t *testing.T) { testAppendRange(t, open(t, "w")) })
	t.Run("CountersMixedSizes", func(t *testing.T) { testCountersMixed(t, open(t, "w")) })
	t.Run("ConcurrentAdds", func(t *testing.T) { testConcurrentAdds(t, open) })
	t.Run("DetectorsShareState", func(t *testing.T) { testShared(t, open) })
}

func values(es []ato.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Value
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func mustAppend(t *testing.T, w ato.Window, key string, at time.Time, v string, span time.Duration, limit int) {
	t.Helper()
	if err := w.Append(context.Background(), key, ato.Entry{Time: at, Value: v}, span, limit); err != nil {
		t.Fatalf("Append(%q, %q): %v", key, v, err)
	}
}

func mustRange(t *testing.T, w ato.Window, key string, from, to time.Time, limit int) []ato.Entry {
	t.Helper()
	es, err := w.Range(context.Background(), key, from, to, limit)
	if err != nil {
		t.Fatalf("Range(%q): %v", key, err)
	}
	return es
}

func testAppendRangeOrder(t *testing.T, w ato.Window) {
	if es := mustRange(t, w, "missing", base.Add(-time.Hour), base.Add(time.Hour), 10); len(es) != 0 {
		t.Fatalf("missing log: got %v, want empty", values(es))
	}
	// out of order, with a duplicate value and a value with odd bytes
	mustAppend(t, w, "k", base.Add(2*time.Second), "c", time.Hour, 10)
	mustAppend(t, w, "k", base, "a", time.Hour, 10)
	mustAppend(t, w, "k", base.Add(time.Second), "b\x00\x1f|b", time.Hour, 10)
	mustAppend(t, w, "k", base.Add(3*time.Second), "a", time.Hour, 10)
	es := mustRange(t, w, "k", base.Add(-time.Hour), base.Add(time.Hour), 10)
	if want := []string{"a", "b\x00\x1f|b", "c", "a"}; !equal(values(es), want) {
		t.Fatalf("got %q, want %q", values(es), want)
	}
	for i, e := range es {
		if want := base.Add(time.Duration(i) * time.Second); !e.Time.Equal(want) {
			t.Errorf("entry %d: time %v, want %v", i, e.Time, want)
		}
	}
}

func testTrimSpan(t *testing.T, w ato.Window) {
	span := 10 * time.Minute
	for i := range 5 {
		mustAppend(t, w, "k", base.Add(time.Duration(i)*5*time.Minute), fmt.Sprint(i), span, 100)
	}
	// newest at +20m: entries before +10m are gone
	es := mustRange(t, w, "k", base.Add(-time.Hour), base.Add(time.Hour), 100)
	if want := []string{"2", "3", "4"}; !equal(values(es), want) {
		t.Fatalf("got %q, want %q", values(es), want)
	}
	// an entry older than the span before the newest is not kept
	mustAppend(t, w, "k", base, "old", span, 100)
	es = mustRange(t, w, "k", base.Add(-time.Hour), base.Add(time.Hour), 100)
	if want := []string{"2", "3", "4"}; !equal(values(es), want) {
		t.Fatalf("after a stale append: got %q, want %q", values(es), want)
	}
}

func testTrimLimit(t *testing.T, w ato.Window) {
	for i := range 20 {
		mustAppend(t, w, "k", base.Add(time.Duration(i)*time.Second), fmt.Sprint(i), time.Hour, 8)
	}
	es := mustRange(t, w, "k", base.Add(-time.Hour), base.Add(time.Hour), 100)
	if len(es) != 8 || es[0].Value != "12" || es[7].Value != "19" {
		t.Fatalf("got %q, want the newest 8 (12..19)", values(es))
	}
}

func testRangeBounds(t *testing.T, w ato.Window) {
	for i := range 10 {
		mustAppend(t, w, "k", base.Add(time.Duration(i)*time.Second), fmt.Sprint(i), time.Hour, 100)
	}
	es := mustRange(t, w, "k", base.Add(3*time.Second), base.Add(6*time.Second), 100)
	if want := []string{"3", "4", "5", "6"}; !equal(values(es), want) {
		t.Fatalf("inclusive bounds: got %q, want %q", values(es), want)
	}
	es = mustRange(t, w, "k", base, base.Add(9*time.Second), 3)
	if want := []string{"7", "8", "9"}; !equal(values(es), want) {
		t.Fatalf("limit keeps the newest: got %q, want %q", values(es), want)
	}
	if es = mustRange(t, w, "k", base.Add(20*time.Second), base.Add(30*time.Second), 10); len(es) != 0 {
		t.Fatalf("empty range: got %q", values(es))
	}
}

func testKeysIsolated(t *testing.T, w ato.Window) {
	mustAppend(t, w, "a:alice", base, "1", time.Hour, 10)
	mustAppend(t, w, "a:bob", base, "2", time.Hour, 10)
	if es := mustRange(t, w, "a:alice", base, base, 10); !equal(values(es), []string{"1"}) {
		t.Fatalf("a:alice: got %q", values(es))
	}
	if _, err := w.Add(context.Background(), "a:alice", base, time.Minute, 2, 5); err != nil {
		// a counter under another key than the log
		t.Fatalf("Add: %v", err)
	}
	n, err := w.Add(context.Background(), "c:bob", base, time.Minute, 2, 0)
	if err != nil || len(n) != 2 || n[0] != 0 || n[1] != 0 {
		t.Fatalf("fresh counter: got %v, %v; want [0 0]", n, err)
	}
}

func testCounters(t *testing.T, w ato.Window) {
	ctx := context.Background()
	width := time.Minute
	add := func(at time.Time, n int, delta int64) []int64 {
		t.Helper()
		got, err := w.Add(ctx, "c", at, width, n, delta)
		if err != nil {
			t.Fatalf("Add: %v", err)
		}
		if len(got) != n {
			t.Fatalf("Add returned %d buckets, want %d", len(got), n)
		}
		return got
	}
	add(base, 3, 1)
	add(base.Add(10*time.Second), 3, 2)
	add(base.Add(2*time.Minute), 3, 5)
	got := add(base.Add(2*time.Minute+time.Second), 3, 1)
	if want := []int64{3, 0, 6}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	// an older bucket, out of order, sees its own window
	got = add(base.Add(time.Minute), 3, 4)
	if want := []int64{0, 3, 4}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("out of order: got %v, want %v", got, want)
	}
	// delta 0 reads
	got = add(base.Add(3*time.Minute), 4, 0)
	if want := []int64{3, 4, 6, 0}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("read: got %v, want %v", got, want)
	}
	// buckets are aligned on the epoch, not on the first Add
	aligned := time.Unix(0, ato.BucketIndex(base.Add(90*time.Second), width)*int64(width))
	if !aligned.Equal(base.Add(time.Minute)) {
		t.Fatalf("BucketIndex: bucket of +90s starts at %v, want %v", aligned, base.Add(time.Minute))
	}
}

func testCountersKeep(t *testing.T, w ato.Window) {
	ctx := context.Background()
	for i := range 30 {
		if _, err := w.Add(ctx, "c", base.Add(time.Duration(i)*time.Minute), time.Minute, 5, 1); err != nil {
			t.Fatal(err)
		}
	}
	got, err := w.Add(ctx, "c", base.Add(29*time.Minute), time.Minute, 5, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{1, 1, 1, 1, 1}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("newest 5 buckets: got %v, want %v", got, want)
	}
}

func testConcurrentAdds(t *testing.T, open Opener) {
	ctx := context.Background()
	const workers, each = 4, 50
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for i := range workers {
		w := open(t, "shared") // one handle each, as separate collectors
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range each {
				if _, err := w.Add(ctx, "c", base.Add(time.Duration(j)*time.Millisecond), time.Minute, 1, 1); err != nil {
					errs <- err
					return
				}
				if err := w.Append(ctx, "log", ato.Entry{Time: base.Add(time.Duration(j) * time.Millisecond), Value: fmt.Sprint(i)}, time.Hour, 1000); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	w := open(t, "shared")
	got, err := w.Add(ctx, "c", base, time.Minute, 1, 0)
	if err != nil || len(got) != 1 || got[0] != workers*each {
		t.Fatalf("after %d concurrent adds: got %v, %v", workers*each, got, err)
	}
	if es := mustRange(t, w, "log", base.Add(-time.Hour), base.Add(time.Hour), 10000); len(es) != workers*each {
		t.Fatalf("after %d concurrent appends: %d entries", workers*each, len(es))
	}
}

// testShared feeds a brute force to two detectors over two handles of one
// state, alternately: together they see the run and signal it once.
func testShared(t *testing.T, open Opener) {
	ctx := context.Background()
	dets := []*ato.Detector{ato.New(ato.Config{}, open(t, "det")), ato.New(ato.Config{}, open(t, "det"))}
	no := false
	var sigs []ato.Signal
	for i := range 12 {
		ev := &event.Event{Type: event.TypeLoginFailure, Time: base.Add(time.Duration(i) * 10 * time.Second),
			IP: "198.51.100.9", Usr: &event.User{Login: "carol", Exists: &no}}
		s, err := dets[i%2].Observe(ctx, ev)
		if err != nil {
			t.Fatalf("Observe: %v", err)
		}
		sigs = append(sigs, s...)
	}
	var bf []ato.Signal
	for _, s := range sigs {
		if s.Type == ato.TypeBruteForce {
			bf = append(bf, s)
		}
	}
	if len(bf) != 1 {
		t.Fatalf("got %d brute_force signals from two detectors sharing a window, want 1 (cooldown shared): %+v", len(bf), sigs)
	}
	s := bf[0]
	if s.Failures != 10 || len(s.IPs) != 1 || s.IPs[0] != "198.51.100.9" || len(s.Users) != 1 || s.Users[0].Login != "carol" {
		t.Fatalf("signal: %+v", s)
	}
	if !s.DetectedAt.Equal(base.Add(90*time.Second)) || !s.FirstSeen.Equal(base) {
		t.Fatalf("detected at %v (first seen %v), want the 10th failure at %v", s.DetectedAt, s.FirstSeen, base.Add(90*time.Second))
	}
}

// testAppendRange checks the one-trip AppendRange, when the window has it,
// against Append then Range.
func testAppendRange(t *testing.T, w ato.Window) {
	ar, ok := w.(ato.AppendRanger)
	if !ok {
		t.Skip("no AppendRange")
	}
	ctx := context.Background()
	span := 10 * time.Second
	offsets := []int{5, 1, 12, 3, 30, 29, 31, 40, 38}
	for i, off := range offsets {
		e := ato.Entry{Time: base.Add(time.Duration(off) * time.Second), Value: fmt.Sprint("v", i, "\x00")}
		got, err := ar.AppendRange(ctx, "one", e, span, 4)
		if err != nil {
			t.Fatal(err)
		}
		mustAppend(t, w, "two", e.Time, e.Value, span, 4)
		want := mustRange(t, w, "two", e.Time.Add(-span), e.Time, 4)
		if !equal(values(got), values(want)) {
			t.Fatalf("append %d: AppendRange %q, Append+Range %q", i, values(got), values(want))
		}
		for j := range got {
			if !got[j].Time.Equal(want[j].Time) {
				t.Fatalf("append %d: entry %d at %v, want %v", i, j, got[j].Time, want[j].Time)
			}
		}
	}
}

// testCountersMixed: calls asking for few buckets do not drop the buckets
// that another call on the same key asks for.
func testCountersMixed(t *testing.T, w ato.Window) {
	ctx := context.Background()
	for i := range 12 {
		if _, err := w.Add(ctx, "c", base.Add(time.Duration(i)*time.Minute), time.Minute, 12, 1); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 30 {
		got, err := w.Add(ctx, "c", base.Add(11*time.Minute+time.Duration(i)*time.Second), time.Minute, 2, 1)
		if err != nil || len(got) != 2 || got[0] != 1 || got[1] != int64(2+i) {
			t.Fatalf("small read %d: %v, %v", i, got, err)
		}
	}
	got, err := w.Add(ctx, "c", base.Add(11*time.Minute), time.Minute, 12, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := "[1 1 1 1 1 1 1 1 1 1 1 31]"; fmt.Sprint(got) != want {
		t.Fatalf("after small calls: %v, want %s", got, want)
	}
}
