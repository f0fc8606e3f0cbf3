package waf

import (
	"syscall"
	"time"
	"unsafe"
)

// threadMark is a thread and its CPU time at one moment, for the budget's
// charge of a slow run (see Context.checkBudget).
type threadMark struct {
	tid int
	cpu time.Duration
}

// threadClock is set where a thread's CPU time is read.
const threadClock = true

// clockThreadCPUTime is CLOCK_THREAD_CPUTIME_ID.
const clockThreadCPUTime = 3

// threadCPU returns the calling thread's CPU time.
func threadCPU() (time.Duration, bool) {
	var ts syscall.Timespec
	if _, _, e := syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}

// markThread marks the calling thread's CPU time.
func markThread() (threadMark, bool) {
	cpu, ok := threadCPU()
	return threadMark{tid: syscall.Gettid(), cpu: cpu}, ok
}

// since returns the CPU time the marked thread has run since the mark,
// when the caller still runs on it (a goroutine may move to another
// thread: then the clock is all there is).
func (m threadMark) since() (time.Duration, bool) {
	if syscall.Gettid() != m.tid {
		return 0, false
	}
	cpu, ok := threadCPU()
	return cpu - m.cpu, ok
}
