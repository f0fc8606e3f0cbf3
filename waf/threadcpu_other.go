//go:build !linux

package waf

import "time"

// threadMark is a thread's CPU time at one moment; without a per-thread
// CPU clock (outside Linux) the budget follows the wall clock alone.
type threadMark struct{}

// threadClock is set where a thread's CPU time is read.
const threadClock = false

func markThread() (threadMark, bool) { return threadMark{}, false }

func (threadMark) since() (time.Duration, bool) { return 0, false }
