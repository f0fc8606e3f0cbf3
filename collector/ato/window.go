package ato

import (
	"context"
	"time"
)

// Entry is one record of a log kept by a Window: when it happened, in event
// time, and an opaque value (the detector stores an encoded attempt).
type Entry struct {
	Time  time.Time
	Value string
}

// Window is the state the detectors keep between events: time-ordered,
// bounded logs and bucketed counters, both over event time. Memory (the
// default) keeps it in this process; package collector/redis keeps it on
// Redis so that several collectors detect as one. A log and a counter may
// have the same key and are still distinct. Implementations must be safe
// for concurrent use; the contract suite in package atotest is what
// they must pass.
type Window interface {
	// Append adds e to the log at key. The log keeps its entries in time
	// order, drops those older than span before its newest entry, and keeps
	// at most limit entries (the newest).
	Append(ctx context.Context, key string, e Entry, span time.Duration, limit int) error
	// Range returns the entries of the log at key whose time is within
	// [from, to], oldest first; at most limit of them (the newest). A log
	// that does not exist is empty.
	Range(ctx context.Context, key string, from, to time.Time, limit int) ([]Entry, error)
	// Add adds delta to the counter of the bucket holding t, buckets being
	// width long (aligned on the Unix epoch), keeps at least the newest n
	// buckets — the largest n any call on key asked for — and returns the
	// counts of the n buckets ending with t's, oldest first. Buckets
	// without counts are 0.
	Add(ctx context.Context, key string, t time.Time, width time.Duration, n int, delta int64) ([]int64, error)
}

// AppendRanger is implemented by Windows that append to a log and read it
// back in one operation (one round trip to a shared store). The detectors
// use it when it is there; its result must be that of Append followed by
// Range(key, e.Time-span, e.Time, limit).
type AppendRanger interface {
	AppendRange(ctx context.Context, key string, e Entry, span time.Duration, limit int) ([]Entry, error)
}

// bucketIndex is the number of the width-long bucket holding t.
func bucketIndex(t time.Time, width time.Duration) int64 {
	ns := t.UnixNano()
	w := int64(width)
	if ns < 0 {
		return (ns - w + 1) / w
	}
	return ns / w
}

// BucketIndex returns the number of the width-long bucket (aligned on the
// Unix epoch) holding t, as Window.Add numbers them; implementations of
// Window use it so that they agree.
func BucketIndex(t time.Time, width time.Duration) int64 { return bucketIndex(t, width) }

// OpKind is the kind of an Op.
type OpKind int

// The operations an Op runs.
const (
	OpAppend      OpKind = iota // Window.Append
	OpAppendRange               // AppendRanger.AppendRange (Append then Range)
	OpAdd                       // Window.Add
	OpRange                     // Window.Range over [Time-Span, Time]
)

// Op is one Window operation of a Pipeline, with its result.
type Op struct {
	Kind OpKind
	Key  string
	// Append and AppendRange: the entry, the log's span and limit.
	Entry Entry
	Span  time.Duration
	Limit int
	// Add: the bucket holding Time, Width long, N buckets returned, Delta
	// added. Range: the entries of [Time-Span, Time], at most Limit.
	Time  time.Time
	Width time.Duration
	N     int
	Delta int64

	// Entries is AppendRange's and Range's result, Counts Add's.
	Entries []Entry
	Counts  []int64
}

// Pipeliner is implemented by Windows that run several operations in one
// round trip to a shared store; each op's result is that of the
// corresponding call. The detectors use it when it is there.
type Pipeliner interface {
	Pipeline(ctx context.Context, ops []*Op) error
}

// run runs ops on w, in one Pipeline when w has one, else one by one.
func run(ctx context.Context, w Window, ops []*Op) error {
	if p, ok := w.(Pipeliner); ok {
		return p.Pipeline(ctx, ops)
	}
	for _, op := range ops {
		var err error
		switch op.Kind {
		case OpAppend:
			err = w.Append(ctx, op.Key, op.Entry, op.Span, op.Limit)
		case OpAppendRange:
			if ar, ok := w.(AppendRanger); ok {
				op.Entries, err = ar.AppendRange(ctx, op.Key, op.Entry, op.Span, op.Limit)
			} else if err = w.Append(ctx, op.Key, op.Entry, op.Span, op.Limit); err == nil {
				op.Entries, err = w.Range(ctx, op.Key, op.Entry.Time.Add(-op.Span), op.Entry.Time, op.Limit)
			}
		case OpAdd:
			op.Counts, err = w.Add(ctx, op.Key, op.Time, op.Width, op.N, op.Delta)
		case OpRange:
			op.Entries, err = w.Range(ctx, op.Key, op.Time.Add(-op.Span), op.Time, op.Limit)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
