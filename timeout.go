package rampart

import (
	"sync/atomic"
	"time"
)

// TimeoutLogInterval is the most often the agent logs that requests ran
// out of the WAF's time budget: the first timeout is logged at once, later
// ones at most once per interval, with their number since the last line.
// Every one of them is also counted (Stats.Timeouts) and reported as an
// event with timed_out set.
const TimeoutLogInterval = time.Minute

// timeoutLog rate-limits the agent's timeout warning.
type timeoutLog struct {
	last    atomic.Int64 // Unix time in ns of the last line; 0 before the first
	pending atomic.Int64 // timeouts since the last line
}

// noteTimeout counts a request that ran out of budget (notRun rules did
// not see all of it) and logs the warning when it is due.
func (a *Agent) noteTimeout(route string, notRun int) {
	l := &a.timeouts
	l.pending.Add(1)
	now := time.Now().UnixNano()
	last := l.last.Load()
	if last != 0 && now-last < int64(TimeoutLogInterval) || !l.last.CompareAndSwap(last, now) {
		return
	}
	n := l.pending.Swap(0)
	args := []any{"requests", n, "budget", a.status.Timeout, "rules_not_run", notRun}
	if last != 0 {
		args = append(args, "since", time.Duration(now-last).Round(time.Second))
	}
	if route != "" {
		args = append(args, "last_route", route)
	}
	a.log.Warn("rampart: requests ran out of the WAF's time budget: rules did not see all of them (their events say which, timed_out)", args...)
}
